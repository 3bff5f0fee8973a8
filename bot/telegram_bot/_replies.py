"""Answers, quotes and lists as Telegram HTML: article text escaped, never over the limit."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from telegram.constants import MessageLimit

from bot.engine import Answer, Briefing, Citation, day_label, published_label, same_question

from ._texts import text

LIMIT = MessageLimit.MAX_TEXT_LENGTH
_CITATION = re.compile(r"\[(\d+)\]")
_CUT = " …"


def answer_html(answer: Answer, *, asked: str | None = None) -> str:
    """The answer with each `[n]` linking to its article, then the list of sources.

    When the engine searched with other words than the question `asked` (a follow-up made
    standalone), a last line in italics says what it searched for: how it understood the asker.
    """
    return "".join(_answer_parts(answer, asked))


def one_message_html(answer: Answer, *, asked: str | None = None, limit: int = LIMIT) -> str:
    """`answer_html` in one message, its sources kept.

    Past `limit`, the answer's text is cut (marked "…"); only sources that would fill the
    message alone are cut with it.
    """
    body, tail = _answer_parts(answer, asked)
    if len(body) + len(tail) <= limit:
        return body + tail
    room = limit - len(tail) - len(_CUT)
    if room < limit // 4:
        return split_html(body + tail, limit)[0]
    return split_html(body, room)[0] + _CUT + tail


def _answer_parts(answer: Answer, asked: str | None) -> tuple[str, str]:
    """The answer's text, and what follows it: its sources (or a hint) and the search line."""
    searched = _searched_line(answer, asked)
    if not answer.found:
        hint = html.escape(text(answer.language, "nothing_hint"))
        return html.escape(answer.text), f"\n\n{hint}{searched}"
    links = {c.n: c.article.url for c in answer.citations}
    body = _CITATION.sub(lambda m: _citation_link(m, links), html.escape(answer.text))
    heading = f"<b>{html.escape(text(answer.language, 'sources'))}</b>"
    sources = "\n".join(source_line(c, answer.language) for c in answer.citations)
    return body, (f"\n\n{heading}\n{sources}" if answer.citations else "") + searched


def _searched_line(answer: Answer, asked: str | None) -> str:
    """The small print naming the question searched, or "" when it is the one asked."""
    if asked is None or same_question(asked, answer.question):
        return ""
    searched = html.escape(text(answer.language, "searched_for", question=answer.question))
    return f"\n\n<i>{searched}</i>"


def _citation_link(match: re.Match[str], links: dict[int, str]) -> str:
    url = links.get(int(match.group(1)), "")
    return _linked(match.group(0), url)


def _linked(label: str, url: str) -> str:
    """`label` (HTML) linking to `url` when it is a web page; plain otherwise.

    An article's URL comes from whoever wrote its source: `javascript:`, `tg://` or `file:`
    links would act in the reader's client, so only http(s) pages are linked.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return label
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return label
    return f'<a href="{html.escape(url)}">{label}</a>'


def source_line(citation: Citation, language: str) -> str:
    """`[n] Title — site, 8 Jan 2020`, the title linking to the article when it has a web URL."""
    article = citation.article
    title = _linked(html.escape(article.title or article.site or article.id), article.url)
    day = published_label(article.published, language)
    where = ", ".join(html.escape(x) for x in (article.site, day) if x)
    return f"[{citation.n}] {title}" + (f" — {where}" if where else "")


def quotes_html(answer: Answer) -> str:
    """The exact passages each citation quotes."""
    return "\n\n".join(
        f"<b>[{c.n}]</b> {html.escape(c.article.title)}\n"
        f"<blockquote>{html.escape(c.quote)}</blockquote>"
        for c in answer.citations
    )


def split_html(message: str, limit: int = LIMIT) -> list[str]:
    """`message` in parts of at most `limit` characters, cut between lines, never inside a tag.

    Lines are whole HTML (every tag opened on a line closes on it), so cutting between lines
    keeps each part valid; a single line longer than the limit is cut between words, after its
    markup is dropped.
    """
    parts: list[str] = []
    current = ""
    for line in _fitting_lines(message.split("\n"), limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current.strip():
        parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _fitting_lines(lines: Iterable[str], limit: int) -> Iterable[str]:
    for line in lines:
        if len(line) <= limit:
            yield line
        else:
            yield from _cut_between_words(html.unescape(re.sub(r"<[^>]+>", "", line)), limit)


def _cut_between_words(plain: str, limit: int) -> Iterable[str]:
    """Escaped pieces of `plain`, each at most `limit` characters once escaped."""
    piece = ""
    for word in plain.split(" "):
        # A word longer than a message (a pasted blob) is cut anywhere; escaping grows a
        # character to at most six ("&quot;").
        for at in range(0, max(len(word), 1), limit // 6):
            escaped = html.escape(word[at : at + limit // 6])
            candidate = f"{piece} {escaped}" if piece else escaped
            if len(candidate) > limit:
                yield piece
                candidate = escaped
            piece = candidate
    if piece:
        yield piece


def briefing_html(briefing: Briefing) -> str:
    """A briefing: a heading, then each story's line and its articles' linked titles.

    A briefing of no story is one plain line saying nothing is new.
    """
    language = briefing.language
    if not briefing.stories:
        since = f"{day_label(briefing.since.date(), language)} {briefing.since:%H:%M}"
        return html.escape(text(language, "brief_empty", since=since))
    heading = text(language, "brief_title")
    if briefing.topic:
        heading = f"{heading}: {briefing.topic}"
    blocks = [f"<b>{html.escape(heading)}</b>"]
    for story in briefing.stories:
        cited = "".join(f"[{source.n}]" for source in story.sources)
        sources = [source_line(source, language) for source in story.sources]
        blocks.append("\n".join([f"• {html.escape(story.sentence)} {cited}", *sources]))
    return "\n\n".join(blocks)
