"""A chunk's sentences, and their vectors packed small enough to ride in the chunk's metadata.

Sentence vectors are computed once, at ingest: scoring a question against a passage's best
sentence as well as the whole passage finds answers that one long passage vector dilutes, and the
extractive answer quotes the best sentences without embedding anything per question.
"""

from __future__ import annotations

import base64
import functools
import re

import numpy as np
from llama_index.core.utils import globals_helper
from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTokenizer

Span = tuple[int, int]

_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"\w+")
_MIN_WORDS = 3
# Abbreviations the English Punkt model does not know, most of them Indonesian: titles and
# degrees (dr., Ir., Prof., S.H.), addresses (Jl., No., Kec.), companies (PT, Tbk.) and the
# like; not "dll." or "tsb.", which end sentences as often as not. Lower-case, without the final
# period, as Punkt keeps them.
# fmt: off
_MORE_ABBREVIATIONS = frozenset((
    "dr", "dra", "drg", "drs", "ir", "prof", "hj", "kh", "bpk", "sdr", "yth",     # titles
    "s.e", "s.h", "s.kom", "s.pd", "s.t", "m.h", "m.si", "m.t",                   # degrees
    "brigjen", "irjen", "jend", "kapt", "kol", "letjen", "mayjen",               # ranks
    "jl", "jln", "no", "kab", "kec", "kel", "prov",                              # addresses
    "pt", "cv", "tbk", "rp",                                                     # business
    "a.n", "u.p", "tgl", "ttd",                                                  # writing
    "a.m", "p.m", "e.g", "i.e", "gov", "vs",                                     # English
))
# fmt: on


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of each sentence of `text`; a line break always ends a sentence.

    Usage::

        sentence_spans("Turki mendukung GNA. Mesir mendukung LNA.")   # [(0, 20), (21, 41)]
    """
    tokenizer = _tokenizer()
    spans: list[Span] = []
    for line in _PARAGRAPH.finditer(text):
        for start, end in tokenizer.span_tokenize(line.group()):
            span = (line.start() + start, line.start() + end)
            # A stray fragment ("." or "2020.") is no sentence of its own: it joins the last one.
            same_line = bool(spans) and spans[-1][0] >= line.start()
            if same_line and len(_WORD.findall(text[span[0] : span[1]])) < _MIN_WORDS:
                spans[-1] = (spans[-1][0], span[1])
            else:
                spans.append(span)
    return spans


@functools.cache
def _tokenizer() -> PunktSentenceTokenizer:
    """English Punkt, trained (as NLTK ships it inside LlamaIndex), plus Indonesian abbreviations.

    Without its abbreviations Punkt cuts "in the U.S." / "were delayed." and "dr." / "Andi".
    """
    _ = globals_helper.punkt_tokenizer  # puts LlamaIndex's bundled NLTK data on NLTK's path
    tokenizer = PunktTokenizer("english")
    # Punkt takes abbreviations only through its parameters; there is no public setter.
    tokenizer._params.abbrev_types.update(_MORE_ABBREVIATIONS)
    return tokenizer


def format_spans(spans: list[Span]) -> str:
    """Spans as Chroma can store them: "0-20 21-41"."""
    return " ".join(f"{start}-{end}" for start, end in spans)


def parse_spans(value: object) -> list[Span]:
    """The spans `format_spans` wrote; none for a chunk stored without them."""
    if not isinstance(value, str) or not value:
        return []
    pairs = (item.split("-") for item in value.split())
    return [(int(start), int(end)) for start, end in pairs]


def pack_vectors(vectors: np.ndarray) -> str:
    """Unit vectors as base64 int8, one byte per dimension.

    Each vector is scaled by its own largest component before rounding; `unpack_vectors`
    normalises again, so no scale needs storing and cosines move by well under 0.01.
    """
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    quantized = np.round(vectors / np.maximum(peak, 1e-12) * 127).astype(np.int8)
    return base64.b64encode(quantized.tobytes()).decode("ascii")


def unpack_vectors(packed: object, dimension: int) -> np.ndarray:
    """Unit float32 vectors from `pack_vectors`; an empty (0, dimension) array when absent."""
    if not isinstance(packed, str) or not packed:
        return np.zeros((0, dimension), dtype=np.float32)
    raw = np.frombuffer(base64.b64decode(packed), dtype=np.int8).astype(np.float32)
    vectors = raw.reshape(-1, dimension)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalized: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return normalized
