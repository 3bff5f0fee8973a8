"""Retrieval: vector, keyword (BM25) and hybrid search, filters, and keeping in step with writes."""

from __future__ import annotations

from datetime import date

import pytest

from store import Mode, SearchFilters, Store, StoreSettings
from tests.store.conftest import CHESS, MERAPI_ID, NILE, RICE, VOLCANO, make_article


@pytest.fixture
def news(store: Store) -> Store:
    store.write(
        [
            make_article(
                "nile", "Nile dam talks stall", NILE, site="antara", published="2020-03-01"
            ),
            make_article("rice", "Rice prices climb", RICE, site="kompas", published="2021-06-10"),
            make_article("merapi", "Merapi erupts", VOLCANO, site="antara", published="2021-07-04"),
            make_article(
                "chess", "Teen wins chess title", CHESS, site="tempo", published="2022-01-15"
            ),
            make_article(
                "merapi-id",
                "Merapi erupsi",
                MERAPI_ID,
                site="kompas",
                published="2021-07-04",
                language="id",
            ),
        ]
    )
    return store


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_finds_the_article_that_answers(news: Store, mode: Mode) -> None:
    [best] = news.search("Which river could the Ethiopian dam reduce?", k=1, mode=mode)

    assert best.article_id == "nile"


def test_an_english_question_finds_an_indonesian_passage(store: Store) -> None:
    store.write([make_article("merapi-id", "Merapi erupsi", MERAPI_ID, language="id")])
    store.write([make_article("chess", "Teen wins chess title", CHESS)])

    [best] = store.search("Were villagers evacuated after the volcano erupted?", k=1)

    assert best.article_id == "merapi-id"


def test_keyword_search_returns_only_chunks_sharing_a_word(news: Store) -> None:
    found = news.search("checkmate", k=5, mode=Mode.KEYWORD)

    assert [c.article_id for c in found] == ["chess"]
    assert found[0].score > 0


def test_filters_by_source_language_and_date(news: Store) -> None:
    question = "volcano eruption ash"
    by_source = news.search(question, k=5, filters=SearchFilters(site="kompas"))
    by_language = news.search(question, k=5, filters=SearchFilters(language="id"))
    by_dates = news.search(
        question, k=5, filters=SearchFilters(since=date(2021, 1, 1), until=date(2021, 6, 30))
    )

    assert {c.article_id for c in by_source} == {"rice", "merapi-id"}
    assert {c.article_id for c in by_language} == {"merapi-id"}
    assert {c.article_id for c in by_dates} == {"rice"}
    for mode in (Mode.KEYWORD, Mode.VECTOR):
        filtered = news.search(question, k=5, mode=mode, filters=SearchFilters(language="id"))
        assert {c.article_id for c in filtered} <= {"merapi-id"}


@pytest.mark.parametrize("mode", list(Mode))
def test_undated_finds_only_articles_without_a_date(news: Store, mode: Mode) -> None:
    ash = "Volcanic ash from the eruption closed two airports, and flights were cancelled."
    news.write([make_article("ash", "Ash closes airports", ash)])
    question = "volcano eruption ash"

    found = news.search(question, k=5, mode=mode, filters=SearchFilters(undated=True))

    assert {c.article_id for c in found} == {"ash"}


def test_search_follows_writes_and_removals(store: Store) -> None:
    assert store.search("checkmate", k=3, mode=Mode.KEYWORD) == []

    store.write([make_article("chess", "Teen wins chess title", CHESS)])
    assert [c.article_id for c in store.search("checkmate", k=3, mode=Mode.KEYWORD)] == ["chess"]

    store.remove("chess")
    assert store.search("checkmate", k=3, mode=Mode.KEYWORD) == []
    assert store.search("chess champion", k=3) == []


def test_a_reopened_store_rebuilds_its_keyword_index(
    news: Store, store_settings: StoreSettings
) -> None:
    reopened = Store(store_settings)

    assert [c.article_id for c in reopened.search("checkmate", k=3, mode=Mode.KEYWORD)] == ["chess"]
