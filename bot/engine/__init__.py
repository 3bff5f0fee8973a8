"""The answer engine: passages retrieved from the store, composed into cited answers, briefings."""

from ._answer import Answer, Citation, Turn
from ._briefing import Briefing, BriefItem, brief
from ._composition import QUOTE_SEPARATOR, Composer, Composition, CompositionError
from ._engine import Engine, QuestionTooLongError
from ._extractive import ExtractiveComposer
from ._language import LANGUAGES, question_language
from ._passages import NumberedSource, Sentence, number_sources
from ._rewrite import merge_results
from ._settings import Backend, EngineSettings

__all__ = [
    "LANGUAGES",
    "QUOTE_SEPARATOR",
    "Answer",
    "Backend",
    "BriefItem",
    "Briefing",
    "Citation",
    "Composer",
    "Composition",
    "CompositionError",
    "Engine",
    "EngineSettings",
    "ExtractiveComposer",
    "NumberedSource",
    "QuestionTooLongError",
    "Sentence",
    "Turn",
    "brief",
    "merge_results",
    "number_sources",
    "question_language",
]
