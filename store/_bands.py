"""The LSH bands of every article's fingerprint, in a tantivy index in the store's data folder.

Finding the stored articles that share a band with a new one is what near-copy detection reads
for each article written. Chroma filters by scanning every record (measured: one filter on one
field took 5 ms at 20,000 records, 176 ms at 320,000), so the bands are kept where a lookup
reads the terms asked for only: one query for a whole batch, whatever the archive's size.

An entry is written before the registry commits its article's version and only ever points at
a candidate: whoever reads it checks the registry's record (committed, of that version), so an
entry of a version that was rolled back or replaced misleads nobody.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tantivy

from . import _fingerprint
from ._tantivy import drop_other_versions, open_index, writing

# Records that the index holds every committed article's bands; without it, it is built again.
_STAMP_FILE = "kabar-bands.txt"
_LAYOUT = "2"  # raise whenever `_schema` changes


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("entry", tokenizer_name="raw")  # article id and version
    builder.add_text_field("article_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("version", stored=True, tokenizer_name="raw")
    builder.add_integer_field("band", stored=True, indexed=True)
    builder.add_text_field("signature", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


_SCHEMA = _schema()


@dataclass(frozen=True)
class Entry:
    """An article's version, its fingerprint and the fingerprint's bands."""

    article_id: str
    version: str
    signature: np.ndarray
    bands: frozenset[int]


class BandIndex:
    """Which articles' fingerprints have which LSH bands.

    Usage::

        index = BandIndex(data_dir / "bands")
        index.add([("a1", content_hash, fingerprint(text))])
        index.sharing(set(bands(fingerprint(other))))  # [Entry("a1", content_hash, ...)]
        index.drop({"a1": content_hash})              # its entries of other versions
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._index = open_index(folder, _SCHEMA)

    def stale(self) -> bool:
        """Whether the index must be built again from the registry (new or of another layout)."""
        stamp = self._folder / _STAMP_FILE
        return not stamp.exists() or stamp.read_text(encoding="ascii") != _LAYOUT

    def __len__(self) -> int:
        self._index.reload()
        return int(self._index.searcher().num_docs)

    def sharing(self, bands: AbstractSet[int]) -> list[Entry]:
        """Every entry that has one of these bands (of any version: see the module's notes)."""
        if not bands:
            return []
        self._index.reload()
        searcher = self._index.searcher()
        query = tantivy.Query.term_set_query(_SCHEMA, "band", sorted(bands))
        # Counted first: a search collects into room for as many hits as its limit.
        counted = searcher.search(query, limit=1, count=True)
        count = int(counted.count or 0)  # type: ignore[attr-defined]  # missing from the stub
        hits = searcher.search(query, limit=max(1, count), count=False).hits
        return [_entry(searcher.doc(address)) for _, address in hits]

    def add(self, entries: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """Record (article id, version, signature) entries; one written before is replaced."""
        with writing(self._index, self._folder) as writer:
            for article_id, version, signature in entries:
                writer.delete_documents_by_term("entry", f"{article_id} {version}")
                writer.add_document(_document(article_id, version, signature))

    def drop(self, versions: Mapping[str, str]) -> None:
        """Remove each article's entries of other versions than the one given (all for "")."""
        with writing(self._index, self._folder) as writer:
            for article_id, keep_version in versions.items():
                drop_other_versions(writer, _SCHEMA, article_id, keep_version)

    def rebuild(self, entries: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """Hold these entries only, in one commit, and record that the index is complete."""
        with writing(self._index, self._folder) as writer:
            writer.delete_all_documents()
            for article_id, version, signature in entries:
                writer.add_document(_document(article_id, version, signature))
        stamp = self._folder / f"{_STAMP_FILE}.{os.getpid()}"
        stamp.write_text(_LAYOUT, encoding="ascii")
        stamp.replace(self._folder / _STAMP_FILE)


def _document(article_id: str, version: str, signature: np.ndarray) -> tantivy.Document:
    document = tantivy.Document(
        entry=f"{article_id} {version}",
        article_id=article_id,
        version=version,
        signature=_fingerprint.encode(signature),
    )
    for band in _fingerprint.bands(signature):
        document.add_integer("band", band)
    return document


def _entry(document: tantivy.Document) -> Entry:
    return Entry(
        str(document["article_id"][0]),
        str(document["version"][0]),
        _fingerprint.decode(str(document["signature"][0])),
        frozenset(int(band) for band in document["band"]),
    )
