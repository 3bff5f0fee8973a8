"""The keyword index on disk: BM25 top-k with filters, kept in step with every write, crash and
process that shares it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
import tantivy

from store import Chunker, Mode, SearchFilters, Store, StoreSettings
from store._keyword import KeywordIndex, tokenize
from tests.conftest import ROOT
from tests.store.conftest import CHESS, MERAPI_ID, NILE, make_article
from tests.store.test_atomic import assert_every_article_whole


def keyword_ids(settings: StoreSettings) -> set[str]:
    """Every chunk id the keyword index holds, read straight from its folder."""
    index = tantivy.Index.open(str(settings.data_dir / "keyword"))
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=100_000).hits
    return {searcher.doc(address)["id"][0] for _, address in hits}


def chroma_ids(store: Store) -> set[str]:
    return set(store._chunks.get(include=[])["ids"])


class Indexed:
    """A keyword index of articles' chunks, with their texts at hand, embedding nothing.

    The index keeps no texts; the store reads them from Chroma, and these tests from `texts`.
    """

    def __init__(self, folder: Path) -> None:
        self.index = KeywordIndex(folder)
        self.texts: dict[str, str] = {}

    def add(self, *articles: object) -> None:
        nodes = [node for article in articles for node in Chunker().chunk(article)]  # type: ignore[arg-type]
        self.texts |= {node.node_id: node.get_content() for node in nodes}
        self.index.add(nodes)

    def read(self, ids: Sequence[str]) -> dict[str, str]:
        return {i: self.texts[i] for i in ids if i in self.texts}

    def search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[str, float]]:
        return self.index.search(query, k, self.read, filters)

    def coverage(self, query: str) -> float:
        return self.index.coverage(query)


def indexed(tmp_path: Path, *articles: object) -> Indexed:
    """A keyword index of the articles' chunks, without embedding anything."""
    index = Indexed(tmp_path / "keyword")
    index.add(*articles)
    return index


def test_coverage_tells_how_many_question_words_the_passages_know(tmp_path: Path) -> None:
    index = indexed(tmp_path, make_article("merapi", "Merapi", MERAPI_ID, language="id"))

    assert index.coverage("Merapi erupsi") == 1.0
    assert index.coverage("volcano Merapi") == 0.5
    assert index.coverage("volcano eruption") == 0.0


def test_scores_after_a_commit_are_those_of_an_index_opened_afresh(tmp_path: Path) -> None:
    index = indexed(tmp_path, make_article("nile", "Nile", NILE))
    before = index.search("Nile dam talks", k=5)
    # Long chunks change the collection's average length, which BM25 divides by.
    index.add(make_article("chess", "Chess", " ".join([CHESS] * 4)))

    after = index.search("Nile dam talks", k=5)

    afresh = KeywordIndex(tmp_path / "keyword")
    assert after == afresh.search("Nile dam talks", 5, index.read)
    assert [i for i, _ in after] == [i for i, _ in before]
    assert after != before
    assert index.coverage("chess dam") == 1.0


def test_english_function_words_match_nothing(tmp_path: Path) -> None:
    index = indexed(tmp_path, make_article("nile", "Nile", NILE))

    assert tokenize("Who backs the LNA in Libya?") == ["who", "backs", "lna", "libya"]
    assert index.search("the of and in to", k=5) == []
    assert index.coverage("the of and") == 0.0
    assert [i.split(":")[0] for i, _ in index.search("the Nile dam", k=5)] == ["nile"]


def test_filters_are_applied_inside_the_search_before_the_top_k(tmp_path: Path) -> None:
    index = indexed(
        tmp_path,
        make_article(
            "a", "Ash", "Ash ash ash over the town.", site="antara", published="2021-07-04"
        ),
        make_article("b", "Ash", "Ash fell on the town.", site="kompas", published="2020-01-02"),
        make_article("c", "Ash", "Some ash fell on a village road.", site="kompas", language="id"),
    )

    def best(filters: SearchFilters) -> list[str]:
        return [i.split(":")[0] for i, _ in index.search("ash", k=1, filters=filters)]

    assert best(SearchFilters()) == ["a"]
    assert best(SearchFilters(site="kompas")) == ["b"]
    assert best(SearchFilters(language="id")) == ["c"]
    assert best(SearchFilters(until=date(2020, 12, 31))) == ["b"]
    assert best(SearchFilters(since=date(2021, 1, 1))) == ["a"]
    # The undated chunk passes no date filter; the site's dated one is the only answer.
    assert index.search("village", k=5, filters=SearchFilters(since=date(1, 1, 1))) == []
    assert best(SearchFilters(site="tempo")) == []


