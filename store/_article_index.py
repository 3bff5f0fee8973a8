"""Every stored article's version, fingerprint bands, order and facets, in a tantivy index.

It lives in the store's data folder and answers what would otherwise read the whole registry,
because Chroma filters by scanning every record (measured: one filter on one field took 5 ms at
20,000 records, 176 ms at 320,000):

- near-copy candidates: the articles sharing an LSH band with a new one, one query per batch;
- pages of the newest articles: an ordered top-k over a fast field, however deep the page;
- the articles published in a time range: a range over the same fast field;
- the counts per site and per language (`stats`): one aggregation over fast fields.

An entry is written before the registry commits its article's version and only ever points at
a candidate: whoever reads it checks the registry's record (committed, of that version), so an
entry of a version that was rolled back or replaced misleads nobody. At rest each committed
article has one entry; while a write is in flight its new versions have one more.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

from . import _fingerprint
from ._tantivy import drop_other_versions, open_index, writing

# Records that the index holds every committed article; without it, it is built again.
_STAMP_FILE = "kabar-articles.txt"
_LAYOUT = "3"  # raise whenever `_schema` changes
# An article's rank is its recency shifted left by this many bits, with a hash of its id below
# them, so that articles of one second keep one order from page to page.
_TIE_BITS = 21
_UNKNOWN = "?"  # the facet value of an article without a site or language


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("entry", tokenizer_name="raw")  # article id and version
    builder.add_text_field("article_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("version", stored=True, tokenizer_name="raw")
    builder.add_integer_field("band", indexed=True)
    builder.add_text_field("signature", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("rank", fast=True)
    builder.add_text_field("site", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("language", fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


_SCHEMA = _schema()


@dataclass(frozen=True)
class Entry:
    """An article's version, its fingerprint, its place in newest-first order and its facets.

    `recency` is `_recency.recency` of the article. Entries found by their bands (`sharing`)
    carry the article id, version and signature only.
    """

    article_id: str
    version: str
    signature: np.ndarray
    recency: int = 0
    site: str = ""
    language: str = ""

    @cached_property
    def bands(self) -> frozenset[int]:
        """The fingerprint's LSH bands."""
        return frozenset(_fingerprint.bands(self.signature))


