"""One process owns an embedded store's folder; a second one is refused with the fix.

Each test runs `kabar` in real processes of its own: the holder, the one refused, and the one
that opens the folder once the holder is gone (killed, or done with its stores).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Store, StoreSettings
from tests.conftest import ROOT, SEED
from tests.store.conftest import NILE, make_article
from tests.store.test_overlap import environment

KABAR = Path(sys.executable).parent / "kabar"


def kabar(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `kabar` command, run to its end."""
    return subprocess.run(
        [KABAR, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def holder(store_settings: StoreSettings) -> Iterator[subprocess.Popen[str]]:
    """`kabar chat` waiting for a question, the store open; killed at the end."""
    process = subprocess.Popen(
        [KABAR, "chat"],
        cwd=ROOT,
        env=environment(store_settings),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    owner = store_settings.data_dir / "store.owner"
    deadline = time.monotonic() + 120
    while not owner.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "kabar chat never opened the store"
        time.sleep(0.05)
    yield process
    process.kill()
    process.wait(timeout=10)


def refusal(store_settings: StoreSettings, holder: str) -> str:
    folder = store_settings.data_dir.resolve()
    return (
        f"error: the store in {folder} is open in {holder}, and one process at a time may use"
        " an embedded store: stop that process, or share the store through a Chroma server"
        " (`chroma run`, then set CHROMA_HOST and CHROMA_PORT for every process)"
    )


def test_a_second_process_is_refused_and_a_killed_holder_does_not_block(
    store_settings: StoreSettings, holder: subprocess.Popen[str]
) -> None:
    env = environment(store_settings)

    ingest = kabar(env, "ingest", str(SEED))
    bot = kabar(env | {"TELEGRAM_BOT_TOKEN": "123456:not-a-real-token"}, "bot")

    expected = refusal(store_settings, f"process {holder.pid} (kabar chat)")
    assert (ingest.returncode, ingest.stderr.splitlines(), ingest.stdout) == (2, [expected], "")
    assert (bot.returncode, bot.stderr.splitlines()) == (2, [expected])

    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    owner = json.loads((store_settings.data_dir / "store.owner").read_text(encoding="utf-8"))
    assert owner["pid"] == holder.pid  # left behind by the killed holder: it does not count

    again = kabar(env, "ingest", str(SEED))

    assert again.returncode == 0, again.stderr
    assert "added 1, updated 0, unchanged 0, duplicates 0, failed 0" in again.stdout


def test_stores_of_one_process_share_the_folder_until_the_last_is_gone(
    store_settings: StoreSettings,
) -> None:
    env = environment(store_settings)
    first = Store(store_settings)
    second = Store(store_settings)
    first.write([make_article("nile", "Nile dam talks stall", NILE)])
    assert [r.id for r in second.articles()] == ["nile"]
    del first
    gc.collect()

    refused = kabar(env, "list")

    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        refusal(store_settings, f"process {os.getpid()} ({command[:200]})")
    ]

    del second
    gc.collect()
    listed = kabar(env, "list", "--json")

    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == ["nile"]
