"""👍 and 👎 reactions to an answer are votes, as its buttons are: what an operator sees with
`kabar feedback --json`. Telegram sends reactions only to a bot that asks for them and, in a
group, only to an administrator; the local Bot API server holds to both (the last test)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.engine import Engine
from store import Store
from tests.bot.cli.test_cli import kabar, ok, use_data_dir
from tests.bot.telegram_bot.conversation import (
    GROUP,
    OTHER,
    USER,
    Start,
    idle,
    message_id,
    next_answer,
    read_answer,
    rejected,
    seed_services,
    settings_for,
)
from tests.bot.telegram_bot.telegram_server import BOT_ID, BotApiServer


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data folder the bot keeps its state in and `kabar feedback` reads."""
    use_data_dir(monkeypatch, tmp_path)
    return tmp_path / "data"


def feedback() -> list[dict[str, object]]:
    """The votes `kabar feedback --json` lists, newest first, without their time."""
    lines = ok(kabar("feedback", "--json")).stdout.splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "time"} for line in lines]


async def test_a_thumb_reaction_is_a_vote_another_replaces_it_and_taking_it_back_withdraws_it(
    server: BotApiServer,
    engine: Engine,
    seed_store: Store,
    data: Path,
    start_bot: Start,
) -> None:
    bot = await start_bot(seed_services(engine, data, settings_for(server)))
    server.private_message(USER, "Who backs Haftar?")
    answer = await read_answer(server, bot, USER)
    [article] = seed_store.articles()

    server.reaction(USER, USER, answer.message_id, new=["👍"])
    await idle(server, bot)
    liked = feedback()
    server.reaction(USER, USER, answer.message_id, old=["👍"], new=["👎"])
    await idle(server, bot)
    changed = feedback()
    server.reaction(USER, USER, answer.message_id, old=["👎"])
    await idle(server, bot)

    vote = {
        "question": "Who backs Haftar?",
        "standalone": "",
        "article_ids": [article.id],
        "backend": "extractive",
        "chat_id": USER,
        "user_id": USER,
    }
    assert liked == [{"vote": "up", **vote}]
    assert changed == [{"vote": "down", **vote}]
    assert feedback() == []
    assert rejected(server) == []


async def test_other_emoji_and_reactions_to_anything_but_an_answer_are_no_votes(
    server: BotApiServer, engine: Engine, data: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, data, settings_for(server)))
    asked = server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    server.command(USER, USER, "stats")
    await idle(server, bot)
    [stats] = server.messages(USER)[1:]

    server.reaction(USER, USER, answer.message_id, new=["🔥"])
    server.reaction(USER, USER, message_id(asked), new=["👍"])  # the question, not its answer
    server.reaction(USER, USER, stats.message_id, new=["👍"])
    await idle(server, bot)
    nothing = feedback()
    # 🔥 swapped for 👎: now a vote; then 👎 for 🔥 again: withdrawn.
    server.reaction(USER, USER, answer.message_id, old=["🔥"], new=["👎"])
    await idle(server, bot)
    down = feedback()
    server.reaction(USER, USER, answer.message_id, old=["👎"], new=["🔥"])
    await idle(server, bot)

    assert nothing == []
    assert [vote["vote"] for vote in down] == ["down"]
    assert feedback() == []


async def test_a_reaction_and_a_button_press_by_one_person_are_one_vote_on_the_answer(
    server: BotApiServer, engine: Engine, data: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, data, settings_for(server)))
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    _, up, _ = answer.callback_data

    server.callback(USER, USER, answer.message_id, up)
    await idle(server, bot)
    server.reaction(USER, USER, answer.message_id, new=["👎"])
    await idle(server, bot)

    assert [(vote["user_id"], vote["vote"]) for vote in feedback()] == [(USER, "down")]


async def test_in_a_group_reactions_reach_the_bot_only_once_it_is_an_admin(
    server: BotApiServer, engine: Engine, data: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, data, settings_for(server)))
    server.command(GROUP, USER, "ask", "Who backs Haftar?")
    answer = await next_answer(server, GROUP)

    unseen = server.reaction(GROUP, OTHER, answer.message_id, new=["👍"])
    await idle(server, bot)
    before = feedback()
    server.set_admins(GROUP, [USER, BOT_ID])
    server.reaction(GROUP, OTHER, answer.message_id, new=["👍"])
    await idle(server, bot)

    assert unseen["update_id"] is None
    assert before == []
    assert [(v["chat_id"], v["user_id"], v["vote"]) for v in feedback()] == [(GROUP, OTHER, "up")]


# --------------------------------------------------------------------------- the server's rules


@pytest.fixture
async def client(server: BotApiServer) -> AsyncIterator[Bot]:
    """A bare PTB client of the server, polling by itself."""
    async with Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    ) as polling:
        yield polling


async def test_reactions_come_only_to_a_poller_that_named_them_and_it_stays_named(
    server: BotApiServer, client: Bot
) -> None:
    server.private_message(USER, "hello")
    [greeting] = await client.get_updates(timeout=0)
    assert greeting.message is not None

    server.reaction(USER, USER, greeting.message.message_id, new=["👍"])
    by_default = await client.get_updates(offset=greeting.update_id + 1, timeout=0)
    server.reaction(USER, USER, greeting.message.message_id, new=["👎"])
    [named] = await client.get_updates(timeout=0, allowed_updates=["message_reaction"])
    server.reaction(USER, USER, greeting.message.message_id, old=["👎"])
    [kept] = await client.get_updates(offset=named.update_id + 1, timeout=0)

    assert by_default == ()  # not in Telegram's default set: dropped
    assert named.message_reaction is not None
    assert named.message_reaction.user is not None
    assert named.message_reaction.user.id == USER
    assert [r.emoji for r in named.message_reaction.new_reaction] == ["👎"]  # type: ignore[attr-defined]
    assert kept.message_reaction is not None
    assert [r.emoji for r in kept.message_reaction.old_reaction] == ["👎"]  # type: ignore[attr-defined]
    assert kept.message_reaction.new_reaction == ()
