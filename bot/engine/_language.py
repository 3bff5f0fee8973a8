"""The asker's language, and the engine's few sentences of its own in each language."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

#: Languages the interface speaks; any other question is answered in English.
LANGUAGES = ("en", "id")

NOTHING_FOUND = {
    "en": "I found nothing about that in the articles.",
    "id": "Saya tidak menemukan apa pun tentang itu di artikel-artikel ini.",
}

TOO_LONG = {
    "en": "That question is too long ({length} characters; I read up to {limit}): ask it in fewer"
    " words.",
    "id": "Pertanyaan itu terlalu panjang ({length} karakter; saya membaca hingga {limit}):"
    " tanyakan dengan lebih singkat.",
}

FALLBACK = {
    "en": "The language model could not answer ({reason}); these are the passages that do.",
    "id": "Model bahasa tidak dapat menjawab ({reason}); berikut kutipan yang menjawabnya.",
}


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def question_language(text: str) -> str:
    """`id` or `en`: which of the interface's languages the question is written in.

    Restricted to those two, the classifier is reliable even on a short question ("Who backs
    Haftar?" is English, "Siapa yang mendukung Haftar?" Indonesian).
    """
    language, _ = _identifier().classify(text)
    return str(language)
