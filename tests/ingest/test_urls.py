"""URLs: a news page becomes a clean article; every way a fetch can go wrong is one clear error."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from ingest import FetchError, Ingestor, IngestResult, IngestSettings
from ingest._fetch import check_address
from store import Outcome, Store
from tests.conftest import Route, Site, article_html

PARAGRAPHS = [
    (
        "The city council of Bandung approved a new budget for public transport on Tuesday after"
        " a long debate among its members."
    ),
    (
        "Officials said the money would pay for two hundred electric buses and new shelters along"
        " the main roads of the city."
    ),
]


def page(title: str = "Bandung approves bus budget", paragraphs: list[str] | None = None) -> Route:
    return Route(article_html(title, paragraphs or PARAGRAPHS))


def by_label(results: list[IngestResult]) -> dict[str, IngestResult]:
    return {result.label: result for result in results}


def test_a_news_page_is_stored_with_its_metadata_and_main_text(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/news/bus-budget"] = page()
    url = site.url("/news/bus-budget")

    [result] = ingestor.ingest([url])

    assert result.outcome is Outcome.ADDED, result.error
    assert result.title == "Bandung approves bus budget"
    record = store.get(result.article_id)
    assert record.title == "Bandung approves bus budget"
    assert record.url == url
    assert record.site == "Kabar Test News"
    assert record.published == "2024-03-05"
    assert record.author == "Rina Wijaya"
    assert record.language == "en"
    text = store.text(result.article_id)
    assert text.startswith(PARAGRAPHS[0]), "the headline is the title, not repeated in the text"
    assert PARAGRAPHS[1] in text
    for boilerplate in ("Home", "World", "Sport", "Copyright", "All rights reserved", "newsletter"):
        assert boilerplate not in text
    chunks = store.chunks(result.article_id)
    assert chunks
    assert all(c.url == url and c.site == "Kabar Test News" for c in chunks)


def test_a_page_without_a_site_name_is_credited_to_its_host(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    site.routes["/plain"] = Route(
        f"<html><head><title>Bus budget</title></head><body><article>{body}</article></body>"
        "</html>".encode()
    )

    [result] = ingestor.ingest([site.url("/plain")])

    assert result.outcome is Outcome.ADDED, result.error
    assert store.get(result.article_id).site.startswith("127.0.0.1")


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "Not Found"), (403, "Forbidden"), (500, "Internal Server Error")]
)
def test_an_http_error_fails_that_url_alone(
    status: int, reason: str, ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/gone"] = Route(b"<html><body>error</body></html>", status=status)
    site.routes["/ok"] = page()

    results = by_label(list(ingestor.ingest([site.url("/gone"), site.url("/ok")])))

    assert results[site.url("/gone")].error == f"HTTP {status} {reason} for {site.url('/gone')}"
    assert results[site.url("/ok")].outcome is Outcome.ADDED
    assert [r.url for r in store.articles()] == [site.url("/ok")]


def test_a_slow_server_times_out(store: Store, site: Site) -> None:
    ingestor = Ingestor(store, IngestSettings(allow_private_urls=True, timeout=0.5))
    site.routes["/slow"] = Route(article_html("Slow", PARAGRAPHS), delay=5.0)
    site.routes["/ok"] = page()

    results = by_label(list(ingestor.ingest([site.url("/slow"), site.url("/ok")])))

    assert results[site.url("/slow")].error == f"timed out after 0.5 s fetching {site.url('/slow')}"
    assert results[site.url("/ok")].outcome is Outcome.ADDED
    assert len(store.articles()) == 1


def test_a_server_that_is_not_there_is_an_error(ingestor: Ingestor, store: Store) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/news"

    [result] = ingestor.ingest([url])

    assert result.failed
    assert result.error.startswith(f"could not fetch {url}: ")
    assert "\n" not in result.error
    assert store.articles() == []


def test_a_non_html_response_is_not_a_web_page(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/photo"] = Route(b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")

    [result] = ingestor.ingest([site.url("/photo")])

    assert result.error == f"{site.url('/photo')} is image/png, not a web page"
    assert store.articles() == []


def test_a_page_without_article_text_is_an_error(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/blank"] = Route(b"<html><head><title>Nothing</title></head><body></body></html>")

    [result] = ingestor.ingest([site.url("/blank")])

    assert result.error == "no article text found in the page"
    assert store.articles() == []


def test_a_page_over_the_size_cap_is_refused(ingestor: Ingestor, store: Store, site: Site) -> None:
    site.routes["/huge"] = Route(article_html("Huge", ["Kalimat yang panjang sekali. " * 9_000]))

    [result] = ingestor.ingest([site.url("/huge")])

    assert result.error == (
        f"{site.url('/huge')} is larger than the 200,000-byte cap (INGEST_MAX_BYTES)"
    )
    assert store.articles() == []


def redirect(location: str, status: int = 302) -> Route:
    return Route(b"", status=status, headers={"Location": location})


def test_a_chain_of_five_redirects_is_followed_to_the_article(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/r1"] = redirect("/r2", 301)
    site.routes["/r2"] = redirect(site.url("/r3"), 302)
    site.routes["/r3"] = redirect("r4", 303)
    site.routes["/r4"] = redirect("/r5", 307)
    site.routes["/r5"] = redirect("/news/bus-budget", 308)
    site.routes["/news/bus-budget"] = page()

    [result] = ingestor.ingest([site.url("/r1")])

    assert result.outcome is Outcome.ADDED, result.error
    assert store.get(result.article_id).url == site.url("/news/bus-budget")


def test_more_than_five_redirects_are_refused(ingestor: Ingestor, store: Store, site: Site) -> None:
    for hop in range(1, 7):
        site.routes[f"/r{hop}"] = redirect(f"/r{hop + 1}")
    site.routes["/r7"] = page()

    [result] = ingestor.ingest([site.url("/r1")])

    assert result.error == f"more than 5 redirects starting at {site.url('/r1')}"
    assert store.articles() == []


def test_a_redirect_away_from_http_is_refused(ingestor: Ingestor, store: Store, site: Site) -> None:
    site.routes["/sneaky"] = redirect("file:///etc/passwd")

    [result] = ingestor.ingest([site.url("/sneaky")])

    assert result.error == "only http(s) URLs can be fetched: file:///etc/passwd"
    assert store.articles() == []


def test_a_redirect_without_a_location_is_an_error_not_an_article(
    ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/moved"] = Route(article_html("Moved", PARAGRAPHS), status=302)

    [result] = ingestor.ingest([site.url("/moved")])

    assert result.error == f"HTTP 302 Found for {site.url('/moved')} without a Location to follow"
    assert store.articles() == []


@pytest.mark.parametrize(
    "source", ["file:///etc/passwd", "ftp://93.184.216.34/news.txt", "gopher://10.0.0.1/"]
)
def test_a_source_with_another_scheme_than_http_is_refused_as_such(
    source: str, ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/ok"] = page()

    results = by_label(list(ingestor.ingest([source, site.url("/ok")])))

    assert results[source].error == f"only http(s) URLs can be fetched: {source}"
    assert results[site.url("/ok")].outcome is Outcome.ADDED


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("http://example.com:99999/", "port 99999 is out of range"),
        ("http://a:b/", "Invalid port: 'b'"),
        ("http://[::1/", "Invalid port: ':1'"),
    ],
)
def test_a_malformed_url_fails_alone_and_the_batch_is_written(
    bad: str, reason: str, ingestor: Ingestor, store: Store, site: Site
) -> None:
    site.routes["/first"] = page("Bandung approves bus budget")
    site.routes["/last"] = page(
        "Floods hit coastal Semarang",
        [
            (
                "Heavy rain and a high tide flooded several districts of Semarang overnight,"
                " and hundreds of residents spent the night in school buildings."
            ),
            "The regional disaster agency said the water had begun to recede by the morning.",
        ],
    )

    results = by_label(list(ingestor.ingest([site.url("/first"), bad, site.url("/last")])))

    assert results[bad].error == f"not a valid URL: {bad} ({reason})"
    assert results[site.url("/first")].outcome is Outcome.ADDED
    assert results[site.url("/last")].outcome is Outcome.ADDED
    assert len(store.articles()) == 2


# --- one deadline for the whole fetch ------------------------------------------------------


def test_a_server_trickling_its_page_is_cut_off_at_the_timeout(store: Store, site: Site) -> None:
    # One byte every 0.4 s: every read is quicker than the timeout, the page never is.
    site.routes["/trickle"] = Route(b"<html><body><p>slowly</p></body></html>", pace=0.4)
    site.routes["/ok"] = page()
    ingestor = Ingestor(store, IngestSettings(allow_private_urls=True, timeout=1.0))

    results = ingestor.ingest([site.url("/trickle"), site.url("/ok")])
    started = time.monotonic()
    slow = next(results)
    elapsed = time.monotonic() - started

    assert slow.error == f"timed out after 1 s fetching {site.url('/trickle')}"
    assert elapsed < 3.0
    assert [r.outcome for r in results] == [Outcome.ADDED]


def test_a_chain_of_slow_redirects_is_bounded_by_one_timeout(store: Store, site: Site) -> None:
    for hop in range(1, 6):
        site.routes[f"/r{hop}"] = Route(status=302, headers={"Location": f"/r{hop + 1}"}, delay=0.6)
    site.routes["/r6"] = page()
    ingestor = Ingestor(store, IngestSettings(allow_private_urls=True, timeout=1.0))

    started = time.monotonic()
    [result] = ingestor.ingest([site.url("/r1")])
    elapsed = time.monotonic() - started

    assert result.error == f"timed out after 1 s fetching {site.url('/r2')}"
    assert elapsed < 3.0
    assert store.articles() == []


# --- private addresses ---------------------------------------------------------------------


def test_a_local_url_is_refused_unless_private_urls_are_allowed(store: Store, site: Site) -> None:
    site.routes["/news/bus-budget"] = page()
    url = site.url("/news/bus-budget")
    ingestor = Ingestor(store, IngestSettings(allow_private_urls=False, timeout=2.0))

    [result] = ingestor.ingest([url])

    assert result.error == (
        f"refused {url}: 127.0.0.1 is a private or reserved address (127.0.0.1);"
        " set INGEST_ALLOW_PRIVATE_URLS=true to allow it"
    )
    assert store.articles() == []


PUBLIC_ONLY = IngestSettings(allow_private_urls=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/admin",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/router",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://224.0.0.1/",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match=r"is a private or reserved address .*ALLOW_PRIVATE_URLS"):
        check_address(url, PUBLIC_ONLY)


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
    ],
)
def test_nat64_and_6to4_addresses_are_judged_by_the_ipv4_address_they_embed(url: str) -> None:
    with pytest.raises(FetchError, match=r"is a private or reserved address .*ALLOW_PRIVATE_URLS"):
        check_address(url, PUBLIC_ONLY)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/news",
        "https://93.184.216.34:8443/",
        "http://[2606:4700:4700::1111]/",
        "http://[64:ff9b::5db8:d822]/",  # NAT64 of 93.184.216.34
        "http://[2002:5db8:d822::1]/",  # 6to4 of 93.184.216.34
    ],
)
def test_public_addresses_pass(url: str) -> None:
    check_address(url, PUBLIC_ONLY)


def test_private_addresses_pass_when_allowed() -> None:
    check_address("http://10.0.0.1/", IngestSettings(allow_private_urls=True))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://93.184.216.34/news.txt", "gopher://10.0.0.1/", "http:///x"]
)
def test_only_http_and_https_urls_are_fetched(url: str) -> None:
    for settings in (PUBLIC_ONLY, IngestSettings(allow_private_urls=True)):
        with pytest.raises(FetchError, match="only http"):
            check_address(url, settings)


@pytest.mark.parametrize("url", ["http://example.com:99999/", "http://a:b/", "http://[::1/"])
def test_a_malformed_url_is_a_fetch_error(url: str) -> None:
    for settings in (PUBLIC_ONLY, IngestSettings(allow_private_urls=True)):
        with pytest.raises(FetchError, match=r"^not a valid URL: "):
            check_address(url, settings)


def test_a_host_resolving_to_a_private_address_on_a_second_lookup_is_never_reached_there(
    store: Store, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mocked, since no DNS server here can rebind a name: the resolver answers a public address
    # on the first lookup of news.example and the test's own site, 127.0.0.1, on every later one.
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if host != "news.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    site.routes["/private"] = page("Internal memo")
    url = f"http://news.example:{site.server.server_address[1]}/private"
    ingestor = Ingestor(store, IngestSettings(allow_private_urls=False, timeout=1.0))

    [result] = ingestor.ingest([url])

    assert site.requested == []
    assert result.failed  # 93.184.216.34 serves nothing on the site's port
    assert store.articles() == []
