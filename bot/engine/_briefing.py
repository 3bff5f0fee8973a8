"""Briefings: the articles that matter for a topic (or the newest), a few key sentences each."""

from __future__ import annotations

from dataclasses import dataclass, replace

from store import ArticleRecord, sentence_spans

from ._answer import Citation
from ._composition import QUOTE_SEPARATOR
from ._engine import Engine
from ._extractive import quotable
from ._passages import NumberedSource, number_sources

#: Articles in a briefing, and key sentences quoted from each.
ARTICLES = 5
SENTENCES = 3


@dataclass(frozen=True)
class BriefItem:
    """One article of a briefing: its source `[n]` and its key sentences, as written."""

    source: Citation
    sentences: tuple[str, ...]

    @classmethod
    def quoting(cls, source: Citation, sentences: tuple[str, ...]) -> BriefItem:
        """The item quoting `sentences` of the article `source` names."""
        return cls(replace(source, quote=QUOTE_SEPARATOR.join(sentences)), sentences)


@dataclass(frozen=True)
class Briefing:
    """A briefing on `topic` ("" for the newest articles), in the chat's language."""

    topic: str
    language: str
    items: tuple[BriefItem, ...]


def brief(engine: Engine, topic: str, language: str) -> Briefing:
    """The most relevant articles for `topic`, or the most recent ones without a topic."""
    if topic:
        sources = number_sources(engine.passages(topic))[:ARTICLES]
        items = tuple(_topic_item(source) for source in sources)
    else:
        records = engine.store.newest(ARTICLES)
        items = tuple(
            _lead_item(n, record, engine.store.text(record.id))
            for n, record in enumerate(records, start=1)
        )
    return Briefing(topic, language, items)


def _topic_item(source: NumberedSource) -> BriefItem:
    """The source's best-scored sentences, shown in the order the article has them."""
    candidates = [s for s in source.sentences if quotable(s.text)] or list(source.sentences)
    best = sorted(candidates, key=lambda s: s.score, reverse=True)[:SENTENCES]
    ordered = tuple(s.text for s in candidates if s in best)
    return BriefItem.quoting(source.citation(""), ordered or source.passages[:1])


def _lead_item(n: int, record: ArticleRecord, text: str) -> BriefItem:
    """The article's opening sentences: news puts the key facts first."""
    sentences = [text[a:b].strip() for a, b in sentence_spans(text)]
    lead = tuple(s for s in sentences if quotable(s) and s != record.title)[:SENTENCES]
    source = Citation(n, record.info, "")
    return BriefItem.quoting(source, lead)
