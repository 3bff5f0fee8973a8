"""Briefings as digests over a real store whose articles are dated relative to now."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.engine import Briefing, Engine, EngineSettings, brief
from ingest import Ingestor
from store import Store
from tests.bot.stories import (
    CHILI,
    ONIONS,
    QUAKE_DETIK,
    QUAKE_FOLLOW_UP,
    QUAKE_KOMPAS,
    RICE_QUOTED,
)

SETTINGS = EngineSettings()
NOW = datetime.now(SETTINGS.zone)
DAY = timedelta(days=1)


def _add(ingestor: Ingestor, text: str, site: str, hours_ago: int) -> str:
    published = (NOW - timedelta(hours=hours_ago)).isoformat(timespec="seconds")
    result = ingestor.ingest_text(text, site=site, published=published)
    assert not result.failed, result.error
    return result.article_id


@pytest.fixture
def day_one(store: Store, ingestor: Ingestor) -> dict[str, str]:
    """Yesterday's quake on two sites and the price of chili; ids by site."""
    return {
        site: _add(ingestor, text, site, hours)
        for text, site, hours in (
            (QUAKE_KOMPAS, "kompas", 20),
            (QUAKE_DETIK, "detik", 18),
            (CHILI, "antara", 19),
        )
    }


def sites(briefing: Briefing) -> list[list[str]]:
    return [[source.article.site for source in story.sources] for story in briefing.stories]


def test_two_sites_on_one_event_are_one_story_cited_with_both(
    store: Store, day_one: dict[str, str]
) -> None:
    briefing = brief(Engine(store, SETTINGS), "", "id", NOW - DAY, NOW)

    assert sites(briefing) == [["kompas", "detik"], ["antara"]]
    quake, chili = briefing.stories
    assert [source.n for source in quake.sources] == [1, 2]
    assert [source.n for source in chili.sources] == [3]
    # The line is a sentence of one of the story's articles, and about what both tell.
    assert quake.sentence in QUAKE_KOMPAS or quake.sentence in QUAKE_DETIK
    assert "Palu" in quake.sentence
    assert chili.sentence in CHILI


def test_a_follow_up_joins_its_story_and_alone_when_the_rest_was_sent(
    store: Store, ingestor: Ingestor, day_one: dict[str, str]
) -> None:
    engine = Engine(store, SETTINGS)
    follow_up = _add(ingestor, QUAKE_FOLLOW_UP, "tempo", 2)

    whole = brief(engine, "", "en", NOW - DAY, NOW)
    next_day = brief(engine, "", "en", NOW - DAY, NOW, sent=frozenset(day_one.values()))

    assert sites(whole) == [["kompas", "detik", "tempo"], ["antara"]]
    [story] = next_day.stories
    assert story.key == {follow_up}
    assert story.sentence in QUAKE_FOLLOW_UP


def test_a_storys_line_never_opens_on_a_sentence_before_it(
    store: Store, ingestor: Ingestor
) -> None:
    _add(ingestor, ONIONS, "antara", 3)

    [story] = brief(Engine(store, SETTINGS), "", "id", NOW - DAY, NOW).stories

    assert story.sentence in ONIONS
    assert not story.sentence.startswith("Sementara itu")


def test_a_storys_line_is_the_reporters_own_without_its_dateline(
    store: Store, ingestor: Ingestor
) -> None:
    _add(ingestor, RICE_QUOTED, "cnnindonesia", 3)

    [story] = brief(Engine(store, SETTINGS), "", "id", NOW - DAY, NOW).stories

    # Not the dateline, not the quotation's tail, and the reporter's words before a quotation.
    assert story.sentence == "Pedagang di Pasar Kosambi menaikkan harga beras."


def test_a_period_without_articles_has_no_story(store: Store, day_one: dict[str, str]) -> None:
    briefing = brief(Engine(store, SETTINGS), "", "en", NOW - 3 * DAY, NOW - 2 * DAY)

    assert briefing.stories == ()
    assert briefing.since == NOW - 3 * DAY


def test_a_topic_keeps_the_stories_about_it(store: Store, day_one: dict[str, str]) -> None:
    briefing = brief(Engine(store, SETTINGS), "gempa Palu", "id", NOW - DAY, NOW)

    assert sites(briefing) == [["kompas", "detik"]]


def test_a_topic_counts_an_undated_article_of_the_period_it_was_stored_in(
    store: Store, ingestor: Ingestor, day_one: dict[str, str]
) -> None:
    assert not ingestor.ingest_text(QUAKE_FOLLOW_UP, site="tempo").failed  # no date given

    briefing = brief(
        Engine(store, SETTINGS), "gempa Palu", "id", NOW - DAY, datetime.now(SETTINGS.zone)
    )

    assert "tempo" in {site for story in sites(briefing) for site in story}
    assert "antara" not in {site for story in sites(briefing) for site in story}


def test_a_topic_digest_cites_every_article_on_it_not_only_a_questions_worth(
    store: Store, ingestor: Ingestor
) -> None:
    cities = ("Bekasi", "Medan", "Padang", "Manado", "Kendari", "Ambon", "Jambi", "Palu")
    flooded = {
        _add(
            ingestor,
            f"Banjir rendam {city}\nBanjir setinggi satu meter merendam ratusan rumah warga di"
            f" {city} setelah hujan deras mengguncang kota {city} sepanjang malam.",
            f"site{n}",
            n + 1,
        )
        for n, city in enumerate(cities)
    }
    _add(ingestor, CHILI, "antara", 2)
    assert len(flooded) > SETTINGS.top_k

    briefing = brief(Engine(store, SETTINGS), "banjir", "id", NOW - DAY, NOW)

    assert {article_id for story in briefing.stories for article_id in story.key} == flooded
