"""The ingest pipeline: items loaded, cleaned, identified and written to the store in batches."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from store import Article, Outcome, Store

from . import _clean
from ._errors import IngestError
from ._extract import Draft, extract, from_text, with_defaults
from ._feeds import entry_links
from ._fetch import fetch
from ._identity import article_id, canonical_url, content_hash
from ._inputs import Item, expand
from ._jsonl import JsonlFields
from ._settings import IngestSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """What became of one input (`label`: a path, a URL, a corpus line): an outcome, or why not."""

    label: str
    outcome: Outcome | None
    article_id: str = ""
    title: str = ""
    error: str = ""

    @property
    def failed(self) -> bool:
        """True when the input could not be ingested."""
        return self.outcome is None


@dataclass
class Summary:
    """Counts over a run: `added N, updated N, unchanged N, duplicates N, failed N`."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[IngestResult] = field(default_factory=list)

    def add(self, result: IngestResult) -> None:
        """Count one result."""
        name = result.outcome.value if result.outcome else "failed"
        self.counts[name] = self.counts.get(name, 0) + 1
        if result.failed:
            self.failures.append(result)

    def __str__(self) -> str:
        names = ("added", "updated", "unchanged", "duplicate", "failed")
        labels = ("added", "updated", "unchanged", "duplicates", "failed")
        return ", ".join(
            f"{label} {self.counts.get(n, 0)}" for n, label in zip(names, labels, strict=True)
        )


def to_article(draft: Draft) -> Article:
    """A clean, identified article from a draft; an error when no text remains."""
    title = _clean.normalize(draft.title).replace("\n", " ")
    text = _clean.strip_boilerplate(_clean.normalize(draft.text))
    if not text:
        raise IngestError("no article text left after cleaning")
    first, _, rest = text.partition("\n\n")
    if title and first == title and rest:
        # Pages repeat their headline as the first paragraph; the title already says it.
        text = rest
    title = title or first[:120]
    key = canonical_url(draft.key) if draft.key.startswith(("http://", "https://")) else draft.key
    digest = content_hash(title, text)
    return Article(
        id=article_id(key or f"content:{digest}"),
        title=title,
        text=text,
        content_hash=digest,
        url=draft.url,
        site=draft.site,
        published=draft.published,
        author=draft.author,
        language=_clean.detect_language(f"{title}\n{text}"),
    )


class Ingestor:
    """Sources in, stored articles out, each source succeeding or failing on its own.

    Usage::

        ingestor = Ingestor(store)
        for result in ingestor.ingest(["seeds/", "https://example.com/news.html"]):
            print(result)
    """

    def __init__(self, store: Store, settings: IngestSettings | None = None) -> None:
        self.store = store
        self.settings = settings or IngestSettings()

    def plan(
        self, sources: list[str], fields: JsonlFields | None = None, feed: bool = False
    ) -> list[Item]:
        """The items the sources name, without loading them."""
        return list(expand(sources, self.settings, fields, feed))

    def ingest(
        self, sources: list[str], fields: JsonlFields | None = None, feed: bool = False
    ) -> Iterator[IngestResult]:
        """Ingest everything the sources name."""
        return self.run(self.plan(sources, fields, feed))

    def run(self, items: Iterable[Item]) -> Iterator[IngestResult]:
        """Load the items in order and write them in batches; a feed's entries join the queue."""
        queue = deque(items)
        batch: list[tuple[str, Article]] = []
        while queue:
            item = queue.popleft()
            loaded = self._load(item)
            if isinstance(loaded, IngestResult):
                yield loaded
            elif isinstance(loaded, list):
                queue.extendleft(reversed(loaded))
            else:
                batch.append((item.label, loaded))
                if len(batch) >= self.settings.batch_size:
                    yield from self._write(batch)
                    batch = []
        yield from self._write(batch)

    def _load(self, item: Item) -> Article | list[Item] | IngestResult:
        """The item's article or the items it stands for; whatever goes wrong, its failure."""
        try:
            loaded = item.load()
            return loaded if isinstance(loaded, list) else to_article(loaded)
        except IngestError as exc:
            return IngestResult(item.label, None, error=str(exc))
        # A bug or an unforeseen library error fails this item, never the batch.
        except Exception as exc:
            logger.exception("loading %s failed", item.label)
            reason = " ".join(str(exc).split()) or "no message"
            return IngestResult(
                item.label, None, error=f"unexpected {type(exc).__name__} ({reason}); see the log"
            )

    def ingest_text(self, text: str, *, site: str = "", url: str = "") -> IngestResult:
        """Pasted or forwarded text: the first line is its title."""
        draft = with_defaults(from_text(text), site=site, url=url, key=url)
        return self._single(site or "text", lambda: draft)

    def ingest_bytes(self, content: bytes, filename: str) -> IngestResult:
        """An uploaded file's bytes, typed by the file name."""
        if len(content) > self.settings.max_bytes:
            return IngestResult(
                filename, None, error=f"over the {self.settings.max_bytes:,}-byte cap"
            )
        return self._single(
            filename, lambda: with_defaults(extract(content, filename), site=filename)
        )

    def feed_links(self, url: str) -> list[str]:
        """The entry links of the RSS/Atom feed at `url`; an `IngestError` when it is none."""
        fetched = fetch(url, self.settings)
        return entry_links(fetched.content, url)

    def _single(self, label: str, load: Callable[[], Draft]) -> IngestResult:
        return next(self.run([Item(label, load)]))

    def _write(self, batch: list[tuple[str, Article]]) -> Iterator[IngestResult]:
        if not batch:
            return
        try:
            results = self.store.write([article for _, article in batch])
        # Whatever the store or the model raised, the batch goes on: retry articles one by one
        # so that only the article at fault fails.
        except Exception as exc:
            if len(batch) == 1:
                logger.exception("writing %s failed", batch[0][0])
                yield IngestResult(batch[0][0], None, error=f"could not store it: {exc}")
                return
            for one in batch:
                yield from self._write([one])
            return
        for (label, _), result in zip(batch, results, strict=True):
            yield IngestResult(label, result.outcome, result.article_id, result.title)
