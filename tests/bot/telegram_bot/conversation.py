"""Who is who in the bot tests' chats, the bot's settings and services, and reading what a
user sees of its replies (the fixtures that run it are in conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.engine import Engine
from bot.telegram_bot import BotSettings, BotState, Kabar, RateLimiter
from ingest import Ingestor
from tests.bot.telegram_bot.telegram_server import BotApiServer, SentMessage

ADMIN = 42  # a bot admin (ADMIN_USER_IDS)
USER = 1001  # anyone
OTHER = 1002  # anyone else
GROUP = -1_001_000_000_001  # a supergroup the bot is in
ZONE = "Asia/Jakarta"

THINKING = "Looking through the articles…"
APOLOGY = "Sorry, something went wrong with that. Please try again."
REFUSED_ADMIN = "Only admins can do that."
Start = Callable[[Kabar], Awaitable[Application]]  # type: ignore[type-arg]


# --------------------------------------------------------------------------- running the bot


def settings_for(server: BotApiServer, **overrides: Any) -> BotSettings:
    """Bot settings talking to the local server; ADMIN is the bot admin (times are in the
    engine's zone, Jakarta by default)."""
    values: dict[str, Any] = {"admin_user_ids": [ADMIN], **overrides}
    return BotSettings(telegram_bot_token=server.token, telegram_api_base_url=server.url, **values)


def seed_services(engine: Engine, folder: Path, settings: BotSettings) -> Kabar:
    """The services over the shared seed store (never written to); the bot's own state in
    `folder`, as `Kabar.create` keeps it in a store's data folder."""
    return Kabar(
        engine=engine,
        ingestor=Ingestor(engine.store),
        state=BotState(folder / "bot.sqlite3"),
        settings=settings,
        limiter=RateLimiter(settings.questions_per_minute, settings.chat_questions_per_minute),
    )


# --------------------------------------------------------------------------- reading replies


async def next_answer(server: BotApiServer, chat_id: int) -> SentMessage:
    """The bot's next message in the chat: with the extractive engine, the answer itself."""
    [message] = await server.wait_for_messages_async(chat_id, timeout=60)
    return message


async def read_answer(
    server: BotApiServer,
    bot: Application,  # type: ignore[type-arg]
    chat_id: int,
) -> SentMessage:
    """The bot's next answer in the chat, once the bot is done with it, as a person who reads
    it before replying or reacting finds it: the bot keeps an answer under the id of a new
    message when Telegram has returned that id, a moment after the message shows."""
    message = await next_answer(server, chat_id)
    await idle(server, bot)
    return message


async def next_edited_answer(server: BotApiServer, chat_id: int) -> SentMessage:
    """The bot's next message in the chat, once its last edit has the Quotes button: a
    language model's placeholder become the answer."""
    [message] = await server.wait_for_messages_async(chat_id, timeout=60)
    await server.wait_for_async(lambda: message.buttons, timeout=60)
    return message


async def next_message(server: BotApiServer, chat_id: int) -> SentMessage:
    [message] = await server.wait_for_messages_async(chat_id, timeout=30)
    return message


def plain(message: SentMessage) -> str:
    assert message.plain_text is not None
    return message.plain_text


def entity_texts(message: SentMessage, kind: str) -> list[str]:
    """The visible text of each entity of a kind (offsets count UTF-16 code units)."""
    encoded = plain(message).encode("utf-16-le")
    return [
        encoded[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == kind
    ]


def links(message: SentMessage) -> list[tuple[str, str]]:
    """(visible text, URL) of each link in the message."""
    urls = [e["url"] for e in message.entities if e["type"] == "text_link"]
    return list(zip(entity_texts(message, "text_link"), urls, strict=True))


def button_texts(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def answer_body(message: SentMessage, heading: str = "Sources") -> tuple[list[str], str]:
    """The quoted lines of an answer and its list of sources."""
    body, sources = plain(message).split(f"\n\n{heading}\n")
    return body.splitlines(), sources


async def idle(server: BotApiServer, bot: Application) -> None:  # type: ignore[type-arg]
    """Wait until the bot has handled every update and gone quiet: a check that it did *not*
    do something can fail only from then on (handlers run concurrently)."""
    await server.wait_idle_async(bot.update_queue, timeout=60)


def message_id(update: dict[str, Any]) -> int:
    return int(update["message"]["message_id"])


def rejected(server: BotApiServer) -> list[str]:
    """Requests the server refused (other than flood control), as `method: reason`."""
    return [f"{c.method}: {c.description}" for c in server.requests if c.status not in (200, 429)]
