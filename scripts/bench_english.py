"""English-news ingest benchmark: CPU seconds per chunk, and where they go, stage by stage.

The issue's 268 English news articles (USA Today, CNN, The Week; a few live blogs of 35-100k
characters) are not ours to ship, so a stand-in of the same shape is built from the TyDi-en
passages of ../shared/data/qa: `--articles` news stories of 3-8k characters (a byline, short
paragraphs, an "Advertisement" line or two) and `--live-blogs` live blogs of 35-100k characters
made of many short entries (a timestamp, a one-line update, a byline, an "Advertisement" line).
Nothing of it is kept: it is written to a temporary folder (or `--out`) as a JSONL corpus and as
HTML pages, the pages served on 127.0.0.1 by `python -m http.server`, so that fetching,
trafilatura's extraction and cleaning are in play as in `kabar ingest URL`.

Each `--source` (jsonl, html or both, one after the other) is ingested into a fresh store, and
the benchmark prints the CPU seconds of the run (this process, every thread) per chunk, and the
split over the stages: each stage's own CPU time, the stages it calls counted to them.
`--profile FILE` also writes cProfile statistics of the last run (`python -m pstats FILE`).

    .venv/bin/python scripts/bench_english.py [--source jsonl|html|both] [--articles 262]
        [--live-blogs 6] [--seed 11] [--out DIR] [--profile FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import json
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from llama_index.core.node_parser import SentenceSplitter
from llama_index.vector_stores.chroma import ChromaVectorStore

import ingest._clean
import ingest._inputs
import ingest._pipeline
import store._chunking
import store._store
from ingest import Ingestor, IngestSettings, JsonlFields, Summary
from store import Store, StoreSettings
from store._keyword import KeywordIndex
from store._registry import Registry

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = ROOT.parent / "shared/data/qa/tydiqa_goldp_en_dev.jsonl"
_CITATION = re.compile(r"\[\d+\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
SITES = ("USA TODAY", "CNN", "The Week")
REPORTERS = ("Jane Doe", "John Smith", "Maria Garcia", "Wei Chen", "Aisha Khan", "Tom O'Neil")


@dataclass(frozen=True)
class Story:
    """A stand-in article: its paragraphs as a page shows them, one per <p>."""

    slug: str
    title: str
    site: str
    published: str
    paragraphs: list[str]
    live: bool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("jsonl", "html", "both"), default="both")
    parser.add_argument("--articles", type=int, default=262, help="News stories of 3-8k chars.")
    parser.add_argument("--live-blogs", type=int, default=6, help="Live blogs of 35-100k chars.")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, help="Write the corpus and stores here (kept).")
    parser.add_argument("--profile", type=Path, help="Write cProfile statistics here.")
    args = parser.parse_args()

    stories = build_stories(random.Random(args.seed), args.articles, args.live_blogs)
    lengths = sorted(len("\n\n".join(s.paragraphs)) for s in stories)
    print(
        f"stand-in: {len(stories)} articles ({args.live_blogs} live blogs), "
        f"{sum(lengths):,} chars, median {lengths[len(lengths) // 2]:,}, longest {lengths[-1]:,}"
    )
    with contextlib.ExitStack() as stack:
        folder = args.out or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.mkdir(parents=True, exist_ok=True)
        corpus = write_jsonl(stories, folder / "english.jsonl")
        pages = write_pages(stories, folder / "pages")
        for source in ("jsonl", "html") if args.source == "both" else (args.source,):
            if source == "jsonl":
                sources, fields = [str(corpus)], JsonlFields()
            else:
                base = stack.enter_context(serve(pages))
                sources, fields = [f"{base}/{s.slug}.html" for s in stories], None
            measure(source, sources, fields, folder / f"store-{source}", args.profile)


def build_stories(rng: random.Random, articles: int, live_blogs: int) -> list[Story]:
    """The stand-in corpus: news stories and live blogs stitched from TyDi-en passages."""
    passages = _passages()
    stories = [_story(rng, passages, number) for number in range(articles)]
    blogs = [_live_blog(rng, passages, number) for number in range(live_blogs)]
    # The live blogs among the stories, as a day's ingest would meet them.
    for blog in blogs:
        stories.insert(rng.randrange(len(stories) + 1), blog)
    return stories


def _passages() -> list[list[str]]:
    """Each distinct TyDi-en passage as its sentences, citation marks dropped."""
    contexts: dict[str, None] = {}
    with PASSAGES.open(encoding="utf-8") as lines:
        for line in lines:
            contexts[json.loads(line)["context"]] = None
    return [_SENTENCE.split(_CITATION.sub("", context).strip()) for context in contexts]


def _byline(rng: random.Random, site: str) -> str:
    return f"By {rng.choice(REPORTERS)}, {site}"


def _story(rng: random.Random, passages: list[list[str]], number: int) -> Story:
    """A news story: a byline, paragraphs of one to three sentences, an ad line or two."""
    site, target = rng.choice(SITES), rng.randint(3000, 8000)
    paragraphs, size = [_byline(rng, site)], 0
    sentences = _sentences(rng, passages)
    while size < target:
        take = rng.randint(1, 3)
        paragraph = " ".join(next(sentences) for _ in range(take))
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
        if rng.random() < 0.04:
            paragraphs.append("Advertisement")
    paragraphs.append(f"Contributing: {rng.choice(REPORTERS)}")
    title = paragraphs[1].split(",")[0][:90]
    return Story(f"story-{number}", title, site, _date(rng), paragraphs, live=False)


def _live_blog(rng: random.Random, passages: list[list[str]], number: int) -> Story:
    """A live blog: many short timestamped entries, most of them a line or two."""
    site, target = rng.choice(SITES[:2]), rng.randint(35_000, 100_000)
    paragraphs: list[str] = []
    size, minute = 0, 5 * 24 * 60
    sentences = _sentences(rng, passages)
    while size < target:
        entry = [_clock(minute), next(sentences)]
        if rng.random() < 0.5:
            entry.append(f"From {site}'s {rng.choice(REPORTERS)}")
        entry.extend(next(sentences) for _ in range(rng.choice((0, 0, 1, 2, 3))))
        if rng.random() < 0.3:
            entry.append("Advertisement")
        paragraphs.extend(entry)
        size += sum(len(p) + 2 for p in entry)
        minute -= rng.randint(1, 6)
    title = f"Live updates: {paragraphs[1][:60]}"
    return Story(f"live-{number}", title, site, "2024-03-05", paragraphs, live=True)


def _sentences(rng: random.Random, passages: list[list[str]]) -> Iterator[str]:
    """The sentences of the passages in a random order of passages, each passage once.

    An article that outgrows them all starts again in another order; no real story repeats
    its sentences, and a copied sentence would make near-duplicate checks and the work of
    embedding look other than they are.
    """
    while True:
        for passage in rng.sample(passages, len(passages)):
            yield from passage


def _clock(minute: int) -> str:
    """A live blog's timestamp, `minute` minutes after the start of March 2024."""
    day, minute = divmod(minute, 24 * 60)
    hour, minutes = divmod(minute, 60)
    noon = "a.m." if hour < 12 else "p.m."
    return f"{(hour - 1) % 12 + 1}:{minutes:02d} {noon} ET, March {day + 1}, 2024"


