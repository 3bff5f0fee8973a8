"""The article registry: one record per stored article, in a SQLite table (`_records`).

The table lives in the store's data folder beside the keyword and article indexes, so processes
that share a Chroma server share the data folder too. No request reads the whole registry: the
article index (`_article_index`) names the records a request needs (a page of the newest, a
near-copy's candidates by their LSH bands) and holds the counts per site and language, and
those records alone are read by id. Each record keeps its place in
newest-first order (`_recency`) and its fingerprint, so the index can be built again from it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from . import _fingerprint, _recency
from ._article import SITE_KEY, Article, ArticleInfo, ArticleRecord
from ._article_index import ArticleIndex, Entry
from ._lease import Lease
from ._records import Records

Fields = dict[str, Any]
_RECENCY = "recency"
# Records are read this many at a time where many are: memory stays that of one page.
_PAGE = 500
# A registry kept in Chroma said in its collection's metadata which fields its records have.
_VERSION_KEY = "kabar_registry"
#: The layout of the records' fields (see `upgrade`).
VERSION = 3


@dataclass(frozen=True)
class Pending:
    """An article whose last write is not finished: `committed_hash` is the version to keep."""

    article_id: str
    committed_hash: str
    lease: Lease


class Registry:
    """Article records: committed versions, their fingerprints, and which writes are in flight.

    A record's `dirty` flag is set, with the writer's lease, before an article's chunks are
    written and cleared when the write is complete, so whoever opens the store next finds and
    repairs whatever a crashed writer left behind, and leaves a live writer's batch alone.
    """

    def __init__(self, records: Records, articles: ArticleIndex) -> None:
        self._records = records
        self._articles = articles

    def _pages(self, ids: Sequence[str]) -> Iterator[dict[str, Fields]]:
        """The fields of the records with these ids, by id, one read of `_PAGE` at a time."""
        for start in range(0, len(ids), _PAGE):
            yield self._records.get(ids[start : start + _PAGE])

    def _paged(self, ids: Sequence[str]) -> dict[str, Fields]:
        """The fields of the records with these ids, by id."""
        return self._records.get(ids)

    def get(self, article_id: str) -> ArticleRecord | None:
        """The committed record of an article, if there is one."""
        return self.records([article_id]).get(article_id)

    def records(self, article_ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """The committed records of these articles, by id, in one read per `_PAGE` of them.

        A batch's writes look up all their articles at once, not one read per article.
        """
        found = self._paged(list(dict.fromkeys(article_ids)))
        return {record.id: record for record in _committed(found)}

    def text(self, article_id: str) -> str:
        """The full text of a stored article."""
        return self._records.document(article_id)

    def count(self) -> int:
        """How many articles the article index lists.

        That is the committed ones while no write is in flight; one in flight may add its
        articles for a moment.
        """
        return len(self._articles)

    def _count_committed(self) -> int:
        """How many committed records there are, from the records themselves."""
        return self._records.count() - self._records.count(uncommitted=True)

    def every(self) -> Iterator[ArticleRecord]:
        """Every committed record, in no order, read a page at a time.

        Only for what needs them all (statistics, reindex): the ids are read first, so records
        written or removed meanwhile by another process do not shift the pages.
        """
        for page in self._pages(self._records.ids()):
            yield from _committed(page)

    def newest(self, limit: int | None, offset: int = 0) -> list[ArticleRecord]:
        """Committed records newest first: `limit` of them (all for None) after `offset`.

        The article index orders them; only the page's records are read. An entry of a version
        not (or no longer) committed is left out, so while a write is in flight a page may
        come out short by the articles being written.
        """
        return self._committed_of(self._articles.newest(limit, offset))

    def between(self, start: int, end: int, limit: int) -> list[ArticleRecord]:
        """Committed records of recency `start` to `end`, newest first, at most `limit`."""
        return self._committed_of(self._articles.between(start, end, limit))

    def _committed_of(self, page: list[tuple[str, str]]) -> list[ArticleRecord]:
        """The records of the page's (id, version) pairs whose version is the committed one."""
        found = self._paged(list(dict.fromkeys(article_id for article_id, _ in page)))
        return [
            _record(article_id, dict(found[article_id]))
            for article_id, version in page
            if article_id in found and found[article_id].get("content_hash") == version
        ]

    def facets(self) -> tuple[dict[str, int], dict[str, int]]:
        """How many articles each site and each language has, from the article index."""
        return self._articles.counts()

    def similar(
        self, signatures: Sequence[np.ndarray], threshold: float
    ) -> list[list[tuple[str, np.ndarray]]]:
        """(id, signature) of the committed records near each signature: a list per signature.

        Near means sharing an LSH band and at least `threshold` similar; at a threshold of
        `_fingerprint.GUARANTEED` or more that is every record so similar. The band index names
        the candidates of the whole batch in one lookup and holds their signatures; only those
        similar enough are read here, and kept when still of the version the index names.
        """
        wanted = [frozenset(_fingerprint.bands(signature)) for signature in signatures]
        entries = self._articles.sharing(frozenset().union(*wanted))
        close = _close(entries, list(zip(signatures, wanted, strict=True)), threshold)
        found = self._paged(list(dict.fromkeys(e.article_id for group in close for e in group)))
        return [
            [
                (entry.article_id, entry.signature)
                for entry in group
                if found.get(entry.article_id, {}).get("content_hash") == entry.version
            ]
            for group in close
        ]

    def sync_index(self) -> None:
        """Build the article index from the records when it is new, of another layout, or stale.

        Stale means another count than the committed records' while no write is in flight
        (a writer on another data folder used the same Chroma server).
        """
        if not self._articles.stale() and (
            self.pending() or len(self._articles) == self._count_committed()
        ):
            return
        self._articles.rebuild(
            _entry(article_id, metadata)
            for page in self._pages(self._records.ids())
            for article_id, metadata in page.items()
            if metadata.get("content_hash") and metadata.get("fingerprint")
        )

    def adopt(self, collection: Collection) -> None:
        """Take over the records of a registry kept in a Chroma collection, as it was before.

        Every record with its text, in one transaction, with the layout its collection
        recorded; `upgrade` then brings them up to date. When the table holds records already,
        the collection is what an open killed before dropping it left: nothing to copy.
        """
        if self._records.count():
            return
        version = int(str((collection.metadata or {}).get(_VERSION_KEY, 1)))
        ids = collection.get(include=[])["ids"]

        def records() -> Iterator[tuple[str, Fields, str]]:
            for start in range(0, len(ids), _PAGE):
                found = collection.get(
                    ids=ids[start : start + _PAGE], include=["metadatas", "documents"]
                )
                for i, fields, text in zip(
                    found["ids"], found["metadatas"] or [], found["documents"] or [], strict=True
                ):
                    yield i, dict(fields or {}), text or ""

        self._records.replace(records(), version)

    def upgrade(self) -> None:
        """Bring records of older layouts up to date, once.

        Version 2 gave records written before recency was kept their recency (an undated old
        record gets the upgrade's time as the time it was stored); version 3 stores `dirty`
        as an integer. The records then say they are of this version.
        """
        version = self._records.version
        if version == VERSION:
            return
        if version < 2:
            self._add_recency()
        self._records.update({i: {"dirty": 1} for i in self._records.in_flight()})
        self._records.version = VERSION

    def _add_recency(self) -> None:
        """Give records without a recency one, a page at a time."""
        now = time.time()
        for found in self._pages(self._records.ids()):
            self._records.update(
                {
                    i: {_RECENCY: _recency.recency(str(m.get("published", "")), now)}
                    for i, m in found.items()
                    if m.get("content_hash") and _RECENCY not in m
                }
            )

    def begin(self, articles: Sequence[Article], lease: Lease) -> None:
        """Mark the articles as being written under `lease`; new ones get an uncommitted record."""
        known = set(self._records.get([a.id for a in articles]))
        claim = _claim(lease)
        blank = {"content_hash": "", "fingerprint": "", "also_at": "[]", **claim}
        self._records.add({a.id: blank for a in articles if a.id not in known})
        self._records.update(dict.fromkeys(known, claim))

    def lost(self, article_ids: Sequence[str], lease: Lease) -> list[str]:
        """Those of the articles no longer written under `lease`: another process took them."""
        held = {
            i
            for i, m in self._records.get(article_ids).items()
            if m.get("dirty") and m.get("writer") == lease.holder
        }
        return [i for i in article_ids if i not in held]

    def committed(self, articles: Sequence[Article]) -> list[str]:
        """Those of the articles whose committed version is the one given."""
        found = self._records.get([a.id for a in articles])
        return [a.id for a in articles if found.get(a.id, {}).get("content_hash") == a.content_hash]

    def commit(
        self,
        articles: Sequence[Article],
        chunk_counts: Sequence[int],
        signatures: Sequence[np.ndarray],
        dirty: Sequence[bool],
    ) -> None:
        """Record the articles' new versions as the committed ones (in the index first)."""
        metadatas = [
            _metadata(a, n, s, d)
            for a, n, s, d in zip(articles, chunk_counts, signatures, dirty, strict=True)
        ]
        self._articles.add(_entry(a.id, m) for a, m in zip(articles, metadatas, strict=True))
        self._records.update(
            {a.id: m for a, m in zip(articles, metadatas, strict=True)},
            documents={a.id: a.text for a in articles},
        )

    def set_chunk_counts(self, counts: dict[str, int]) -> None:
        """Record how many chunks each article has now (after a reindex)."""
        self._records.update({i: {"chunks": n} for i, n in counts.items()})

    def withdraw(self, article_ids: Sequence[str], lease: Lease) -> None:
        """Uncommit the articles before deleting them, so a crash midway finishes the removal."""
        # Without its recency the record leaves the lists at once.
        withdrawn = {"content_hash": "", _RECENCY: None, **_claim(lease)}
        self._records.update(dict.fromkeys(article_ids, withdrawn))

    def settle(self, versions: Mapping[str, str]) -> None:
        """Mark the articles' writes as complete, each at its version given (by article id)."""
        if versions:
            self._records.update({i: {"dirty": 0} for i in versions})
            self._articles.drop(versions)

    def pending(self, article_ids: Sequence[str] | None = None) -> list[Pending]:
        """Articles whose last write is not complete: all of them, or those of `article_ids`."""
        found = self._records.in_flight() if article_ids is None else self._records.get(article_ids)
        return [
            Pending(
                i,
                str(m.get("content_hash", "")),
                Lease(str(m.get("writer", "")), float(str(m.get("lease_until", 0.0)))),
            )
            for i, m in found.items()
            if m.get("dirty")
        ]

    def add_locations(self, locations: Sequence[tuple[str, str]]) -> None:
        """Record other places the same stories were found: (article id, place) pairs.

        One read and one update for them all: a batch of feed entries brings many copies.
        """
        records = self.records([article_id for article_id, _ in locations])
        also_at = {article_id: list(record.also_at) for article_id, record in records.items()}
        changed: set[str] = set()
        for article_id, location in locations:
            known = also_at.get(article_id)
            if known is None or location in known or location == records[article_id].url:
                continue
            known.append(location)
            changed.add(article_id)
        self._records.update({i: {"also_at": json.dumps(also_at[i])} for i in sorted(changed)})

    def delete(self, article_ids: Sequence[str]) -> None:
        """Forget the articles."""
        if article_ids:
            self._records.delete(article_ids)
            self._articles.drop(dict.fromkeys(article_ids, ""))


