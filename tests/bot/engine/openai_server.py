"""A real OpenAI-compatible chat server on 127.0.0.1 whose replies each test scripts."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.engine import Engine, EngineSettings
from bot.engine._generative import TRANSLATE_SYSTEM_PROMPT
from store import Store


@dataclass
class Reply:
    """One scripted reply to `POST /v1/chat/completions`.

    `chunks` are the text's streamed pieces (joined for a non-streaming request); `status` other
    than 200 answers with an OpenAI error body; `delay` waits before answering, `chunk_delay`
    between streamed pieces.
    """

    chunks: list[str] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    chunk_delay: float = 0.0

    @classmethod
    def text(cls, text: str) -> Reply:
        return cls([text])


@dataclass
class Request:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def is_translation(self) -> bool:
        """Whether Kabar asks for its question translated (for retrieval), by the system prompt."""
        first = self.messages[:1]
        return bool(first) and first[0].get("content") == TRANSLATE_SYSTEM_PROMPT


class ChatServer:
    """Speaks the OpenAI chat API on 127.0.0.1: `url` is its base URL (ending in `/v1`).

    Each chat request takes the next of `replies`, in order; with none left it answers 500, so a
    test that sends more requests than it scripted fails. Translation requests take theirs from
    `translations` instead (500 when none is scripted: the engine then searches the question as
    asked), so that answers are scripted alike whether or not a question is also translated.
    `requests` records what arrived.
    """

    def __init__(self, model: str = "test") -> None:
        self.model = model
        self.replies: list[Reply] = []
        self.translations: list[Reply] = []
        self.requests: list[Request] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def script_translations(self, *replies: Reply) -> None:
        with self._lock:
            self.translations.extend(replies)

    def chat_requests(self) -> list[Request]:
        """The chat requests that ask for an answer or a follow-up's rewrite."""
        return [r for r in self._chats() if not r.is_translation]

    def translation_requests(self) -> list[Request]:
        return [r for r in self._chats() if r.is_translation]

    def _chats(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/v1/chat/completions"]

    def record(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            queue = self.translations if request.is_translation else self.replies
            return queue.pop(0) if queue else Reply(status=500)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def _handler(chat: ChatServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def handle(self) -> None:
            # The client may give up first (a timeout under test): nothing is left to answer.
            with contextlib.suppress(ConnectionError):
                super().handle()

        def do_GET(self) -> None:
            chat.record(Request("GET", self.path, dict(self.headers), {}))
            if self.path != "/v1/models":
                self._json(404, {"error": {"message": "not found"}})
                return
            model = {"id": chat.model, "object": "model", "created": 0, "owned_by": "test"}
            self._json(200, {"object": "list", "data": [model]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            reply = chat.record(Request("POST", self.path, dict(self.headers), body))
            if self.path != "/v1/chat/completions":
                self._json(404, {"error": {"message": "not found"}})
                return
            if reply.delay and chat.stop.wait(reply.delay):
                return  # the server is closing
            if reply.status != 200:
                error = {"message": "scripted failure", "type": "server_error", "code": None}
                self._json(reply.status, {"error": error})
            elif body.get("stream"):
                self._stream(reply)
            else:
                self._json(200, _completion(chat.model, "".join(reply.chunks)))

        def _json(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            deltas = [{"role": "assistant", "content": ""}]
            deltas += [{"content": chunk} for chunk in reply.chunks]
            for n, delta in enumerate(deltas):
                if n > 1 and reply.chunk_delay and chat.stop.wait(reply.chunk_delay):
                    return
                self._event(_chunk(chat.model, delta, None))
            self._event(_chunk(chat.model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")

        def _event(self, data: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def openai_engine(store: Store, url: str, **settings: object) -> Engine:
    """An engine answering through the server at `url`; `settings` override the defaults."""
    merged: dict[str, object] = {
        "backend": "openai",
        "openai_base_url": url,
        "openai_model": "test",
        "openai_timeout": 5.0,  # the timeout tests set 1 s; others need room on a busy machine
        **settings,
    }
    return Engine(store, EngineSettings(**merged))  # type: ignore[arg-type]
