"""What the engine answers: the text, its numbered citations, and how it was made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from store import ArticleInfo


@dataclass(frozen=True)
class Citation:
    """Source `[n]` of an answer: the article and the exact passage the answer relies on."""

    n: int
    article: ArticleInfo
    quote: str

    def to_dict(self) -> dict[str, object]:
        """The citation as flat JSON-ready data."""
        a = self.article
        return {
            "n": self.n,
            "article_id": a.id,
            "title": a.title,
            "url": a.url,
            "site": a.site,
            "published": a.published,
            "quote": self.quote,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        """The citation `to_dict` described."""
        article = ArticleInfo(
            data["article_id"], data["title"], data["url"], data["site"], data["published"]
        )
        return cls(data["n"], article, data["quote"])


@dataclass(frozen=True)
class Turn:
    """An earlier question and the answer given, for follow-up questions."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Answer:
    """An answer, typed.

    `found` is False when nothing relevant was retrieved (the text then says so); `backend` is
    the one that actually composed the text ("extractive" after a fallback); `note` says why a
    fallback happened; `question` is the standalone question retrieval used; `rewrite` is that
    question as a language model translated it into the articles' language and retrieval also
    searched ("" when it did not); `period` the dates a time in the question limited the search
    to, as the answer's language writes them ("from 6 May 2024 to 12 May 2024"; "" when the
    question named no time); `timings` are in seconds ("retrieve" includes "rewrite", the
    model's translation, present when one was asked for).
    """

    text: str
    found: bool
    citations: tuple[Citation, ...]
    language: str
    backend: str
    question: str
    period: str = ""
    rewrite: str = ""
    note: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """The answer as JSON-ready data (`kabar ask --json`)."""
        data = asdict(self)
        data["citations"] = [citation.to_dict() for citation in self.citations]
        return {"answer": data.pop("text"), **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The answer `to_dict` described."""
        fields = {key: value for key, value in data.items() if key != "answer"}
        citations = tuple(Citation.from_dict(c) for c in fields.pop("citations", []))
        return cls(text=data["answer"], citations=citations, **fields)
