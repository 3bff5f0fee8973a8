"""Near-duplicate detection: MinHash signatures over word shingles, and LSH bands to find them."""

from __future__ import annotations

import base64
import hashlib
import re

import numpy as np
from datasketch import MinHash

_NUM_PERM = 128
_SHINGLE = 3
_WORD = re.compile(r"\w+")
# Every value in some band: 32 bands of 4 cover the 128.
_BANDS = 32
_ROWS = _NUM_PERM // _BANDS
#: The lowest duplicate threshold at which the bands find every original (31 of 128 differ).
GUARANTEED = 1 - (_BANDS - 1) / _NUM_PERM


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


def bands(signature: np.ndarray) -> list[int]:
    """The signature's LSH bands: a hash of each band's index and its `_ROWS` values.

    Two signatures at an estimated similarity of `GUARANTEED` or more differ in at most
    `_BANDS - 1` of their values, so at least one band is the same in both: looking a copy up
    by its bands finds every original that comparing whole signatures would.
    """
    rows = signature.astype("<u4").reshape(_BANDS, _ROWS)
    return [
        int.from_bytes(
            hashlib.blake2b(bytes([i]) + row.tobytes(), digest_size=8).digest(),
            "little",
            signed=True,
        )
        for i, row in enumerate(rows)
    ]


class FingerprintIndex:
    """Signatures held in memory, searched for the closest to a new one.

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

    def add(self, article_id: str, signature: np.ndarray) -> None:
        """Remember an article's signature (replacing an earlier one of the same id)."""
        row = self._rows.get(article_id)
        if row is None:
            row = len(self._ids)
            if row == len(self._matrix):
                self._matrix = np.vstack([self._matrix, np.zeros_like(self._matrix)])
            self._ids.append(article_id)
            self._rows[article_id] = row
        self._matrix[row] = signature

    def find(self, signature: np.ndarray, threshold: float, exclude: str = "") -> str | None:
        """The id of the most similar article at or above `threshold`, if any."""
        count = len(self._ids)
        similarity = (self._matrix[:count] == signature).mean(axis=1)
        if exclude in self._rows:
            similarity[self._rows[exclude]] = 0.0
        if count == 0 or similarity.max() < threshold:
            return None
        return self._ids[int(similarity.argmax())]
