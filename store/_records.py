"""The article records: one SQLite table in the store's data folder.

They lived in a Chroma collection until this table replaced it. Chroma keeps every collection's
vector index in memory once it is used, and the records, never searched by vector, cost a bot
197 MB there for their one-dimension placeholders at 362k articles (1M chunks). SQLite gives what
the registry needs of a record store: whole-or-nothing writes, several processes on one file
(write-ahead log: readers never wait for a writer), and lookups by id and of the writes in
flight that read only what they find.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FILE_NAME = "registry.sqlite3"
# Long enough for any other process's commit of one batch; an error past it, not a hang.
_BUSY_MS = 60_000
# A record's fields are a JSON object; a write in flight has `dirty` 1 (true before version 3)
# and an article not yet committed an empty `content_hash`. Both are found through an index.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    fields TEXT NOT NULL,
    document TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS records_in_flight ON records (id)
    WHERE json_extract(fields, '$.dirty') = 1;
CREATE INDEX IF NOT EXISTS records_uncommitted ON records (id)
    WHERE json_extract(fields, '$.content_hash') = '';
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_IN_FLIGHT = "json_extract(fields, '$.dirty') = 1"
_UNCOMMITTED = "json_extract(fields, '$.content_hash') = ''"


class Records:
    """Records by article id, each a JSON object of fields and the article's text.

    Usage::

        records = Records(data_dir / FILE_NAME, version=3)
        records.add({"a1": {"content_hash": "", "dirty": 1}})
        records.update({"a1": {"content_hash": h, "dirty": 0}}, documents={"a1": text})
        records.get(["a1"])             # {"a1": {"content_hash": h, "dirty": 0}}
        records.update({"a1": {"writer": None}})   # None removes a field
        records.in_flight()             # the records whose `dirty` is 1
        records.delete(["a1"])

    A new file records `version` as the layout of its fields (see `Registry.upgrade`).
    """

    def __init__(self, path: Path, version: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(
            path, timeout=_BUSY_MS / 1000, isolation_level=None, check_same_thread=False
        )
        # One connection for the process's threads: sqlite3 objects are not to be shared
        # by two at once.
        self._lock = threading.Lock()
        # Each statement is its own transaction, and each may run again harmlessly: two
        # processes may be opening the same new file.
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.executescript(_SCHEMA)
        self._connection.execute(
            "INSERT OR IGNORE INTO facts VALUES ('version', ?)", (str(version),)
        )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """A cursor whose statements commit together, or not at all."""
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def _query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    @property
    def version(self) -> int:
        """The layout of the records' fields."""
        [(value,)] = self._query("SELECT value FROM facts WHERE name = 'version'")
        return int(value)

    @version.setter
    def version(self, version: int) -> None:
        with self._transaction() as cursor:
            cursor.execute("UPDATE facts SET value = ? WHERE name = 'version'", (str(version),))

    def get(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The fields of the records with these ids (those that exist), by id."""
        rows = self._query(
            "SELECT id, fields FROM records WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return {record_id: json.loads(fields) for record_id, fields in rows}

    def in_flight(self) -> dict[str, dict[str, Any]]:
        """The fields of the records whose write is not finished (`dirty`), by id."""
        rows = self._query(f"SELECT id, fields FROM records WHERE {_IN_FLIGHT}")  # noqa: S608
        return {record_id: json.loads(fields) for record_id, fields in rows}

    def ids(self) -> list[str]:
        """Every record's id."""
        return [record_id for (record_id,) in self._query("SELECT id FROM records")]

    def count(self, *, uncommitted: bool = False) -> int:
        """How many records there are (only those never committed, if `uncommitted`)."""
        where = f"WHERE {_UNCOMMITTED}" if uncommitted else ""
        [(count,)] = self._query(f"SELECT count(*) FROM records {where}")  # noqa: S608
        return int(count)

    def document(self, record_id: str) -> str:
        """The text stored with a record ("" if none)."""
        rows = self._query("SELECT document FROM records WHERE id = ?", (record_id,))
        return str(rows[0][0]) if rows else ""

    def add(self, fields: Mapping[str, Mapping[str, Any]]) -> None:
        """New records: their fields by id."""
        if not fields:
            return
        with self._transaction() as cursor:
            cursor.executemany(
                "INSERT INTO records (id, fields) VALUES (?, ?)",
                [(record_id, json.dumps(values)) for record_id, values in fields.items()],
            )

    def update(
        self, fields: Mapping[str, Mapping[str, Any]], documents: Mapping[str, str] | None = None
    ) -> None:
        """Merge fields into records (None removes one), and replace their texts if given.

        An id without a record is passed over, as Chroma's update passed it over.
        """
        if not fields and not documents:
            return
        with self._transaction() as cursor:
            cursor.executemany(
                "UPDATE records SET fields = json_patch(fields, ?) WHERE id = ?",
                [(json.dumps(values), record_id) for record_id, values in fields.items()],
            )
            cursor.executemany(
                "UPDATE records SET document = ? WHERE id = ?",
                [(text, record_id) for record_id, text in (documents or {}).items()],
            )

    def replace(self, records: Iterable[tuple[str, Mapping[str, Any], str]], version: int) -> None:
        """Hold these records, (id, fields, text), of this layout, whatever was there.

        They are read as they are written, in one transaction: all of them or none.
        """
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM records")
            cursor.executemany(
                "INSERT INTO records VALUES (?, ?, ?)",
                ((i, json.dumps(values), text) for i, values, text in records),
            )
            cursor.execute("UPDATE facts SET value = ? WHERE name = 'version'", (str(version),))

    def delete(self, ids: Sequence[str]) -> None:
        """Remove these records."""
        with self._transaction() as cursor:
            cursor.execute(
                "DELETE FROM records WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(ids)),),
            )
