"""Ingest benchmark: the IndoSum corpus through the whole pipeline, against embedding alone.

Prints articles/s, chunks/s, peak memory, and the ratio of the pipeline's time to the time of
embedding the same texts (each chunk and its sentences) with the same model and batch size
(goal: at most 1.15).

    .venv/bin/python scripts/bench_ingest.py [--limit N] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from llama_index.core.schema import MetadataMode

from ingest import Ingestor, IngestSettings, JsonlFields, Summary
from store import Article, ArticleRecord, Chunker, Store, StoreSettings, parse_spans

CORPUS = Path(__file__).resolve().parents[2] / "shared/data/corpus/indosum_articles.jsonl.gz"
INDOSUM = JsonlFields(title="title_slug", date="date_utc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N articles.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        store = Store(StoreSettings(data_dir=Path(folder), chroma_host=None))
        ingestor = Ingestor(store, IngestSettings())
        items = ingestor.plan([str(args.corpus)], INDOSUM)
        items = items[: args.limit] if args.limit else items

        summary = Summary()
        started = time.perf_counter()
        for result in ingestor.run(items):
            summary.add(result)
        pipeline = time.perf_counter() - started
        chunks = store.stats().chunks
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        texts = _embedded_texts(store)
        batch = store.settings.embed_batch_size
        started = time.perf_counter()
        for at in range(0, len(texts), batch):
            store.embed_model.get_text_embedding_batch(texts[at : at + batch])
        embedding = time.perf_counter() - started

    print(f"articles: {len(items)} ({summary})")
    print(f"chunks: {chunks}")
    print(
        f"pipeline: {pipeline:.1f} s, {len(items) / pipeline:.1f} articles/s, "
        f"{chunks / pipeline:.1f} chunks/s"
    )
    print(f"embedding alone: {embedding:.1f} s for {len(texts)} texts (chunks and their sentences)")
    print(f"pipeline / embedding: {pipeline / embedding:.3f} (goal <= 1.15)")
    print(f"peak memory: {peak_mb:.0f} MB")


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
