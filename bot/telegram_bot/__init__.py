"""The Telegram bot over the answer engine: handlers, replies, state, and the application.

Named `telegram_bot` so that it is never taken for python-telegram-bot's `telegram` package.
"""

from ._application import COMMANDS, build_application, run_bot
from ._ratelimit import Limit, RateLimiter
from ._services import Kabar
from ._settings import BotSettings
from ._state import BotState, Feed, LastAnswer, Subscription, Vote

__all__ = [
    "COMMANDS",
    "BotSettings",
    "BotState",
    "Feed",
    "Kabar",
    "LastAnswer",
    "Limit",
    "RateLimiter",
    "Subscription",
    "Vote",
    "build_application",
    "run_bot",
]
