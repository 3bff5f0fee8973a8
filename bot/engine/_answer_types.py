"""What kind of answer a question asks for, and which words of a sentence could be that answer.

"When was Command & Conquer first introduced?" asks for a date: of "Command & Conquer is a
real-time strategy video game franchise" and "Command & Conquer was released worldwide by
Westwood in 1995", only the second adds one. The sentence most like the question often restates
it; the sentence that answers adds what the question lacks.
"""

from __future__ import annotations

import enum
import re

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
# Capitalised words after a sentence's first word: names, in both languages.
_NAME = re.compile(r"(?<=\W)[A-Z][\w'-]*")

# fmt: off
_DATE_WORDS = frozenset((
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "januari", "februari", "maret", "mei", "juni", "juli",
    "agustus", "oktober", "desember", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu",
))
_NUMBER_WORDS = frozenset((
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "billion",
    "dozen", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
    "sepuluh", "sebelas", "belas", "puluh", "ratus", "ribu", "juta", "miliar", "triliun",
))
# fmt: on


# "Which actor" asks for a name, "which move" does not.
_ASKS_FOR_NAME = (
    r"(?:actor|actress|singer|player|person|man|woman|member|artist|band|author|writer"
    r"|director|leader|president|minister|politician|team|club|company|party|country|city)"
)


class AnswerType(enum.Enum):
    """The kind of answer a question asks for; OTHER when its words do not say."""

    DATE = "date"
    NUMBER = "number"
    NAME = "name"
    PLACE = "place"
    OTHER = "other"


# Checked in this order: "which year" asks a date before "which" a name.
_TYPE_PATTERNS = (
    (AnswerType.DATE, r"when|what year|which year|kapan\w*|tahun berapa|tanggal berapa"),
    (
        AnswerType.NUMBER,
        r"how (?:many|much|long|old|far|big|large|tall|high|deep|wide)|berapa\w*",
    ),
    (
        AnswerType.NAME,
        r"who|whom|whose|(?:which|what) " + _ASKS_FOR_NAME + r"|what(?:'s| is) the name|siapa\w*"
        r"|apa nama|nama apa",
    ),
    (AnswerType.PLACE, r"where|di ?mana\w*|ke ?mana|dari ?mana"),
)
_TYPES = [(kind, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for kind, words in _TYPE_PATTERNS]


def expected_type(question: str) -> AnswerType:
    """The kind of answer the question's wh-words ask for.

    Usage::

        expected_type("Kapan Sirte direbut?")  # AnswerType.DATE
    """
    return next((kind for kind, words in _TYPES if words.search(question)), AnswerType.OTHER)


def answer_terms(question: str, sentence: str, kind: AnswerType | None = None) -> frozenset[str]:
    """The words of `sentence` that could answer `question`: of its answer type, not in it.

    A date is a number, a month or a weekday; a name or a place a capitalised word that is not
    one of those; a question of no kind takes names and numbers.

    Usage::

        answer_terms("When was C&C released?", "C&C was released in 1995.")  # {"1995"}
    """
    kind = kind or expected_type(question)
    asked = {word.lower() for word in _WORD.findall(question)}
    names = frozenset(_name_word(n) for n in _NAME.findall(sentence)) - asked - _DATE_WORDS
    if kind in {AnswerType.NAME, AnswerType.PLACE}:
        return names
    new = {word.lower() for word in _WORD.findall(sentence)} - asked
    numbers = frozenset(word for word in new if _DIGIT.search(word) or word in _NUMBER_WORDS)
    if kind is AnswerType.NUMBER:
        return numbers
    if kind is AnswerType.DATE:
        return numbers | (new & _DATE_WORDS)
    # "What ...?" and "Which ...?" say no kind: any name or number is a fact the question lacks.
    return names | numbers


def _name_word(name: str) -> str:
    """A name as a question writes it: "Building'" is "building", "Haftar's" is "haftar"."""
    return name.lower().removesuffix("'s").rstrip("'")
