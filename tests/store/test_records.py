"""The article records' SQLite table: merged updates, and replacements whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store._records import FILE_NAME, Records


@pytest.fixture
def records(tmp_path: Path) -> Records:
    return Records(tmp_path / FILE_NAME, version=3)


def test_an_update_merges_fields_and_none_removes_one(records: Records) -> None:
    records.add({"a1": {"content_hash": "", "dirty": 1, "writer": "me"}})

    records.update({"a1": {"content_hash": "h1", "dirty": 0, "writer": None}}, {"a1": "Text."})

    assert records.get(["a1", "missing"]) == {"a1": {"content_hash": "h1", "dirty": 0}}
    assert records.document("a1") == "Text."
    assert records.in_flight() == {}
    assert records.count(uncommitted=True) == 0


def test_writes_in_flight_and_uncommitted_records_are_found_among_others(
    records: Records,
) -> None:
    records.add({f"done{i}": {"content_hash": f"h{i}", "dirty": 0} for i in range(50)})
    records.add({"new": {"content_hash": "", "dirty": 1}, "old": {"content_hash": "h", "dirty": 1}})
    records.update({"nobody": {"dirty": 1}})  # no record: passed over

    assert set(records.in_flight()) == {"new", "old"}
    assert (records.count(), records.count(uncommitted=True)) == (52, 1)


def test_a_replacement_that_fails_midway_leaves_the_records_as_they_were(
    records: Records, tmp_path: Path
) -> None:
    records.add({"kept": {"content_hash": "h"}})

    def broken() -> Iterator[tuple[str, dict[str, Any], str]]:
        yield "a", {"content_hash": "x"}, "A."
        raise OSError("the old collection could not be read")

    with pytest.raises(OSError, match="could not be read"):
        records.replace(broken(), version=1)

    reopened = Records(tmp_path / FILE_NAME, version=3)
    assert reopened.ids() == ["kept"]
    assert reopened.version == 3
