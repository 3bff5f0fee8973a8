"""Cross-lingual retrieval with the `openai` backend: a question in another language than the
articles' is also searched as the model translates it, against a real OpenAI-compatible server
on 127.0.0.1, the real embedding model and a real store of Indonesian history passages.

The passages are the cross-lingual set's first fourteen (the Normans, in Indonesian). Over them
"Where did the Normans and Byzantines sign the peace treaty?" alone ranks the passage that
answers it seventh, out of the six passages retrieved; its Indonesian translation ranks it first.
"""

from __future__ import annotations

import json

import pytest
from llama_index.core.schema import NodeWithScore, TextNode
from pydantic import ValidationError

from bot.engine import CompositionError, Engine, EngineSettings, merge_results, number_sources
from bot.engine._generative import TRANSLATE_SYSTEM_PROMPT, make_composer
from ingest import Ingestor, IngestSettings
from store import Store, StoreSettings
from tests.bot.engine.openai_server import ChatServer, Reply, openai_engine
from tests.conftest import SHARED_DATA

CROSSLINGUAL = SHARED_DATA / "qa" / "crosslingual_en_q_id_passages_dev.jsonl"
PASSAGES = 14
QUESTION = "Where did the Normans and Byzantines sign the peace treaty?"
TRANSLATION = "Di mana Normandia dan Bizantium menandatangani perjanjian damai?"
# The sentence that answers it, in the passage the English question alone does not retrieve.
ANSWERING = "menandatangani perjanjian damai dengan Bizantium di kota Deabolis"
ANSWER = "The Normans and the Byzantines signed the peace treaty in the town of Deabolis [1]."


@pytest.fixture(scope="module")
def normans(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store of the cross-lingual set's first passages, ingested as pasted Indonesian text."""
    store = Store(
        StoreSettings(data_dir=tmp_path_factory.mktemp("normans") / "data", chroma_host=None)
    )
    ingestor = Ingestor(store, IngestSettings())
    with CROSSLINGUAL.open(encoding="utf-8") as lines:
        for n, line in zip(range(PASSAGES), lines, strict=False):
            text = f"Bangsa Normandia, bagian {n + 1}\n{json.loads(line)['id_context']}"
            assert not ingestor.ingest_text(text, site="sejarah.example").failed
    return store


def test_question_is_also_searched_in_the_articles_language_and_answered_as_asked(
    normans: Store, chat_server: ChatServer
) -> None:
    chat_server.script_translations(Reply.text(TRANSLATION))
    chat_server.script(Reply.text(ANSWER))
    engine = openai_engine(normans, chat_server.url)
    # The question as asked does not find the answering passage: the translation has to.
    assert not any(ANSWERING in node.get_content() for node in engine.passages(QUESTION))

    answer = engine.ask(QUESTION)

    assert answer.text == ANSWER
    assert answer.backend == "openai"
    citation = answer.citations[0]
    assert ANSWERING in citation.quote
    assert citation.article.title == "Bangsa Normandia, bagian 13"
    assert answer.question == QUESTION
    assert answer.rewrite == TRANSLATION
    assert "rewrite" in answer.timings
    [translation] = chat_server.translation_requests()
    assert not translation.body.get("stream")
    system, user = translation.messages
    assert system == {"role": "system", "content": TRANSLATE_SYSTEM_PROMPT}
    assert "into Indonesian" in user["content"]
    assert user["content"].rstrip().endswith(QUESTION)
    # The answer is written for the question as asked, in the asker's language.
    [write] = chat_server.chat_requests()
    assert write.messages[1]["content"].rstrip().splitlines()[-3] == f"Question: {QUESTION}"


@pytest.mark.parametrize(
    ("question", "settings"),
    [
        (TRANSLATION, {}),  # Indonesian, as most passages found are
        (QUESTION, {"collection_language": "en"}),  # the setting names the articles' language
    ],
)
def test_no_translation_is_asked_for_a_question_in_the_articles_language(
    normans: Store, chat_server: ChatServer, question: str, settings: dict[str, str]
) -> None:
    chat_server.script(Reply.text(ANSWER))

    answer = openai_engine(normans, chat_server.url, **settings).ask(question)

    assert answer.text == ANSWER
    assert answer.rewrite == ""
    assert "rewrite" not in answer.timings
    assert chat_server.translation_requests() == []
    assert len(chat_server.chat_requests()) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500),
        Reply.text(" \n"),
        Reply.text(f"{TRANSLATION} Jawabannya: di kota Deabolis, dekat Dyrrachium. " * 3),
        Reply([TRANSLATION], delay=10),  # past the one-second timeout
    ],
    ids=["server error", "empty", "too long", "too slow"],
)
def test_a_failed_translation_still_answers_from_the_question_as_asked(
    normans: Store, chat_server: ChatServer, reply: Reply
) -> None:
    chat_server.script_translations(reply)
    chat_server.script(Reply.text(ANSWER))
    engine = openai_engine(normans, chat_server.url, openai_timeout=1.0)
    [first, *_] = number_sources(engine.passages(QUESTION))

    answer = engine.ask(QUESTION)

    assert answer.text == ANSWER
    assert answer.backend == "openai"
    assert answer.note == ""
    assert answer.rewrite == ""
    assert answer.citations[0].article == first.article
    assert ANSWERING not in answer.citations[0].quote
    assert "rewrite" in answer.timings
    assert len(chat_server.translation_requests()) == 1


