"""The order of "newest first": one integer per article, larger is newer.

An article's recency is its publication time (seconds since the epoch, UTC); an article
without a readable date gets the time it was stored, moved below every dated article, so
undated articles follow the dated ones, the most recently stored first. The registry keeps it
with each record, and the article index orders pages of the newest articles by it.
"""

from __future__ import annotations

from datetime import UTC, datetime

# About 35,000 years: below any real publication date, far above the int64 limit.
_UNDATED_SHIFT = 2**40


def recency(published: str, stored_at: float) -> int:
    """The article's place in newest-first order: larger is newer."""
    try:
        moment = datetime.fromisoformat(published.strip())
    except ValueError:
        return int(stored_at) - _UNDATED_SHIFT
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a bare date or time is taken as UTC
    return int(moment.timestamp())
