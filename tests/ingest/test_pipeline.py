"""The pipeline: whatever goes wrong loading one item, the run goes on and writes the rest."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingest import Ingestor
from ingest._extract import Draft
from ingest._inputs import Item
from store import Outcome, Store


def test_an_unexpected_error_fails_that_item_alone_and_is_logged(
    ingestor: Ingestor, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before, after = tmp_path / "before.txt", tmp_path / "after.txt"
    before.write_text(
        "Bandung setujui anggaran bus\n\nPemerintah kota Bandung menyetujui anggaran baru untuk"
        " dua ratus bus listrik.\n",
        encoding="utf-8",
    )
    after.write_text(
        "Kereta cepat tambah jadwal\n\nOperator kereta cepat menambah jadwal perjalanan"
        " Jakarta-Bandung mulai pekan depan.\n",
        encoding="utf-8",
    )

    # Every error known is an IngestError by now; this stands for the one nobody foresaw.
    def broken() -> Draft:
        raise RuntimeError("an unforeseen\nfailure")

    items = [*ingestor.plan([str(before)]), Item("broken", broken), *ingestor.plan([str(after)])]
    with caplog.at_level(logging.ERROR, logger="ingest"):
        results = {r.label: r for r in ingestor.run(items)}

    assert results["broken"].error == "unexpected RuntimeError (an unforeseen failure); see the log"
    assert results[str(before)].outcome is Outcome.ADDED
    assert results[str(after)].outcome is Outcome.ADDED
    assert len(store.articles()) == 2
    [logged] = [r for r in caplog.records if r.exc_info]
    assert logged.getMessage() == "loading broken failed"
