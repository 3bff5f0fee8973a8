"""Evaluation on the QA sets: retrieval recall and the extractive engine's answers, per mode.

Recall@k counts a question when a top-k chunk holds a gold answer (or, for the cross-lingual
set, comes from the gold passage); LlamaIndex's plain retriever can be scored beside ours.

Answer metrics, over answerable questions (gold answers and texts normalised SQuAD-style):

- `contained`: a gold answer appears in the answer text (citation markers removed);
- `exact` (first-sentence EM): a gold answer appears in the first quoted sentence. SQuAD's exact
  match between a gold span and an answer is meaningless when the answer quotes whole
  sentences, so the first quote, the engine's best sentence, stands in for the predicted span;
- `f1`: SQuAD token F1 between a gold answer and the best single quoted sentence (best pair);
- `quote_precision`: of all the sentences quoted in answers, the share that hold a gold answer
  (a quote that does not answer lowers it);
- `refused`: the share answered "nothing found" (`Answer.found` is False): wrongly refused.

Over unanswerable questions, `unanswerable_refused` is the share answered "nothing found";
`off_topic_refused` is the same share over questions on subjects the set is not about (`OFF_TOPIC`).
"""

from __future__ import annotations

import enum
import hashlib
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean

from llama_index.core import VectorStoreIndex
from llama_index.core.schema import NodeWithScore, QueryBundle

from bot.engine import QUOTE_SEPARATOR, Answer, Backend, Engine, EngineSettings
from ingest import IngestError, Ingestor, JsonlFields, to_article
from store import Article, Mode, Outcome, Store

from ._datasets import Dataset, Question

KS = (1, 3, 5, 10)


class Baseline(enum.StrEnum):
    """Retrievers printed beside ours for comparison."""

    NAIVE = "naive"


INDOSUM = JsonlFields(title="title_slug", date="date_utc")
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")
_CITATION = re.compile(r"\[\d+\]")
_BATCH = 32


@dataclass(frozen=True)
class Hit:
    """What a retriever returned, as far as scoring needs it."""

    text: str
    article_id: str


def normalize(text: str) -> str:
    """Lower-case, punctuation removed, white space collapsed: the SQuAD comparison form."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def passage_articles(dataset: Dataset) -> list[Article]:
    """The set's passages as articles, each keeping its passage id as its article id."""
    return [
        Article(
            id=p.id,
            title=p.title,
            text=p.text,
            content_hash=hashlib.sha256(f"{p.title}\n{p.text}".encode()).hexdigest(),
            site=dataset.name,
        )
        for p in dataset.passages.values()
    ]


def distractor_articles(store: Store, corpus: Path, count: int) -> list[Article]:
    """The first `count` articles of a corpus in IndoSum's layout, as `kabar ingest` makes them.

    Records that ingest would refuse (no text left after cleaning) are skipped.
    """
    if not corpus.is_file():
        raise FileNotFoundError(f"no such distractor corpus: {corpus}")
    articles = []
    for item in Ingestor(store).plan([str(corpus)], INDOSUM)[:count]:
        try:
            draft = item.load()
            if not isinstance(draft, list):  # a corpus record is one draft, never a feed
                articles.append(to_article(draft))
        except IngestError:
            continue
    return articles


@dataclass(frozen=True)
class Filled:
    """What filling the store did: articles it already held, articles written, removed."""

    kept: int
    added: int
    removed: int


