"""Opening and writing the store's tantivy indexes (keywords, LSH bands) in the data folder.

Each is written by one writer at a time across processes (tantivy's lock); a write waits for
another process's, and its changes are committed together or not at all.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tantivy

from ._errors import KeywordIndexError

_WRITER_HEAP_BYTES = 32_000_000
# How long a write waits for another process's write (tantivy allows one writer at a time).
_LOCK_WAIT_SECONDS = 60.0


def open_index(folder: Path, schema: tantivy.Schema) -> tantivy.Index:
    """The index in the folder, made there when there is none or one of another layout."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return tantivy.Index(schema, path=str(folder), reuse=True)
    except ValueError:
        # Built by another version with other fields: the store fills the new one (it is stale).
        shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return tantivy.Index(schema, path=str(folder), reuse=True)


@contextmanager
def writing(index: tantivy.Index, folder: Path) -> Iterator[tantivy.IndexWriter]:
    """A writer whose changes are committed together when the block ends, or not at all."""
    writer = _writer(index, folder)
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()  # also lets go of the index's lock


def drop_other_versions(
    writer: tantivy.IndexWriter, schema: tantivy.Schema, article_id: str, keep_version: str
) -> None:
    """Delete the article's documents of other versions than `keep_version` (all when empty).

    Both indexes keep an `article_id` and a `version` field, raw, on every document.
    """
    if not keep_version:
        writer.delete_documents_by_term("article_id", article_id)
        return
    writer.delete_documents_by_query(
        tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(schema, "article_id", article_id)),
                (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "version", keep_version)),
            ]
        )
    )


def _writer(index: tantivy.Index, folder: Path) -> tantivy.IndexWriter:
    """The index's one writer, waited for while another process (or store) holds it."""
    deadline = time.monotonic() + _LOCK_WAIT_SECONDS
    while True:
        try:
            return index.writer(heap_size=_WRITER_HEAP_BYTES, num_threads=1)
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise KeywordIndexError(
                    f"cannot write the index in {folder} ({exc}): check that the folder is"
                    " writable and the disk has room"
                ) from exc
            if time.monotonic() > deadline:
                raise KeywordIndexError(
                    f"the index in {folder} has been written by another process for over"
                    f" {_LOCK_WAIT_SECONDS:g} s: try again when its write (an ingest or a"
                    " reindex) is over"
                ) from exc
            time.sleep(0.05)
