"""The extractive engine over the seed article: answers quote the facts and cite them."""

from __future__ import annotations

import re

import pytest

from bot.engine import Answer, Backend, Engine, EngineSettings, QuestionTooLongError, Turn
from bot.engine._language import quoted_in
from bot.evaluation import OFF_TOPIC
from ingest import Ingestor
from store import SearchFilters, Store, parse_spans
from tests.bot.questions import SEED_ANSWERED, SEED_REFUSED
from tests.conftest import SEED

_SPAM = ("Toto SGP", "gacor88")


def test_a_seed_question_scoring_no_better_than_chance_is_refused(engine: Engine) -> None:
    answer = engine.ask(SEED_REFUSED)

    assert not answer.found
    assert answer.text == "I found nothing about that in the articles."


@pytest.mark.parametrize(("question", "facts"), SEED_ANSWERED)
def test_seed_question_is_answered_with_the_fact_and_its_citation(
    engine: Engine, seed_store: Store, question: str, facts: tuple[str, ...]
) -> None:
    answer = engine.ask(question)

    assert answer.found
    assert answer.backend == "extractive"
    for fact in facts:
        assert fact in answer.text
        assert any(fact in citation.quote for citation in answer.citations)
    [article] = seed_store.articles()
    assert [c.article.id for c in answer.citations] == [article.id]


@pytest.mark.parametrize(("question", "facts"), SEED_ANSWERED)
def test_every_quoted_sentence_is_cited_and_stands_in_the_article(
    engine: Engine, seed_store: Store, question: str, facts: tuple[str, ...]
) -> None:
    answer = engine.ask(question)
    article_text = seed_store.text(seed_store.articles()[0].id)

    numbers = {c.n for c in answer.citations}
    quotes = answer.text.splitlines()
    if answer.language == "en":  # over the Indonesian seed: the quotes are said to be Indonesian
        assert quotes.pop(0) == "Quoted as written, in Indonesian:"
    for line in quotes:
        quoted, n = re.fullmatch(r"(.+) \[(\d+)\]", line).groups()  # type: ignore[union-attr]
        assert int(n) in numbers
        assert quoted in article_text
    assert not any(spam in answer.text for spam in _SPAM)
    assert not any(spam in c.quote for c in answer.citations for spam in _SPAM)


def test_quotes_in_the_question_language_need_no_heading(engine: Engine) -> None:
    answer = engine.ask("Siapa yang mendukung Haftar?")

    assert answer.found
    assert all(re.search(r" \[\d+\]$", line) for line in answer.text.splitlines())


def test_quotes_in_another_language_are_said_to_be_in_it_in_the_askers_language() -> None:
    assert quoted_in("en", ["id", "id"]) == "Quoted as written, in Indonesian:"
    assert quoted_in("id", ["en"]) == "Dikutip apa adanya, dalam bahasa Inggris:"
    assert quoted_in("en", ["en", "id"]) == "Quoted as written, in Indonesian:"
    assert quoted_in("id", ["id"]) == ""


def test_answer_language_follows_the_asker(engine: Engine) -> None:
    assert engine.ask("Who backs Haftar?").language == "en"
    assert engine.ask("Siapa yang mendukung Haftar?").language == "id"


@pytest.mark.parametrize("language", ["en", "id"])
def test_questions_on_other_subjects_find_nothing(engine: Engine, language: str) -> None:
    """At least 38 of the 40 off-topic questions of each language are refused, in that language."""
    answers = [engine.ask(question) for question in OFF_TOPIC[language]]

    refused = [a for a in answers if not a.found]
    assert len(refused) >= 38, [a.question for a in answers if a.found]
    nothing = {
        "en": "I found nothing about that in the articles.",
        "id": "Saya tidak menemukan apa pun tentang itu di artikel-artikel ini.",
    }
    for answer in refused:
        assert answer.citations == ()
        assert answer.text == nothing[language]


def test_follow_up_is_made_standalone_before_retrieval(engine: Engine) -> None:
    first = engine.ask("Who backs Haftar?")
    follow_up = engine.ask("and who supports the GNA?", history=[Turn(first.question, first.text)])

    assert follow_up.question == "Who supports the GNA?"
    assert "Turki mendukung Pemerintahan Kesepakatan Nasional (GNA)" in follow_up.text


