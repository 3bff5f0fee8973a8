"""The `kabar` command: ingest, inspect, search, ask, chat, run the bot, evaluate."""

from ._commands import app, main

__all__ = ["app", "main"]
