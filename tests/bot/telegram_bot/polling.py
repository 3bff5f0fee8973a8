"""The bot polling the local Bot API server, for the tests and `scripts/bench_bot.py`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from telegram import Update
from telegram.ext import Application

from bot.telegram_bot import Kabar, build_application


@contextlib.asynccontextmanager
async def running(services: Kabar) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The bot polling the local server in this event loop, as `run_polling` runs it (every
    update type allowed, those Telegram sends only when asked included)."""
    application = build_application(services)
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            services.state.close()
