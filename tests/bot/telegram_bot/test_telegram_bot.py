"""The real bot application end to end, offline, against the local Bot API server.

Each test runs `build_application` in its own event loop with long polling against
`BotApiServer` on 127.0.0.1, injects what users do (messages, commands, button presses,
uploads, forwards) and checks what they see: the bot's messages after their edits, their
buttons, and replies. The server rejects invalid HTML and over-long texts, so every message
checked here was also accepted as Telegram would accept it. Question tests share the
session's read-only seed store; tests that change the collection build their own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import Application

from bot.engine import Backend, Composition, Engine, EngineSettings, NumberedSource, Turn
from bot.engine._language import question_language
from bot.telegram_bot import Kabar
from bot.telegram_bot._collection_handlers import poll_feeds
from ingest import Ingestor
from store import Store
from tests.bot.engine.openai_server import ChatServer, Reply
from tests.bot.questions import SEED_ANSWERED, SEED_QUESTIONS
from tests.bot.stories import CHILI, QUAKE_DETIK, QUAKE_FOLLOW_UP, QUAKE_KOMPAS
from tests.bot.telegram_bot.conversation import (
    ADMIN,
    APOLOGY,
    GROUP,
    OTHER,
    REFUSED_ADMIN,
    THINKING,
    USER,
    ZONE,
    Start,
    answer_body,
    button_texts,
    entity_texts,
    idle,
    links,
    message_id,
    next_answer,
    next_edited_answer,
    next_message,
    plain,
    read_answer,
    rejected,
    seed_services,
    settings_for,
)
from tests.bot.telegram_bot.polling import running
from tests.bot.telegram_bot.telegram_server import BOT_USERNAME, BotApiServer, SentMessage
from tests.conftest import Route, Site, article_html
from tests.store.conftest import make_article

HAFTAR_FACTS = dict(SEED_QUESTIONS)["Who backs Haftar?"]

BRIDGE_TITLE = "Sunport harbour bridge reopens"
BRIDGE_PARAGRAPHS = [
    (
        "The Sunport harbour bridge reopened to traffic on Monday after two years of repairs,"
        " the city council said."
    ),
    (
        "Engineers replaced every steel cable of the bridge and strengthened its two towers"
        " against storms coming in from the bay."
    ),
]

CYCLE_LANES = b"Cycle lanes for Sunport\n\nThe council approved new cycle lanes on Tuesday.\n"

# --------------------------------------------------------------------------- questions


async def test_private_question_is_answered_with_facts_sources_and_quotes(
    server: BotApiServer, engine: Engine, seed_store: Store, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    asked = server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)

    assert server.actions(USER) == ["typing"]
    assert answer.edits == []  # no placeholder: the answer comes whole
    kept = message_id(asked)
    assert answer.callback_data == [f"quotes:{kept}", f"vote:up:{kept}", f"vote:down:{kept}"]
    (heading, *lines), sources = answer_body(answer)
    assert heading == "Quoted as written, in Indonesian:"
    for fact in HAFTAR_FACTS:
        assert any(fact in line for line in lines)
    assert all(line.endswith(" [1]") for line in lines)
    [article] = seed_store.articles()
    assert sources == f"[1] {article.title} — {article.site}"
    assert "Sources" in entity_texts(answer, "bold")
    assert links(answer) == []  # the seed is a file: nothing to link to
    assert button_texts(answer) == ["Quotes", "👍", "👎"]

    server.callback(USER, USER, answer.message_id, answer.callback_data[0])
    quotes = await next_message(server, USER)

    assert plain(quotes).startswith(f"[1] {article.title}\n")
    [quoted] = entity_texts(quotes, "blockquote")
    article_text = seed_store.text(article.id)
    for line in lines:
        assert line.removesuffix(" [1]") in quoted
    for passage in quoted.split(" … "):
        assert passage in article_text
    [pressed] = server.callback_answers
    assert (pressed.text, pressed.show_alert) == (None, False)
    assert rejected(server) == []


async def test_quotes_button_of_an_earlier_version_still_shows_the_quotes(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    # Buttons sent before they named their answer's message carry a bare "quotes".
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    await idle(server, bot)  # such a button is pressed long after its answer was kept

    server.callback(USER, USER, answer.message_id, "quotes", modified_client=True)
    quotes = await next_message(server, USER)

    assert "Uni Emirat Arab" in " ".join(entity_texts(quotes, "blockquote"))


async def test_group_answers_ask_mentions_and_replies_and_ignores_chatter(
    open_server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    server = open_server
    services = seed_services(engine, tmp_path, settings_for(server))
    bot = await start_bot(services)

    asked = server.command(GROUP, USER, "ask", "Who backs Haftar?")
    first = await next_answer(server, GROUP)
    mention = server.group_message(
        GROUP, OTHER, f"@{BOT_USERNAME} where did Erdogan and Putin meet?"
    )
    second = await next_answer(server, GROUP)
    follow_up = server.group_message(
        GROUP, OTHER, "and who supports the GNA?", reply_to=first.message_id
    )
    third = await next_answer(server, GROUP)

    assert first.reply_to_message_id == message_id(asked)
    for fact in HAFTAR_FACTS:
        assert fact in plain(first)
    assert button_texts(first) == ["Quotes", "👍", "👎"]
    assert second.reply_to_message_id == message_id(mention)
    assert "di Istanbul" in plain(second)
    assert third.reply_to_message_id == message_id(follow_up)
    assert "Turki mendukung" in plain(third)

    # Chatter, delivered to the bot (privacy mode off): idle means it has handled all of it.
    server.group_message(GROUP, USER, "Lunch at noon, anyone?")
    server.group_message(GROUP, OTHER, "and who supports the GNA?")
    server.group_message(GROUP, OTHER, "Count me in", reply_to=message_id(asked))
    server.group_message(GROUP, USER, "@other_news_bot who backs Haftar?")
    server.command(GROUP, USER, "ask")
    usage = await next_message(server, GROUP)
    await idle(server, bot)

    assert plain(usage) == "Ask a question after /ask, e.g. /ask Who backs Haftar?"
    # The follow-up was read with the earlier question, and searched as one standing alone
    # (kept under the answer's id once the bot heard it was sent: read once idle).
    kept = services.state.answer(GROUP, third.message_id)
    assert kept is not None
    assert kept.question == "Who supports the GNA?"
    assert len(server.messages(GROUP)) == 4  # three answers and the usage, nothing else
    assert server.actions(GROUP) == ["typing"] * 3
    assert rejected(server) == []


# --------------------------------------------------------------------------- conversations


def searched_for(message: SentMessage) -> list[str]:
    """The small print of an answer: the question the bot searched, when not the one asked."""
    return entity_texts(message, "italic")


async def test_a_follow_up_in_a_private_chat_needs_no_reply_and_says_what_was_searched(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.private_message(USER, "Who backs Haftar?")
    first = await next_answer(server, USER)
    server.private_message(USER, "and who supports the GNA?")
    follow_up = await next_answer(server, USER)
    server.private_message(OTHER, "Siapa yang mendukung Haftar?", language_code="id")
    await next_answer(server, OTHER)
    server.private_message(OTHER, "bagaimana dengan GNA?", language_code="id")
    indonesian = await next_answer(server, OTHER)

    assert searched_for(first) == []
    assert "Turki mendukung" in plain(follow_up)
    assert searched_for(follow_up) == ["Searched for: Who supports the GNA?"]
    assert plain(follow_up).endswith("\n\nSearched for: Who supports the GNA?")
    assert "Turki mendukung" in plain(indonesian)
    assert searched_for(indonesian) == ["Dicari: Siapa yang mendukung GNA?"]
    assert rejected(server) == []


async def test_a_question_of_its_own_soon_after_an_answer_is_not_glued_to_it(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(engine, tmp_path, settings_for(server))
    bot = await start_bot(services)

    server.private_message(USER, "Who backs Haftar?")
    await next_answer(server, USER)
    # Naming nothing, it would be searched with Haftar's name were it read as a follow-up.
    server.private_message(USER, "which airport was hit by shelling?")
    fresh = await read_answer(server, bot, USER)

    assert searched_for(fresh) == []
    kept = services.state.answer(USER, fresh.message_id)
    assert kept is not None
    assert kept.question == "which airport was hit by shelling?"


async def test_after_the_window_or_new_a_follow_up_stands_alone_but_replies_still_follow(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server, followup_minutes=10)))
    later = int(time.time()) + 11 * 60

    server.private_message(USER, "Who backs Haftar?")
    haftar = await next_answer(server, USER)
    server.private_message(USER, "what about Egypt?", date=later)
    too_late = await next_answer(server, USER)
    server.private_message(USER, "Where did Erdogan and Putin meet?")
    await next_answer(server, USER)
    server.command(USER, USER, "new")
    started_over = await next_message(server, USER)
    server.private_message(USER, "what about Egypt?")
    after_new = await next_answer(server, USER)
    # A reply follows up the answer it replies to, however old and after /new.
    server.private_message(USER, "what about Egypt?", reply_to=haftar.message_id, date=later)
    replied = await next_answer(server, USER)
    server.private_message(OTHER, "/new", language_code="id")
    started_over_id = await next_message(server, OTHER)

    assert searched_for(too_late) == []
    assert plain(started_over) == "Starting over: your next question stands on its own."
    assert searched_for(after_new) == []
    assert searched_for(replied) == ["Searched for: Who backs Egypt?"]
    assert plain(started_over_id) == "Mulai dari awal: pertanyaan Anda berikutnya berdiri sendiri."
    assert rejected(server) == []


async def test_a_follow_up_in_a_group_needs_a_reply_as_before(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.command(GROUP, USER, "ask", "Who backs Haftar?")
    first = await read_answer(server, bot, GROUP)
    server.command(GROUP, USER, "ask", "what about Egypt?")
    unreplied = await next_answer(server, GROUP)
    server.group_message(GROUP, USER, "what about Egypt?", reply_to=first.message_id)
    replied = await next_answer(server, GROUP)

    assert searched_for(unreplied) == []
    assert searched_for(replied) == ["Searched for: Who backs Egypt?"]


async def test_answer_speaks_the_language_of_the_question(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.private_message(USER, "Siapa yang mendukung Haftar?")
    answer = await next_answer(server, USER)

    lines, _ = answer_body(answer, heading="Sumber")
    assert any("Rusian kontraktor militer" in line for line in lines)
    assert button_texts(answer) == ["Kutipan", "👍", "👎"]


async def test_in_a_group_a_language_model_answer_grows_in_a_placeholder_then_is_the_answer(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    # Streamed over more than a second: the placeholder shows the text so far at least once.
    # (A private chat has a draft instead: test_drafts.py.)
    pieces = ["Rusia ", "dan Uni Emirat Arab ", "mendukung ", "Haftar ", "[1]."]
    chat_server.script(Reply(pieces, chunk_delay=0.4))
    bot = await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))

    asked = server.command(GROUP, USER, "ask", "Siapa yang mendukung Haftar?")
    answer = await next_edited_answer(server, GROUP)
    await idle(server, bot)

    assert server.actions(GROUP) == ["typing"]
    assert answer.first_text == "Sedang membaca artikel…"
    partial = [edit.text for edit in answer.edits[:-1]]
    assert partial
    assert all(text and text.endswith(" …") for text in partial)
    assert plain(answer).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    kept = message_id(asked)
    assert answer.callback_data == [f"quotes:{kept}", f"vote:up:{kept}", f"vote:down:{kept}"]
    assert server.messages(GROUP) == [answer]
    assert server.drafts(USER) == []

    server.callback(GROUP, USER, answer.message_id, answer.callback_data[0])
    quotes = await next_message(server, GROUP)

    assert "Uni Emirat Arab" in " ".join(entity_texts(quotes, "blockquote"))
    assert rejected(server) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Who painted the Mona Lisa?",
            (
                "I found nothing about that in the articles.\n\n"
                "See what I have with /sources, or ask an admin to /add an article."
            ),
        ),
        (
            "Bagaimana cara membuat rendang?",
            (
                "Saya tidak menemukan apa pun tentang itu di artikel-artikel ini.\n\n"
                "Lihat koleksi saya dengan /sources, atau minta admin menambah artikel dengan /add."
            ),
        ),
    ],
)
async def test_nothing_found_says_so_and_suggests_sources_and_add(  # noqa: PLR0917
    server: BotApiServer,
    engine: Engine,
    tmp_path: Path,
    start_bot: Start,
    question: str,
    expected: str,
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.private_message(USER, question)
    answer = await next_answer(server, USER)

    assert plain(answer) == expected
    assert button_texts(answer) == ["👍", "👎"]  # a vote on it still helps


async def test_long_answer_is_split_into_messages_telegram_accepts(
    server: BotApiServer, store: Store, start_bot: Start
) -> None:
    engineers = [
        "Ana Lestari", "Budi Santoso", "Citra Dewi", "Dedi Kurnia", "Eka Putri",
        "Fajar Nugroho", "Gita Sari", "Hadi Wibowo", "Indah Permata", "Joko Susilo",
        "Kartika Ayu", "Lukman Hakim", "Maya Anggraini", "Nanda Pratama", "Oki Setiawan",
        "Putri Maharani", "Rudi Hartono", "Sinta Rahayu", "Taufik Hidayat", "Umi Kalsum",
        "Vina Melati", "Wawan Gunawan", "Yuni Astuti", "Zainal Arifin",
    ]  # fmt: skip
    # Twenty-four long sentences that answer the question equally well, each with another
    # name: the answer quotes up to twenty of them, more than one message holds.
    sentences = [
        f"The Sunport harbour bridge reopened to traffic on Monday after two years of repairs,"
        f" said {name}, one of the city engineers, who told reporters that the reopened harbour"
        f" bridge in Sunport now carries its full load of cars, buses, lorries and bicycles"
        f" across the wide bay every single day of the week, from early morning until late."
        for name in engineers
    ]
    paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    Ingestor(store).ingest_text("\n\n".join([BRIDGE_TITLE, *paragraphs]))
    [article] = store.articles()
    engine = Engine(store, EngineSettings(max_quotes=20, top_k=20))
    await start_bot(Kabar.create(engine, settings_for(server)))

    server.private_message(USER, "Who said the Sunport harbour bridge reopened?")
    parts = [await next_answer(server, USER)]
    while not parts[-1].buttons:  # the Quotes button comes with the last part
        parts.append(await next_message(server, USER))

    whole = "\n".join(plain(part) for part in parts)
    body, sources = whole.split("\n\nSources\n")
    lines = body.split("\n")
    assert len(whole) > 4096
    assert len(parts) == 2
    assert all(len(plain(part)) <= 4096 for part in parts)
    assert len(lines) >= 13
    for line in lines:
        assert line.removesuffix(" [1]") in sentences
    assert sources == f"[1] {BRIDGE_TITLE}"
    assert parts[0].buttons == []
    assert button_texts(parts[-1]) == ["Quotes", "👍", "👎"]

    server.callback(USER, USER, parts[-1].message_id, parts[-1].callback_data[0])

    def quoted() -> str:
        return " ".join(plain(q) for q in server.messages(USER)[len(parts) :])

    await server.wait_for_async(
        lambda: all(line.removesuffix(" [1]") in quoted() for line in lines), timeout=30
    )
    assert all(len(plain(q)) <= 4096 for q in server.messages(USER))
    assert quoted().startswith(f"[1] {article.title}")
    assert rejected(server) == []


# --------------------------------------------------------------------------- briefings


def add_news(ingestor: Ingestor, text: str, site: str, published: datetime) -> str:
    """Add a news text published on `site` at `published`; its article id."""
    result = ingestor.ingest_text(text, site=site, published=published.isoformat())
    assert not result.failed, result.error
    return result.article_id


def hours_ago(hours: int) -> datetime:
    return datetime.now(ZoneInfo(ZONE)) - timedelta(hours=hours)


async def test_brief_names_a_period_or_gives_what_is_new_since_the_last_briefing(
    server: BotApiServer, fresh_engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(fresh_engine, tmp_path, settings_for(server))
    await start_bot(services)
    add_news(services.ingestor, QUAKE_KOMPAS, "kompas", hours_ago(20))
    add_news(services.ingestor, QUAKE_DETIK, "detik", hours_ago(18))
    add_news(services.ingestor, CHILI, "antara", datetime(2024, 3, 5, 9, tzinfo=ZoneInfo(ZONE)))

    asked = datetime.now(ZoneInfo(ZONE))
    server.command(USER, USER, "brief")
    briefing = await next_message(server, USER)
    server.command(USER, USER, "brief", "5 Mar 2024")
    that_day = await next_message(server, USER)
    server.command(USER, USER, "brief")
    nothing_new = await next_message(server, USER)
    server.private_message(OTHER, "/brief", language_code="id")
    ringkasan = await next_message(server, OTHER)

    heading, story = plain(briefing).split("\n\n")
    assert heading == "Briefing"
    line, *sources = story.split("\n")
    assert line.endswith(" [1][2]")
    assert line.removeprefix("• ").removesuffix(" [1][2]") in QUAKE_KOMPAS + QUAKE_DETIK
    assert [source.split(" — ")[1].split(",")[0] for source in sources] == ["kompas", "detik"]
    _, chili = plain(that_day).split("\n\n")
    assert (
        chili.split("\n")[1] == "[1] Harga cabai rawit naik di pasar Jakarta — antara, 5 Mar 2024"
    )
    # The first briefing was just now (in the bot's zone): nothing was published since.
    assert plain(nothing_new) in {
        f"Nothing new since {moment:%-d %b %Y %H:%M}."
        for moment in (asked, asked + timedelta(minutes=1))
    }
    assert plain(ringkasan).startswith("Ringkasan\n\n• ")
    assert rejected(server) == []


async def test_brief_on_a_topic_keeps_the_stories_about_it(
    server: BotApiServer, fresh_engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(fresh_engine, tmp_path, settings_for(server))
    await start_bot(services)
    add_news(services.ingestor, QUAKE_KOMPAS, "kompas", hours_ago(20))
    add_news(services.ingestor, CHILI, "antara", hours_ago(19))

    server.command(USER, USER, "brief", "cabai rawit")
    briefing = await next_message(server, USER)

    heading, story = plain(briefing).split("\n\n")
    assert heading == "Briefing: cabai rawit"
    assert story.split("\n")[1].startswith("[1] Harga cabai rawit naik di pasar Jakarta — antara")
    assert "Briefing: cabai rawit" in entity_texts(briefing, "bold")


def briefing_jobs(application: Application) -> list[Any]:  # type: ignore[type-arg]
    assert application.job_queue is not None
    return [job for job in application.job_queue.jobs() if job.name.startswith("briefing:")]


async def test_daily_briefing_subscription_is_scheduled_posted_listed_and_removed(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    chat_admin = 2001
    server.set_admins(GROUP, [chat_admin])
    services = seed_services(engine, tmp_path, settings_for(server))
    application = await start_bot(services)

    server.command(GROUP, USER, "subscribe", "07:30 Haftar")
    refused = await next_message(server, GROUP)
    await idle(server, application)
    assert plain(refused) == REFUSED_ADMIN
    assert services.state.subscriptions() == []
    assert briefing_jobs(application) == []

    server.command(GROUP, chat_admin, "subscribe", "25:00 Haftar")
    usage = await next_message(server, GROUP)
    assert plain(usage) == (
        "Use /subscribe [HH:MM] [topic], e.g. /subscribe 07:30 Libya; without a time, at the"
        " chat's briefing time (/settings)."
    )

    server.command(GROUP, chat_admin, "subscribe", "7:30 Haftar")
    subscribed = await next_message(server, GROUP)
    assert plain(subscribed) == (
        "Every day at 07:30 (Asia/Jakarta) I'll post a briefing (Haftar) here."
    )
    [job] = briefing_jobs(application)
    due = job.next_t.astimezone(ZoneInfo(ZONE))
    assert (due.hour, due.minute) == (7, 30)
    assert 0 < (due - datetime.now(ZoneInfo(ZONE))).total_seconds() <= 24 * 3600

    await job.run(application)  # what the job queue does at 07:30
    posted = await next_message(server, GROUP)
    assert plain(posted).startswith("Briefing: Haftar\n\n• ")  # the undated seed, stored today

    server.command(GROUP, USER, "subscriptions")
    listed = await next_message(server, GROUP)
    assert plain(listed) == "Daily briefings in this chat:\n• 07:30 Haftar"

    server.command(GROUP, USER, "unsubscribe")
    assert plain(await next_message(server, GROUP)) == REFUSED_ADMIN
    assert len(briefing_jobs(application)) == 1

    server.command(GROUP, chat_admin, "unsubscribe")
    removed = await next_message(server, GROUP)
    assert plain(removed) == "Removed 1 daily briefing(s) from this chat."
    assert briefing_jobs(application) == []
    server.command(GROUP, USER, "subscriptions")
    none_left = await next_message(server, GROUP)
    assert plain(none_left).startswith("This chat has no daily briefings.")
    assert rejected(server) == []


async def test_a_subscription_sends_a_story_once_then_only_its_follow_up_then_nothing_new(
    server: BotApiServer, fresh_engine: Engine, store: Store, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(fresh_engine, tmp_path, settings_for(server))
    application = await start_bot(services)
    for text, site, hours in (
        (QUAKE_KOMPAS, "kompas", 20),
        (QUAKE_DETIK, "detik", 18),
        (CHILI, "antara", 19),
    ):
        add_news(services.ingestor, text, site, hours_ago(hours))
    server.command(USER, USER, "subscribe", "07:30")
    await next_message(server, USER)
    [job] = briefing_jobs(application)

    await job.run(application)  # today at 07:30
    today = await next_message(server, USER)
    # The follow-up comes out in the afternoon; the next day's briefing reaches back a day.
    add_news(services.ingestor, QUAKE_FOLLOW_UP, "tempo", hours_ago(2))
    await job.run(application)
    next_day = await next_message(server, USER)
    await job.run(application)
    nothing_new = await next_message(server, USER)

    heading, quake, chili = plain(today).split("\n\n")
    assert heading == "Briefing"
    quake_line, *quake_sources = quake.split("\n")
    assert quake_line.removeprefix("• ").removesuffix(" [1][2]") in QUAKE_KOMPAS + QUAKE_DETIK
    assert [line.split(" — ")[1].split(",")[0] for line in quake_sources] == ["kompas", "detik"]
    assert chili.split("\n")[0].endswith(" [3]")
    assert chili.split("\n")[1].startswith("[3] Harga cabai rawit naik di pasar Jakarta — antara")
    _, follow_up = plain(next_day).split("\n\n")
    line, source = follow_up.split("\n")
    assert line.removeprefix("• ").removesuffix(" [1]") in QUAKE_FOLLOW_UP
    assert source.startswith("[1] Korban gempa Palu bertambah, ratusan rumah rusak — tempo")
    assert plain(nothing_new).startswith("Nothing new since ")
    assert rejected(server) == []


async def test_subscriptions_are_capped_per_chat_and_per_person_and_listed_in_parts(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    first_group, second_group, third_group = GROUP, GROUP - 1, GROUP - 2
    busy, other_admin = 2001, 2002
    for group in (first_group, second_group, third_group):
        server.set_admins(group, [busy, other_admin])
    services = seed_services(engine, tmp_path, settings_for(server))
    await start_bot(services)
    topics = [f"Libya {n} " + "Haftar and the ceasefire talks in Moscow " * 22 for n in range(5)]

    subscribed = []
    for n, topic in enumerate(topics):
        server.command(first_group, busy, "subscribe", f"0{n}:00 {topic}")
        subscribed.append(plain(await next_message(server, first_group)))
    server.command(first_group, other_admin, "subscribe", "06:00 Libya")
    chat_full = await next_message(server, first_group)
    server.command(first_group, USER, "subscriptions")
    listed = await server.wait_for_messages_async(first_group, 2, timeout=30)

    assert all(reply.startswith("Every day at ") for reply in subscribed)
    assert plain(chat_full) == (
        "This chat already has 5 daily briefings, the most it can have."
        " Remove them with /unsubscribe to set up others."
    )
    assert "\n".join(plain(part) for part in listed) == "\n".join(
        ["Daily briefings in this chat:"]
        + [f"• 0{n}:00 {topic.strip()}" for n, topic in enumerate(topics)]
    )
    assert all(len(plain(part)) <= 4096 for part in listed)

    for n in range(5):
        server.command(second_group, busy, "subscribe", f"0{n}:30 Libya")
        await next_message(server, second_group)
    server.command(third_group, busy, "subscribe", "07:00 Libya")
    person_full = await next_message(server, third_group)
    server.command(third_group, other_admin, "subscribe", "07:00 Libya")
    someone_else = await next_message(server, third_group)

    assert plain(person_full) == (
        "You already have 10 daily briefings across your chats, the most one person can set up."
    )
    assert plain(someone_else).startswith("Every day at 07:00")
    assert len(services.state.subscriptions()) == 11
    assert rejected(server) == []


async def test_subscriptions_and_answers_survive_a_restart(
    server: BotApiServer, engine: Engine, seed_store: Store, tmp_path: Path
) -> None:
    async with running(seed_services(engine, tmp_path, settings_for(server))):
        server.command(GROUP, ADMIN, "subscribe", "08:15 Libya")
        await next_message(server, GROUP)
        server.private_message(USER, "Where did Erdogan and Putin meet?")
        answer = await next_answer(server, USER)

    services = seed_services(engine, tmp_path, settings_for(server))
    async with running(services) as application:
        [job] = briefing_jobs(application)
        due = job.next_t.astimezone(ZoneInfo(ZONE))
        assert (due.hour, due.minute) == (8, 15)
        server.command(GROUP, USER, "subscriptions")
        listed = await next_message(server, GROUP)
        server.callback(USER, USER, answer.message_id, answer.callback_data[0])
        quotes = await next_message(server, USER)
        await job.run(application)
        posted = await next_message(server, GROUP)

    assert plain(listed) == "Daily briefings in this chat:\n• 08:15 Libya"
    [quoted] = entity_texts(quotes, "blockquote")
    assert "di Istanbul" in quoted
    assert quoted in seed_store.text(seed_store.articles()[0].id)
    assert plain(posted).startswith("Briefing: Libya\n\n• ")  # the undated seed, stored today
    assert server.pending_updates == 0
    # The stopped bot's last long poll is answered "Conflict" once the new one polls; nothing
    # the bot sent was refused.
    assert [r for r in rejected(server) if not r.startswith("getUpdates: Conflict")] == []


# --------------------------------------------------------------------------- the collection


async def test_add_urls_reports_each_in_one_message_and_the_article_answers(
    server: BotApiServer, site: Site, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    site.routes["/news/bridge.html"] = Route(article_html(BRIDGE_TITLE, BRIDGE_PARAGRAPHS))
    found, gone = site.url("/news/bridge.html"), site.url("/news/gone.html")
    bot = await start_bot(Kabar.create(fresh_engine, settings_for(server)))

    server.command(ADMIN, ADMIN, "add", f"{found} {gone}")
    progress = await next_message(server, ADMIN)
    await idle(server, bot)

    [record] = store.articles()
    assert (record.title, record.url) == (BRIDGE_TITLE, found)
    added = f"added: {BRIDGE_TITLE} ({record.id})"
    assert progress.first_text == "Adding 2 source(s)…"
    assert plain(progress) == "\n".join(
        ["Adding 2 source(s)…", added, f"failed: {gone} — HTTP 404 Not Found for {gone}"]
    )
    assert [e.text.count("\n") for e in progress.edits if e.text] == [1, 2]
    assert server.messages(ADMIN) == [progress]

    server.private_message(USER, "When did the Sunport harbour bridge reopen?")
    answer = await next_answer(server, USER)

    lines, sources = answer_body(answer)
    assert any("reopened to traffic on Monday" in line for line in lines)
    assert sources == f"[1] {BRIDGE_TITLE} — Kabar Test News, 5 Mar 2024"
    assert ("[1]", found) in links(answer)  # the citation in the text
    assert (BRIDGE_TITLE, found) in links(answer)  # the title in the sources
    assert {url for _, url in links(answer)} == {found}


async def test_sources_whose_url_is_not_a_web_page_are_shown_unlinked(
    server: BotApiServer, store: Store, tmp_path: Path, start_bot: Start
) -> None:
    # A corpus is someone else's data: its url field may name a script or a Telegram action.
    corpus = tmp_path / "corpus.jsonl"
    records = [
        {"title": BRIDGE_TITLE, "text": " ".join(BRIDGE_PARAGRAPHS), "url": "javascript:alert(1)"},
        {
            "title": "Sunport bridge tolls",
            "text": "The harbour bridge of Sunport reopened without tolls on Monday, the council"
            " said, and will stay free for cars until the end of the year.",
            "url": "tg://resolve?domain=other_bot&start=reopened",
        },
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in records))
    list(Ingestor(store).ingest([str(corpus)]))
    await start_bot(Kabar.create(Engine(store), settings_for(server)))

    server.private_message(USER, "When did the Sunport harbour bridge reopen?")
    answer = await next_answer(server, USER)

    lines, sources = answer_body(answer)
    assert any("reopened to traffic on Monday" in line for line in lines)
    assert f"[1] {BRIDGE_TITLE}" in sources.split("\n")
    assert links(answer) == []
    assert rejected(server) == []


async def test_add_reports_a_malformed_url_as_its_own_failure_and_goes_on(
    server: BotApiServer, site: Site, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    site.routes["/news/bridge.html"] = Route(article_html(BRIDGE_TITLE, BRIDGE_PARAGRAPHS))
    found = site.url("/news/bridge.html")
    bot = await start_bot(Kabar.create(fresh_engine, settings_for(server)))

    server.command(ADMIN, ADMIN, "add", f"http://[::1 http://a:b/ {found}")
    progress = await next_message(server, ADMIN)
    await idle(server, bot)

    [record] = store.articles()
    heading, unclosed, bad_port, added = plain(progress).split("\n")
    assert heading == "Adding 3 source(s)…"
    assert unclosed.startswith("failed: http://[::1 — ")
    assert bad_port.startswith("failed: http://a:b/ — ")
    assert added == f"added: {BRIDGE_TITLE} ({record.id})"
    assert server.messages(ADMIN) == [progress]  # no apology
    assert rejected(server) == []


async def test_add_takes_web_addresses_only_never_the_bots_own_files(
    server: BotApiServer, fresh_engine: Engine, store: Store, tmp_path: Path, start_bot: Start
) -> None:
    secret = tmp_path / "secret" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text("Server notes\n\nThe database password is hunter2, keep it safe.\n")
    await start_bot(Kabar.create(fresh_engine, settings_for(server)))

    server.command(ADMIN, ADMIN, "add", f"{secret} {secret.parent}")
    progress = await next_message(server, ADMIN)
    await server.wait_for_async(lambda: len(progress.edits) == 2, timeout=30)

    assert store.articles() == []
    lines = plain(progress).split("\n")[1:]
    assert lines == [
        f"failed: {secret} — not an http(s) URL",
        f"failed: {secret.parent} — not an http(s) URL",
    ]
    assert "hunter2" not in plain(progress)


async def test_document_upload_by_an_admin_is_ingested_and_bad_files_refused(
    server: BotApiServer, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    await start_bot(Kabar.create(fresh_engine, settings_for(server, max_upload_bytes=2000)))
    library = (
        "Sunport library extends its opening hours\n\n"
        "The Sunport city library will stay open until ten in the evening from next month,"
        " the library board announced on Tuesday.\n"
    )

    server.document(ADMIN, ADMIN, "library.txt", library.encode(), "text/plain")
    added = await next_message(server, ADMIN)
    [record] = store.articles()
    server.document(ADMIN, ADMIN, "big.txt", b"Too long\n\n" + b"word " * 600, "text/plain")
    too_big = await next_message(server, ADMIN)
    server.document(ADMIN, ADMIN, "photo.jpg", b"\xff\xd8\xff\xe0 not text", "image/jpeg")
    wrong_type = await next_message(server, ADMIN)
    # In a group, a file is for the bot when its caption is /add.
    ferry = b"Ferry fares fall\n\nFerry fares in Sunport will fall by a tenth in June.\n"
    server.document(GROUP, ADMIN, "ferry.txt", ferry, "text/plain", caption="/add")
    group_added = await next_message(server, GROUP)

    assert plain(added) == f"added: Sunport library extends its opening hours ({record.id})"
    assert (record.site, record.url) == ("library.txt", "")
    assert "ten in the evening" in store.text(record.id)
    assert plain(too_big) == "That file is too big (3,010 B); the limit is 2,000 B."
    assert plain(wrong_type) == "I can read .txt, .md, .html and .pdf files, not photo.jpg."
    titles = {r.title for r in store.articles()}
    assert titles == {"Sunport library extends its opening hours", "Ferry fares fall"}
    assert plain(group_added).startswith("added: Ferry fares fall (")
    assert rejected(server) == []


async def test_add_as_reply_to_a_forwarded_message_credits_its_origin(
    server: BotApiServer, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    await start_bot(Kabar.create(fresh_engine, settings_for(server)))
    server.add_user(3001, first_name="Rina", last_name="Wijaya")
    # Forwarded into the group: plain text the bot (privacy mode) never receives itself.
    from_channel = server.forwarded(
        GROUP,
        USER,
        "Night buses return to Sunport\n\nThe city transport company said night buses will"
        " run again on weekends from Friday, after a year without them.",
        origin_channel=-1_002_000_000_001,
        channel_title="Sunport Daily",
    )
    from_user = server.forwarded(
        GROUP,
        USER,
        "Sunport zoo welcomes two red pandas\n\nTwo red pandas arrived at the Sunport zoo"
        " on Thursday and will meet visitors next month, the keepers said.",
        origin_user=3001,
    )
    assert from_channel["update_id"] is None

    server.group_message(GROUP, ADMIN, "/add", reply_to=from_channel["message"])
    first = await next_message(server, GROUP)
    server.group_message(GROUP, ADMIN, "/add", reply_to=from_user["message"])
    second = await next_message(server, GROUP)

    records = {r.title: r for r in store.articles()}
    buses = records["Night buses return to Sunport"]
    pandas = records["Sunport zoo welcomes two red pandas"]
    assert plain(first) == f"added: Night buses return to Sunport ({buses.id})"
    assert plain(second) == f"added: Sunport zoo welcomes two red pandas ({pandas.id})"
    assert buses.site == "Sunport Daily"
    assert pandas.site == "Rina Wijaya"
    assert "night buses will run again on weekends" in store.text(buses.id)


def rss(site: Site, *entries: tuple[str, str]) -> Route:
    """An RSS feed of (title, link) entries, newest first; a link starting with "/news/" is a
    page of the site."""
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"
        for title, link in (
            (title, site.url(link) if link.startswith("/news/") else link)
            for title, link in entries
        )
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Sunport Daily</title><link>{site.url('/')}</link>"
        f"<description>News of Sunport</description>{items}</channel></rss>"
    )
    return Route(body.encode(), "application/rss+xml")


async def test_feeds_are_followed_polled_for_new_entries_and_unfollowed(  # noqa: PLR0917
    server: BotApiServer,
    site: Site,
    fresh_engine: Engine,
    store: Store,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    ferry = ("Ferry timetable changes in Sunport", "/news/ferry.html")
    market = ("Sunport market hall to close for renovation", "/news/market.html")
    park = ("New park opens in Sunport", "/news/park.html")
    pages = {
        ferry: "The Sunport ferry company will run its first morning ferry half an hour earlier"
        " from May, to suit commuters who start work at seven.",
        market: "The old market hall of Sunport will close for eighteen months of renovation"
        " in September, and the traders will move to tents on the square.",
        park: "A new park with a playground and a pond opened on the former rail yard of"
        " Sunport on Saturday, the mayor said.",
    }
    for (title, path), paragraph in pages.items():
        site.routes[path] = Route(article_html(title, [paragraph]))
    # A feed is someone else's text: an entry naming a file of the bot's machine is a link on
    # the feed's own site, never a file read from the bot's disk.
    secret = tmp_path / "secret.txt"
    secret.write_text("Server notes\n\nThe database password is hunter2, keep it safe.\n")
    site.routes["/feed.xml"] = rss(site, ferry, ("Notes", str(secret)))
    feed = site.url("/feed.xml")
    application = await start_bot(Kabar.create(fresh_engine, settings_for(server)))
    assert application.job_queue is not None
    [poll] = [job for job in application.job_queue.jobs() if job.callback is poll_feeds]

    server.command(GROUP, ADMIN, "feeds", f"add {feed}")
    followed, news = await server.wait_for_messages_async(GROUP, 2, timeout=60)
    server.command(GROUP, ADMIN, "feeds", "list")
    listed = await next_message(server, GROUP)

    assert plain(followed) == f"Following {feed}: new entries will be added and announced here."
    [first] = store.articles()
    assert plain(news) == "\n".join(
        [
            f"New from {feed}:",
            f"added: {ferry[0]} ({first.id})",
            f"failed: {site.url(str(secret))} — HTTP 404 Not Found for {site.url(str(secret))}",
        ]
    )
    assert plain(listed) == f"Followed feeds:\n{feed}"

    site.routes["/feed.xml"] = rss(site, market, ferry, ("Notes", str(secret)))
    await poll.run(application)  # what the job queue does every KABAR_FEED_POLL_MINUTES
    arrived = await next_message(server, GROUP)
    await poll.run(application)  # nothing new since

    second = next(r for r in store.articles() if r.title == market[0])
    assert plain(arrived) == f"New from {feed}:\nadded: {market[0]} ({second.id})"
    assert len(server.messages(GROUP)) == 4

    server.command(GROUP, ADMIN, "feeds", f"remove {feed}")
    unfollowed = await next_message(server, GROUP)
    site.routes["/feed.xml"] = rss(site, park, market, ferry)
    await poll.run(application)
    server.command(GROUP, ADMIN, "feeds", "list")
    empty = await next_message(server, GROUP)

    assert plain(unfollowed) == f"No longer following {feed}."
    assert plain(empty) == "No feeds are followed. Add one with /feeds add URL."
    assert {r.title for r in store.articles()} == {ferry[0], market[0]}
    assert rejected(server) == []


async def test_a_broken_feed_or_entry_never_stops_the_other_feeds(  # noqa: PLR0917
    server: BotApiServer,
    site: Site,
    fresh_engine: Engine,
    store: Store,
    start_bot: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ferry = ("Ferry timetable changes in Sunport", "/news/ferry.html")
    park = ("New park opens in Sunport", "/news/park.html")
    site.routes[ferry[1]] = Route(
        article_html(ferry[0], ["The first morning ferry of Sunport will leave earlier in May."])
    )
    site.routes[park[1]] = Route(
        article_html(park[0], ["A new park with a pond opened on the old rail yard of Sunport."])
    )
    site.routes["/a-feed.xml"] = rss(site, ferry)
    site.routes["/b-feed.xml"] = rss(site)
    first, second = site.url("/a-feed.xml"), site.url("/b-feed.xml")
    application = await start_bot(Kabar.create(fresh_engine, settings_for(server)))
    assert application.job_queue is not None
    [poll] = [job for job in application.job_queue.jobs() if job.callback is poll_feeds]

    for feed, replies in ((first, 2), (second, 1)):
        server.command(GROUP, ADMIN, "feeds", f"add {feed}")
        await server.wait_for_messages_async(GROUP, replies, timeout=60)

    # The first feed now lists a link no URL parser reads; the second an entry that cannot
    # be fetched beside one that can.
    site.routes["/a-feed.xml"] = rss(site, ("Broken", "http://[::1"), ferry)
    site.routes["/b-feed.xml"] = rss(site, ("Odd port", "http://a:b/"), park)
    followed = len(server.messages(GROUP))

    def news_from(feed: str) -> list[SentMessage]:
        """The announcements of the feed since the poll."""
        since = server.messages(GROUP)[followed:]
        return [m for m in since if plain(m).startswith(f"New from {feed}:\n")]

    with caplog.at_level(logging.WARNING, logger="bot"):
        await poll.run(application)  # what the job queue does every KABAR_FEED_POLL_MINUTES

    records = {r.title: r for r in store.articles()}
    assert set(records) == {ferry[0], park[0]}
    [arrived] = news_from(second)
    heading, odd, new = plain(arrived).split("\n")
    assert heading == f"New from {second}:"
    assert odd.startswith("failed: http://a:b/ — ")
    assert new == f"added: {park[0]} ({records[park[0]].id})"
    [broken] = news_from(first)
    assert plain(broken).split("\n")[1].startswith("failed: http://[::1 — not a valid URL")
    assert not any(plain(m).startswith("Sorry") for m in server.messages(GROUP))
    assert rejected(server) == []


async def test_a_chat_that_blocked_the_bot_does_not_keep_the_news_from_the_others(
    server: BotApiServer, site: Site, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    ferry = ("Ferry timetable changes in Sunport", "/news/ferry.html")
    site.routes[ferry[1]] = Route(
        article_html(ferry[0], ["The first morning ferry of Sunport will leave earlier in May."])
    )
    site.routes["/feed.xml"] = rss(site)
    feed = site.url("/feed.xml")
    application = await start_bot(Kabar.create(fresh_engine, settings_for(server)))
    assert application.job_queue is not None
    [poll] = [job for job in application.job_queue.jobs() if job.callback is poll_feeds]
    for chat in (ADMIN, GROUP):  # the private chat follows first, so it is told first
        server.command(chat, ADMIN, "feeds", f"add {feed}")
        await server.wait_for_messages_async(chat, 1, timeout=60)
    server.block(ADMIN)
    site.routes["/feed.xml"] = rss(site, ferry)

    await poll.run(application)

    [record] = store.articles()
    [news] = [m for m in server.messages(GROUP) if plain(m).startswith("New from")]
    assert plain(news) == f"New from {feed}:\nadded: {ferry[0]} ({record.id})"


async def test_admin_actions_are_refused_to_others_and_change_nothing(
    server: BotApiServer, site: Site, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    site.routes["/news/bridge.html"] = Route(article_html(BRIDGE_TITLE, BRIDGE_PARAGRAPHS))
    site.routes["/feed.xml"] = rss(site, (BRIDGE_TITLE, "/news/bridge.html"))
    page, feed = site.url("/news/bridge.html"), site.url("/feed.xml")
    server.set_admins(GROUP, [USER])  # a group admin is no bot admin by default
    services = Kabar.create(fresh_engine, settings_for(server))
    bot = await start_bot(services)
    server.document(ADMIN, ADMIN, "cycle.txt", CYCLE_LANES, "text/plain")
    await next_message(server, ADMIN)
    [record] = store.articles()

    bridge = b"Bridge reopens\n\nThe bridge reopened on Monday after repairs.\n"
    attempts: list[tuple[int, Callable[[], object]]] = [
        (USER, lambda: server.command(USER, USER, "add", page)),
        (USER, lambda: server.document(USER, USER, "bridge.txt", bridge, "text/plain")),
        (USER, lambda: server.command(USER, USER, "remove", record.id)),
        (USER, lambda: server.command(USER, USER, "feeds", f"add {feed}")),
        (USER, lambda: server.command(USER, USER, "feeds", "list")),
        (GROUP, lambda: server.command(GROUP, USER, "add", page)),
        (GROUP, lambda: server.command(GROUP, USER, "remove", record.id)),
        (GROUP, lambda: server.command(GROUP, USER, "feeds", f"add {feed}")),
    ]
    replies = []
    for chat_id, attempt in attempts:
        attempt()
        replies.append(plain(await next_message(server, chat_id)))
    await idle(server, bot)

    assert replies == [REFUSED_ADMIN] * len(attempts)
    assert store.articles() == [record]
    assert services.state.feeds() == []

    server.command(ADMIN, ADMIN, "remove", "0000000000000000")
    missing = await next_message(server, ADMIN)
    server.command(ADMIN, ADMIN, "remove", record.id)
    removed = await next_message(server, ADMIN)

    assert plain(missing) == "No article with id 0000000000000000. See /sources."
    assert plain(removed) == f"Removed {record.id}: Cycle lanes for Sunport"
    assert store.articles() == []


async def test_with_group_admins_allowed_a_private_chat_still_gives_no_admin_rights(
    server: BotApiServer, site: Site, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    site.routes["/news/bridge.html"] = Route(article_html(BRIDGE_TITLE, BRIDGE_PARAGRAPHS))
    site.routes["/feed.xml"] = rss(site, (BRIDGE_TITLE, "/news/bridge.html"))
    page, feed = site.url("/news/bridge.html"), site.url("/feed.xml")
    server.set_admins(GROUP, [USER])
    services = Kabar.create(fresh_engine, settings_for(server, group_admins_can_add=True))
    bot = await start_bot(services)
    server.document(ADMIN, ADMIN, "cycle.txt", CYCLE_LANES, "text/plain")
    await next_message(server, ADMIN)
    [record] = store.articles()

    # A private chat is nobody's group: there a group admin, like anyone, is no admin.
    library = b"Library hours\n\nThe Sunport library will stay open until ten at night.\n"
    attempts: list[Callable[[], object]] = [
        lambda: server.command(USER, USER, "add", page),
        lambda: server.document(USER, USER, "library.txt", library, "text/plain"),
        lambda: server.command(USER, USER, "remove", record.id),
        lambda: server.command(USER, USER, "feeds", f"add {feed}"),
        lambda: server.command(USER, USER, "feeds", "list"),
    ]
    refusals = []
    for attempt in attempts:
        attempt()
        refusals.append(plain(await next_message(server, USER)))
    # A daily briefing in one's own private chat changes no collection: anyone may set it up.
    server.command(OTHER, OTHER, "subscribe", "07:30 Sunport")
    subscribed = await next_message(server, OTHER)
    await idle(server, bot)

    assert refusals == [REFUSED_ADMIN] * len(attempts)
    assert store.articles() == [record]
    assert services.state.feeds() == []
    assert plain(subscribed) == (
        "Every day at 07:30 (Asia/Jakarta) I'll post a briefing (Sunport) here."
    )
    assert rejected(server) == []


async def test_group_admins_remove_only_what_their_group_added(
    server: BotApiServer, site: Site, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    other_group, member = GROUP - 1, 1003
    server.set_admins(GROUP, [USER])
    server.set_admins(other_group, [OTHER])
    site.routes["/news/bridge.html"] = Route(article_html(BRIDGE_TITLE, BRIDGE_PARAGRAPHS))
    site.routes["/news/ferry.html"] = Route(
        article_html("Ferry fares fall", ["Ferry fares in Sunport will fall by a tenth in June."])
    )
    site.routes["/feed.xml"] = rss(site, ("Ferry fares fall", "/news/ferry.html"))
    await start_bot(Kabar.create(fresh_engine, settings_for(server, group_admins_can_add=True)))
    server.document(ADMIN, ADMIN, "cycle.txt", CYCLE_LANES, "text/plain")
    await next_message(server, ADMIN)
    [by_bot_admin] = store.articles()

    # In their group they add by URL, by upload, by reply and by following a feed.
    server.command(GROUP, USER, "add", site.url("/news/bridge.html"))
    progress = await next_message(server, GROUP)
    await server.wait_for_async(lambda: progress.edits, timeout=60)
    upload = b"Market hall closes\n\nThe old market hall of Sunport will close in September.\n"
    server.document(GROUP, USER, "market.txt", upload, "text/plain", caption="/add")
    await next_message(server, GROUP)
    pasted = server.group_message(
        GROUP, member, "Night buses return\n\nNight buses will run again on weekends."
    )
    server.group_message(GROUP, USER, "/add", reply_to=pasted["message"])
    await next_message(server, GROUP)
    server.command(GROUP, USER, "feeds", f"add {site.url('/feed.xml')}")
    await server.wait_for_messages_async(GROUP, 2, timeout=60)
    server.command(GROUP, member, "add", site.url("/news/bridge.html"))
    member_refused = await next_message(server, GROUP)
    added_in_group = [r for r in store.articles() if r != by_bot_admin]

    not_theirs = []
    for chat_id, user, record in [
        *((other_group, OTHER, r) for r in [*added_in_group, by_bot_admin]),
        (GROUP, USER, by_bot_admin),
    ]:
        server.command(chat_id, user, "remove", record.id)
        not_theirs.append(plain(await next_message(server, chat_id)))

    assert plain(member_refused) == REFUSED_ADMIN
    assert len(added_in_group) == 4
    assert not_theirs == ["You can remove only articles added in this group."] * 6
    assert len(store.articles()) == 5

    removed = []
    for chat_id, user, record in [
        *((GROUP, USER, r) for r in added_in_group),
        (other_group, ADMIN, by_bot_admin),  # a bot admin removes anything from anywhere
    ]:
        server.command(chat_id, user, "remove", record.id)
        removed.append(plain(await next_message(server, chat_id)))

    assert removed == [f"Removed {r.id}: {r.title}" for r in [*added_in_group, by_bot_admin]]
    assert store.articles() == []
    assert rejected(server) == []


async def test_sources_pages_and_stats(
    server: BotApiServer, fresh_engine: Engine, store: Store, tmp_path: Path, start_bot: Start
) -> None:
    towns = ["Amber", "Birch", "Cedar", "Dune", "Elm", "Fern", "Gale", "Heath", "Iris", "Jade"]
    folder = tmp_path / "articles"
    folder.mkdir()
    for number, town in enumerate(towns, start=1):
        (folder / f"{town.lower()}.txt").write_text(
            f"{town}ville opens library number {number}\n\nThe village of {town}ville opened"
            f" a library with {number * 100} books on a quiet street called {town} Lane."
        )
    ingestor = Ingestor(store)
    list(ingestor.ingest([str(folder)]))
    ingestor.ingest_text(  # no site, no date
        "Kestrelville opens library number 11\n\nThe village of Kestrelville opened a library"
        " with 1100 books on a quiet street called Kestrel Lane."
    )
    await start_bot(Kabar.create(fresh_engine, settings_for(server)))

    server.command(USER, USER, "sources")
    page = await next_message(server, USER)
    first_page, first_buttons = plain(page).split("\n"), button_texts(page)
    server.callback(USER, USER, page.message_id, "sources:2")
    await server.wait_for_async(lambda: page.edits, timeout=30)
    second_page, second_buttons = plain(page).split("\n"), button_texts(page)
    server.command(USER, USER, "stats")
    stats = await next_message(server, USER)

    assert first_page[0] == "Articles 1-10 of 11:"
    assert first_buttons == ["Next »"]
    assert second_page[0] == "Articles 11-11 of 11:"
    assert second_buttons == ["« Previous"]
    listed = first_page[1:] + second_page[1:]
    records = {r.title: r for r in store.articles()}
    assert sorted(line.split(" ")[0] for line in listed) == sorted(r.id for r in records.values())
    amber = records["Amberville opens library number 1"]
    kestrel = records["Kestrelville opens library number 11"]  # no site, no date
    assert f"{amber.id} Amberville opens library number 1 — amber.txt" in listed
    assert f"{kestrel.id} Kestrelville opens library number 11" in listed
    assert plain(stats) == "11 articles, 11 chunks. Languages: en 11."


async def test_sources_pages_list_the_newest_first_by_date(
    server: BotApiServer, fresh_engine: Engine, store: Store, start_bot: Start
) -> None:
    # Written oldest last, so that the order shown is the dates', not the writes'.
    days = list(range(12))
    store.write(
        [
            make_article(
                f"day{d:02}",
                f"Ferry timetable {d}",
                f"The harbour published ferry timetable {d} for the island routes.",
                site="harbour.example",
                published=f"2024-05-{20 - d:02}",
            )
            for d in days
        ]
    )
    await start_bot(Kabar.create(fresh_engine, settings_for(server)))

    server.command(USER, USER, "sources", "2")
    second = await next_message(server, USER)
    server.command(USER, USER, "sources")
    first = await next_message(server, USER)

    assert plain(first).split("\n") == [
        "Articles 1-10 of 12:",
        *(
            f"day{d:02} Ferry timetable {d} — harbour.example 2024-05-{20 - d:02}"
            for d in days[:10]
        ),
    ]
    assert plain(second).split("\n") == [
        "Articles 11-12 of 12:",
        *(
            f"day{d:02} Ferry timetable {d} — harbour.example 2024-05-{20 - d:02}"
            for d in days[10:]
        ),
    ]
    assert button_texts(second) == ["« Previous"]


async def test_sources_with_an_odd_page_gets_the_usage_line(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    # "²".isdigit() is true, yet int("²") fails.
    odd = ["²", "-1", "0", "2", "abc", "99999999999999999999", "1 2"]

    usages, indonesian = [], []
    for argument in odd:
        server.command(USER, USER, "sources", argument)
        usages.append(plain(await next_message(server, USER)))
        server.private_message(OTHER, f"/sources {argument}", language_code="id")
        indonesian.append(plain(await next_message(server, OTHER)))

    assert usages == ["Use /sources, or /sources PAGE with PAGE from 1 to 1."] * len(odd)
    assert indonesian == [
        "Gunakan /sources, atau /sources HALAMAN dengan HALAMAN dari 1 sampai 1."
    ] * len(odd)
    assert rejected(server) == []


async def test_page_buttons_pressed_with_odd_data_change_nothing(
    server: BotApiServer, engine: Engine, seed_store: Store, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    [article] = seed_store.articles()
    server.command(USER, USER, "sources", "1")
    page = await next_message(server, USER)

    for data in ("sources:²", "sources:-1", "sources:", "sources:99999999999999999999"):
        server.callback(USER, USER, page.message_id, data, modified_client=True)
    await idle(server, bot)

    assert len(server.callback_answers) == 4  # each press answered, so the client stops waiting
    assert plain(page).split("\n") == [
        "Articles 1-1 of 1:",
        f"{article.id} {article.title} — {article.site}",
    ]
    assert page.edits == []
    assert server.messages(USER) == [page]  # no apology
    assert rejected(server) == []


# --------------------------------------------------------------------------- limits and errors


async def test_rate_limit_answers_the_third_question_in_a_minute_with_a_friendly_note(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    settings = settings_for(server, questions_per_minute=2)
    bot = await start_bot(seed_services(engine, tmp_path, settings))

    for question in ("Who backs Haftar?", "Where did Erdogan and Putin meet?"):
        server.private_message(USER, question)
        await next_answer(server, USER)
    server.private_message(USER, "How far is Tripoli from Sirte?")
    limited = await next_message(server, USER)
    server.private_message(OTHER, "How far is Tripoli from Sirte?")
    others = await next_answer(server, OTHER)
    await idle(server, bot)

    assert plain(limited) == ("You're asking faster than I can read: wait a minute and ask again.")
    assert limited.edits == []
    assert server.actions(USER) == ["typing", "typing"]
    assert "370 kilometer" in plain(others)


async def test_many_people_in_one_group_cannot_ask_past_the_chats_limit(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    settings = settings_for(server, questions_per_minute=2, chat_questions_per_minute=3)
    bot = await start_bot(seed_services(engine, tmp_path, settings))
    third, fourth = 1003, 1004

    for user in (USER, USER, OTHER):
        server.command(GROUP, user, "ask", "Who backs Haftar?")
        await next_answer(server, GROUP)
    server.command(GROUP, third, "ask", "Who backs Haftar?")
    limited = await next_message(server, GROUP)
    server.private_message(fourth, "Who backs Haftar?")
    elsewhere = await next_answer(server, fourth)
    await idle(server, bot)

    assert plain(limited) == (
        "This chat is asking faster than I can read: wait a minute and ask again."
    )
    assert limited.edits == []
    assert server.actions(GROUP) == ["typing"] * 3
    assert HAFTAR_FACTS[0] in plain(elsewhere)


async def test_allowlist_refuses_other_chats_once_then_stays_silent(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    settings = settings_for(server, allowed_chat_ids=[USER])
    bot = await start_bot(seed_services(engine, tmp_path, settings))

    server.private_message(OTHER, "Who backs Haftar?")
    refusal = await next_message(server, OTHER)
    server.private_message(OTHER, "Who backs Haftar? Please?")
    server.command(OTHER, OTHER, "brief")
    server.command(GROUP, OTHER, "ask", "Who backs Haftar?")
    group_refusal = await next_message(server, GROUP)
    server.command(GROUP, OTHER, "brief")
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    await idle(server, bot)

    assert plain(refusal) == "This bot is not available in this chat."
    assert plain(group_refusal) == "This bot is not available in this chat."
    assert server.messages(OTHER) == [refusal]
    assert server.messages(GROUP) == [group_refusal]
    assert server.actions(OTHER) == []
    assert HAFTAR_FACTS[0] in plain(answer)


class ExplodingEngine(Engine):
    """The seed engine, failing on one question. The one stand-in of these tests: there is no
    honest way to make the real engine fail on demand."""

    def ask(self, question: str, *args: Any, **kwargs: Any) -> Any:
        if "explode" in question:
            raise RuntimeError("the engine blew up")
        return super().ask(question, *args, **kwargs)


async def test_a_failing_question_gets_an_apology_and_the_bot_keeps_answering(
    server: BotApiServer,
    seed_store: Store,
    tmp_path: Path,
    start_bot: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = ExplodingEngine(seed_store)
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    with caplog.at_level(logging.ERROR, logger="bot"):
        server.private_message(USER, "Please explode")
        [apology] = await server.wait_for_messages_async(USER, timeout=30)
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)

    assert plain(apology) == APOLOGY
    assert apology.edits == []
    assert server.messages(USER) == [apology, answer]  # no placeholder left behind
    assert HAFTAR_FACTS[0] in plain(answer)
    [logged] = [r for r in caplog.records if r.name == "bot.telegram_bot._application"]
    assert logged.exc_info is not None
    assert str(logged.exc_info[1]) == "the engine blew up"


async def test_a_failing_question_behind_a_placeholder_gets_the_apology_in_its_place(  # noqa: PLR0917
    server: BotApiServer,
    seed_store: Store,
    chat_server: ChatServer,
    tmp_path: Path,
    start_bot: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The model is never asked: the engine fails first (the stand-in ExplodingEngine).
    settings = EngineSettings(
        backend=Backend.OPENAI, openai_base_url=chat_server.url, openai_model="test"
    )
    engine = ExplodingEngine(seed_store, settings)
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    with caplog.at_level(logging.ERROR, logger="bot"):
        server.command(GROUP, USER, "ask", "Please explode")
        [placeholder] = await server.wait_for_messages_async(GROUP, timeout=30)
        await server.wait_for_async(lambda: placeholder.edits, timeout=30)
        await idle(server, bot)

    assert placeholder.first_text == THINKING
    assert plain(placeholder) == APOLOGY
    assert server.messages(GROUP) == [placeholder]
    [logged] = [r for r in caplog.records if r.name == "bot.telegram_bot._application"]
    assert logged.exc_info is not None
    assert str(logged.exc_info[1]) == "the engine blew up"


async def test_command_menu_is_set_at_start_with_descriptions(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    commands = {c["command"]: c["description"] for c in server.commands_set()}
    server.command(USER, USER, "help")
    helped = await next_message(server, USER)

    assert set(commands) == {
        "ask", "new", "brief", "sources", "stats", "subscribe", "unsubscribe", "subscriptions",
        "add", "remove", "feeds", "settings", "help",
    }  # fmt: skip
    assert all(len(description) > 10 for description in commands.values())
    assert "question" in commands["ask"].lower()
    assert "HH:MM" in commands["subscribe"]
    assert plain(helped).startswith("Ask me about the news articles in my collection")


async def test_twenty_chats_asking_at_once_are_all_answered(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    asked = {5000 + n: SEED_ANSWERED[n % len(SEED_ANSWERED)] for n in range(20)}

    for user, (question, _) in asked.items():
        server.private_message(user, question)
    answers = await asyncio.gather(*(next_answer(server, user) for user in asked))

    for answer, (question, facts) in zip(answers, asked.values(), strict=True):
        for fact in facts:
            assert fact in plain(answer)
        indonesian = question_language(question) == "id"
        assert button_texts(answer) == (
            ["Kutipan", "👍", "👎"] if indonesian else ["Quotes", "👍", "👎"]
        )
    assert rejected(server) == []


async def test_flood_control_is_waited_out_and_the_answer_still_arrives(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    server.flood(1, chat_id=USER, retry_after=1)

    started = time.monotonic()
    server.private_message(USER, "Where did Erdogan and Putin meet?")
    answer = await next_answer(server, USER)

    assert "di Istanbul" in plain(answer)
    flooded = [(c.method, c.params.get("chat_id")) for c in server.requests if c.status == 429]
    assert flooded == [("sendChatAction", USER)]
    assert time.monotonic() - started >= 1
    assert server.actions(USER) == ["typing"]


async def test_a_message_refused_before_reaching_telegram_is_sent_again_and_arrives_once(
    server: BotApiServer,
    engine: Engine,
    tmp_path: Path,
    start_bot: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    await idle(server, bot)
    server.refuse_connections()  # Telegram unreachable: the reply to /new cannot go out

    with caplog.at_level(logging.WARNING, logger="bot.telegram_bot"):
        server.command(USER, USER, "new")
        refused = await logged_soon(caplog, "sendMessage failed (httpx.ConnectError")
        server.accept_connections()
        reply = await next_message(server, USER)
        await idle(server, bot)

    assert refused.endswith("sending again in 0.5 s")
    assert plain(reply) == "Starting over: your next question stands on its own."
    assert server.messages(USER) == [reply]
    assert server.internal_errors == []


async def test_an_answer_whose_response_was_lost_is_shown_once_and_not_sent_again(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    # Telegram sends the answer, then the connection drops before the bot hears so.
    server.hang_up("sendMessage", when="after")

    server.private_message(USER, "Where did Erdogan and Putin meet?")
    answer = await next_answer(server, USER)
    await idle(server, bot)

    assert "di Istanbul" in plain(answer)
    assert server.messages(USER) == [answer]  # not sent twice, and no apology beside it
    assert [c.method for c in server.requests].count("sendMessage") == 1


async def test_a_lost_chat_action_is_sent_again_and_the_answer_still_arrives(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    server.hang_up("sendChatAction", when="after")  # showing "typing" twice changes nothing

    server.private_message(USER, "Where did Erdogan and Putin meet?")
    answer = await next_answer(server, USER)
    await idle(server, bot)

    assert "di Istanbul" in plain(answer)
    assert server.messages(USER) == [answer]
    assert server.actions(USER) == ["typing", "typing"]


async def test_an_edit_whose_response_was_lost_is_sent_again_and_the_answer_shows_once(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    chat_server.script(Reply.text("Rusia dan Uni Emirat Arab mendukung Haftar [1]."))
    bot = await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))
    # The placeholder (a group's) becomes the answer, but the bot does not hear so: it edits again.
    server.hang_up("editMessageText", when="after")

    server.command(GROUP, USER, "ask", "Who backs Haftar?")
    answer = await next_edited_answer(server, GROUP)
    await idle(server, bot)

    assert plain(answer).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    assert button_texts(answer) == ["Quotes", "👍", "👎"]
    # The edit sent again found it done: Telegram said "not modified", the bot took it so.
    [repeated] = rejected(server)
    assert repeated.startswith("editMessageText: Bad Request: message is not modified")
    assert server.messages(GROUP) == [answer]


async def logged_soon(caplog: pytest.LogCaptureFixture, start: str) -> str:
    """The first log message starting with `start`, waited for (the bot runs meanwhile)."""
    for _ in range(3000):
        found = [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]
        if found:
            return found[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"nothing logged starting with {start!r}")


async def test_a_question_too_long_gets_one_line_saying_so_and_no_placeholder(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.private_message(USER, "Who backs Haftar? " * 200)
    refused = await next_message(server, USER)
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    await idle(server, bot)

    assert plain(refused) == (
        "That question is too long (3599 characters; I read up to 1000): ask it in fewer words."
    )
    assert refused.edits == []
    assert server.actions(USER) == ["typing"]
    assert HAFTAR_FACTS[0] in plain(answer)
    assert rejected(server) == []


# --------------------------------------------------------------------------- feedback


async def test_a_vote_is_acknowledged_recorded_and_a_second_press_changes_it(
    server: BotApiServer, engine: Engine, seed_store: Store, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(engine, tmp_path, settings_for(server))
    await start_bot(services)
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)
    _, up, down = answer.callback_data

    server.callback(USER, USER, answer.message_id, up)
    await server.wait_for_async(lambda: server.callback_answers, timeout=30)
    server.callback(USER, USER, answer.message_id, down)
    await server.wait_for_async(lambda: server.callback_answers[1:], timeout=30)

    assert [(a.text, a.show_alert) for a in server.callback_answers] == [
        ("Thanks — noted: helpful.", False),
        ("Thanks — noted: not helpful.", False),
    ]
    [vote] = services.state.votes()
    [article] = seed_store.articles()
    assert (vote.chat_id, vote.user_id, vote.vote) == (USER, USER, "down")
    assert (vote.question, vote.standalone) == ("Who backs Haftar?", "")
    assert (vote.article_ids, vote.backend) == ((article.id,), "extractive")


async def test_votes_in_a_group_are_one_per_person_in_their_language_with_the_search(
    open_server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    server = open_server
    services = seed_services(engine, tmp_path, settings_for(server))
    bot = await start_bot(services)
    server.add_user(OTHER, language_code="id")
    server.command(GROUP, USER, "ask", "Who backs Haftar?")
    first = await read_answer(server, bot, GROUP)
    server.group_message(GROUP, USER, "and who supports the GNA?", reply_to=first.message_id)
    follow_up = await next_answer(server, GROUP)
    _, up, down = follow_up.callback_data

    server.callback(GROUP, OTHER, follow_up.message_id, up)
    await server.wait_for_async(lambda: server.callback_answers, timeout=30)
    server.callback(GROUP, USER, follow_up.message_id, down)
    await server.wait_for_async(lambda: server.callback_answers[1:], timeout=30)

    assert [a.text for a in server.callback_answers] == [
        "Terima kasih — dicatat: membantu.",
        "Thanks — noted: not helpful.",
    ]
    votes = services.state.votes()
    assert [(v.user_id, v.vote) for v in votes] == [(USER, "down"), (OTHER, "up")]
    for vote in votes:
        assert vote.question == "and who supports the GNA?"
        assert vote.standalone not in {"", vote.question}
        assert "Searched for: " + vote.standalone in plain(follow_up)


async def test_a_vote_on_an_answer_no_longer_kept_gets_the_expired_alert(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(engine, tmp_path, settings_for(server))
    await start_bot(services)
    server.private_message(USER, "Who backs Haftar?")
    answer = await next_answer(server, USER)

    server.callback(USER, USER, answer.message_id, "vote:up:999999", modified_client=True)
    await server.wait_for_async(lambda: server.callback_answers, timeout=30)

    [pressed] = server.callback_answers
    assert (pressed.text, pressed.show_alert) == (
        "That answer is no longer available; ask again.",
        True,
    )
    assert services.state.votes() == []


# --------------------------------------------------------------------------- chat settings


async def press(
    server: BotApiServer, chat_id: int, user_id: int, menu: SentMessage, label: str
) -> None:
    """The user presses the menu's button called `label` and the menu is edited."""
    [data] = [b["callback_data"] for b in menu.buttons if b["text"] == label]
    edits = len(menu.edits)
    server.callback(chat_id, user_id, menu.message_id, data)
    await server.wait_for_async(lambda: len(menu.edits) > edits, timeout=30)


