"""Who may do what: bot admins, group admins, allowed chats, and a per-user rate limit."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class RateLimiter:
    """At most `per_minute` questions per user in any 60 seconds.

    Usage::

        limiter = RateLimiter(per_minute=10)
        if not limiter.allow(user_id): ...   # tell the user to wait
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._asked: dict[int, deque[float]] = defaultdict(deque)

    def allow(self, user_id: int) -> bool:
        """Whether this user may ask now; counts the question when so."""
        now = time.monotonic()
        asked = self._asked[user_id]
        while asked and now - asked[0] >= 60:
            asked.popleft()
        if len(asked) >= self.per_minute:
            return False
        asked.append(now)
        return True
