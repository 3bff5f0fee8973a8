"""Requests to Telegram that survive its flood control and a flaky network, never sent twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]

logger = logging.getLogger(__name__)

# Failures before a request left this machine: the connection was never made (refused,
# unreachable, too slow to open) or no pooled connection came free. PTB wraps them in
# NetworkError or TimedOut, with the httpx error as the cause.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Methods whose second arrival changes nothing a user sees: reads, edits to the same text,
# a repeated chat action or callback answer, a delete. A send (sendMessage, sendDocument...)
# whose answer was lost may have been delivered: sending it again could show it twice.
IDEMPOTENT = frozenset(
    {
        "answerCallbackQuery",
        "deleteMessage",
        "deleteMyCommands",
        "deleteWebhook",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageText",
        "getChat",
        "getChatAdministrators",
        "getChatMember",
        "getFile",
        "getMe",
        "getMyCommands",
        "getUpdates",
        "sendChatAction",
        "setMyCommands",
        "setWebhook",
    }
)


def never_sent(error: BaseException) -> bool:
    """Whether a network failure happened before the request could reach Telegram."""
    cause = error.__cause__
    while cause is not None:
        if isinstance(cause, _NEVER_SENT):
            return True
        cause = cause.__cause__
    return False


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's rate limits kept, RetryAfter waited out, safe retries after network failures.

    `AIORateLimiter` does the first two. A request that failed on the network is sent again,
    after a short wait, only when that cannot show anything twice: it never reached Telegram
    (the connection could not be made), or its method is idempotent (`IDEMPOTENT`). A send
    whose connection dropped or timed out after it went out is not repeated: Telegram may have
    delivered it. A request Telegram refused (`BadRequest`) is not retried: it would fail the
    same way.

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
        """Send through the rate limiter; after a network failure safe to retry, send again."""
        for attempt in range(self.network_retries):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                if not _retriable(endpoint, error):
                    raise
                delay = self.backoff * 2**attempt
                logger.warning("%s failed (%s); sending again in %.1f s", endpoint, error, delay)
                await asyncio.sleep(delay)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def _retriable(endpoint: str, error: NetworkError) -> bool:
    return endpoint in IDEMPOTENT or never_sent(error)
