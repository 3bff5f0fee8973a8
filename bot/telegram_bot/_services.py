"""What handlers reach as `context.bot_data.services`: the engine, ingest, state, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.engine import LANGUAGES, Engine
from ingest import Ingestor

from ._inline_memory import InlineMemory
from ._ratelimit import RateLimiter
from ._settings import BotSettings
from ._state import BotState


@dataclass
class Kabar:
    """The bot's services, one per application."""

    engine: Engine
    ingestor: Ingestor
    state: BotState
    settings: BotSettings
    limiter: RateLimiter
    refused_chats: set[int] = field(default_factory=set)
    inline: InlineMemory = field(default_factory=InlineMemory)

    @classmethod
    def create(cls, engine: Engine, settings: BotSettings) -> Kabar:
        """The services over an engine, the state kept in the store's data folder."""
        return cls(
            engine=engine,
            ingestor=Ingestor(engine.store),
            state=BotState(engine.store.settings.data_dir / "bot.sqlite3"),
            settings=settings,
            limiter=RateLimiter(settings.questions_per_minute, settings.chat_questions_per_minute),
        )

    def install(self, application: KabarApplication) -> None:
        """Make the services reachable from handlers as `context.bot_data.services`."""
        application.bot_data.services = self


class BotData:
    """The application's `bot_data`: the services, given once the application is built."""

    services: Kabar


#: The context handlers and jobs get: `context.bot_data.services` is typed.
KabarContext = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
# PTB's builder types its job queue with the default context; jobs get Kabar's all the same.
KabarApplication = Application[
    ExtBot[Any], KabarContext, dict[Any, Any], dict[Any, Any], BotData, Any
]


def user_language(update: Update) -> str:
    """The interface language for this user: Indonesian for Indonesian clients, else English."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    language = code.split("-")[0]
    return language if language in LANGUAGES else "en"
