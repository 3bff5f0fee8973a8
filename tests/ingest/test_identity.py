"""Identity: one story is one article, however it is reached; a changed story replaces itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import Ingestor, article_id, canonical_url, content_hash
from store import Outcome, Store
from tests.conftest import Route, Site, article_html

STORY = [
    (
        "Pemerintah Turki dan Rusia menyerukan gencatan senjata di Libya mulai tengah malam hari"
        " Minggu, setelah pertemuan kedua presiden di Istanbul pada hari Rabu."
    ),
    (
        "Kedua negara mendukung pihak yang berbeda dalam perang saudara itu, tetapi mengatakan"
        " bahwa mereka ingin menghentikan pertempuran di sekitar ibu kota Tripoli."
    ),
    (
        "Pasukan yang setia kepada komandan wilayah timur telah mengepung kota itu selama"
        " berbulan-bulan, dan ratusan warga sipil tewas dalam serangan udara dan tembakan artileri."
    ),
    (
        "Para diplomat Eropa menyambut seruan itu dengan hati-hati dan meminta semua pihak untuk"
        " kembali ke meja perundingan yang dipimpin oleh Perserikatan Bangsa-Bangsa di Jenewa."
    ),
]
TITLE = "Turki dan Rusia serukan gencatan senjata di Libya"


# --- canonical URLs and ids ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://News.Example.COM/a/b", "https://news.example.com/a/b"),
        ("HTTPS://example.com/a", "https://example.com/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://example.com/a?utm_source=tg&utm_medium=social&id=7&fbclid=XYZ&gclid=1",
            "https://example.com/a?id=7",
        ),
        ("https://example.com/a?page=2&id=7", "https://example.com/a?id=7&page=2"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_canonical_url_drops_what_does_not_name_the_page(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_article_ids_are_stable_and_short() -> None:
    key = canonical_url("https://example.com/a?utm_source=x")

    assert article_id(key) == article_id("https://example.com/a")
    assert len(article_id(key)) == 16
    assert article_id("https://example.com/a") != article_id("https://example.com/b")


def test_the_content_hash_changes_with_title_or_text() -> None:
    base = content_hash("Judul", "Isi berita.")

    assert base == content_hash("Judul", "Isi berita.")
    assert base != content_hash("Judul lain", "Isi berita.")
    assert base != content_hash("Judul", "Isi berita yang lain.")


# --- the same article, reached again -------------------------------------------------------


def test_the_same_url_with_tracking_fragment_and_upper_case_host_is_the_same_article(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    port = site.server.server_address[1]
    site.routes["/news/libya"] = Route(article_html(TITLE, STORY))
    site.routes["/news/libya?utm_source=telegram&utm_medium=social"] = Route(
        article_html(TITLE, STORY)
    )

    [first] = ingestor.ingest([f"http://localhost:{port}/news/libya"])
    [again] = ingestor.ingest(
        [f"http://LocalHost:{port}/news/libya?utm_source=telegram&utm_medium=social#comments"]
    )

    assert first.outcome is Outcome.ADDED, first.error
    assert again.outcome is Outcome.UNCHANGED, again.error
    assert again.article_id == first.article_id
    assert [r.id for r in store.articles()] == [first.article_id]


def test_a_page_whose_content_changed_is_updated_and_its_old_chunks_are_gone(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    url = site.url("/news/libya")
    site.routes["/news/libya"] = Route(article_html(TITLE, STORY))
    [first] = ingestor.ingest([url])
    old_chunks = store.chunks(first.article_id)

    corrected = [*STORY[:-1], "Pembaruan: perundingan di Jenewa dijadwalkan ulang ke bulan depan."]
    site.routes["/news/libya"] = Route(article_html(TITLE, corrected))
    [second] = ingestor.ingest([url])

    assert first.outcome is Outcome.ADDED, first.error
    assert second.outcome is Outcome.UPDATED, second.error
    assert second.article_id == first.article_id
    assert len(store.articles()) == 1
    new_chunks = store.chunks(first.article_id)
    assert new_chunks
    assert not {c.id for c in old_chunks} & {c.id for c in new_chunks}
    stored = " ".join(c.text for c in new_chunks)
    assert "dijadwalkan ulang ke bulan depan" in stored
    assert "meja perundingan" not in stored
    assert "dijadwalkan ulang" in store.text(first.article_id)
    assert store.get(first.article_id).chunks == len(new_chunks)


def test_the_same_story_on_another_site_is_a_duplicate_recorded_where_else_it_is(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/kabar/libya"] = Route(article_html(TITLE, STORY, site_name="Kabar Test News"))
    site.routes["/harian/libya"] = Route(
        article_html(
            TITLE,
            [*STORY, "Laporan tambahan oleh Budi Santoso."],
            site_name="Harian Nusantara",
        )
    )
    original_url, copy_url = site.url("/kabar/libya"), site.url("/harian/libya")

    [original] = ingestor.ingest([original_url])
    [copy] = ingestor.ingest([copy_url])
    [copy_again] = ingestor.ingest([copy_url])

    assert original.outcome is Outcome.ADDED, original.error
    assert copy.outcome is Outcome.DUPLICATE, copy.error
    assert copy.article_id == original.article_id
    assert copy_again.outcome is Outcome.DUPLICATE
    [record] = store.articles()
    assert record.id == original.article_id
    assert record.url == original_url
    assert record.also_at == (copy_url,)
    assert "Laporan tambahan" not in store.text(record.id)


def test_a_different_story_from_the_same_site_is_not_a_duplicate(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/kabar/libya"] = Route(article_html(TITLE, STORY))
    site.routes["/kabar/banjir"] = Route(
        article_html(
            "Banjir rob melanda pesisir Semarang",
            [
                (
                    "Air laut pasang merendam ratusan rumah warga di pesisir utara Semarang sejak"
                    " Selasa malam, memaksa banyak keluarga mengungsi."
                ),
                "Petugas mengevakuasi warga lanjut usia ke balai desa terdekat.",
            ],
        )
    )

    results = list(ingestor.ingest([site.url("/kabar/libya"), site.url("/kabar/banjir")]))

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.ADDED]
    assert len(store.articles()) == 2


# --- files and pasted text -----------------------------------------------------------------


def test_an_edited_file_updates_its_article(
    ingestor: Ingestor, store: Store, make_text_file: Callable[[str, str], Path]
) -> None:
    path = make_text_file("libya.txt", f"{TITLE}\n\n" + "\n\n".join(STORY))
    [first] = ingestor.ingest([str(path)])
    [unchanged] = ingestor.ingest([str(path)])
    path.write_text(f"{TITLE}\n\n" + "\n\n".join(STORY[:2]), encoding="utf-8")
    [edited] = ingestor.ingest([str(path)])

    assert [first.outcome, unchanged.outcome, edited.outcome] == [
        Outcome.ADDED,
        Outcome.UNCHANGED,
        Outcome.UPDATED,
    ]
    assert edited.article_id == first.article_id
    assert "meja perundingan" not in store.text(first.article_id)
    assert len(store.articles()) == 1


def test_a_copy_of_a_file_under_another_name_is_a_duplicate(
    ingestor: Ingestor, store: Store, make_text_file: Callable[[str, str], Path]
) -> None:
    content = f"{TITLE}\n\n" + "\n\n".join(STORY)
    original = make_text_file("libya.txt", content)
    copy = make_text_file("salinan/libya-copy.txt", content)

    results = list(ingestor.ingest([str(original), str(copy)]))

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.DUPLICATE]
    [record] = store.articles()
    assert record.also_at == ("libya-copy.txt",)


def test_pasted_text_is_identified_by_its_content(ingestor: Ingestor, store: Store) -> None:
    text = f"{TITLE}\n\n" + "\n\n".join(STORY)

    first = ingestor.ingest_text(text, site="forwarded")
    again = ingestor.ingest_text(text, site="forwarded")

    assert first.outcome is Outcome.ADDED, first.error
    assert again.outcome is Outcome.UNCHANGED
    assert again.article_id == first.article_id
    assert len(store.articles()) == 1
