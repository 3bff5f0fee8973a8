"""The records the store keeps: articles in, chunks and registry entries out."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """A clean article, ready to be chunked and stored.

    `id` is stable across re-ingests of the same article (canonical URL, path or content);
    `content_hash` changes whenever the text or title does.
    """

    id: str
    title: str
    text: str
    content_hash: str
    url: str = ""
    source: str = ""
    published: str = ""
    author: str = ""
    language: str = ""


class Outcome(enum.StrEnum):
    """What writing an article did to the store."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class WriteResult:
    """The outcome of writing one article; `article_id` names the stored original for duplicates."""

    outcome: Outcome
    article_id: str
    title: str
    chunks: int = 0


@dataclass(frozen=True)
class ArticleRecord:
    """An article as the registry knows it."""

    id: str
    title: str
    url: str
    source: str
    published: str
    author: str
    language: str
    content_hash: str
    chunks: int
    also_at: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Chunk:
    """A stored passage of an article, as search returns it."""

    id: str
    text: str
    article_id: str
    title: str
    url: str
    source: str
    published: str
    language: str
    position: int
    score: float = 0.0

    @classmethod
    def from_metadata(
        cls, chunk_id: str, text: str, metadata: Mapping[str, object], score: float = 0.0
    ) -> Chunk:
        """A chunk from what Chroma or LlamaIndex hold for it."""
        return cls(
            id=chunk_id,
            text=text,
            article_id=str(metadata.get("article_id", "")),
            title=str(metadata.get("title", "")),
            url=str(metadata.get("url", "")),
            source=str(metadata.get("source", "")),
            published=str(metadata.get("published", "")),
            language=str(metadata.get("language", "")),
            position=int(str(metadata.get("position", 0))),
            score=score,
        )


@dataclass(frozen=True)
class Stats:
    """Counts over the whole store."""

    articles: int
    chunks: int
    languages: dict[str, int]
    sources: dict[str, int]
    embed_model: str
    location: str
