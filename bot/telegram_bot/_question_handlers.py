"""Handlers for questions: private messages, `/ask`, mentions, replies, and the Quotes button."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import BadRequest

from bot.engine import Answer, Backend, QuestionTooLongError, Turn, reads_as_followup

from ._chat_settings import ChatSettings, chat_language
from ._feedback_handlers import vote_buttons
from ._replies import answer_html, quotes_html, split_html
from ._services import KabarContext
from ._state import BotState
from ._texts import text

QUOTES = "quotes"
# The Quotes button names the message its answer is kept under (`quotes:42`): the question's,
# known and saved before any part is shown, so a press the moment a part appears finds it.
QUOTES_DATA = re.compile(rf"^{QUOTES}(?::(\d+))?$")
# Telegram allows about one edit (or draft) a second per chat before flood control steps in.
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
    await asyncio.to_thread(context.bot_data.services.state.forget_last_answer, message.chat_id)
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
    kept_under = _kept_under_buttons(replied) or replied.message_id
    return context.bot_data.services.state.answer(replied.chat_id, kept_under)


def _kept_under_buttons(message: Message) -> int | None:
    """The id an answer's Quotes button names, if it has one.

    The answer was kept under it before it was shown, so a reply that comes at once finds it;
    the message's own id is saved only once Telegram confirms the send.
    """
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    for button in (button for row in rows for button in row):
        data = button.callback_data if isinstance(button.callback_data, str) else None
        if kept := _kept_under(data):
            return kept
    return None


def _recent_answer(message: Message, context: KabarContext) -> Answer | None:
    """The chat's last answer, if `message` was sent within the follow-up window after it."""
    services = context.bot_data.services
    last = services.state.last_answer(message.chat_id)
    window = timedelta(minutes=services.settings.followup_minutes)
    return last.answer if last and message.date - last.at <= window else None


@dataclass(frozen=True)
class Draft:
    """The draft a language model's answer grows in, in a private chat, before it is sent.

    Its id is the question's message id: one draft per question, its changes animated.
    """

    question: Message

    async def show(self, html_text: str) -> None:
        """Show `html_text` in the draft, in the question's topic if it is in one."""
        question = self.question
        # PTB's Message shortcuts fill in a topic's thread; send_message_draft leaves it out.
        thread = question.message_thread_id if question.is_topic_message else None
        await question.get_bot().send_message_draft(
            question.chat_id, question.message_id, html_text, message_thread_id=thread
        )


class UnansweredError(Exception):
    """A question failed after its answer began to show: the apology belongs where it showed.

    That is the placeholder in a group, the draft in a private chat.
    """

    def __init__(self, placeholder: Message | None, draft: Draft | None) -> None:
        super().__init__("the question failed after its answer began to show")
        self.placeholder = placeholder
        self.draft = draft


async def _answer(
    update: Update, context: KabarContext, question: str, history: list[Turn]
) -> None:
    """Typing at once, then the answer; a language model's grows meanwhile where it is shown.

    In a private chat that is a draft, and the answer is then sent as a message; in a group a
    placeholder, which becomes the answer. The extractive backend streams nothing: its answer
    comes whole, in one message (more past the limit), with no placeholder or draft. The
    chat's settings choose what is searched, the language and how many sources are shown.
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
    await message.reply_chat_action(ChatAction.TYPING)  # in the question's topic, if any
    placeholder, draft = await _growing(message, language, services.engine.backend)
    try:
        answer = chat.shown(await _stream_into(_partial(placeholder, draft), stream))
    except Exception as exc:
        if placeholder is None and draft is None:
            raise
        raise UnansweredError(placeholder, draft) from exc
    await _deliver(message, placeholder, answer, question, context)


async def _growing(
    message: Message, language: str, backend: str
) -> tuple[Message | None, Draft | None]:
    """Where the answer to `message` grows, "thinking" at first.

    That is a draft in a private chat, a placeholder in a group; nowhere with the extractive
    backend, which streams nothing.
    """
    if backend == Backend.EXTRACTIVE:
        return None, None
    if message.chat.type != ChatType.PRIVATE:
        return await message.reply_text(text(language, "thinking")), None
    draft = Draft(message)
    await draft.show(text(language, "thinking"))
    return None, draft


def _partial(
    placeholder: Message | None, draft: Draft | None
) -> Callable[[str], Awaitable[None]] | None:
    """What shows an answer's partial text: the draft's show, an edit of the placeholder."""
    if draft is not None:
        return draft.show
    if placeholder is not None:
        return lambda html_text: _edit(placeholder, html_text)
    return None


async def _stream_into(
    show: Callable[[str], Awaitable[None]] | None, stream: AsyncIterator[str | Answer]
) -> Answer:
    """The answer at the end of the stream; its partial text shown meanwhile, if `show`.

    The partial text is shown about once a second.
    """
    last_shown = time.monotonic()
    async for item in stream:
        if isinstance(item, Answer):
            return item
        if show is not None and time.monotonic() - last_shown >= _EDIT_INTERVAL:
            await show(html.escape(item[:_PARTIAL_LIMIT]) + " …")
            last_shown = time.monotonic()
    raise RuntimeError("the engine's stream ended without an answer")


async def _deliver(
    question: Message,
    placeholder: Message | None,
    answer: Answer,
    asked: str,
    context: KabarContext,
) -> None:
    """The answer to `asked` shown, continued in new messages past the limit.

    The first part goes into the placeholder, or without one into a reply to `question`.
    It is kept under the question's message id before it is shown (the Quotes button names
    that id) and under each part's once sent (a reply to any part follows it up). In a private
    chat it becomes the chat's last answer, which a follow-up may lean on.
    """
    parts = split_html(answer_html(answer, asked=asked))
    button = _answer_keyboard(answer, question.message_id)
    state, chat_id = context.bot_data.services.state, question.chat_id
    # Kept before it is shown, under each id known yet: a press or a reply may follow at once.
    known = [question.message_id] + ([placeholder.message_id] if placeholder else [])
    await asyncio.to_thread(_keep, state, question, known, answer, asked)
    for index, part in enumerate(parts):
        markup = button if index == len(parts) - 1 else None
        sent = await _show(question, placeholder, index, part, markup)
        if sent.message_id not in known:
            await asyncio.to_thread(
                state.save_answer, chat_id, sent.message_id, answer, kept_under=question.message_id
            )


def _keep(state: BotState, question: Message, ids: list[int], answer: Answer, asked: str) -> None:
    """The answer to `question` kept under each of `ids`, and `asked` with it for its votes.

    In a private chat the answer is also the chat's last.
    """
    for message_id in ids:
        state.save_answer(question.chat_id, message_id, answer, kept_under=question.message_id)
    state.keep_question(question.chat_id, question.message_id, asked)
    if question.chat.type == ChatType.PRIVATE:
        state.set_last_answer(question.chat_id, question.message_id, question.date)


async def _show(
    question: Message,
    placeholder: Message | None,
    index: int,
    html_text: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """Part `index` (from 0) of an answer, shown; the message that shows it.

    The first goes into the placeholder, or else into a reply to the question; the others
    into new messages after it, in the question's topic (PTB's reply shortcuts keep it).
    """
    if index > 0:
        return await question.reply_text(html_text, do_quote=False, reply_markup=markup)
    if placeholder is None:
        return await question.reply_text(html_text, reply_markup=markup)
    await _edit(placeholder, html_text, markup)
    return placeholder


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
