"""The shipped seed article goes in clean: its spam tail is never stored."""

from __future__ import annotations

from ingest import Ingestor
from store import Outcome, Store
from tests.conftest import SEED


def test_seed_is_added_once_then_unchanged(ingestor: Ingestor) -> None:
    first = list(ingestor.ingest([str(SEED)]))
    again = list(ingestor.ingest([str(SEED)]))

    assert [r.outcome for r in first] == [Outcome.ADDED]
    assert [r.outcome for r in again] == [Outcome.UNCHANGED]
    assert first[0].title.startswith("Turki dan Rusia menyerukan gencatan senjata")


def test_seed_spam_lines_are_in_no_chunk(ingestor: Ingestor, store: Store) -> None:
    [result] = ingestor.ingest([str(SEED)])
    chunks = store.chunks(result.article_id)

    assert len(chunks) > 1
    assert "Sumber pemerintah mengatakan" in chunks[-1].text
    for chunk in chunks:
        assert "Toto SGP" not in chunk.text
        assert "gacor88" not in chunk.text
    assert "gacor88" not in store.text(result.article_id)


def test_seed_is_recorded_as_indonesian_with_its_title(ingestor: Ingestor, store: Store) -> None:
    [result] = ingestor.ingest([str(SEED)])
    record = store.get(result.article_id)

    assert record.language == "id"
    assert (
        record.title
        == "Turki dan Rusia menyerukan gencatan senjata di Libya saat kedua negara saling bentrok"
    )
    assert record.chunks == len(store.chunks(result.article_id))
