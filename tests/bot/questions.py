"""Questions about the seed article with the facts each answer must quote.

They live in `tests/fixtures/seed_qa.jsonl`, in TyDi's layout, so that `kabar eval` scores them too
(`kabar eval tests/fixtures/seed_qa.jsonl --distractors 3463`: the seed among all IndoSum articles).
"""

from __future__ import annotations

import json
from pathlib import Path

SEED_QA = Path(__file__).parents[1] / "fixtures" / "seed_qa.jsonl"

#: (question, facts the answer must quote: each a substring of the seed article)
SEED_QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    (record["question"], tuple(record["answers"]))
    for record in map(json.loads, SEED_QA.read_text(encoding="utf-8").splitlines())
]

#: Asked in English of the Indonesian article and naming nothing, it scores no better than chance
#: would (see store.RelevanceFloor): the one seed question of 20 that is refused.
SEED_REFUSED = "Which airport was hit by shelling?"
SEED_ANSWERED = [
    (question, facts) for question, facts in SEED_QUESTIONS if question != SEED_REFUSED
]
