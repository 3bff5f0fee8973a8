"""A chat's own settings (`/settings`): its language, what it searches, how many sources it sees.

Each is kept in the bot's state as the token of the choice made; a chat that chose nothing has
the defaults, which are what the bot does without settings.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, fields, replace

from telegram import Update

from bot.engine import Answer, Briefing, question_language
from store import SearchFilters

from ._services import KabarContext, user_language

LANGUAGES = ("auto", "en", "id")
SOURCE_COUNTS = ("3", "5", "8", "all")
BRIEFING_TIMES = ("06:00", "07:00", "08:00", "12:00", "18:00", "21:00")
_CITATION = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class ChatSettings:
    """The settings of one chat.

    `language` is "auto" (each asker's own, each question's for answers), "en" or "id";
    `search` is "all", "site:NAME" or "language:CODE"; `sources` the most sources an answer
    shows ("all" or a number); `briefing` the time of day a daily briefing is set up for.
    """

    language: str = "auto"
    search: str = "all"
    sources: str = "all"
    briefing: str = "07:00"

    @classmethod
    def of(cls, context: KabarContext, chat_id: int) -> ChatSettings:
        """The chat's settings as kept (a setting this version does not know is ignored)."""
        kept = context.bot_data.services.state.chat_settings(chat_id)
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in kept.items() if name in known})

    async def save(self, context: KabarContext, chat_id: int) -> None:
        """Keep these settings for the chat (written off the event loop, as all state is)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        await asyncio.to_thread(context.bot_data.services.state.set_chat_settings, chat_id, values)

    def answer_language(self, question: str) -> str:
        """The language the answer to `question` is headed in."""
        return question_language(question) if self.language == "auto" else self.language

    def filters(self) -> SearchFilters | None:
        """What questions in the chat search: everything, or one site's or language's articles."""
        kind, _, value = self.search.partition(":")
        if kind == "site":
            return SearchFilters(site=value)
        if kind == "language":
            return SearchFilters(language=value)
        return None

    def shown(self, answer: Answer) -> Answer:
        """The answer as the chat sees it: in its language, with at most its number of sources.

        Lines that cite only the sources left out are left out with them.
        """
        if self.language != "auto":
            answer = replace(answer, language=self.language)
        if self.sources == "all" or len(answer.citations) <= int(self.sources):
            return answer
        kept = sorted(citation.n for citation in answer.citations)[: int(self.sources)]
        lines = [_cited_only(line, set(kept)) for line in answer.text.split("\n")]
        return replace(
            answer,
            text="\n".join(line for line in lines if line is not None),
            citations=tuple(c for c in answer.citations if c.n in kept),
        )

    def briefed(self, briefing: Briefing) -> Briefing:
        """The briefing in the chat's language, each story with at most its sources."""
        language = briefing.language if self.language == "auto" else self.language
        if self.sources == "all":
            return replace(briefing, language=language)
        count = int(self.sources)
        stories = tuple(replace(s, sources=s.sources[:count]) for s in briefing.stories)
        return replace(briefing, language=language, stories=stories)


def _cited_only(line: str, kept: set[int]) -> str | None:
    """The line with the citations of sources not `kept` removed; None if it cited only those."""
    cited = {int(n) for n in _CITATION.findall(line)}
    if cited and not cited & kept:
        return None
    return _CITATION.sub(lambda m: m[0] if int(m[1]) in kept else "", line)


def chat_language(update: Update, context: KabarContext) -> str:
    """The bot's own language for this update: the chat's, else the sender's."""
    chat = update.effective_chat
    language = ChatSettings.of(context, chat.id).language if chat else "auto"
    return user_language(update) if language == "auto" else language
