"""`kabar eval`: recall and answers per retrieval mode on any file of the shared QA formats."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import evaluation
from bot.cli import app
from bot.engine import QUOTE_SEPARATOR, Backend, Engine, EngineSettings
from store import Mode, Store, StoreSettings
from tests.store.conftest import CHESS, MERAPI_ID, NILE, RICE, VOLCANO, make_article

PASSAGES = {"Nile": NILE, "Rice": RICE, "Merapi": VOLCANO, "Chess": CHESS}


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    return path


def _rows(output: str, title: str) -> dict[str, list[str]]:
    """The body rows of the table printed under `title`, keyed by their first cell."""
    rows = {}
    for line in output.split(title, 1)[1].splitlines():
        if line.startswith("└"):
            break
        if "│" in line:
            name, *cells = (cell.strip() for cell in line.strip("│").split("│"))
            rows[name] = cells
    return rows


def _eval(*args: str) -> str:
    result = CliRunner().invoke(app, ["eval", *args])
    assert result.exit_code == 0, result.output
    return result.output


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


def test_eval_prints_recall_and_answers_for_each_mode(tydi_file: Path) -> None:
    output = _eval(str(tydi_file), "--baseline", "naive")

    assert "4 answerable + 0 unanswerable questions, 4 passages + 0 distractors" in output
    recall = _rows(output, "retrieval recall@k")
    assert set(recall) == {"vector", "keyword", "hybrid", "naive"}
    assert recall["hybrid"] == ["1.000"] * 4
    answers = _rows(output, "extractive answers")
    assert set(answers) == {"vector", "keyword", "hybrid"}
    # Every answer is in its passage, and the hybrid engine quotes it: contained, not refused;
    # no unanswerable question to count; every off-topic question ("How do I fold a fitted
    # sheet?") is refused.
    assert answers["hybrid"][0] == "1.000"
    assert answers["hybrid"][4:] == ["0.000", "-", "1.000"]
    assert "scored in " in output


def test_answers_are_scored_as_by_hand_and_unrelated_questions_find_nothing(
    tmp_path: Path,
) -> None:
    contexts = {"Nile": NILE, "Rice": RICE, "Merapi": VOLCANO}
    records = [
        ("Nile", "Where will the three governments meet again?", ["Khartoum"]),
        ("Rice", "What is the boiling point of mercury?", []),
        ("Merapi", "Who painted the Mona Lisa?", []),
    ]
    idk_file = _write(
        tmp_path / "idk_like.jsonl",
        [
            {"id": str(i), "context": contexts[t], "question": q, "answers": a}
            | {"is_impossible": not a}
            for i, (t, q, a) in enumerate(records)
        ],
    )

    output = _eval(str(idk_file), "--mode", "hybrid")

    assert "1 answerable + 2 unanswerable questions, 3 passages" in output
    # The answer quotes "The three governments agreed to meet again next month in Khartoum."
    # first: the gold answer is in it (EM 1), and 1 of its 11 words is the 1-word answer.
    precision, recall = 1 / 11, 1 / 1
    f1 = 2 * precision * recall / (precision + recall)
    contained, exact, scored_f1, quote_precision, refused, unanswerable_refused, _ = _rows(
        output, "extractive answers"
    )["hybrid"]
    assert (contained, exact, scored_f1) == ("1.000", "1.000", f"{f1:.3f}")
    # It quotes that one sentence only, and the sentence answers.
    assert quote_precision == "1.000"
    assert (refused, unanswerable_refused) == ("0.000", "1.000")


def test_the_crosslingual_set_is_scored_by_gold_passage(crosslingual_file: Path) -> None:
    dataset = evaluation.load_dataset(crosslingual_file)

    assert dataset.by_passage
    assert len(dataset.passages) == 2
    assert [q.answerable for q in dataset.questions] == [True, False, False]

    output = _eval(str(crosslingual_file), "--mode", "vector")
    assert "1 answerable + 2 unanswerable questions" in output
    assert "hit = gold passage" in output
    # Its answers are translations, not spans of the passage: no EM, F1 or quote precision.
    assert _rows(output, "extractive answers")["vector"][1:4] == ["-", "-", "-"]


def test_a_file_of_another_format_is_a_clear_error(tmp_path: Path) -> None:
    odd = _write(tmp_path / "odd.jsonl", [{"prompt": "hello"}])

    result = CliRunner().invoke(app, ["eval", str(odd)])

    assert result.exit_code == 2
    assert "unknown format (fields: prompt)" in result.output
    assert "Traceback" not in result.output


def test_a_kept_store_is_reused_and_holds_only_what_the_run_asks_for(
    tmp_path: Path, tydi_file: Path
) -> None:
    corpus = tmp_path / "indosum_like.jsonl.gz"
    news = [
        ("banjir-jakarta", "Banjir merendam ratusan rumah di Jakarta Timur setelah hujan deras."),
        ("harga-cabai", "Harga cabai rawit di pasar tradisional Medan naik dua kali lipat."),
        ("timnas-u23", "Tim nasional U-23 menang dua gol tanpa balas atas Vietnam di Hanoi."),
    ]
    with gzip.open(corpus, "wt", encoding="utf-8") as lines:
        for n, (slug, text) in enumerate(news):
            record = {"id": str(n), "title_slug": slug, "date_utc": f"2017-05-0{n + 1}"}
            lines.write(json.dumps(record | {"text": text, "source": "antara"}) + "\n")
    facqa_file = _write(
        tmp_path / "facqa_like.jsonl",
        [{"question": "Berapa tinggi abu Merapi?", "passage": MERAPI_ID, "answers": ["tiga"]}],
    )
    kept = ["--data-dir", str(tmp_path / "kept"), "--corpus", str(corpus), "--mode", "keyword"]

    first = _eval(str(tydi_file), "--distractors", "3", *kept)
    again = _eval(str(tydi_file), "--distractors", "3", *kept)
    other = _eval(str(facqa_file), "--distractors", "2", *kept)

    assert "0 articles reused, 7 added, 0 removed" in first
    assert "7 articles reused, 0 added, 0 removed" in again
    assert _rows(again, "retrieval recall@k") == _rows(first, "retrieval recall@k")
    # The TyDi passages and the third distractor go; the first two distractors stay.
    assert "1 answerable + 0 unanswerable questions, 1 passages + 2 distractors" in other
    assert "2 articles reused, 1 added, 5 removed" in other


def test_answers_are_scored_as_the_engine_gives_them(tmp_path: Path) -> None:
    """Scoring answers from the chunks recall was scored on changes no answer."""
    store = Store(StoreSettings(data_dir=tmp_path / "data", chroma_host=None))
    store.write([make_article(t.lower(), t, text) for t, text in PASSAGES.items()])
    gold = evaluation.Question(
        "Where will the three governments meet again?", ("Khartoum",), "nile"
    )
    off_topic = "How do I fold a fitted sheet?"
    engine = Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))

    scores = evaluation.evaluate(
        store, [gold], [Mode.HYBRID], by_passage=False, off_topic=[off_topic]
    )[Mode.HYBRID]

    answer = engine.ask(gold.text)
    assert "Khartoum" in answer.text
    assert (scores.answers.contained, scores.answers.exact) == (1.0, 1.0)
    quoted = [s for c in answer.citations for s in c.quote.split(QUOTE_SEPARATOR)]
    assert scores.answers.quote_precision == sum("Khartoum" in s for s in quoted) / len(quoted)
    assert not engine.ask(off_topic).found
    assert scores.answers.off_topic_refused == 1.0
    assert scores.recall == dict.fromkeys(evaluation.KS, 1.0)
