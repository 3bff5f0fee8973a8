"""The 👍 / 👎 buttons under an answer: each person's vote on it, kept for `kabar feedback`."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, Message, Update

from bot.engine import same_question

from ._chat_settings import chat_language
from ._services import KabarContext
from ._state import Vote
from ._texts import text

VOTE = "vote"
# `vote:up:42`: the vote and the message its answer is kept under, as the Quotes button names it.
VOTE_DATA = re.compile(rf"^{VOTE}:(up|down):(\d+)$")
_THUMBS = {"up": "👍", "down": "👎"}


def vote_buttons(kept_under: int) -> list[InlineKeyboardButton]:
    """The 👍 and 👎 buttons of the answer kept under message `kept_under`."""
    return [
        InlineKeyboardButton(thumb, callback_data=f"{VOTE}:{vote}:{kept_under}")
        for vote, thumb in _THUMBS.items()
    ]


async def vote_button(update: Update, context: KabarContext) -> None:
    """👍 or 👎 under an answer: the presser's vote on it, replacing their earlier one."""
    query = update.callback_query
    match = VOTE_DATA.match(query.data or "") if query else None
    if query is None or match is None or not isinstance(query.message, Message):
        return
    state, chat_id, kept_under = (
        context.bot_data.services.state,
        query.message.chat_id,
        int(match[2]),
    )
    language = chat_language(update, context)
    answer = state.answer(chat_id, kept_under)
    if answer is None:
        await query.answer(text(language, "expired"), show_alert=True)
        return
    asked = state.asked(chat_id, kept_under) or answer.question
    vote = Vote(
        chat_id=chat_id,
        user_id=query.from_user.id,
        vote=match[1],
        question=asked,
        standalone="" if same_question(asked, answer.question) else answer.question,
        article_ids=tuple(citation.article.id for citation in answer.citations),
        backend=answer.backend,
        at=datetime.now(UTC),
    )
    await asyncio.to_thread(state.record_vote, kept_under, vote)
    await query.answer(text(language, f"vote_{match[1]}"))
