"""What a user names on the command line, expanded into items to load one by one."""

from __future__ import annotations

import glob
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from . import _feeds
from ._errors import ExtractError, IngestError
from ._extract import SUFFIXES, Draft, extract, with_defaults
from ._fetch import Fetched, fetch
from ._jsonl import JsonlFields, read_jsonl, to_draft
from ._settings import IngestSettings

_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
_ARTICLE_TYPES = ("text/", "application/xhtml+xml", "application/pdf")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
#: How deep feeds inside feeds are read: a feed, and the feeds it lists.
FEED_DEPTH = 2


@dataclass(frozen=True)
class Item:
    """One source to load: a file, a URL, a corpus record; `load` gives a draft or more items."""

    label: str
    load: Callable[[], Draft | list[Item]]


def expand(
    sources: list[str],
    settings: IngestSettings,
    fields: JsonlFields | None = None,
    feed: bool = False,
) -> Iterator[Item]:
    """Items for files, folders (recursively), globs, URLs, feeds and JSONL corpora."""
    for source in sources:
        # Any URL goes to the fetcher, which refuses other schemes than http(s) in so many words.
        if _URL.match(source):
            yield Item(source, partial(load_url, source, settings, feed))
        elif fields is not None or source.endswith(_JSONL_SUFFIXES):
            yield from _corpus_items(Path(source), fields or JsonlFields())
        else:
            yield from _path_items(source, settings)


def _path_items(source: str, settings: IngestSettings) -> Iterator[Item]:
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            yield _failure(source, f"no .txt, .md, .html or .pdf files in folder {source}")
        for file in files:
            yield Item(str(file), partial(load_file, file, settings))
    elif path.exists():
        yield Item(source, partial(load_file, path, settings))
    elif glob.has_magic(source):
        matches = sorted(glob.glob(source, recursive=True))  # noqa: PTH207 - patterns may be absolute
        if not matches:
            yield _failure(source, f"no files match {source}")
        for match in matches:
            yield from _path_items(match, settings)
    else:
        yield _failure(source, f"no such file or folder: {source}")


def _corpus_items(path: Path, fields: JsonlFields) -> Iterator[Item]:
    if not path.is_file():
        yield _failure(str(path), f"no such file: {path}")
        return
    for number, record in read_jsonl(path):
        label = f"{path}:{number}" if number else str(path)
        if isinstance(record, IngestError):
            yield _failure(label, str(record))
        else:
            yield Item(label, partial(to_draft, record, fields, number))


def _failure(label: str, message: str) -> Item:
    def fail() -> Draft:
        raise IngestError(message)

    return Item(label, fail)


def load_file(path: Path, settings: IngestSettings) -> Draft:
    """A file's draft, refusing unreadable, empty and oversized files."""
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(
            f"unsupported file type {path.suffix or '(none)'}: use .txt, .md, .html or .pdf"
        )
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise IngestError(
                f"file is {size:,} bytes, over the {settings.max_bytes:,}-byte cap"
                " (INGEST_MAX_BYTES)"
            )
        content = path.read_bytes()
    except PermissionError:
        raise IngestError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror}") from None
    if not content.strip():
        raise IngestError(f"empty file: {path}")
    draft = extract(content, path.name)
    return with_defaults(draft, key=path.resolve().as_uri(), site=path.name)


def load_url(
    url: str, settings: IngestSettings, feed: bool = False, trail: tuple[str, ...] = ()
) -> Draft | list[Item]:
    """A web page's draft, or for a feed the items of its entries.

    `trail` names the feeds that listed this URL, so that feeds listing themselves or each other
    are not read again and feeds inside feeds end at `FEED_DEPTH`.
    """
    fetched = fetch(url, settings)
    if feed or _feeds.looks_like_feed(fetched.content_type, fetched.content):
        return _entries(fetched, url, settings, trail)
    if not fetched.content_type.startswith(_ARTICLE_TYPES):
        raise ExtractError(f"{url} is {fetched.content_type or 'of unknown type'}, not a web page")
    draft = extract(fetched.content, fetched.url, fetched.content_type)
    host = urlsplit(fetched.url).hostname or ""
    return with_defaults(draft, key=fetched.url, url=fetched.url, site=host)


def _entries(
    fetched: Fetched, url: str, settings: IngestSettings, trail: tuple[str, ...]
) -> list[Item]:
    if len(trail) >= FEED_DEPTH:
        raise IngestError(
            f"not read: a feed inside feeds more than {FEED_DEPTH} deep"
            f" ({' -> '.join([*trail, url])})"
        )
    inner = (*trail, url)
    return [
        _failure(link, f"not read again: {link} is a feed listing itself or a feed that lists it")
        if link in (*inner, fetched.url)
        else Item(link, partial(load_url, link, settings, trail=inner))
        for link in _feeds.entry_links(fetched.content, url)
    ]
