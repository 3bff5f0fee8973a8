"""An article is written whole or not at all: whatever breaks, no article is left half-stored.

"Whole" means: the registry's record names a version of the article and its chunk count, and the
chunk collection holds exactly that many chunks of the article, of that version. Opening a store
(a restart) repairs whatever an interrupted write left behind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from ingest import Ingestor, IngestSettings
from store import ArticleNotFoundError, Outcome, Store, StoreSettings
from store._article_index import ArticleIndex
from store._records import FILE_NAME as RECORDS_FILE
from store._records import Records
from store._registry import VERSION, Registry
from tests.conftest import ROOT
from tests.store.conftest import (
    CHESS,
    NILE,
    RICE,
    VOLCANO,
    CrashError,
    keep_registry_in_chroma,
    make_article,
)


def assert_every_article_whole(store: Store) -> None:
    """Each record's chunk count matches its chunks, and no chunk belongs to no record."""
    records = store.articles()
    for record in records:
        chunks = store.chunks(record.id)
        assert len(chunks) == record.chunks, (
            f"{record.id}: {len(chunks)} chunks, not {record.chunks}"
        )
        assert {c.title for c in chunks} == {record.title}
    stored = store._chunks.get(include=["metadatas"])
    owners = {str(m["article_id"]) for m in stored["metadatas"] or []}
    assert owners <= {r.id for r in records}, f"orphan chunks of {owners - {r.id for r in records}}"
    assert store.stats().chunks == sum(r.chunks for r in records)


def registry_ids(store: Store) -> list[str]:
    """Every id the registry holds, committed or not."""
    return store._registry._records.ids()


def raw_chunk_ids(store: Store, article_id: str) -> list[str]:
    """The article's chunks as Chroma holds them, whatever the registry says."""
    return store._chunks.get(where={"article_id": article_id})["ids"]


# --- the embedding model fails midway --------------------------------------------------------


