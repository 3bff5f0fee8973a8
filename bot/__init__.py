"""Kabar's faces: the `kabar` command line (and, later, the answer engine and Telegram bot)."""

from ._cli import app, main

__all__ = ["app", "main"]
