"""Follow-up questions made standalone before retrieval.

"and who supports the GNA?" after "Who backs Haftar?" is searched as "who supports the GNA?";
"what about Egypt?" as "Who backs Egypt?"; "when did they meet?" after "Did Erdogan meet
Putin?" carries the earlier question's names. With a language model configured, the model
rewrites the question instead (see `CONDENSE_PROMPT`); these rules are the offline default.
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