def fail_embedding_after(store: Store, calls: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's batch embedding works `calls` times, then fails as a crashed engine would."""
    real = store.embed_model._get_text_embeddings
    count = 0

    def embed(texts: list[str]) -> list[list[float]]:
        nonlocal count
        count += 1
        if count > calls:
            raise RuntimeError("embedding engine crashed")
        return real(texts)

    monkeypatch.setattr(store.embed_model, "_get_text_embeddings", embed)


def test_a_new_article_whose_embedding_fails_midway_leaves_no_trace(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks.model_copy(update={"embed_batch_size": 1}))
    store.write([make_article("chess", "Chess", CHESS)])
    nile = make_article("nile", "Nile dam talks stall", NILE)
    # The one injected fault: the model's batch embedding raises on its second batch.
    fail_embedding_after(store, 1, monkeypatch)

    with pytest.raises(RuntimeError, match="embedding engine crashed"):
        store.write([nile])

    assert raw_chunk_ids(store, "nile") == []
    assert "nile" not in registry_ids(store)
    with pytest.raises(ArticleNotFoundError):
        store.get("nile")
    assert [r.id for r in store.articles()] == ["chess"]
    assert_every_article_whole(store)

    monkeypatch.undo()
    [result] = store.write([nile])

    assert result.outcome == Outcome.ADDED
    assert result.chunks > 1
    assert store.get("nile").chunks == result.chunks
    assert_every_article_whole(store)


def test_an_update_whose_embedding_fails_keeps_the_previous_version_whole(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks.model_copy(update={"embed_batch_size": 1}))
    first = make_article("rice", "Rice prices climb", RICE)
    store.write([first])
    before = store.chunks("rice")
    # The one injected fault: the model's batch embedding raises on its second batch.
    fail_embedding_after(store, 1, monkeypatch)

    with pytest.raises(RuntimeError):
        store.write([make_article("rice", "Rice prices climb again", RICE + " " + NILE)])

    assert store.get("rice").content_hash == first.content_hash
    assert store.chunks("rice") == before
    assert_every_article_whole(store)

    monkeypatch.undo()
    [result] = store.write([make_article("rice", "Rice prices climb again", RICE + " " + NILE)])

    assert result.outcome == Outcome.UPDATED
    assert store.get("rice").title == "Rice prices climb again"
    assert_every_article_whole(store)


def test_an_article_that_failed_is_not_taken_for_the_original_of_a_copy(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one injected fault: the model's batch embedding raises.
    fail_embedding_after(store, 0, monkeypatch)
    with pytest.raises(RuntimeError):
        store.write([make_article("volcano-a", "Merapi erupts", VOLCANO)])
    monkeypatch.undo()

    [result] = store.write([make_article("volcano-b", "Merapi erupts", VOLCANO + " More soon.")])

    assert result.outcome == Outcome.ADDED
    assert result.article_id == "volcano-b"


# --- the process dies between writing chunks and committing them ------------------------------


def crash_instead_of_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The injected fault: the process "dies" once the chunks are in Chroma, before the commit."""

    def commit(*args: object, **kwargs: object) -> None:
        raise CrashError("died before the registry commit")

    monkeypatch.setattr(Registry, "commit", commit)


def crash_after(monkeypatch: pytest.MonkeyPatch, owner: type, name: str, message: str) -> None:
    """The injected fault: the process "dies" right after `owner.name` has done its work."""
    real = getattr(owner, name)

    def then_crash(self: object, *args: object, **kwargs: object) -> None:
        real(self, *args, **kwargs)
        raise CrashError(message)

    monkeypatch.setattr(owner, name, then_crash)


def test_a_crash_before_commit_leaves_no_new_article_after_a_restart(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    store.write([make_article("chess", "Chess", CHESS)])
    nile = make_article("nile", "Nile dam talks stall", NILE)
    crash_instead_of_commit(monkeypatch)

    with pytest.raises(CrashError):
        store.write([nile])
    assert raw_chunk_ids(store, "nile"), "the crash should come after the chunks were written"
    monkeypatch.undo()

    restarted = Store(small_chunks)

    assert raw_chunk_ids(restarted, "nile") == []
    assert "nile" not in registry_ids(restarted)
    assert [r.id for r in restarted.articles()] == ["chess"]
    assert_every_article_whole(restarted)

    [result] = restarted.write([nile])

    assert result.outcome == Outcome.ADDED
    assert restarted.get("nile").chunks == result.chunks > 1
    assert_every_article_whole(restarted)


def test_a_crash_an_earlier_version_left_is_rolled_back_after_an_upgrade(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Until registry version 3 a write in flight was marked `dirty: True`, a boolean.
    store = Store(small_chunks)
    store.write([make_article("chess", "Chess", CHESS)])
    crash_instead_of_commit(monkeypatch)
    with pytest.raises(CrashError):
        store.write([make_article("nile", "Nile dam talks stall", NILE)])
    monkeypatch.undo()
    keep_registry_in_chroma(store, 2, {"nile": {"dirty": True}})

    restarted = Store(small_chunks)

    assert raw_chunk_ids(restarted, "nile") == []
    assert "nile" not in registry_ids(restarted)
    assert [r.id for r in restarted.articles()] == ["chess"]
    assert_every_article_whole(restarted)


def test_a_crash_before_commit_keeps_the_earlier_version_after_a_restart(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    first = make_article("rice", "Rice prices climb", RICE)
    store.write([first])
    before = store.chunks("rice")
    second = make_article("rice", "Rice prices climb again", RICE + " " + VOLCANO)
    crash_instead_of_commit(monkeypatch)

    with pytest.raises(CrashError):
        store.write([second])
    assert len(raw_chunk_ids(store, "rice")) > len(before)
    monkeypatch.undo()

    restarted = Store(small_chunks)

    record = restarted.get("rice")
    assert record.content_hash == first.content_hash
    assert record.title == "Rice prices climb"
    assert record.chunks == len(before)
    assert restarted.chunks("rice") == before
    assert restarted.text("rice") == RICE
    assert_every_article_whole(restarted)

    [result] = restarted.write([second])

    assert result.outcome == Outcome.UPDATED
    assert restarted.get("rice").content_hash == second.content_hash
    assert restarted.get("rice").chunks == result.chunks
    assert_every_article_whole(restarted)


def test_an_update_that_crashed_leaves_its_kept_version_the_original_of_copies(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    store.write([make_article("rice", "Rice prices climb", RICE)])
    crash_after(
        monkeypatch,
        ArticleIndex,
        "add",
        "died after the new version's bands, before the registry commit",
    )
    with pytest.raises(CrashError):
        store.write([make_article("rice", "Rice and ash", RICE + " " + VOLCANO)])
    monkeypatch.undo()

    restarted = Store(small_chunks)
    copy, news = restarted.write(
        [
            make_article("rice-b", "Rice prices climb", RICE.replace("April", "May")),
            make_article("ash", "Rice and ash", RICE + " " + VOLCANO),
        ]
    )

    assert (copy.outcome, copy.article_id) == (Outcome.DUPLICATE, "rice")
    assert news.outcome == Outcome.ADDED  # the crashed version is no original
    assert (
        restarted.get("rice").content_hash
        == make_article("rice", "Rice prices climb", RICE).content_hash
    )
    assert_every_article_whole(restarted)


def test_a_crash_right_after_commit_keeps_the_new_version_after_a_restart(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    store.write([make_article("rice", "Rice prices climb", RICE + " " + VOLCANO)])
    second = make_article("rice", "Rice prices climb again", RICE)
    crash_after(
        monkeypatch,
        Registry,
        "commit",
        "died after the registry commit, before the old chunks were dropped",
    )
    with pytest.raises(CrashError):
        store.write([second])
    monkeypatch.undo()

    restarted = Store(small_chunks)

    record = restarted.get("rice")
    assert record.content_hash == second.content_hash
    assert " ".join(c.text for c in restarted.chunks("rice")).split() == RICE.split()
    assert_every_article_whole(restarted)
    assert restarted.write([second])[0].outcome == Outcome.UNCHANGED


def test_a_crash_while_removing_leaves_the_article_gone_after_a_restart(
    small_chunks: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(small_chunks)
    store.write([make_article("nile", "Nile", NILE), make_article("chess", "Chess", CHESS)])

    def delete(self: Registry, article_ids: object) -> None:
        raise CrashError("died before the record was deleted")

    monkeypatch.setattr(Registry, "delete", delete)
    with pytest.raises(CrashError):
        store.remove("nile")
    monkeypatch.undo()

    restarted = Store(small_chunks)

    assert [r.id for r in restarted.articles()] == ["chess"]
    assert raw_chunk_ids(restarted, "nile") == []
    assert_every_article_whole(restarted)


# --- a real kill -----------------------------------------------------------------------------

WORDS = (NILE + " " + RICE + " " + VOLCANO + " " + CHESS).replace(".", "").replace(",", "").split()

INGEST_SCRIPT = """
import os, signal, sys
from pathlib import Path

from ingest import Ingestor, IngestSettings
from store import Store, StoreSettings
from store._registry import Registry

data_dir, corpus, kill_at_commit = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kill_at_commit:
    real_commit = Registry.commit
    commits = 0

    def commit(self, *args, **kwargs):
        global commits
        commits += 1
        if commits == kill_at_commit:
            os.kill(os.getpid(), signal.SIGKILL)
        real_commit(self, *args, **kwargs)

    Registry.commit = commit
settings = StoreSettings(data_dir=Path(data_dir), chroma_host=None, chunk_size=40, chunk_overlap=0)
ingestor = Ingestor(Store(settings), IngestSettings(batch_size=4))
for result in ingestor.ingest([corpus]):
    print(result.outcome, result.article_id, flush=True)
"""


def write_corpus(path: Path, count: int = 30) -> list[dict[str, str]]:
    """`count` short articles of distinct (if meaningless) text, as a JSONL corpus."""
    rng = random.Random(7)
    records = []
    for number in range(count):
        sentences = [" ".join(rng.choices(WORDS, k=12)).capitalize() + "." for _ in range(5)]
        records.append(
            {
                "id": f"story-{number}",
                "title": f"Story {number}",
                "text": " ".join(sentences),
                "url": f"https://news.example/{number}",
            }
        )
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return records


def start_ingest(data_dir: Path, corpus: Path, kill_at_commit: int = 0) -> subprocess.Popen[str]:
    """`ingest` of the corpus in another process, printing each article's outcome as it goes."""
    with (corpus.parent / "ingest.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", INGEST_SCRIPT, str(data_dir), str(corpus), str(kill_at_commit)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )


def left_unfinished(settings: StoreSettings) -> tuple[list[str], list[str]]:
    """What the killed process left, before any repair: unfinished records, and their chunks."""
    client = chromadb.PersistentClient(
        path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    unfinished = list(Records(settings.data_dir / RECORDS_FILE, VERSION).in_flight())
    chunks = client.get_collection(f"{settings.collection}_chunks")
    return unfinished, chunks.get(where={"article_id": {"$in": unfinished or [""]}})["ids"]


def finish_after_kill(settings: StoreSettings, corpus: Path, records: list[dict[str, str]]) -> None:
    """Reopen the killed store: every article whole; ingest again: every article there."""
    store = Store(settings)
    assert_every_article_whole(store)
    before = len(store.articles())
    assert before < len(records), "the kill should come before the end"

    results = list(Ingestor(store, IngestSettings()).ingest([str(corpus)]))

    assert not [r for r in results if r.failed]
    assert [r.outcome for r in results].count(Outcome.UNCHANGED) == before
    assert len(store.articles()) == len(records)
    assert_every_article_whole(store)
    for record in records[::7]:
        [hit] = store.search(record["text"], k=1)
        assert hit.title == record["title"]


def test_an_ingest_killed_midway_leaves_only_whole_articles(
    small_chunks: StoreSettings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    records = write_corpus(corpus)
    database = small_chunks.chroma_dir / "chroma.sqlite3"
    process = start_ingest(small_chunks.data_dir, corpus)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("added"), "the first batch should have been stored"
        # Kill as the next batch starts going into Chroma: a few milliseconds into its writes.
        # (The test cannot ask: one process owns an embedded Chroma folder.)
        written = database.stat().st_mtime_ns
        deadline = time.monotonic() + 30
        while database.stat().st_mtime_ns == written and time.monotonic() < deadline:
            if Path(f"{database}-journal").exists() or process.poll() is not None:
                break
            time.sleep(0.0005)
        time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    finish_after_kill(small_chunks, corpus, records)


def test_an_ingest_killed_between_chunks_and_commit_leaves_only_whole_articles(
    small_chunks: StoreSettings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    records = write_corpus(corpus)
    # The ingest SIGKILLs itself at the worst moment: the second batch's chunks are in Chroma,
    # the registry does not know them yet.
    process = start_ingest(small_chunks.data_dir, corpus, kill_at_commit=2)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(stdout.splitlines()) == 4, "only the first batch should have been reported"
    unfinished, their_chunks = left_unfinished(small_chunks)
    assert len(unfinished) == 4
    assert len(their_chunks) >= 4

    finish_after_kill(small_chunks, corpus, records)
