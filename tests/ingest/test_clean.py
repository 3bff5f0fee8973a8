"""Cleaning: text normalised, what is not the article dropped, the language detected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import IngestError, Ingestor, to_article
from ingest._clean import detect_language, normalize, strip_boilerplate
from ingest._extract import Draft, from_html
from store import Mode, Store
from tests.conftest import article_html

INDONESIAN = (
    "Pemerintah kota Bandung menyetujui anggaran baru untuk transportasi umum pada hari Selasa"
    " setelah perdebatan panjang di dewan kota. Dana itu akan membiayai bus listrik dan halte baru."
)
ENGLISH = (
    "The city council of Bandung approved a new budget for public transport on Tuesday after a"
    " long debate. The money will pay for electric buses and new shelters along the main roads."
)


# --- normalize -----------------------------------------------------------------------------


def test_runs_of_spaces_and_tabs_become_one_space() -> None:
    assert normalize("Jakarta  \t banjir   lagi.") == "Jakarta banjir lagi."


def test_unicode_is_nfkc_normalised() -> None:
    # Full-width digits, the "fi" ligature and a no-break space become their plain forms.
    assert (
        normalize("Tahun \uff12\uff10\uff12\uff14 \ufb01nal\u00a0sekali.")
        == "Tahun 2024 final sekali."
    )


def test_mojibake_is_mended_before_control_characters_go() -> None:
    # UTF-8 quotation marks read as Windows-1252, as 7 of the 3,463 IndoSum articles have them.
    broken = "Konsep \u00e2\u20ac\u0153Belajar Sambil Memasak\u00e2\u20ac\x9d, tutur Airlangga."

    assert normalize(broken) == "Konsep \u201cBelajar Sambil Memasak\u201d, tutur Airlangga."


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"], ids=repr
)
def test_zero_width_and_soft_hyphen_characters_are_removed(invisible: str) -> None:
    assert normalize(f"Ja{invisible}karta dan Su{invisible}rabaya.") == "Jakarta dan Surabaya."


def test_paragraphs_are_separated_by_exactly_one_blank_line() -> None:
    text = "\n\n  Paragraf pertama.  \r\n\r\n\r\n\n Paragraf kedua.\r\n\n\n"

    assert normalize(text) == "Paragraf pertama.\n\nParagraf kedua."


def test_hard_wrapped_prose_is_joined_into_one_paragraph() -> None:
    text = "Presiden meresmikan jalan tol\nbaru di Jawa Tengah pada\nhari Senin pagi."

    assert (
        normalize(text) == "Presiden meresmikan jalan tol baru di Jawa Tengah pada hari Senin pagi."
    )


def test_lines_that_end_sentences_stay_on_their_own_lines() -> None:
    text = "Kalimat pertama selesai.\nKalimat kedua juga selesai."

    assert normalize(text) == text


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x08", "\x7f", "\x9b"], ids=repr)
def test_control_characters_are_removed(control: str) -> None:
    assert normalize(f"Ja{control}karta dan Su{control}rabaya.") == "Jakarta dan Surabaya."


def test_terminal_escape_sequences_are_removed_whole() -> None:
    text = "\x1b[1;31mMerapi\x1b[0m erupts\x1b]0;owned\x07 again\x1b. \x1b Lagi."

    assert normalize(text) == "Merapi erupts again. Lagi."


def test_page_and_record_breaks_become_line_breaks() -> None:
    text = "Halaman satu selesai.\x0cHalaman dua selesai.\x85Catatan tiga selesai."

    assert normalize(text) == "Halaman satu selesai.\nHalaman dua selesai.\nCatatan tiga selesai."


@pytest.mark.parametrize(
    "override", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"], ids=repr
)
def test_bidirectional_overrides_are_removed(override: str) -> None:
    # They reorder what a reader sees ("Trojan Source"); news text carries no meaning in them.
    assert normalize(f"Harga {override}naik{override} lagi.") == "Harga naik lagi."


def test_a_text_file_with_a_nul_past_8_kb_and_an_escape_in_its_title_ingests_clean(
    ingestor: Ingestor, store: Store, make_text_file: Callable[[str, str], Path]
) -> None:
    # Varied filler, so that every chunk before the NUL differs from the others.
    filler = " ".join(
        f"Report {n}: the council of district {n} discussed the repair of {n} roads."
        for n in range(120)
    )
    assert len(filler) > 8192
    eruption = "Mount Merapi erupted on Sunday, sending a column of ash over Yogyakarta."
    title = "\x1b[1;31mMerapi erupts\x1b[0m"
    path = make_text_file("merapi.txt", f"{title}\n\n{filler}\x00 {eruption}\n")

    [result] = ingestor.ingest([str(path)])

    assert result.error == ""
    [record] = store.articles()
    assert record.title == "Merapi erupts"
    text = store.text(record.id)
    assert "\x00" not in text
    assert text.endswith(eruption)
    [hit] = store.search("Which volcano erupted on Sunday?", k=1, mode=Mode.VECTOR)
    assert eruption in hit.text


# --- strip_boilerplate ---------------------------------------------------------------------


def test_trailing_spam_fragments_are_dropped() -> None:
    text = f"{INDONESIAN}\n\n{INDONESIAN}\n\nToto SGP\n\nBy gacor88"

    assert strip_boilerplate(text) == f"{INDONESIAN}\n\n{INDONESIAN}"


def test_an_in_text_subheading_is_kept() -> None:
    text = f"{INDONESIAN}\n\nDorongan perdamaian menjadi bumerang\n\n{ENGLISH}\n\nToto SGP"

    cleaned = strip_boilerplate(text)

    assert "Dorongan perdamaian menjadi bumerang" in cleaned
    assert cleaned.endswith(ENGLISH)
    assert "Toto SGP" not in cleaned


def test_rules_and_bare_links_are_dropped_anywhere() -> None:
    text = f"{INDONESIAN}\n\n* * *\n\nhttps://t.co/AbC123\n\n{ENGLISH}\n\nwww.example.com/promo"

    assert strip_boilerplate(text) == f"{INDONESIAN}\n\n{ENGLISH}"


def test_a_short_final_sentence_is_part_of_the_article() -> None:
    text = f"{INDONESIAN}\n\nDemikian laporannya."

    assert strip_boilerplate(text) == text


def test_article_text_never_ends_with_the_spam_tail() -> None:
    draft = Draft(title="Judul  berita", text=f"{INDONESIAN}\n\nToto SGP\nBy gacor88\n")

    article = to_article(draft)

    assert article.title == "Judul berita"
    assert article.text == INDONESIAN


def test_a_web_pages_trailing_spam_is_dropped_too() -> None:
    page = article_html(
        "Bandung setujui anggaran bus",
        [INDONESIAN, "Dorongan perdamaian menjadi bumerang", INDONESIAN, "Toto SGP", "By gacor88"],
    )

    article = to_article(from_html(page))

    assert "Dorongan perdamaian menjadi bumerang" in article.text
    assert "Toto SGP" not in article.text
    assert "gacor88" not in article.text
    assert article.text.endswith("halte baru.")


def test_text_with_nothing_but_boilerplate_is_refused() -> None:
    with pytest.raises(IngestError, match="no article text left after cleaning"):
        to_article(Draft(title="Promo", text="Toto SGP\n\nBy gacor88\n\nhttps://t.co/x"))


# --- detect_language -----------------------------------------------------------------------


def test_indonesian_is_detected_as_id() -> None:
    assert detect_language(INDONESIAN) == "id"


def test_english_is_detected_as_en() -> None:
    assert detect_language(ENGLISH) == "en"


def test_an_article_records_its_language() -> None:
    assert to_article(Draft(title="Anggaran bus", text=INDONESIAN)).language == "id"
    assert to_article(Draft(title="Bus budget", text=ENGLISH)).language == "en"
