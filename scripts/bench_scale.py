"""Scale benchmark: the store at 10k, 100k and 1M chunks, built from real IndoSum chunks.

The IndoSum corpus is embedded once, for real, in a base store (`--base-dir`, by default
`DATA_DIR/base`; `--base-dir /path --base-collection eval` reuses a store `kabar eval` filled).
Its sentences and their vectors are kept in `DATA_DIR/base.npz`. Bigger collections are then
written through the store's real write path (Chroma, registry, keyword index all real) from
articles whose sentences are recombined from different base articles, under new ids, titles and
dates; the embedding step looks each sentence's vector up and perturbs it (noise, renormalised),
a passage's vector is the renormalised mean of its sentences', so nothing is embedded while
building. Measuring uses the real model.

For each size it prints: build time, disk size, time to open the store and answer a first
question (and of that the store's own opening), the process's RSS after
opening and after the questions, `ask` p50/p95 (extractive, questions from ../shared/data/qa),
the time from writing one new article to it being answerable, the time `stats` and the
`/sources` page halfway through the archive take, and question p50/p95 while a
50-article write (really embedded) runs in the same process.

    .venv/bin/python scripts/bench_scale.py --data-dir DIR [--sizes 10000,100000,1000000]
        [--questions 200] [--ingest 50] [--base-limit N]

Each build and each measurement runs in a process of its own, one after the other, so the
numbers are those of a fresh bot process and the store folder has one owner at a time. Sizes
grow one store in `DATA_DIR/store`: rerun with a larger size to grow it further.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import json
import random
import re
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from _bench import CORPUS, INDOSUM, fill, load_questions, percentiles
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr
from typing_extensions import override

from bot.engine import Backend, Engine, EngineSettings
from ingest import Ingestor, IngestSettings, to_article
from store import (
    Article,
    Outcome,
    Store,
    StoreSettings,
    parse_spans,
)

NOISE = 0.02
# Where a passage may end a sentence, for `CachedEmbedding`: after . ! or ?, and at line breaks.
_CUTS = re.compile(r"(?<=[.!?])\s+|\n+")
_NOISE_ROWS = 4096
# fmt: off
_PROBE_WORDS = (
    "baru", "megah", "kokoh", "modern", "panjang", "lebar", "tinggi", "indah", "mahal", "ramping",
    "dua", "tiga", "empat", "lima",
)
# fmt: on
# Articles per write: a feed's backlog comes in such batches, and the per-batch costs (two
# tantivy commits, a handful of Chroma calls) are then spread over some 1,300 chunks.
BATCH = 500
COLLECTION = "scale"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--base-dir", type=Path)
    parser.add_argument("--base-collection", default="base")
    parser.add_argument(
        "--base-limit",
        type=int,
        default=0,
        help="Fill a new base with the first N corpus articles only (all when 0): for profiling.",
    )
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--ingest", type=int, default=50)
    parser.add_argument("--grow", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.grow:
        print(json.dumps(grow(args.data_dir, args.grow)))
    elif args.measure:
        print(json.dumps(measure(args.data_dir, args.questions, args.ingest)))
    else:
        run(args)


def run(args: argparse.Namespace) -> None:
    """Base first, then for each size a build process and a measuring process."""
    prepare_base(args)
    for size in [int(s) for s in args.sizes.split(",")]:
        built = child(args, "--grow", str(size))
        measured = child(args, "--measure")
        report(size, built | measured)


def child(args: argparse.Namespace, *flags: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--data-dir", str(args.data_dir), *flags]
    command += ["--questions", str(args.questions), "--ingest", str(args.ingest)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def report(size: int, r: dict[str, Any]) -> None:
    print(
        f"{size:>9,} target, {r['chunks']:,} chunks: built in {r['build_s']:.0f} s,"
        f" {r['disk_mb']:,.0f} MB on disk, open {r['open_s']:.1f} s ({r['store_s']:.1f} s the"
        " store, the rest the first question),"
        f" RSS {_memory(r['rss_open'])} after open, {_memory(r['rss_after'])} after"
        f" {r['questions']} questions; stats {r['stats_s']:.2f} s, the /sources page halfway"
        f" {r['page_s']:.2f} s"
    )
    print(
        f"{'':>11}ask p50 {r['ask_p50']:.0f} ms, p95 {r['ask_p95']:.0f} ms; new article"
        f" answerable {r['answerable_s']:.2f} s after its write; during a {r['ingest']}-article"
        f" write ({r['ingest_s']:.0f} s, {r['during_n']} questions) p50 {r['during_p50']:.0f} ms,"
        f" p95 {r['during_p95']:.0f} ms ({r['during_p95'] / r['ask_p95']:.1f}x idle p95)",
        flush=True,
    )


def _memory(rss: dict[str, float]) -> str:
    return f"{rss['rss']:,.0f} MB (anonymous {rss['anon']:,.0f}, files {rss['file']:,.0f})"


# --- the base: real sentences with real vectors ------------------------------------------


def prepare_base(args: argparse.Namespace) -> None:
    """`DATA_DIR/base.npz`: every base article's sentences, their vectors and its fields."""
    target = args.data_dir / "base.npz"
    if target.exists():
        return
    base_dir = args.base_dir or args.data_dir / "base"
    if args.base_dir is None:
        settings = StoreSettings(data_dir=base_dir, chroma_host=None, collection="base")
        fill(Store(settings), CORPUS, args.base_limit)
    client = chromadb.PersistentClient(path=str(base_dir / "chroma"))
    articles: dict[str, dict[str, Any]] = {}
    vectors: list[np.ndarray] = []
    sentences: list[str] = []
    for document, metadata in base_chunks(client.get_collection(f"{args.base_collection}_chunks")):
        article = articles.setdefault(str(metadata["article_id"]), {"sentences": []})
        article.update(title=metadata.get("title", ""), published=metadata.get("published", ""))
        packed = str(metadata.get("sentence_vectors") or "")
        spans = parse_spans(metadata["sentences"])
        rows = np.frombuffer(base64.b64decode(packed), dtype=np.int8).reshape(len(spans), -1)
        for (start, end), row in zip(spans, rows, strict=True):
            article["sentences"].append(len(sentences))
            sentences.append(document[start:end])
            vectors.append(row)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    np.savez(target, vectors=np.stack(vectors), sentences=np.array(sentences, dtype=object))
    (args.data_dir / "base.json").write_text(json.dumps(list(articles.values())))


