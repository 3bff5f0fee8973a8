"""Small articles built directly for the store's tests: a few sentences each, fast to embed."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from store import Article, Store, StoreSettings
from store._records import FILE_NAME as RECORDS_FILE

CHROMA = Path(sys.executable).parent / "chroma"

NILE = (
    "Egypt, Sudan and Ethiopia ended another round of talks on the Grand Ethiopian Renaissance Dam"
    " without an agreement. Cairo fears the reservoir will cut the flow of the Nile during dry"
    " years. Addis Ababa says the dam is vital for electricity and will not harm its neighbours."
    " The three governments agreed to meet again next month in Khartoum."
)
RICE = (
    "Rice prices in Indonesia rose for the third week in a row as the dry season delayed the"
    " harvest in Java. The national logistics agency said it would release stocks to markets in"
    " Jakarta and Surabaya. Farmers in Central Java reported that irrigation channels had run dry."
    " Traders expect prices to ease once the harvest begins in April."
)
VOLCANO = (
    "Mount Merapi erupted on Sunday morning, sending a column of ash three kilometres into the"
    " sky above Yogyakarta. Villagers on the southern slopes were moved to temporary shelters."
    " The volcano observatory raised the alert level and closed hiking trails. No casualties"
    " were reported, but ash fell on towns as far as forty kilometres away."
)
CHESS = (
    "A fifteen-year-old from Bandung won the national chess championship after a tense final"
    " round against the defending champion. She sacrificed a rook on move twenty-two and forced"
    " checkmate eleven moves later. Her coach said she trains six hours a day. She will represent"
    " Indonesia at the Asian youth championship in Manila."
)
MERAPI_ID = (
    "Gunung Merapi kembali erupsi pada Minggu pagi dan memuntahkan abu setinggi tiga kilometer."
    " Warga di lereng selatan dievakuasi ke tempat pengungsian sementara. Balai pemantau"
    " gunung api menaikkan status siaga dan menutup jalur pendakian."
)


class CrashError(Exception):
    """Stands in for the process dying at one chosen point."""


def make_article(
    article_id: str,
    title: str,
    text: str,
    *,
    url: str = "",
    site: str = "",
    published: str = "",
    language: str = "en",
) -> Article:
    """An article as ingest would hand it over, its content hash over title and text."""
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    return Article(
        id=article_id,
        title=title,
        text=text,
        content_hash=digest,
        url=url,
        site=site,
        published=published,
        language=language,
    )


@pytest.fixture
def small_chunks(store_settings: StoreSettings) -> StoreSettings:
    """Settings whose chunks are a sentence or two, so a short article makes several."""
    return store_settings.model_copy(update={"chunk_size": 40, "chunk_overlap": 0})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A `chroma run` on 127.0.0.1 for the whole session; yields its port."""
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [CHROMA, "run", "--path", folder / "db", "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "chroma run did not answer within 30 s"
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def server_settings(chroma_server: int, tmp_path: Path) -> StoreSettings:
    """Settings for the session's server, with collections of this test's own."""
    return StoreSettings(
        data_dir=tmp_path / "data",
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
        collection=f"t{uuid.uuid4().hex[:12]}",
    )


def keep_registry_in_chroma(
    store: Store, version: int | None, changes: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Turn the store's registry into what stores made before 2026-12 kept: a Chroma collection.

    Its records get placeholder vectors, their fields with `changes` (None removes a field), and
    the collection says `version` (None: as the first registries, which said nothing).
    """
    records = store._registry._records
    ids = records.ids()
    found = records.get(ids)
    for article_id, change in (changes or {}).items():
        found[article_id] = {
            k: v for k, v in {**found[article_id], **change}.items() if v is not None
        }
    collection = store._client.create_collection(
        f"{store.settings.collection}_articles",
        embedding_function=None,
        metadata=None if version is None else {"kabar_registry": version},
    )
    collection.add(
        ids=ids,
        embeddings=[[1.0]] * len(ids),
        metadatas=[found[i] for i in ids],  # type: ignore[misc]
        documents=[records.document(i) for i in ids],
    )
    for suffix in ("", "-wal", "-shm"):
        (store.settings.data_dir / f"{RECORDS_FILE}{suffix}").unlink(missing_ok=True)
