"""The extractive backend: the sentences that best answer the question, quoted as written."""

from __future__ import annotations

import re

from store import mentions

from ._answer_types import AnswerType, answer_terms, expected_type
from ._composition import Composition
from ._dates import published_label
from ._language import question_language
from ._passages import NumberedSource, Sentence

_WORD = re.compile(r"\w+")
_SENTENCE_END = (".", "!", "?", '"', "\u201d", "\u2019", ")")
# A sentence shorter than this is a heading or a fragment, not an answer.
_MIN_WORDS = 5


class ExtractiveComposer:
    """Quotes the sentences of the sources that answer the question, each followed by its `[n]`.

    A sentence's score starts from the question's cosine with it (computed at ingest and
    retrieval, so nothing is embedded here). The sentence most like the question often only
    restates it, so a sentence gains `type_weight` when it adds a word of the kind the question
    asks for (a date for "when", a number for "how many", a name for "who" or "where": see
    `answer_terms`), `first_weight` when it is of source [1], whose passage retrieval ranked
    best, and `next_weight` times how much closer the sentence before it is: the answer often
    follows the sentence that sets the scene. Fitted on TyDi-en, TyDi-id and FacQA, each weight
    set scored on the set left out as well as fitted on all three.

    The best sentence is quoted; another one within `margin` of it only when it adds answer
    words that the ones before it lack (distinct facts), up to `max_quotes`: "Who backs Haftar?"
    gets Russian contractors and the UAE, Jordan and Egypt, not the meeting that restates it.

    Usage::

        composer = ExtractiveComposer()
        composer.compose("Who backs Haftar?", number_sources(engine.passages("Who backs Haftar?")))
    """

    def __init__(
        self,
        *,
        max_quotes: int = 4,
        margin: float = 0.01,
        other_language_margin: float = 0.015,
        type_weight: float = 0.16,
        first_weight: float = 0.1,
        next_weight: float = 0.25,
        name_weight: float = 0.01,
    ) -> None:
        self.max_quotes = max_quotes
        self.margin = margin
        self.other_language_margin = other_language_margin
        self.type_weight = type_weight
        self.first_weight = first_weight
        self.next_weight = next_weight
        self.name_weight = name_weight

    def compose(self, question: str, sources: list[NumberedSource]) -> Composition:
        """The quoted sentences, one per line, best first.

        When the quoted articles were published on different days, each line also says the day
        of its source ("… [2] (8 Jan 2020)"): facts of different days may disagree.
        """
        chosen = self.select(question, sources)
        quotes: dict[int, list[str]] = {}
        for sentence in chosen:
            quotes.setdefault(sentence.n, []).append(sentence.text)
        language = question_language(question)
        days = {s.n: published_label(s.article.published, language) for s in sources}
        dated = len({days[n] for n in quotes}) > 1
        text = "\n".join(
            f"{sentence.text} [{sentence.n}]"
            + (f" ({days[sentence.n]})" if dated and days[sentence.n] else "")
            for sentence in chosen
        )
        return Composition(text, quotes)

    def select(self, question: str, sources: list[NumberedSource]) -> list[Sentence]:
        """The sentences to quote, best first; a source without sentences offers its passage."""
        ranked = sorted(self._scored(question, sources), key=lambda p: p[0], reverse=True)
        if not ranked:
            return []
        language = {source.n: source.article.language for source in sources}[ranked[0][1].n]
        # Across languages the cosines of the answer and of its neighbours lie closer together.
        across = language not in {"", question_language(question)}
        margin = self.other_language_margin if across else self.margin
        chosen: list[Sentence] = []
        answered: frozenset[str] = frozenset()
        for score, sentence, terms in ranked:
            if len(chosen) == self.max_quotes or score < ranked[0][0] - margin:
                break
            if chosen and not terms - answered:
                continue
            if all(sentence.text != other.text for other in chosen):
                chosen.append(sentence)
                answered |= terms
        return chosen

    def _scored(
        self, question: str, sources: list[NumberedSource]
    ) -> list[tuple[float, Sentence, frozenset[str]]]:
        """Each quotable sentence with its score and the answer words it adds."""
        kind = expected_type(question)
        names = frozenset().union(*(source.names for source in sources))
        scored = []
        for source in sources:
            before: Sentence | None = None
            for sentence in _offered(source):
                terms = answer_terms(question, sentence.text, kind)
                score = (
                    sentence.score
                    + self.type_weight * _answers(kind, terms)
                    + self.first_weight * (source.n == 1)
                    + self.next_weight * max(0.0, before.score - sentence.score if before else 0.0)
                    + self.name_weight * _share_named(sentence.text, names)
                )
                before = sentence
                if quotable(sentence.text):
                    scored.append((score, sentence, terms))
        return scored or [(s.score, s, frozenset()) for source in sources for s in _offered(source)]


def _offered(source: NumberedSource) -> tuple[Sentence, ...]:
    # Chunks stored before sentence vectors existed carry no sentences until `kabar reindex`.
    return source.sentences or (Sentence(source.passages[0], 0.0, source.n),)


def quotable(text: str) -> bool:
    """Whether a sentence reads as a statement: long enough and ending like a sentence."""
    return len(_WORD.findall(text)) >= _MIN_WORDS and text.endswith(_SENTENCE_END)


def _share_named(text: str, names: frozenset[str]) -> float:
    if not names:
        return 0.0
    return sum(mentions(text, name) for name in names) / len(names)


def _answers(kind: AnswerType, terms: frozenset[str]) -> float:
    """How fully a sentence's answer words answer the kind of question asked.

    A date, number or place takes one word; a name two: most people's names are two words, and
    the one capitalised word of "coming back for Season 3" is no name.
    """
    if kind is AnswerType.OTHER:
        return 0.0
    return min(len(terms), 2) / 2 if kind is AnswerType.NAME else float(bool(terms))
