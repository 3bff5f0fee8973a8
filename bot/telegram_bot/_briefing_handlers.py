"""Handlers for briefings: `/brief`, daily subscriptions, and the job that posts them."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import time, tzinfo
from typing import Any

from telegram import Message, Update
from telegram.ext import JobQueue

from bot.engine import brief

from ._access import may_manage_chat
from ._replies import briefing_html, split_html
from ._services import KabarContext, user_language
from ._state import Subscription
from ._texts import text

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Each briefing is composed and posted every day: the most one chat receives, and the most one
# person can set up across chats (anyone can make groups and administer them).
_PER_CHAT = 5
_PER_USER = 10


async def brief_command(update: Update, context: KabarContext) -> None:
    """/brief [topic]: the most relevant (or newest) articles, key sentences cited."""
    chat = update.effective_chat
    if chat is not None:
        topic = " ".join(context.args or [])
        await post_briefing(context, chat.id, topic, user_language(update))


async def post_briefing(context: KabarContext, chat_id: int, topic: str, language: str) -> None:
    """Compose a briefing off the event loop and post it to the chat."""
    briefing = await asyncio.to_thread(brief, context.bot_data.services.engine, topic, language)
    for part in split_html(briefing_html(briefing)):
        await context.bot.send_message(chat_id, part)


async def _refused(update: Update, context: KabarContext) -> bool:
    """True (after a short refusal) unless the sender may set up this chat's briefings."""
    if await may_manage_chat(update, context):
        return False
    if update.effective_message:
        await update.effective_message.reply_text(text(user_language(update), "refused_admin"))
    return True


async def subscribe_command(update: Update, context: KabarContext) -> None:
    """/subscribe HH:MM [topic]: the briefing posted here every day.

    Chat or bot admins set it up in a group, anyone in their private chat; at most
    five a chat and ten a person.
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or await _refused(update, context):
        return
    language, services = user_language(update), context.bot_data.services
    args = context.args or []
    match = _TIME.match(args[0]) if args else None
    if match is None:
        await message.reply_text(text(language, "subscribe_usage"))
        return
    # Counted and added with no await between: no other handler can slip past the caps.
    if len(services.state.subscriptions(chat.id)) >= _PER_CHAT:
        await message.reply_text(text(language, "subscriptions_chat_full", count=_PER_CHAT))
        return
    if len(services.state.subscriptions(user_id=user.id)) >= _PER_USER:
        await message.reply_text(text(language, "subscriptions_user_full", count=_PER_USER))
        return
    at, topic = f"{int(match[1]):02d}:{match[2]}", " ".join(args[1:])
    subscription = services.state.add_subscription(chat.id, at, topic, language, user_id=user.id)
    schedule(context.job_queue, subscription, services.engine.settings.zone)
    about = f" ({topic})" if topic else ""
    reply = text(
        language, "subscribed", time=at, zone=services.engine.settings.timezone, topic=about
    )
    await _reply(message, html.escape(reply))


async def unsubscribe_command(update: Update, context: KabarContext) -> None:
    """/unsubscribe: stop this chat's daily briefings (chat or bot admins)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or await _refused(update, context):
        return
    removed = context.bot_data.services.state.remove_subscriptions(chat.id)
    if context.job_queue is not None:
        for subscription in removed:
            for job in context.job_queue.get_jobs_by_name(_job_name(subscription)):
                job.schedule_removal()
    await message.reply_text(text(user_language(update), "unsubscribed", count=len(removed)))


async def subscriptions_command(update: Update, context: KabarContext) -> None:
    """/subscriptions: this chat's daily briefings."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    language = user_language(update)
    subscriptions = context.bot_data.services.state.subscriptions(chat.id)
    if not subscriptions:
        await message.reply_text(text(language, "no_subscriptions"))
        return
    lines = [f"• {s.time} {html.escape(s.topic)}".rstrip() for s in subscriptions]
    await _reply(message, "\n".join([text(language, "subscriptions"), *lines]))


async def _reply(message: Message, html_text: str) -> None:
    """A reply in as many messages as it takes: a topic can be as long as a message."""
    for part in split_html(html_text):
        await message.reply_text(part)


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
        subscription = job.data
        await post_briefing(
            context, subscription.chat_id, subscription.topic, subscription.language
        )


def _job_name(subscription: Subscription) -> str:
    return f"briefing:{subscription.id}"
