"""The asker's language: English or Indonesian, by the question's own words, not its names."""

from __future__ import annotations

import pytest

from bot.engine import question_language

ENGLISH = [
    "What did Heiko Maas say?",
    "Who backs Haftar?",
    "Where is Jokowi now?",
    "Did Prabowo win?",
    "When did Merapi erupt?",
    "Why did Sri Mulyani resign?",
    "How many died in Palu?",
    "Who is Ahok?",
    "What about Anies Baswedan?",
    "Is Garuda Indonesia bankrupt?",
    "Where did Erdogan and Putin meet?",
    "Who leads the GNA?",
    "What happened in Tripoli?",
    "Who won Pilkada DKI?",
    "Has KPK arrested Setya Novanto?",
    "Which party does Megawati lead?",
    "What is Pertamina planning?",
    "Why is Bali closed?",
    "How big was the Lombok quake?",
    "Who supports Serraj?",
    "Are Telkomsel prices rising?",
    "What did Luhut Pandjaitan announce?",
    "Who owns Gojek?",
    "When will MRT Jakarta open?",
    "Was Habib Rizieq arrested?",
    "What did BMKG warn?",
    "Who is Ma'ruf Amin?",
    "What does Bank Indonesia expect?",
    "Did Persija win the Liga 1?",
    "How much is the rupiah worth?",
]
INDONESIAN = [
    "Siapa yang mendukung Haftar?",
    "Apa kata Heiko Maas?",
    "Di mana Jokowi sekarang?",
    "Apakah Prabowo menang?",
    "Kapan Merapi meletus?",
    "Mengapa Sri Mulyani mundur?",
    "Berapa korban di Palu?",
    "Siapa Ahok?",
    "Bagaimana dengan Anies Baswedan?",
    "Apakah Garuda Indonesia bangkrut?",
    "Di mana Erdogan dan Putin bertemu?",
    "Siapa pemimpin GNA?",
    "Apa yang terjadi di Tripoli?",
    "Siapa pemenang Pilkada DKI?",
    "Apakah KPK menangkap Setya Novanto?",
    "Partai apa yang dipimpin Megawati?",
    "Apa rencana Pertamina?",
    "Kenapa Bali ditutup?",
    "Seberapa besar gempa Lombok?",
    "Siapa pendukung Serraj?",
    "Apakah harga Telkomsel naik?",
    "Apa yang diumumkan Luhut Pandjaitan?",
    "Siapa pemilik Gojek?",
    "Kapan MRT Jakarta dibuka?",
    "Apakah Habib Rizieq ditangkap?",
    "Apa peringatan BMKG?",
    "Siapa Ma'ruf Amin?",
    "Apa perkiraan Bank Indonesia?",
    "Apakah Persija juara Liga 1?",
    "Berapa nilai rupiah?",
]


@pytest.mark.parametrize("question", ENGLISH)
def test_a_short_english_question_full_of_indonesian_names_is_english(question: str) -> None:
    assert question_language(question) == "en"


@pytest.mark.parametrize("question", INDONESIAN)
def test_a_short_indonesian_question_is_indonesian(question: str) -> None:
    assert question_language(question) == "id"


def test_a_question_without_function_words_is_left_to_the_classifier() -> None:
    assert question_language("Haftar ceasefire Libya") == "en"
    assert question_language("gencatan senjata Libya") == "id"
