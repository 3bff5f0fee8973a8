"""Requests to Telegram that survive its flood control and a flaky network."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's rate limits kept, RetryAfter waited out, network failures tried again.

    `AIORateLimiter` does the first two; a request that failed on the network (connection
    refused or dropped, a timeout) is sent again after a short wait. A request Telegram
    refused (`BadRequest`) is not retried: it would fail the same way.

    Usage::

        ApplicationBuilder().token(token).rate_limiter(RetryingRateLimiter(network_retries=2))
    """

    def __init__(self, *, network_retries: int = 2, backoff: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(  # noqa: PLR0917 - PTB's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Send through the rate limiter; on a network failure wait, then send again."""
        for attempt in range(self.network_retries):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError:
                await asyncio.sleep(self.backoff * 2**attempt)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