def test_what_about_follow_up_asks_the_earlier_question_of_the_new_subject(
    engine: Engine,
) -> None:
    answer = engine.ask("what about Erdogan?", history=[Turn("Where did Putin meet?")])

    assert answer.question == "Where did Erdogan meet?"
    assert "di Istanbul" in answer.text


def test_filters_limit_what_can_answer(engine: Engine, seed_store: Store) -> None:
    site = seed_store.articles()[0].site

    assert engine.ask("Who backs Haftar?", filters=SearchFilters(site=site)).found
    assert not engine.ask("Who backs Haftar?", filters=SearchFilters(language="en")).found
    assert not engine.ask("Who backs Haftar?", filters=SearchFilters(site="elsewhere")).found


def test_answer_as_json_data_has_the_documented_fields(engine: Engine) -> None:
    data = engine.ask("Where did Erdogan and Putin meet?").to_dict()

    assert data["found"] is True
    assert "di Istanbul" in str(data["answer"])
    assert data["language"] == "en"
    assert data["backend"] == "extractive"
    [citation] = data["citations"]  # type: ignore[misc]
    assert set(citation) >= {"n", "article_id", "title", "url", "quote"}


def test_llamaindex_query_returns_the_answer_and_its_sources(engine: Engine) -> None:
    response = engine.query("Where did Erdogan and Putin meet?")

    answer = response.metadata["answer"] if response.metadata else None
    assert isinstance(answer, Answer)
    assert "di Istanbul" in str(response)
    assert response.source_nodes


async def test_astream_ends_with_the_answer(engine: Engine) -> None:
    items = [item async for item in engine.astream("Where did Erdogan and Putin meet?")]

    assert isinstance(items[-1], Answer)
    assert "di Istanbul" in items[-1].text


# --- what the engine reads of a question -----------------------------------------------------


def test_a_question_with_control_characters_gets_the_same_answer_as_without(
    engine: Engine,
) -> None:
    clean = engine.ask("Who backs Haftar?")

    noisy = engine.ask("Who\x00 backs\x1b Haftar?\x00\x07")

    assert noisy.question == "Who backs Haftar?"
    assert noisy.text == clean.text
    assert noisy.citations == clean.citations


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (
            "Who backs Haftar? " * 60,
            (
                "That question is too long (1079 characters; I read up to 1000):"
                " ask it in fewer words."
            ),
        ),
        (
            "Siapa yang mendukung Haftar? " * 40,
            (
                "Pertanyaan itu terlalu panjang (1159 karakter; saya membaca hingga 1000):"
                " tanyakan dengan lebih singkat."
            ),
        ),
    ],
)
def test_a_question_too_long_is_refused_in_the_askers_language(
    engine: Engine, question: str, message: str
) -> None:
    with pytest.raises(QuestionTooLongError) as refused:
        engine.ask(question)

    assert str(refused.value) == message


async def test_a_question_too_long_is_refused_before_anything_streams(engine: Engine) -> None:
    with pytest.raises(QuestionTooLongError):
        engine.astream("Who backs Haftar? " * 60)


def test_the_longest_question_is_a_setting(
    seed_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KABAR_MAX_QUESTION_CHARS", "20")
    engine = Engine(seed_store, EngineSettings())

    assert engine.ask("Who backs Haftar?").found
    with pytest.raises(QuestionTooLongError, match=r"\(21 characters; I read up to 20\)"):
        engine.ask("Who backs Haftar now?")


def test_a_follow_up_never_grows_past_the_longest_question(engine: Engine) -> None:
    towns = " ".join(f"Kota{n}" for n in range(120))
    earlier = f"Did Haftar visit {towns}?"
    question = "and when did he go there? " * 30
    assert len(earlier) <= 1000
    assert len(question) <= 1000

    answer = engine.ask(question, history=[Turn(earlier)])

    assert answer.question.startswith("when did he go there?")
    assert len(answer.question) <= 1000


def test_a_reindex_keeps_the_quotes_and_the_sentence_scores(
    store: Store, ingestor: Ingestor
) -> None:
    list(ingestor.ingest([str(SEED)]))
    engine = Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))
    question = "Siapa yang mendukung Haftar?"
    before = engine.ask(question)

    store.reindex()

    after = engine.ask(question)
    assert before.found
    assert after.text == before.text
    assert [c.quote for c in after.citations] == [c.quote for c in before.citations]
    for node in store.retriever().retrieve(question):
        scores = node.metadata["sentence_scores"]
        assert len(scores) == len(parse_spans(node.metadata["sentences"])) > 1
        assert min(scores) > 0
