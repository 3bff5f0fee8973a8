"""Answers in any chat: inline queries (`@bot question` typed anywhere) and guest mode (a
mention of the bot in a chat it has not joined), end to end against the local Bot API server.

The extractive engine answers over the seed store unless a test needs links (an article of
its own, with a web URL) or a language model (the local OpenAI-compatible server, which counts
the requests it gets).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from bot.telegram_bot import Kabar
from store import Store
from tests.bot.engine.openai_server import ChatServer, Reply
from tests.bot.questions import SEED_QUESTIONS
from tests.bot.telegram_bot.conversation import (
    ADMIN,
    GROUP,
    USER,
    Start,
    answer_body,
    idle,
    links,
    next_answer,
    plain,
    rejected,
    seed_services,
    settings_for,
)
from tests.bot.telegram_bot.telegram_server import (
    BOT_USERNAME,
    BotApiServer,
    InlineAnswer,
    render_text,
)
from tests.bot.telegram_bot.test_telegram_bot import ExplodingEngine

HAFTAR_FACTS = dict(SEED_QUESTIONS)["Who backs Haftar?"]
FOREIGN = -1_001_000_000_777  # a supergroup the bot has not joined
KEEP_TYPING = "Keep typing: I answer once the question ends with ? or you pause."
NOT_ALLOWED = "You are not allowed to use this bot."
RATE_LIMITED = "You're asking faster than I can read: wait a minute and ask again."
BRIDGE_URL = "https://news.example/sunport-bridge"
BRIDGE = (
    "Sunport harbour bridge reopens\n\n"
    "The Sunport harbour bridge reopened to traffic on Monday after two years of repairs,"
    " the city council said.\n\n"
    "Engineers replaced every steel cable of the bridge and strengthened its two towers."
)


def hint(offered: InlineAnswer) -> str | None:
    """The line shown above an inline answer's results, if any."""
    return offered.button["text"] if offered.button else None


def result_text(offered: InlineAnswer) -> str:
    """What the chat would read of the answer's only result, once chosen."""
    [result] = offered.results
    content = result["input_message_content"]
    return render_text(content["message_text"], content.get("parse_mode"))[0]


# --------------------------------------------------------------------------- inline mode


async def test_an_inline_answer_is_the_question_and_its_linked_sources_which_a_group_reads(
    server: BotApiServer, fresh_engine: Engine, start_bot: Start
) -> None:
    services = Kabar.create(fresh_engine, settings_for(server))
    services.ingestor.ingest_text(
        BRIDGE, site="Kabar Test News", url=BRIDGE_URL, published="2024-03-05"
    )
    await start_bot(services)
    question = "When did the Sunport harbour bridge reopen?"

    query_id = server.inline_query(USER, question)
    offered = await server.inline_answer_async(query_id)
    [result] = offered.results
    sent = server.choose_inline_result(USER, GROUP, query_id, result["id"])

    assert offered.titles == [question]
    assert (offered.is_personal, hint(offered)) == (True, None)
    assert 0 < offered.cache_time <= 60
    assert server.messages(GROUP) == [sent]  # what the group's members see
    assert (sent.from_id, sent.via_bot, sent.buttons) == (USER, True, [])
    lines, sources = answer_body(sent)
    assert any("reopened to traffic on Monday" in line for line in lines)
    assert sources == "[1] Sunport harbour bridge reopens — Kabar Test News, 5 Mar 2024"
    assert ("[1]", BRIDGE_URL) in links(sent)
    assert ("Sunport harbour bridge reopens", BRIDGE_URL) in links(sent)
    assert rejected(server) == []


async def test_a_question_typed_without_a_question_mark_is_answered_after_a_pause(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    offered = await server.inline_answer_async(server.inline_query(USER, "Who backs Haftar"))

    assert offered.titles == ["Who backs Haftar"]
    assert all(fact in result_text(offered) for fact in HAFTAR_FACTS)


async def test_typing_a_question_asks_the_language_model_once_and_only_the_whole_question(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    chat_server.script(Reply.text("Rusia dan Uni Emirat Arab mendukung Haftar [1]."))
    bot = await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))

    typed = []
    for query in ("Siapa", "Siapa yang", "Siapa yang mendukung Haftar?"):
        typed.append(server.inline_query(USER, query))
        await asyncio.sleep(0.3)  # a moment between keystrokes, each its own query
    *partial, whole = [await server.inline_answer_async(query_id) for query_id in typed]
    await idle(server, bot)

    assert [(hint(p), p.results) for p in partial] == [(KEEP_TYPING, [])] * 2
    assert result_text(whole).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    [asked] = chat_server.chat_requests()
    assert "Siapa yang mendukung Haftar?" in str(asked.messages)
    assert chat_server.translation_requests() == []


