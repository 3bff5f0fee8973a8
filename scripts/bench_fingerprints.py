"""Near-duplicate index benchmark: an in-memory `FingerprintIndex` against datasketch's MinHashLSH.

(The store held such a scan of every article until it looked copies up by LSH bands stored with
the registry's records, see `scripts/bench_registry.py`; it now scans a batch's articles only.)

For the IndoSum articles and a synthetic corpus (texts of IndoSum words drawn at random, one in
50 an edited copy of an earlier text) it prints, for each index: the time to add every signature
(what opening a store did), the memory the full index holds, the mean time of one `find` over
the full index (queries half edited copies of corpus texts, half fresh texts), and for an
ingest-like pass (find, then add when no original is found, as `Store.write` did) its time and
the pairs (copy, original) it flags; then whether each LSH index answered as the scan does.

The indexes: "scan", `FingerprintIndex` (one matrix, compared in bulk); "lsh", MinHashLSH with more
bands than a pair at the threshold can have differing values, so that it misses none, each
candidate confirmed by its estimated Jaccard similarity; "lsh-auto", MinHashLSH with the bands
datasketch picks for the threshold (fewer, so pairs near the threshold can be missed).

    .venv/bin/python scripts/bench_fingerprints.py [--synthetic N] [--queries N] [--scan-ingest]

The scan's ingest pass over the synthetic corpus is quadratic (minutes at 100,000), so it runs
only with --scan-ingest; without it the queries compare the indexes there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from store import StoreSettings
from store._fingerprint import FingerprintIndex, fingerprint

CORPUS = Path(__file__).resolve().parents[2] / "shared/data/corpus/indosum_articles.jsonl.gz"
NUM_PERM = 128  # the store's signature length
WORDS = 300  # about an IndoSum article's length
COPY_EVERY = 50
MOST_EDITS = 20  # replaced words in a copy: 1 keeps it far above 0.85, 20 takes it below


class Index(Protocol):
    def add(self, article_id: str, signature: np.ndarray) -> None: ...
    def find(self, signature: np.ndarray, exclude: str = "") -> str | None: ...


class ScanIndex:
    """`FingerprintIndex`, with the threshold given once like the LSH indexes take it."""

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold
        self._index = FingerprintIndex()

    def add(self, article_id: str, signature: np.ndarray) -> None:
        self._index.add(article_id, signature)

    def find(self, signature: np.ndarray, exclude: str = "") -> str | None:
        return self._index.find(signature, self._threshold, exclude)


class LshIndex:
    """MinHashLSH proposes candidates; the estimated Jaccard similarity confirms them."""

    def __init__(self, threshold: float, *, exact: bool) -> None:
        self._threshold = threshold
        self._lsh = MinHashLSH(
            threshold, NUM_PERM, params=exact_bands(threshold) if exact else None
        )
        # The order of addition breaks ties, as the scan's first row does.
        self._entries: dict[str, tuple[int, LeanMinHash]] = {}

    def add(self, article_id: str, signature: np.ndarray) -> None:
        minhash = LeanMinHash(seed=1, hashvalues=signature, scheme="affine32")
        self._entries[article_id] = (len(self._entries), minhash)
        self._lsh.insert(article_id, minhash, check_duplication=False)

    def find(self, signature: np.ndarray, exclude: str = "") -> str | None:
        minhash = LeanMinHash(seed=1, hashvalues=signature, scheme="affine32")
        scored = [
            (minhash.jaccard(self._entries[key][1]), -self._entries[key][0], key)
            for key in self._lsh.query(minhash)
            if key != exclude
        ]
        best = max(scored, default=None)
        return best[2] if best is not None and best[0] >= self._threshold else None


def exact_bands(threshold: float) -> tuple[int, int]:
    """Bands and rows such that every pair estimated at or above `threshold` is a candidate.

    Such a pair differs in at most `most` values; with more bands than that, one is identical.
    """
    most = max(m for m in range(NUM_PERM) if (NUM_PERM - m) / NUM_PERM >= threshold)
    bands = max(2, most + 1)  # MinHashLSH needs two bands at least
    return bands, NUM_PERM // bands


INDEXES: dict[str, Callable[[float], Index]] = {
    "scan": ScanIndex,
    "lsh": partial(LshIndex, exact=True),
    "lsh-auto": partial(LshIndex, exact=False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=100_000, help="Synthetic corpus size.")
    parser.add_argument("--queries", type=int, default=1000, help="Timed finds per corpus.")
    parser.add_argument("--scan-ingest", action="store_true", help="Also on the synthetic one.")
    args = parser.parse_args()
    threshold = StoreSettings().duplicate_threshold
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    vocabulary = [word for text in texts for word in text.split()]
    synthetic = synthesize(vocabulary, args.synthetic, random.Random(0))
    print(f"threshold {threshold}; bands x rows: lsh {exact_bands(threshold)}", end="")
    auto = MinHashLSH(threshold, NUM_PERM)
    print(f", lsh-auto {(auto.b, auto.r)}")
    for name, corpus, scan_ingest in (
        ("indosum", texts, True),
        ("synthetic", synthetic, args.scan_ingest),
    ):
        queries = make_queries(corpus, vocabulary, args.queries, random.Random(1))
        measure(name, corpus, queries, threshold, scan_ingest=scan_ingest)


def synthesize(vocabulary: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """`count` texts of random words, every `COPY_EVERY`th an edited copy of an earlier one."""
    texts: list[str] = []
    for i in range(count):
        if i % COPY_EVERY == COPY_EVERY - 1:
            texts.append(edit(texts[rng.randrange(i)], vocabulary, rng))
        else:
            texts.append(" ".join(rng.choices(vocabulary, k=WORDS)))
    return texts


def edit(text: str, vocabulary: Sequence[str], rng: random.Random) -> str:
    """The text with 1 to `MOST_EDITS` of its words replaced by random ones."""
    words = text.split()
    for position in rng.sample(range(len(words)), min(len(words), rng.randint(1, MOST_EDITS))):
        words[position] = rng.choice(vocabulary)
    return " ".join(words)


def make_queries(
    corpus: Sequence[str], vocabulary: Sequence[str], count: int, rng: random.Random
) -> list[str]:
    """Half edited copies of corpus texts, half fresh texts."""
    copies = [edit(rng.choice(corpus), vocabulary, rng) for _ in range(count // 2)]
    fresh = [" ".join(rng.choices(vocabulary, k=WORDS)) for _ in range(count - count // 2)]
    return copies + fresh


def measure(
    name: str, corpus: Sequence[str], queries: Sequence[str], threshold: float, *, scan_ingest: bool
) -> None:
    """Fingerprint the corpus, then time and compare the indexes on it."""
    start = time.perf_counter()
    signatures = [fingerprint(text) for text in corpus]
    asked = [fingerprint(text) for text in queries]
    seconds = time.perf_counter() - start
    print(
        f"\n{name}: {len(corpus)} texts, {len(queries)} queries;"
        f" fingerprinting {seconds / (len(corpus) + len(queries)) * 1000:.3f} ms a text"
    )
    answers: dict[str, list[str | None]] = {}
    flagged: dict[str, set[tuple[int, int]]] = {}
    for label, make in INDEXES.items():
        index, add_seconds = build(make, threshold, signatures)
        memory = held_memory(make, threshold, signatures)
        start = time.perf_counter()
        answers[label] = [index.find(signature) for signature in asked]
        query_ms = (time.perf_counter() - start) / len(asked) * 1000
        found = sum(answer is not None for answer in answers[label])
        line = (
            f"  {label:8}  add all {add_seconds:7.3f} s  memory {memory / 2**20:7.1f} MiB"
            f"  find {query_ms:7.3f} ms ({found} found)"
        )
        if scan_ingest or label != "scan":
            start = time.perf_counter()
            flagged[label] = ingest(make(threshold), signatures)
            ingest_seconds = time.perf_counter() - start
            line += f"  ingest {ingest_seconds:7.2f} s, {len(flagged[label])} pairs flagged"
        print(line)
    for label in ("lsh", "lsh-auto"):
        same = sum(a == b for a, b in zip(answers["scan"], answers[label], strict=True))
        print(f"  {label} answers as the scan: {same} of {len(asked)} queries", end="")
        if scan_ingest:
            missed = len(flagged["scan"] - flagged[label])
            print(f"; pairs flagged by the scan and not by {label}: {missed}", end="")
        print()


def build(
    make: Callable[[float], Index], threshold: float, signatures: Sequence[np.ndarray]
) -> tuple[Index, float]:
    """An index holding every signature, and the seconds adding them took."""
    index = make(threshold)
    start = time.perf_counter()
    for i, signature in enumerate(signatures):
        index.add(str(i), signature)
    return index, time.perf_counter() - start


def held_memory(
    make: Callable[[float], Index], threshold: float, signatures: Sequence[np.ndarray]
) -> int:
    """Bytes allocated by an index holding every signature (traced apart: tracing is slow)."""
    tracemalloc.start()
    index, _ = build(make, threshold, signatures)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del index
    return held


def ingest(index: Index, signatures: Sequence[np.ndarray]) -> set[tuple[int, int]]:
    """Signatures in order, each a copy when the index finds an original, added otherwise."""
    pairs: set[tuple[int, int]] = set()
    for i, signature in enumerate(signatures):
        original = index.find(signature)
        if original is None:
            index.add(str(i), signature)
        else:
            pairs.add((i, int(original)))
    return pairs


if __name__ == "__main__":
    main()
