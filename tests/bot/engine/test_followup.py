"""Which messages read as follow-ups, in English and Indonesian, without any history."""

from __future__ import annotations

import pytest

from bot.engine import reads_as_followup

FOLLOW_UPS = [
    "and Egypt?",
    "And who supports the GNA?",
    "what about Turkey?",
    "How about Russia?",
    "When did they meet?",
    "Who is he?",
    "Why did she resign?",
    "What did it cost?",
    "Who else?",
    "why is that?",
    "Why?",
    "since when?",
    "dan Mesir?",
    "Bagaimana dengan Turki?",
    "kalau Rusia?",
    "siapa lagi?",
    "Apa lagi?",
    "Kapan dia lahir?",
    "Di mana mereka bertemu?",
    "Siapa pendirinya?",
    "Kenapa?",
    "sejak kapan?",
    "Berapa korban dalam serangan tersebut?",
    "lalu apa yang terjadi?",
    "Apa itu?",
    "Apakah itu benar?",
]

STANDALONE = [
    "Who backs Haftar?",
    "Where did Erdogan and Putin meet?",
    "When did the Sunport harbour bridge reopen?",
    "What did the council approve on Tuesday?",
    "Who said that the bridge reopened?",
    "How many people live in Jakarta?",
    "Siapa yang mendukung Haftar?",
    "Di mana Erdogan dan Putin bertemu?",
    "Kapan Jokowi dilantik?",
    "Apa yang terjadi di Libya?",
    "Berapa harga beras hari ini?",
    "Siapa yang hanya mendukung GNA?",
    "Egypt?",
    "Apa itu demokrasi?",
    "Siapa itu pendiri partai?",
]


@pytest.mark.parametrize("message", FOLLOW_UPS)
def test_follow_up_phrasings_read_as_follow_ups(message: str) -> None:
    assert reads_as_followup(message)


@pytest.mark.parametrize("message", STANDALONE)
def test_questions_that_name_their_subject_stand_alone(message: str) -> None:
    assert not reads_as_followup(message)
