"""Every article's published date is stored as ISO 8601, however its source wrote it."""

from __future__ import annotations

import pytest

from ingest import Ingestor
from store import Store

BODY = "Banjir di Semarang\nBanjir besar melanda kota Semarang setelah hujan deras semalaman."


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2017-03-28T04:15:36Z", "2017-03-28T04:15:36Z"),  # IndoSum's date_utc, kept
        ("2020-01-08", "2020-01-08"),
        ("Wed, 08 Jan 2020 10:00:00 +0700", "2020-01-08T10:00:00+07:00"),  # an RSS date
        ("Rabu, 8 Januari 2020 10:00 WIB", "2020-01-08T10:00:00+07:00"),  # a page's own words
        ("not a date at all", ""),
    ],
)
def test_published_is_stored_as_iso(
    ingestor: Ingestor, store: Store, written: str, stored: str
) -> None:
    result = ingestor.ingest_text(BODY, site="kompas", published=written)

    assert not result.failed, result.error
    [record] = store.articles()
    assert record.published == stored
