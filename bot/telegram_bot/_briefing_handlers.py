"""Handlers for briefings: `/brief`, daily subscriptions, and the job that posts them."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from telegram import Message, Update
from telegram.ext import JobQueue

from bot.engine import Period, brief, read_time

from ._access import may_manage_chat
from ._chat_settings import ChatSettings, chat_language
from ._replies import briefing_html, split_html
from ._services import KabarContext
from ._state import Subscription
from ._texts import text
from ._topics import thread_of

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TIME_LIKE = re.compile(r"^\d+:\d+$")
# Each briefing is composed and posted every day: the most one chat receives, and the most one
# person can set up across chats (anyone can make groups and administer them).
_PER_CHAT = 5
_PER_USER = 10
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
# The start of a period open towards the past ("before April"): before any dated article.
_EPOCH = date(1970, 1, 1)


async def brief_command(update: Update, context: KabarContext) -> None:
    """/brief [topic] [period]: the period's stories, each cited with its articles.

    Without a period, the stories since the chat's last briefing, else of the last day.
    """
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    zone = context.bot_data.services.engine.settings.zone
    now = datetime.now(zone)
    timed = read_time(" ".join(context.args or []), now)
    topic = "" if timed.period and timed.text == timed.asked else timed.text
    if timed.period is None:
        last = context.bot_data.services.state.last_briefing(chat.id)
        since, until = (last.astimezone(zone) if last else now - _DAY), now
    else:
        since, until = _bounds(timed.period, now)
    await post_briefing(
        context,
        (chat.id, thread_of(message)),
        topic,
        chat_language(update, context),
        (since, until),
    )


def _bounds(period: Period, now: datetime) -> tuple[datetime, datetime]:
    """The first and last moment of a period's days in `now`'s zone (up to now at most)."""
    zone = now.tzinfo
    since = datetime.combine(period.since or _EPOCH, time(0), zone)
    if period.until is None or period.until >= now.date():
        return since, now
    return since, datetime.combine(period.until + timedelta(days=1), time(0), zone) - _SECOND


async def post_briefing(
    context: KabarContext,
    where: tuple[int, int | None],
    topic: str,
    language: str,
    period: tuple[datetime, datetime],
    *,
    sent: frozenset[str] = frozenset(),
) -> None:
    """Compose a briefing of the period's stories off the event loop, post it, remember it.

    `where` is the chat and its forum topic (None: the chat itself) it is posted to.

    Articles in `sent` are left out; the chat's settings choose the articles' site or
    language, the briefing's language and how many sources a story shows.
    """
    (chat_id, thread), services = where, context.bot_data.services
    chat = ChatSettings.of(context, chat_id)
    since, until = period
    briefing = await asyncio.to_thread(
        brief, services.engine, topic, language, since, until, sent=sent, within=chat.filters()
    )
    shown = chat.briefed(briefing)
    for part in split_html(briefing_html(shown)):
        await context.bot.send_message(chat_id, part, message_thread_id=thread)
    cited = [article_id for story in shown.stories for article_id in story.key]
    await asyncio.to_thread(services.state.record_briefing, chat_id, datetime.now(UTC), cited)


async def _refused(update: Update, context: KabarContext) -> bool:
    """True (after a short refusal) unless the sender may set up this chat's briefings."""
    if await may_manage_chat(update, context):
        return False
    if update.effective_message:
        await update.effective_message.reply_text(
            text(chat_language(update, context), "refused_admin")
        )
    return True


