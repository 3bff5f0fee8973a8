"""Query benchmark: `Engine.ask` against LlamaIndex's plain query engine over the same store.

Fills a store with the seed article and the IndoSum corpus (or reuses --data-dir: ingest skips
what is already there), then asks both the same QA-set questions, alternating so that load from
other processes hits both alike, and prints p50/p95 latency of each and their ratio. The
engine is the extractive one, query embedding included; the plain engine is
`VectorStoreIndex`'s retriever query engine with the same embeddings and top k, and no LLM
(response mode `no_text`). Goal: ask p50 <= 50 ms and <= 2x the plain engine's.

    .venv/bin/python scripts/bench_query.py [--limit N] [--data-dir DIR] [--collection NAME]
        [--questions N]

On a machine shared with other busy processes, OpenBLAS's threads can spin against them and
stall single queries (p95 above a second): OPENBLAS_NUM_THREADS=1 gives steadier tails.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _bench import add_store_arguments, filled_store, load_questions, percentiles
from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.no_text import NoText

from bot.engine import Backend, Engine, EngineSettings
from store import Store

WARM_UP = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_arguments(parser)
    parser.add_argument("--questions", type=int, default=200, help="How many are timed.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        store = filled_store(args, Path(scratch))
        print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
        questions = load_questions(args.questions + WARM_UP)
        engine = Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))
        plain = naive_query_engine(store, engine.settings.top_k)
        ask, naive = time_both(engine.ask, plain.query, questions)
    report(ask, naive)


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


if __name__ == "__main__":
    main()
