"""The store over a real Chroma server (`chroma run`), as when `CHROMA_HOST` is set."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import Ingestor, IngestSettings
from store import Mode, Outcome, Store, StoreSettings, StoreUnavailableError
from tests.conftest import ROOT, SEED
from tests.store.conftest import CHESS, free_port, make_article


def test_the_seed_goes_in_through_the_server_and_another_client_sees_it(
    server_settings: StoreSettings,
) -> None:
    ingestor = Ingestor(Store(server_settings), IngestSettings())

    [result] = ingestor.ingest([str(SEED)])

    assert result.outcome == Outcome.ADDED
    other = Store(server_settings)
    record = other.get(result.article_id)
    assert record.title.startswith("Turki dan Rusia menyerukan gencatan senjata")
    assert record.chunks == len(other.chunks(result.article_id)) > 1
    assert other.stats().location == f"chroma server 127.0.0.1:{server_settings.chroma_port}"
    assert not (server_settings.data_dir / "chroma").exists()

    passages = other.search("Who backs Haftar?", k=3)
    assert passages
    assert {p.article_id for p in passages} == {result.article_id}
    assert any("Uni Emirat Arab" in p.text or "kontraktor militer" in p.text for p in passages)


def test_another_process_ingesting_through_the_server_is_seen_at_once(
    server_settings: StoreSettings, tmp_path: Path
) -> None:
    store = Store(server_settings)
    article = tmp_path / "merapi.txt"
    article.write_text(
        "Merapi erupts again\n\nMount Merapi sent a column of ash three kilometres into the sky"
        " on Sunday. Villagers on the southern slopes were moved to shelters.\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(server_settings.chroma_port),
        "KABAR_COLLECTION": server_settings.collection,
        "KABAR_DATA_DIR": str(server_settings.data_dir),
    }

    cli = subprocess.run(
        [Path(sys.executable).parent / "kabar", "ingest", str(article)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert cli.returncode == 0, cli.stderr
    assert "added 1, updated 0, unchanged 0, duplicates 0, failed 0" in cli.stdout
    [record] = store.articles()
    assert record.title == "Merapi erupts again"
    assert store.search("Which volcano erupted?", k=1)[0].article_id == record.id
    [again] = Ingestor(store, IngestSettings()).ingest([str(article)])
    assert again.outcome == Outcome.UNCHANGED


def test_an_unreachable_server_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    port = free_port()
    settings = StoreSettings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)

    with pytest.raises(StoreUnavailableError) as raised:
        Store(settings)

    assert f"127.0.0.1:{port}" in str(raised.value)


UPDATE_CHESS = """
import sys
from pathlib import Path

from store import Store, StoreSettings
from tests.store.conftest import CHESS, make_article

port, collection, data_dir = sys.argv[1:]
settings = StoreSettings(
    data_dir=Path(data_dir), chroma_host="127.0.0.1", chroma_port=int(port), collection=collection
)
update = CHESS.replace("checkmate", "stalemate").replace("rook", "bishop")
[result] = Store(settings).write([make_article("chess", "Teen wins chess title", update)])
print(result.outcome, result.chunks)
"""


def test_an_update_by_another_process_with_the_same_chunk_count_is_answered(
    server_settings: StoreSettings,
) -> None:
    store = Store(server_settings)
    store.write([make_article("chess", "Teen wins chess title", CHESS)])
    question = "Which piece did she sacrifice?"
    assert "rook" in store.search(question, k=1)[0].text
    chunks = store.get("chess").chunks

    other = subprocess.run(
        [
            sys.executable,
            "-c",
            UPDATE_CHESS,
            str(server_settings.chroma_port),
            server_settings.collection,
            str(server_settings.data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )

    assert other.returncode == 0, other.stderr
    assert other.stdout.split() == ["updated", str(chunks)]
    # Asked again and again from the moment the other process is done: never an error (this
    # process's keyword index may still name the replaced chunks), the update within seconds.
    deadline = time.monotonic() + 5
    while True:
        best = store.search(question, k=1)[0]
        by_keyword = store.search("stalemate", k=1, mode=Mode.KEYWORD)
        if "bishop" in best.text and by_keyword:
            break
        assert time.monotonic() < deadline, "the other process's update was not seen in 5 s"
        time.sleep(0.1)
    assert store.search("checkmate", k=3, mode=Mode.KEYWORD) == []
    assert store.get("chess").chunks == chunks