def fill_store(
    store: Store,
    articles: Sequence[Article],
    progress: Callable[[int, int], None] | None = None,
) -> Filled:
    """Make the store hold exactly `articles`, embedding only what it lacks.

    A store kept from an earlier run (`kabar eval --data-dir`) keeps what it already holds, so
    the costly distractors are embedded once; articles not asked for this time (another set's
    passages, distractors beyond the count) are removed so that the scores are of exactly these
    articles. `progress(done, total)` follows the writes.
    """
    wanted = {article.id for article in articles}
    # The set comparison needs every record: `articles()` reads them page by page.
    extra = [record.id for record in store.articles() if record.id not in wanted]
    for article_id in extra:
        store.remove(article_id)
    held = {record.id: record.content_hash for record in store.articles()}
    # Near-copies of a stored article are never held under their own id: writing them again
    # only records the copy, without embedding.
    missing = [a for a in articles if held.get(a.id) != a.content_hash]
    added = 0
    for at in range(0, len(missing), _BATCH):
        results = store.write(missing[at : at + _BATCH])
        added += sum(r.outcome in {Outcome.ADDED, Outcome.UPDATED} for r in results)
        if progress:
            progress(min(at + _BATCH, len(missing)), len(missing))
    return Filled(kept=len(articles) - len(missing), added=added, removed=len(extra))


@dataclass(frozen=True)
class AnswerScores:
    """Answer metrics of one engine over a set, each a share in [0, 1]; None: no such question.

    See the module's docstring for what each measures.
    """

    contained: float | None
    exact: float | None
    f1: float | None
    quote_precision: float | None
    refused: float | None
    unanswerable_refused: float | None
    off_topic_refused: float | None


@dataclass(frozen=True)
class ModeScores:
    """What one retrieval mode scored: recall@k for each k in `KS`, and its answers."""

    recall: dict[int, float]
    answers: AnswerScores


def evaluate(
    store: Store,
    questions: Sequence[Question],
    modes: Sequence[Mode],
    *,
    by_passage: bool,
    off_topic: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict[Mode, ModeScores]:
    """Recall and answers of each mode over `questions`, and refusals of `off_topic` ones.

    Each question is embedded once, in batches, for every mode; its answer is composed from the
    chunks its recall was scored on, as `Engine.ask` would compose it (the engine's `top_k` are
    the first of the `max(KS)` retrieved). `progress(done, total)` counts retrievals.
    """
    asked = [*questions, *(Question(text, (), "", answerable=False) for text in off_topic)]
    embeddings = _query_embeddings(store, [q.text for q in asked])
    engine_settings = EngineSettings(backend=Backend.EXTRACTIVE)
    depth = max(*KS, engine_settings.top_k)
    scores = {}
    for number, mode in enumerate(modes):
        engine = Engine(store, engine_settings, mode=mode)
        retriever = store.retriever(mode, depth)
        ranks, answers = [], []
        for done, (question, embedding) in enumerate(zip(asked, embeddings, strict=True), 1):
            nodes = retriever.retrieve(QueryBundle(question.text, embedding=embedding))
            ranks.append(_first_hit(_hits(nodes), question, by_passage))
            answers.append(engine.answer_from(question.text, nodes[: engine_settings.top_k]))
            if progress:
                progress(number * len(asked) + done, len(modes) * len(asked))
        count = len(questions)
        scores[mode] = ModeScores(
            _recall(ranks[:count], questions),
            _answer_scores(questions, answers[:count], answers[count:]),
        )
    return scores


def naive_recall(store: Store, questions: Sequence[Question], by_passage: bool) -> dict[int, float]:
    """Recall@k of LlamaIndex's plain `VectorStoreIndex` retriever over the same store."""
    index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=store.embed_model)
    retriever = index.as_retriever(similarity_top_k=max(KS))
    embeddings = _query_embeddings(store, [q.text for q in questions])
    ranks = [
        _first_hit(_hits(retriever.retrieve(QueryBundle(q.text, embedding=e))), q, by_passage)
        for q, e in zip(questions, embeddings, strict=True)
    ]
    return _recall(ranks, questions)


def _query_embeddings(store: Store, texts: Sequence[str]) -> list[list[float]]:
    """The texts embedded as questions, a batch at a time (several times faster than one by one)."""
    vectors: list[list[float]] = []
    for at in range(0, len(texts), _BATCH):
        vectors += store.embed_model.get_query_embeddings(list(texts[at : at + _BATCH]))
    return vectors


