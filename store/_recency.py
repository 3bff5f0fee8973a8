"""The order of "newest first": one integer per article that Chroma can filter on by range.

An article's recency is its publication time (seconds since the epoch, UTC); an article
without a readable date gets the time it was stored, moved below every dated article, so
undated articles follow the dated ones, the most recently stored first. Pages of the newest
articles are read through widening windows of recency (`windows`), so a page costs what the
window that fills it holds, not the whole registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

_DAY = 86_400
# About 35,000 years: below any real publication date, far above the int64 limit.
_UNDATED_SHIFT = 2**40
# Windows widen from a day to 2**16 days (about 180 years) before the next anchor.
_WIDENINGS = 17


def recency(published: str, stored_at: float) -> int:
    """The article's place in newest-first order: larger is newer."""
    try:
        moment = datetime.fromisoformat(published.strip())
    except ValueError:
        return int(stored_at) - _UNDATED_SHIFT
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a bare date or time is taken as UTC
    return int(moment.timestamp())


def windows(now: float) -> Iterator[int]:
    """Lower bounds of ever wider windows of recency, each holding everything newer.

    Dated articles are reached first (windows back from `now`), then undated ones (back from
    `now` moved below the dated); past the last window only articles dated before about 1850
    and undated ones stored long ago remain.
    """
    for anchor in (int(now), int(now) - _UNDATED_SHIFT):
        for widening in range(_WIDENINGS):
            yield anchor - _DAY * 2**widening
