"""The bot's state outlives the process: subscriptions, feeds and answers come back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Answer, Citation
from bot._access import Limit, RateLimiter
from bot._settings import BotSettings
from bot._state import BotState


def test_subscriptions_feeds_and_answers_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    answer = Answer(
        "LNA didukung Mesir. [1]",
        True,
        (
            Citation(
                1, "a", "T", "https://x.example", "x.example", "2020-01-08", "LNA didukung Mesir."
            ),
        ),
        "id",
        "extractive",
        "Siapa yang mendukung LNA?",
    )
    state = BotState(path)
    state.add_subscription(-100, "07:30", "Libya", "en")
    state.add_feed("https://x.example/rss", -100, "en")
    state.mark_seen("https://x.example/rss", ["https://x.example/1"])
    state.save_answer(-100, 42, answer)
    state.close()

    again = BotState(path)

    [subscription] = again.subscriptions(-100)
    assert (subscription.time, subscription.topic) == ("07:30", "Libya")
    assert [f.url for f in again.feeds(-100)] == ["https://x.example/rss"]
    assert again.unseen(
        "https://x.example/rss", ["https://x.example/1", "https://x.example/2"]
    ) == ["https://x.example/2"]
    assert again.answer(-100, 42) == answer
    assert again.answer(-100, 43) is None


def test_removing_a_chats_subscriptions_leaves_other_chats(tmp_path: Path) -> None:
    state = BotState(tmp_path / "bot.sqlite3")
    state.add_subscription(-1, "07:00", "", "en")
    state.add_subscription(-2, "08:00", "", "id")

    removed = state.remove_subscriptions(-1)

    assert [s.chat_id for s in removed] == [-1]
    assert [s.chat_id for s in state.subscriptions()] == [-2]


def test_rate_limiter_counts_per_user_and_per_chat() -> None:
    limiter = RateLimiter(per_user=2, per_chat=3)

    assert [limiter.refusal(1, -100) for _ in range(3)] == [None, None, Limit.USER]
    assert [limiter.refusal(2, -100) for _ in range(2)] == [None, Limit.CHAT]
    assert limiter.refusal(2, 2) is None  # the same person, in another chat


def test_id_lists_read_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_USER_IDS", "42, 7")
    monkeypatch.setenv("ALLOWED_CHAT_IDS", "-100123")

    settings = BotSettings()

    assert settings.admin_user_ids == [42, 7]
    assert settings.allowed_chat_ids == [-100123]