def base_chunks(collection: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    offset = 0
    while True:
        page = collection.get(include=["documents", "metadatas"], limit=5000, offset=offset)
        yield from zip(page["documents"], page["metadatas"], strict=True)
        if len(page["ids"]) < 5000:
            return
        offset += 5000


class CachedEmbedding(BaseEmbedding):
    """Base sentences' vectors, perturbed; a passage's is the mean of its sentences'.

    Cheap next to the write it feeds: a sentence's vector is looked up whole, a passage is cut
    at full stops, the noise is a row of a fixed table picked by the text's hash, and a whole
    write's texts are scaled in one array, handed back without LlamaIndex's instrumentation:
    its end-of-batch event validates every float of every vector, a fifth of the build's time
    at 50k chunks (py-spy), which a real model's own pace would hide.
    """

    _vectors: dict[str, np.ndarray] = PrivateAttr()
    _noise: np.ndarray = PrivateAttr()
    _query: BaseEmbedding = PrivateAttr()

    def __init__(self, vectors: dict[str, np.ndarray], query: BaseEmbedding) -> None:
        super().__init__(model_name=query.model_name)
        self._vectors = vectors
        dimension = len(next(iter(vectors.values())))
        self._noise = np.random.default_rng(0).normal(size=(_NOISE_ROWS, dimension))
        self._query = query

    @property
    def dimension(self) -> int:
        return int(self._noise.shape[1])

    @override
    def get_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[Embedding]:
        return self._get_text_embeddings(texts)

    def _get_text_embedding(self, text: str) -> Embedding:
        [vector] = self._get_text_embeddings([text])
        return vector

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        noise = self._noise[[zlib.crc32(text.encode()) % _NOISE_ROWS for text in texts]]
        found = np.stack([self._base(text, row) for text, row in zip(texts, noise, strict=True)])
        vectors = found / np.linalg.norm(found, axis=1, keepdims=True) + NOISE * noise
        unit: list[Embedding] = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).tolist()
        return unit

    def _base(self, text: str, noise: np.ndarray) -> np.ndarray:
        """The base vector of a sentence, the mean of a passage's sentences', else noise."""
        vector = self._vectors.get(text)
        if vector is None:
            found = list(self._sentences_of(text))
            vector = np.mean(found, axis=0) if found else noise
        return vector

    def _sentences_of(self, passage: str) -> Iterator[np.ndarray]:
        """The vectors of the base sentences in a passage, found without a sentence splitter.

        The passage is cut after every full stop (and ! or ?) and at line breaks (its title's);
        pieces are joined again until they make a base sentence, so a cut after an abbreviation
        loses nothing.
        """
        joined = ""
        for piece in _CUTS.split(passage):
            joined = f"{joined} {piece}" if joined else piece
            vector = self._vectors.get(joined)
            if vector is None:
                vector = self._vectors.get(piece)
            if vector is not None:
                yield vector
                joined = ""

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._query.get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embedding(text)

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)