def test_an_update_and_a_removal_reach_the_keyword_index(
    store: Store, store_settings: StoreSettings
) -> None:
    store.write([make_article("chess", "Teen wins chess title", CHESS)])
    # Same length and chunk count, other words: an update the chunk count cannot tell.
    update = CHESS.replace("checkmate", "stalemate").replace("rook", "bishop")
    [result] = store.write([make_article("chess", "Teen wins chess title", update)])

    assert result.chunks == store.get("chess").chunks
    assert store.search("checkmate", k=3, mode=Mode.KEYWORD) == []
    [hit] = store.search("stalemate bishop", k=3, mode=Mode.KEYWORD)
    assert "stalemate" in hit.text
    assert keyword_ids(store_settings) == chroma_ids(store)

    store.remove("chess")

    assert store.search("stalemate bishop", k=3, mode=Mode.KEYWORD) == []
    assert keyword_ids(store_settings) == set()


def test_a_store_without_its_keyword_index_builds_it_at_open(
    store: Store, store_settings: StoreSettings
) -> None:
    store.write([make_article("chess", "Teen wins chess title", CHESS)])
    # As a store made before the keyword index was kept on disk.
    shutil.rmtree(store_settings.data_dir / "keyword")

    reopened = Store(store_settings)

    assert [c.article_id for c in reopened.search("checkmate", k=3, mode=Mode.KEYWORD)] == ["chess"]
    assert keyword_ids(store_settings) == chroma_ids(reopened)


def test_a_chunk_the_index_knows_but_chroma_lost_is_no_candidate_and_no_error(
    store: Store,
) -> None:
    store.write([make_article("chess", "Teen wins chess title", CHESS)])
    store.write([make_article("nile", "Nile dam talks stall", NILE)])
    # What a reader sees when another process deleted the chunk after its index was read.
    store._chunks.delete(where={"article_id": "chess"})

    assert store.search("checkmate", k=3, mode=Mode.KEYWORD) == []
    assert [c.article_id for c in store.search("checkmate dam", k=3)] == ["nile"]


HOLD_WRITER = """
import sys, time
import tantivy
index = tantivy.Index.open(sys.argv[1])
writer = index.writer(heap_size=15_000_000, num_threads=1)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_write_waits_while_another_process_writes_the_index(tmp_path: Path) -> None:
    index = indexed(tmp_path, make_article("nile", "Nile", NILE))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(tmp_path / "keyword"), "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"

        index.add(make_article("chess", "Chess", CHESS))

        assert holder.poll() == 0, "the write should have waited for the other writer to end"
    finally:
        holder.kill()
        holder.wait()
    assert [i.split(":")[0] for i, _ in index.search("checkmate", k=3)] == ["chess"]


# --- a writer killed midway ------------------------------------------------------------------

KILLED_WRITER = """
import sys, time
from pathlib import Path

from store import Store, StoreSettings
from store._keyword import KeywordIndex
from store._registry import Registry
from tests.store.conftest import NILE, RICE, VOLCANO, make_article

data_dir, point = Path(sys.argv[1]), sys.argv[2]
settings = StoreSettings(data_dir=data_dir, chroma_host=None, chunk_size=40, chunk_overlap=0)
store = Store(settings)
store.write([make_article("rice", "Rice prices climb", RICE)])


def pause():
    print("paused", flush=True)
    time.sleep(120)


def hooked(real, before):
    def call(*args, **kwargs):
        if before:
            pause()
        real(*args, **kwargs)
        pause()
    return call


if point == "after the chunks went into Chroma":
    KeywordIndex.add = hooked(KeywordIndex.add, before=True)
elif point == "after the keyword index took them":
    KeywordIndex.add = hooked(KeywordIndex.add, before=False)
else:
    Registry.commit = hooked(Registry.commit, before=False)
store.write(
    [
        make_article("rice", "Rice prices climb again", RICE + " " + VOLCANO),
        make_article("nile", "Nile dam talks stall", NILE),
    ]
)
"""


@pytest.mark.parametrize(
    "point",
    [
        "after the chunks went into Chroma",
        "after the keyword index took them",
        "after the registry commit",
    ],
)
def test_a_writer_killed_midway_leaves_chroma_registry_and_keyword_index_agreeing(
    small_chunks: StoreSettings, point: str
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(small_chunks.data_dir), point],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "paused\n"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL

    store = Store(small_chunks)

    assert_every_article_whole(store)
    assert keyword_ids(small_chunks) == chroma_ids(store)
    committed = point == "after the registry commit"
    assert sorted(r.id for r in store.articles()) == (["nile", "rice"] if committed else ["rice"])
    volcano = store.search("Merapi ash Yogyakarta", k=3, mode=Mode.KEYWORD)
    assert bool(volcano) == committed
    assert {c.article_id for c in volcano} <= {"rice"}


def test_the_index_keeps_no_copy_of_the_texts(store: Store, store_settings: StoreSettings) -> None:
    store.write([make_article("chess", "Teen wins chess title", CHESS)])
    index = tantivy.Index.open(str(store_settings.data_dir / "keyword"))
    searcher = index.searcher()
    [(_, address)] = searcher.search(tantivy.Query.all_query(), limit=10).hits

    assert set(searcher.doc(address).to_dict()) == {"id"}
    [hit] = store.search("checkmate", k=3, mode=Mode.KEYWORD)
    assert "checkmate" in hit.text
