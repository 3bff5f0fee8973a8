"""JSONL corpora (gzip allowed): one article per line, fields named by a mapping."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import ExtractError, IngestError
from ._extract import Draft

_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class JsonlFields:
    """Which field of a JSONL record holds what; fields absent from a record are left empty.

    Usage::

        JsonlFields()                                         # text, title, id, url, date, source
        JsonlFields(title="title_slug", date="date_utc")      # IndoSum
    """

    text: str = "text"
    title: str = "title"
    id: str = "id"
    url: str = "url"
    date: str = "date"
    site: str = "source"


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | IngestError]]:
    """(line number, record) for each non-blank line; a malformed line gives its error instead."""
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
        opener = gzip.open if compressed else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield number, _parse(line, number)
    # Corrupt gzip data surfaces as zlib.error, a truncated stream as EOFError.
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
        yield 0, IngestError(f"cannot read the corpus: {exc}")


def _parse(line: str, number: int) -> dict[str, Any] | IngestError:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return ExtractError(f"line {number}: not valid JSON ({exc.msg})")
    if not isinstance(record, dict):
        return ExtractError(f"line {number}: expected a JSON object")
    return record


def to_draft(record: dict[str, Any], fields: JsonlFields, number: int) -> Draft:
    """The draft article a record describes."""
    text = record.get(fields.text)
    if not isinstance(text, str) or not text.strip():
        raise ExtractError(f"line {number}: no text in field {fields.text!r}")
    url = str(record.get(fields.url) or "")
    corpus_id = str(record.get(fields.id) or "")
    title = str(record.get(fields.title) or "")
    if not title:
        title, _, text = text.strip().partition("\n")
    return Draft(
        title=title,
        text=text,
        key=url or (f"corpus:{corpus_id}" if corpus_id else ""),
        url=url,
        site=str(record.get(fields.site) or ""),
        published=str(record.get(fields.date) or ""),
    )
