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
        self._rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

    def add(self, article_id: str, signature: np.ndarray) -> None:
        """Remember an article's signature (replacing an earlier one of the same id)."""
        self.remove(article_id)
        self._ids.append(article_id)
        self._rows.append(signature)
        self._matrix = None

    def remove(self, article_id: str) -> None:
        """Forget an article."""
        if article_id in self._ids:
            at = self._ids.index(article_id)
            del self._ids[at], self._rows[at]
            self._matrix = None

    def find(self, signature: np.ndarray, threshold: float, exclude: str = "") -> str | None:
        """The id of the most similar article at or above `threshold`, if any."""
        if not self._rows:
            return None
        if self._matrix is None:
            self._matrix = np.vstack(self._rows)
        similarity = (self._matrix == signature).mean(axis=1)
        for at in np.argsort(-similarity):
            if similarity[at] < threshold:
                return None
            if self._ids[at] != exclude:
                return str(self._ids[at])
        return None
