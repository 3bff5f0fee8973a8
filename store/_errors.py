"""The store's exceptions: one hierarchy under `StoreError`."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of everything the store raises on purpose."""


class StoreUnavailableError(StoreError):
    """A server the store needs (Chroma, an embeddings endpoint) cannot be reached."""


class EmbeddingEndpointError(StoreUnavailableError):
    """An embeddings endpoint cannot be reached or refused a request."""


class EmbeddingModelMismatchError(StoreError):
    """The collection was built with another embedding model than the one configured."""


class ArticleNotFoundError(StoreError):
    """No article has the given id."""


class WriteConflictError(StoreError):
    """Another process rolled back a write in flight, taking its writer for dead."""


class StoreInUseError(StoreError):
    """Another process has the embedded store's data folder open."""


class KeywordIndexError(StoreError):
    """The keyword index cannot be written: another process holds it too long, or the disk fails."""
