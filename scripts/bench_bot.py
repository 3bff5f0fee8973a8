"""Bot benchmark: questions through the Telegram bot, end to end, over a local Bot API server.

Fills a store with the seed article and the IndoSum corpus as scripts/bench_query.py does (or
reuses --data-dir and --collection), runs the real bot (`build_application`, extractive backend,
long polling) against tests/bot/telegram_server.py's `BotApiServer` on 127.0.0.1, and times
questions from the QA sets: from the injection of a question's update to the moment the server
records the bot's answer (the extractive backend sends it whole, with no placeholder). Every
question comes from a user and private chat of its own, so the per-user rate limit never applies
(set high anyway). Prints p50/p95 over N questions asked one after another (after 5 untimed
warm-up ones), and the time until the last of 20 questions from 20 chats at once is answered
beside one alone (median of 5), as a ratio; once the bot is idle again, how many of the 20 chats
got an answer and how many got more than one message (an answer sent twice).
Goals: p50 <= 150 ms; 20 at once in <= 3x the time of one; all 20 answered, none twice.

    .venv/bin/python scripts/bench_bot.py [--limit N] [--data-dir DIR] [--collection NAME]
        [--questions N]

On a machine shared with other busy processes, OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 give
steadier times.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _bench import ROOT, add_store_arguments, filled_store, load_questions, percentiles

from bot.engine import Backend, Engine, EngineSettings
from bot.telegram_bot import BotSettings, Kabar

# The local Bot API server is test support code, and tests/ no installed package: it is imported
# from the repository root.
sys.path.insert(0, str(ROOT))
from tests.bot.telegram_bot.polling import running
from tests.bot.telegram_bot.telegram_server import BotApiServer

WARM_UP = 5
SINGLES = 5
CONCURRENT = 20
FIRST_USER = 100_000
TIMEOUT = 60.0
# PTB's rate limiter lets 30 requests a second through (Telegram's limit); it gets this long to
# drain before the single and the concurrent questions, so that neither pays for the phase before.
SETTLE = 1.0


@dataclass
class Results:
    """Seconds to each sequential and single answer and to the last concurrent one; how many
    concurrent chats were answered, and how many got more than one message."""

    sequential: list[float]
    single: list[float]
    concurrent: float
    answered: int
    twice: int


@dataclass
class Asker:
    """Asks the bot the next questions, each from a new user in their private chat."""

    server: BotApiServer
    questions: Iterator[str]
    users: Iterator[int] = field(default_factory=lambda: itertools.count(FIRST_USER))

    async def one(self) -> float:
        [timing] = (await self.at_once(1)).values()
        return timing

    async def at_once(self, count: int) -> dict[int, float]:
        """`count` questions injected together: each chat's seconds to its answer, timed from
        the first injection."""
        started = time.monotonic()
        chats = [self._inject() for _ in range(count)]
        return {chat: await self._timing(chat, started) for chat in chats}

    def _inject(self) -> int:
        user = next(self.users)
        self.server.private_message(user, next(self.questions))
        return user  # a private chat's id is its user's

    async def _timing(self, chat_id: int, started: float) -> float:
        """When the bot's answer arrived in the chat: its first message, the answer whole."""
        [answer] = await self.server.wait_for_messages_async(chat_id, timeout=TIMEOUT)
        return answer.at - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_arguments(parser)
    parser.add_argument("--questions", type=int, default=100, help="How many are timed in turn.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, BotApiServer() as server:
        store = filled_store(args, Path(scratch))
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            print(f"{name}={os.environ.get(name, '(unset)')}")
        engine = Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))
        services = Kabar.create(engine, bot_settings(server))
        questions = load_questions(WARM_UP + args.questions + SINGLES + CONCURRENT)
        results = asyncio.run(measure(services, Asker(server, iter(questions)), args.questions))
    report(results)


def bot_settings(server: BotApiServer) -> BotSettings:
    """The bot on the local server: all chats allowed, no rate limit in reach, whatever .env has."""
    return BotSettings(
        telegram_bot_token=server.token,
        telegram_api_base_url=server.url,
        allowed_chat_ids=[],
        questions_per_minute=1_000_000,
    )


async def measure(services: Kabar, asker: Asker, count: int) -> Results:
    """The bot started, then warm-up, `count` sequential, single and concurrent questions."""
    async with running(services) as application:
        for _ in range(WARM_UP):
            await asker.one()
        sequential = [await asker.one() for _ in range(count)]
        await asyncio.sleep(SETTLE)
        single = [await asker.one() for _ in range(SINGLES)]
        await asyncio.sleep(SETTLE)
        together = await asker.at_once(CONCURRENT)
        await asker.server.wait_idle_async(application.update_queue, timeout=TIMEOUT)
    sent = [len(asker.server.messages(chat)) for chat in together]
    answered, twice = sum(n >= 1 for n in sent), sum(n > 1 for n in sent)
    return Results(sequential, single, max(together.values()), answered, twice)


def report(results: Results) -> None:
    p50, p95 = percentiles(results.sequential)
    single = statistics.median(results.single)
    ratio = results.concurrent / single
    print(f"questions timed in turn: {len(results.sequential)} (after {WARM_UP} warm-up)")
    print(f"answer: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"goal answer p50 <= 150 ms: {'met' if p50 <= 150 else 'missed'}")
    print(f"one question alone: {single * 1000:.1f} ms (median of {SINGLES})")
    print(
        f"{CONCURRENT} questions from {CONCURRENT} chats at once: last answered after"
        f" {results.concurrent * 1000:.1f} ms, {ratio:.2f}x one;"
        f" {results.answered} answered, {results.twice} twice"
    )
    print(f"goal {CONCURRENT} at once <= 3x one: {'met' if ratio <= 3 else 'missed'}")
    complete = results.answered == CONCURRENT and results.twice == 0
    print(f"goal all {CONCURRENT} answered, none twice: {'met' if complete else 'missed'}")


if __name__ == "__main__":
    main()
