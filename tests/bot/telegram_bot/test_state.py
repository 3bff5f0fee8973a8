"""The bot's state outlives the process: subscriptions, feeds and answers come back."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine import Answer, Citation
from bot.telegram_bot import BotSettings, BotState, Feed, LastAnswer, Limit, RateLimiter, Vote
from store import ArticleInfo

SENT = datetime(2026, 12, 1, 8, 30, 15, tzinfo=UTC)


def test_subscriptions_feeds_and_answers_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    answer = Answer(
        "LNA didukung Mesir. [1]",
        True,
        (
            Citation(
                1,
                ArticleInfo("a", "T", "https://x.example", "x.example", "2020-01-08"),
                "LNA didukung Mesir.",
            ),
        ),
        "id",
        "extractive",
        "Siapa yang mendukung LNA?",
    )
    state = BotState(path)
    state.add_subscription(-100, "07:30", "Libya", "en", user_id=7)
    state.add_feed(Feed("https://x.example/rss", -100, "en", 7))
    state.mark_seen("https://x.example/rss", ["https://x.example/1"])
    state.record_added("a1", [(-100, 7)])
    state.save_answer(-100, 42, answer)
    state.save_answer(7, 3, answer)
    state.set_last_answer(7, 3, SENT)
    state.close()

    again = BotState(path)

    [subscription] = again.subscriptions(-100)
    assert (subscription.time, subscription.topic, subscription.user_id) == ("07:30", "Libya", 7)
    assert again.subscriptions(user_id=7) == [subscription]
    assert again.feeds(-100) == [Feed("https://x.example/rss", -100, "en", 7)]
    assert again.added_in("a1", -100)
    assert again.unseen(
        "https://x.example/rss", ["https://x.example/1", "https://x.example/2"]
    ) == ["https://x.example/2"]
    assert again.answer(-100, 42) == answer
    assert again.answer(-100, 43) is None
    assert again.last_answer(7) == LastAnswer(answer, SENT)
    again.forget_last_answer(7)
    assert again.last_answer(7) is None
    assert again.answer(7, 3) == answer  # a reply to it still follows it up


def test_removing_a_chats_subscriptions_leaves_other_chats(tmp_path: Path) -> None:
    state = BotState(tmp_path / "bot.sqlite3")
    state.add_subscription(-1, "07:00", "", "en", user_id=7)
    state.add_subscription(-2, "08:00", "", "id", user_id=7)

    removed = state.remove_subscriptions(-1)

    assert [s.chat_id for s in removed] == [-1]
    assert [s.chat_id for s in state.subscriptions()] == [-2]


def test_an_article_added_again_after_its_removal_belongs_to_its_new_chat(
    tmp_path: Path,
) -> None:
    state = BotState(tmp_path / "bot.sqlite3")
    state.record_added("a1", [(-1, 7), (-2, 8)])  # a feed followed in two groups

    assert state.added_in("a1", -1)
    assert state.added_in("a1", -2)
    assert not state.added_in("a1", -3)

    # Removed from the command line, which knows nothing of chats, then added in a third group.
    state.record_added("a1", [(-3, 9)])

    assert not state.added_in("a1", -1)
    assert state.added_in("a1", -3)

    state.forget_article("a1")

    assert not state.added_in("a1", -3)


def test_a_database_of_an_earlier_bot_opens_with_its_subscriptions_and_feeds(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(
            """
            CREATE TABLE subscriptions (
                id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, time TEXT NOT NULL,
                topic TEXT NOT NULL, language TEXT NOT NULL
            );
            CREATE TABLE feeds (
                url TEXT NOT NULL, chat_id INTEGER NOT NULL, language TEXT NOT NULL,
                PRIMARY KEY (url, chat_id)
            );
            INSERT INTO subscriptions (chat_id, time, topic, language)
                VALUES (-100, '07:30', 'Libya', 'en');
            INSERT INTO feeds VALUES ('https://x.example/rss', -100, 'id');
            """
        )

    state = BotState(path)

    [subscription] = state.subscriptions(-100)
    assert (subscription.time, subscription.topic, subscription.user_id) == ("07:30", "Libya", 0)
    assert subscription.thread is None  # posted into the chat itself, as before topics
    assert state.feeds() == [Feed("https://x.example/rss", -100, "id", 0)]
    state.add_subscription(-100, "08:00", "", "en", user_id=7)
    assert [s.user_id for s in state.subscriptions(-100)] == [0, 7]
    state.add_subscription(-100, "09:00", "", "en", user_id=7, thread=5)
    assert [s.thread for s in BotState(path).subscriptions(-100)] == [None, None, 5]


def test_rate_limiter_counts_per_user_and_per_chat() -> None:
    limiter = RateLimiter(per_user=2, per_chat=3)

    assert [limiter.refusal(1, -100) for _ in range(3)] == [None, None, Limit.USER]
    assert [limiter.refusal(2, -100) for _ in range(2)] == [None, Limit.CHAT]
    assert limiter.refusal(2, 2) is None  # the same person, in another chat


def test_rate_limiter_forgets_askers_whose_minute_has_passed() -> None:
    now = [0.0]
    limiter = RateLimiter(per_user=1, per_chat=100, clock=lambda: now[0])
    for user in range(1000):
        assert limiter.refusal(user, user) is None
    assert limiter.remembered() == (1000, 1000)
    assert limiter.refusal(0, 0) is Limit.USER

    now[0] = 60.0
    assert limiter.refusal(5000, 5000) is None

    assert limiter.remembered() == (1, 1)  # a thousand quiet askers take no memory
    assert limiter.refusal(0, 0) is None  # and ask again as if new
    assert limiter.remembered() == (2, 2)


def test_state_is_written_ahead_to_a_log_a_reader_does_not_wait_for(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    state = BotState(path)
    state.add_feed(Feed("https://x.example/rss", -100, "en", 7))

    reader = sqlite3.connect(path)
    [(mode,)] = reader.execute("PRAGMA journal_mode").fetchall()
    [(followed,)] = reader.execute("SELECT COUNT(*) FROM feeds").fetchall()
    reader.close()
    state.close()

    assert (mode, followed) == ("wal", 1)


def test_id_lists_read_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_USER_IDS", "42, 7")
    monkeypatch.setenv("ALLOWED_CHAT_IDS", "-100123")

    settings = BotSettings()

    assert settings.admin_user_ids == [42, 7]
    assert settings.allowed_chat_ids == [-100123]
    assert settings.followup_minutes == 10


def test_a_chats_briefings_remember_when_they_were_posted_and_what_they_cited(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    morning = datetime(2024, 5, 15, 7, 30, tzinfo=UTC)
    state = BotState(path)
    assert state.last_briefing(-100) is None
    state.record_briefing(-100, morning - timedelta(days=40), ["old"])
    state.record_briefing(-100, morning - timedelta(days=1), ["a", "b"])
    state.record_briefing(-100, morning, [])  # nothing new
    state.record_briefing(-200, morning, ["c"])
    state.close()

    again = BotState(path)
    assert again.last_briefing(-100) == morning
    assert again.briefed_since(-100, morning - timedelta(days=2)) == {"a", "b"}
    assert again.briefed_since(-100, morning - timedelta(hours=1)) == set()
    # Over a month before the last briefing: forgotten.
    assert again.briefed_since(-100, morning - timedelta(days=60)) == {"a", "b"}
    assert again.briefed_since(-200, morning) == {"c"}


def test_an_earlier_bots_answers_are_kept_under_their_own_ids_and_a_vote_can_be_withdrawn(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    answer = Answer("LNA didukung Mesir.", True, (), "id", "extractive", "Siapa?")
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "CREATE TABLE answers (chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,"
            " answer TEXT NOT NULL, PRIMARY KEY (chat_id, message_id))"
        )
        db.execute("INSERT INTO answers VALUES (-100, 5, ?)", (json.dumps(answer.to_dict()),))

    state = BotState(path)
    state.save_answer(-100, 9, answer, kept_under=8)
    vote = Vote(-100, 7, "up", "Siapa?", "", (), "extractive", SENT)
    state.record_vote(8, vote)

    assert (state.kept_under(-100, 5), state.kept_under(-100, 9)) == (5, 8)
    assert state.kept_under(-100, 6) is None
    assert state.withdraw_vote(-100, 8, 7) is True
    assert state.votes() == []
    assert state.withdraw_vote(-100, 8, 7) is False
