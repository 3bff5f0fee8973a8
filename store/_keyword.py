"""Keyword search: BM25 (bm25s) over chunk texts."""

from __future__ import annotations

import bm25s
import numpy as np

# English function words carry no signal in any corpus here; Indonesian ones get a low IDF anyway.
_STOPWORDS = "en"


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased word tokens of each text, English stop words removed."""
    tokens: list[list[str]] = bm25s.tokenize(
        texts, stopwords=_STOPWORDS, return_ids=False, show_progress=False
    )
    return tokens


class KeywordIndex:
    """BM25 scores of every chunk for a query, and how well a query's words fit the corpus.

    bm25s has no incremental update, so the index is built whole; building 10,000 chunks takes
    about a second.

    Usage::

        index = KeywordIndex(["Turki mendukung GNA", "LNA didukung Mesir"])
        index.scores("siapa mendukung LNA")      # array of one score per text
        index.coverage("who backs the LNA")      # 0.5: "backs" is not a word of the corpus
    """

    def __init__(self, texts: list[str]) -> None:
        self._bm25 = bm25s.BM25()
        self._size = len(texts)
        if texts:
            self._bm25.index(tokenize(texts), show_progress=False)
        self._vocabulary: frozenset[str] = frozenset(getattr(self._bm25, "vocab_dict", {}) or {})

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per indexed text (zeros when no word of the query is known)."""
        terms = [t for t in tokenize([query])[0] if t in self._vocabulary]
        if not terms:
            return np.zeros(self._size, dtype=np.float32)
        scores: np.ndarray = self._bm25.get_scores(terms)
        return scores

    def coverage(self, query: str) -> float:
        """The share of the query's words that occur in the corpus at all.

        Near 1 when the question is in the passages' language; low for an English question over
        Indonesian passages, where only names match. Fusion weighs keyword search by it.
        """
        terms = tokenize([query])[0]
        if not terms:
            return 0.0
        return sum(t in self._vocabulary for t in terms) / len(terms)
