"""Other names for what a question names, read off the passages retrieved for it.

News refers to a leader's movement by its acronym right beside the name ("LNA Haftar", "Haftar's
LNA"), then uses the acronym alone: "LNA juga menerima dukungan dari Uni Emirat Arab" answers
"Who backs Haftar?" without naming him. Asking again with the acronym in the name's place finds
such sentences; a small multilingual embedding model cannot make that link by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Names in a question: capitalised words after its first word (which is capitalised anyway).
_NAME = re.compile(r"(?<=\s)[A-Z][\w'-]*[a-z][\w-]*")
_MAX_VARIANTS = 2


def alias_variants(question: str, passages: Iterable[str]) -> list[str]:
    """The question with a name replaced by an acronym the passages put right beside it.

    Usage::

        alias_variants("Who backs Haftar?", ["... sementara LNA Haftar menguasai Sirte"])
        # ["Who backs LNA?"]
    """
    text = "\n".join(passages)
    variants: list[str] = []
    for name in dict.fromkeys(m.group().removesuffix("'s") for m in _NAME.finditer(question)):
        for alias in _acronyms_beside(name, text):
            variant = re.sub(rf"\b{re.escape(name)}\b(?:'s)?", alias, question)
            if variant not in variants:
                variants.append(variant)
    return variants[:_MAX_VARIANTS]


def _acronyms_beside(name: str, text: str) -> list[str]:
    """Acronyms of 2 to 6 capitals written just before or after `name`, most frequent first."""
    escaped = re.escape(name)
    before = re.findall(rf"\b([A-Z]{{2,6}})\s+{escaped}\b", text)
    after = re.findall(rf"\b{escaped}(?:'s)?\s+\(?([A-Z]{{2,6}})\b", text)
    found = [*before, *after]
    return sorted(set(found), key=lambda a: (-found.count(a), a))


def question_names(question: str, passages: Iterable[str]) -> set[str]:
    """The names a question uses, with the acronyms the passages write beside them.

    Usage::

        question_names("Who backs Haftar?", ["... LNA Haftar menguasai Sirte"])  # {"Haftar", "LNA"}
    """
    text = "\n".join(passages)
    names = {m.group().removesuffix("'s") for m in _NAME.finditer(question)}
    return names | {alias for name in names for alias in _acronyms_beside(name, text)}


def mentions(text: str, name: str) -> bool:
    """Whether `text` has `name` as a whole word: "LNA" in "LNA Haftar", not in "LNAs".

    Usage::

        mentions("Pasukan LNA menyerang", "LNA")  # True
    """
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None
