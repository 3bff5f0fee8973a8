"""What the benchmarks over a filled store share: its options, filling it, the questions asked.

The store holds the seed article and the IndoSum corpus (`--limit N` articles of it), in
`--data-dir` to keep it (ingest skips what is already there) and `--collection`; questions come
from the QA sets of ../shared/data/qa.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

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


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """--corpus, --limit, --data-dir and --collection, read by `filled_store`."""
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N articles.")
    parser.add_argument("--data-dir", type=Path, help="Keep the store here to reuse it.")
    parser.add_argument(
        "--collection",
        default="bench",
        help='The store\'s collection; "eval" reuses what `kabar eval --data-dir DIR` filled.',
    )


def filled_store(args: argparse.Namespace, scratch: Path) -> Store:
    """The store the arguments name (in `scratch` without --data-dir), filled; prints its size."""
    settings = StoreSettings(
        data_dir=args.data_dir or scratch, chroma_host=None, collection=args.collection
    )
    store = Store(settings)
    summary = fill(store, args.corpus, args.limit)
    stats = store.stats()
    print(f"store: {stats.articles} articles, {stats.chunks} chunks ({summary})")
    return store


def fill(store: Store, corpus: Path, limit: int) -> Summary:
    """The seed and the first `limit` corpus articles (all when 0), through `kabar ingest`."""
    ingestor = Ingestor(store, IngestSettings())
    items = ingestor.plan([str(SEED)]) + ingestor.plan([str(corpus)], INDOSUM)[: limit or None]
    summary = Summary()
    for result in ingestor.run(items):
        summary.add(result)
    if summary.failures:
        failure = summary.failures[0]
        raise SystemExit(f"ingest failed: {failure.label}: {failure.error}")
    return summary


def load_questions(count: int) -> list[str]:
    """`count` questions, taken in turn from each QA file, in file order."""
    per_file = [
        [json.loads(line)["question"] for line in (SHARED / "qa" / name).open(encoding="utf-8")]
        for name in QA_FILES
    ]
    mixed = [q for group in zip(*per_file, strict=False) for q in group]
    return mixed[:count]


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    cuts = statistics.quantiles([s * 1000 for s in seconds], n=100, method="inclusive")
    return cuts[49], cuts[94]