async def test_interface_language_english_heads_an_indonesian_question_in_english(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    server.private_message(OTHER, "/settings", language_code="id")
    menu = await next_message(server, OTHER)
    shown_first = plain(menu)

    await press(server, OTHER, OTHER, menu, "Bahasa")
    choices = button_texts(menu)
    await press(server, OTHER, OTHER, menu, "English")
    server.private_message(OTHER, "Siapa yang mendukung Haftar?", language_code="id")
    answer = await next_answer(server, OTHER)

    assert shown_first.splitlines() == [
        "Pengaturan obrolan ini:",
        "Bahasa: Otomatis (bahasa tiap orang)",
        "Cari di: Semua artikel",
        "Sumber per jawaban: Semua",
        "Waktu ringkasan harian: 07:00",
    ]
    assert choices == ["✓ Otomatis (bahasa tiap orang)", "English", "Bahasa Indonesia", "« Kembali"]
    assert plain(menu).splitlines()[:2] == ["Settings for this chat:", "Language: English"]
    assert button_texts(menu) == [
        "Language",
        "Search in",
        "Sources per answer",
        "Daily briefing time",
    ]
    assert "\n\nSources\n" in plain(answer)  # not "Sumber"
    assert button_texts(answer) == ["Quotes", "👍", "👎"]
    assert rejected(server) == []


# Each site's engineer said the bridge reopened, in the same words; the rest of each report
# is its own, so that no report is dropped as a near duplicate of another.
BRIDGE_REPORTS = {
    "alpha.example": ("Ana Lestari", "Markets in the old quarter sold mangoes all weekend."),
    "beta.example": ("Budi Santoso", "A choir from the northern hills sang at the festival."),
    "gamma.example": ("Citra Dewi", "Fishermen reported record tuna catches off the reefs."),
    "delta.example": ("Dedi Kurnia", "Students of the college built a solar car for a race."),
    "epsilon.example": ("Eka Putri", "The museum showed ancient maps drawn by navigators."),
}
REOPENED = "Who said the Sunport harbour bridge reopened?"


class OneLinePerSource:
    """Stands in for a language model (none runs here): one line per source, citing it."""

    name = "stand-in"

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return question

    def translate(self, question: str, language: str) -> str:
        return question

    def write(
        self, question: str, sources: list[NumberedSource], on_text: Callable[[str], None] | None
    ) -> Composition:
        lines = [f"{source.passages[0].splitlines()[0]} [{source.n}]" for source in sources]
        return Composition("\n".join(lines), {s.n: [s.passages[0]] for s in sources})


def bridge_engine(store: Store) -> Engine:
    """An engine over five reports of the bridge reopening, each from its own site, whose
    stand-in model cites every source it is given."""
    store.write(
        [
            make_article(
                f"bridge{n}",
                f"Sunport report {n}",
                f"The Sunport harbour bridge reopened to traffic on Monday after two years of"
                f" repairs, said {name}, one of the city engineers.\n\n{other}",
                site=site,
                published=f"2024-05-1{n}",
            )
            for n, (site, (name, other)) in enumerate(BRIDGE_REPORTS.items(), start=1)
        ]
    )
    return Engine(store, EngineSettings(top_k=8), composer=OneLinePerSource())


def cited_sites(answer: SentMessage) -> list[str]:
    _, sources = answer_body(answer)
    return [line.rsplit(" — ", 1)[1].split(",")[0] for line in sources.splitlines()]


async def test_a_source_count_and_a_site_filter_chosen_by_buttons_shape_answers_after_restart(
    server: BotApiServer, store: Store
) -> None:
    engine = bridge_engine(store)
    async with running(Kabar.create(engine, settings_for(server))):
        server.private_message(USER, REOPENED)
        before = await next_answer(server, USER)
        server.command(USER, USER, "settings")
        menu = await next_message(server, USER)
        await press(server, USER, USER, menu, "Sources per answer")
        await press(server, USER, USER, menu, "3")
        server.private_message(USER, REOPENED)
        limited = await next_answer(server, USER)

    async with running(Kabar.create(engine, settings_for(server))):
        server.private_message(USER, REOPENED)
        after_restart = await next_answer(server, USER)
        server.command(USER, USER, "settings")
        menu = await next_message(server, USER)
        await press(server, USER, USER, menu, "Search in")
        searched_in = button_texts(menu)
        await press(server, USER, USER, menu, "delta.example")
        server.private_message(USER, REOPENED)
        filtered = await next_answer(server, USER)

    assert len(cited_sites(before)) == 5
    for answer in (limited, after_restart):
        assert len(cited_sites(answer)) == 3
        lines, _ = answer_body(answer)
        assert {n for line in lines for n in re.findall(r"\[(\d+)\]", line)} == {"1", "2", "3"}
    assert searched_in[:2] == ["✓ All articles", "Articles in English"]
    assert set(searched_in[2:-1]) == set(BRIDGE_REPORTS)
    assert searched_in[-1] == "« Back"
    assert plain(menu).splitlines()[2:4] == ["Search in: delta.example", "Sources per answer: 3"]
    assert cited_sites(filtered) == ["delta.example"]
    assert "Dedi Kurnia" in plain(filtered)
    assert [r for r in rejected(server) if not r.startswith("getUpdates: Conflict")] == []


async def test_in_a_group_only_admins_change_settings(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    services = seed_services(engine, tmp_path, settings_for(server))
    bot = await start_bot(services)
    chat_admin = 2001
    server.set_admins(GROUP, [chat_admin])
    server.command(GROUP, USER, "settings")
    refusal = await next_message(server, GROUP)
    server.command(GROUP, chat_admin, "settings")
    menu = await next_message(server, GROUP)

    server.callback(GROUP, USER, menu.message_id, "set:language")
    await server.wait_for_async(lambda: server.callback_answers, timeout=30)
    server.callback(GROUP, USER, menu.message_id, "set:sources:3", modified_client=True)
    await server.wait_for_async(lambda: server.callback_answers[1:], timeout=30)
    await idle(server, bot)

    assert plain(refusal) == REFUSED_ADMIN
    assert plain(menu).startswith("Settings for this chat:")
    assert [(a.text, a.show_alert) for a in server.callback_answers] == [
        (REFUSED_ADMIN, True),
        (REFUSED_ADMIN, True),
    ]
    assert menu.edits == []
    assert services.state.chat_settings(GROUP) == {}


async def test_the_briefing_time_setting_moves_daily_briefings_and_is_the_default(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    bot = await start_bot(seed_services(engine, tmp_path, settings_for(server)))
    server.command(USER, USER, "subscribe", "07:30 Libya")
    await next_message(server, USER)
    server.command(USER, USER, "settings")
    menu = await next_message(server, USER)

    await press(server, USER, USER, menu, "Daily briefing time")
    await press(server, USER, USER, menu, "18:00")
    server.command(USER, USER, "subscribe", "Haftar")
    subscribed = await next_message(server, USER)
    server.command(USER, USER, "subscriptions")
    listed = await next_message(server, USER)

    assert plain(subscribed) == f"Every day at 18:00 ({ZONE}) I'll post a briefing (Haftar) here."
    assert plain(listed) == "Daily briefings in this chat:\n• 18:00 Libya\n• 18:00 Haftar"
    due = [job.next_t.astimezone(ZoneInfo(ZONE)) for job in briefing_jobs(bot)]
    assert [(d.hour, d.minute) for d in due] == [(18, 0), (18, 0)]


async def test_a_briefing_follows_the_chats_language_and_site(
    server: BotApiServer, fresh_engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    # Without settings, this Indonesian user's briefing is headed "Ringkasan" and holds both
    # stories, the quake's with kompas and detik (see the /brief tests above).
    services = seed_services(fresh_engine, tmp_path, settings_for(server))
    await start_bot(services)
    add_news(services.ingestor, QUAKE_KOMPAS, "kompas", hours_ago(20))
    add_news(services.ingestor, QUAKE_DETIK, "detik", hours_ago(18))
    add_news(services.ingestor, CHILI, "antara", hours_ago(19))
    server.private_message(OTHER, "/settings", language_code="id")
    menu = await next_message(server, OTHER)

    await press(server, OTHER, OTHER, menu, "Bahasa")
    await press(server, OTHER, OTHER, menu, "English")
    await press(server, OTHER, OTHER, menu, "Search in")
    await press(server, OTHER, OTHER, menu, "detik")
    server.private_message(OTHER, "/brief", language_code="id")
    briefing = await next_message(server, OTHER)

    heading, story = plain(briefing).split("\n\n")
    line, *sources = story.split("\n")
    assert heading == "Briefing"
    assert line.removeprefix("• ").removesuffix(" [1]") in QUAKE_DETIK
    assert [source.split(" — ")[1].split(",")[0] for source in sources] == ["detik"]