def _hits(nodes: Sequence[NodeWithScore]) -> list[Hit]:
    return [Hit(n.get_content(), str(n.metadata.get("article_id", ""))) for n in nodes]


def _first_hit(hits: Sequence[Hit], question: Question, by_passage: bool) -> int | None:
    """The rank of the first hit for an answerable question; None: none, or unanswerable."""
    if not question.answerable:
        return None
    return next((rank for rank, hit in enumerate(hits) if _is_hit(hit, question, by_passage)), None)


def _recall(ranks: Sequence[int | None], questions: Sequence[Question]) -> dict[int, float]:
    """Share of answerable questions with a hit in the top k, for each k in `KS`."""
    count = sum(q.answerable for q in questions)
    return {
        k: sum(rank is not None and rank < k for rank in ranks) / count if count else 0.0
        for k in KS
    }


def _is_hit(hit: Hit, question: Question, by_passage: bool) -> bool:
    if by_passage:
        return hit.article_id == question.passage_id
    return contains(hit.text, question.answers)


def _answer_scores(
    questions: Sequence[Question], answers: Sequence[Answer], off_topic: Sequence[Answer]
) -> AnswerScores:
    """The answer metrics of `answers` to `questions`, and the refusals among `off_topic`."""
    rows = [
        _answer_row(answer, question.answers)
        for question, answer in zip(questions, answers, strict=True)
        if question.answerable
    ]
    unanswerable = [a for q, a in zip(questions, answers, strict=True) if not q.answerable]
    quoted = sum(row.quoted for row in rows)
    return AnswerScores(
        contained=_mean([row.contained for row in rows]),
        exact=_mean([row.exact for row in rows]),
        f1=_mean([row.f1 for row in rows]),
        quote_precision=sum(row.answering for row in rows) / quoted if quoted else None,
        refused=_mean([float(row.refused) for row in rows]),
        unanswerable_refused=_mean([float(not answer.found) for answer in unanswerable]),
        off_topic_refused=_mean([float(not answer.found) for answer in off_topic]),
    )


@dataclass(frozen=True)
class _Row:
    """One answer to an answerable question, scored."""

    contained: float
    exact: float
    f1: float
    answering: int
    quoted: int
    refused: bool


def _answer_row(answer: Answer, golds: Sequence[str]) -> _Row:
    if not answer.found:
        return _Row(0.0, 0.0, 0.0, 0, 0, refused=True)
    sentences = quoted_sentences(answer)
    answering = [contains(s, golds) for s in sentences]
    return _Row(
        contained=float(contains(_CITATION.sub(" ", answer.text), golds)),
        exact=float(bool(sentences) and answering[0]),
        f1=max((token_f1(gold, s) for gold in golds for s in sentences), default=0.0),
        answering=sum(answering),
        quoted=len(sentences),
        refused=False,
    )


def quoted_sentences(answer: Answer) -> list[str]:
    """The sentences the answer quotes, in the order it gives them: the best first."""
    quotes = [s for c in answer.citations for s in c.quote.split(QUOTE_SEPARATOR) if s]
    return sorted(quotes, key=answer.text.find)


def contains(text: str, golds: Iterable[str]) -> bool:
    """Whether a normalised gold answer is a substring of the normalised text."""
    normalized = normalize(text)
    return any(normalize(gold) and normalize(gold) in normalized for gold in golds)


def token_f1(gold: str, predicted: str) -> float:
    """SQuAD token F1 of `predicted` against `gold`, both normalised."""
    gold_tokens, predicted_tokens = normalize(gold).split(), normalize(predicted).split()
    same = sum((Counter(gold_tokens) & Counter(predicted_tokens)).values())
    if not same:
        return 0.0
    precision, recall_ = same / len(predicted_tokens), same / len(gold_tokens)
    return 2 * precision * recall_ / (precision + recall_)


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None
