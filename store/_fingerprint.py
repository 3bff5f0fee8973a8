"""Near-duplicate detection: MinHash signatures over word shingles, compared in bulk."""

from __future__ import annotations

import base64
import re

import numpy as np
from datasketch import MinHash

_NUM_PERM = 128
_SHINGLE = 3
_WORD = re.compile(r"\w+")


def fingerprint(text: str) -> np.ndarray:
    """A MinHash signature of the text's 3-word shingles (lower-cased words)."""
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    minhash = MinHash(num_perm=_NUM_PERM)
    minhash.update_batch([s.encode() for s in shingles])
    signature: np.ndarray = minhash.hashvalues.astype(np.uint64)
    return signature


def encode(signature: np.ndarray) -> str:
    """The signature as text, for a metadata field."""
    return base64.b64encode(signature.astype("<u4").tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray:
    """The signature stored by `encode`."""
    return np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint64)


class FingerprintIndex:
    """Signatures of the stored articles, searched for the closest to a new one.

    Usage::

        index = FingerprintIndex()
        index.add("a1", fingerprint(text))
        index.find(fingerprint(other_text), threshold=0.85)   # "a1" when near-identical
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        # Grown by doubling, so adding thousands of articles one by one stays linear.
        self._matrix = np.zeros((64, _NUM_PERM), dtype=np.uint64)
        self._alive = np.zeros(64, dtype=bool)

    def add(self, article_id: str, signature: np.ndarray) -> None:
        """Remember an article's signature (replacing an earlier one of the same id)."""
        row = self._rows.get(article_id)
        if row is None:
            row = len(self._ids)
            if row == len(self._matrix):
                self._matrix = np.vstack([self._matrix, np.zeros_like(self._matrix)])
                self._alive = np.concatenate([self._alive, np.zeros_like(self._alive)])
            self._ids.append(article_id)
            self._rows[article_id] = row
        self._matrix[row] = signature
        self._alive[row] = True

    def remove(self, article_id: str) -> None:
        """Forget an article."""
        row = self._rows.pop(article_id, None)
        if row is not None:
            self._alive[row] = False

    def find(self, signature: np.ndarray, threshold: float, exclude: str = "") -> str | None:
        """The id of the most similar article at or above `threshold`, if any."""
        count = len(self._ids)
        similarity = (self._matrix[:count] == signature).mean(axis=1)
        similarity[~self._alive[:count]] = 0.0
        if exclude in self._rows:
            similarity[self._rows[exclude]] = 0.0
        if count == 0 or similarity.max() < threshold:
            return None
        return self._ids[int(similarity.argmax())]
