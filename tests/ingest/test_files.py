"""Files and folders: what a user names on disk becomes stored articles, or one clear error each."""

from __future__ import annotations

import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest import Ingestor, IngestResult, IngestSettings
from ingest._extract import decode_text
from store import Outcome, Store
from tests.conftest import article_html

MakeFile = Callable[[str, str], Path]

BODY = (
    "Pemerintah kota Bandung menyetujui anggaran baru untuk transportasi umum pada hari Selasa.\n"
    "Dana itu akan membiayai dua ratus bus listrik dan halte baru di jalan-jalan utama kota.\n"
)


def by_label(results: list[IngestResult]) -> dict[str, IngestResult]:
    return {result.label: result for result in results}


def minimal_pdf(lines: list[str], title: str = "") -> bytes:
    """A valid one-page PDF showing `lines` in Helvetica, written by hand.

    pypdf reads PDFs and edits pages but has no API that lays out text, and no PDF writer is
    installed, so the objects, the content stream and the cross-reference table are built here.
    """
    shown = " 0 -16 Td ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj"
        for line in lines
    )
    return one_page_pdf(f"BT /F1 12 Tf 72 720 Td {shown} ET".encode("latin-1"), title=title)


def one_page_pdf(stream: bytes, *, title: str = "", stream_filter: bytes = b"") -> bytes:
    """A PDF whose one page draws the content `stream` (encoded with `stream_filter`, if any)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(stream), stream_filter, stream),
    ]
    if title:
        objects.append(f"<< /Title ({title}) >>".encode("latin-1"))
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    pdf += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(pdf)


# --- what is read, and how -----------------------------------------------------------------


def test_a_text_files_first_non_empty_line_is_its_title(
    ingestor: Ingestor, store: Store, make_text_file: MakeFile
) -> None:
    path = make_text_file("bus.txt", f"\n\n   \nBandung setujui anggaran bus\n\n{BODY}")

    [result] = ingestor.ingest([str(path)])

    assert result.outcome is Outcome.ADDED
    assert result.title == "Bandung setujui anggaran bus"
    record = store.get(result.article_id)
    assert record.title == "Bandung setujui anggaran bus"
    assert record.site == "bus.txt"
    assert record.language == "id"
    assert store.text(result.article_id).startswith("Pemerintah kota Bandung")
    assert "Bandung setujui anggaran bus" not in store.text(result.article_id)


def test_a_markdown_heading_is_the_title_without_its_hashes(
    ingestor: Ingestor, store: Store, make_text_file: MakeFile
) -> None:
    path = make_text_file("bus.md", f"## Bandung setujui anggaran bus\n\n{BODY}")

    [result] = ingestor.ingest([str(path)])

    assert result.outcome is Outcome.ADDED
    assert store.get(result.article_id).title == "Bandung setujui anggaran bus"


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_a_saved_web_page_gives_its_title_site_date_author_and_main_text(
    suffix: str, ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / f"page{suffix}"
    path.write_bytes(
        article_html(
            "Bandung approves bus budget",
            [
                (
                    "The city council of Bandung approved a new budget for public transport on"
                    " Tuesday after a long debate among its members."
                ),
                (
                    "Officials said the money would pay for two hundred electric buses and new"
                    " shelters along the main roads of the city."
                ),
            ],
        )
    )

    [result] = ingestor.ingest([str(path)])

    assert result.outcome is Outcome.ADDED
    record = store.get(result.article_id)
    assert record.title == "Bandung approves bus budget"
    assert record.site == "Kabar Test News"
    assert record.published == "2024-03-05"
    assert record.author == "Rina Wijaya"
    text = store.text(result.article_id)
    assert "two hundred electric buses" in text
    assert "All rights reserved" not in text
    assert "Sport" not in text


def test_a_pdf_without_a_title_is_titled_by_its_first_line(
    ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(
        minimal_pdf(
            [
                "Banjir rob melanda pesisir Semarang",
                "Air laut pasang merendam ratusan rumah warga di pesisir utara Semarang.",
                "Petugas mengevakuasi warga lanjut usia ke balai desa terdekat pada malam hari.",
            ]
        )
    )

    [result] = ingestor.ingest([str(path)])

    assert result.outcome is Outcome.ADDED, result.error
    assert result.title == "Banjir rob melanda pesisir Semarang"
    text = store.text(result.article_id)
    assert "merendam ratusan rumah warga" in text
    assert "balai desa terdekat" in text


def test_a_pdfs_metadata_title_is_preferred(
    ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(
        minimal_pdf(
            [
                "Air laut pasang merendam ratusan rumah warga di pesisir utara Semarang.",
                "Petugas mengevakuasi warga lanjut usia ke balai desa terdekat pada malam hari.",
            ],
            title="Laporan banjir Semarang",
        )
    )

    [result] = ingestor.ingest([str(path)])

    assert result.outcome is Outcome.ADDED, result.error
    assert store.get(result.article_id).title == "Laporan banjir Semarang"
    assert "merendam ratusan rumah warga" in store.text(result.article_id)


# --- folders and globs ---------------------------------------------------------------------


@pytest.fixture
def news_folder(tmp_path: Path) -> Path:
    """A folder tree with one article of each kind, nested, and files that are not articles."""
    root = tmp_path / "news"
    (root / "2024" / "maret").mkdir(parents=True)
    (root / "top.txt").write_text(f"Berita utama\n\n{BODY}", encoding="utf-8")
    (root / "2024" / "mid.md").write_text(
        "# Berita tengah\n\nHarga beras di pasar tradisional Surabaya naik untuk pekan ketiga"
        " berturut-turut, menurut pedagang setempat.",
        encoding="utf-8",
    )
    (root / "2024" / "maret" / "deep.html").write_bytes(
        article_html(
            "Berita dalam",
            [
                (
                    "Tim nasional bulu tangkis Indonesia berangkat ke Birmingham untuk mengikuti"
                    " turnamen All England pekan depan."
                ),
                "Pelatih mengatakan para pemain dalam kondisi terbaik setelah pemusatan latihan.",
            ],
        )
    )
    (root / "2024" / "maret" / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "2024" / "maret" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return root


def test_a_folder_is_read_recursively_and_other_files_are_ignored(
    ingestor: Ingestor, store: Store, news_folder: Path
) -> None:
    results = list(ingestor.ingest([str(news_folder)]))

    assert sorted(Path(r.label).name for r in results) == ["deep.html", "mid.md", "top.txt"]
    assert all(r.outcome is Outcome.ADDED for r in results), [r.error for r in results]
    assert sorted(r.title for r in store.articles()) == [
        "Berita dalam",
        "Berita tengah",
        "Berita utama",
    ]


def test_a_glob_picks_only_the_files_it_matches(
    ingestor: Ingestor, store: Store, news_folder: Path
) -> None:
    results = list(ingestor.ingest([f"{news_folder}/**/*.md"]))

    assert [Path(r.label).name for r in results] == ["mid.md"]
    assert [r.title for r in store.articles()] == ["Berita tengah"]


def test_a_glob_matching_nothing_is_an_error(ingestor: Ingestor, news_folder: Path) -> None:
    [result] = ingestor.ingest([f"{news_folder}/*.docx"])

    assert result.failed
    assert "no files match" in result.error


def test_a_folder_without_articles_is_an_error(ingestor: Ingestor, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n", encoding="utf-8")

    [result] = ingestor.ingest([str(folder)])

    assert result.failed
    assert "no .txt, .md, .html or .pdf files in folder" in result.error


# --- bad input: one clear error each, the batch goes on, nothing stored for it -------------


def bad_missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere" / "missing.txt"


def bad_empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"  \n\n \t\n")
    return path


def bad_binary(tmp_path: Path) -> Path:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20)
    return path


def bad_too_big(tmp_path: Path) -> Path:
    path = tmp_path / "huge.txt"
    path.write_text("Judul\n\n" + "Kalimat yang diulang terus. " * 10_000, encoding="utf-8")
    return path


def bad_unsupported(tmp_path: Path) -> Path:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04 not really a document")
    return path


def bad_pdf_bomb(tmp_path: Path) -> Path:
    # 78 KB on disk, 80 MB once inflated: past pypdf's 75 MB limit.
    path = tmp_path / "bomb.pdf"
    spaces = zlib.compress(b" " * 80_000_000, 9)
    path.write_bytes(one_page_pdf(spaces, stream_filter=b" /Filter /FlateDecode"))
    return path


def bad_corrupt_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not a PDF body at all\n")
    return path


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (bad_missing, "no such file or folder:"),
        (bad_empty, "empty file:"),
        (bad_binary, "binary content, not text"),
        (bad_too_big, "over the 200,000-byte cap (INGEST_MAX_BYTES)"),
        (bad_unsupported, "unsupported file type .docx: use .txt, .md, .html or .pdf"),
        (bad_corrupt_pdf, "PDF"),
        (bad_pdf_bomb, "the PDF expands past pypdf's decompression limit"),
    ],
    ids=["missing", "empty", "binary", "too-big", "unsupported", "corrupt-pdf", "pdf-bomb"],
)
def test_a_bad_file_fails_alone_with_a_one_line_error(
    make_bad: Callable[[Path], Path],
    message: str,
    *,
    ingestor: Ingestor,
    store: Store,
    tmp_path: Path,
    make_text_file: MakeFile,
) -> None:
    bad = make_bad(tmp_path)
    before = make_text_file("before.txt", f"Berita yang baik\n\n{BODY}")
    after = make_text_file(
        "after.txt",
        "Kereta cepat tambah jadwal\n\nOperator kereta cepat menambah jadwal perjalanan"
        " Jakarta-Bandung mulai pekan depan karena penumpang terus bertambah.\n",
    )

    results = by_label(list(ingestor.ingest([str(before), str(bad), str(after)])))

    failed = results[str(bad)]
    assert failed.failed
    assert message in failed.error
    assert "\n" not in failed.error
    assert results[str(before)].outcome is Outcome.ADDED
    assert results[str(after)].outcome is Outcome.ADDED
    assert sorted(r.title for r in store.articles()) == [
        "Berita yang baik",
        "Kereta cepat tambah jadwal",
    ]


LEGACY_TEXT = (
    "Retno Marsudi bertemu delegasi\n\n"
    "Menteri Retno Marsudi bertemu delegasi dari Curaçao dan Côte d'Ivoire di sebuah kafe"
    " bernama Café Olé di Jakarta pada hari Senin.\n"
    "Pertemuan itu membahas kerja sama ekonomi dan pendidikan antara kedua negara, kata juru"
    " bicara kementerian. Résumé lengkapnya akan diterbitkan minggu depan.\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encoded_text_is_decoded_with_its_accents(
    encoding: str, ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "lama.txt"
    path.write_bytes(LEGACY_TEXT.encode(encoding))

    [result] = ingestor.ingest([str(path)])

    assert result.outcome is Outcome.ADDED, result.error
    assert result.title == "Retno Marsudi bertemu delegasi"
    text = store.text(result.article_id)
    for word in ("Curaçao", "Côte d'Ivoire", "Café Olé", "Résumé"):
        assert word in text
    assert store.get(result.article_id).language == "id"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (LEGACY_TEXT, "cp1252"),
        (LEGACY_TEXT.split("\n\n", 1)[1], "latin-1"),
        ("Pelatih memuji João dari São Paulo dan Peñalosa dari Bogotá.\n", "cp1252"),
        ("“Kami siap,” kata pelatih – sambil tersenyum… lalu pergi.\n", "cp1252"),  # noqa: RUF001
        ("Привет, как дела? Это новость на русском языке, в кодировке Windows-1251.\n", "cp1251"),
        (
            "Zażółć gęślą jaźń: polski tekst w kodowaniu Windows-1250, który nie jest UTF-8.\n",
            "cp1250",
        ),
        ("Ελληνικά κείμενα σε κωδικοποίηση Windows-1253 για δοκιμή της ανάγνωσης.\n", "cp1253"),  # noqa: RUF001
    ],
    ids=["id-cp1252", "id-latin-1", "names-cp1252", "punctuation-cp1252", "ru", "pl", "el"],
)
def test_legacy_encodings_are_recognised(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == text


@pytest.fixture
def locked_file() -> Iterator[Path]:
    """A text file nobody may read (mode 000), in a folder everybody may enter."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)
        path = Path(folder) / "secret.txt"
        path.write_text(f"Rahasia\n\n{BODY}", encoding="utf-8")
        path.chmod(0o000)
        yield path


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root reads files whatever their mode; the unprivileged-child test covers this case",
)
def test_an_unreadable_file_fails_alone_with_a_one_line_error(
    ingestor: Ingestor, store: Store, locked_file: Path, make_text_file: MakeFile
) -> None:
    good = make_text_file("good.txt", f"Berita yang baik\n\n{BODY}")

    results = by_label(list(ingestor.ingest([str(locked_file), str(good)])))

    assert results[str(locked_file)].error == f"cannot read {locked_file}: permission denied"
    assert results[str(good)].outcome is Outcome.ADDED
    assert [r.title for r in store.articles()] == ["Berita yang baik"]


@pytest.mark.skipif(
    not hasattr(os, "fork") or os.geteuid() != 0,
    reason="needs root, to drop to an unprivileged user in a forked child",
)
def test_an_unreadable_file_fails_with_a_one_line_error_for_an_unprivileged_user(
    ingest_settings: IngestSettings, store: Store, locked_file: Path
) -> None:
    # Root reads any file, so the same ingest runs in a forked child as `nobody` (uid 65534),
    # for whom mode 000 means what it says. Only the failure crosses back, through a pipe.
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(reader)
            os.setgid(65534)
            os.setuid(65534)
            [result] = Ingestor(store, ingest_settings).ingest([str(locked_file)])
            os.write(writer, result.error.encode())
            status = 0
        except BaseException as exc:
            os.write(writer, f"the child failed: {exc!r}".encode())
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        error = pipe.read().decode()
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0, error
    assert error == f"cannot read {locked_file}: permission denied"
    assert store.articles() == []
