"""Processes that share a store never undo each other's writes.

Every open of a store repairs writes that a crash interrupted; a batch whose writer is alive and
within its lease is not such a write. These tests run the writer and the other process as real
processes through a real `chroma run` (an embedded folder has one owner: test_owner.py); those
within one process run on an embedded folder as well.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Store, StoreSettings
from store._registry import Registry
from tests.conftest import ROOT
from tests.store.conftest import CHESS, NILE, CrashError, make_article
from tests.store.test_atomic import assert_every_article_whole, crash_instead_of_commit

# Writes five articles, pausing inside the commit (chunks in Chroma, registry not yet told) until
# the test creates the file `go`.
WRITER = """
import sys, time
from pathlib import Path
from store import Store, StoreError
from store._registry import Registry
from tests.store.conftest import CHESS, MERAPI_ID, NILE, RICE, VOLCANO, make_article

signals = Path(sys.argv[1])
real_commit = Registry.commit

def paused_commit(self, *args, **kwargs):
    (signals / "paused").touch()
    while not (signals / "go").exists():
        time.sleep(0.02)
    real_commit(self, *args, **kwargs)

Registry.commit = paused_commit
texts = {"nile": NILE, "rice": RICE, "volcano": VOLCANO, "chess": CHESS, "merapi": MERAPI_ID}
articles = [make_article(key, key.title(), text) for key, text in texts.items()]
try:
    results = Store().write(articles)
except StoreError as exc:
    print(f"error: {exc}", flush=True)
    sys.exit(1)
for result in results:
    print(result.outcome.value, result.article_id, flush=True)
"""


WRITTEN = ["nile", "rice", "volcano", "chess", "merapi"]


@pytest.fixture(params=["embedded", "server"])
def shared(request: pytest.FixtureRequest, store_settings: StoreSettings) -> StoreSettings:
    """A store two processes share: one embedded folder, or collections on a Chroma server."""
    settings = store_settings
    if request.param == "server":
        settings = request.getfixturevalue("server_settings")
    return settings.model_copy(update={"chunk_size": 40, "chunk_overlap": 0})


def environment(settings: StoreSettings, **extra: str) -> dict[str, str]:
    """The environment that points a `kabar` process at the same store."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CHROMA_HOST", "CHROMA_PORT"} and not key.startswith("KABAR_")
    }
    env |= {
        "ANONYMIZED_TELEMETRY": "False",
        "KABAR_DATA_DIR": str(settings.data_dir),
        "KABAR_COLLECTION": settings.collection,
        "KABAR_CHUNK_SIZE": str(settings.chunk_size),
        "KABAR_CHUNK_OVERLAP": str(settings.chunk_overlap),
        **extra,
    }
    if settings.chroma_host:
        env |= {"CHROMA_HOST": settings.chroma_host, "CHROMA_PORT": str(settings.chroma_port)}
    return env


@pytest.fixture
def served(server_settings: StoreSettings) -> StoreSettings:
    """A store that several processes share: collections on a Chroma server."""
    return server_settings.model_copy(update={"chunk_size": 40, "chunk_overlap": 0})


@pytest.fixture
def paused_writer(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[str]]]]:
    """A folder for the writer's signals, and the writer processes to kill at the end."""
    started: list[subprocess.Popen[str]] = []
    yield tmp_path / "signals", started
    for process in started:
        process.kill()
        process.wait(timeout=10)


def start_writer(
    signals: Path, env: dict[str, str], started: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    """The writer, once it is paused inside its commit."""
    signals.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(signals)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(process)
    deadline = time.monotonic() + 120
    while not (signals / "paused").exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the writer never reached its commit"
        time.sleep(0.05)
    return process


def kabar(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A `kabar` command in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_store_opened_during_another_process_commit_leaves_that_batch_alone(
    served: StoreSettings, paused_writer: tuple[Path, list[subprocess.Popen[str]]]
) -> None:
    signals, started = paused_writer
    env = environment(served)
    writer = start_writer(signals, env, started)

    stats = kabar(env, "stats")
    listed = kabar(env, "list")
    (signals / "go").touch()
    stdout, stderr = writer.communicate(timeout=120)

    assert stats.returncode == 0, stats.stderr
    assert listed.returncode == 0, listed.stderr
    assert writer.returncode == 0, stderr
    assert stdout.splitlines() == [f"added {key}" for key in WRITTEN]
    store = Store(served)
    assert sorted(r.id for r in store.articles()) == sorted(WRITTEN)
    assert_every_article_whole(store)
    assert store.search("Which volcano erupted?", k=1)[0].article_id == "volcano"


def test_a_writer_whose_lease_ran_out_is_told_its_batch_was_not_stored(
    served: StoreSettings, paused_writer: tuple[Path, list[subprocess.Popen[str]]]
) -> None:
    signals, started = paused_writer
    env = environment(served, KABAR_WRITE_LEASE_SECONDS="1")
    writer = start_writer(signals, env, started)
    time.sleep(1.5)

    stats = kabar(env, "stats")
    (signals / "go").touch()
    stdout, _ = writer.communicate(timeout=120)

    assert stats.returncode == 0, stats.stderr
    assert writer.returncode == 1
    assert stdout.startswith("error: another process rolled back the write of nile, rice,")
    assert "added" not in stdout
    store = Store(served)
    assert store.articles() == []
    assert store.stats().chunks == 0
    [result] = store.write([make_article("nile", "Nile", NILE)])
    assert result.outcome.value == "added"
    assert_every_article_whole(store)


def claim_for_another_host(store: Store, article_id: str, until: float) -> None:
    """Make the article's unfinished write look like a writer's on another machine."""
    store._registry._records.update(
        {article_id: {"writer": "elsewhere:4242:token", "lease_until": until}}
    )


def test_a_writer_on_another_host_is_trusted_until_its_lease_runs_out(
    shared: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(shared)
    store.write([make_article("chess", "Chess", CHESS)])
    crash_instead_of_commit(monkeypatch)
    with pytest.raises(CrashError):
        store.write([make_article("nile", "Nile", NILE)])
    monkeypatch.undo()
    claim_for_another_host(store, "nile", time.time() + 60)

    reopened = Store(shared)

    assert [p.article_id for p in reopened._registry.pending()] == ["nile"]
    assert reopened._chunks.get(where={"article_id": "nile"})["ids"]

    claim_for_another_host(reopened, "nile", time.time() - 1)
    restarted = Store(shared)

    assert restarted._registry.pending() == []
    assert [r.id for r in restarted.articles()] == ["chess"]
    assert_every_article_whole(restarted)


def test_a_write_that_raised_is_rolled_back_when_the_process_writes_the_article_again(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    monkeypatch.setattr(Registry, "commit", crash_on_first_commit(Registry.commit))
    with pytest.raises(CrashError):
        store.write([make_article("nile", "Nile", NILE)])

    assert store._chunks.get(where={"article_id": "nile"})["ids"]

    shorter = make_article("nile", "Nile", NILE.split(". ")[0] + ".")
    [result] = store.write([shorter])

    assert result.outcome.value == "added"
    assert [r.id for r in store.articles()] == ["nile"]
    assert store.text("nile") == shorter.text
    assert_every_article_whole(store)


def crash_on_first_commit(real: object) -> object:
    """Registry.commit that dies the first time and works afterwards."""
    calls = 0

    def commit(self: Registry, *args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise CrashError("died before the commit")
        real(self, *args, **kwargs)  # type: ignore[operator]

    return commit