async def subscribe_command(update: Update, context: KabarContext) -> None:
    """/subscribe [HH:MM] [topic]: the briefing posted here every day, of stories not sent yet.

    Without a time, at the chat's briefing time (/settings).

    Chat or bot admins set it up in a group, anyone in their private chat; at most
    five a chat and ten a person.
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or await _refused(update, context):
        return
    language, services = chat_language(update, context), context.bot_data.services
    args = context.args or []
    timed = bool(args) and _TIME_LIKE.match(args[0]) is not None
    match = (
        _TIME.match(args[0]) if timed else _TIME.match(ChatSettings.of(context, chat.id).briefing)
    )
    if match is None:
        await message.reply_text(text(language, "subscribe_usage"))
        return
    # Counted and added with no await between (the one write on the event loop): no other
    # handler can slip past the caps.
    if len(services.state.subscriptions(chat.id)) >= _PER_CHAT:
        await message.reply_text(text(language, "subscriptions_chat_full", count=_PER_CHAT))
        return
    if len(services.state.subscriptions(user_id=user.id)) >= _PER_USER:
        await message.reply_text(text(language, "subscriptions_user_full", count=_PER_USER))
        return
    at, topic = f"{int(match[1]):02d}:{match[2]}", " ".join(args[1:] if timed else args)
    subscription = services.state.add_subscription(
        chat.id, at, topic, language, user_id=user.id, thread=thread_of(message)
    )
    schedule(context.job_queue, subscription, services.engine.settings.zone)
    about = f" ({topic})" if topic else ""
    reply = text(
        language, "subscribed", time=at, zone=services.engine.settings.timezone, topic=about
    )
    await _reply(message, html.escape(reply))


async def unsubscribe_command(update: Update, context: KabarContext) -> None:
    """/unsubscribe: stop the daily briefings posted where it is sent (chat or bot admins).

    In a forum topic, that topic's; elsewhere, the chat's own (a forum's General). Another
    topic's briefings are its own business: /subscriptions lists them all.
    """
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or await _refused(update, context):
        return
    thread = thread_of(message)
    removed = await asyncio.to_thread(
        context.bot_data.services.state.remove_subscriptions, chat.id, thread
    )
    if context.job_queue is not None:
        for subscription in removed:
            for job in context.job_queue.get_jobs_by_name(_job_name(subscription)):
                job.schedule_removal()
    key = "unsubscribed" if thread is None else "unsubscribed_topic"
    await message.reply_text(text(chat_language(update, context), key, count=len(removed)))


async def subscriptions_command(update: Update, context: KabarContext) -> None:
    """/subscriptions: this chat's daily briefings, each posted in a topic linking to it."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    language = chat_language(update, context)
    subscriptions = context.bot_data.services.state.subscriptions(chat.id)
    if not subscriptions:
        await message.reply_text(text(language, "no_subscriptions"))
        return
    lines = [_subscription_line(s, language) for s in subscriptions]
    await _reply(message, "\n".join([text(language, "subscriptions"), *lines]))


def _subscription_line(subscription: Subscription, language: str) -> str:
    """`• 07:30 Libya`, then a link to the forum topic it is posted in, if it is."""
    line = f"• {subscription.time} {html.escape(subscription.topic)}".rstrip()
    if subscription.thread is None:
        return line
    # A supergroup's link id is its chat id without the -100 prefix.
    url = f"https://t.me/c/{-subscription.chat_id - 10**12}/{subscription.thread}"
    return f'{line} (<a href="{url}">{html.escape(text(language, "in_topic"))}</a>)'


async def _reply(message: Message, html_text: str) -> None:
    """A reply in as many messages as it takes: a topic can be as long as a message."""
    for part in split_html(html_text):
        await message.reply_text(part)


def reschedule(context: KabarContext, chat_id: int, at: str) -> None:
    """Post the chat's daily briefings at `at` (HH:MM) from now on."""
    for subscription in context.bot_data.services.state.move_subscriptions(chat_id, at):
        if context.job_queue is not None:
            for job in context.job_queue.get_jobs_by_name(_job_name(subscription)):
                job.schedule_removal()
        schedule(context.job_queue, subscription, context.bot_data.services.engine.settings.zone)


def schedule(
    job_queue: JobQueue[Any] | None,
    subscription: Subscription,
    zone: tzinfo,
) -> None:
    """Run the subscription's briefing every day at its time in the bot's time zone."""
    if job_queue is None:
        return
    hours, minutes = (int(x) for x in subscription.time.split(":"))
    job_queue.run_daily(
        _post_subscription,
        time(hours, minutes, tzinfo=zone),
        chat_id=subscription.chat_id,
        name=_job_name(subscription),
        data=subscription,
    )


async def _post_subscription(context: KabarContext) -> None:
    """The daily job: post one subscription's briefing."""
    job = context.job
    if job is not None and isinstance(job.data, Subscription):
        subscription, state = job.data, context.bot_data.services.state
        now = datetime.now(context.bot_data.services.engine.settings.zone)
        # Reaching back past a day catches articles stored late; what was sent is left out.
        last = state.last_briefing(subscription.chat_id)
        since = min(last.astimezone(now.tzinfo), now - _DAY) if last else now - _DAY
        sent = state.briefed_since(subscription.chat_id, since)
        await post_briefing(
            context,
            (subscription.chat_id, subscription.thread),
            subscription.topic,
            subscription.language,
            (since, now),
            sent=sent,
        )


def _job_name(subscription: Subscription) -> str:
    return f"briefing:{subscription.id}"
