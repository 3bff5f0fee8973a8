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
    return [_absolute(entry.link, url) for entry in feed.entries if entry.get("link")]


def _absolute(link: str, url: str) -> str:
    """An entry link resolved against the feed's address; a malformed one kept as it is."""
    try:
        return urljoin(url, link)
    except ValueError:
        return link  # fetching it fails on its own, never the feed or its other entries


def looks_like_feed(content_type: str, content: bytes) -> bool:
    """Whether a response is probably a feed, before parsing it."""
    head = content[:512].lstrip().lower()
    return content_type in FEED_TYPES or head.startswith((b"<?xml", b"<rss", b"<feed"))
