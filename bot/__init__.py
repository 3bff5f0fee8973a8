"""Kabar's answer engine and its faces: the `kabar` command line and the Telegram bot."""

from ._answer import Answer, Citation, Turn
from ._cli import app, main
from ._engine import Composer, CompositionError, Engine, QuestionTooLongError
from ._extractive import Composition, ExtractiveComposer
from ._settings import Backend, EngineSettings
from ._sources import Sentence, Source, number_sources

__all__ = [
    "Answer",
    "Backend",
    "Citation",
    "Composer",
    "Composition",
    "CompositionError",
    "Engine",
    "EngineSettings",
    "ExtractiveComposer",
    "QuestionTooLongError",
    "Sentence",
    "Source",
    "Turn",
    "app",
    "main",
    "number_sources",
]
