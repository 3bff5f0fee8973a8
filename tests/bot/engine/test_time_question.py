"""Times named in questions, read against a fixed today: Wednesday 15 May 2024, 09:30 in Jakarta."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.engine import Period, TimedQuestion, read_time
from store import SearchFilters

NOW = datetime(2024, 5, 15, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
TODAY = NOW.date()
LAST_WEEK = (date(2024, 5, 6), date(2024, 5, 12))  # Monday to Sunday before this week

# question, the text searched, since, until, the expression as written
READ = [
    (
        "What happened in Libya yesterday?",
        "What happened in Libya?",
        date(2024, 5, 14),
        date(2024, 5, 14),
        "yesterday",
    ),
    ("news from last week about floods", "news about floods", *LAST_WEEK, "from last week"),
    ("inflation this month", "inflation", date(2024, 5, 1), TODAY, "this month"),
    (
        "What happened in January 2020?",
        "What happened?",
        date(2020, 1, 1),
        date(2020, 1, 31),
        "in January 2020",
    ),
    ("protests since April", "protests", date(2024, 4, 1), None, "since April"),
    ("floods last month", "floods", date(2024, 4, 1), date(2024, 4, 30), "last month"),
    ("elections last year", "elections", date(2023, 1, 1), date(2023, 12, 31), "last year"),
    ("floods this week", "floods", date(2024, 5, 13), TODAY, "this week"),
    ("today's news on Haftar", "news on Haftar", TODAY, TODAY, "today's"),
    ("floods 2 weeks ago", "floods", date(2024, 4, 29), date(2024, 5, 5), "2 weeks ago"),
    ("floods 3 days ago", "floods", date(2024, 5, 12), date(2024, 5, 12), "3 days ago"),
    (
        "Who won the election in 2019?",
        "Who won the election?",
        date(2019, 1, 1),
        date(2019, 12, 31),
        "in 2019",
    ),
    (
        "What did the minister say last Friday?",
        "What did the minister say?",
        date(2024, 5, 10),
        date(2024, 5, 10),
        "last Friday",
    ),
    (
        "news about Sirte on 8 January 2020",
        "news about Sirte",
        date(2020, 1, 8),
        date(2020, 1, 8),
        "on 8 January 2020",
    ),
    (
        "ceasefire talks in May 2019",
        "ceasefire talks",
        date(2019, 5, 1),
        date(2019, 5, 31),
        "in May 2019",
    ),
    (
        "ceasefire talks in December",
        "ceasefire talks",
        date(2023, 12, 1),
        date(2023, 12, 31),
        "in December",
    ),
    (
        "news after January 2020 about Sirte",
        "news about Sirte",
        date(2020, 2, 1),
        None,
        "after January 2020",
    ),
    (
        "apa yang terjadi kemarin di Jakarta",
        "apa yang terjadi di Jakarta",
        date(2024, 5, 14),
        date(2024, 5, 14),
        "kemarin",
    ),
    ("banjir pekan lalu", "banjir", *LAST_WEEK, "pekan lalu"),
    ("banjir minggu lalu", "banjir", *LAST_WEEK, "minggu lalu"),
    ("inflasi bulan ini", "inflasi", date(2024, 5, 1), TODAY, "bulan ini"),
    ("demo sejak April", "demo", date(2024, 4, 1), None, "sejak April"),
    ("pemilu tahun lalu", "pemilu", date(2023, 1, 1), date(2023, 12, 31), "tahun lalu"),
    ("berita hari ini", "berita", TODAY, TODAY, "hari ini"),
    ("banjir bulan lalu", "banjir", date(2024, 4, 1), date(2024, 4, 30), "bulan lalu"),
    ("gempa tahun ini", "gempa", date(2024, 1, 1), TODAY, "tahun ini"),
    (
        "Apa kata menteri Senin lalu?",
        "Apa kata menteri?",
        date(2024, 5, 13),
        date(2024, 5, 13),
        "Senin lalu",
    ),
    (
        "Apa yang terjadi pada 5 Januari 2017?",
        "Apa yang terjadi?",
        date(2017, 1, 5),
        date(2017, 1, 5),
        "pada 5 Januari 2017",
    ),
    ("berita sebelum Maret 2018", "berita", None, date(2018, 2, 28), "sebelum Maret 2018"),
    (
        "demo sejak Maret 2017 di Jakarta",
        "demo di Jakarta",
        date(2017, 3, 1),
        None,
        "sejak Maret 2017",
    ),
    ("banjir tahun 2017", "banjir", date(2017, 1, 1), date(2017, 12, 31), "tahun 2017"),
    ("banjir Desember lalu", "banjir", date(2023, 12, 1), date(2023, 12, 31), "Desember lalu"),
    ("gempa 3 hari lalu", "gempa", date(2024, 5, 12), date(2024, 5, 12), "3 hari lalu"),
    ("banjir pada bulan Mei", "banjir", date(2024, 5, 1), TODAY, "pada bulan Mei"),
    # Counts read alone, and spelled out: dateparser's search misreads them in a sentence.
    (
        "Apa yang terjadi 2 tahun lalu di Aceh?",
        "Apa yang terjadi di Aceh?",
        date(2022, 1, 1),
        date(2022, 12, 31),
        "2 tahun lalu",
    ),
    ("pemilu tiga bulan lalu", "pemilu", date(2024, 2, 1), date(2024, 2, 29), "tiga bulan lalu"),
    (
        "banjir dua hari lalu di Bekasi",
        "banjir di Bekasi",
        *[date(2024, 5, 13)] * 2,
        "dua hari lalu",
    ),
    ("floods three weeks ago", "floods", date(2024, 4, 22), date(2024, 4, 28), "three weeks ago"),
    (
        "What happened the day before yesterday in Jakarta?",
        "What happened in Jakarta?",
        date(2024, 5, 13),
        date(2024, 5, 13),
        "the day before yesterday",
    ),
]

# Questions whose dates are names, topics or the present: searched as asked, with no period.
UNCHANGED = [
    "What did May say about Brexit?",
    "Apa isi buku Surat Maret?",
    "Who won the 2020 election?",
    "How many people died in the 2004 tsunami?",
    "Siapa presiden sekarang?",
    "what is happening now",
    "Who backs Haftar?",
    "Kapan Sirte direbut?",
    "a second round of talks",
    "talks at 5 pm",
    "Siapa yang mendukung Haftar?",
    "What did the minister say on Monday?",
    "Where did Serraj travel on Wednesday?",
    "dua orang tewas di Bekasi",
    "one of the three ministers",
]


@pytest.mark.parametrize(("question", "text", "since", "until", "phrase"), READ)
def test_a_named_time_becomes_its_dates_and_leaves_the_searched_text(
    question: str, text: str, since: date | None, until: date | None, phrase: str
) -> None:
    timed = read_time(question, NOW)

    assert timed.period is not None
    assert (timed.period.since, timed.period.until, timed.period.phrase) == (since, until, phrase)
    assert timed.text == text
    assert timed.asked == question
    assert not timed.latest


@pytest.mark.parametrize("question", UNCHANGED)
def test_a_question_without_a_time_is_searched_as_asked(question: str) -> None:
    timed = read_time(question, NOW)

    assert timed.period is None
    assert timed.text == question


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("latest news about Libya", "news about Libya"),
        ("the newest reports on the floods", "the reports on the floods"),
        ("berita terbaru soal banjir", "berita soal banjir"),
        ("kabar terkini gempa Palu", "kabar gempa Palu"),
    ],
)
def test_latest_asks_for_recency_without_a_period(question: str, text: str) -> None:
    timed = read_time(question, NOW)

    assert timed.latest
    assert timed.period is None
    assert timed.text == text


def test_today_is_the_day_in_the_askers_zone() -> None:
    # 23:30 on the 14th in UTC is already the 15th in Jakarta.
    late = datetime(2024, 5, 14, 23, 30, tzinfo=ZoneInfo("UTC"))

    utc = read_time("berita kemarin", late).period
    jakarta = read_time("berita kemarin", late.astimezone(ZoneInfo("Asia/Jakarta"))).period

    assert utc == Period(date(2024, 5, 13), date(2024, 5, 13), "kemarin", relative=True)
    assert jakarta == Period(date(2024, 5, 14), date(2024, 5, 14), "kemarin", relative=True)


def test_nothing_asked_names_no_time() -> None:
    # `/brief` without words reads its (empty) arguments for a period.
    assert read_time("", NOW) == TimedQuestion("", "", None, latest=False)


def test_a_question_that_is_only_a_time_is_searched_whole() -> None:
    timed = read_time("kemarin?", NOW)

    assert timed.text == "kemarin?"
    assert timed.period == Period(date(2024, 5, 14), date(2024, 5, 14), "kemarin")


def test_the_askers_own_filters_and_the_period_both_hold() -> None:
    period = Period(date(2024, 5, 6), date(2024, 5, 12), "last week")

    assert period.narrowed(None) == SearchFilters(since=date(2024, 5, 6), until=date(2024, 5, 12))
    assert period.narrowed(SearchFilters(site="antara", since=date(2024, 5, 10))) == SearchFilters(
        site="antara", since=date(2024, 5, 10), until=date(2024, 5, 12)
    )
    # Ranges that do not meet leave nothing: since after until.
    apart = period.narrowed(SearchFilters(until=date(2024, 1, 31)))
    assert apart.since == date(2024, 5, 6)
    assert apart.until == date(2024, 1, 31)


@pytest.mark.parametrize(
    ("question", "relative"),
    [
        ("banjir pekan lalu", True),
        ("berita kemarin", True),
        ("What happened in January 2020?", False),
        ("Who was overthrown in 2011?", False),
        ("demo sejak April", False),
    ],
)
def test_a_period_counts_from_today_or_names_its_dates(question: str, relative: bool) -> None:
    period = read_time(question, NOW).period

    assert period is not None
    assert period.relative is relative
