"""The time a question names, as a date range, and the question without it.

dateparser finds the expressions ("last week", "kemarin", "in January 2020") and resolves them
against today; this module decides which of its finds are times the asker means and how wide a
range each one is:

- A range is the calendar unit that dateparser's granularity names around the date it finds:
  "yesterday" and "8 Jan 2020" one day, "last week" and "pekan lalu" the Monday-to-Sunday week
  before this one (calendar weeks, like months and years, so that "last week" asked on any day
  of a week means the same seven days), "this month" the month so far, "in 2017" the year.
  Nothing is published after today, so a range ends today at the latest.
- "since April", "sejak April" run from the start of April to today; "after" from the day
  after its unit, "before", "sebelum" up to the day before it.
- Guards against what only looks like a date: a single month, weekday or year counts only
  after a word that ties it to the question ("in May", "pada Maret", "tahun 2020", "on Monday",
  "Senin lalu"), so "What did May say?", "buku Surat Maret" and "the 2020 election" (a topic,
  reported before that year as much as in it) are no filter. "Now" and "sekarang" are the
  present, not a range; clock times and anything finer than a day ("at 5 pm", "a second") are
  no range of a news archive either.

"Latest", "newest", "terbaru" and "terkini" ask for recency rather than a range.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import zip_longest
from typing import Any

from dateparser.date import DateDataParser
from dateparser.search import search_dates

from store import SearchFilters

_LANGUAGES = ["en", "id"]
# Relative expressions keep the base's time of day and absolute ones come at midnight, so a
# noon base tells them apart: a single month or weekday is absolute and must be tied in.
_NOON = time(12)
_MIDNIGHT = time(0)

# Words that tie a date to the question; one of them before a lone month, weekday or year
# makes it a time rather than a name.
_TIES = frozenset(
    "in on during of from at di pada dari selama bulan tahun tanggal hari".split()  # noqa: SIM905
)
_SINCE = frozenset(("since", "sejak"))
_AFTER = frozenset(("after", "setelah", "sesudah"))
_BEFORE = frozenset(("before", "until", "till", "sebelum", "hingga", "sampai"))
_RANGE_LINKS = _SINCE | _AFTER | _BEFORE
_ARTICLES = frozenset(("the", "a", "an"))
# What dateparser sweeps in after an expression ("yesterday in Libya", "last week about").
_TRAILING = frozenset("in on at of about for the and di pada tentang soal untuk dan".split())  # noqa: SIM905
# After a weekday or month, "lalu" and "ago" make it relative: "Senin lalu", "Desember lalu".
_PAST_MARKS = frozenset(("lalu", "ago"))
_PRESENT = frozenset(("now", "sekarang", "kini", "currently"))
_WEEK_WORDS = frozenset(("week", "weeks", "minggu", "pekan"))
# dateparser's Indonesian knows a week only as "minggu"; "today's" it does not read at all.
_SPELLINGS = ((re.compile(r"\bpekan\b", re.IGNORECASE), "minggu"), (re.compile(r"'s$"), ""))
# dateparser reads "3 bulan lalu" and "3 months ago" but not "tiga bulan lalu" or "three months
# ago": a spelled count before a unit of time is given as digits.
_UNITS = frozenset(
    "day days week weeks month months year years hari minggu pekan bulan tahun".split()  # noqa: SIM905
)
# fmt: off
_COUNTS = {
    word: str(n)
    for words in (
        "one two three four five six seven eight nine ten eleven twelve",
        "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas",
    )
    for n, word in enumerate(words.split(), start=1)
}
# fmt: on
_LATEST = re.compile(r"\b(?:latest|newest|most recent|terbaru|terkini)\b", re.IGNORECASE)
_EDGE_PUNCTUATION = ".,;:!?\"'()"
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Period:
    """The dates a question asks about, both ends included; None leaves that end open.

    `phrase` is the expression as the asker wrote it ("last week", "sejak April"); `relative`
    says it counts from today ("kemarin", "last week"), not a named year, month or day.
    """

    since: date | None
    until: date | None
    phrase: str
    relative: bool = True

    def narrowed(self, filters: SearchFilters | None) -> SearchFilters:
        """`filters` within this period too: both ranges hold (none when they do not meet)."""
        given = filters or SearchFilters()
        since = max((d for d in (given.since, self.since) if d), default=None)
        until = min((d for d in (given.until, self.until) if d), default=None)
        return replace(given, since=since, until=until)


@dataclass(frozen=True)
class TimedQuestion:
    """A question read for time: as asked, as searched, its period, whether it asks the latest.

    `text` is the question without its time expressions and recency words; the question as
    asked when nothing else would be left.
    """

    asked: str
    text: str
    period: Period | None = None
    latest: bool = False


@dataclass(frozen=True)
class _Found:
    """One time expression: its words' positions in the question, and its range."""

    first: int
    last: int
    since: date | None
    until: date | None
    relative: bool


def read_time(question: str, now: datetime) -> TimedQuestion:
    """The question's period and recency wish, resolved against `now` (in the asker's zone).

    Usage::

        read_time("What happened in Libya last week?", datetime(2024, 5, 15, 9, tzinfo=zone))
        # TimedQuestion(..., "What happened in Libya?", Period(date(2024, 5, 6), date(2024, 5, 12),
        #               "last week"))
    """
    latest = bool(_LATEST.search(question))
    words = list(_WORD.finditer(_LATEST.sub(" ", question)))
    found = _expressions([w.group() for w in words], now)
    if not found:
        text = _LATEST.sub(" ", question) if latest else question
        return TimedQuestion(question, _tidy(text) or question, None, latest)
    kept = [
        w.group() for i, w in enumerate(words) if not any(f.first <= i <= f.last for f in found)
    ]
    phrase = " ".join(
        " ".join(w.group() for w in words[f.first : f.last + 1]).strip(_EDGE_PUNCTUATION)
        for f in found
    )
    since = None if any(f.since is None for f in found) else min(f.since for f in found if f.since)
    until = None if any(f.until is None for f in found) else max(f.until for f in found if f.until)
    if until is not None:
        until = min(until, now.date())
    text = _tidy(" ".join(kept))
    if text and question.endswith("?") and not text.endswith("?"):
        text += "?"  # the question mark went with the expression that ended the question
    relative = all(f.relative for f in found)
    return TimedQuestion(question, text or question, Period(since, until, phrase, relative), latest)


