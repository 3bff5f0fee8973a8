"""Follow-up questions: which messages read as one, and how they are made standalone.

"and who supports the GNA?" after "Who backs Haftar?" is searched as "who supports the GNA?";
"what about Egypt?" as "Who backs Egypt?"; "when did they meet?" after "Did Erdogan meet
Putin?" carries the earlier question's names. With a language model configured, the model
rewrites the question instead (see `CONDENSE_PROMPT`); these rules are the offline default.

`reads_as_followup` tells, without any history, whether a message leans on an earlier one:
a private chat glues such a message to the bot's last answer, and only such a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._answer import Turn

# Openings that make a question lean on the one before it, in English and Indonesian.
_CONTINUATION = re.compile(
    r"^(?:and|but|so|also|then|dan|tapi|lalu|terus|juga|kemudian)\b[\s,]*", re.IGNORECASE
)
_WHAT_ABOUT = re.compile(
    r"^(?:what|how)\s+about\s+|^(?:bagaimana|gimana)\s+dengan\s+|^kalau\s+", re.IGNORECASE
)
_NAME = re.compile(r"\b[A-Z][\w'-]*[a-z][\w-]*|\b[A-Z]{2,}\b")
# "who else?", "siapa lagi?": asking for more of what was just answered.
_MORE = re.compile(r"\b(?:who|what|where|when|which)\s+else\b|\b\w+\s+lagi\b", re.IGNORECASE)
# Words that point back at something named before. "this"/"that" only close a question
# ("why is that?"): inside one they are mostly conjunctions ("said that the bridge..."); "ini"
# is left out, as "hari ini" is "today".
_POINTING_BACK = re.compile(
    r"\b(?:he|she|it|they|him|her|them|his|hers|its|their|theirs"
    r"|dia|ia|mereka|beliau|itu|tersebut|sana)\b|\b(?:this|that|those|these)\W*$"
    r"|\b\w{2,}nya\b",
    re.IGNORECASE,
)
# "Apa itu demokrasi?" asks what something is: that "itu" points ahead, at the word after it.
_DEFINING = re.compile(r"^((?:apa|siapa)\s+)itu(?=\s+\w)", re.IGNORECASE)
# Words ending in -nya that point at nothing ("hanya" is "only", "biasanya" "usually").
_PLAIN_NYA = frozenset(
    {"hanya", "punya", "biasanya", "sebenarnya", "sesungguhnya", "tampaknya", "rupanya"}
)
_QUESTION_WORD = re.compile(
    r"^(?:why|when|where|who|how|what|which|kenapa|mengapa|kapan|mana|siapa|apa|berapa"
    r"|bagaimana|gimana)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w-]+")


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question rewritten to stand on its own, by rules; unchanged without history."""
    question = question.strip()
    if not history:
        return question
    previous = history[-1].question.strip()
    subject = _WHAT_ABOUT.sub("", question)
    if subject != question:
        return _with_subject(previous, subject.rstrip(" ?"))
    rest = _CONTINUATION.sub("", question)
    if _names(rest):
        return rest[:1].upper() + rest[1:]
    names = [n for n in _names(previous) if n not in rest]
    return f"{rest} ({', '.join(names)})" if names else rest


def reads_as_followup(message: str) -> bool:
    """Whether `message` reads as leaning on the question before it.

    It does when it opens like a continuation ("and Egypt?", "dan Mesir?", "what about...",
    "bagaimana dengan..."), asks for more ("who else?", "siapa lagi?"), or names nothing of its
    own and either points back ("when did they meet?", "kapan dia lahir?", "siapa pendirinya?")
    or is a bare question word or two ("why?", "sejak kapan?"). A question that names its own
    subject and opens plainly stands alone, however short.
    """
    message = message.strip()
    if _CONTINUATION.match(message) or _WHAT_ABOUT.match(message) or _MORE.search(message):
        return True
    if _names(message):
        return False
    words = _WORD.findall(message)
    if len(words) <= 2 and any(_QUESTION_WORD.match(word) for word in words):
        return True
    return any(
        match.group(0).lower() not in _PLAIN_NYA
        for match in _POINTING_BACK.finditer(_DEFINING.sub(r"\1", message))
    )


def same_question(asked: str, searched: str) -> bool:
    """Whether two questions differ only in what does not change them: case, spacing, "?".

    An answer names the question it searched with only when it is not the one asked.
    """
    return _plain(asked) == _plain(searched)


def _plain(question: str) -> str:
    return " ".join(question.split()).rstrip(" ?").casefold()


def _with_subject(previous: str, subject: str) -> str:
    """The previous question asked of `subject` instead of its own last name."""
    names = _names(previous)
    if not names:
        return f"{previous.rstrip(' ?')} {subject}?"
    return re.sub(rf"\b{re.escape(names[-1])}\b", subject, previous, count=1)


def _names(text: str) -> list[str]:
    # The first word is capitalised as a sentence opening, not as a name.
    words = text.split(maxsplit=1)
    return _NAME.findall(words[1]) if len(words) > 1 else []


CONDENSE_PROMPT = """\
Rewrite the last question so that it can be understood without the conversation before it, \
keeping its language. Reply with the rewritten question only.

Conversation:
{history}

Last question: {question}
Standalone question:"""
