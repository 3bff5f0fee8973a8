"""The answer engine: passages retrieved from the store, composed into cited answers, briefings."""

from ._answer import Answer, Citation, Turn
from ._briefing import Briefing, Story, brief
from ._composition import QUOTE_SEPARATOR, Composer, Composition, CompositionError
from ._dates import day_label, published_label
from ._engine import Engine, QuestionTooLongError
from ._extractive import ExtractiveComposer
from ._followup import reads_as_followup, same_question
from ._language import LANGUAGES, question_language
from ._passages import NumberedSource, Sentence, number_sources
from ._rewrite import merge_results
from ._settings import Backend, EngineSettings
from ._time_question import Period, TimedQuestion, read_time

__all__ = [
    "LANGUAGES",
    "QUOTE_SEPARATOR",
    "Answer",
    "Backend",
    "Briefing",
    "Citation",
    "Composer",
    "Composition",
    "CompositionError",
    "Engine",
    "EngineSettings",
    "ExtractiveComposer",
    "NumberedSource",
    "Period",
    "QuestionTooLongError",
    "Sentence",
    "Story",
    "TimedQuestion",
    "Turn",
    "brief",
    "day_label",
    "merge_results",
    "number_sources",
    "published_label",
    "question_language",
    "read_time",
    "reads_as_followup",
    "same_question",
]
