"""What inline and guest answers remember: bounded by size and time, not by the queries."""

from __future__ import annotations

from bot.engine import Answer
from bot.telegram_bot._inline_memory import InlineMemory, question_key


def test_answers_kept_are_at_most_its_size_and_found_by_the_question_as_typed() -> None:
    memory = InlineMemory(size=3)

    for n in range(1000):
        memory.answers[question_key(f"Question  {n}?")] = Answer(
            f"Answer {n}.", True, (), "en", "extractive", f"Question {n}?"
        )

    assert len(memory.answers) == 3
    assert memory.answers[question_key("question 999?")].text == "Answer 999."


def test_a_users_query_is_the_last_typed_until_a_newer_comes_and_then_is_forgotten() -> None:
    memory = InlineMemory()

    for user_id in range(1000):
        memory.typed(user_id, "a")
        memory.typed(user_id, "b")

    assert memory.last_typed(7, "a") is False  # "b" came after it
    assert all(memory.last_typed(user_id, "b") for user_id in range(1000))
    assert memory.typing() == 0  # a thousand users done typing take no memory
