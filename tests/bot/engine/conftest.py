"""The local OpenAI-compatible server, for the tests of language-model answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.engine.openai_server import ChatServer


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    server.start()
    yield server
    server.close()
