"""JSONL corpora: one article per line, fields named by a mapping, plain or gzipped."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from ingest import Ingestor, JsonlFields
from store import Outcome, Store
from tests.conftest import SHARED_DATA

INDOSUM = SHARED_DATA / "corpus" / "indosum_articles.jsonl.gz"

#: A corpus whose field names are not the defaults.
FIELDS = JsonlFields(
    text="body", title="headline", id="doc_id", url="link", date="published_at", site="outlet"
)
RECORDS: list[dict[str, Any]] = [
    {
        "doc_id": "a1",
        "headline": "Bandung setujui anggaran bus listrik",
        "body": "Pemerintah kota Bandung menyetujui anggaran baru untuk transportasi umum pada hari"
        " Selasa. Dana itu akan membiayai dua ratus bus listrik.",
        "link": "https://kabar.example/bandung-bus",
        "published_at": "2024-03-05",
        "outlet": "Kabar Daily",
        "ignored": "fields outside the mapping are ignored",
    },
    {
        "doc_id": "a2",
        "headline": "Banjir rob melanda pesisir Semarang",
        "body": "Air laut pasang merendam ratusan rumah warga di pesisir utara Semarang sejak"
        " Selasa malam. Petugas mengevakuasi warga lanjut usia ke balai desa.",
        "published_at": "2024-03-06",
        "outlet": "Harian Jateng",
    },
]


def write_jsonl(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.jsonl.gz"])
def test_a_corpus_is_read_through_its_field_mapping(
    name: str, ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    corpus = write_jsonl(tmp_path / name, [json.dumps(r) for r in RECORDS])

    results = list(ingestor.ingest([str(corpus)], fields=FIELDS))

    assert [r.outcome for r in results] == [Outcome.ADDED, Outcome.ADDED], [
        r.error for r in results
    ]
    assert [r.label for r in results] == [f"{corpus}:1", f"{corpus}:2"]
    bus = store.get(results[0].article_id)
    assert bus.title == "Bandung setujui anggaran bus listrik"
    assert bus.url == "https://kabar.example/bandung-bus"
    assert bus.published == "2024-03-05"
    assert bus.site == "Kabar Daily"
    assert bus.language == "id"
    assert store.text(bus.id) == RECORDS[0]["body"]
    flood = store.get(results[1].article_id)
    assert (flood.title, flood.url, flood.site) == (
        "Banjir rob melanda pesisir Semarang",
        "",
        "Harian Jateng",
    )


def test_reading_a_corpus_again_leaves_it_unchanged(
    ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl.gz", [json.dumps(r) for r in RECORDS])

    list(ingestor.ingest([str(corpus)], fields=FIELDS))
    again = list(ingestor.ingest([str(corpus)], fields=FIELDS))

    assert [r.outcome for r in again] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert len(store.articles()) == 2


def test_default_fields_and_a_title_taken_from_the_first_line(
    ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    record = {
        "id": "x9",
        "text": "Harga beras naik lagi\nHarga beras di pasar tradisional Surabaya naik untuk"
        " pekan ketiga berturut-turut, menurut para pedagang.",
        "date": "2024-03-07",
    }
    corpus = write_jsonl(tmp_path / "plain.jsonl", [json.dumps(record)])

    [result] = ingestor.ingest([str(corpus)])

    assert result.outcome is Outcome.ADDED, result.error
    assert result.title == "Harga beras naik lagi"
    assert store.text(result.article_id).startswith("Harga beras di pasar tradisional")
    assert store.get(result.article_id).published == "2024-03-07"


def test_a_malformed_line_fails_alone_and_names_its_line_number(
    ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            json.dumps(RECORDS[0]),
            '{"doc_id": "broken", "body": "no closing brace"',
            "",
            '["an array, not an object"]',
            json.dumps({"doc_id": "a3", "headline": "Tanpa isi", "body": "   "}),
            json.dumps(RECORDS[1]),
        ],
    )

    results = {r.label: r for r in ingestor.ingest([str(corpus)], fields=FIELDS)}

    assert results[f"{corpus}:2"].error.startswith("line 2: not valid JSON")
    assert results[f"{corpus}:4"].error == "line 4: expected a JSON object"
    assert results[f"{corpus}:5"].error == "line 5: no text in field 'body'"
    assert all("\n" not in r.error for r in results.values())
    assert results[f"{corpus}:1"].outcome is Outcome.ADDED
    assert results[f"{corpus}:6"].outcome is Outcome.ADDED
    assert f"{corpus}:3" not in results  # a blank line is no record
    assert len(store.articles()) == 2


def test_a_missing_corpus_is_an_error(ingestor: Ingestor, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"

    [result] = ingestor.ingest([str(missing)])

    assert result.error == f"no such file: {missing}"


def test_a_truncated_gzip_corpus_keeps_what_it_could_read(
    ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    whole = gzip.compress(("\n".join(json.dumps(r) for r in RECORDS) + "\n").encode())
    corpus = tmp_path / "cut.jsonl.gz"
    corpus.write_bytes(whole[: len(whole) - 12])

    results = list(ingestor.ingest([str(corpus)], fields=FIELDS))

    by_label = {r.label: r for r in results}
    assert by_label[f"{corpus}:1"].outcome is Outcome.ADDED
    assert by_label[str(corpus)].error.startswith("cannot read the corpus: Compressed file ended")
    assert "\n" not in by_label[str(corpus)].error
    assert [r.title for r in store.articles()] == [RECORDS[0]["headline"]]


@pytest.mark.skipif(not INDOSUM.is_file(), reason=f"IndoSum corpus not found at {INDOSUM}")
def test_the_first_indosum_records_are_added(ingestor: Ingestor, store: Store) -> None:
    fields = JsonlFields(title="title_slug", date="date_utc")
    items = ingestor.plan([str(INDOSUM)], fields=fields)[:5]

    results = list(ingestor.run(items))

    assert [r.outcome for r in results] == [Outcome.ADDED] * 5, [r.error for r in results]
    records = store.articles()
    assert len(records) == 5
    first = store.get(results[0].article_id)
    assert first.title == "mustahil transportasi tradisional dan online bersa"
    assert first.published == "2017-03-28T04:15:36Z"
    assert first.site == "kumparan"
    assert first.url.startswith("https://kumparan.com/")
    assert {r.language for r in records} == {"id"}


GZIP_HEADER = gzip.compress(b"")[:10]
GARBAGE = b"these bytes are not deflate data " * 20


@pytest.mark.parametrize(
    ("corrupt", "kept"),
    [
        (GZIP_HEADER + GARBAGE, []),
        (gzip.compress((json.dumps(RECORDS[1]) + "\n").encode()) + GZIP_HEADER + GARBAGE, [1]),
    ],
    ids=["gzip-header-then-garbage", "good-lines-then-a-corrupt-member"],
)
def test_a_corrupt_gzip_corpus_fails_alone_and_keeps_its_good_lines(
    corrupt: bytes, kept: list[int], ingestor: Ingestor, store: Store, tmp_path: Path
) -> None:
    before = write_jsonl(tmp_path / "before.jsonl", [json.dumps(RECORDS[0])])
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(corrupt)
    later = {
        "doc_id": "a3",
        "headline": "Kereta cepat tambah jadwal",
        "body": "Operator kereta cepat menambah jadwal perjalanan Jakarta-Bandung mulai pekan"
        " depan karena penumpang terus bertambah selama liburan sekolah.",
    }
    after = write_jsonl(tmp_path / "after.jsonl", [json.dumps(later)])

    results = {r.label: r for r in ingestor.ingest([str(before), str(broken), str(after)], FIELDS)}

    assert results[str(broken)].error.startswith(
        "cannot read the corpus: Error -3 while decompress"
    )
    assert "\n" not in results[str(broken)].error
    assert results[f"{before}:1"].outcome is Outcome.ADDED
    assert results[f"{after}:1"].outcome is Outcome.ADDED
    assert [results[f"{broken}:{n}"].outcome for n in kept] == [Outcome.ADDED] * len(kept)
    assert len(store.articles()) == 2 + len(kept)
