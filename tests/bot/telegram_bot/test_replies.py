"""Answers as Telegram HTML: article text escaped, citations linked, never over the limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.engine import Answer, Briefing, Citation, Story
from bot.telegram_bot._replies import (
    LIMIT,
    answer_html,
    briefing_html,
    one_message_html,
    quotes_html,
    split_html,
)
from store import ArticleInfo

_TAG = re.compile(r"</?(b|a|blockquote)( href=\"[^\"<>]*\")?>")


def _answer(text: str, *citations: Citation, language: str = "en") -> Answer:
    return Answer(text, True, citations, language, "extractive", "q")


def _citation(
    n: int = 1, *, url: str = "https://news.example/a?x=1&y=2", quote: str = "q"
) -> Citation:
    article = ArticleInfo("abc", "Turki & Rusia <live>", url, "news.example", "2020-01-08")
    return Citation(n, article, quote)


def _markup_free(html_text: str) -> str:
    """What is left once our own tags are removed: must hold no raw < > or bare &."""
    return _TAG.sub("", html_text)


def test_citations_link_to_their_article_and_sources_follow() -> None:
    html_text = answer_html(_answer("LNA didukung <Mesir> & UEA. [1]", _citation()))

    assert '<a href="https://news.example/a?x=1&amp;y=2">[1]</a>' in html_text
    assert "LNA didukung &lt;Mesir&gt; &amp; UEA." in html_text
    assert "<b>Sources</b>" in html_text
    assert "Turki &amp; Rusia &lt;live&gt;</a> — news.example, 8 Jan 2020" in html_text
    rest = _markup_free(html_text)
    assert "<" not in rest
    assert ">" not in rest


def test_interface_words_follow_the_answer_language() -> None:
    html_text = answer_html(_answer("Teks. [1]", _citation(), language="id"))

    assert "<b>Sumber</b>" in html_text


def test_nothing_found_suggests_sources_and_add() -> None:
    answer = Answer(
        "I found nothing about that in the articles.", False, (), "en", "extractive", "q"
    )

    html_text = answer_html(answer)

    assert html_text.startswith("I found nothing about that in the articles.")
    assert "/sources" in html_text
    assert "/add" in html_text


def test_a_citation_without_url_stays_plain() -> None:
    html_text = answer_html(_answer("Fakta. [1]", _citation(url="")))

    assert "Fakta. [1]" in html_text
    assert "<a" not in html_text.split("\n\n")[0]


def test_a_question_searched_in_other_words_is_shown_in_small_print_last() -> None:
    answer = Answer("Mesir & UEA. [1]", True, (_citation(),), "id", "extractive", "Siapa <GNA>?")
    nothing = Answer("Tidak ada.", False, (), "id", "extractive", "Siapa <GNA>?")

    searched = answer_html(answer, asked="bagaimana dengan GNA?")
    the_same = answer_html(answer, asked=" siapa   <gna> ")

    assert searched.endswith("\n\n<i>Dicari: Siapa &lt;GNA&gt;?</i>")
    assert searched.startswith(answer_html(answer))
    assert the_same == answer_html(answer)  # case, spacing and the "?" change nothing
    assert answer_html(nothing, asked="dan GNA?").endswith("\n\n<i>Dicari: Siapa &lt;GNA&gt;?</i>")


def test_quotes_show_each_cited_passage_escaped() -> None:
    html_text = quotes_html(_answer("x [1]", _citation(quote="Mesir & UEA <mendukung>")))

    assert "<blockquote>Mesir &amp; UEA &lt;mendukung&gt;</blockquote>" in html_text


def test_long_messages_split_between_lines_each_within_the_limit() -> None:
    lines = [f"<b>{i}</b> " + "kata &amp; " * 40 for i in range(100)]

    parts = split_html("\n".join(lines))

    assert len(parts) > 1
    assert all(len(part) <= LIMIT for part in parts)
    assert "\n".join(parts) == "\n".join(lines)


def test_a_single_line_past_the_limit_is_cut_between_words_without_breaking_entities() -> None:
    line = "Mesir &amp; UEA " * 600

    parts = split_html(line)

    assert all(len(part) <= LIMIT for part in parts)
    assert all(not re.search(r"&(?!amp;)", part) for part in parts)
    assert " ".join(parts).split() == line.split()


SINCE = datetime(2020, 1, 8, 7, 30, tzinfo=UTC)


def test_briefing_gives_each_story_one_line_cited_with_all_its_articles() -> None:
    one = ArticleInfo("a", "Gencatan <senjata>", "https://x.example/1", "x.example", "2020-01-08")
    two = ArticleInfo("b", "Turki & Rusia", "https://y.example/2", "y.example", "2020-01-09")
    story = Story("LNA didukung Mesir & UEA.", (Citation(1, one, ""), Citation(2, two, "")))
    briefing = Briefing("Libya", "en", SINCE, (story,))

    html_text = briefing_html(briefing)

    assert html_text.split("\n") == [
        "<b>Briefing: Libya</b>",
        "",
        "• LNA didukung Mesir &amp; UEA. [1][2]",
        '[1] <a href="https://x.example/1">Gencatan &lt;senjata&gt;</a> — x.example, 8 Jan 2020',
        '[2] <a href="https://y.example/2">Turki &amp; Rusia</a> — y.example, 9 Jan 2020',
    ]


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", "Nothing new since 8 Jan 2020 07:30."),
        ("id", "Tidak ada berita baru sejak 8 Jan 2020 07:30."),
    ],
)
def test_briefing_without_stories_says_plainly_that_nothing_is_new(
    language: str, line: str
) -> None:
    assert briefing_html(Briefing("", language, SINCE, ())) == line


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "tg://resolve?domain=some_bot&start=x",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "http:///no-host",
        "http://[::1",
    ],
)
def test_a_source_url_that_is_not_a_web_page_shows_as_plain_text(url: str) -> None:
    citation = _citation(url=url)
    briefing = Briefing("", "en", SINCE, (Story("Turki mendukung GNA.", (citation,)),))

    for html_text in (answer_html(_answer("Fakta. [1]", citation)), briefing_html(briefing)):
        assert "<a" not in html_text
        assert "Turki &amp; Rusia &lt;live&gt; — news.example" in html_text


def test_http_and_https_sources_stay_linked() -> None:
    for url in ("http://news.example/a", "HTTPS://news.example/b"):
        html_text = answer_html(_answer("Fakta. [1]", _citation(url=url)))

        assert f'<a href="{url}">[1]</a>' in html_text
        assert f'<a href="{url}">Turki &amp; Rusia &lt;live&gt;</a>' in html_text


def test_an_answer_in_one_message_is_cut_before_its_sources_which_it_keeps() -> None:
    long = _answer(
        "\n".join(f"Kalimat {n} tentang Libya & Mesir. [1]" for n in range(300)), _citation()
    )
    short = _answer("Teks. [1]", _citation())

    html_text = one_message_html(long)

    assert len(answer_html(long)) > LIMIT >= len(html_text)
    assert html_text.startswith('Kalimat 0 tentang Libya &amp; Mesir. <a href="')
    assert " …\n\n<b>Sources</b>\n[1] " in html_text
    assert html_text.endswith("Turki &amp; Rusia &lt;live&gt;</a> — news.example, 8 Jan 2020")
    assert one_message_html(short) == answer_html(short)
