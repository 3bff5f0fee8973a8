"""Questions about the seed article with the fact each answer must quote, and questions on
subjects the seed does not cover."""

from __future__ import annotations

#: (question, facts the answer must quote: each a substring of the seed article)
SEED_QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("Who backs Haftar?", ("Rusian kontraktor militer", "Uni Emirat Arab, Yordania, dan Mesir")),
    ("Siapa yang mendukung Haftar?", ("Rusian kontraktor militer", "Uni Emirat Arab")),
    ("Where did Erdogan and Putin meet?", ("di Istanbul",)),
    ("Di mana Erdogan dan Putin bertemu?", ("di Istanbul",)),
    ("How far is Tripoli from Sirte?", ("370 kilometer",)),
    ("Who supports the GNA?", ("Turki mendukung Pemerintahan Kesepakatan Nasional (GNA)",)),
    ("Who did Conte meet in Rome?", ("Conte mengadakan pembicaraan dengan Haftar di Roma",)),
    ("When did Haftar's forces take Sirte?", ("menguasai Sirte",)),
    ("Which airport was hit by shelling?", ("bandara Mitiga",)),
    ("Who was overthrown in 2011?", ("Muammar Gaddafi digulingkan",)),
]

#: Twenty questions on subjects absent from the seed, in English and Indonesian.
OFF_TOPIC_QUESTIONS = [
    "What is the best recipe for chocolate chip cookies?",
    "Who won the 2018 FIFA World Cup?",
    "How do I reset my iPhone password?",
    "What is the capital of Australia?",
    "When was the Eiffel Tower built?",
    "How many moons does Jupiter have?",
    "What are the symptoms of diabetes?",
    "Who wrote Harry Potter?",
    "How does photosynthesis work?",
    "What is the price of Bitcoin today?",
    "Bagaimana cara membuat rendang?",
    "Siapa pemenang Piala Dunia 2014?",
    "Berapa harga tiket kereta Jakarta ke Bandung?",
    "What is the tallest mountain in Japan?",
    "How do I learn to play the guitar?",
    "Which team won the NBA finals in 2016?",
    "What is machine learning?",
    "Apa manfaat minum air putih?",
    "Who painted the Mona Lisa?",
    "How to grow tomatoes on a balcony?",
]
