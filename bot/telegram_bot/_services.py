"""What every handler reaches through `context.bot_data`: the engine, ingest, state, settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes

from bot.engine import LANGUAGES, Engine
from ingest import Ingestor

from ._ratelimit import RateLimiter
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


def is_bot_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender is a bot admin (ADMIN_USER_IDS): full rights in every chat."""
    user = update.effective_user
    return user is not None and user.id in kabar(context).settings.admin_user_ids


async def may_change_collection(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender may add to the collection from this chat.

    A bot admin anywhere; with KABAR_GROUP_ADMINS_CAN_ADD, a group's own admin in that group,
    never in a private chat.
    """
    if is_bot_admin(update, context):
        return True
    return kabar(context).settings.group_admins_can_add and await _is_group_admin(update, context)


async def may_manage_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender may set up this chat's daily briefings.

    A bot admin, a group's admin, or the user in their own private chat.
    """
    chat = update.effective_chat
    if is_bot_admin(update, context) or (chat is not None and chat.type == ChatType.PRIVATE):
        return True
    return await _is_group_admin(update, context)


async def _is_group_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender administers this group (no one does a private chat)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type not in {ChatType.GROUP, ChatType.SUPERGROUP}:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
