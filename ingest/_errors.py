"""Ingest's exceptions: one hierarchy under `IngestError`, each message one line for people."""

from __future__ import annotations


class IngestError(Exception):
    """A source could not be turned into an article; the message says why and what to do."""


class FetchError(IngestError):
    """A URL could not be fetched: refused, unreachable, an HTTP error, too big or too slow."""


class ExtractError(IngestError):
    """The content was fetched or read but holds no usable article."""