# --- building ------------------------------------------------------------------------------


def open_store(data_dir: Path) -> Store:
    return Store(
        StoreSettings(data_dir=data_dir / "store", chroma_host=None, collection=COLLECTION)
    )


def grow(data_dir: Path, target: int) -> dict[str, Any]:
    """Write recombined articles until the store holds `target` chunks."""
    base = np.load(data_dir / "base.npz", allow_pickle=True)
    texts = list(base["sentences"])
    unit = base["vectors"].astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    articles = json.loads((data_dir / "base.json").read_text())
    store = open_store(data_dir)
    store.embed_model = CachedEmbedding(  # type: ignore[assignment]
        dict(zip(texts, unit, strict=True)), store.embed_model
    )
    chunks = store._chunks.count()
    # What is loaded by now lives as long as the process: the collector need not scan it again
    # after each write's burst of nodes.
    gc.freeze()
    started = time.perf_counter()
    rng = random.Random(chunks)
    while chunks < target:
        batch = [synthetic(articles, texts, rng) for _ in range(BATCH)]
        chunks += sum(result.chunks for result in store.write(batch))
    built = time.perf_counter() - started
    return {"chunks": chunks, "build_s": built, "disk_mb": disk_mb(data_dir / "store")}


def synthetic(articles: list[dict[str, Any]], texts: list[str], rng: random.Random) -> Article:
    """Runs of two or three sentences from six base articles, each from a place of its own.

    Short runs keep two articles of one base apart: with runs of four to seven sentences from
    three base articles, two articles shared a run often enough that an article's near-duplicate
    candidates grew with the archive (LSH bands are steep in the similarity: at 400k chunks
    the candidates' lookup took a fifth of the build, by py-spy), a share of copies no news
    archive has.
    """
    sources = rng.sample(articles, 6)
    picked: list[int] = []
    for source in sources:
        sentences = source["sentences"]
        start = rng.randrange(max(1, len(sentences) - 2))
        picked += sentences[start : start + rng.randint(2, 3)]
    text = " ".join(dict.fromkeys(texts[i] for i in picked))
    serial = rng.getrandbits(64)
    day = date(2016, 1, 1) + timedelta(days=rng.randrange(365 * 10))
    return Article(
        id=f"scale-{serial:016x}",
        title=f"{sources[0]['title']} ({serial % 9973})",
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        site=rng.choice(("antaranews", "kompas", "detik", "tempo", "cnn")),
        published=day.isoformat(),
        language="id",
    )


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


# --- measuring -----------------------------------------------------------------------------


