"""Loading runs ahead of writing: the next pages are fetched while a batch is embedded, and
everything a user saw before stays: the order of results, failures on their own, feeds."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Sequence
from itertools import islice

import pytest

from ingest import Ingestor, IngestResult, IngestSettings
from ingest._extract import Draft
from ingest._inputs import Item
from store import Article, Outcome, Store, WriteResult
from tests.conftest import SHARED_DATA, Route, Site, article_html

INDOSUM = SHARED_DATA / "corpus" / "indosum_articles.jsonl.gz"
# How long a test waits for a request before it fails; the pages answer in milliseconds.
PATIENCE = 60.0


def serve_news(site: Site, count: int) -> list[str]:
    """`count` different IndoSum articles (their first two paragraphs) as pages; their URLs."""
    with gzip.open(INDOSUM, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in islice(lines, count)]
    for number, record in enumerate(records, 1):
        paragraphs = record["text"].split("\n\n")[:2]
        site.routes[f"/news/{number}"] = Route(article_html(record["title_slug"], paragraphs))
    return [site.url(f"/news/{number}") for number in range(1, count + 1)]


def loaders() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "ingest-loader"]


@pytest.fixture
def batches_of_two(store: Store, ingest_settings: IngestSettings) -> Ingestor:
    return Ingestor(store, ingest_settings.model_copy(update={"batch_size": 2}))


def test_the_next_pages_are_fetched_while_a_batch_is_written(
    batches_of_two: Ingestor, store: Store, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = serve_news(site, 4)
    seen_during_first_write: list[bool] = []
    write = store.write

    def watched_write(articles: Sequence[Article]) -> list[WriteResult]:
        # Loading one after the other, the third page would be asked for only after this returns.
        if not seen_during_first_write:
            seen_during_first_write.append(site.wait_for("/news/3", PATIENCE))
        return write(articles)

    monkeypatch.setattr(store, "write", watched_write)

    results = list(batches_of_two.ingest(urls))

    assert seen_during_first_write == [True], "the third page was not fetched during batch 1"
    assert [r.label for r in results] == urls
    assert all(r.outcome is Outcome.ADDED for r in results), [r.error for r in results]
    assert len(store.articles()) == 4
    assert loaders() == []


def test_results_keep_their_order_and_a_failing_url_is_reported_alone(
    batches_of_two: Ingestor, store: Store, site: Site
) -> None:
    first, second, third = serve_news(site, 3)
    missing = site.url("/news/missing")

    results = list(batches_of_two.ingest([first, missing, second, third]))

    # A failure is told as soon as it is known, articles once their batch is written.
    assert [r.label for r in results] == [missing, first, second, third]
    assert results[0] == IngestResult(missing, None, error=f"HTTP 404 Not Found for {missing}")
    assert [r.outcome for r in results[1:]] == [Outcome.ADDED] * 3
    assert sorted(r.url for r in store.articles()) == sorted([first, second, third])


def test_a_feeds_entries_are_ingested_in_its_place(
    batches_of_two: Ingestor, store: Store, site: Site
) -> None:
    before, entry_one, entry_two, after = serve_news(site, 4)
    items = "".join(
        f"<item><title>t</title><link>{url}</link></item>" for url in (entry_one, entry_two)
    )
    site.routes["/feed"] = Route(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}'
        "</channel></rss>".encode(),
        content_type="application/rss+xml",
    )

    results = list(batches_of_two.ingest([before, site.url("/feed"), after]))

    assert [r.label for r in results] == [before, entry_one, entry_two, after]
    assert all(r.outcome is Outcome.ADDED for r in results), [r.error for r in results]
    assert len(store.articles()) == 4


def test_closing_the_results_early_stops_fetching(
    batches_of_two: Ingestor, store: Store, site: Site
) -> None:
    urls = serve_news(site, 8)

    results = batches_of_two.ingest(urls)
    first = next(results)
    results.close()

    assert first.label == urls[0]
    assert first.outcome is Outcome.ADDED
    assert loaders() == []
    # Batch 1 written, at most a batch and the page in hand loaded ahead, nothing after.
    assert site.requested[:2] == ["/news/1", "/news/2"]
    assert set(site.requested) <= {f"/news/{n}" for n in range(1, 6)}
    assert len(store.articles()) == 2


def test_a_load_that_exits_ends_the_run_with_that_exit(ingestor: Ingestor, store: Store) -> None:
    def exits() -> Draft:
        raise SystemExit(3)

    with pytest.raises(SystemExit) as raised:
        list(ingestor.run([Item("exits", exits)]))

    assert raised.value.code == 3
    assert loaders() == []
    assert store.articles() == []