def test_the_extractive_backend_searches_the_question_as_asked(normans: Store) -> None:
    answer = Engine(normans).ask(QUESTION)

    assert answer.backend == "extractive"
    assert answer.rewrite == ""
    assert "rewrite" not in answer.timings


@pytest.mark.parametrize(
    ("reply", "translation"),
    [
        (TRANSLATION, TRANSLATION),
        (f'"{TRANSLATION}"\n', TRANSLATION),
        (f"\n  {TRANSLATION}\nThis asks where the treaty was signed.", TRANSLATION),
    ],
)
def test_translation_is_the_first_line_of_the_reply_unquoted(
    chat_server: ChatServer, reply: str, translation: str
) -> None:
    chat_server.script_translations(Reply.text(reply))
    composer = make_composer(
        EngineSettings(backend="openai", openai_base_url=chat_server.url, openai_model="test")
    )

    assert composer.translate(QUESTION, "id") == translation


def test_translation_into_english_names_the_language(chat_server: ChatServer) -> None:
    chat_server.script_translations(Reply.text(QUESTION))
    composer = make_composer(
        EngineSettings(backend="openai", openai_base_url=chat_server.url, openai_model="test")
    )

    assert composer.translate(TRANSLATION, "en") == QUESTION
    [request] = chat_server.translation_requests()
    assert "into English" in request.messages[1]["content"]


def test_translation_into_another_language_is_refused_without_a_request(
    chat_server: ChatServer,
) -> None:
    composer = make_composer(
        EngineSettings(backend="openai", openai_base_url=chat_server.url, openai_model="test")
    )

    with pytest.raises(CompositionError, match="no translation into 'fr'"):
        composer.translate(QUESTION, "fr")
    assert chat_server.requests == []


def node(chunk_id: str, score: float) -> NodeWithScore:
    return NodeWithScore(node=TextNode(id_=chunk_id, text=chunk_id), score=score)


def test_merged_results_hold_each_chunk_once_with_its_better_score_best_first() -> None:
    asked = [node("a", 0.80), node("b", 0.78), node("c", 0.70)]
    translated = [node("d", 0.90), node("c", 0.85), node("a", 0.60)]

    merged = merge_results([asked, translated], top_k=3)

    assert [(n.node.node_id, n.score) for n in merged] == [("d", 0.90), ("c", 0.85), ("a", 0.80)]


@pytest.mark.parametrize(("value", "language"), [("en", "en"), ("id", "id"), ("", None)])
def test_collection_language_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, language: str | None
) -> None:
    monkeypatch.setenv("KABAR_COLLECTION_LANGUAGE", value)

    assert EngineSettings().collection_language == language


def test_collection_language_other_than_id_or_en_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KABAR_COLLECTION_LANGUAGE", "fr")

    with pytest.raises(ValidationError, match="collection_language"):
        EngineSettings()
