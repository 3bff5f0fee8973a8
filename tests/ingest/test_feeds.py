"""Feeds: an RSS or Atom feed stands for its entries, each ingested as its own article."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ingest import Ingestor
from store import Outcome, Store
from tests.conftest import Route, Site, article_html

ARTICLES = {
    "/news/bus-budget": (
        "Bandung approves bus budget",
        [
            (
                "The city council of Bandung approved a new budget for public transport on Tuesday"
                " after a long debate among its members."
            ),
            "Officials said the money would pay for two hundred electric buses.",
        ],
    ),
    "/news/semarang-flood": (
        "Floods hit coastal Semarang",
        [
            (
                "Heavy rain and a high tide flooded several districts of Semarang overnight, and"
                " hundreds of residents spent the night in school buildings."
            ),
            "The regional disaster agency said the water had begun to recede by the morning.",
        ],
    ),
}


def rss(site: Site, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{ARTICLES[p][0]}</title><link>{site.url(p)}</link>"
        f"<guid>{site.url(p)}</guid><pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate></item>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Kabar Test News</title><link>{site.url('/')}</link>"
        f"<description>Latest news</description>{items}</channel></rss>"
    ).encode()


def atom(site: Site, paths: list[str]) -> bytes:
    entries = "".join(
        f'<entry><title>{ARTICLES[p][0]}</title><link href="{site.url(p)}"/>'
        f"<id>{site.url(p)}</id><updated>2024-03-05T08:00:00Z</updated></entry>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Kabar Test News</title><id>{site.url('/')}</id>"
        f"<updated>2024-03-05T08:00:00Z</updated>{entries}</feed>"
    ).encode()


@pytest.fixture
def news_site(site: Site) -> Site:
    for path, (title, paragraphs) in ARTICLES.items():
        site.routes[path] = Route(article_html(title, paragraphs))
    return site


@pytest.mark.parametrize(
    ("make_feed", "content_type", "feed"),
    [
        (rss, "application/rss+xml", False),
        (atom, "application/atom+xml", False),
        (rss, "text/xml", False),
        (atom, "application/octet-stream", True),
    ],
    ids=["rss", "atom", "rss-as-text-xml", "atom-named-with-feed=True"],
)
def test_every_entry_of_a_feed_is_ingested(
    make_feed: Callable[[Site, list[str]], bytes],
    content_type: str,
    feed: bool,
    *,
    ingestor: Ingestor,
    store: Store,
    news_site: Site,
) -> None:
    paths = list(ARTICLES)
    news_site.routes["/feed"] = Route(make_feed(news_site, paths), content_type=content_type)

    results = list(ingestor.ingest([news_site.url("/feed")], feed=feed))

    assert [r.label for r in results] == [news_site.url(p) for p in paths]
    assert all(r.outcome is Outcome.ADDED for r in results), [r.error for r in results]
    assert sorted(r.title for r in store.articles()) == [
        "Bandung approves bus budget",
        "Floods hit coastal Semarang",
    ]
    assert sorted(r.url for r in store.articles()) == sorted(news_site.url(p) for p in paths)


def test_reading_a_feed_again_leaves_its_articles_unchanged(
    ingestor: Ingestor, news_site: Site
) -> None:
    news_site.routes["/rss"] = Route(rss(news_site, list(ARTICLES)), "application/rss+xml")

    list(ingestor.ingest([news_site.url("/rss")]))
    again = list(ingestor.ingest([news_site.url("/rss")]))

    assert [r.outcome for r in again] == [Outcome.UNCHANGED, Outcome.UNCHANGED]


def test_an_entry_that_fails_does_not_stop_the_others(
    ingestor: Ingestor, store: Store, news_site: Site
) -> None:
    feed = rss(news_site, list(ARTICLES)).replace(
        b"</channel>",
        f"<item><title>Gone</title><link>{news_site.url('/news/gone')}</link></item>"
        "</channel>".encode(),
    )
    news_site.routes["/rss"] = Route(feed, "application/rss+xml")

    results = {r.label: r for r in ingestor.ingest([news_site.url("/rss")])}

    assert sorted(results) == sorted(news_site.url(p) for p in [*ARTICLES, "/news/gone"])
    assert results[news_site.url("/news/gone")].error.startswith("HTTP 404 Not Found")
    assert len(store.articles()) == 2


def test_a_web_page_named_as_a_feed_is_an_error(
    ingestor: Ingestor, store: Store, news_site: Site
) -> None:
    url = news_site.url("/news/bus-budget")

    [result] = ingestor.ingest([url], feed=True)

    assert result.failed
    assert result.error == f"not an RSS or Atom feed: {url}"
    assert store.articles() == []


def test_a_feed_that_is_not_there_is_an_http_error(ingestor: Ingestor, site: Site) -> None:
    [result] = ingestor.ingest([site.url("/missing.xml")], feed=True)

    assert result.error == f"HTTP 404 Not Found for {site.url('/missing.xml')}"


def test_an_empty_feed_ingests_nothing(ingestor: Ingestor, store: Store, site: Site) -> None:
    site.routes["/rss"] = Route(rss(site, []), "application/rss+xml")

    assert list(ingestor.ingest([site.url("/rss")])) == []
    assert store.articles() == []


# --- feeds listing feeds -------------------------------------------------------------------


def rss_of(site: Site, paths: list[str]) -> Route:
    """A feed whose entries link to `paths` on the site, whatever they hold."""
    items = "".join(f"<item><title>{p}</title><link>{site.url(p)}</link></item>" for p in paths)
    return Route(
        (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feeds</title><link>{site.url('/')}</link>{items}</channel></rss>"
        ).encode(),
        "application/rss+xml",
    )


def test_a_feed_listing_itself_is_read_once(
    ingestor: Ingestor, store: Store, news_site: Site
) -> None:
    news_site.routes["/rss"] = rss_of(news_site, ["/rss", "/news/bus-budget"])
    feed = news_site.url("/rss")

    results = {r.label: r for r in ingestor.ingest([feed])}

    assert results[feed].error == (
        f"not read again: {feed} is a feed listing itself or a feed that lists it"
    )
    assert results[news_site.url("/news/bus-budget")].outcome is Outcome.ADDED
    assert news_site.requested.count("/rss") == 1


def test_feeds_listing_each_other_are_each_read_once(
    ingestor: Ingestor, store: Store, news_site: Site
) -> None:
    news_site.routes["/a.xml"] = rss_of(news_site, ["/b.xml", "/news/bus-budget"])
    news_site.routes["/b.xml"] = rss_of(news_site, ["/a.xml", "/news/semarang-flood"])

    results = list(ingestor.ingest([news_site.url("/a.xml")]))

    [failure] = [r for r in results if r.failed]
    assert failure.label == news_site.url("/a.xml")
    assert failure.error.startswith("not read again: ")
    assert len(store.articles()) == 2
    assert sorted(news_site.requested) == [
        "/a.xml",
        "/b.xml",
        "/news/bus-budget",
        "/news/semarang-flood",
    ]


def test_a_chain_of_feeds_ends_two_feeds_deep(
    ingestor: Ingestor, store: Store, news_site: Site
) -> None:
    for n in range(1, 50):
        news_site.routes[f"/feed/{n}"] = rss_of(news_site, [f"/feed/{n + 1}", "/news/bus-budget"])

    results = list(ingestor.ingest([news_site.url("/feed/1")]))

    [failure] = [r for r in results if r.failed]
    chain = " -> ".join(news_site.url(f"/feed/{n}") for n in (1, 2, 3))
    assert failure.label == news_site.url("/feed/3")
    assert failure.error == f"not read: a feed inside feeds more than 2 deep ({chain})"
    assert [r.title for r in store.articles()] == ["Bandung approves bus budget"]
    assert [p for p in news_site.requested if p.startswith("/feed/")] == [
        "/feed/1",
        "/feed/2",
        "/feed/3",
    ]


def test_polling_a_feed_that_lists_itself_ends(ingestor: Ingestor, news_site: Site) -> None:
    # The Telegram bot polls a feed through feed_links, then ingests the links it gave.
    news_site.routes["/rss"] = rss_of(news_site, ["/rss", "/news/bus-budget"])

    links = ingestor.feed_links(news_site.url("/rss"))
    results = list(ingestor.ingest(links))

    assert [r.failed for r in results] == [True, False, False]
    assert results[0].error.startswith("not read again: ")
    assert news_site.requested.count("/rss") == 2


def test_a_malformed_entry_link_fails_alone(
    ingestor: Ingestor, store: Store, news_site: Site
) -> None:
    feed = rss(news_site, list(ARTICLES)).replace(
        b"</channel>", b"<item><title>Broken</title><link>http://[::1</link></item></channel>"
    )
    news_site.routes["/rss"] = Route(feed, "application/rss+xml")

    results = {r.label: r for r in ingestor.ingest([news_site.url("/rss")])}

    assert results["http://[::1"].error == "not a valid URL: http://[::1 (Invalid port: ':1')"
    assert len(store.articles()) == 2