def _expressions(words: list[str], now: datetime) -> list[_Found]:
    """The time expressions among `words` that are times the asker means."""
    spelled = [_spelled(word, after) for word, after in zip_longest(words, words[1:], fillvalue="")]
    text = " ".join(spelled)
    starts = [sum(len(w) + 1 for w in spelled[:i]) for i in range(len(spelled))]
    base = datetime.combine(now.date(), _NOON)
    found: list[_Found] = []
    for substring, moment in (
        search_dates(text, languages=_LANGUAGES, settings=_settings(base)) or []
    ):
        at = text.find(substring, starts[found[-1].last] if found else 0)
        if at < 0:
            continue
        first = max(i for i, start in enumerate(starts) if start <= at)
        last = max(i for i, start in enumerate(starts) if start < at + len(substring))
        expression = _expression(spelled, first, last, moment, base)
        if expression is not None:
            found.append(expression)
    return found


def _expression(
    words: list[str], first: int, last: int, moment: datetime, base: datetime
) -> _Found | None:
    """The range words[first..last] name, widened to its ties; None when it is not a time."""
    bare = [w.lower().strip(_EDGE_PUNCTUATION) for w in words]
    while last > first and bare[last] in _TRAILING:
        last -= 1
    # Read alone, the expression resolves as it should where the search misreads it in context
    # ("2 tahun lalu" one year back, "the day before yesterday" tomorrow).
    moment = _parser(base).get_date_data(" ".join(words[first : last + 1])).date_obj or moment
    named = " ".join(w for w in words[first : last + 1] if w.lower() not in _RANGE_LINKS)
    granularity = _granularity(named, base)
    while first > 0 and bare[first - 1] in _TIES | _RANGE_LINKS:
        first -= 1  # "pada bulan Mei": dateparser found "Mei"
    if last + 1 < len(words) and bare[last + 1] in _PAST_MARKS:
        last += 1
    tie = first
    while tie < last and bare[tie] in _TIES | _RANGE_LINKS:
        tie += 1
    core = [w for w in bare[tie : last + 1] if w not in _ARTICLES]
    # "in 2004" ties the year to the question, "in the 2004 tsunami" names an event.
    tied = (first < tie and bare[tie] not in _ARTICLES) or bare[last] in _PAST_MARKS
    if not _means_a_time(core, moment, granularity, tied):
        return None
    start, end = _unit(moment.date(), granularity)
    relative = moment.time() == _NOON
    link = bare[first]
    if link in _SINCE:
        return _Found(first, last, start, None, relative)
    if link in _AFTER:
        return _Found(first, last, end + timedelta(days=1), None, relative)
    if link in _BEFORE:
        return _Found(first, last, None, start - timedelta(days=1), relative)
    return _Found(first, last, start, end, relative)


def _means_a_time(core: list[str], moment: datetime, granularity: str, tied: bool) -> bool:
    """Whether the expression is a time the asker means rather than a name, a clock or now."""
    if moment.time() not in (_NOON, _MIDNIGHT) or set(core) <= _PRESENT:
        return False
    alone = len(core) == 1 and moment.time() == _MIDNIGHT
    # "on Wednesday" is the story's own day, as news writes it; "last Friday" is not.
    weekday = alone and granularity == "day" and not core[0][:1].isdigit()
    # Counts alone name no day: "one of the three" is no 3 January.
    counting = all(w in _COUNTS or w in _TIES for w in core)
    return not (alone and not tied) and not weekday and not counting


def _granularity(expression: str, base: datetime) -> str:
    """Day, week, month or year: how much of the calendar the expression names."""
    if _WEEK_WORDS & {w.lower() for w in expression.split()}:
        return "week"  # dateparser reads "minggu lalu" as a day, seven days back
    period = _parser(base).get_date_data(expression).period
    return period if period in ("week", "month", "year") else "day"


def _unit(day: date, granularity: str) -> tuple[date, date]:
    """The first and last day of the calendar unit around `day`."""
    if granularity == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if granularity == "month":
        return day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])
    if granularity == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    return day, day


def _spelled(word: str, following: str) -> str:
    """The word as dateparser reads it, given the word that follows it."""
    if following.lower().strip(_EDGE_PUNCTUATION) in _UNITS:
        word = _COUNTS.get(word.lower(), word)
    for pattern, spelling in _SPELLINGS:
        word = pattern.sub(spelling, word)
    return word


def _settings(base: datetime) -> dict[str, Any]:
    return {
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


@lru_cache(maxsize=2)  # today's parser; yesterday's until the first question after midnight
def _parser(base: datetime) -> DateDataParser:
    return DateDataParser(languages=_LANGUAGES, settings=_settings(base))


def _tidy(text: str) -> str:
    """The text with single spaces and no space before punctuation; "" when no word is left."""
    text = re.sub(r"\s+([?.!,;:])", r"\1", " ".join(text.split()))
    return text if re.search(r"\w", text) else ""
