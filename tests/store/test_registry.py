"""The registry answers through the article index: newest-first pages, near-copies, counts.

Large archives are made by committing records straight into the registry, as a write's
commit does but without chunks, so that thousands of them cost seconds; the store under test
never held them, so whatever it finds it found through the index and Chroma.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from store import Article, ArticleRecord, Outcome, Store, StoreSettings
from store._fingerprint import fingerprint
from store._lease import hold
from tests.store.conftest import keep_registry_in_chroma, make_article

VOCABULARY = (
    "harga beras naik pasar petani panen kota desa jalan banjir hujan gunung laut kapal"
    " sekolah guru murid rumah sakit dokter obat listrik air tanah hutan api asap polisi"
    " hakim sidang pemilu partai menteri presiden bank rupiah ekspor impor pabrik buruh"
)


def story(rng: random.Random, words: int = 120) -> str:
    """A text of random words: any two share almost no three-word run."""
    return " ".join(rng.choices(VOCABULARY.split(), k=words))


def shelve(store: Store, articles: Sequence[Article]) -> None:
    """Commit records of the articles into the registry, as a write does (no chunks)."""
    registry = store._registry
    for start in range(0, len(articles), 500):
        batch = articles[start : start + 500]
        with hold(300) as lease:
            registry.begin(batch, lease)
            registry.commit(
                batch, [0] * len(batch), [fingerprint(a.text) for a in batch], [False] * len(batch)
            )


def ago(**delta: float) -> str:
    """An ISO timestamp that long before now."""
    return (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="seconds")


def spaced(
    rng: random.Random, title: str, count: int, start: datetime, step: timedelta, **fields: str
) -> list[Article]:
    """`count` short articles titled "Title 0000" on, published `step` apart from `start`."""
    return [
        make_article(
            f"{title[0].lower()}{i:04}",
            f"{title} {i:04}",
            story(rng, 20),
            published=(start + step * i).isoformat(),
            **fields,
        )
        for i in range(count)
    ]


def titles(records: Sequence[ArticleRecord]) -> list[str]:
    return [r.title for r in records]


def test_a_copy_is_found_among_thousands_of_records_the_store_never_held(store: Store) -> None:
    rng = random.Random(11)
    archive = [
        make_article(f"a{i:04}", f"Story {i}", story(rng), url=f"https://a.example/{i}")
        for i in range(2000)
    ]
    shelve(store, archive)
    original = archive[1234]
    words = original.text.split()
    words[10], words[60] = "gempa", "tsunami"  # a copy with two words changed
    copy = make_article("b1234", "Story 1234 (b)", " ".join(words), url="https://b.example/x")

    [result] = store.write([copy])

    assert result.outcome == Outcome.DUPLICATE
    assert result.article_id == original.id
    assert store.get(original.id).also_at == ("https://b.example/x",)
    assert store.count() == 2000


def test_a_story_that_shares_much_but_not_enough_is_not_a_copy(store: Store) -> None:
    rng = random.Random(12)
    first = make_article("first", "A market fire", story(rng))
    shelve(store, [first])
    # Two thirds of the words kept: many shared runs, well under the 0.85 of a copy.
    words = first.text.split()
    kept = " ".join(words[:80] + story(rng, 40).split())

    [result] = store.write([make_article("second", "Another market fire", kept)])

    assert result.outcome == Outcome.ADDED
    assert {r.id for r in store.articles()} == {"first", "second"}


def test_newest_first_pages_span_centuries_and_end_with_undated_articles(
    store: Store,
) -> None:
    dated = {  # title: published, newest first
        "Dated in the future": ago(days=-2),
        "Two hours ago": ago(hours=2),
        "Three days ago": ago(days=3),
        "Forty days ago": ago(days=40),
        "Two years ago": ago(days=800),
        "A bare date": "2018-03-05",
        "In 1900": "1900-01-01T00:00:00+00:00",
        "In 1700": "1700-06-01",
    }
    articles = [
        make_article(
            f"d{n}", title, f"{title}: the council met and voted on the budget.", published=p
        )
        for n, (title, p) in enumerate(reversed(dated.items()))
    ]
    store.write(articles)
    undated = [
        "Stored first, no date",
        "Stored second, a date nobody reads",
        "Stored last, no date",
    ]
    for n, (title, published) in enumerate(zip(undated, ["", "yesterday", ""], strict=True)):
        time.sleep(1.1)  # undated articles are ordered by the second they were stored
        text = f"{title}: the mayor opened a new bridge."
        store.write([make_article(f"u{n}", title, text, published=published)])

    every = store.articles()

    assert titles(every) == [*dated, *reversed(undated)]
    for limit in (1, 3, 4):
        for offset in range(len(every) + 1):
            assert store.newest(limit, offset) == every[offset : offset + limit], (limit, offset)
    assert store.count() == len(every)


def test_the_articles_of_a_time_range_come_newest_first_both_ends_included(
    store: Store,
) -> None:
    day = datetime(2018, 3, 5, tzinfo=UTC)
    moments = {  # title: published
        "The evening before": day - timedelta(seconds=1),
        "At midnight": day,
        "At noon": day + timedelta(hours=12),
        "The last second": day + timedelta(days=1, seconds=-1),
        "The next midnight": day + timedelta(days=1),
    }
    store.write(
        [
            make_article(f"m{n}", title, f"{title}: the council voted.", published=at.isoformat())
            for n, (title, at) in enumerate(moments.items())
        ]
    )
    store.write([make_article("u", "Undated", "Undated: the mayor spoke.")])
    until = day + timedelta(days=1, seconds=-1)

    assert titles(store.published(day, until, 10)) == ["The last second", "At noon", "At midnight"]
    assert titles(store.published(day, until, 2)) == ["The last second", "At noon"]
    in_jakarta = day.astimezone(ZoneInfo("Asia/Jakarta"))  # the same moment, named elsewhere
    assert titles(store.published(in_jakarta, in_jakarta, 10)) == ["At midnight"]
    assert store.published(day - timedelta(days=9), day - timedelta(days=2), 10) == []


def test_an_undated_article_counts_as_published_when_it_was_stored(store: Store) -> None:
    now = datetime.now(UTC)
    store.write(
        [make_article("d", "Dated today", "Dated: the council voted.", published=now.isoformat())]
    )
    store.write([make_article("u", "Undated", "Undated: the mayor spoke.")])
    store.write(
        [make_article("o", "Dated long ago", "Old: the port opened.", published="2018-03-05")]
    )
    today = (now - timedelta(hours=1), now + timedelta(hours=1))

    assert titles(store.published(*today, 10)) == ["Dated today", "Undated"]
    assert titles(store.published(*today, 1)) == ["Dated today"]
    assert store.published(now - timedelta(days=3), now - timedelta(days=2), 10) == []


def test_a_page_deep_in_a_frozen_archive(store: Store) -> None:
    rng = random.Random(13)
    start = datetime(2018, 1, 1, tzinfo=UTC)
    # 1,300 articles of one year long ago, each hour apart, and 3 of today.
    old = spaced(rng, "Old", 1300, start, timedelta(hours=1))
    new = [
        make_article(f"n{i}", f"New {i}", story(rng, 20), published=ago(hours=i)) for i in range(3)
    ]
    shelve(store, old + new)
    expected = [f"New {i}" for i in range(3)] + [f"Old {i:04}" for i in reversed(range(1300))]

    for offset in (0, 2, 3, 10, 640, 1295):
        assert titles(store.newest(10, offset)) == expected[offset : offset + 10], offset
    assert store.newest(10, 1303) == []
    assert store.count() == 1303


def test_stats_count_every_article_by_site_and_language(store: Store) -> None:
    rng = random.Random(14)
    sites = ["kompas.com", "detik.com", "tempo.co"]
    archive = [
        make_article(
            f"s{i:04}",
            f"Story {i}",
            story(rng, 20),
            site=sites[i % 3],
            language="en" if i % 4 == 0 else "id",
        )
        for i in range(1201)
    ]
    shelve(store, archive)

    stats = store.stats()

    assert stats.articles == 1201 == store.count()
    assert stats.languages == {"en": 301, "id": 900}
    assert stats.sites == {"kompas.com": 401, "detik.com": 400, "tempo.co": 400}


def test_records_written_before_recency_and_the_article_index_are_upgraded_at_open(
    store: Store, store_settings: StoreSettings
) -> None:
    rng = random.Random(15)
    dated = make_article("dated", "Dated", story(rng), published="2020-05-01")
    undated = make_article("undated", "Undated", story(rng))
    shelve(store, [dated, undated])
    # What the first registries wrote: in Chroma, no recency, no version, no article index.
    unrecorded = {"recency": None}
    keep_registry_in_chroma(store, None, {"dated": unrecorded, "undated": unrecorded})
    shutil.rmtree(store_settings.data_dir / "articles")

    reopened = Store(store_settings)
    words = undated.text.split()
    words[5] = "gempa"
    [copy] = reopened.write([make_article("copy", "Undated again", " ".join(words))])

    assert titles(reopened.newest(2)) == ["Dated", "Undated"]
    assert copy.outcome == Outcome.DUPLICATE
    assert copy.article_id == "undated"


def test_a_registry_kept_in_chroma_moves_into_the_data_folder_at_open(
    store: Store, store_settings: StoreSettings
) -> None:
    rng = random.Random(18)
    ferry = make_article("ferry", "A ferry sinks", story(rng), published="2024-05-01")
    flood = make_article("flood", "Floods in Demak", story(rng), published="2024-05-02")
    shelve(store, [ferry, flood])
    keep_registry_in_chroma(store, 3)

    reopened = Store(store_settings)

    assert titles(reopened.newest(5)) == ["Floods in Demak", "A ferry sinks"]
    assert reopened.text("ferry") == ferry.text
    assert reopened.stats().articles == 2
    names = {c.name for c in reopened._client.list_collections()}
    assert names == {f"{store_settings.collection}_chunks"}
    [copy] = reopened.write([make_article("copy", "A ferry sank", ferry.text + " Tamat.")])
    assert (copy.outcome, copy.article_id) == (Outcome.DUPLICATE, "ferry")


def test_a_copy_of_what_another_client_wrote_through_a_chroma_server_is_found(
    server_settings: StoreSettings,
) -> None:
    rng = random.Random(16)
    mine, theirs = Store(server_settings), Store(server_settings)  # both open, both empty
    original = make_article("theirs", "A ferry sinks", story(rng), published="2024-05-01")
    theirs.write([original])
    words = original.text.split()
    words[3] = "gempa"

    [result] = mine.write([make_article("mine", "A ferry sank", " ".join(words))])

    assert result.outcome == Outcome.DUPLICATE
    assert result.article_id == "theirs"
    assert titles(mine.newest(5)) == ["A ferry sinks"]


def test_a_deep_page_and_the_stats_read_no_more_records_than_the_page(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(17)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    archive = spaced(rng, "Page", 1500, start, timedelta(minutes=1), site="kompas.com")
    shelve(store, archive)
    records = store._registry._records
    real_get = records.get
    read: list[int] = []

    def get(*args: Any, **kwargs: Any) -> Any:
        found = real_get(*args, **kwargs)
        read.append(len(found))
        return found

    monkeypatch.setattr(records, "get", get)

    page = store.newest(10, 1200)
    stats = store.stats()

    assert titles(page) == [f"Page {i:04}" for i in range(299, 289, -1)]
    assert (stats.articles, stats.sites) == (1500, {"kompas.com": 1500})
    assert sum(read) == 10
