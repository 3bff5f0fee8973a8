"""`kabar eval`: the shared QA sets read into a store of their own, retrieval and answers scored."""

from ._datasets import Dataset, Passage, Question
from ._datasets import load as load_dataset
from ._off_topic import OFF_TOPIC
from ._scoring import (
    INDOSUM,
    KS,
    AnswerScores,
    Baseline,
    Filled,
    ModeScores,
    distractor_articles,
    evaluate,
    fill_store,
    naive_recall,
    passage_articles,
)

__all__ = [
    "INDOSUM",
    "KS",
    "OFF_TOPIC",
    "AnswerScores",
    "Baseline",
    "Dataset",
    "Filled",
    "ModeScores",
    "Passage",
    "Question",
    "distractor_articles",
    "evaluate",
    "fill_store",
    "load_dataset",
    "naive_recall",
    "passage_articles",
]
