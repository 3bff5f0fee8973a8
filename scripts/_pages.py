"""News pages served on 127.0.0.1 by a process of their own, each answered after a delay, as a
distant site would: for benchmarks that fetch what they ingest.

    with PageServer(folder, delay=0.25) as server:   # folder holds 0.html, 1.html, ...
        server.url("0.html")

Run as a script, it serves `FOLDER` and prints its port: `python scripts/_pages.py FOLDER DELAY`.
"""

from __future__ import annotations

import functools
import html
import http.server
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the server process needs none of ingest
    from ingest._extract import Draft


def page_html(draft: Draft) -> bytes:
    """A news page for the draft: navigation, the article with its metadata, a footer."""
    title, site = html.escape(draft.title), html.escape(draft.site or "Kabar Bench News")
    paragraphs = "\n".join(
        f"<p>{html.escape(p)}</p>" for p in draft.text.split("\n\n") if p.strip()
    )
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{html.escape(draft.published)}">
</head><body>
<nav><a href="/">Beranda</a> <a href="/berita">Berita</a> <a href="/olahraga">Olahraga</a></nav>
<article><h1>{title}</h1>
{paragraphs}</article>
<footer>Hak cipta {site}. Seluruh hak dilindungi.</footer>
</body></html>""".encode()


class PageServer:
    """`FOLDER`'s files over HTTP on 127.0.0.1, in a child process, each after `delay` seconds."""

    def __init__(self, folder: Path, delay: float) -> None:
        self._command = [sys.executable, __file__, str(folder), str(delay)]
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> PageServer:
        self._process = subprocess.Popen(self._command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.wait(timeout=10)


class _DelayedPages(http.server.SimpleHTTPRequestHandler):
    """A folder's files, each answered after `delay` seconds."""

    delay = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def serve(folder: Path, delay: float) -> None:
    """Serve the folder's files until killed, printing the port first."""
    _DelayedPages.delay = delay
    handler = functools.partial(_DelayedPages, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), float(sys.argv[2]))
