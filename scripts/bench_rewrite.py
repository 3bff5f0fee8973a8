"""Cross-lingual rewrite benchmark: hybrid recall of English questions over Indonesian passages,
alone and merged with the same question in Indonesian.

The cross-lingual set's `id_question` stands in for the model's translation (an oracle rewrite),
merged with the English question's results by the engine's own `merge_results`. A hit is a top-k
chunk from the gold passage, as `kabar eval` counts it for this set. The store holds the set's
passages only (written once into --data-dir, then reused); prints recall@1/3/5/10 of the English
question, the Indonesian one and the two merged, and the run time.

    .venv/bin/python scripts/bench_rewrite.py --data-dir /work/evalstores/rewrite [--limit N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from _bench import SHARED
from llama_index.core.schema import NodeWithScore

from bot.engine import merge_results
from bot.evaluation import KS, fill_store, load_dataset, passage_articles
from store import Mode, Store, StoreSettings

CROSSLINGUAL = SHARED / "qa/crosslingual_en_q_id_passages_dev.jsonl"


@dataclass(frozen=True)
class Pair:
    """One answerable question in both languages, and the passage that answers it."""

    en: str
    id: str
    passage_id: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="The store's folder.")
    parser.add_argument("--file", type=Path, default=CROSSLINGUAL)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N questions.")
    args = parser.parse_args()

    started = time.perf_counter()
    store = filled(args.data_dir, args.file)
    filling = time.perf_counter() - started
    pairs = list(answerable(args.file))[: args.limit or None]
    started = time.perf_counter()
    ranks = score(store, pairs)
    scoring = time.perf_counter() - started
    print(f"{len(pairs)} answerable questions; recall (hit: a chunk of the gold passage)")
    print(f"{'question':<28}" + "".join(f"{'@' + str(k):>8}" for k in KS))
    for name, found in ranks.items():
        shares = [sum(r is not None and r < k for r in found) / len(pairs) for k in KS]
        print(f"{name:<28}" + "".join(f"{share:>8.3f}" for share in shares))
    print(
        f"time: store {filling:.1f} s, scoring {scoring:.1f} s"
        f" ({scoring / max(len(pairs), 1) * 1000:.0f} ms per question: two retrievals, one merge)"
    )


def filled(data_dir: Path, path: Path) -> Store:
    """The store in `data_dir` holding exactly the set's passages; prints what it did."""
    store = Store(StoreSettings(data_dir=data_dir, chroma_host=None, collection="rewrite"))
    result = fill_store(store, passage_articles(load_dataset(path)))
    print(f"store: {store.stats().chunks} chunks ({result.kept} kept, {result.added} added)")
    return store


def answerable(path: Path) -> Iterator[Pair]:
    """The set's answerable questions in file order, each in English and Indonesian."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for qa in record["qas"]:
                if not qa["is_impossible"]:
                    yield Pair(qa["en_question"], qa["id_question"], record["passage_id"])


def score(store: Store, pairs: Sequence[Pair]) -> dict[str, list[int | None]]:
    """Each pair's rank of the first gold chunk (None: not in the top max(KS)), per query."""
    retrieve = store.retriever(Mode.HYBRID, max(KS)).retrieve
    ranks: dict[str, list[int | None]] = {
        "en (question alone)": [],
        "id (oracle rewrite alone)": [],
        "en + id merged": [],
    }
    for pair in pairs:
        english, indonesian = retrieve(pair.en), retrieve(pair.id)
        merged = merge_results([english, indonesian], max(KS))
        for found, nodes in zip(ranks.values(), (english, indonesian, merged), strict=True):
            found.append(first_hit(nodes, pair.passage_id))
    return ranks


def first_hit(nodes: Sequence[NodeWithScore], passage_id: str) -> int | None:
    """The rank of the first chunk of the gold passage; None when none was retrieved."""
    return next(
        (n for n, node in enumerate(nodes) if node.metadata.get("article_id") == passage_id),
        None,
    )


if __name__ == "__main__":
    main()
