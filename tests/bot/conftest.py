"""Fixtures of the bot tests: one store holding the seed article, shared by the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import Engine
from ingest import Ingestor, IngestSettings
from store import Store, StoreSettings
from tests.bot.engine.openai_server import ChatServer
from tests.conftest import SEED


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """An embedded store holding only the seed article. Tests must not write to it."""
    folder: Path = tmp_path_factory.mktemp("seed")
    store = Store(StoreSettings(data_dir=folder / "data", chroma_host=None))
    list(Ingestor(store, IngestSettings()).ingest([str(SEED)]))
    return store


@pytest.fixture(scope="session")
def engine(seed_store: Store) -> Engine:
    """The extractive engine over the seed store."""
    return Engine(seed_store)


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """A language model's OpenAI-compatible server on 127.0.0.1; each test scripts its replies."""
    server = ChatServer()
    server.start()
    yield server
    server.close()
