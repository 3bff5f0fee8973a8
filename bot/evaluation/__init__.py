"""`kabar eval`: the shared QA sets read into a store of their own, retrieval and answers scored."""

from ._datasets import Dataset, Passage, Question
from ._datasets import load as load_dataset
from ._scoring import (
    INDOSUM,
    KS,
    AnswerScores,
    Ask,
    Baseline,
    Filled,
    Retrieve,
    distractor_articles,
    engine_asker,
    fill_store,
    mode_retriever,
    naive_retriever,
    passage_articles,
    recall,
    score_answers,
)

__all__ = [
    "INDOSUM",
    "KS",
    "AnswerScores",
    "Ask",
    "Baseline",
    "Dataset",
    "Filled",
    "Passage",
    "Question",
    "Retrieve",
    "distractor_articles",
    "engine_asker",
    "fill_store",
    "load_dataset",
    "mode_retriever",
    "naive_retriever",
    "passage_articles",
    "recall",
    "score_answers",
]
