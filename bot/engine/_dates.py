"""Dates as answers write them: "8 Jan 2020" beside a source, "8 Jan 2020" in Indonesian too."""

from __future__ import annotations

from datetime import date

_MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),  # noqa: SIM905
    "id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),  # noqa: SIM905
}
_RANGES = {
    "en": {"day": "on {since}", "both": "from {since} to {until}", "since": "since {since}",
           "until": "up to {until}"},
    "id": {"day": "pada {since}", "both": "dari {since} hingga {until}", "since": "sejak {since}",
           "until": "hingga {until}"},
}  # fmt: skip


def published_date(published: str) -> date | None:
    """The day of an ISO publication date or time; None when there is none."""
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def day_label(day: date, language: str) -> str:
    """The day as "8 Jan 2020" ("8 Agu 2020" in Indonesian).

    Usage::

        day_label(date(2020, 1, 8), "en")  # "8 Jan 2020"
    """
    return f"{day.day} {_MONTHS.get(language, _MONTHS['en'])[day.month - 1]} {day.year}"


def published_label(published: str, language: str) -> str:
    """An article's publication day as `day_label` writes it; "" when it has none."""
    day = published_date(published)
    return day_label(day, language) if day else ""


def range_label(since: date | None, until: date | None, language: str) -> str:
    """A date range as a phrase: "from 6 May 2024 to 12 May 2024", "sejak 1 Apr 2024"."""
    texts = _RANGES.get(language, _RANGES["en"])
    ends = {
        "since": day_label(since, language) if since else "",
        "until": day_label(until, language) if until else "",
    }
    if since and until:
        return texts["day" if since == until else "both"].format(**ends)
    return texts["since" if since else "until"].format(**ends)
