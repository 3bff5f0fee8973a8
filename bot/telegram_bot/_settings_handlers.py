"""`/settings`: a menu of buttons, edited in place, that changes this chat's own settings.

In a group only its admins (and bot admins) may change them; anyone in their private chat.
"""

from __future__ import annotations

import asyncio
import html
import re
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from ._access import may_manage_chat
from ._briefing_handlers import reschedule
from ._chat_settings import BRIEFING_TIMES, LANGUAGES, SOURCE_COUNTS, ChatSettings, chat_language
from ._services import KabarContext
from ._texts import text

SETTINGS = "set"
_NAMES = ("language", "search", "sources", "briefing")
# `set:menu`, `set:sources` (its choices), `set:sources:5` (that choice made).
SETTINGS_DATA = re.compile(rf"^{SETTINGS}:(menu|{'|'.join(_NAMES)})(?::(.+))?$")
# The most sites offered to search in, the most widely carried first.
_SITES = 8
_MAX_DATA = 64  # bytes of a button's callback_data, Telegram's limit


async def settings_command(update: Update, context: KabarContext) -> None:
    """/settings: this chat's settings, each changed with its buttons."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if not await may_manage_chat(update, context):
        await message.reply_text(text(chat_language(update, context), "refused_admin"))
        return
    body, markup = _menu(ChatSettings.of(context, chat.id), chat_language(update, context))
    await message.reply_text(body, reply_markup=markup)


async def settings_button(update: Update, context: KabarContext) -> None:
    """A button of the settings menu: a setting's choices, or a choice made and the menu again."""
    query = update.callback_query
    match = SETTINGS_DATA.match(query.data or "") if query else None
    if query is None or match is None or not isinstance(query.message, Message):
        return
    if not await may_manage_chat(update, context):
        await query.answer(text(chat_language(update, context), "refused_admin"), show_alert=True)
        return
    name, value, chat_id = match[1], match[2], query.message.chat_id
    settings = ChatSettings.of(context, chat_id)
    if name != "menu" and value is not None:
        if value not in await _choices(name, context):
            await query.answer(
                text(chat_language(update, context), "settings_stale"), show_alert=True
            )
            return
        settings = replace(settings, **{name: value})
        await settings.save(context, chat_id)
        if name == "briefing":
            reschedule(context, chat_id, value)
    await query.answer()
    language = chat_language(update, context)
    if name == "menu" or value is not None:
        body, markup = _menu(settings, language)
    else:
        body, markup = await _submenu(name, settings, language, context)
    await _edit(query.message, body, markup)


def _menu(settings: ChatSettings, language: str) -> tuple[str, InlineKeyboardMarkup]:
    """The menu: each setting's current choice, and a button for each setting."""
    lines = [text(language, "settings")]
    lines += [
        f"{text(language, f'setting_{name}')}: {_label(name, getattr(settings, name), language)}"
        for name in _NAMES
    ]
    buttons = [
        [InlineKeyboardButton(text(language, f"setting_{name}"), callback_data=f"set:{name}")]
        for name in _NAMES
    ]
    return html.escape("\n".join(lines)), InlineKeyboardMarkup(buttons)


async def _submenu(
    name: str, settings: ChatSettings, language: str, context: KabarContext
) -> tuple[str, InlineKeyboardMarkup]:
    """One setting's choices, the current one ticked, and a way back to the menu."""
    current = getattr(settings, name)
    rows = [
        [
            InlineKeyboardButton(
                ("✓ " if value == current else "") + _label(name, value, language),
                callback_data=f"set:{name}:{value}",
            )
        ]
        for value in await _choices(name, context)
    ]
    rows.append([InlineKeyboardButton(text(language, "back"), callback_data="set:menu")])
    return html.escape(f"{text(language, f'setting_{name}')}:"), InlineKeyboardMarkup(rows)


async def _choices(name: str, context: KabarContext) -> list[str]:
    """The choices a setting offers: searching the collection's own languages and sites."""
    if name == "language":
        return list(LANGUAGES)
    if name == "sources":
        return list(SOURCE_COUNTS)
    if name == "briefing":
        return list(BRIEFING_TIMES)
    stats = await asyncio.to_thread(context.bot_data.services.engine.store.stats)
    sites = sorted(stats.sites, key=lambda site: (-stats.sites[site], site))
    choices = [f"site:{site}" for site in sites if site]
    fitting = [c for c in choices if len(f"set:search:{c}".encode()) <= _MAX_DATA][:_SITES]
    return ["all", *(f"language:{code}" for code in sorted(stats.languages)), *fitting]


def _label(name: str, value: str, language: str) -> str:
    """What a button or the menu calls a choice."""
    kind, _, rest = value.partition(":")
    if name == "language":
        return text(language, f"choice_{value}")
    if name == "search" and kind == "language":
        return text(language, f"articles_{rest}") if rest in LANGUAGES else rest
    if name == "search" and kind == "site":
        return rest
    if value == "all":
        return text(language, f"all_{name}")
    return value


async def _edit(message: Message, body: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await message.edit_text(body, reply_markup=markup)
    except BadRequest as exc:
        # Two quick presses can ask for the same menu twice; the second changes nothing.
        if "not modified" not in exc.message:
            raise
