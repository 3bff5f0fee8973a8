"""What every handler reaches through `context.bot_data`: the engine, ingest, state, settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes

from ingest import Ingestor

from ._access import RateLimiter
from ._engine import Engine
from ._language import LANGUAGES
from ._settings import BotSettings
from ._state import BotState

_KEY = "kabar"


@dataclass
class Kabar:
    """The bot's services, one per application."""

    engine: Engine
    ingestor: Ingestor
    state: BotState
    settings: BotSettings
    limiter: RateLimiter
    refused_chats: set[int] = field(default_factory=set)

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

    def install(self, bot_data: dict[str, object]) -> None:
        """Make the services reachable from handlers (`kabar(context)`)."""
        bot_data[_KEY] = self


def kabar(context: ContextTypes.DEFAULT_TYPE) -> Kabar:
    """The services of the application handling this update."""
    services = context.bot_data[_KEY]
    assert isinstance(services, Kabar)
    return services


def user_language(update: Update) -> str:
    """The interface language for this user: Indonesian for Indonesian clients, else English."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    language = code.split("-")[0]
    return language if language in LANGUAGES else "en"


async def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender may change the collection: a bot admin, or a group's admin if allowed."""
    services = kabar(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    if user.id in services.settings.admin_user_ids:
        return True
    return services.settings.group_admins_can_add and await is_chat_admin(update, context)


async def is_chat_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender administers this group (anyone is in a private chat)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
