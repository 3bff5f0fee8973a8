"""Every chunk in memory, in one order: what keyword search and filters work over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from chromadb.api.models.Collection import Collection
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from ._article import SITE_KEY, Chunk
from ._chunking import published_day
from ._keyword import KeywordIndex
from ._sentences import unpack_vectors

_PAGE = 5000


@dataclass(frozen=True)
class SearchFilters:
    """Which chunks a search may return; every field left as None lets everything through.

    Usage::

        SearchFilters(language="id")
        SearchFilters(site="antaranews", since=date(2017, 1, 1), until=date(2017, 12, 31))
    """

    site: str | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None

    def to_metadata_filters(self) -> MetadataFilters | None:
        """The same filters for LlamaIndex's vector store query."""
        filters: list[MetadataFilter | MetadataFilters] = []
        if self.site:
            filters.append(MetadataFilter(key=SITE_KEY, value=self.site))
        if self.language:
            filters.append(MetadataFilter(key="language", value=self.language))
        if self.since:
            filters.append(
                MetadataFilter(
                    key="published_day", value=_day(self.since), operator=FilterOperator.GTE
                )
            )
        if self.until:
            filters.append(
                MetadataFilter(
                    key="published_day", value=_day(self.until), operator=FilterOperator.LTE
                )
            )
        return MetadataFilters(filters=filters) if filters else None

    def __bool__(self) -> bool:
        return any((self.site, self.language, self.since, self.until))


def _day(value: date) -> int:
    return value.year * 10_000 + value.month * 100 + value.day


class Catalog:
    """The chunks of a collection with a BM25 index over them and their sentences' vectors."""

    def __init__(
        self,
        chunks: list[Chunk],
        sentences: list[str],
        packed_vectors: list[str],
        dimension: int,
    ) -> None:
        self.chunks = chunks
        self._dimension = dimension
        self.keyword = KeywordIndex([c.text for c in chunks])
        self._position = {chunk.id: i for i, chunk in enumerate(chunks)}
        # Filter fields as arrays, so that filtering BM25 scores costs no loop per question.
        self._sites = np.array([c.site for c in chunks], dtype=object)
        self._languages = np.array([c.language for c in chunks], dtype=object)
        self._days = np.array([published_day(c.published) for c in chunks], dtype=np.int64)
        self._sentences = sentences
        self._packed = packed_vectors

    def sentences(self, chunk_id: str) -> str:
        """The chunk's sentence spans as stored (see `format_spans`)."""
        return self._sentences[self._position[chunk_id]]

    def sentence_vectors(self, chunk_id: str) -> np.ndarray:
        """The unit vectors of the chunk's sentences, one row each, in order."""
        return unpack_vectors(self._packed[self._position[chunk_id]], self._dimension)

    def __len__(self) -> int:
        return len(self.chunks)

    @classmethod
    def load(cls, collection: Collection, dimension: int) -> Catalog:
        """Read every chunk of the collection, page by page."""
        chunks: list[Chunk] = []
        sentences: list[str] = []
        packed: list[str] = []
        while True:
            page = collection.get(
                include=["documents", "metadatas"], limit=_PAGE, offset=len(chunks)
            )
            documents, metadatas = page["documents"] or [], page["metadatas"] or []
            for i, document, metadata in zip(page["ids"], documents, metadatas, strict=True):
                chunks.append(Chunk.from_metadata(i, document or "", metadata))
                sentences.append(str(metadata.get("sentences") or ""))
                packed.append(str(metadata.get("sentence_vectors") or ""))
            if len(page["ids"]) < _PAGE:
                return cls(chunks, sentences, packed, dimension)

    def keyword_search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[Chunk, float]]:
        """The `k` best chunks by BM25 with a positive score, best first."""
        scores = self.keyword.scores(query)
        if filters:
            scores = scores * self._admitted(filters)
        top = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def _admitted(self, filters: SearchFilters) -> np.ndarray:
        """Which chunks pass every filter; a chunk without a date passes no date filter."""
        mask = np.ones(len(self.chunks), dtype=bool)
        if filters.site:
            mask &= self._sites == filters.site
        if filters.language:
            mask &= self._languages == filters.language
        if filters.since:
            mask &= self._days >= _day(filters.since)
        if filters.until:
            mask &= (self._days > 0) & (self._days <= _day(filters.until))
        return mask
