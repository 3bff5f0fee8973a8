"""Handlers for questions: private messages, `/ask`, mentions, replies, and the Quotes button."""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import BadRequest

from bot.engine import Answer, QuestionTooLongError, Turn, reads_as_followup

from ._chat_settings import ChatSettings, chat_language
from ._feedback_handlers import vote_buttons
from ._replies import answer_html, quotes_html, split_html
from ._services import KabarContext
from ._texts import text

QUOTES = "quotes"
# The Quotes button names the message its answer is kept under (`quotes:42`): the answer's
# last part is pressable the moment it is shown, before its own message id is known here.
QUOTES_DATA = re.compile(rf"^{QUOTES}(?::(\d+))?$")
# Telegram allows about one edit a second per chat before flood control steps in.
_EDIT_INTERVAL = 1.0
# Escaping can grow text (& -> &amp;); a partial text is cut well under the message limit.
_PARTIAL_LIMIT = 3000


async def start(update: Update, context: KabarContext) -> None:
    """/start and /help: what the bot does."""
    if update.effective_message:
        await update.effective_message.reply_text(text(chat_language(update, context), "start"))


async def private_question(update: Update, context: KabarContext) -> None:
    """Any text in a private chat is a question; a reply to an answer follows it up.

    So does a message that reads as a follow-up, soon after the chat's last answer.
    """
    message = update.effective_message
    if message and message.text:
        await _answer(update, context, message.text, _history(message, message.text, context))


async def new_command(update: Update, context: KabarContext) -> None:
    """/new: the chat starts over, its next question followed up only by a reply."""
    message = update.effective_message
    if message is None:
        return
    context.bot_data.services.state.forget_last_answer(message.chat_id)
    await message.reply_text(text(chat_language(update, context), "new"))


async def ask_command(update: Update, context: KabarContext) -> None:
    """/ask QUESTION, in any chat."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or [])
    if not question:
        await message.reply_text(text(chat_language(update, context), "empty_question"))
        return
    await _answer(update, context, question, _history(message, question, context))


async def group_message(update: Update, context: KabarContext) -> None:
    """In groups: a mention of the bot is a question, a reply to its answer a follow-up."""
    message = update.effective_message
    if message is None or not message.text:
        return
    history = _history(message, message.text, context)
    mention = f"@{context.bot.username}".lower()
    mentioned = any(
        entity.type == MessageEntityType.MENTION and value.lower() == mention
        for entity, value in message.parse_entities().items()
    )
    if not (history or mentioned):
        return  # chatter between people, not for the bot
    question = " ".join(word for word in message.text.split() if word.lower() != mention)
    await _answer(update, context, question, history)


def _history(message: Message, question: str, context: KabarContext) -> list[Turn]:
    """The earlier question and answer that `question` follows up, if any.

    That is the bot's answer `message` replies to; in a private chat without a reply, the
    chat's last answer when `question` reads as a follow-up and comes within
    KABAR_FOLLOWUP_MINUTES of it. Groups follow up by replies only: there the last answer
    may have been someone else's.
    """
    earlier = _replied_answer(message, context)
    if earlier is None and message.chat.type == ChatType.PRIVATE and reads_as_followup(question):
        earlier = _recent_answer(message, context)
    return [Turn(earlier.question, earlier.text)] if earlier else []


def _replied_answer(message: Message, context: KabarContext) -> Answer | None:
    """The bot's answer that `message` replies to, while it is kept."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return context.bot_data.services.state.answer(replied.chat_id, replied.message_id)


def _recent_answer(message: Message, context: KabarContext) -> Answer | None:
    """The chat's last answer, if `message` was sent within the follow-up window after it."""
    services = context.bot_data.services
    last = services.state.last_answer(message.chat_id)
    window = timedelta(minutes=services.settings.followup_minutes)
    return last.answer if last and message.date - last.at <= window else None


