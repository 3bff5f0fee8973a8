"""Forum topics: whatever answers a message goes to the topic it was written in.

A supergroup with topics on the local Bot API server, which refuses a thread id naming no
topic and keeps a reply in its message's topic, as Telegram does; the real application.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.engine import Engine, EngineSettings
from bot.telegram_bot import Kabar, Subscription
from ingest import Ingestor
from store import Store
from tests.bot.engine.openai_server import ChatServer, Reply
from tests.bot.telegram_bot.conversation import (
    ADMIN,
    GROUP,
    USER,
    ZONE,
    Start,
    entity_texts,
    idle,
    links,
    next_answer,
    next_edited_answer,
    next_message,
    plain,
    rejected,
    seed_services,
    settings_for,
)
from tests.bot.telegram_bot.polling import running
from tests.bot.telegram_bot.telegram_server import BotApiServer


def forum(server: BotApiServer, *names: str) -> list[int]:
    """GROUP made a forum with topics of these names; their thread ids."""
    server.add_chat(GROUP, is_forum=True)
    return [server.add_topic(GROUP, name) for name in names]


async def test_a_question_in_a_topic_is_answered_there_and_one_in_general_in_general(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    libya, _ = forum(server, "Libya", "Sport")
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.command(GROUP, USER, "ask", "Who backs Haftar?", thread=libya)
    answer = await next_answer(server, GROUP)
    server.callback(GROUP, USER, answer.message_id, answer.callback_data[0])
    quotes = await next_message(server, GROUP)
    server.command(GROUP, USER, "ask", "Where did Erdogan and Putin meet?")
    in_general = await next_answer(server, GROUP)

    assert server.actions(GROUP, thread=libya) == ["typing"]
    assert server.actions(GROUP, thread=None) == ["typing"]
    assert answer.message_thread_id == libya
    assert "Uni Emirat Arab" in plain(answer)
    assert quotes.message_thread_id == libya
    assert "Uni Emirat Arab" in " ".join(entity_texts(quotes, "blockquote"))
    assert in_general.message_thread_id is None
    assert "Istanbul" in plain(in_general)
    assert server.messages(GROUP, thread=libya) == [answer, quotes]
    assert rejected(server) == []


async def test_a_language_model_placeholder_and_its_edits_stay_in_the_topic(
    server: BotApiServer,
    chat_server: ChatServer,
    llm_engine: Engine,
    tmp_path: Path,
    start_bot: Start,
) -> None:
    [libya] = forum(server, "Libya")
    chat_server.script(
        Reply(["Rusia ", "dan Uni Emirat Arab ", "mendukung Haftar [1]."], chunk_delay=0.6)
    )
    bot = await start_bot(seed_services(llm_engine, tmp_path, settings_for(server)))

    server.command(GROUP, USER, "ask", "Siapa yang mendukung Haftar?", thread=libya)
    answer = await next_edited_answer(server, GROUP)
    await idle(server, bot)

    assert server.actions(GROUP, thread=libya) == ["typing"]
    assert answer.first_text == "Sedang membaca artikel…"
    assert len(answer.edits) >= 2  # a partial text, then the answer
    assert plain(answer).startswith("Rusia dan Uni Emirat Arab mendukung Haftar [1].")
    assert server.messages(GROUP) == server.messages(GROUP, thread=libya) == [answer]
    assert rejected(server) == []


async def test_every_part_of_a_long_answer_is_in_the_topic(
    server: BotApiServer, store: Store, start_bot: Start
) -> None:
    [bridges] = forum(server, "Bridges")
    names = [
        "Ana Lestari", "Budi Santoso", "Citra Dewi", "Dedi Kurnia", "Eka Putri",
        "Fajar Nugroho", "Gita Sari", "Hadi Wibowo", "Indah Permata", "Joko Susilo",
        "Kartika Ayu", "Lukman Hakim", "Maya Anggraini", "Nanda Pratama", "Oki Setiawan",
        "Putri Maharani", "Rudi Hartono", "Sinta Rahayu", "Taufik Hidayat", "Umi Kalsum",
        "Vina Melati", "Wawan Gunawan", "Yuni Astuti", "Zainal Arifin",
    ]  # fmt: skip
    # Long sentences that answer equally well: twenty quoted are more than one message holds.
    sentences = [
        f"The Sunport harbour bridge reopened to traffic on Monday after two years of repairs,"
        f" said {name}, one of the city engineers, who told reporters that the reopened harbour"
        f" bridge in Sunport now carries its full load of cars, buses, lorries and bicycles"
        f" across the wide bay every single day of the week, from early morning until late."
        for name in names
    ]
    paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    Ingestor(store).ingest_text("\n\n".join(["Sunport harbour bridge reopens", *paragraphs]))
    engine = Engine(store, EngineSettings(max_quotes=20, top_k=20))
    await start_bot(Kabar.create(engine, settings_for(server)))

    asked = "Who said the Sunport harbour bridge reopened?"
    server.command(GROUP, USER, "ask", asked, thread=bridges)
    parts = [await next_answer(server, GROUP)]
    while not parts[-1].buttons:  # the Quotes button comes with the last part
        parts.append(await next_message(server, GROUP))

    assert len(parts) >= 2
    assert [part.message_thread_id for part in parts] == [bridges] * len(parts)
    assert rejected(server) == []


async def test_a_subscription_made_in_a_topic_is_posted_there_even_after_a_restart(
    server: BotApiServer, engine: Engine, tmp_path: Path
) -> None:
    libya, sport = forum(server, "Libya", "Sport")
    async with running(seed_services(engine, tmp_path, settings_for(server))):
        server.command(GROUP, ADMIN, "subscribe", "08:15 Libya", thread=libya)
        subscribed = await next_message(server, GROUP)
        server.command(GROUP, ADMIN, "subscribe", "09:00 football", thread=sport)
        await next_message(server, GROUP)

    async with running(seed_services(engine, tmp_path, settings_for(server))) as application:
        assert application.job_queue is not None
        [job] = [
            j
            for j in application.job_queue.jobs()
            if isinstance(j.data, Subscription) and j.data.topic == "Libya"
        ]
        due = job.next_t.astimezone(ZoneInfo(ZONE))
        await job.run(application)  # what the job queue does at 08:15
        posted = await next_message(server, GROUP)
        server.command(GROUP, USER, "subscriptions")
        listed = await next_message(server, GROUP)
        server.command(GROUP, ADMIN, "unsubscribe", thread=sport)
        removed = await next_message(server, GROUP)
        server.command(GROUP, USER, "subscriptions", thread=libya)
        left = await next_message(server, GROUP)

    assert subscribed.message_thread_id == libya
    assert (due.hour, due.minute) == (8, 15)
    assert posted.message_thread_id == libya
    # The undated seed, stored today, is today's news about Libya.
    assert plain(posted).startswith("Briefing: Libya\n\n• ")
    assert listed.message_thread_id is None  # asked in General
    assert plain(listed) == (
        "Daily briefings in this chat:\n• 08:15 Libya (in a topic)\n• 09:00 football (in a topic)"
    )
    link_id = -GROUP - 10**12
    assert links(listed) == [
        ("in a topic", f"https://t.me/c/{link_id}/{libya}"),
        ("in a topic", f"https://t.me/c/{link_id}/{sport}"),
    ]
    assert (removed.message_thread_id, plain(removed)) == (
        sport,
        "Removed 1 daily briefing(s) from this topic.",
    )
    assert left.message_thread_id == libya
    assert plain(left) == "Daily briefings in this chat:\n• 08:15 Libya (in a topic)"
    assert [r for r in rejected(server) if not r.startswith("getUpdates: Conflict")] == []


async def test_brief_and_sources_asked_in_a_topic_are_posted_there(
    server: BotApiServer, engine: Engine, tmp_path: Path, start_bot: Start
) -> None:
    [news] = forum(server, "News")
    await start_bot(seed_services(engine, tmp_path, settings_for(server)))

    server.command(GROUP, USER, "brief", thread=news)
    briefing = await next_message(server, GROUP)
    server.command(GROUP, USER, "sources", thread=news)
    sources = await next_message(server, GROUP)

    assert briefing.message_thread_id == news
    # The seed's text file gives no date: stored today, it is today's news.
    assert plain(briefing).startswith("Briefing\n\n• ")
    assert plain(briefing).endswith("— libya-ceasefire-2020-01-08.id.txt")
    assert sources.message_thread_id == news
    assert plain(sources).startswith("Articles 1-1 of 1:\n")
    assert rejected(server) == []
