"""Evaluation: retrieval recall per mode (and LlamaIndex's plain retriever) on the QA sets."""

from __future__ import annotations

import enum
import hashlib
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from llama_index.core import VectorStoreIndex

from ingest import Ingestor, IngestSettings, JsonlFields
from store import Article, Mode, Store

from ._datasets import Dataset, Question

KS = (1, 3, 5, 10)


class Baseline(enum.StrEnum):
    """Retrievers printed beside ours for comparison."""

    NAIVE = "naive"


INDOSUM = JsonlFields(title="title_slug", date="date_utc")
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


@dataclass(frozen=True)
class Hit:
    """What a retriever returned, as far as scoring needs it."""

    text: str
    article_id: str


Retrieve = Callable[[str], Sequence[Hit]]


def normalize(text: str) -> str:
    """Lower-case, punctuation removed, white space collapsed: the SQuAD comparison form."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def fill_store(
    store: Store,
    dataset: Dataset,
    distractors: Path | None = None,
    distractor_count: int = 0,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Store every passage of the set, plus distractor articles from a JSONL corpus."""
    articles = [
        Article(
            id=p.id,
            title=p.title,
            text=p.text,
            content_hash=hashlib.sha256(f"{p.title}\n{p.text}".encode()).hexdigest(),
            source=dataset.name,
        )
        for p in dataset.passages.values()
    ]
    for at in range(0, len(articles), 32):
        store.write(articles[at : at + 32])
        if progress:
            progress(len(articles[at : at + 32]))
    if distractors and distractor_count:
        ingestor = Ingestor(store, IngestSettings())
        items = ingestor.plan([str(distractors)], INDOSUM)[:distractor_count]
        for _ in ingestor.run(items):
            if progress:
                progress(1)


def recall(retrieve: Retrieve, questions: Iterable[Question], by_passage: bool) -> dict[int, float]:
    """Share of answerable questions with a hit in the top k, for each k in `KS`.

    A hit is a chunk containing a normalised gold answer, or, `by_passage`, a chunk of the gold
    passage.
    """
    hits = dict.fromkeys(KS, 0)
    count = 0
    for question in questions:
        if not question.answerable:
            continue
        count += 1
        found = retrieve(question.text)
        first = next(
            (rank for rank, hit in enumerate(found) if _is_hit(hit, question, by_passage)), None
        )
        for k in KS:
            hits[k] += first is not None and first < k
    return {k: hits[k] / count if count else 0.0 for k in KS}


def _is_hit(hit: Hit, question: Question, by_passage: bool) -> bool:
    if by_passage:
        return hit.article_id == question.passage_id
    text = normalize(hit.text)
    return any(normalize(answer) in text for answer in question.answers if normalize(answer))


def mode_retriever(store: Store, mode: Mode) -> Retrieve:
    """Our retriever in one mode, returning the top max(KS)."""

    def retrieve(text: str) -> list[Hit]:
        return [Hit(c.text, c.article_id) for c in store.search(text, max(KS), mode)]

    return retrieve


def naive_retriever(store: Store) -> Retrieve:
    """LlamaIndex's plain `VectorStoreIndex` retriever over the same store and embeddings."""
    index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=store.embed_model)
    retriever = index.as_retriever(similarity_top_k=max(KS))

    def retrieve(text: str) -> list[Hit]:
        return [
            Hit(n.get_content(), str(n.metadata.get("article_id", "")))
            for n in retriever.retrieve(text)
        ]

    return retrieve
