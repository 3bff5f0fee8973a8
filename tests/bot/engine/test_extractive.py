"""The extractive answer quotes the sentence that answers, not one restating the question."""

from __future__ import annotations

import pytest

from bot.engine import Backend, Engine, EngineSettings
from bot.engine._answer_types import AnswerType, answer_terms, expected_type
from store import Store
from tests.store.conftest import make_article

STREAMING = (
    "'Only Murders in the Building' is coming back for Season 3 with even more star power."
    " The Hulu comedy has cast Meryl Streep, who joins Steve Martin, Martin Short and Selena"
    " Gomez when filming starts in New York this winter. The series follows three neighbours"
    " who host a true-crime podcast about the deaths in their apartment building."
)
GAME = (
    "Command & Conquer is a real-time strategy video game franchise, first developed by"
    " Westwood Studios. Command & Conquer was released worldwide by Westwood in 1995. The"
    " franchise went on to sell more than thirty million copies across its many sequels."
)
VOLCANO = (
    "Gunung Merapi di Jawa Tengah kembali erupsi pada Selasa pagi. Kolom abu setinggi tiga"
    " kilometer terlihat dari Yogyakarta, kata Badan Geologi. Warga di lereng gunung diminta"
    " menjauhi radius lima kilometer dari puncak."
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was the video game Command & Conquer first introduced?", AnswerType.DATE),
        ("Kapan Merapi erupsi?", AnswerType.DATE),
        ("How many copies did the franchise sell?", AnswerType.NUMBER),
        ("Berapa tinggi kolom abu Merapi?", AnswerType.NUMBER),
        ("Who backs Haftar?", AnswerType.NAME),
        ("Di mana Erdogan dan Putin bertemu?", AnswerType.PLACE),
        ("Which actor is a new addition to Only Murders in the Building?", AnswerType.NAME),
        ("What is the Oxford comma?", AnswerType.OTHER),
    ],
)
def test_the_question_words_say_what_kind_of_answer_is_asked(
    question: str, kind: AnswerType
) -> None:
    assert expected_type(question) is kind


def test_answer_words_are_of_the_kind_asked_and_not_in_the_question() -> None:
    question = "When was Command & Conquer released?"

    assert answer_terms(question, "Command & Conquer was released by Westwood in 1995.") == {"1995"}
    assert answer_terms(question, "Command & Conquer is a strategy game franchise.") == set()
    # A weekday is a date, not a name.
    assert answer_terms("Siapa yang menyerang?", "Pasukan LNA menyerang pada hari Rabu.") == {"lna"}
    assert answer_terms("Kapan LNA menyerang?", "Pasukan LNA menyerang pada hari Rabu.") == {"rabu"}


@pytest.fixture
def engine(store: Store) -> Engine:
    store.write(
        [
            make_article("streaming", "Only Murders in the Building returns", STREAMING),
            make_article("game", "Command & Conquer", GAME),
            make_article("merapi", "Merapi erupsi", VOLCANO, language="id"),
        ]
    )
    return Engine(store, EngineSettings(backend=Backend.EXTRACTIVE))


@pytest.mark.parametrize(
    ("question", "answer", "restatement"),
    [
        (
            "Which actor is a new addition to Only Murders in the Building?",
            "Meryl Streep",
            "is coming back for Season 3",
        ),
        (
            "When was the video game Command & Conquer first introduced?",
            "1995",
            "real-time strategy video game franchise",
        ),
        ("Berapa tinggi kolom abu Merapi?", "tiga kilometer", "kembali erupsi"),
    ],
)
def test_the_answer_quotes_the_sentence_that_answers_and_only_it(
    engine: Engine, question: str, answer: str, restatement: str
) -> None:
    reply = engine.ask(question)

    first_line = reply.text.splitlines()[0]
    assert answer in first_line
    assert restatement not in reply.text
    assert len(reply.citations) == 1
