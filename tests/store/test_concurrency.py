"""Questions never wait for a write's embedding: they are answered while a batch goes in."""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from store import Article, Chunk, Outcome, Store, StoreSettings
from tests.conftest import SHARED_DATA
from tests.store.conftest import CHESS, NILE, RICE, VOLCANO, make_article
from tests.store.test_atomic import assert_every_article_whole

INDOSUM = SHARED_DATA / "corpus" / "indosum_articles.jsonl.gz"
QUESTION = "Will the Ethiopian dam reduce the Nile's flow?"


def indosum_articles(count: int) -> list[Article]:
    """The first `count` IndoSum articles, as ingest would hand them over."""
    if not INDOSUM.exists():
        pytest.skip(f"{INDOSUM} is absent (see ../shared/data/README.md)")
    with gzip.open(INDOSUM, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, count)]
    return [
        make_article(
            r["id"],
            r["title_slug"],
            r["text"],
            url=r["url"],
            site=r["source"],
            published=r["date_utc"][:10],
            language="id",
        )
        for r in records
    ]


def test_questions_asked_during_a_write_are_answered_before_it_ends(store: Store) -> None:
    store.write(
        [
            make_article("nile", "Nile dam talks stall", NILE),
            make_article("volcano", "Merapi erupts", VOLCANO),
        ]
    )
    store.search(QUESTION, k=1)  # the caches warm, as in a bot that has been answering
    articles = indosum_articles(30)
    answers: list[tuple[float, float, list[Chunk]]] = []
    done = threading.Event()

    def ask() -> None:
        while not done.is_set():
            asked = time.monotonic()
            hits = store.search(QUESTION, k=1)
            answers.append((asked, time.monotonic(), hits))
            done.wait(0.2)

    asker = threading.Thread(target=ask)
    began = time.monotonic()
    asker.start()
    try:
        results = store.write(articles)
        ended = time.monotonic()
    finally:
        done.set()
        asker.join()

    assert [r.outcome for r in results] == [Outcome.ADDED] * len(articles)
    during = [hits for asked, answered, hits in answers if began < asked and answered < ended]
    assert len(during) >= 3, f"{len(during)} of {len(answers)} answered during the write"
    assert all([hit.article_id for hit in hits] == ["nile"] for hits in during)
    newest = articles[-1]
    assert store.search(newest.text[:200], k=1)[0].article_id == newest.id


def test_two_writers_that_embed_at_once_commit_one_after_the_other(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    store.write([make_article("rice", "Rice prices climb", RICE)])
    both_embedded = threading.Barrier(2, timeout=120)
    embed = store._embed

    def embed_then_wait(nodes: list[object]) -> None:
        embed(nodes)  # type: ignore[arg-type]
        both_embedded.wait()  # neither commits before the other has embedded its batch

    monkeypatch.setattr(store, "_embed", embed_then_wait)
    nile = make_article("nile", "Nile dam talks stall", NILE)
    batches = [
        [nile, make_article("rice", "Rice prices climb again", RICE + " " + CHESS)],
        [nile, make_article("volcano", "Merapi erupts", VOLCANO)],
    ]

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(store.write, batches)

    assert sorted([first[0].outcome, second[0].outcome]) == [Outcome.ADDED, Outcome.UNCHANGED]
    assert [first[1].outcome, second[1].outcome] == [Outcome.UPDATED, Outcome.ADDED]
    assert sorted(r.id for r in store.articles()) == ["nile", "rice", "volcano"]
    assert store.get("rice").title == "Rice prices climb again"
    assert_every_article_whole(store)
    assert store.search("Who won the chess championship?", k=1)[0].article_id == "rice"
