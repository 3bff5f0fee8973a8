"""Registry benchmark: what the requests that used to read the whole registry cost by its size.

For registries of each `--sizes` (articles of random Indonesian words, dated over the three
years up to now, committed straight into the registry as a write's commit does, without
chunks) it prints: the build time, opening the store, `count`, the newest page (`/brief`,
`/sources` page 1), a page halfway back (`/sources` deep), the near-duplicate lookup of a new
article and of a copy, and `stats`. Times are the median of `--repeats` runs, in
milliseconds.

    .venv/bin/python scripts/bench_registry.py [--sizes 1000 10000 50000] [--data-dir DIR]

With --data-dir the registries are kept there and reused by the next run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from store import Article, Store, StoreSettings
from store._fingerprint import fingerprint
from store._lease import hold

VOCABULARY = (
    "harga beras naik pasar petani panen kota desa jalan banjir hujan gunung laut kapal sekolah"
    " guru murid rumah sakit dokter obat listrik air tanah hutan api asap polisi hakim sidang"
    " pemilu partai menteri presiden bank rupiah ekspor impor pabrik buruh"
)
WORDS = VOCABULARY.split()
SPAN = timedelta(days=3 * 365)
BATCH = 500


def article(rng: random.Random, number: int, now: datetime) -> Article:
    """A random article dated within `SPAN` before `now`."""
    text = " ".join(rng.choices(WORDS, k=200))
    published = (now - SPAN * rng.random()).isoformat(timespec="seconds")
    return Article(
        id=f"a{number:07}",
        title=f"Berita {number}",
        text=text,
        content_hash=f"h{number}",
        site=f"site{number % 40}.example",
        published=published,
        language="id",
    )


def build(store: Store, size: int, rng: random.Random) -> float:
    """Commit records up to `size` into the registry; the seconds it took."""
    registry = store._registry
    start, now = time.perf_counter(), datetime.now(UTC)
    for first in range(registry.count(), size, BATCH):
        batch = [article(rng, n, now) for n in range(first, min(first + BATCH, size))]
        with hold(300) as lease:
            registry.begin(batch, lease)
            registry.commit(
                batch, [0] * len(batch), [fingerprint(a.text) for a in batch], [False] * len(batch)
            )
    return time.perf_counter() - start


def median_ms(call: Callable[[], object], repeats: int) -> float:
    """The median wall time of `call`, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(folder: Path, size: int, repeats: int) -> None:
    """Build (or reuse) a registry of `size` articles and print what its requests cost."""
    settings = StoreSettings(data_dir=folder / str(size), chroma_host=None, collection="bench")
    rng = random.Random(size)
    built = build(Store(settings), size, rng)
    start = time.perf_counter()
    store = Store(settings)
    opened = time.perf_counter() - start
    copy_of = store.newest(1, size // 3)[0]
    words = store.text(copy_of.id).split()
    words[7] = "gempa"
    copy, fresh = fingerprint(" ".join(words)), fingerprint(" ".join(rng.choices(WORDS, k=200)))
    registry = store._registry
    assert copy_of.id in {
        i for i, _ in registry.similar([copy], store.settings.duplicate_threshold)[0]
    }
    timings = {
        "count": median_ms(store.count, repeats),
        "newest 10": median_ms(lambda: store.newest(10), repeats),
        "page halfway": median_ms(lambda: store.newest(10, size // 2), repeats),
        "dup new": median_ms(
            lambda: registry.similar([fresh], store.settings.duplicate_threshold), repeats
        ),
        "dup copy": median_ms(
            lambda: registry.similar([copy], store.settings.duplicate_threshold), repeats
        ),
        "stats": median_ms(store.stats, max(1, repeats // 3)),
    }
    cells = "  ".join(f"{name} {ms:8.1f}" for name, ms in timings.items())
    print(
        f"{size:>8} articles  build {built:6.1f} s  open {opened:5.2f} s  ms: {cells}", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--data-dir", type=Path, help="Keep the registries here to reuse them.")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            measure(args.data_dir or Path(scratch), size, args.repeats)


if __name__ == "__main__":
    main()
