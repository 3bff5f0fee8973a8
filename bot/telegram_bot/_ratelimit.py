"""How much each asker may ask: a sliding minute per user and per chat."""

from __future__ import annotations

import enum
import time
from collections import defaultdict, deque


class Limit(enum.StrEnum):
    """Which limit a question ran into."""

    USER = "user"
    CHAT = "chat"


class _Minute:
    """The times of the questions counted in the last 60 seconds, per key."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._asked: dict[int, deque[float]] = defaultdict(deque)

    def full(self, key: int, now: float) -> bool:
        asked = self._asked[key]
        while asked and now - asked[0] >= 60:
            asked.popleft()
        if not asked:
            del self._asked[key]  # one entry per recent asker, not per asker ever
            return False
        return len(asked) >= self.per_minute

    def count(self, key: int, now: float) -> None:
        self._asked[key].append(now)


class RateLimiter:
    """At most `per_user` questions per user and `per_chat` per chat in any 60 seconds.

    Neither one person nor many people in one group can flood the bot.

    Usage::

        limiter = RateLimiter(per_user=10, per_chat=30)
        if limiter.refusal(user_id, chat_id) is not None: ...   # tell them to wait
    """

    def __init__(self, per_user: int, per_chat: int) -> None:
        self._users = _Minute(per_user)
        self._chats = _Minute(per_chat)

    def refusal(self, user_id: int, chat_id: int) -> Limit | None:
        """The limit this question runs into, or None (and it is counted) when it may be asked."""
        now = time.monotonic()
        if self._users.full(user_id, now):
            return Limit.USER
        if self._chats.full(chat_id, now):
            return Limit.CHAT
        self._users.count(user_id, now)
        self._chats.count(chat_id, now)
        return None
