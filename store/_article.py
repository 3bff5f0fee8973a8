"""The records the store keeps: articles in, chunks and registry entries out."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

#: The metadata key of the site: the one it always had, so existing stores read back as they are.
SITE_KEY = "source"


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
    site: str = ""
    published: str = ""
    author: str = ""
    language: str = ""

    @property
    def info(self) -> ArticleInfo:
        """The fields that name the article wherever it is shown."""
        return ArticleInfo(
            self.id, self.title, self.url, self.site, self.published, self.author, self.language
        )


@dataclass(frozen=True)
class ArticleInfo:
    """What names an article wherever it appears: on a chunk, a registry record, a citation.

    Usage::

        ArticleInfo.from_metadata(chunk.metadata)       # as stored with any chunk
        ArticleInfo("abc", "Merapi erupts", site="antaranews").to_metadata()
    """

    id: str
    title: str = ""
    url: str = ""
    site: str = ""
    published: str = ""
    author: str = ""
    language: str = ""

    def to_metadata(self) -> dict[str, str]:
        """The fields as Chroma stores them with a chunk or a registry record."""
        return {
            "article_id": self.id,
            "title": self.title,
            "url": self.url,
            SITE_KEY: self.site,
            "published": self.published,
            "author": self.author,
            "language": self.language,
        }

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, object], article_id: str = "") -> ArticleInfo:
        """The fields read back from what Chroma or LlamaIndex hold (the one reader of them)."""
        return cls(
            id=article_id or str(metadata.get("article_id", "")),
            title=str(metadata.get("title", "")),
            url=str(metadata.get("url", "")),
            site=str(metadata.get(SITE_KEY, "")),
            published=str(metadata.get("published", "")),
            author=str(metadata.get("author", "")),
            language=str(metadata.get("language", "")),
        )


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
    site: str
    published: str
    author: str
    language: str
    content_hash: str
    chunks: int
    also_at: tuple[str, ...] = field(default=())

    @property
    def info(self) -> ArticleInfo:
        """The fields that name the article wherever it is shown."""
        return ArticleInfo(
            self.id, self.title, self.url, self.site, self.published, self.author, self.language
        )


@dataclass(frozen=True)
class Chunk:
    """A stored passage of an article, as search returns it."""

    id: str
    text: str
    article_id: str
    title: str
    url: str
    site: str
    published: str
    language: str
    position: int
    score: float = 0.0

    @classmethod
    def from_metadata(
        cls, chunk_id: str, text: str, metadata: Mapping[str, object], score: float = 0.0
    ) -> Chunk:
        """A chunk from what Chroma or LlamaIndex hold for it."""
        article = ArticleInfo.from_metadata(metadata)
        return cls(
            id=chunk_id,
            text=text,
            article_id=article.id,
            title=article.title,
            url=article.url,
            site=article.site,
            published=article.published,
            language=article.language,
            position=int(str(metadata.get("position", 0))),
            score=score,
        )


@dataclass(frozen=True)
class Stats:
    """Counts over the whole store."""

    articles: int
    chunks: int
    languages: dict[str, int]
    sites: dict[str, int]
    embed_model: str
    location: str
