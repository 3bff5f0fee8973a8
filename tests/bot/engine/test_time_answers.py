"""Questions about a time over a real store whose articles are dated relative to today."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.engine import Engine, EngineSettings, ExtractiveComposer, NumberedSource, Sentence
from ingest import Ingestor
from store import ArticleInfo, Store

SETTINGS = EngineSettings()
TODAY = datetime.now(SETTINGS.zone).date()
# Never in last week nor this week, whatever weekday today is.
MONTH_BACK = TODAY - timedelta(days=TODAY.weekday() + 30)

FRESH = (
    "Banjir besar melanda Semarang\n"
    "Banjir besar melanda kota Semarang setelah hujan deras turun semalaman. Ribuan warga"
    " mengungsi ke masjid dan sekolah yang berada di tempat lebih tinggi."
)
OLD = (
    "Banjir di Semarang mulai surut\n"
    "Banjir yang merendam kota Semarang mulai surut pada pagi hari. Warga kembali ke rumah"
    " mereka untuk membersihkan lumpur yang ditinggalkan air."
)


def _label(day: date, months: str) -> str:
    return f"{day.day} {months.split()[day.month - 1]} {day.year}"


def en(day: date) -> str:
    return _label(day, "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec")


def id_(day: date) -> str:
    return _label(day, "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des")


@pytest.fixture
def dated(store: Store, ingestor: Ingestor) -> Engine:
    """Today's flood in Semarang (kompas) and its end a month and more ago (antara)."""
    for text, site, day in ((FRESH, "kompas", TODAY), (OLD, "antara", MONTH_BACK)):
        result = ingestor.ingest_text(text, site=site, published=day.isoformat())
        assert not result.failed, result.error
    return Engine(store, SETTINGS)


@pytest.mark.parametrize(
    "question", ["Apa yang terjadi di Semarang hari ini?", "What happened in Semarang today?"]
)
def test_a_question_about_today_cites_only_todays_article(dated: Engine, question: str) -> None:
    answer = dated.ask(question)

    assert answer.found
    assert [c.article.site for c in answer.citations] == ["kompas"]
    assert "Banjir besar melanda kota Semarang" in answer.text
    assert answer.period == (f"on {en(TODAY)}" if answer.language == "en" else f"pada {id_(TODAY)}")


def test_a_month_named_by_its_date_finds_the_older_article(dated: Engine) -> None:
    month = MONTH_BACK.strftime("%B %Y")  # "October 2026": an absolute month, in English

    answer = dated.ask(f"What happened to the Semarang floods in {month}?")

    assert answer.found
    assert [c.article.site for c in answer.citations] == ["antara"]


def test_nothing_from_last_week_says_so_and_how_recent_the_latest_is(dated: Engine) -> None:
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    sunday = monday + timedelta(days=6)

    answer = dated.ask("What happened with the floods in Semarang last week?")

    assert not answer.found
    assert answer.citations == ()
    assert answer.text == (
        f"I found nothing about that in the articles from {en(monday)} to {en(sunday)}"
        f" (last week). The latest about it is from {en(TODAY)}."
    )


def test_nothing_from_last_week_is_said_in_indonesian_too(dated: Engine) -> None:
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    sunday = monday + timedelta(days=6)

    answer = dated.ask("Bagaimana banjir di Semarang pekan lalu?")

    assert not answer.found
    assert answer.text == (
        f"Saya tidak menemukan apa pun tentang itu di artikel dari {id_(monday)} hingga"
        f" {id_(sunday)} (pekan lalu). Yang terbaru tentang itu bertanggal {id_(TODAY)}."
    )


def test_a_period_with_nothing_about_anything_says_only_that(dated: Engine) -> None:
    answer = dated.ask("Apa resep kue cokelat pekan lalu?")

    assert not answer.found
    assert answer.text.startswith("Saya tidak menemukan apa pun tentang itu di artikel dari")
    assert "terbaru" not in answer.text


def test_latest_puts_the_newest_relevant_article_first(dated: Engine) -> None:
    answer = dated.ask("berita terbaru banjir Semarang")

    assert answer.found
    assert answer.citations[0].article.site == "kompas"
    days = [c.article.published for c in answer.citations]
    assert days == sorted(days, reverse=True)


def test_a_question_without_a_time_searches_every_date(dated: Engine) -> None:
    answer = dated.ask("Apakah banjir di Semarang sudah surut?")

    assert answer.found
    assert answer.period == ""
    assert "antara" in {c.article.site for c in answer.citations}


def _source(n: int, published: str, sentence: str, score: float) -> NumberedSource:
    article = ArticleInfo(f"a{n}", f"Title {n}", "", f"site{n}", published, "", "id")
    return NumberedSource(n, article, (sentence,), (Sentence(sentence, score, n),))


def test_quotes_from_sources_of_different_days_say_each_ones_day() -> None:
    sources = [
        _source(1, "2020-01-08", "Pasukan Haftar didukung oleh Rusia dan Wagner.", 0.9),
        _source(2, "2020-01-12T10:00:00+07:00", "Haftar juga didukung Uni Emirat Arab.", 1.0),
    ]

    composition = ExtractiveComposer().compose("Siapa yang mendukung Haftar?", sources)

    assert sorted(composition.text.splitlines()) == [
        "Haftar juga didukung Uni Emirat Arab. [2] (12 Jan 2020)",
        "Pasukan Haftar didukung oleh Rusia dan Wagner. [1] (8 Jan 2020)",
    ]


def test_quotes_from_sources_of_one_day_need_no_day() -> None:
    sources = [
        _source(1, "2020-01-08", "Pasukan Haftar didukung oleh Rusia dan Wagner.", 0.9),
        _source(2, "2020-01-08T20:00:00", "Haftar juga didukung Uni Emirat Arab.", 1.0),
    ]

    composition = ExtractiveComposer().compose("Siapa yang mendukung Haftar?", sources)

    assert sorted(composition.text.splitlines()) == [
        "Haftar juga didukung Uni Emirat Arab. [2]",
        "Pasukan Haftar didukung oleh Rusia dan Wagner. [1]",
    ]