def _close(
    entries: Sequence[Entry], wanted: Sequence[tuple[np.ndarray, frozenset[int]]], threshold: float
) -> list[list[Entry]]:
    """For each (signature, its bands), the entries sharing a band at least `threshold` similar."""
    by_band: dict[int, list[int]] = {}
    for row, entry in enumerate(entries):
        for band in entry.bands:
            by_band.setdefault(band, []).append(row)
    close: list[list[Entry]] = []
    for signature, bands in wanted:
        rows = sorted({row for band in bands for row in by_band.get(band, ())})
        if not rows:
            close.append([])
            continue
        similarity = (np.stack([entries[row].signature for row in rows]) == signature).mean(axis=1)
        close.append(
            [entries[row] for row, s in zip(rows, similarity, strict=True) if s >= threshold]
        )
    return close


def _claim(lease: Lease) -> Fields:
    """The fields that mark a record as being written, and by whom."""
    return {"dirty": 1, "writer": lease.holder, "lease_until": lease.until}


def _metadata(article: Article, chunks: int, signature: np.ndarray, dirty: bool) -> Fields:
    return {
        **article.info.to_metadata(),
        "content_hash": article.content_hash,
        "chunks": chunks,
        "fingerprint": _fingerprint.encode(signature),
        "dirty": int(dirty),
        _RECENCY: _recency.recency(article.published, time.time()),
    }


def _committed(metadatas: Mapping[str, Mapping[str, Any]]) -> list[ArticleRecord]:
    """The committed records among these (metadata by article id)."""
    records = [_record(article_id, dict(metadata)) for article_id, metadata in metadatas.items()]
    return [record for record in records if record.content_hash]


def _entry(article_id: str, metadata: Mapping[str, Any]) -> Entry:
    """The article index's entry of a committed record."""
    return Entry(
        article_id,
        str(metadata["content_hash"]),
        _fingerprint.decode(str(metadata["fingerprint"])),
        recency=int(str(metadata.get(_RECENCY, 0))),
        site=str(metadata.get(SITE_KEY, "")),
        language=str(metadata.get("language", "")),
    )


def _record(article_id: str, metadata: dict[str, Any]) -> ArticleRecord:
    info = ArticleInfo.from_metadata(metadata, article_id)
    return ArticleRecord(
        id=info.id,
        title=info.title,
        url=info.url,
        site=info.site,
        published=info.published,
        author=info.author,
        language=info.language,
        content_hash=str(metadata.get("content_hash", "")),
        chunks=int(metadata.get("chunks", 0)),
        also_at=tuple(json.loads(str(metadata.get("also_at", "[]")))),
    )