def _date(rng: random.Random) -> str:
    return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def write_jsonl(stories: list[Story], path: Path) -> Path:
    """The stories as a JSONL corpus of `kabar ingest`'s default fields."""
    with path.open("w", encoding="utf-8") as out:
        for story in stories:
            record = {
                "id": story.slug,
                "title": story.title,
                "text": "\n\n".join(story.paragraphs),
                "date": story.published,
                "source": story.site,
                "url": f"https://example.com/{story.slug}",
            }
            out.write(json.dumps(record) + "\n")
    return path


def write_pages(stories: list[Story], folder: Path) -> Path:
    """The stories as news pages: navigation, the article (a live blog's entries), a footer."""
    folder.mkdir(parents=True, exist_ok=True)
    for story in stories:
        body = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
        (folder / f"{story.slug}.html").write_text(
            f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(story.title)} | {story.site}</title>
<meta property="og:title" content="{escape(story.title)}">
<meta property="og:site_name" content="{story.site}">
<meta property="article:published_time" content="{story.published}T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/world">World</a></nav>
<article><h1>{escape(story.title)}</h1>{body}</article>
<aside><h2>Most popular</h2><ul><li><a href="/a">Other story</a></li></ul></aside>
<footer>Copyright 2024 {story.site}. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>""",
            encoding="utf-8",
        )
    return folder


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """`python -m http.server` on 127.0.0.1 serving the folder, in a process of its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait()


