"""How much each asker may ask: a sliding minute per user and per chat."""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable


class Limit(enum.StrEnum):
    """Which limit a question ran into."""

    USER = "user"
    CHAT = "chat"


class _Minute:
    """The times of the questions counted in the last 60 seconds, per key.

    Keys are kept in the order of their last question, so those a minute quiet are forgotten
    from the front: memory follows the recent askers, not everyone who ever asked.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._asked: dict[int, deque[float]] = {}

    def __len__(self) -> int:
        return len(self._asked)

    def full(self, key: int, now: float) -> bool:
        self._forget(now)
        asked = self._asked.get(key, deque())
        while asked and now - asked[0] >= 60:
            asked.popleft()
        return len(asked) >= self.per_minute

    def count(self, key: int, now: float) -> None:
        asked = self._asked.pop(key, deque())
        asked.append(now)
        self._asked[key] = asked  # last in order: the latest asker

    def _forget(self, now: float) -> None:
        """Drop the keys whose last question is a minute old (so are all their others)."""
        while self._asked:
            key, asked = next(iter(self._asked.items()))
            if now - asked[-1] < 60:
                return
            del self._asked[key]


class RateLimiter:
    """At most `per_user` questions per user and `per_chat` per chat in any 60 seconds.

    Neither one person nor many people in one group can flood the bot.

    Usage::

        limiter = RateLimiter(per_user=10, per_chat=30)
        if limiter.refusal(user_id, chat_id) is not None: ...   # tell them to wait
    """

    def __init__(
        self, per_user: int, per_chat: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._users = _Minute(per_user)
        self._chats = _Minute(per_chat)
        self._clock = clock

    def remembered(self) -> tuple[int, int]:
        """How many users and chats it keeps times for: those who asked in the last minute."""
        return len(self._users), len(self._chats)

    def refusal(self, user_id: int, chat_id: int) -> Limit | None:
        """The limit this question runs into, or None (and it is counted) when it may be asked."""
        now = self._clock()
        if self._users.full(user_id, now):
            return Limit.USER
        if self._chats.full(chat_id, now):
            return Limit.CHAT
        self._users.count(user_id, now)
        self._chats.count(chat_id, now)
        return None