async def test_the_same_question_again_is_answered_from_the_cache_without_the_model(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    chat_server.script(Reply.text("Rusia dan Uni Emirat Arab mendukung Haftar [1]."))
    await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))

    first = await server.inline_answer_async(
        server.inline_query(USER, "Siapa yang mendukung Haftar?")
    )
    again = await server.inline_answer_async(
        server.inline_query(ADMIN, "siapa yang  mendukung Haftar?")
    )

    assert result_text(again) == result_text(first)
    assert result_text(first).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    assert len(chat_server.chat_requests()) == 1  # a second would have found no reply


async def test_inline_questions_past_the_askers_rate_limit_get_one_line_but_cached_answers(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    settings = settings_for(server, questions_per_minute=1)
    await start_bot(seed_services(engine, tmp_path, settings))

    first = await server.inline_answer_async(server.inline_query(USER, "Who backs Haftar?"))
    limited = await server.inline_answer_async(server.inline_query(USER, "Who backs the GNA?"))
    again = await server.inline_answer_async(server.inline_query(USER, "Who backs Haftar?"))

    assert all(fact in result_text(first) for fact in HAFTAR_FACTS)
    assert (hint(limited), limited.results) == (RATE_LIMITED, [])
    assert result_text(again) == result_text(first)  # kept: it costs the engine nothing


@pytest.mark.parametrize(
    "allowlist", [{"allowed_user_ids": [ADMIN]}, {"allowed_chat_ids": [ADMIN, GROUP]}]
)
async def test_with_an_allowlist_only_the_users_it_names_get_inline_answers(
    server: BotApiServer,
    engine: Engine,
    tmp_path: Path,
    start_bot: Start,
    allowlist: dict[str, Any],
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server, **allowlist)))

    refused = await server.inline_answer_async(server.inline_query(USER, "Who backs Haftar?"))
    allowed = await server.inline_answer_async(server.inline_query(ADMIN, "Who backs Haftar?"))

    assert (hint(refused), refused.results) == (NOT_ALLOWED, [])
    assert all(fact in result_text(allowed) for fact in HAFTAR_FACTS)


async def test_an_off_topic_inline_question_offers_the_refusal_as_its_result(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    query_id = server.inline_query(USER, "Who painted the Mona Lisa?")
    offered = await server.inline_answer_async(query_id)
    [result] = offered.results
    sent = server.choose_inline_result(USER, GROUP, query_id, result["id"])

    assert offered.titles == ["Who painted the Mona Lisa?"]
    assert plain(sent) == (
        "I found nothing about that in the articles.\n\n"
        "See what I have with /sources, or ask an admin to /add an article."
    )


# --------------------------------------------------------------------------- guest mode


async def test_a_guest_mention_is_answered_in_the_chat_the_bot_has_not_joined(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    # The chat allowlist names the asker's private chat, not the foreign group: guest mode
    # judges the asker, and nothing is sent there but the answer.
    settings = settings_for(server, allowed_chat_ids=[USER, GROUP])
    bot = await start_bot(seed_services(engine, tmp_path, settings))

    server.guest_message(USER, FOREIGN, f"@{BOT_USERNAME} Who backs Haftar?")
    answer = await next_answer(server, FOREIGN)
    await idle(server, bot)

    assert answer.guest_caller_id == USER
    lines, sources = answer_body(answer)
    assert all(any(fact in line for line in lines) for fact in HAFTAR_FACTS)
    assert sources.startswith("[1] ")
    assert server.messages(FOREIGN) == [answer]
    assert rejected(server) == []  # no reply, refusal or typing tried where the bot is not


async def test_guest_mode_refuses_a_user_no_allowlist_names_in_one_line(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    settings = settings_for(server, allowed_user_ids=[ADMIN])
    bot = await start_bot(seed_services(engine, tmp_path, settings))

    server.guest_message(USER, FOREIGN, f"@{BOT_USERNAME} Who backs Haftar?")
    refusal = await next_answer(server, FOREIGN)
    await idle(server, bot)

    assert plain(refusal) == NOT_ALLOWED
    assert server.messages(FOREIGN) == [refusal]
    assert rejected(server) == []


async def test_a_guest_question_that_fails_is_followed_by_nothing_in_that_chat(
    server: BotApiServer, seed_store: Store, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(
        seed_services(ExplodingEngine(seed_store), tmp_path, settings_for(server))
    )

    server.guest_message(USER, FOREIGN, f"@{BOT_USERNAME} Please explode")
    await idle(server, bot)

    assert server.messages(FOREIGN) == []
    assert rejected(server) == []  # no apology tried where the bot is not

    server.guest_message(USER, FOREIGN, f"@{BOT_USERNAME} Who backs Haftar?")
    answer = await next_answer(server, FOREIGN)  # the bot keeps answering

    assert all(fact in plain(answer) for fact in HAFTAR_FACTS)
