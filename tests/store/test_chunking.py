"""Long English live blogs: chunks that cover the article in order, sentences that cover chunks.

A live blog of 100,000 characters is made of many one-line entries (a timestamp, an update, a
byline, an "Advertisement" line): the shape that made English ingest slow (issue 11). Its chunks
and sentence spans are what search scores and the extractive answer quotes.
"""

from __future__ import annotations

import itertools
import re

from store import Chunker
from store._sentences import parse_spans
from tests.store.conftest import make_article

UPDATES = (
    "Officials in Washington said the vote on the spending bill would take place on Friday.",
    "The Senate majority leader told reporters the talks had made progress overnight.",
    "More than 10,000 flights in the U.S. were delayed on Friday as storms crossed Texas.",
    "Mrs. Smith met Dr. Jones at 9 a.m. on Monday to discuss the plan.",
    "Rescue teams reached the flooded town before dawn, the governor said in a statement.",
)
_WORD = re.compile(r"\w+")


def live_blog(characters: int) -> str:
    """Timestamped entries of one or two updates, bylines and ad lines, `characters` long."""
    entries: list[str] = []
    size, minute = 0, 0
    while size < characters:
        hour, minutes = divmod(minute, 60)
        entry = [f"March 5, 2024, {hour + 12:02d}:{minutes:02d} ET"]
        entry.append(f"{UPDATES[minute % 5]} Update {minute}.")
        if minute % 3 == 0:
            entry.append(f"From CNN's reporter number {minute % 7}")
        if minute % 2 == 0:
            entry.append(UPDATES[(minute + 2) % 5])
        if minute % 4 == 0:
            entry.append("Advertisement")
        entries.extend(entry)
        size += sum(len(line) + 2 for line in entry)
        minute += 1
    return "\n\n".join(entries)


def test_a_100k_live_blog_is_chunked_in_order_with_every_word_in_a_sentence() -> None:
    text = live_blog(100_000)
    article = make_article("live", "Live updates: the spending bill", text)

    nodes = Chunker(256, 32).chunk(article)

    chunks = [node.get_content() for node in nodes]
    assert 80 < len(chunks) < 200
    assert [node.metadata["position"] for node in nodes] == list(range(len(chunks)))
    # Each chunk is a piece of the article, each starting after the one before: none lost,
    # none out of order, neighbours sharing at most their overlap.
    starts: list[int] = []
    for chunk in chunks:
        start = text.find(chunk, starts[-1] + 1 if starts else 0)
        assert start >= 0, chunk[:80]
        starts.append(start)
    ends = [start + len(chunk) for start, chunk in zip(starts, chunks, strict=True)]
    covered = "".join(text[a:b] for a, b in zip([0, *ends], starts, strict=False))
    assert not covered.strip(), "a gap between chunks"
    assert ends[-1] == len(text.rstrip())
    for chunk, node in zip(chunks, nodes, strict=True):
        spans = parse_spans(node.metadata["sentences"])
        assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(spans))
        sentences = [chunk[a:b] for a, b in spans]
        assert all("\n" not in sentence for sentence in sentences), "a line is a sentence"
        assert _WORD.findall(" ".join(sentences)) == _WORD.findall(chunk)


def test_a_one_line_entry_is_a_sentence_of_its_own() -> None:
    text = live_blog(3_000)
    article = make_article("live", "Live updates", text)

    [first, *_] = Chunker(256, 32).chunk(article)

    chunk = first.get_content()
    sentences = [chunk[a:b] for a, b in parse_spans(first.metadata["sentences"])]
    assert sentences[:4] == [
        "March 5, 2024, 12:00 ET",
        f"{UPDATES[0]} Update 0.",
        "From CNN's reporter number 0",
        UPDATES[2],
    ]
    assert "Advertisement" in sentences


def test_chunks_are_cut_between_sentences_not_after_an_abbreviation() -> None:
    # One paragraph: the splitter has to cut it at sentences, and "PT.", "Jl." and "No." end none.
    text = " ".join(
        f"Kantor PT. Maju Jaya {n} di Jl. Sudirman No. {n} dibuka kembali pada hari Senin"
        f" setelah direnovasi selama {n} bulan oleh pemilik barunya."
        for n in range(1, 60)
    )
    article = make_article("kantor", "Kantor dibuka kembali", text)

    nodes = Chunker(256, 32).chunk(article)

    assert len(nodes) > 3
    for node in nodes:
        chunk = node.get_content()
        sentences = [chunk[a:b] for a, b in parse_spans(node.metadata["sentences"])]
        assert all(s.startswith("Kantor PT. Maju Jaya") for s in sentences), sentences
        assert all(s.endswith("oleh pemilik barunya.") for s in sentences), sentences