async def _answer(
    update: Update, context: KabarContext, question: str, history: list[Turn]
) -> None:
    """Typing at once, a placeholder edited as the answer grows, then the answer itself.

    The chat's settings choose what is searched, the language and how many sources are shown.
    """
    services, message = context.bot_data.services, update.effective_message
    if message is None or update.effective_user is None:
        return
    chat = ChatSettings.of(context, message.chat_id)
    language = chat.answer_language(question)
    limit = services.limiter.refusal(update.effective_user.id, message.chat_id)
    if limit is not None:
        await message.reply_text(text(language, f"rate_limited_{limit}"))
        return
    try:
        stream = services.engine.astream(question, history, chat.filters())
    except QuestionTooLongError as exc:
        await message.reply_text(html.escape(str(exc)))
        return
    await message.chat.send_action(ChatAction.TYPING)
    placeholder = await message.reply_text(text(language, "thinking"))
    answer = chat.shown(await _stream_into(placeholder, stream))
    await _deliver(placeholder, answer, question, context)


async def _stream_into(placeholder: Message, stream: AsyncIterator[str | Answer]) -> Answer:
    """Edit the placeholder with the partial text, about once a second; return the answer."""
    last_edit = time.monotonic()
    async for item in stream:
        if isinstance(item, Answer):
            return item
        if time.monotonic() - last_edit >= _EDIT_INTERVAL:
            await _edit(placeholder, html.escape(item[:_PARTIAL_LIMIT]) + " …")
            last_edit = time.monotonic()
    raise RuntimeError("the engine's stream ended without an answer")


async def _deliver(placeholder: Message, answer: Answer, asked: str, context: KabarContext) -> None:
    """The answer to `asked` in the placeholder, continued in new messages past the limit.

    In a private chat it becomes the chat's last answer, which a follow-up may lean on.
    """
    parts = split_html(answer_html(answer, asked=asked))
    button = _answer_keyboard(answer, placeholder.message_id)
    # Kept before it is shown: a Quotes press, a vote or a reply may follow at once.
    state = context.bot_data.services.state
    state.save_answer(placeholder.chat_id, placeholder.message_id, answer)
    state.keep_question(placeholder.chat_id, placeholder.message_id, asked)
    if placeholder.chat.type == ChatType.PRIVATE:
        state.set_last_answer(placeholder.chat_id, placeholder.message_id, placeholder.date)
    await _edit(placeholder, parts[0], button if len(parts) == 1 else None)
    for index, part in enumerate(parts[1:], start=2):
        markup = button if index == len(parts) else None
        sent = await placeholder.chat.send_message(part, reply_markup=markup)
        state.save_answer(sent.chat_id, sent.message_id, answer)


def _answer_keyboard(answer: Answer, kept_under: int) -> InlineKeyboardMarkup:
    """Quotes (when the answer cites something), 👍 and 👎, for the answer kept there."""
    quotes = InlineKeyboardButton(
        text(answer.language, "quotes"), callback_data=f"{QUOTES}:{kept_under}"
    )
    return InlineKeyboardMarkup(
        [[*([quotes] if answer.citations else []), *vote_buttons(kept_under)]]
    )


async def _edit(
    message: Message, html_text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await message.edit_text(html_text, reply_markup=markup)
    except BadRequest as exc:
        # A streamed text can stop growing between two edits; that is not an error.
        if "not modified" not in exc.message:
            raise


async def quotes_button(update: Update, context: KabarContext) -> None:
    """The Quotes button: the exact passages the answer cites, as a reply to it."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    # A bare "quotes" is a button sent before buttons named their message: the answer's own.
    kept_under = _kept_under(query.data) or query.message.message_id
    answer = context.bot_data.services.state.answer(query.message.chat_id, kept_under)
    if answer is None:
        await query.answer(text(chat_language(update, context), "expired"), show_alert=True)
        return
    await query.answer()
    for part in split_html(quotes_html(answer)):
        await query.message.reply_text(part)


def _kept_under(data: str | None) -> int | None:
    """The message id a Quotes button's data names, if it names one."""
    match = QUOTES_DATA.match(data or "")
    return int(match[1]) if match and match[1] else None
