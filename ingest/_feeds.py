"""RSS and Atom feeds: the links of their entries."""

from __future__ import annotations

from urllib.parse import urljoin

import feedparser

from ._errors import ExtractError

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
    }
)


def entry_links(content: bytes, url: str) -> list[str]:
    """The entry links of an RSS/Atom feed, in feed order; anything else is an error."""
    feed = feedparser.parse(content)
    version = getattr(feed, "version", "")
    if not version:
        raise ExtractError(f"not an RSS or Atom feed: {url}")
    # Entry links may be relative to the feed's own address.
    return [urljoin(url, entry.link) for entry in feed.entries if entry.get("link")]


def looks_like_feed(content_type: str, content: bytes) -> bool:
    """Whether a response is probably a feed, before parsing it."""
    head = content[:512].lstrip().lower()
    return content_type in FEED_TYPES or head.startswith((b"<?xml", b"<rss", b"<feed"))
