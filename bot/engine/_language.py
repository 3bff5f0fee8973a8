"""The asker's language, and the engine's few sentences of its own in each language."""

from __future__ import annotations

import re
from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

#: Languages the interface speaks; any other question is answered in English.
LANGUAGES = ("en", "id")

NOTHING_FOUND = {
    "en": "I found nothing about that in the articles.",
    "id": "Saya tidak menemukan apa pun tentang itu di artikel-artikel ini.",
}

NOTHING_IN_PERIOD = {
    "en": "I found nothing about that in the articles {period} ({phrase}).",
    "id": "Saya tidak menemukan apa pun tentang itu di artikel {period} ({phrase}).",
}

LATEST_IS_FROM = {
    "en": "The latest about it is from {day}.",
    "id": "Yang terbaru tentang itu bertanggal {day}.",
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


# The languages an answer may quote, named in each interface language.
_LANGUAGE_NAMES = {
    "en": {"en": "English", "id": "Indonesian"},
    "id": {"en": "bahasa Inggris", "id": "bahasa Indonesia"},
}
_QUOTED_IN = {
    "en": "Quoted as written, in {languages}:",
    "id": "Dikutip apa adanya, dalam {languages}:",
}


def quoted_in(language: str, quoted: list[str]) -> str:
    """The line saying the quotes are in another language than the question's; "" when not.

    So that a reader of an English answer over Indonesian articles knows they read quotations,
    not a translation.
    """
    others = [lang for lang in dict.fromkeys(quoted) if lang and lang != language]
    if not others:
        return ""
    names = " / ".join(_LANGUAGE_NAMES[language].get(lang, lang) for lang in others)
    return _QUOTED_IN[language].format(languages=names)


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that carry no name and say which language a question is in: names ("Heiko Maas",
# "Garuda Indonesia") outweigh a short question's few words for a character-based classifier.
_FUNCTION_WORDS = {
    "en": _vocabulary(
        """
        a about am an and are as at be been but by can could did do does for from had has have
        how i if in is it many much of on or says said say should than that the their there these
        they this those to was were what when where which who whom whose why will with would you
        """
    ),
    "id": _vocabulary(
        """
        ada adalah akan apa apakah atau bagaimana bahwa belum berapa bisa dan dari dengan di
        dia ini itu jika kapan karena ke kenapa mana mengapa mereka oleh pada saja sedang sejak
        seberapa siapa sudah tentang telah tidak untuk yang
        """
    ),
}
_WORD = re.compile(r"\w+")


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def question_language(text: str) -> str:
    """`id` or `en`: which of the interface's languages the question is written in.

    The question's function words decide ("What did Heiko Maas say?" is English, "Apa kata
    Heiko Maas?" Indonesian); when they tie, the classifier, restricted to the two languages.
    """
    words = [word.lower() for word in _WORD.findall(text)]
    counts = {
        lang: sum(w in vocabulary for w in words) for lang, vocabulary in _FUNCTION_WORDS.items()
    }
    best = max(counts, key=counts.__getitem__)
    if list(counts.values()).count(counts[best]) == 1:
        return best
    language, _ = _identifier().classify(text)
    return str(language)
