"""Handlers that grow and show the collection, and the job that polls feeds.

`/add`, uploads, `/remove` and `/feeds` change the collection and are for admins only: bot
admins anywhere; with KABAR_GROUP_ADMINS_CAN_ADD, a group's admins in their group, where they
may remove only what was added from it. `/sources` and `/stats` only show the collection.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageOriginUser, Update
from telegram.error import TelegramError

from ingest import IngestError, Ingestor, IngestResult
from store import ArticleRecord, Outcome, Store, StoreError

from ._access import is_bot_admin, may_change_collection
from ._chat_settings import chat_language
from ._replies import split_html
from ._services import KabarContext
from ._state import BotState, Feed
from ._texts import text

logger = logging.getLogger(__name__)

SOURCES = "sources"
_PAGE = 10
_DOCUMENT_TYPES = (".txt", ".md", ".html", ".htm", ".pdf")


async def _refused(update: Update, context: KabarContext) -> bool:
    """True (after a short refusal) when the sender may not change the collection here."""
    if await may_change_collection(update, context):
        return False
    if update.effective_message:
        await update.effective_message.reply_text(
            text(chat_language(update, context), "refused_admin")
        )
    return True


def result_line(result: IngestResult) -> str:
    """One source's outcome, as HTML: "added: Title" or "failed: url — reason"."""
    if result.failed:
        return f"failed: {html.escape(result.label)} — {html.escape(result.error)}"
    title = html.escape(result.title or result.label)
    outcome = result.outcome.value if result.outcome else "failed"
    return f"{outcome}: {title} (<code>{html.escape(result.article_id)}</code>)"


def _sender(update: Update) -> list[tuple[int, int]]:
    """The (chat id, user id) an article sent in this update is added by."""
    chat, user = update.effective_chat, update.effective_user
    return [(chat.id, user.id)] if chat and user else []


def _record_added(
    state: BotState, results: Iterable[IngestResult], by: list[tuple[int, int]]
) -> None:
    """Remember who added each new article, and from which chat."""
    for result in results:
        if result.outcome is Outcome.ADDED:
            state.record_added(result.article_id, by)


async def add_command(update: Update, context: KabarContext) -> None:
    """/add URL [URL...], or /add as a reply to a message holding article text."""
    message = update.effective_message
    if message is None or await _refused(update, context):
        return
    urls = context.args or []
    if message.reply_to_message and not urls:
        await _add_text(message, message.reply_to_message, _sender(update), context)
    elif urls:
        await _add_urls(message, urls, _sender(update), chat_language(update, context), context)
    else:
        await message.reply_text(text(chat_language(update, context), "add_usage"))


async def _add_urls(
    message: Message,
    urls: list[str],
    by: list[tuple[int, int]],
    language: str,
    context: KabarContext,
) -> None:
    """One progress message, edited as each URL finishes."""
    services = context.bot_data.services
    lines = [html.escape(text(language, "adding", count=len(urls)))]
    progress = await message.reply_text(lines[0])
    for url in urls:
        results = await asyncio.to_thread(_ingest, services.ingestor, [url])
        await asyncio.to_thread(_record_added, services.state, results, by)
        lines += [result_line(r) for r in results] or [
            f"failed: {html.escape(url)} — nothing found"
        ]
        await progress.edit_text("\n".join(lines))


async def _add_text(
    message: Message,
    source: Message,
    by: list[tuple[int, int]],
    context: KabarContext,
) -> None:
    """The replied-to message's text as an article, crediting where it was forwarded from."""
    services = context.bot_data.services
    body = source.text or source.caption or ""
    # A forward is dated when it was first posted, which is when its news was published.
    published = source.forward_origin.date.isoformat() if source.forward_origin else ""
    result = await asyncio.to_thread(
        services.ingestor.ingest_text, body, site=_origin_name(source), published=published
    )
    await asyncio.to_thread(_record_added, services.state, [result], by)
    await message.reply_text(result_line(result))


def _origin_name(message: Message) -> str:
    origin = message.forward_origin
    if origin is None:
        return "telegram"
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.full_name
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    name = getattr(origin, "sender_user_name", None)
    return str(getattr(chat, "title", None) or name or "telegram")


async def document(update: Update, context: KabarContext) -> None:
    """A .txt, .md, .html or .pdf file sent to the bot (with or without a caption)."""
    message = update.effective_message
    if message is None or message.document is None or await _refused(update, context):
        return
    doc, language = message.document, chat_language(update, context)
    name = doc.file_name or "upload"
    limit = context.bot_data.services.settings.max_upload_bytes
    if not name.lower().endswith(_DOCUMENT_TYPES):
        await message.reply_text(html.escape(text(language, "file_type", name=name)))
        return
    if (doc.file_size or 0) > limit:
        reply = text(language, "file_too_big", size=f"{doc.file_size:,} B", limit=f"{limit:,} B")
        await message.reply_text(reply)
        return
    content = bytes(await (await doc.get_file()).download_as_bytearray())
    result = await asyncio.to_thread(context.bot_data.services.ingestor.ingest_bytes, content, name)
    await asyncio.to_thread(
        _record_added, context.bot_data.services.state, [result], _sender(update)
    )
    await message.reply_text(result_line(result))


