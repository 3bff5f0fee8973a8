"""Turning bytes into a draft article: HTML through trafilatura, PDF through pypdf, plain text."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from pathlib import PurePath

import trafilatura
from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio
from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PyPdfError

from ._errors import ExtractError

#: File suffixes ingest reads, by kind.
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")


@dataclass(frozen=True)
class Draft:
    """An article as extracted, before cleaning and identification.

    `key` names the article for identity (a URL, a file, a corpus id); empty means by its content.
    """

    title: str
    text: str
    key: str = ""
    url: str = ""
    site: str = ""
    published: str = ""
    author: str = ""


def extract(content: bytes, name: str, content_type: str = "") -> Draft:
    """A draft from a file's or response's bytes, by content type or else by the name's suffix."""
    suffix = PurePath(name).suffix.lower()
    if content_type in ("text/html", "application/xhtml+xml") or suffix in HTML_SUFFIXES:
        return from_html(content, url=name if "://" in name else "")
    if content_type == "application/pdf" or suffix in PDF_SUFFIXES:
        return from_pdf(content)
    if content_type.startswith("text/") or suffix in TEXT_SUFFIXES:
        return from_text(decode_text(content))
    raise ExtractError(
        f"unsupported type {content_type or suffix or 'without extension'}:"
        " use .txt, .md, .html, .htm or .pdf"
    )


def from_html(content: bytes, url: str = "") -> Draft:
    """Title, date, author, site name and main text of a web page."""
    document = trafilatura.bare_extraction(
        content, url=url or None, with_metadata=True, include_comments=False, include_tables=False
    )
    text = getattr(document, "text", None) or ""
    if not text.strip():
        raise ExtractError("no article text found in the page")
    return Draft(
        title=(getattr(document, "title", None) or "").strip(),
        # trafilatura puts one paragraph per line; cleaning works on blank-line paragraphs.
        text=text.replace("\n", "\n\n"),
        url=url,
        site=getattr(document, "sitename", None) or "",
        published=getattr(document, "date", None) or "",
        author=getattr(document, "author", None) or "",
    )


def from_pdf(content: bytes) -> Draft:
    """The text of a PDF's pages; its title from the metadata or else the first line."""
    try:
        reader = PdfReader(io.BytesIO(content))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except LimitReachedError:
        raise ExtractError(
            "the PDF expands past pypdf's decompression limit (a decompression bomb?): not read"
        ) from None
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise ExtractError(f"not a readable PDF ({exc})") from exc
    text = "\n\n".join(pages)
    if meta_title.strip():
        return Draft(title=meta_title.strip(), text=text)
    return from_text(text)


def from_text(text: str) -> Draft:
    """Plain text or Markdown: the first non-empty line is the title, the rest the body."""
    lines = text.strip().split("\n", 1)
    title = _MARKDOWN_HEADING.sub("", lines[0]).strip()
    return Draft(title=title, text=lines[1] if len(lines) > 1 else "")


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), else the most likely encoding; binary content is refused."""
    if b"\x00" in content[:8192]:
        raise ExtractError("binary content, not text (is the extension right?)")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        guess = from_bytes(content).best()
        if guess is None:
            raise ExtractError("text in an unknown encoding: save it as UTF-8") from None
        # On short Latin text charset_normalizer often ranks a DOS or Baltic code page first
        # ("Café" read as cp775 "Cafķ"); Windows-1252, the usual legacy encoding of Indonesian
        # and English text, wins whenever it reads at least as cleanly.
        try:
            western = content.decode("cp1252")
        except UnicodeDecodeError:
            return str(guess)
        return western if mess_ratio(western, maximum_threshold=1.0) <= guess.chaos else str(guess)


def with_defaults(draft: Draft, **defaults: str) -> Draft:
    """The draft with empty fields filled from `defaults`."""
    return replace(draft, **{k: v for k, v in defaults.items() if v and not getattr(draft, k)})
