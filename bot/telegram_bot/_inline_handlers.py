"""Answers in any chat: inline queries and guest mode.

An inline query is `@bot question` typed in any chat; a guest message, a mention of the bot in
a chat it has not joined. Both send one message of their own, with no buttons: its sources
are links in its text, and a button under an inline message would come back without the chat
and message its state is kept under.
"""

from __future__ import annotations

import asyncio
import hashlib
import html

from telegram import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)

from bot.engine import Answer, QuestionTooLongError

from ._chat_settings import ChatSettings
from ._inline_memory import question_key
from ._replies import one_message_html
from ._services import Kabar, KabarContext, user_language
from ._settings import BotSettings
from ._texts import text

# A question not ending in "?" is answered once the user has typed nothing newer this long
# (seconds): never a search, let alone a language model, on every keystroke.
PAUSE = 1.0
# How long Telegram may show an answer again for the same query of the same user (seconds).
CACHE_SECONDS = 30
# The hint's button opens the private chat with `/start inline`: what the bot does.
_START_PARAMETER = "inline"
_TITLE_LIMIT = 256  # as long as an inline query can be
_DESCRIPTION_LIMIT = 120


async def inline_question(update: Update, context: KabarContext) -> None:
    """`@bot question` in any chat: the answer offered as one result, which the user sends.

    A user not on the allowlists (when one is set) gets one line instead; so does a question
    still being typed: one not ending in "?" waits for a pause, and a newer query replaces it.
    """
    query = update.inline_query
    if query is None:
        return
    services, user_id = context.bot_data.services, query.from_user.id
    language = user_language(update)
    question = " ".join(query.query.split())
    if not may_ask(user_id, services.settings):
        await _hint(query, text(language, "refused_user"))
        return
    if not question:
        await _hint(query, text(language, "inline_ask"))
        return
    if not await _done_typing(services, user_id, query.id, question):
        await _hint(query, text(language, "inline_keep_typing"))
        return
    reply = await _reply(services, question, user_id, user_id, language)
    if isinstance(reply, str):
        await _hint(query, reply)
        return
    await query.answer([_article(question, reply)], cache_time=CACHE_SECONDS, is_personal=True)


async def guest_question(update: Update, context: KabarContext) -> None:
    """A mention of the bot in a chat it has not joined (guest mode): the answer posted there.

    The bot can post only the answer to the guest query, once: a refusal or a usage line takes
    its place when there is no answer to give.
    """
    message = update.guest_message
    if message is None or message.guest_query_id is None or message.from_user is None:
        return
    services, user_id = context.bot_data.services, message.from_user.id
    language = user_language(update)
    mention = f"@{context.bot.username}".lower()
    question = " ".join(w for w in (message.text or "").split() if w.lower() != mention)
    reply: Answer | str
    if not may_ask(user_id, services.settings):
        reply = text(language, "refused_user")
    elif not question:
        reply = text(language, "inline_ask")
    else:
        reply = await _reply(services, question, user_id, message.chat_id, language)
    title = question or context.bot.first_name
    await context.bot.answer_guest_query(message.guest_query_id, _article(title, reply))


def may_ask(user_id: int, settings: BotSettings) -> bool:
    """Whether the user may ask where no chat of the bot's is involved (inline, guest mode).

    Anyone when neither ALLOWED_CHAT_IDS nor ALLOWED_USER_IDS is set, else those either names
    (a private chat's id is its user's).
    """
    listed = (*settings.allowed_chat_ids, *settings.allowed_user_ids)
    return not listed or user_id in listed


async def _done_typing(services: Kabar, user_id: int, query_id: str, question: str) -> bool:
    """Whether the query is still the user's last, at once or after a pause.

    At once for a question ending in "?"; else after a pause, in which a newer query may come
    (handlers run concurrently).
    """
    services.inline.typed(user_id, query_id)
    if not question.endswith("?"):
        await asyncio.sleep(PAUSE)
    return services.inline.last_typed(user_id, query_id)


async def _reply(
    services: Kabar, question: str, user_id: int, chat_id: int, language: str
) -> Answer | str:
    """The answer to `question`, kept a short while; or the line saying why there is none.

    Answers are asked as in a chat without settings, so a question's answer is the same for
    everyone: cached by the question alone. A cached answer costs nothing and is not counted
    against the asker's rate limit.
    """
    key = question_key(question)
    cached = services.inline.answers.get(key)
    if cached is not None:
        return cached
    limit = services.limiter.refusal(user_id, chat_id)
    if limit is not None:
        return text(language, f"rate_limited_{limit}")
    try:
        stream = services.engine.astream(question, [], ChatSettings().filters())
    except QuestionTooLongError as exc:
        return str(exc)
    async for item in stream:
        if isinstance(item, Answer):
            services.inline.answers[key] = item
            return item
    raise RuntimeError("the engine's stream ended without an answer")


def _article(title: str, reply: Answer | str) -> InlineQueryResultArticle:
    """The result sending `reply`: an answer with its numbered sources, or one line."""
    if isinstance(reply, Answer):
        message, description = one_message_html(reply, asked=title), reply.text
    else:
        message, description = html.escape(reply), reply
    return InlineQueryResultArticle(
        id=hashlib.sha256(question_key(title).encode()).hexdigest()[:32],
        title=title[:_TITLE_LIMIT],
        input_message_content=InputTextMessageContent(message),
        description=description[:_DESCRIPTION_LIMIT],
    )


async def _hint(query: InlineQuery, line: str) -> None:
    """No result, and one line above them: a button opening the bot's private chat.

    Telegram does not keep it, so the same query asked again is judged again.
    """
    button = InlineQueryResultsButton(line, start_parameter=_START_PARAMETER)
    await query.answer([], cache_time=0, is_personal=True, button=button)
