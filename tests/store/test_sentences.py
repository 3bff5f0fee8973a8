"""Sentences of a chunk and their packed vectors; names and the acronyms beside them."""

from __future__ import annotations

import numpy as np

from store._aliases import alias_variants, question_names
from store._sentences import (
    format_spans,
    pack_vectors,
    parse_spans,
    sentence_spans,
    unpack_vectors,
)


def test_sentences_end_at_line_breaks_and_fragments_join_the_sentence_before() -> None:
    text = "Judul Berita\n\nDi Kairo, para menteri menolak. . hak pengeboran gas. Ya."

    sentences = [text[a:b] for a, b in sentence_spans(text)]

    assert sentences == [
        "Judul Berita",
        "Di Kairo, para menteri menolak. .",
        "hak pengeboran gas. Ya.",
    ]


def split(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_english_sentences_run_on_past_abbreviations() -> None:
    assert split(
        "More than 10,000 flights in the U.S. were delayed on Friday. Airlines blamed the storms"
        " over Texas. Elon Musk's Twitter Inc. is being sued for failing to pay $136,250 in rent."
        " Mrs. Smith met Dr. Jones at 9 a.m. on Monday."
    ) == [
        "More than 10,000 flights in the U.S. were delayed on Friday.",
        "Airlines blamed the storms over Texas.",
        "Elon Musk's Twitter Inc. is being sued for failing to pay $136,250 in rent.",
        "Mrs. Smith met Dr. Jones at 9 a.m. on Monday.",
    ]


def test_indonesian_sentences_run_on_past_abbreviations() -> None:
    assert split(
        "Pasien dirawat dr. Andi di RS di Jl. Sudirman No. 5 bersama H. Ahmad. Ia pulang kemarin"
        " sore. PT Semen Indonesia Tbk. mencatat laba bersih naik tajam. Gelar S.H. diraih Ir."
        " Budi dari kampus itu."
    ) == [
        "Pasien dirawat dr. Andi di RS di Jl. Sudirman No. 5 bersama H. Ahmad.",
        "Ia pulang kemarin sore.",
        "PT Semen Indonesia Tbk. mencatat laba bersih naik tajam.",
        "Gelar S.H. diraih Ir. Budi dari kampus itu.",
    ]


def test_a_sentence_ending_in_a_word_like_an_abbreviation_still_ends() -> None:
    assert split("Harga cabai, bawang, dll. Pedagang di pasar mengeluh sepi pembeli.") == [
        "Harga cabai, bawang, dll.",
        "Pedagang di pasar mengeluh sepi pembeli.",
    ]


def test_spans_survive_the_round_trip_through_chroma_metadata() -> None:
    spans = [(0, 20), (21, 41)]

    assert parse_spans(format_spans(spans)) == spans
    assert parse_spans(None) == []


def test_packed_vectors_keep_cosines_within_a_hundredth() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(5, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[0] + 0.5 * vectors[1]
    query /= np.linalg.norm(query)

    unpacked = unpack_vectors(pack_vectors(vectors), 384)

    assert unpacked.shape == (5, 384)
    assert np.abs(unpacked @ query - vectors @ query).max() < 0.01
    assert len(pack_vectors(vectors)) < 384 * 5 * 1.4


def test_an_acronym_written_beside_a_name_is_its_alias() -> None:
    passages = ["LNA Haftar dengan cepat menguasai Sirte.", "Presiden Tayyip Erdogan tiba."]

    assert alias_variants("Who backs Haftar?", passages) == ["Who backs LNA?"]
    assert alias_variants("Who backs Haftar's army?", passages) == ["Who backs LNA army?"]
    assert alias_variants("Where did Erdogan go?", passages) == []
    assert question_names("Who backs Haftar?", passages) == {"Haftar", "LNA"}
