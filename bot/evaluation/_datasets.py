"""The evaluation sets' formats: TyDi QA GoldP, FacQA, IDK-MRC and the cross-lingual set.

Each reads into passages (what goes into the store) and questions (what is asked, with the gold
answers and the gold passage).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A passage to store: its id is its article id."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    """A question with its gold answers (empty when unanswerable) and gold passage id."""

    text: str
    answers: tuple[str, ...]
    passage_id: str
    answerable: bool = True


@dataclass
class Dataset:
    """Passages and questions of one file."""

    name: str
    passages: dict[str, Passage]
    questions: list[Question]
    #: Scored by retrieving the gold passage (its answers are noisy translations), not the answer.
    by_passage: bool = False


def load(path: Path) -> Dataset:
    """Read any of the supported formats, recognised by the fields of the first record."""
    records = list(_records(path))
    if not records:
        raise ValueError(f"{path} holds no records")
    first = records[0]
    if "qas" in first:
        reader = _crosslingual
    elif "passage" in first:
        reader = _facqa
    elif "context" in first:
        reader = _squad_like
    else:
        raise ValueError(f"{path}: unknown format (fields: {', '.join(sorted(first))})")
    dataset = Dataset(path.stem, {}, [], by_passage=reader is _crosslingual)
    for record in records:
        reader(record, dataset)
    return dataset


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _passage(dataset: Dataset, text: str, title: str = "") -> str:
    passage_id = "p" + hashlib.sha256(text.encode()).hexdigest()[:15]
    dataset.passages.setdefault(passage_id, Passage(passage_id, title, text))
    return passage_id


def _squad_like(record: dict[str, Any], dataset: Dataset) -> None:
    """TyDi QA GoldP and IDK-MRC: question, answers, context (and title, is_impossible)."""
    passage_id = _passage(dataset, record["context"], record.get("title", ""))
    impossible = bool(record.get("is_impossible", False))
    answers = () if impossible else tuple(record["answers"])
    dataset.questions.append(Question(record["question"], answers, passage_id, not impossible))


def _facqa(record: dict[str, Any], dataset: Dataset) -> None:
    """FacQA: question, passage, answers."""
    passage_id = _passage(dataset, record["passage"])
    dataset.questions.append(Question(record["question"], tuple(record["answers"]), passage_id))


def _crosslingual(record: dict[str, Any], dataset: Dataset) -> None:
    """English questions over Indonesian passages: passage_id, id_context, qas."""
    passage_id = record["passage_id"]
    dataset.passages[passage_id] = Passage(passage_id, "", record["id_context"])
    for qa in record["qas"]:
        impossible = bool(qa["is_impossible"])
        answers = () if impossible else tuple(qa["id_answers"])
        dataset.questions.append(Question(qa["en_question"], answers, passage_id, not impossible))
