"""Kabar's ingest: files, folders, URLs, feeds, corpora and uploads into clean stored articles.

Ingest knows nothing of Telegram; it writes through `store`.
"""

from ._clean import strip_controls
from ._errors import ExtractError, FetchError, IngestError
from ._identity import article_id, canonical_url, content_hash
from ._jsonl import JsonlFields
from ._pipeline import Ingestor, IngestResult, Summary, to_article
from ._settings import IngestSettings

__all__ = [
    "ExtractError",
    "FetchError",
    "IngestError",
    "IngestResult",
    "IngestSettings",
    "Ingestor",
    "JsonlFields",
    "Summary",
    "article_id",
    "canonical_url",
    "content_hash",
    "strip_controls",
    "to_article",
]
