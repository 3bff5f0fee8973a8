"""The ingest pipeline: items loaded, cleaned, identified and written to the store in batches."""

from __future__ import annotations

import logging
import queue
import threading
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
        published=_clean.iso_date(draft.published),
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
        """Load the items in order and write them in batches; a feed's entries join the queue.

        The items load on a thread of their own, up to a batch ahead, while this one writes:
        the next pages are fetched while a batch is embedded. Results come as they did loading
        inline: a failure at once, an article once its batch is written. Closing the iterator
        stops the loading after the item in hand.
        """
        loader = _Loader(items, self._load, ahead=self.settings.batch_size)
        batch: list[tuple[str, Article]] = []
        try:
            for loaded in loader:
                if isinstance(loaded, IngestResult):
                    yield loaded
                    continue
                batch.append(loaded)
                if len(batch) >= self.settings.batch_size:
                    yield from self._write(batch)
                    batch = []
            yield from self._write(batch)
        finally:
            loader.close()

    @staticmethod
    def _load(item: Item) -> Article | list[Item] | IngestResult:
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

    def ingest_text(
        self, text: str, *, site: str = "", url: str = "", published: str = ""
    ) -> IngestResult:
        """Pasted or forwarded text: the first line is its title; `published` when known."""
        draft = with_defaults(from_text(text), site=site, url=url, key=url, published=published)
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


#: A loaded item: its label and article, or its failure.
_Loaded = tuple[str, Article] | IngestResult


@dataclass(frozen=True)
class _End:
    """The loader is done; `error` is what stopped it, if anything did."""

    error: BaseException | None = None


class _Loader:
    """Items loaded in order on a thread of their own, at most `ahead` waiting to be taken.

    A feed's items join the front of the queue as they do when loading inline. Taking stops at
    the end of the items; `close` stops the thread after the item in hand (a fetch ends by its
    deadline) and waits for it.
    """

    def __init__(
        self,
        items: Iterable[Item],
        load: Callable[[Item], Article | list[Item] | IngestResult],
        ahead: int,
    ) -> None:
        self._items = deque(items)
        self._load = load
        self._loaded: queue.Queue[_Loaded | _End] = queue.Queue(ahead)
        self._stop = threading.Event()
        # A daemon, so that an iterator left unclosed never keeps the process from exiting.
        self._thread = threading.Thread(target=self._run, name="ingest-loader", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[_Loaded]:
        """Each article (with its label) or failure, in order, a feed's entries in its place."""
        while not isinstance(loaded := self._loaded.get(), _End):
            yield loaded
        if loaded.error is not None:
            raise loaded.error

    def close(self) -> None:
        """Stop loading and wait for the thread to end."""
        self._stop.set()
        # Room in the queue for the one put the thread may still make; it checks the stop before
        # each, so it makes no other.
        while True:
            try:
                self._loaded.get_nowait()
            except queue.Empty:
                break
        self._thread.join()

    def _run(self) -> None:
        try:
            while self._items and not self._stop.is_set():
                item = self._items.popleft()
                loaded = self._load(item)
                if isinstance(loaded, list):
                    self._items.extendleft(reversed(loaded))
                elif isinstance(loaded, IngestResult):
                    self._put(loaded)
                else:
                    self._put((item.label, loaded))
            self._put(_End())
        # `_load` makes every error the item's failure; whatever still escapes (a SystemExit from
        # a load, a bug here) is raised to the writer rather than leave it waiting forever.
        except BaseException as exc:  # noqa: BLE001 - raised again by the writer
            self._put(_End(exc))

    def _put(self, loaded: _Loaded | _End) -> None:
        if not self._stop.is_set():
            self._loaded.put(loaded)
