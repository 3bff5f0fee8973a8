"""What inline and guest answers remember: recent answers by question, and who is typing."""

from __future__ import annotations

from cachetools import TTLCache

from bot.engine import Answer


def question_key(question: str) -> str:
    """The question as the cache knows it: words as typed, case and spacing aside."""
    return " ".join(question.split()).casefold()


class InlineMemory:
    """Answers given lately, and the latest inline query of each user typing one.

    At most `size` answers are kept, each for `seconds`; a query is kept only while it waits
    for a pause: memory follows recent askers, not every query.

    Usage::

        memory = InlineMemory()
        memory.typed(user_id, query_id)
        ...  # a pause
        if memory.last_typed(user_id, query_id): ...  # no newer query came meanwhile
    """

    def __init__(self, size: int = 256, seconds: float = 60.0) -> None:
        self.answers: TTLCache[str, Answer] = TTLCache(maxsize=size, ttl=seconds)
        self._latest: dict[int, str] = {}

    def typed(self, user_id: int, query_id: str) -> None:
        """`query_id` is the user's latest query."""
        self._latest[user_id] = query_id

    def last_typed(self, user_id: int, query_id: str) -> bool:
        """Whether `query_id` is still the user's latest query (then it is forgotten)."""
        if self._latest.get(user_id) != query_id:
            return False
        del self._latest[user_id]
        return True

    def typing(self) -> int:
        """How many users' queries wait for a pause."""
        return len(self._latest)
