"""The store: articles in, chunks out, every article written whole or not at all."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import fasteners
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Where
from chromadb.errors import NotFoundError
from llama_index.core.schema import BaseNode, MetadataMode, NodeWithScore, QueryBundle
from llama_index.vector_stores.chroma import ChromaVectorStore

from . import _chroma, _owner
from ._article import Article, ArticleRecord, Chunk, Outcome, Stats, WriteResult
from ._article_index import ArticleIndex
from ._chunking import Chunker, chunk_id
from ._embedding import embedding_from
from ._errors import ArticleNotFoundError, EmbeddingModelMismatchError, WriteConflictError
from ._filters import SearchFilters
from ._fingerprint import FingerprintIndex, fingerprint
from ._keyword import KeywordIndex
from ._lease import Lease, abandoned, hold
from ._recency import recency
from ._records import FILE_NAME as RECORDS_FILE
from ._records import Records
from ._registry import VERSION as REGISTRY_VERSION
from ._registry import Registry
from ._relevance import CALIBRATED_FROM, PROBE_QUESTIONS, REFERENCE_SENTENCES, chance_level
from ._retrieval import HybridRetriever, Mode
from ._sentences import pack_vectors, parse_spans, unpack_vectors
from ._settings import StoreSettings

_REINDEX_SUFFIX = "_reindex"
# As many passages as an answer reads, for each probe question of the relevance floor.
_PROBE_TOP_K = 6
# How long a chunk count is taken as current: counting costs 7.5 ms at 100,000 chunks.
_COUNT_SECONDS = 5.0


@dataclass
class _Write:
    """An article to write, whether it replaces a committed version, and (once cut) its chunks."""

    article: Article
    replaces: bool
    key: str
    signature: np.ndarray
    nodes: list[BaseNode] = field(default_factory=list)


@dataclass
class _Plan:
    """What a batch will do: each position's result, the writes, and copies to record."""

    results: dict[str, WriteResult] = field(default_factory=dict)
    writes: list[_Write] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)  # (original id, copy's place)
    # The writes' signatures, kept as they are planned: a batch's new articles are checked
    # against the batch so far without building an index per article.
    signatures: FingerprintIndex = field(default_factory=FingerprintIndex)