class ArticleIndex:
    """Which articles there are, newest first, with their fingerprints' LSH bands and facets.

    Usage::

        index = ArticleIndex(data_dir / "articles")
        index.add([Entry("a1", content_hash, fingerprint(text), recency, "kompas.com", "id")])
        index.sharing(set(bands(fingerprint(other))))  # [Entry("a1", content_hash, ...)]
        index.newest(10, offset=20)                    # [("a1", content_hash), ...]
        index.between(start, end, 100)                 # the same, published start..end
        index.counts()                                 # ({"kompas.com": 1}, {"id": 1})
        index.drop({"a1": content_hash})               # its entries of other versions
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._index = open_index(folder, _SCHEMA)

    def stale(self) -> bool:
        """Whether the index must be built again from the registry (new or of another layout)."""
        stamp = self._folder / _STAMP_FILE
        return not stamp.exists() or stamp.read_text(encoding="ascii") != _LAYOUT

    def __len__(self) -> int:
        return int(self._searcher().num_docs)

    def sharing(self, bands: AbstractSet[int]) -> list[Entry]:
        """Every entry that has one of these bands (of any version: see the module's notes)."""
        if not bands:
            return []
        searcher = self._searcher()
        query = tantivy.Query.term_set_query(_SCHEMA, "band", sorted(bands))
        # Counted first: a search collects into room for as many hits as its limit.
        counted = searcher.search(query, limit=1, count=True)
        count = int(counted.count or 0)  # type: ignore[attr-defined]  # missing from the stub
        hits = searcher.search(query, limit=max(1, count), count=False).hits
        return [_entry(searcher.doc(address)) for _, address in hits]

    def newest(self, limit: int | None, offset: int = 0) -> list[tuple[str, str]]:
        """(article id, version) of `limit` entries (all for None) after `offset`, newest first.

        A top-k over the rank's fast field: a deep page costs a pass over a column of integers,
        never a read of the entries before it.
        """
        searcher = self._searcher()
        hits = searcher.search(
            tantivy.Query.all_query(),
            limit=max(1, searcher.num_docs if limit is None else limit),
            count=False,
            order_by_field="rank",
            offset=offset,
            order=tantivy.Order.Desc,
        ).hits
        documents = (searcher.doc(address) for _, address in hits)
        return [(str(d["article_id"][0]), str(d["version"][0])) for d in documents]

    def between(self, start: int, end: int, limit: int) -> list[tuple[str, str]]:
        """(article id, version) of at most `limit` entries of recency `start` to `end`.

        Newest first, both ends included: a range over the rank's fast field reads the range
        only.
        """
        searcher = self._searcher()
        query = tantivy.Query.range_query(
            _SCHEMA, "rank", tantivy.FieldType.Integer, start << _TIE_BITS, _rank_after(end) - 1
        )
        hits = searcher.search(
            query, limit=max(1, limit), count=False, order_by_field="rank", order=tantivy.Order.Desc
        ).hits
        documents = (searcher.doc(address) for _, address in hits)
        return [(str(d["article_id"][0]), str(d["version"][0])) for d in documents]

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """How many entries each site and each language has ("?" for none)."""
        searcher = self._searcher()
        terms = {"size": 1 << 16, "missing": _UNKNOWN}
        found: dict[str, Any] = searcher.aggregate(
            tantivy.Query.all_query(),
            {facet: {"terms": {"field": facet, **terms}} for facet in ("site", "language")},
        )
        site, language = (
            {str(b["key"]): int(b["doc_count"]) for b in found[facet]["buckets"]}
            for facet in ("site", "language")
        )
        return site, language

    def add(self, entries: Iterable[Entry]) -> None:
        """Record entries; one written before for the same article and version is replaced."""
        with writing(self._index, self._folder) as writer:
            for entry in entries:
                writer.delete_documents_by_term("entry", f"{entry.article_id} {entry.version}")
                writer.add_document(_document(entry))

    def drop(self, versions: Mapping[str, str]) -> None:
        """Remove each article's entries of other versions than the one given (all for "")."""
        with writing(self._index, self._folder) as writer:
            for article_id, keep_version in versions.items():
                drop_other_versions(writer, _SCHEMA, article_id, keep_version)

    def rebuild(self, entries: Iterable[Entry]) -> None:
        """Hold these entries only, in one commit, and record that the index is complete."""
        with writing(self._index, self._folder) as writer:
            writer.delete_all_documents()
            for entry in entries:
                writer.add_document(_document(entry))
        stamp = self._folder / f"{_STAMP_FILE}.{os.getpid()}"
        stamp.write_text(_LAYOUT, encoding="ascii")
        stamp.replace(self._folder / _STAMP_FILE)

    def _searcher(self) -> tantivy.Searcher:
        self._index.reload()
        return self._index.searcher()


def _rank(article_id: str, recency: int) -> int:
    return (recency << _TIE_BITS) + zlib.crc32(article_id.encode()) % (1 << _TIE_BITS)


def _rank_after(recency: int) -> int:
    """The lowest rank of the second after `recency`."""
    return (recency + 1) << _TIE_BITS


def _document(entry: Entry) -> tantivy.Document:
    document = tantivy.Document(
        entry=f"{entry.article_id} {entry.version}",
        article_id=entry.article_id,
        version=entry.version,
        signature=_fingerprint.encode(entry.signature),
        rank=_rank(entry.article_id, entry.recency),
    )
    for band in entry.bands:
        document.add_integer("band", band)
    for facet, value in (("site", entry.site), ("language", entry.language)):
        if value:
            document.add_text(facet, value)
    return document


def _entry(document: tantivy.Document) -> Entry:
    return Entry(
        str(document["article_id"][0]),
        str(document["version"][0]),
        _fingerprint.decode(str(document["signature"][0])),
    )
