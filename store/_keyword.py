"""Keyword search: BM25 over chunk texts in a tantivy index on disk, in the store's data folder.

The index is updated chunk by chunk by the store's writes, read by every process that opens the
store (each reader follows the writers' commits by itself), and searched top-k with the filters
inside the query, so no process holds the collection in memory or scores every chunk.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import tantivy
from chromadb.api.models.Collection import Collection
from llama_index.core.schema import BaseNode

from ._article import SITE_KEY
from ._chunking import published_day
from ._filters import SearchFilters, day_number
from ._tantivy import drop_other_versions, open_index, writing

# Words of two letters or more, as bm25s (the keyword search this replaced) split them.
_WORD_PATTERN = r"\w{2,}"
_ANALYZER = "kabar"
# Records what the index was built with; an index of other words or fields is built again.
_STAMP_FILE = "kabar-analyzer.txt"
_LAYOUT = 3  # raise whenever `_schema` changes
_PAGE = 2000
# BM25 as bm25s (the keyword search this replaced, and fusion's weights were measured with)
# scored: Lucene's, k1 1.5, b 0.75, exact lengths. tantivy's own (k1 1.2, lengths rounded to a
# byte) picks `_POOL` times the candidates asked for, which are scored again so: FacQA with 3,463
# distractors, hybrid R@1 0.875 on tantivy's scores, 0.881 (as with bm25s) rescored.
_K1, _B = 1.5, 0.75
_POOL = 3
# Words whose chunk counts a view of one commit remembers at most.
_DOC_FREQS = 4096


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("article_id", tokenizer_name="raw")
    builder.add_text_field("version", tokenizer_name="raw")
    # Term frequencies are all BM25 needs: no positions. Not stored: Chroma holds the one copy
    # of each text, and a stored copy here is mapped into every reader (see `search`).
    builder.add_text_field("text", tokenizer_name=_ANALYZER, index_option="freq")
    builder.add_text_field("site", tokenizer_name="raw")
    builder.add_text_field("language", tokenizer_name="raw")
    builder.add_integer_field("day", indexed=True, fast=True)
    return builder.build()


_SCHEMA = _schema()


# Lucene's English stop set (as bm25s had it): short, so that the question words an English
# question brings ("who", "which") still count as words the collection does not know, which is
# what tells fusion to trust keyword search less across languages (see `coverage`). NLTK's
# Indonesian list (758 words, "tahun" and "bulan" among them) was measured and left out: hybrid
# R@1 on FacQA with 3,463 distractors 0.881 -> 0.871, TyDi-id R@5 0.986 -> 0.984.
# fmt: off
_ENGLISH = (
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with"
)
# fmt: on


@functools.cache
def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(_WORD_PATTERN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(list(_ENGLISH)))
        .build()
    )


def tokenize(text: str) -> list[str]:
    """The lower-cased words of `text` that keyword search matches, stop words removed."""
    return _analyzer().analyze(text)


def _stamp() -> str:
    layout = f"{_LAYOUT} {_WORD_PATTERN} {' '.join(_ENGLISH)}"
    return hashlib.sha256(layout.encode()).hexdigest()


class KeywordIndex:
    """BM25 search over the chunks in a folder, and how well a query's words fit them.

    Usage::

        index = KeywordIndex(data_dir / "keyword")
        index.add(nodes)                                   # upserts, committed at once
        index.search("siapa mendukung LNA", 30, texts)     # [(chunk id, BM25 score), ...]
        index.coverage("who backs the LNA")                # 0.5: "backs" is in no chunk
        index.drop("article-1", keep_version=content_hash) # its chunks of other versions
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._index = open_index(folder, _SCHEMA)
        self._index.register_tokenizer(_ANALYZER, _analyzer())
        # Reloaded by `_current` when a commit (of any process or store) has changed meta.json:
        # tantivy's own watch reloads a moment later, and a question may come in between.
        self._index.config_reader(reload_policy="manual")
        self._view: _View | None = None

    def stale(self) -> bool:
        """Whether the index must be built again from the chunks (new, upgraded, or reindexed)."""
        stamp = self._folder / _STAMP_FILE
        return not stamp.exists() or stamp.read_text(encoding="ascii") != _stamp()

    def __len__(self) -> int:
        return int(self._current().searcher.num_docs)

    def search(
        self,
        query: str,
        k: int,
        texts: Callable[[Sequence[str]], Mapping[str, str]],
        filters: SearchFilters | None = None,
    ) -> list[tuple[str, float]]:
        """The ids of the `k` best chunks by BM25 that pass the filters, with scores, best first.

        `texts` reads the candidates' texts by id (from Chroma) to score them exactly; one it
        does not return (deleted meanwhile by another process) is no hit. The index keeps no
        copy of the texts: tantivy reads stored fields through a memory map, and the kernel's
        read-ahead around each one made most of the stored texts resident in every reader
        (measured at 1M chunks: 422 MB of the process's RSS after 200 questions).
        """
        terms = Counter(tokenize(query))
        if not terms:
            return []
        words = [(tantivy.Occur.Should, _term(term, count)) for term, count in terms.items()]
        must = _filter_clauses(filters or SearchFilters())
        # One flat query: a union of words alone is what tantivy's block-max WAND top-k prunes.
        wanted = tantivy.Query.boolean_query(
            [*words, *must], minimum_number_should_match=1 if must else None
        )
        view = self._current()
        searcher = view.searcher
        hits = searcher.search(wanted, limit=_POOL * k, count=False).hits
        if not hits:
            return []
        pool = [(str(searcher.doc(address)["id"][0]), float(score)) for score, address in hits]
        found = texts([chunk_id for chunk_id, _ in pool])
        average = view.average(wanted, hits[0][1])
        if average is None:  # an explanation of another form: tantivy's scores as they are
            return [(chunk_id, score) for chunk_id, score in pool if chunk_id in found][:k]
        idf = {
            term: math.log(1 + (searcher.num_docs - df + 0.5) / (df + 0.5))
            for term in terms
            for df in [view.doc_freq(term)]
        }
        scored = [
            (chunk_id, _bm25(found[chunk_id], terms, idf, average))
            for chunk_id, _ in pool
            if chunk_id in found
        ]
        return sorted(scored, key=lambda hit: hit[1], reverse=True)[:k]

    def coverage(self, query: str) -> float:
        """The share of the query's words that occur in some chunk.

        Near 1 when the question is in the passages' language; low for an English question over
        Indonesian passages, where only names match. Fusion weighs keyword search by it.
        """
        terms = tokenize(query)
        if not terms:
            return 0.0
        view = self._current()
        return sum(view.doc_freq(term) > 0 for term in terms) / len(terms)

    def add(self, nodes: Sequence[BaseNode]) -> None:
        """Index the chunks; a chunk indexed before is replaced, so adding again is harmless."""
        with self._writing() as writer:
            for node in nodes:
                writer.delete_documents_by_term("id", node.node_id)
                writer.add_document(_document(node.node_id, node.get_content(), node.metadata))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove these chunks."""
        with self._writing() as writer:
            for chunk_id in chunk_ids:
                writer.delete_documents_by_term("id", chunk_id)

    def drop(self, article_id: str, keep_version: str = "") -> None:
        """Remove the article's chunks of other versions than `keep_version` (all when empty)."""
        with self._writing() as writer:
            drop_other_versions(writer, _SCHEMA, article_id, keep_version)

    def _current(self) -> _View:
        """The view of the last commit of any process: one stat of meta.json per question."""
        meta = (self._folder / "meta.json").stat()
        # Each commit writes meta.json anew (a new file renamed over the old: a new inode), so
        # two commits within one tick of the file system's clock still differ.
        committed = (meta.st_ino, meta.st_mtime_ns, meta.st_size)
        view = self._view
        if view is None or view.commit != committed:
            self._index.reload()
            view = self._view = _View(committed, self._index.searcher())
        return view

    def invalidate(self) -> None:
        """Mark the index for a rebuild: whoever opens the store next builds it again."""
        (self._folder / _STAMP_FILE).unlink(missing_ok=True)

    def rebuild(self, collection: Collection) -> None:
        """Index every chunk of the collection anew, page by page, in one commit."""
        with self._writing() as writer:
            writer.delete_all_documents()
            offset = 0
            while True:
                page = collection.get(
                    include=["documents", "metadatas"], limit=_PAGE, offset=offset
                )
                documents, metadatas = page["documents"] or [], page["metadatas"] or []
                for i, document, metadata in zip(page["ids"], documents, metadatas, strict=True):
                    writer.add_document(_document(i, document or "", metadata))
                offset += len(page["ids"])
                if len(page["ids"]) < _PAGE:
                    break
        stamp = self._folder / f"{_STAMP_FILE}.{os.getpid()}"
        stamp.write_text(_stamp(), encoding="ascii")
        stamp.replace(self._folder / _STAMP_FILE)

    def _writing(self) -> AbstractContextManager[tantivy.IndexWriter]:
        return writing(self._index, self._folder)


