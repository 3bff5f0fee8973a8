"""A language model's answer streamed as a draft in a private chat, then sent as the reply;
a group keeps the placeholder that becomes the answer; the extractive backend streams nothing.
The local Bot API server holds drafts to Telegram's rules for them (the last tests)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.engine import Answer, Backend, Engine, EngineSettings, Turn
from store import SearchFilters, Store
from tests.bot.engine.openai_server import ChatServer, Reply
from tests.bot.telegram_bot.conversation import (
    APOLOGY,
    GROUP,
    THINKING,
    USER,
    Start,
    button_texts,
    entity_texts,
    idle,
    message_id,
    next_answer,
    next_edited_answer,
    next_message,
    plain,
    rejected,
    seed_services,
    settings_for,
)
from tests.bot.telegram_bot.telegram_server import MAX_TEXT_LENGTH, BotApiServer

THINKING_ID = "Sedang membaca artikel…"
# Streamed over more than a second: the draft shows the text so far at least once.
PIECES = ["Rusia ", "dan Uni Emirat Arab ", "mendukung ", "Haftar ", "[1]."]


async def test_a_private_answer_grows_in_a_draft_then_comes_as_one_reply_with_its_buttons(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    chat_server.script(Reply(PIECES, chunk_delay=0.4))
    bot = await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))

    asked = server.private_message(USER, "Siapa yang mendukung Haftar?")
    answer = await next_answer(server, USER)
    await idle(server, bot)

    assert server.actions(USER) == ["typing"]
    drafts = server.drafts(USER)
    # One draft, named by the question, its changes animated: "thinking", then the text so far.
    assert {draft.draft_id for draft in drafts} == {message_id(asked)}
    assert drafts[0].plain_text == THINKING_ID
    partial = [draft.plain_text.removesuffix(" …") for draft in drafts[1:]]
    assert partial
    assert all(draft.plain_text.endswith(" …") for draft in drafts[1:])
    assert all(plain(answer).startswith(text) for text in partial)
    # No placeholder: the answer is a message of its own, sent once.
    assert server.messages(USER) == [answer]
    assert answer.edits == []
    assert plain(answer).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    kept = message_id(asked)
    assert answer.callback_data == [f"quotes:{kept}", f"vote:up:{kept}", f"vote:down:{kept}"]

    server.callback(USER, USER, answer.message_id, answer.callback_data[0])
    quotes = await next_message(server, USER)

    assert "Uni Emirat Arab" in " ".join(entity_texts(quotes, "blockquote"))
    assert rejected(server) == []


async def test_in_a_group_the_answer_still_grows_in_a_placeholder_and_no_draft_is_sent(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    chat_server.script(Reply(PIECES, chunk_delay=0.4))
    bot = await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))

    server.command(GROUP, USER, "ask", "Siapa yang mendukung Haftar?")
    answer = await next_edited_answer(server, GROUP)
    await idle(server, bot)

    assert answer.first_text == THINKING_ID
    assert plain(answer).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    assert button_texts(answer) == ["Kutipan", "👍", "👎"]
    assert server.messages(GROUP) == [answer]
    assert server.calls("sendMessageDraft") == []
    assert rejected(server) == []


class StumblingEngine(Engine):
    """An engine whose answer fails after its first words have streamed. The one stand-in
    here: a real model failing mid-stream makes the real engine answer from the passages."""

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        assert on_text is not None
        on_text("Rusia dan Uni Emirat Arab")
        time.sleep(1.2)  # past the bot's interval: the words so far go into the draft
        on_text("Rusia dan Uni Emirat Arab mendukung")
        raise RuntimeError("the engine stumbled")


async def test_a_private_answer_failing_mid_stream_ends_in_the_apology_not_in_half_an_answer(  # noqa: PLR0917
    server: BotApiServer,
    seed_store: Store,
    chat_server: ChatServer,
    tmp_path: Path,
    start_bot: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = EngineSettings(
        backend=Backend.OPENAI, openai_base_url=chat_server.url, openai_model="test"
    )
    engine = StumblingEngine(seed_store, settings)
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    with caplog.at_level(logging.ERROR, logger="bot"):
        server.private_message(USER, "Who backs Haftar?")
        apology = await next_message(server, USER)
        await idle(server, bot)

    drafts = [draft.plain_text for draft in server.drafts(USER)]
    assert drafts[0] == THINKING
    streamed = {"Rusia dan Uni Emirat Arab …", "Rusia dan Uni Emirat Arab mendukung …"}
    assert drafts[1:-1]
    assert set(drafts[1:-1]) <= streamed
    # The draft's last words are the apology: no half answer is left showing in it.
    assert drafts[-1] == APOLOGY
    assert plain(apology) == APOLOGY
    assert apology.buttons == []
    assert server.messages(USER) == [apology]
    [logged] = [r for r in caplog.records if r.name == "bot.telegram_bot._application"]
    assert logged.exc_info is not None
    assert str(logged.exc_info[1]) == "the engine stumbled"
    assert rejected(server) == []


async def test_the_extractive_backend_sends_no_draft_only_the_answer_after_typing(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    await idle(server, bot)

    assert server.actions(USER) == ["typing"]
    assert server.calls("sendMessageDraft") == []
    assert server.messages(USER) == [answer]
    assert answer.edits == []
    assert button_texts(answer) == ["Quotes", "👍", "👎"]


# --------------------------------------------------------------------------- the server's rules


@pytest.fixture
async def client(server: BotApiServer) -> AsyncIterator[Bot]:
    """A bare PTB client of the server, as a bot calling sendMessageDraft by itself."""
    async with Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    ) as bot:
        yield bot


async def test_a_draft_in_a_private_chat_is_recorded_and_is_no_message(
    server: BotApiServer, client: Bot
) -> None:
    server.add_chat(USER)

    assert await client.send_message_draft(USER, 5, "") is True
    assert await client.send_message_draft(USER, 5, "<b>Rusia</b> dan &amp;", parse_mode="HTML")

    first, second = server.drafts(USER)
    assert (first.draft_id, first.plain_text) == (5, "")  # shown as Telegram's "Thinking…"
    assert (second.draft_id, second.plain_text) == (5, "Rusia dan &")
    assert second.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert server.messages(USER) == []


@pytest.mark.parametrize(
    ("chat_id", "draft_id", "text", "parse_mode", "reason"),
    [
        (GROUP, 5, "hi", None, "message drafts can be sent only to private chats"),
        (USER, 0, "hi", None, "draft_id must be non-zero"),
        (USER, 5, "<b>hi", "HTML", "can't parse entities"),
        (USER, 5, "x" * (MAX_TEXT_LENGTH + 1), None, "message is too long"),
        # Counted after parsing: tags do not count, and this one is just short enough.
        (USER, 5, f"<b>{'x' * MAX_TEXT_LENGTH}</b>", "HTML", None),
    ],
)
async def test_drafts_are_refused_as_telegram_refuses_them(  # noqa: PLR0917
    server: BotApiServer,
    client: Bot,
    chat_id: int,
    draft_id: int,
    text: str,
    parse_mode: str | None,
    reason: str | None,
) -> None:
    server.add_chat(USER)
    server.add_chat(GROUP)

    if reason is None:
        assert await client.send_message_draft(chat_id, draft_id, text, parse_mode=parse_mode)
        assert len(server.drafts(chat_id)) == 1
        return
    with pytest.raises(BadRequest, match=f"(?i){re.escape(reason)}"):  # PTB capitalises it
        await client.send_message_draft(chat_id, draft_id, text, parse_mode=parse_mode)
    assert server.drafts(chat_id) == []


def test_a_draft_naming_a_thread_is_refused_the_private_chats_here_have_no_topics(
    server: BotApiServer,
) -> None:
    server.add_chat(USER)

    answer = httpx.post(
        f"{server.url}/bot{server.token}/sendMessageDraft",
        json={"chat_id": USER, "draft_id": 5, "text": "hi", "message_thread_id": 7},
    )

    assert answer.json()["description"] == "Bad Request: message thread not found"
    assert server.drafts(USER) == []
