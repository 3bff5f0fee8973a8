"""The bot's own state in a small SQLite database in the data folder: a restart loses none.

Daily briefing subscriptions and the articles each chat's briefings cited, followed feeds
(and the entries already seen), who added each article from which chat (a group's admins may
remove only their group's), recent answers (for the Quotes button and for follow-up replies)
and the questions they answered, each private chat's last answer (a follow-up soon after it
needs no reply), the votes people gave answers (`kabar feedback` lists them), and each chat's
own settings.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.engine import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, time TEXT NOT NULL,
    topic TEXT NOT NULL, language TEXT NOT NULL, user_id INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS briefed (
    chat_id INTEGER NOT NULL, article_id TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (chat_id, article_id)
);
CREATE INDEX IF NOT EXISTS briefed_at ON briefed (chat_id, at);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT NOT NULL, chat_id INTEGER NOT NULL, language TEXT NOT NULL,
    user_id INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (url, chat_id)
);
CREATE TABLE IF NOT EXISTS feed_entries (
    url TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (url, entry)
);
CREATE TABLE IF NOT EXISTS additions (
    article_id TEXT NOT NULL, chat_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    PRIMARY KEY (article_id, chat_id)
);
CREATE TABLE IF NOT EXISTS answers (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, answer TEXT NOT NULL,
    kept_under INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS last_answers (
    chat_id INTEGER PRIMARY KEY, message_id INTEGER NOT NULL, answered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS asked (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, question TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS votes (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    vote TEXT NOT NULL, question TEXT NOT NULL, standalone TEXT NOT NULL,
    article_ids TEXT NOT NULL, backend TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (chat_id, message_id, user_id)
);
CREATE INDEX IF NOT EXISTS votes_at ON votes (at);
CREATE TABLE IF NOT EXISTS chat_settings (
    chat_id INTEGER PRIMARY KEY, settings TEXT NOT NULL
);
"""
# Columns added since the first release: a database made before gains them on opening (0 for
# the user of an earlier row: nobody known; for the id an earlier answer is kept under: its own).
_ADDED_COLUMNS = (
    ("subscriptions", "user_id", "INTEGER NOT NULL DEFAULT 0"),
    ("feeds", "user_id", "INTEGER NOT NULL DEFAULT 0"),
    ("answers", "kept_under", "INTEGER NOT NULL DEFAULT 0"),
    ("subscriptions", "thread_id", "INTEGER"),  # NULL: the chat itself, no forum topic
)
# A briefing's articles are remembered this long (seconds): a briefing reaches back to the
# chat's last one, so a chat silent for longer may see an article of that time again.
_KEPT_BRIEFED = 30 * 24 * 3600
# Answers older than this many are forgotten: their Quotes button then says so.
_KEPT_ANSWERS = 10_000


@dataclass(frozen=True)
class Subscription:
    """A daily briefing posted to `chat_id` at `time` (HH:MM, bot time), set up by `user_id`.

    It goes into forum topic `thread` (its message_thread_id), or with None the chat itself.
    """

    id: int
    chat_id: int
    time: str
    topic: str
    language: str
    user_id: int
    thread: int | None = None


@dataclass(frozen=True)
class Feed:
    """A feed followed for a chat by `user_id`; the chat is told what arrives."""

    url: str
    chat_id: int
    language: str
    user_id: int


@dataclass(frozen=True)
class Vote:
    """A user's vote ("up" or "down") on an answer in a chat, and what the answer was.

    `standalone` is the question the engine searched with, "" when it is the one asked;
    `article_ids` are the articles the answer cited.
    """

    chat_id: int
    user_id: int
    vote: str
    question: str
    standalone: str
    article_ids: tuple[str, ...]
    backend: str
    at: datetime


@dataclass(frozen=True)
class LastAnswer:
    """A chat's last answer and when it was sent."""

    answer: Answer
    at: datetime


