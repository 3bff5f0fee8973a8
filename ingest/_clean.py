"""Normalising article text, dropping what is not part of the article, detecting the language."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from email.utils import parsedate_to_datetime

import dateparser
import ftfy
import py3langid

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Terminal control sequences (ECMA-48 CSI, such as colours, and OSC, such as a window title),
# dropped whole so that no "[31m" is left behind. Any other ESC goes alone: the letter after it
# may well be text.
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)")
# Line breaks of str.splitlines() that are control characters: they still end a line.
_CONTROL_BREAKS = "\v\f\x1c\x1d\x1e\x85"
# Control characters (category Cc) but newline and tab; the line-breaking ones end a line,
# the others go: a NUL cuts the text the embedding model reads (a C string), an ESC drives a
# terminal. Bidirectional embeddings, overrides and isolates go too: they reorder what a reader
# sees and mean nothing to search.
_CONTROLS = {
    **{c: "\n" if chr(c) in _CONTROL_BREAKS else None for c in [*range(0x20), *range(0x7F, 0xA0)]},
    **dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)]),
    ord("\n"): "\n",
    ord("\t"): "\t",
}
_SPACES = re.compile(r"[^\S\n]+")
# A UTF-8 lead byte read as Windows-1252 (\u00c2, \u00c3, \u00e2) before a continuation byte so
# read: mojibake for ftfy to mend. Only then, since ftfy would also take a lone C1 control for a
# Windows-1252 character ("\x85" for an ellipsis), where Unicode makes it a line break.
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00e2]"
    "[\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013-\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# Typographic quotes end sentences too.
_SENTENCE_END = tuple(".!?…:;\"'”’»)]")  # noqa: RUF001
_NO_WORDS = re.compile(r"^[\W_]*$|^(https?://|www\.)\S+$")
# A paragraph this short with no sentence ending is a byline, tag line, ad or share prompt.
_FRAGMENT_WORDS = 6


def strip_controls(text: str) -> str:
    r"""The text without control characters (newline and tab kept) or terminal escapes.

    Usage::

        strip_controls("\x1b[31mMerapi\x1b[0m erupts\x00")   # "Merapi erupts"
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ESCAPE_SEQUENCE.sub("", text).translate(_CONTROLS)


def normalize(text: str) -> str:
    r"""NFKC, no invisible or control characters, single spaces, paragraphs one blank line apart.

    Mojibake (UTF-8 read as Windows-1252: "â€œ" for a quotation mark) is mended first, while
    the control characters it leaves ("\x9d") still say what it was.
    """
    if _MOJIBAKE.search(text):
        text = ftfy.fix_encoding(text)
    text = strip_controls(unicodedata.normalize("NFKC", text).translate(_INVISIBLE))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current) if _is_wrapped(current) else "\n".join(current))
            current = []
    return "\n\n".join(paragraphs)


def _is_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped prose: every line but the last runs on without ending a sentence."""
    return len(lines) > 1 and not any(line.endswith(_SENTENCE_END) for line in lines[:-1])


def strip_boilerplate(text: str) -> str:
    """Drop paragraphs that are not part of the article.

    General rules rather than word lists: paragraphs with no words (rules, bare links), and the
    run of short fragments without sentence punctuation that trails an article (bylines, tags,
    ads such as "Toto SGP" / "By gacor88").
    """
    paragraphs = [p for p in text.split("\n\n") if not _NO_WORDS.match(p)]
    while paragraphs and _is_fragment(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def _is_fragment(paragraph: str) -> bool:
    return len(paragraph.split()) <= _FRAGMENT_WORDS and not paragraph.endswith(_SENTENCE_END)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language (`id`, `en`, ...)."""
    language, _ = py3langid.classify(text[:5000])
    return str(language)


def iso_date(published: str) -> str:
    """A publication date as ISO 8601, whatever way its source wrote it; "" when unreadable.

    ISO dates and times are kept as written; a feed's RFC 2822 date ("Wed, 08 Jan 2020
    10:00:00 +0700") and a page's or corpus's own words ("Rabu, 8 Januari 2020") are read. A
    date nobody can read orders and filters nothing, so it is dropped rather than kept as text.

    Usage::

        iso_date("Rabu, 8 Januari 2020 10:00 WIB")  # "2020-01-08T10:00:00+07:00"
    """
    published = published.strip()
    try:
        datetime.fromisoformat(published)
    except ValueError:
        pass
    else:
        return published
    try:
        return parsedate_to_datetime(published).isoformat()
    except (TypeError, ValueError, IndexError):
        moment = dateparser.parse(published, languages=["en", "id"]) if published else None
        return moment.isoformat() if moment else ""