def measure(data_dir: Path, questions: int, ingest: int) -> dict[str, Any]:
    """A fresh process: open, ask, write one article and ask for it, ask during a write."""
    started = time.perf_counter()
    store = open_store(data_dir)
    store_s = time.perf_counter() - started
    engine = Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))
    engine.ask("Siapa presiden Indonesia?")  # the first question loads what questions need
    opened = time.perf_counter() - started
    result: dict[str, Any] = {"open_s": opened, "store_s": store_s, "rss_open": rss_mb()}
    asked = load_questions(questions)
    idle = [timed(engine.ask, q) for q in asked]
    result["ask_p50"], result["ask_p95"] = percentiles(idle)
    result |= {"questions": len(asked), "rss_after": rss_mb()}
    result["answerable_s"] = answerable_after_write(store, engine)
    result |= listings(store)
    result |= during_write(store, engine, asked, ingest)
    result["chunks"] = store._chunks.count()
    return result


def timed(ask: Any, question: str) -> float:
    started = time.perf_counter()
    ask(question)
    return time.perf_counter() - started


def listings(store: Store) -> dict[str, float]:
    """Seconds for `stats` and for the `/sources` page halfway through the archive."""
    started = time.perf_counter()
    articles = store.stats().articles
    counted = time.perf_counter()
    store.newest(10, offset=articles // 2)
    return {"stats_s": counted - started, "page_s": time.perf_counter() - counted}


def answerable_after_write(store: Store, engine: Engine) -> float:
    """Seconds from one new article's write returning to a question citing it."""
    rng = random.Random()
    token = f"Zelvaria{rng.randrange(10**6)}"
    # Words of its own each run: the store takes a text like an earlier run's for a copy.
    words = rng.sample(_PROBE_WORDS, len(_PROBE_WORDS))
    text = (
        f"Pemerintah Kota {token} meresmikan jembatan gantung {' '.join(words[:6])} pada hari"
        f" Senin. Jembatan {token} sepanjang {rng.randrange(200, 2000)} meter itu dibangun"
        f" selama {' '.join(words[6:])} tahun."
    )
    article = Article(
        id=f"probe-{token}",
        title=f"Jembatan {token} diresmikan",
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        language="id",
    )
    [result] = store.write([article])
    written = time.perf_counter()
    if result.outcome is not Outcome.ADDED:
        raise SystemExit(f"the probe article was not added but {result.outcome}")
    while time.perf_counter() - written < 120:
        answer = engine.ask(f"Berapa panjang jembatan {token}?")
        if any(citation.article.id == article.id for citation in answer.citations):
            return time.perf_counter() - written
        time.sleep(0.05)
    return float("inf")


def during_write(store: Store, engine: Engine, asked: list[str], count: int) -> dict[str, Any]:
    """Question latency while a thread writes `count` new copies of IndoSum articles."""
    # Other articles each run: a store keeps one copy of a text, whatever its id.
    items = random.sample(Ingestor(store, IngestSettings()).plan([str(CORPUS)], INDOSUM), count)
    tag = f"-{random.randrange(10**9)}"
    drafts = [item.load() for item in items]
    articles = [
        replace(article, id=article.id + tag, title=article.title + tag)
        for article in (to_article(d) for d in drafts if not isinstance(d, list))
    ]
    writer = threading.Thread(target=store.write, args=(articles,))
    started = time.perf_counter()
    writer.start()
    seconds: list[float] = []
    while writer.is_alive():
        seconds.append(timed(engine.ask, asked[len(seconds) % len(asked)]))
    # Asked once only: that question waited for the whole write.
    p50, p95 = percentiles(seconds) if len(seconds) > 1 else (seconds[0] * 1000,) * 2
    return {
        "ingest": count,
        "ingest_s": time.perf_counter() - started,
        "during_n": len(seconds),
        "during_p50": p50,
        "during_p95": p95,
    }


def rss_mb() -> dict[str, float]:
    """The process's resident memory in MB: all of it, and its anonymous and file-backed parts.

    File-backed pages are mapped files (tantivy's segments, the libraries) the kernel may drop
    and read again; anonymous ones are the heap, Chroma's vector index among them.
    """
    fields = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file"}
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in fields:
            found[fields[key]] = int(value.split()[0]) / 1024
    return found


if __name__ == "__main__":
    main()
