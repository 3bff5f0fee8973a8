"""Votes on answers, kept for `kabar feedback`: the 👍 / 👎 buttons, and those reactions."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, Message, ReactionType, ReactionTypeEmoji, Update

from bot.engine import Answer, same_question

from ._chat_settings import chat_language
from ._services import KabarContext
from ._state import BotState, Vote
from ._texts import text

VOTE = "vote"
# `vote:up:42`: the vote and the message its answer is kept under, as the Quotes button names it.
VOTE_DATA = re.compile(rf"^{VOTE}:(up|down):(\d+)$")
_THUMBS = {"up": "👍", "down": "👎"}
_VOTES = {thumb: vote for vote, thumb in _THUMBS.items()}


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
    vote = _vote(state, chat_id, kept_under, answer, query.from_user.id, match[1])
    await asyncio.to_thread(state.record_vote, kept_under, vote)
    await query.answer(text(language, f"vote_{match[1]}"))


async def vote_reaction(update: Update, context: KabarContext) -> None:
    """A 👍 or 👎 reaction to an answer: the reactor's vote on it, as its buttons record it.

    Taken back (or changed to another emoji), the vote is withdrawn; other emoji are no votes.
    A reaction to anything but an answer's own message (a part of it) is ignored, and so is
    one given anonymously, on a chat's behalf: it is nobody's vote.
    """
    reaction = update.message_reaction
    if reaction is None or reaction.user is None:
        return
    state, chat_id = context.bot_data.services.state, reaction.chat.id
    kept_under = state.kept_under(chat_id, reaction.message_id)
    answer = state.answer(chat_id, reaction.message_id)
    # The question is kept under its own id too: a reaction to it is no vote on the answer.
    if kept_under is None or kept_under == reaction.message_id or answer is None:
        return
    old, new = _thumbs(reaction.old_reaction), _thumbs(reaction.new_reaction)
    user_id = reaction.user.id
    if new:
        # A reaction added beside another wins: the newest thumb is the vote.
        vote = ([thumb for thumb in new if thumb not in old] or new)[-1]
        given = _vote(state, chat_id, kept_under, answer, user_id, vote)
        await asyncio.to_thread(state.record_vote, kept_under, given)
    elif old:
        await asyncio.to_thread(state.withdraw_vote, chat_id, kept_under, user_id)


def _thumbs(reactions: Sequence[ReactionType]) -> list[str]:
    """The votes ("up", "down") among reactions, in their order."""
    return [
        _VOTES[reaction.emoji]
        for reaction in reactions
        if isinstance(reaction, ReactionTypeEmoji) and reaction.emoji in _VOTES
    ]


def _vote(  # noqa: PLR0917
    state: BotState, chat_id: int, kept_under: int, answer: Answer, user_id: int, vote: str
) -> Vote:
    """`user_id`'s vote on the answer kept under `kept_under`, with what the answer was."""
    asked = state.asked(chat_id, kept_under) or answer.question
    return Vote(
        chat_id=chat_id,
        user_id=user_id,
        vote=vote,
        question=asked,
        standalone="" if same_question(asked, answer.question) else answer.question,
        article_ids=tuple(citation.article.id for citation in answer.citations),
        backend=answer.backend,
        at=datetime.now(UTC),
    )
