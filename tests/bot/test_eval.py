"""`kabar eval`: recall per retrieval mode on any file of the shared QA formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import _datasets
from bot._cli import app
from tests.store.conftest import CHESS, NILE, RICE, VOLCANO

PASSAGES = {"Nile": NILE, "Rice": RICE, "Merapi": VOLCANO, "Chess": CHESS}


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    return path


@pytest.fixture
def tydi_file(tmp_path: Path) -> Path:
    questions = {
        "Nile": ("Where will the three governments meet again?", "Khartoum"),
        "Rice": ("Where will the agency release rice stocks?", "Jakarta and Surabaya"),
        "Merapi": ("How high did the ash column rise?", "three kilometres"),
        "Chess": ("On which move did she sacrifice a rook?", "move twenty-two"),
    }
    return _write(
        tmp_path / "tydi_like.jsonl",
        [
            {"id": t, "title": t, "context": PASSAGES[t], "question": q, "answers": [a]}
            for t, (q, a) in questions.items()
        ],
    )


@pytest.fixture
def crosslingual_file(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "crosslingual_like.jsonl",
        [
            {
                "passage_id": "tsq-nile",
                "id_context": NILE,
                "qas": [
                    {
                        "en_question": "What does Cairo fear?",
                        "id_answers": ["flow"],
                        "is_impossible": False,
                    },
                    {"en_question": "Who won?", "id_answers": [], "is_impossible": True},
                ],
            },
            {
                "passage_id": "tsq-chess",
                "id_context": CHESS,
                "qas": [
                    {"en_question": "Who is her coach?", "id_answers": [], "is_impossible": True}
                ],
            },
        ],
    )


def test_eval_prints_recall_for_each_mode_and_the_naive_baseline(tydi_file: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(tydi_file), "--baseline", "naive"])

    assert result.exit_code == 0, result.output
    assert "4 answerable questions, 4 passages" in result.output
    rows = {
        line.split()[1]: line.split()[3:7] for line in result.output.splitlines() if "│" in line
    }
    assert set(rows) >= {"vector", "keyword", "hybrid", "naive"}
    assert rows["hybrid"] == ["1.000", "│", "1.000", "│"]


def test_the_crosslingual_set_is_scored_by_gold_passage(crosslingual_file: Path) -> None:
    dataset = _datasets.load(crosslingual_file)

    assert dataset.by_passage
    assert len(dataset.passages) == 2
    assert [q.answerable for q in dataset.questions] == [True, False, False]

    result = CliRunner().invoke(app, ["eval", str(crosslingual_file), "--mode", "vector"])
    assert result.exit_code == 0, result.output
    assert "1 answerable questions" in result.output
    assert "hit = gold passage" in result.output


def test_a_file_of_another_format_is_a_clear_error(tmp_path: Path) -> None:
    odd = _write(tmp_path / "odd.jsonl", [{"prompt": "hello"}])

    result = CliRunner().invoke(app, ["eval", str(odd)])

    assert result.exit_code == 2
    assert "unknown format (fields: prompt)" in result.output
    assert "Traceback" not in result.output
