"""Query benchmark: `Engine.ask` against LlamaIndex's plain query engine over the same store.

Fills a store with the seed article and the IndoSum corpus (or reuses --data-dir: ingest skips
what is already there), then asks both the same QA-set questions, alternating so that load from
other processes hits both alike, and prints p50/p95 latency of each and their ratio. The
engine is the extractive one, query embedding included; the plain engine is
`VectorStoreIndex`'s retriever query engine with the same embeddings and top k, and no LLM
(response mode `no_text`). Goal: ask p50 <= 50 ms and <= 2x the plain engine's.

    .venv/bin/python scripts/bench_query.py [--limit N] [--data-dir DIR] [--questions N]

On a machine shared with other busy processes, OpenBLAS's threads can spin against them and
stall single queries (p95 above a second): OPENBLAS_NUM_THREADS=1 gives steadier tails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.no_text import NoText

from bot import Backend, Engine, EngineSettings
from ingest import Ingestor, IngestSettings, JsonlFields, Summary
from store import Store, StoreSettings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared/data"
CORPUS = SHARED / "corpus/indosum_articles.jsonl.gz"
SEED = ROOT / "seeds"
INDOSUM = JsonlFields(title="title_slug", date="date_utc")
# Questions in both languages and of both kinds: on news (FacQA), on Wikipedia, cross-lingual.
QA_FILES = (
    "facqa_valid.jsonl",
    "tydiqa_goldp_id_dev.jsonl",
    "tydiqa_goldp_en_dev.jsonl",
    "idk_mrc_valid.jsonl",
)
WARM_UP = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N articles.")
    parser.add_argument("--data-dir", type=Path, help="Keep the store here to reuse it.")
    parser.add_argument("--questions", type=int, default=200, help="How many are timed.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        settings = StoreSettings(
            data_dir=args.data_dir or Path(scratch), chroma_host=None, collection="bench"
        )
        store = Store(settings)
        summary = fill(store, args.corpus, args.limit)
        stats = store.stats()
        print(f"store: {stats.articles} articles, {stats.chunks} chunks ({summary})")
        print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
        questions = load_questions(args.questions + WARM_UP)
        engine = Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))
        plain = naive_query_engine(store, engine.settings.top_k)
        ask, naive = time_both(engine.ask, plain.query, questions)
    report(ask, naive)


def fill(store: Store, corpus: Path, limit: int) -> Summary:
    """The seed and the first `limit` corpus articles (all when 0), through `kabar ingest`."""
    ingestor = Ingestor(store, IngestSettings())
    items = ingestor.plan([str(SEED)]) + ingestor.plan([str(corpus)], INDOSUM)[: limit or None]
    summary = Summary()
    for result in ingestor.run(items):
        summary.add(result)
    if summary.failures:
        failure = summary.failures[0]
        raise SystemExit(f"ingest failed: {failure.source}: {failure.error}")
    return summary


def load_questions(count: int) -> list[str]:
    """`count` questions, taken in turn from each QA file, in file order."""
    per_file = [
        [json.loads(line)["question"] for line in (SHARED / "qa" / name).open(encoding="utf-8")]
        for name in QA_FILES
    ]
    mixed = [q for group in zip(*per_file, strict=False) for q in group]
    return mixed[:count]


def naive_query_engine(store: Store, top_k: int) -> BaseQueryEngine:
    """LlamaIndex's plain query engine over the same vectors, returning nodes and no text.

    What `index.as_query_engine(response_mode="no_text")` builds, but its factory makes the
    `NoText` synthesizer without the LLM it is given, so the synthesizer resolves the global
    `Settings.llm` (OpenAI, then an error offline). `NoText` never calls its LLM; an explicit
    `MockLLM` keeps the globals untouched.
    """
    index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=store.embed_model)
    return RetrieverQueryEngine(index.as_retriever(similarity_top_k=top_k), NoText(llm=MockLLM()))


def time_both(
    ask: Callable[[str], object], query: Callable[[str], object], questions: list[str]
) -> tuple[list[float], list[float]]:
    """Seconds per question of each; the first `WARM_UP` questions load caches, untimed."""
    times: tuple[list[float], list[float]] = ([], [])
    for number, question in enumerate(questions):
        for run, spent in zip((ask, query), times, strict=True):
            started = time.perf_counter()
            run(question)
            if number >= WARM_UP:
                spent.append(time.perf_counter() - started)
    return times


def report(ask: list[float], naive: list[float]) -> None:
    ask_p50, ask_p95 = percentiles(ask)
    naive_p50, naive_p95 = percentiles(naive)
    print(f"questions timed: {len(ask)} (after {WARM_UP} warm-up)")
    print(f"Engine.ask (extractive): p50 {ask_p50:.1f} ms, p95 {ask_p95:.1f} ms")
    print(f"plain LlamaIndex query:  p50 {naive_p50:.1f} ms, p95 {naive_p95:.1f} ms")
    ratio = ask_p50 / naive_p50
    goal = "met" if ask_p50 <= 50 and ratio <= 2 else "missed"
    print(f"ask / plain: p50 {ratio:.2f}x, p95 {ask_p95 / naive_p95:.2f}x")
    print(f"goal ask p50 <= 50 ms and <= 2x plain: {goal}")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    cuts = statistics.quantiles([s * 1000 for s in seconds], n=100, method="inclusive")
    return cuts[49], cuts[94]


if __name__ == "__main__":
    main()
