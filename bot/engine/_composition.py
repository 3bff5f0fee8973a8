"""What composing an answer means: the contract every backend keeps, extractive or a model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ._answer import Turn
from ._passages import NumberedSource

#: Between two passages one citation quotes from the same article.
QUOTE_SEPARATOR = " … "


@dataclass(frozen=True)
class Composition:
    """Composed text with `[n]` citations, and what it quotes from each source."""

    text: str
    quotes: dict[int, list[str]] = field(default_factory=dict)


class CompositionError(Exception):
    """A language model gave no usable answer; the message says why, in a few words."""


class Composer(Protocol):
    """A backend that writes answers with a language model."""

    name: str

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """The follow-up `question` rewritten to stand alone."""

    def translate(self, question: str, language: str) -> str:
        """`question` translated into `language` ("id" or "en"), for retrieval only."""

    def write(
        self, question: str, sources: list[NumberedSource], on_text: Callable[[str], None] | None
    ) -> Composition:
        """An answer citing `sources` by number; `on_text` sees the text as it grows."""