class Stages:
    """CPU time per stage, each stage's own: time in a stage it calls counts to that stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._children: list[float] = []
        self._undo: list[Callable[[], None]] = []

    def time(self, stage: str, owner: Any, name: str) -> None:
        """Count the CPU time of `owner.name` (a function or method) to `stage`."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._children.append(0.0)
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.process_time() - start
                children = self._children.pop()
                self.seconds[stage] = self.seconds.get(stage, 0.0) + spent - children
                if self._children:
                    self._children[-1] += spent

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        """Put back every function timed."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def _stages(kept: Store) -> Stages:
    """The stages of `kabar ingest`, timed where the pipeline and the store call them."""
    stages = Stages()
    for stage, owner, name in (
        ("fetch", ingest._inputs, "fetch"),
        ("extraction", ingest._inputs, "extract"),
        ("extraction", ingest._inputs, "to_draft"),
        ("cleaning", ingest._clean, "normalize"),
        ("cleaning", ingest._clean, "strip_boilerplate"),
        ("language", ingest._clean, "detect_language"),
        ("identity", ingest._pipeline, "canonical_url"),
        ("identity", ingest._pipeline, "content_hash"),
        ("identity", ingest._pipeline, "article_id"),
        ("fingerprint (MinHash)", store._store, "fingerprint"),
        ("duplicate lookup (LSH)", Store, "_original"),
        ("chunking (SentenceSplitter)", SentenceSplitter, "split_text"),
        ("chunk nodes and metadata", store._chunking.Chunker, "chunk"),
        ("sentence spans (Punkt)", store._chunking, "sentence_spans"),
        ("embedding: the model", type(kept.embed_model), "get_text_embedding_batch"),
        ("embedding: texts and packing", Store, "_embed"),
        ("Chroma add", ChromaVectorStore, "add"),
        ("keyword index add", KeywordIndex, "add"),
        ("registry", Registry, "begin"),
        ("registry", Registry, "commit"),
        ("registry", Registry, "get"),
        ("registry", Registry, "lost"),
        ("registry", Registry, "settle"),
        ("store: commit rest", Store, "_write_planned"),
        ("store: plan rest", Store, "_plan"),
    ):
        stages.time(stage, owner, name)
    return stages


def measure(
    label: str, sources: list[str], fields: JsonlFields | None, data_dir: Path, profile: Path | None
) -> None:
    """Ingest the sources into a fresh store; print CPU per chunk and the split over stages."""
    kept = Store(StoreSettings(data_dir=data_dir, chroma_host=None))
    ingestor = Ingestor(kept, IngestSettings(allow_private_urls=True))
    stages = _stages(kept)
    profiler = cProfile.Profile(time.process_time) if profile else None
    summary = Summary()
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    try:
        if profiler:
            profiler.enable()
        for result in ingestor.ingest(sources, fields):
            summary.add(result)
        if profiler:
            profiler.disable()
    finally:
        stages.restore()
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    if profiler and profile:
        profiler.dump_stats(str(profile))
    chunks = kept.stats().chunks
    print(f"\n[{label}] {summary}; {chunks} chunks")
    print(f"wall {wall:.1f} s; CPU {cpu:.1f} s, {cpu / max(chunks, 1):.3f} s/chunk")
    rest = cpu - sum(stages.seconds.values())
    for stage, seconds in sorted(
        [*stages.seconds.items(), ("everything else", rest)], key=lambda item: -item[1]
    ):
        print(f"  {stage:30} {seconds:8.2f} s  {seconds / max(chunks, 1):.4f} s/chunk")


if __name__ == "__main__":
    main()
