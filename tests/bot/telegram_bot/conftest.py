"""Fixtures of the bot tests: the local Bot API server, the bot started over services, an
engine over a store of the test's own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram.ext import Application

from bot.engine import Engine
from bot.telegram_bot import Kabar
from store import Store
from tests.bot.engine.openai_server import ChatServer, openai_engine
from tests.bot.telegram_bot.conversation import Start
from tests.bot.telegram_bot.polling import running
from tests.bot.telegram_bot.telegram_server import BotApiServer


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    """The Bot API as Telegram gives it to a bot with privacy mode on (BotFather's default)."""
    with BotApiServer() as running_server:
        yield running_server


@pytest.fixture
def open_server() -> Iterator[BotApiServer]:
    """The Bot API for a bot with privacy mode off: it sees every group message."""
    with BotApiServer(privacy_mode=False) as running_server:
        yield running_server


@pytest.fixture
async def start_bot() -> AsyncIterator[Start]:
    """Start the bot over some services; it is stopped when the test ends."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(services: Kabar) -> Application:  # type: ignore[type-arg]
            return await stack.enter_async_context(running(services))

        yield start


@pytest.fixture
def fresh_engine(store: Store, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """An engine over an empty store of the test's own; `Kabar.create` over it may fetch the
    pages the test serves on 127.0.0.1."""
    monkeypatch.setenv("INGEST_ALLOW_PRIVATE_URLS", "true")
    return Engine(store)


@pytest.fixture
def llm_engine(seed_store: Store, chat_server: ChatServer) -> Engine:
    """An engine over the seed answering through the local language-model server (the test
    scripts its replies), with room for a busy machine."""
    return openai_engine(seed_store, chat_server.url, openai_timeout=30.0)
