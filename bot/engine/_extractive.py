"""The extractive backend: the sentences that best answer the question, quoted as written."""

from __future__ import annotations

import re

from ._composition import Composition
from ._passages import NumberedSource, Sentence

_WORD = re.compile(r"\w+")
_SENTENCE_END = (".", "!", "?", '"', "\u201d", "\u2019", ")")
# A sentence shorter than this is a heading or a fragment, not an answer.
_MIN_WORDS = 5


class ExtractiveComposer:
    """Quotes the best-scored sentences of the sources, each followed by its `[n]`.

    A sentence's score is the question's cosine with it (computed at ingest and retrieval, so
    nothing is embedded here), raised by `name_weight` times the share of the question's names
    and of the acronyms written beside them (the sources' `names`) that it mentions. Every
    sentence within `margin` of the best is quoted, up to `max_quotes`: a question with several
    answers ("Who backs Haftar?": Russian contractors; the UAE, Jordan and Egypt) gets several
    distinct facts.

    Usage::

        ExtractiveComposer().compose(number_sources(engine.passages("Who backs Haftar?"))).text
    """

    def __init__(
        self, *, max_quotes: int = 4, margin: float = 0.015, name_weight: float = 0.01
    ) -> None:
        self.max_quotes = max_quotes
        self.margin = margin
        self.name_weight = name_weight

    def compose(self, sources: list[NumberedSource]) -> Composition:
        """The quoted sentences, one per line, best first."""
        chosen = self.select(sources)
        quotes: dict[int, list[str]] = {}
        for sentence in chosen:
            quotes.setdefault(sentence.n, []).append(sentence.text)
        text = "\n".join(f"{sentence.text} [{sentence.n}]" for sentence in chosen)
        return Composition(text, quotes)

    def select(self, sources: list[NumberedSource]) -> list[Sentence]:
        """The sentences to quote, best first; a source without sentences offers its passage."""
        names = frozenset().union(*(source.names for source in sources))
        sentences = [s for source in sources for s in _offered(source)]
        candidates = [s for s in sentences if quotable(s.text)] or sentences
        ranked = sorted(
            ((s.score + self.name_weight * _share_named(s.text, names), s) for s in candidates),
            key=lambda pair: pair[0],
            reverse=True,
        )
        chosen: list[Sentence] = []
        for score, sentence in ranked:
            if len(chosen) == self.max_quotes or score < ranked[0][0] - self.margin:
                break
            if all(sentence.text != other.text for other in chosen):
                chosen.append(sentence)
        return chosen


def _offered(source: NumberedSource) -> tuple[Sentence, ...]:
    # Chunks stored before sentence vectors existed carry no sentences until `kabar reindex`.
    return source.sentences or (Sentence(source.passages[0], 0.0, source.n),)


def quotable(text: str) -> bool:
    """Whether a sentence reads as a statement: long enough and ending like a sentence."""
    return len(_WORD.findall(text)) >= _MIN_WORDS and text.endswith(_SENTENCE_END)


def _share_named(text: str, names: frozenset[str]) -> float:
    if not names:
        return 0.0
    return sum(bool(re.search(rf"\b{re.escape(name)}\b", text)) for name in names) / len(names)