class _ReadingRetriever(HybridRetriever):
    """A `HybridRetriever` that reads under the store's read lock, so no commit lands midway.

    A commit is then seen whole: an updated article's new chunks never beside its old ones, nor
    a chunk that Chroma holds and the keyword index does not yet. Commits are short (the
    embedding is done before), so a question waits for one at most, never for an embedding.
    """

    def __init__(self, reading: fasteners.ReaderWriterLock, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading = reading

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        with self._reading.read_lock():
            return super()._retrieve(query_bundle)


class Store:
    """Articles chunked, embedded and kept in Chroma, with a registry of what is there.

    Usage::

        store = Store()                                    # settings from the environment
        store.write([article])                             # -> [WriteResult(ADDED, ...)]
        store.search("Who backs Haftar?", k=3)             # -> [Chunk, ...]

    Opening a store, and every write, repairs any article whose writer died midway; a batch
    that another live process is writing is left alone. Nothing of the collection is kept in
    memory: a question reads Chroma and the keyword index in the data folder, whose reader
    reloads when any process's commit has changed the index's version (its meta.json), so writes
    by others sharing the Chroma server and data folder are answered at once.
    """

    def __init__(self, settings: StoreSettings | None = None, *, check_model: bool = True) -> None:
        self.settings = settings or StoreSettings()
        # Before Chroma opens the folder: a second process must not touch it at all.
        self._ownership = _owner.claim(self, self.settings)
        try:
            self._open(check_model)
        except BaseException:
            self._ownership()
            raise

    def _open(self, check_model: bool) -> None:
        """Connect to Chroma, repair what crashes left, and load what writes consult."""
        self.embed_model = embedding_from(self.settings)
        self._client = _chroma.connect(self.settings)
        self._chunker = Chunker(self.settings.chunk_size, self.settings.chunk_overlap)
        # One writer at a time plans (the fingerprints) and commits; nobody holds it to embed.
        self._writing = threading.RLock()
        # Every retrieval reads under it, and a commit takes it alone: a question sees a batch
        # whole or not at all, and waits for a commit, never for an embedding.
        self._reading = fasteners.ReaderWriterLock()
        # The read side's caches: the reference vectors and the chance level.
        self._caches = threading.RLock()
        self._reference: np.ndarray | None = None
        # The chance level with the chunk count it was measured at, and the probes' vectors.
        self._chance: tuple[int, float] | None = None
        # Chroma's chunk count with the time it was asked; this process's writes drop it.
        self._counted: tuple[float, int] | None = None
        self._probes: list[list[float]] | None = None
        rolled_forward = self._finish_reindex()
        self._chunks = self._open_chunks(check_model)
        self._registry = Registry(
            Records(self.settings.data_dir / RECORDS_FILE, REGISTRY_VERSION),
            ArticleIndex(self.settings.data_dir / "articles"),
        )
        self._adopt_chroma_registry()
        if rolled_forward:
            self._registry.set_chunk_counts(self._count_chunks())
        self.vector_store = ChromaVectorStore(chroma_collection=self._chunks)
        self._keyword = KeywordIndex(self.settings.data_dir / "keyword")
        self._registry.upgrade()
        self._recover()
        self._registry.sync_index()
        self._sync_keyword_index()

    def _adopt_chroma_registry(self) -> None:
        """Move a registry kept in a Chroma collection, as stores made before 2026-12 kept it.

        Its records are copied whole before the collection is dropped.
        """
        name = f"{self.settings.collection}_articles"
        try:
            legacy = self._client.get_collection(name, embedding_function=None)
        except NotFoundError:
            return
        self._registry.adopt(legacy)
        with contextlib.suppress(NotFoundError):  # another process's open dropped it first
            self._client.delete_collection(name)

    @property
    def _model_metadata(self) -> dict[str, str | int]:
        return {
            "hnsw:space": "cosine",
            "embed_model": self.settings.embed_model,
            "embed_dim": self.embed_model.dimension,
        }

    def _open_chunks(self, check_model: bool) -> Collection:
        name = f"{self.settings.collection}_chunks"
        collection = self._client.get_or_create_collection(
            name, metadata=self._model_metadata, embedding_function=None
        )
        made_by = (collection.metadata or {}).get("embed_model")
        dim = (collection.metadata or {}).get("embed_dim")
        if check_model and (made_by, dim) != (
            self.settings.embed_model,
            self.embed_model.dimension,
        ):
            raise EmbeddingModelMismatchError(
                f"the collection {name!r} was built with {made_by} ({dim} dimensions), not with"
                f" {self.settings.embed_model} ({self.embed_model.dimension}); run `kabar reindex`"
                " to rebuild it with the configured model"
            )
        return collection

    def _recover(self, article_ids: Sequence[str] | None = None) -> None:
        """Roll back writes whose writers are gone, keeping each article's last whole version.

        At open every unfinished write is looked at; before a write, those of its articles only,
        so that a write never reads the whole registry.
        """
        for pending in self._registry.pending(article_ids):
            if not abandoned(pending.lease):
                continue  # a live writer's batch, still on its way in
            self._chunks.delete(where=_other_versions(pending.article_id, pending.committed_hash))
            self._keyword.drop(pending.article_id, keep_version=pending.committed_hash)
            if pending.committed_hash:
                self._registry.settle({pending.article_id: pending.committed_hash})
            else:
                self._registry.delete([pending.article_id])

    def _sync_keyword_index(self) -> None:
        """Build the keyword index from Chroma when it is new, of an older layout, or out of step.

        Out of step means another chunk count than Chroma's while no write is in flight (the
        index was deleted, or a writer on another data folder used the same Chroma server).
        """
        stale = self._keyword.stale()
        if stale or (not self._registry.pending() and len(self._keyword) != self._chunks.count()):
            self._keyword.rebuild(self._chunks)

    def write(self, articles: Sequence[Article]) -> list[WriteResult]:
        """Store a batch of articles; each is added, updated, unchanged or a duplicate.

        Chunking and embedding happen for the whole batch before anything is written, outside
        any lock: questions and other writers' plans and commits go on meanwhile. Each
        article's chunks become visible in the registry only once all of them are stored.
        """
        with self._writing:
            plan = self._plan(articles)
        for write in plan.writes:
            write.nodes = self._chunker.chunk(write.article)
        self._embed([node for write in plan.writes for node in write.nodes])
        with self._writing:
            self._write_planned(plan)
        return [plan.results[key] for key in _keys(articles)]

    def _plan(self, articles: Sequence[Article]) -> _Plan:
        plan = _Plan()
        records = self._registry.records([article.id for article in articles])
        signatures = {
            key: fingerprint(article.text)
            for article, key in zip(articles, _keys(articles), strict=True)
            if (record := records.get(article.id)) is None
            or record.content_hash != article.content_hash
        }
        # The stored candidates of every new article at once: one lookup for the batch.
        new = [
            key
            for key, article in zip(_keys(articles), articles, strict=True)
            if key in signatures and article.id not in records
        ]
        threshold = self.settings.duplicate_threshold
        similar = self._registry.similar([signatures[key] for key in new], threshold)
        stored = dict(zip(new, similar, strict=True))
        for article, key in zip(articles, _keys(articles), strict=True):
            record = records.get(article.id)
            planned = next((w for w in plan.writes if w.article.id == article.id), None)
            current = planned.article if planned else record
            if current is not None and current.content_hash == article.content_hash:
                plan.results[key] = WriteResult(Outcome.UNCHANGED, article.id, article.title)
                continue
            signature = signatures[key]
            original = (
                None
                if current is not None
                else self._original(article.id, signature, stored[key], plan.signatures)
            )
            if original is not None:
                plan.copies.append((original, article.url or article.site))
                plan.results[key] = WriteResult(Outcome.DUPLICATE, original, article.title)
                continue
            outcome = Outcome.ADDED if current is None else Outcome.UPDATED
            # Chunk counts come at commit (`_still_to_write`), once the plan has been chunked.
            plan.results[key] = WriteResult(outcome, article.id, article.title)
            if planned:
                plan.writes.remove(planned)
            plan.writes.append(_Write(article, record is not None, key, signature))
            plan.signatures.add(article.id, signature)
        return plan

    def _original(
        self,
        article_id: str,
        signature: np.ndarray,
        stored: list[tuple[str, np.ndarray]],
        planned: FingerprintIndex,
    ) -> str | None:
        """The stored or planned article a new one is a near copy of, if any; stored first.

        Only the stored articles that share an LSH band with it and are similar enough
        (`stored`) are compared.
        """
        threshold = self.settings.duplicate_threshold
        candidates = FingerprintIndex()
        for stored_id, stored_signature in stored:
            candidates.add(stored_id, stored_signature)
        return candidates.find(signature, threshold, exclude=article_id) or planned.find(
            signature, threshold, exclude=article_id
        )

    def _write_planned(self, plan: _Plan) -> None:
        """Commit the embedded plan, as it stands after the commits of this process since."""
        if plan.writes:
            self._recover(list(dict.fromkeys(write.article.id for write in plan.writes)))
        writes = self._still_to_write(plan)
        if writes:
            with hold(self.settings.write_lease_seconds) as lease, self._reading.write_lock():
                self._commit(writes, lease)
                self._counted = None
        # Only now: a copy's original may be in this very batch.
        if plan.copies:
            self._registry.add_locations(plan.copies)

    def _still_to_write(self, plan: _Plan) -> list[_Write]:
        """The plan's writes that another writer of this process has not committed meanwhile."""
        writes = []
        records = self._registry.records([write.article.id for write in plan.writes])
        for write in plan.writes:
            article, record = write.article, records.get(write.article.id)
            if record is not None and record.content_hash == article.content_hash:
                outcome, chunks = Outcome.UNCHANGED, 0
            else:
                outcome, chunks = (
                    Outcome.ADDED if record is None else Outcome.UPDATED,
                    len(write.nodes),
                )
                write.replaces = record is not None
                writes.append(write)
            plan.results[write.key] = WriteResult(outcome, article.id, article.title, chunks)
        return writes

    def _commit(self, writes: list[_Write], lease: Lease) -> None:
        """Chunks in, then the registry; a batch another process rolled back meanwhile fails."""
        articles = [write.article for write in writes]
        nodes = [node for write in writes for node in write.nodes]
        self._registry.begin(articles, lease)
        self.vector_store.add(nodes)
        self._keyword.add(nodes)
        lost = self._registry.lost([a.id for a in articles], lease)
        if lost:
            self._drop_uncommitted([w for w in writes if w.article.id in lost])
            raise self._conflict(lost)
        self._registry.commit(
            articles,
            [len(write.nodes) for write in writes],
            [write.signature for write in writes],
            [write.replaces for write in writes],
        )
        stored = set(self._chunks.get(ids=[n.node_id for n in nodes], include=[])["ids"])
        broken = [w.article.id for w in writes if not {n.node_id for n in w.nodes} <= stored]
        if broken:
            # Rolled back between the check and the commit: the records name missing chunks.
            for article_id in broken:
                self._discard(article_id, lease)
            raise self._conflict(broken)
        replaced = [write.article for write in writes if write.replaces]
        for article in replaced:
            self._chunks.delete(where=_other_versions(article.id, article.content_hash))
            self._keyword.drop(article.id, keep_version=article.content_hash)
        self._registry.settle({article.id: article.content_hash for article in replaced})

    def _drop_uncommitted(self, writes: list[_Write]) -> None:
        """Delete this batch's chunks of articles whose version did not get committed."""
        committed = set(self._registry.committed([w.article for w in writes]))
        orphans = [n.node_id for w in writes if w.article.id not in committed for n in w.nodes]
        if orphans:
            self._chunks.delete(ids=orphans)
            self._keyword.delete(orphans)

    def _conflict(self, article_ids: list[str]) -> WriteConflictError:
        return WriteConflictError(
            f"another process rolled back the write of {', '.join(article_ids)} after its lease"
            f" of {self.settings.write_lease_seconds:g} s ran out, so it was not stored: write it"
            " again (raise KABAR_WRITE_LEASE_SECONDS if writes take this long)"
        )

    def _embed(self, nodes: list[BaseNode]) -> None:
        """Give each node its vector, and its sentences' vectors packed into its metadata.

        The passage is embedded whole beside its sentences, though that embeds each token twice:
        a vector made from its sentences' instead loses too much recall. On TyDi-id the
        normalised mean of the sentences' and the title's vectors took `kabar eval`'s hybrid R@1
        from 0.931 to 0.892, and R@1 by the passage cosine alone from 0.929 to 0.894 (0.851
        without the title); weighing the sentences by their length did no better.
        """
        texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
        sentences = [
            [
                node.get_content()[start:end]
                for start, end in parse_spans(node.metadata["sentences"])
            ]
            for node in nodes
        ]
        flat = [sentence for group in sentences for sentence in group]
        vectors = self.embed_model.get_text_embedding_batch(texts + flat)
        rest = np.asarray(vectors[len(texts) :], dtype=np.float32).reshape(
            -1, self.embed_model.dimension
        )
        for node, vector, group in zip(nodes, vectors[: len(texts)], sentences, strict=True):
            node.embedding = vector
            node.metadata["sentence_vectors"] = pack_vectors(rest[: len(group)])
            rest = rest[len(group) :]

    def get(self, article_id: str) -> ArticleRecord:
        """The registry record of an article."""
        record = self._registry.get(article_id)
        if record is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}; see `kabar list`")
        return record

    def text(self, article_id: str) -> str:
        """The full stored text of an article."""
        self.get(article_id)
        return self._registry.text(article_id)

    def articles(self) -> list[ArticleRecord]:
        """Every stored article, newest first: only for what lists them all (`kabar list`).

        Newest means published last; articles without a date follow, the last stored first.
        """
        return self._registry.newest(None)

    def newest(self, limit: int, offset: int = 0) -> list[ArticleRecord]:
        """A page of the stored articles, newest first (as `articles`): `limit` after `offset`.

        The article index orders them: a page reads its own records only, however deep.
        """
        return self._registry.newest(limit, offset)

    def published(self, since: datetime, until: datetime, limit: int) -> list[ArticleRecord]:
        """At most `limit` of the articles published from `since` to `until`, newest first.

        An article without a date counts as published when it was stored, after the dated
        ones: a page that gives no date is news when it arrives, and a digest of the day must
        not leave it out for ever. Two ranges of the article index: they read the ranges'
        records only, however old.
        """
        start, end = (recency(moment.isoformat(), 0.0) for moment in (since, until))
        dated = self._registry.between(start, end, limit)
        if len(dated) >= limit:
            return dated
        stored_from, stored_to = (recency("", moment.timestamp()) for moment in (since, until))
        return dated + self._registry.between(stored_from, stored_to, limit - len(dated))

    def sentences(self, record: ArticleRecord) -> list[tuple[str, np.ndarray]]:
        """Each sentence of an article once, in order, with its stored unit vector.

        The chunks are read by their ids, never by a filter (which scans every chunk). Chunks
        overlap, so a sentence they share comes from the first; a chunk stored without
        sentence vectors (before they were kept; `kabar reindex` adds them) gives none.
        """
        ids = [chunk_id(record.id, record.content_hash, p) for p in range(record.chunks)]
        if not ids:
            return []
        found = self._chunks.get(ids=ids, include=["documents", "metadatas"])
        chunks = sorted(
            zip(found["documents"] or [], found["metadatas"] or [], strict=True),
            key=lambda pair: int(str(pair[1].get("position", 0))),
        )
        seen: dict[str, np.ndarray] = {}
        for document, metadata in chunks:
            text = document or ""
            spans = parse_spans(metadata.get("sentences"))
            vectors = unpack_vectors(metadata.get("sentence_vectors"), self.embed_model.dimension)
            for (start, end), vector in zip(spans, vectors, strict=False):
                seen.setdefault(text[start:end].strip(), vector)
        return list(seen.items())

    def baseline(self) -> np.ndarray:
        """The mean vector of generic sentences on unrelated subjects.

        Every vector of the model leans its way (two unrelated articles' mean sentence vectors
        have a cosine near 0.96), so vectors compared with it taken off tell subjects apart.
        """
        baseline: np.ndarray = self._reference_vectors().mean(axis=0)
        return baseline

    def count(self) -> int:
        """How many articles are stored."""
        return self._registry.count()

    def chunks(self, article_id: str) -> list[Chunk]:
        """An article's chunks in order."""
        found = self._chunks.get(
            where={"article_id": article_id}, include=["documents", "metadatas"]
        )
        chunks = [
            Chunk.from_metadata(i, d or "", dict(m))
            for i, d, m in zip(
                found["ids"], found["documents"] or [], found["metadatas"] or [], strict=True
            )
        ]
        return sorted(chunks, key=lambda c: c.position)

    def remove(self, article_id: str) -> ArticleRecord:
        """Delete an article and its chunks; returns what was removed."""
        with (
            self._writing,
            hold(self.settings.write_lease_seconds) as lease,
            self._reading.write_lock(),
        ):
            record = self.get(article_id)
            self._discard(article_id, lease)
            self._counted = None
            return record

    def _discard(self, article_id: str, lease: Lease) -> None:
        """An article's record and chunks deleted, in an order a crash at any point survives."""
        self._registry.withdraw([article_id], lease)
        self._chunks.delete(where={"article_id": article_id})
        self._keyword.drop(article_id)
        self._registry.delete([article_id])

    def stats(self) -> Stats:
        """Counts of articles, chunks, languages and sites, from the indexes' counts."""
        sites, languages = self._registry.facets()
        return Stats(
            articles=self._registry.count(),
            chunks=self._chunks.count(),
            languages=languages,
            sites=sites,
            embed_model=self.settings.embed_model,
            location=_chroma.location(self.settings),
        )

    def _reference_vectors(self) -> np.ndarray:
        """The vectors of the relevance floor's reference sentences, embedded on first use."""
        with self._caches:
            if self._reference is None:
                vectors = self.embed_model.get_text_embedding_batch(list(REFERENCE_SENTENCES))
                self._reference = np.asarray(vectors, dtype=np.float32)
            return self._reference

    def _chance_level(self) -> float:
        """How relevant chance makes a passage here (see `RelevanceFloor`), measured on first use.

        It is measured again when the collection has grown or shrunk by a quarter since; a
        collection under `CALIBRATED_FROM` chunks is not measured (0). Questions asked while it
        is measured wait for it rather than each asking the probes again.
        """
        with self._caches:
            chunks = self._chunk_count()
            known = self._chance
            if known is None or abs(chunks - known[0]) > known[0] / 4:
                level = self._probe_level() if chunks >= CALIBRATED_FROM else 0.0
                self._chance = known = (chunks, level)
            return known[1]

    def _chunk_count(self) -> int:
        """Chroma's chunk count, asked again after `_COUNT_SECONDS` or a write of this process."""
        now = time.monotonic()
        if self._counted is None or now - self._counted[0] >= _COUNT_SECONDS:
            self._counted = (now, self._chunks.count())
        return self._counted[1]

    def _probe_level(self) -> float:
        """The chance level: the probe questions asked, their best passages' relevance."""
        if self._probes is None:
            self._probes = self.embed_model.get_query_embeddings(list(PROBE_QUESTIONS))
        probe = self.retriever(top_k=_PROBE_TOP_K, chance=lambda: 0.0)
        best = []
        for question, vector in zip(PROBE_QUESTIONS, self._probes, strict=True):
            nodes = probe.retrieve(QueryBundle(question, embedding=vector))
            best.append(max((float(n.metadata["relevance"]) for n in nodes), default=-1.0))
        return chance_level(best)

    def retriever(
        self,
        mode: Mode = Mode.HYBRID,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        **kwargs: Any,
    ) -> HybridRetriever:
        """A LlamaIndex retriever over this store, its relevance floor calibrated on it."""
        # The probes that measure the chance level are asked with a level of their own.
        kwargs.setdefault("chance", self._chance_level)
        return _ReadingRetriever(
            self._reading,
            self.vector_store,
            self.embed_model,
            self._keyword,
            self._chunks,
            self._reference_vectors,
            mode=mode,
            top_k=top_k,
            filters=filters,
            **kwargs,
        )

    def search(
        self,
        text: str,
        k: int = 5,
        mode: Mode = Mode.HYBRID,
        filters: SearchFilters | None = None,
    ) -> list[Chunk]:
        """The `k` chunks that best match `text`, best first, scored by the mode's measure."""
        nodes = self.retriever(mode, k, filters).retrieve(text)
        return [
            Chunk.from_metadata(n.node.node_id, n.get_content(), n.metadata, n.score or 0.0)
            for n in nodes
        ]

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-chunk and re-embed every article with the current settings; returns the count.

        Each chunk gets its sentences' vectors as a write gives them. Questions go on being
        answered from the old chunks until the new ones replace them; writes wait.
        """
        with self._writing:
            name = f"{self.settings.collection}_chunks"
            self._delete_collection(name + _REINDEX_SUFFIX)
            fresh = ChromaVectorStore(
                chroma_collection=self._client.create_collection(
                    name + _REINDEX_SUFFIX, metadata=self._model_metadata, embedding_function=None
                )
            )
            counts: dict[str, int] = {}
            for record in self._registry.every():
                nodes = self._chunker.chunk(_article(record, self._registry.text(record.id)))
                self._embed(nodes)
                fresh.add(nodes)
                counts[record.id] = len(nodes)
                if progress:
                    progress(1)
            with self._reading.write_lock():
                # Until it is built from the new chunks, whoever opens the store builds it.
                self._keyword.invalidate()
                self._client.delete_collection(name)
                # From here on a crash rolls the reindex forward on the next open, counts included.
                self._registry.set_chunk_counts(counts)
                self._finish_reindex()
                self._chunks = self._open_chunks(check_model=True)
                self.vector_store = ChromaVectorStore(chroma_collection=self._chunks)
                self._keyword.rebuild(self._chunks)
                self._counted = None
            return len(counts)

    def _finish_reindex(self) -> bool:
        """Complete or discard a reindex that a crash interrupted; True when completed."""
        name = f"{self.settings.collection}_chunks"
        names = {c.name for c in self._client.list_collections()}
        if name + _REINDEX_SUFFIX not in names:
            return False
        if name in names:
            self._client.delete_collection(name + _REINDEX_SUFFIX)
            return False
        self._client.get_collection(name + _REINDEX_SUFFIX).modify(name=name)
        return True

    def _count_chunks(self) -> dict[str, int]:
        """How many chunks each article has in the chunk collection."""
        counts: dict[str, int] = {r.id: 0 for r in self._registry.every()}
        for metadata in self._chunks.get(include=["metadatas"])["metadatas"] or []:
            article_id = str(metadata["article_id"])
            if article_id in counts:
                counts[article_id] += 1
        return counts

    def _delete_collection(self, name: str) -> None:
        if name in {c.name for c in self._client.list_collections()}:
            self._client.delete_collection(name)


def _other_versions(article_id: str, keep_hash: str) -> Where:
    """An article's chunks that are not of version `keep_hash` (all of them when it is empty)."""
    if not keep_hash:
        return {"article_id": article_id}
    # Chroma's `Where` type does not spell out the nested operator dicts.
    return cast(
        "Where", {"$and": [{"article_id": article_id}, {"content_hash": {"$ne": keep_hash}}]}
    )


def _keys(articles: Sequence[Article]) -> list[str]:
    """One key per position, so a batch may hold the same article twice."""
    return [f"{i}:{a.id}" for i, a in enumerate(articles)]


def _article(record: ArticleRecord, text: str) -> Article:
    return Article(
        id=record.id,
        title=record.title,
        text=text,
        content_hash=record.content_hash,
        url=record.url,
        site=record.site,
        published=record.published,
        author=record.author,
        language=record.language,
    )