class _View:
    """A searcher over one commit, with what the questions asked of it share.

    The average chunk length is the same for every question until the next commit, so
    tantivy's explanation of a score (a JSON tree) is read once per commit, not per question;
    a question's words are counted once for its search and its coverage.
    """

    def __init__(self, commit: tuple[int, int, int], searcher: tantivy.Searcher) -> None:
        self.commit = commit
        self.searcher = searcher
        self._average: tuple[float | None] | None = None
        self._doc_freqs: dict[str, int] = {}

    def average(self, query: tantivy.Query, address: tantivy.DocAddress) -> float | None:
        """The average chunk length, from the explanation of a hit's score (None if absent)."""
        if self._average is None:
            explained = json.loads(query.explain(self.searcher, address).to_json())
            self._average = (_explained(explained, "avgdl"),)
        return self._average[0]

    def doc_freq(self, term: str) -> int:
        """How many chunks hold the word; the last `_DOC_FREQS` words asked are remembered."""
        found = self._doc_freqs.get(term)
        if found is None:
            if len(self._doc_freqs) >= _DOC_FREQS:
                self._doc_freqs.clear()
            found = self._doc_freqs[term] = int(self.searcher.doc_freq("text", term))
        return found


def _explained(node: dict[str, object], name: str) -> float | None:
    """The value tantivy's explanation of a score gives for `name` (as "avgdl, ...")."""
    if str(node.get("description", "")).startswith(f"{name},"):
        return float(str(node["value"]))
    details = node.get("details")
    for child in details if isinstance(details, list) else []:
        found = _explained(child, name)
        if found is not None:
            return found
    return None


