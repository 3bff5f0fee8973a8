"""Kabar's answer engine and its faces, one sub-package each.

- `bot.engine`: retrieve, compose, cite; briefings. Imports no Telegram, Typer or rich.
- `bot.telegram_bot`: the Telegram app over the engine.
- `bot.cli`: the `kabar` command.
- `bot.evaluation`: `kabar eval`'s QA sets and scores.

Imports run `bot.cli | bot.telegram_bot | bot.evaluation -> bot.engine -> ingest -> store`
(`make check` enforces it).
"""