async def remove_command(update: Update, context: KabarContext) -> None:
    """/remove ID: an article and its chunks out of the collection.

    A group's admin may remove only what was added from their group; bot admins anything.
    """
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or await _refused(update, context):
        return
    services, language = context.bot_data.services, chat_language(update, context)
    if len(context.args or []) != 1:
        await message.reply_text(text(language, "remove_usage"))
        return
    article_id = (context.args or [""])[0]
    if not is_bot_admin(update, context) and not services.state.added_in(article_id, chat.id):
        await message.reply_text(text(language, "remove_not_here"))
        return
    try:
        record = await asyncio.to_thread(services.engine.store.remove, article_id)
    except StoreError:
        await message.reply_text(html.escape(text(language, "not_found", id=article_id)))
        return
    await asyncio.to_thread(services.state.forget_article, record.id)
    reply = text(language, "removed", id=record.id, title=record.title)
    await message.reply_text(html.escape(reply))


async def sources_command(update: Update, context: KabarContext) -> None:
    """/sources [page]: the articles with their ids, ten a page, newest first."""
    message = update.effective_message
    if message is None:
        return
    language = chat_language(update, context)
    store = context.bot_data.services.engine.store
    total = await asyncio.to_thread(store.count)
    page, pages = _requested_page(context.args or []), _page_count(total)
    if total and (page is None or not 1 <= page <= pages):
        await message.reply_text(text(language, "sources_usage", pages=pages))
        return
    body, markup = await asyncio.to_thread(_sources_page, store, page or 1, language)
    await message.reply_text(body, reply_markup=markup)


async def sources_button(update: Update, context: KabarContext) -> None:
    """The page buttons under /sources."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or not query.data:
        return
    await query.answer()
    page = _requested_page([query.data.removeprefix(f"{SOURCES}:")])
    if page is None:
        return  # only a modified client sends data the bot never put on a button
    store = context.bot_data.services.engine.store
    # The collection may have shrunk since the buttons were made: the nearest page is shown.
    body, markup = await asyncio.to_thread(
        _sources_page, store, page, chat_language(update, context)
    )
    await query.message.edit_text(body, reply_markup=markup)


def _requested_page(args: list[str]) -> int | None:
    """The page asked for (1 when none is), None when the argument is no page number.

    ASCII digits only: `"²".isdigit()` is true, yet `int("²")` fails.
    """
    if not args:
        return 1
    if len(args) == 1 and re.fullmatch(r"[0-9]{1,9}", args[0]):
        return int(args[0])
    return None


def _page_count(total: int) -> int:
    return (total + _PAGE - 1) // _PAGE


def _sources_page(
    store: Store, page: int, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /sources (the nearest one there is), with its Previous and Next buttons.

    Only the page's articles are read (the store counts the rest), however large the collection.
    """
    total = store.count()
    if not total:
        return text(language, "sources_empty"), None
    pages = _page_count(total)
    page = min(max(page, 1), pages)
    shown = store.newest(_PAGE, offset=(page - 1) * _PAGE)
    if not shown:  # removed since it was counted
        return text(language, "sources_empty"), None
    first = (page - 1) * _PAGE + 1
    heading = text(language, "sources_page", first=first, last=first + len(shown) - 1, total=total)
    lines = [f"<code>{r.id}</code> {html.escape(r.title)}{_where(r)}" for r in shown]
    buttons = [
        InlineKeyboardButton(text(language, label), callback_data=f"{SOURCES}:{target}")
        for label, target in (("previous", page - 1), ("next", page + 1))
        if 1 <= target <= pages
    ]
    return "\n".join([heading, *lines]), InlineKeyboardMarkup([buttons]) if buttons else None


def _where(record: ArticleRecord) -> str:
    """The " — site date" end of a /sources line, or nothing when the article has neither."""
    where = " ".join(x for x in (html.escape(record.site), record.published[:10]) if x)
    return f" — {where}" if where else ""


async def stats_command(update: Update, context: KabarContext) -> None:
    """/stats: how many articles and chunks, by language."""
    message = update.effective_message
    if message is None:
        return
    stats = await asyncio.to_thread(context.bot_data.services.engine.store.stats)
    languages = ", ".join(f"{k} {v}" for k, v in sorted(stats.languages.items())) or "-"
    reply = text(
        chat_language(update, context),
        "stats",
        articles=stats.articles,
        chunks=stats.chunks,
        languages=languages,
    )
    await message.reply_text(html.escape(reply))