class BotState:
    """The database, safe to use from the event loop and from worker threads.

    One connection behind a lock. Handlers write through `asyncio.to_thread`: a write waits
    for the disk, and the event loop must not.

    Usage::

        state = BotState(Path("data/bot.sqlite3"))
        state.add_subscription(chat_id=-100, time="07:30", topic="Libya", language="en")
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            # Write-ahead logging: a commit appends to the log instead of rewriting pages, and
            # a reader (the command line, a backup) never waits for the bot's writes. With it,
            # a power cut may lose the last commits, never the database.
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
            for table, column, declaration in _ADDED_COLUMNS:
                columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def add_subscription(
        self,
        chat_id: int,
        time: str,
        topic: str,
        language: str,
        *,
        user_id: int,
        thread: int | None = None,
    ) -> Subscription:
        """Record a daily briefing set up by `user_id` and return it with its id.

        It is posted into forum topic `thread` if given, else into the chat itself.
        """
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO subscriptions (chat_id, time, topic, language, user_id, thread_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (chat_id, time, topic, language, user_id, thread),
            )
        return Subscription(
            int(cursor.lastrowid or 0), chat_id, time, topic, language, user_id, thread
        )

    def remove_subscriptions(self, chat_id: int, thread: int | None = None) -> list[Subscription]:
        """Remove the daily briefings posted into a chat's forum topic `thread`.

        None stands for the chat itself. Returns what was removed.
        """
        removed = [s for s in self.subscriptions(chat_id) if s.thread == thread]
        self._run(
            "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id IS ?", (chat_id, thread)
        )
        return removed

    def move_subscriptions(self, chat_id: int, time: str) -> list[Subscription]:
        """Post every daily briefing of a chat at `time` from now on; returns them, moved."""
        self._run("UPDATE subscriptions SET time = ? WHERE chat_id = ?", (time, chat_id))
        return self.subscriptions(chat_id)

    def subscriptions(
        self, chat_id: int | None = None, *, user_id: int | None = None
    ) -> list[Subscription]:
        """The daily briefings of one chat, or set up by one user, or all of them."""
        sql = "SELECT id, chat_id, time, topic, language, user_id, thread_id FROM subscriptions"
        if chat_id is not None:
            rows = self._run(f"{sql} WHERE chat_id = ? ORDER BY id", (chat_id,))
        elif user_id is not None:
            rows = self._run(f"{sql} WHERE user_id = ? ORDER BY id", (user_id,))
        else:
            rows = self._run(f"{sql} ORDER BY id")
        return [Subscription(*row) for row in rows]  # type: ignore[arg-type]

    def record_briefing(self, chat_id: int, at: datetime, article_ids: Iterable[str]) -> None:
        """Remember a briefing posted to a chat at `at` citing these articles (maybe none).

        What was posted over a month before is forgotten.
        """
        stamp = at.timestamp()
        rows = [(chat_id, article_id, stamp) for article_id in {"", *article_ids}]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO briefed VALUES (?, ?, ?)", rows)
            self._db.execute("DELETE FROM briefed WHERE at < ?", (stamp - _KEPT_BRIEFED,))
            self._db.execute("COMMIT")

    def last_briefing(self, chat_id: int) -> datetime | None:
        """When the chat's last briefing was posted; None before its first."""
        [(stamp,)] = self._run("SELECT MAX(at) FROM briefed WHERE chat_id = ?", (chat_id,))
        return None if stamp is None else datetime.fromtimestamp(float(str(stamp)), UTC)

    def briefed_since(self, chat_id: int, since: datetime) -> frozenset[str]:
        """The articles the chat's briefings cited from `since` on."""
        rows = self._run(
            "SELECT article_id FROM briefed WHERE chat_id = ? AND at >= ? AND article_id != ''",
            (chat_id, since.timestamp()),
        )
        return frozenset(str(row[0]) for row in rows)

    def add_feed(self, feed: Feed) -> None:
        """Follow a feed for its chat."""
        self._run(
            "INSERT OR REPLACE INTO feeds (url, chat_id, language, user_id) VALUES (?, ?, ?, ?)",
            (feed.url, feed.chat_id, feed.language, feed.user_id),
        )

    def remove_feed(self, url: str, chat_id: int) -> bool:
        """Stop following a feed for a chat; False when it was not followed."""
        followed = any(feed.url == url for feed in self.feeds(chat_id))
        self._run("DELETE FROM feeds WHERE url = ? AND chat_id = ?", (url, chat_id))
        return followed

    def feeds(self, chat_id: int | None = None) -> list[Feed]:
        """The feeds followed for one chat, or for all chats, in the order they were followed."""
        sql = "SELECT url, chat_id, language, user_id FROM feeds"
        if chat_id is not None:
            rows = self._run(f"{sql} WHERE chat_id = ? ORDER BY rowid", (chat_id,))
        else:
            rows = self._run(f"{sql} ORDER BY rowid")
        return [Feed(*row) for row in rows]  # type: ignore[arg-type]

    def record_added(self, article_id: str, by: Iterable[tuple[int, int]]) -> None:
        """Record a new article as added from each (chat id, user id) in `by`.

        Records of an earlier article with this id (removed since, e.g. from the command
        line) are replaced.
        """
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM additions WHERE article_id = ?", (article_id,))
            self._db.executemany(
                "INSERT OR REPLACE INTO additions (article_id, chat_id, user_id) VALUES (?, ?, ?)",
                [(article_id, chat_id, user_id) for chat_id, user_id in by],
            )
            self._db.execute("COMMIT")

    def added_in(self, article_id: str, chat_id: int) -> bool:
        """Whether the article was added from that chat."""
        rows = self._run(
            "SELECT 1 FROM additions WHERE article_id = ? AND chat_id = ?", (article_id, chat_id)
        )
        return bool(rows)

    def forget_article(self, article_id: str) -> None:
        """Drop the records of who added an article (it was removed)."""
        self._run("DELETE FROM additions WHERE article_id = ?", (article_id,))

    def unseen(self, url: str, entries: list[str]) -> list[str]:
        """The entries of a feed not seen before, in the order given."""
        seen = {row[0] for row in self._run("SELECT entry FROM feed_entries WHERE url = ?", (url,))}
        return [entry for entry in entries if entry not in seen]

    def mark_seen(self, url: str, entries: list[str]) -> None:
        """Remember entries of a feed as handled."""
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO feed_entries (url, entry) VALUES (?, ?)",
                [(url, entry) for entry in entries],
            )

    def save_answer(
        self, chat_id: int, message_id: int, answer: Answer, *, kept_under: int | None = None
    ) -> None:
        """Keep an answer sent as a message, for its Quotes button and follow-ups.

        `kept_under` is the id its buttons name and its votes are kept under (the question's),
        the message's own unless given.
        """
        data = json.dumps(answer.to_dict(), ensure_ascii=False)
        self._run(
            "INSERT OR REPLACE INTO answers (chat_id, message_id, answer, kept_under)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, message_id, data, message_id if kept_under is None else kept_under),
        )
        self._run(
            "DELETE FROM answers WHERE rowid <= (SELECT MAX(rowid) FROM answers) - ?",
            (_KEPT_ANSWERS,),
        )

    def answer(self, chat_id: int, message_id: int) -> Answer | None:
        """The answer sent as that message, if it is still kept."""
        rows = self._run(
            "SELECT answer FROM answers WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return Answer.from_dict(json.loads(str(rows[0][0]))) if rows else None

    def kept_under(self, chat_id: int, message_id: int) -> int | None:
        """The id the answer kept as that message is kept under (its buttons name), if kept."""
        rows = self._run(
            "SELECT kept_under FROM answers WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return (int(str(rows[0][0])) or message_id) if rows else None

    def set_last_answer(self, chat_id: int, message_id: int, at: datetime) -> None:
        """Make the answer kept as that message the chat's last, sent `at`."""
        self._run(
            "INSERT OR REPLACE INTO last_answers (chat_id, message_id, answered_at)"
            " VALUES (?, ?, ?)",
            (chat_id, message_id, at.timestamp()),
        )

    def last_answer(self, chat_id: int) -> LastAnswer | None:
        """The chat's last answer, unless the chat started over or it is no longer kept."""
        rows = self._run(
            "SELECT answers.answer, last_answers.answered_at FROM last_answers JOIN answers"
            " USING (chat_id, message_id) WHERE chat_id = ?",
            (chat_id,),
        )
        if not rows:
            return None
        data, at = rows[0]
        answer = Answer.from_dict(json.loads(str(data)))
        return LastAnswer(answer, datetime.fromtimestamp(float(str(at)), UTC))

    def forget_last_answer(self, chat_id: int) -> None:
        """Start the chat over: its next message follows nothing."""
        self._run("DELETE FROM last_answers WHERE chat_id = ?", (chat_id,))

    def keep_question(self, chat_id: int, message_id: int, question: str) -> None:
        """Keep the question as asked that the answer kept as that message answers."""
        self._run(
            "INSERT OR REPLACE INTO asked (chat_id, message_id, question) VALUES (?, ?, ?)",
            (chat_id, message_id, question),
        )
        self._run(
            "DELETE FROM asked WHERE rowid <= (SELECT MAX(rowid) FROM asked) - ?",
            (_KEPT_ANSWERS,),
        )

    def asked(self, chat_id: int, message_id: int) -> str | None:
        """The question as asked that the answer kept as that message answers, if kept."""
        rows = self._run(
            "SELECT question FROM asked WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return str(rows[0][0]) if rows else None

    def record_vote(self, message_id: int, vote: Vote) -> None:
        """Record a vote on the answer kept as that message; a user's earlier vote is replaced."""
        self._run(
            "INSERT OR REPLACE INTO votes (chat_id, message_id, user_id, vote, question,"
            " standalone, article_ids, backend, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                vote.chat_id,
                message_id,
                vote.user_id,
                vote.vote,
                vote.question,
                vote.standalone,
                json.dumps(vote.article_ids),
                vote.backend,
                vote.at.timestamp(),
            ),
        )

    def withdraw_vote(self, chat_id: int, message_id: int, user_id: int) -> bool:
        """Forget a user's vote on the answer kept as that message; False if there was none."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM votes WHERE chat_id = ? AND message_id = ? AND user_id = ?",
                (chat_id, message_id, user_id),
            )
        return cursor.rowcount > 0

    def votes(self) -> list[Vote]:
        """Every vote, newest first."""
        rows = self._run(
            "SELECT chat_id, user_id, vote, question, standalone, article_ids, backend, at"
            " FROM votes ORDER BY at DESC, rowid DESC"
        )
        return [
            Vote(
                int(str(chat_id)),
                int(str(user_id)),
                str(vote),
                str(question),
                str(standalone),
                tuple(json.loads(str(ids))),
                str(backend),
                datetime.fromtimestamp(float(str(at)), UTC),
            )
            for chat_id, user_id, vote, question, standalone, ids, backend, at in rows
        ]

    def chat_settings(self, chat_id: int) -> dict[str, str]:
        """The settings a chat changed from the defaults, by name."""
        rows = self._run("SELECT settings FROM chat_settings WHERE chat_id = ?", (chat_id,))
        return {str(k): str(v) for k, v in json.loads(str(rows[0][0])).items()} if rows else {}

    def set_chat_settings(self, chat_id: int, settings: dict[str, str]) -> None:
        """Keep the settings a chat changed from the defaults."""
        self._run(
            "INSERT OR REPLACE INTO chat_settings (chat_id, settings) VALUES (?, ?)",
            (chat_id, json.dumps(settings, ensure_ascii=False)),
        )