def _bm25(text: str, terms: Counter[str], idf: dict[str, float], average: float) -> float:
    """Lucene's BM25 of a text for the query's terms (see `_K1`)."""
    counts = Counter(tokenize(text))
    norm = _K1 * (1 - _B + _B * sum(counts.values()) / average)
    return sum(
        repeat * idf[term] * counts[term] / (counts[term] + norm)
        for term, repeat in terms.items()
        if counts[term]
    )


def _document(chunk_id: str, text: str, metadata: Mapping[str, object]) -> tantivy.Document:
    return tantivy.Document(
        id=chunk_id,
        article_id=str(metadata.get("article_id", "")),
        version=str(metadata.get("content_hash", "")),
        text=text,
        site=str(metadata.get(SITE_KEY, "")),
        language=str(metadata.get("language", "")),
        day=published_day(str(metadata.get("published", ""))),
    )


def _days(since: int, until: int | None) -> tantivy.Query:
    """Chunks whose day number is from `since` to `until` (open-ended when None)."""
    return tantivy.Query.range_query(
        _SCHEMA, "day", tantivy.FieldType.Integer, lower_bound=since, upper_bound=until
    )


def _exact(field: str, value: str) -> tantivy.Query:
    return tantivy.Query.term_query(_SCHEMA, field, value)


def _term(term: str, count: int) -> tantivy.Query:
    """A query word, counted as often as the query repeats it (as bm25s counted it)."""
    query = _exact("text", term)
    return query if count == 1 else tantivy.Query.boost_query(query, float(count))


def _filter_clauses(filters: SearchFilters) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    """The filters as clauses that must match and add nothing to the score.

    A chunk without a date (day 0) passes no date range, and only it passes `undated`.
    """
    queries = []
    if filters.site:
        queries.append(_exact("site", filters.site))
    if filters.language:
        queries.append(_exact("language", filters.language))
    if filters.since or filters.until:
        since = day_number(filters.since) if filters.since else 1
        queries.append(_days(since, day_number(filters.until) if filters.until else None))
    if filters.undated:
        queries.append(_days(0, 0))
    return [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in queries]