async def feeds_command(update: Update, context: KabarContext) -> None:
    """/feeds add URL, /feeds list, /feeds remove URL: feeds polled for new articles."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or await _refused(update, context):
        return
    language, args = chat_language(update, context), context.args or []
    state = context.bot_data.services.state
    if args[:1] == ["list"]:
        feeds = state.feeds(chat.id)
        lines = [text(language, "feeds"), *(html.escape(f.url) for f in feeds)]
        await message.reply_text("\n".join(lines) if feeds else text(language, "no_feeds"))
    elif args[:1] == ["add"] and len(args) == 2:
        await _follow(message, Feed(args[1], chat.id, language, user.id), context)
    elif args[:1] == ["remove"] and len(args) == 2:
        removed = await asyncio.to_thread(state.remove_feed, args[1], chat.id)
        key = "feed_removed" if removed else "feed_unknown"
        await message.reply_text(html.escape(text(language, key, url=args[1])))
    else:
        await message.reply_text(text(language, "feeds_usage"))


async def _follow(message: Message, feed: Feed, context: KabarContext) -> None:
    """Check the feed, follow it, and add what it holds now."""
    services = context.bot_data.services
    try:
        links = await asyncio.to_thread(_feed_links, services.ingestor, feed.url)
    except IngestError as exc:
        await message.reply_text(f"failed: {html.escape(feed.url)} — {html.escape(str(exc))}")
        return
    await asyncio.to_thread(services.state.add_feed, feed)
    await message.reply_text(html.escape(text(feed.language, "feed_added", url=feed.url)))
    await _ingest_new(context, feed.url, links, [feed])


async def poll_feeds(context: KabarContext) -> None:
    """The feed job: new entries of every followed feed ingested, each following chat told.

    Each feed is polled on its own: one that is down or broken is logged and polled again
    next time, and never keeps the feeds after it from being read.
    """
    services = context.bot_data.services
    followers: dict[str, list[Feed]] = {}
    for feed in services.state.feeds():
        followers.setdefault(feed.url, []).append(feed)
    for url, feeds in followers.items():
        try:
            links = await asyncio.to_thread(_feed_links, services.ingestor, url)
            await _ingest_new(context, url, links, feeds)
        except IngestError as exc:
            logger.warning("polling the feed %s failed: %s", url, exc)
        except Exception:
            logger.exception("polling the feed %s failed", url)


async def _ingest_new(context: KabarContext, url: str, links: list[str], feeds: list[Feed]) -> None:
    """Ingest the entries not seen before and tell each following chat what came.

    The new articles are recorded as added from every chat following the feed.
    """
    state, ingestor = context.bot_data.services.state, context.bot_data.services.ingestor
    new = state.unseen(url, links)
    if not new:
        return
    results = await asyncio.to_thread(_ingest, ingestor, new)
    # Failed entries are reported once, not retried on every poll.
    await asyncio.to_thread(state.mark_seen, url, new)
    by = [(feed.chat_id, feed.user_id) for feed in feeds]
    await asyncio.to_thread(_record_added, state, results, by)
    lines = [result_line(r) for r in results]
    for feed in feeds:
        heading = html.escape(text(feed.language, "feed_news", url=url))
        try:
            for part in split_html("\n".join([heading, *lines])):
                await context.bot.send_message(feed.chat_id, part)
        except TelegramError as exc:
            # A chat that blocked or removed the bot misses its news, the others do not.
            logger.warning("telling chat %s about %s failed: %s", feed.chat_id, url, exc)


def _feed_links(ingestor: Ingestor, url: str) -> list[str]:
    """The feed's entry links; whatever reading it raised, as an `IngestError` with its reason."""
    try:
        return ingestor.feed_links(url)
    except IngestError:
        raise
    except Exception as exc:
        logger.exception("reading the feed %s failed", url)
        raise IngestError(str(exc) or type(exc).__name__) from exc


def _ingest(ingestor: Ingestor, sources: list[str]) -> list[IngestResult]:
    """Web pages only: a path typed in a chat or found in a feed must never read the bot's files.

    Ingest itself makes whatever one source raises that source's failure, so the web pages go
    in together, embedded and written in batches; the results come back in the sources' order.
    """
    web = [s for s in sources if s.lower().startswith(("http://", "https://"))]
    refused = [IngestResult(s, None, error="not an http(s) URL") for s in sources if s not in web]
    results = refused + (list(ingestor.ingest(web)) if web else [])
    # A batch reports its failures as they happen and its articles once written.
    position = {source: index for index, source in enumerate(sources)}
    return sorted(results, key=lambda result: position.get(result.label, len(sources)))
