"""The answer engine: retrieve, compose, cite. `kabar ask`, `kabar chat` and the bot all use it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import Response
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import NodeWithScore, QueryBundle

from ingest import strip_controls
from store import (
    AdjacentChunkMerger,
    Mode,
    NearDuplicateFilter,
    RelevanceFloor,
    SearchFilters,
    Store,
)

from ._answer import Answer, Turn
from ._composition import QUOTE_SEPARATOR, Composer, Composition, CompositionError
from ._dates import day_label, published_date, range_label
from ._extractive import ExtractiveComposer
from ._followup import standalone_question
from ._language import (
    FALLBACK,
    LATEST_IS_FROM,
    NOTHING_FOUND,
    NOTHING_IN_PERIOD,
    TOO_LONG,
    question_language,
    quoted_in,
)
from ._passages import NumberedSource, number_sources
from ._rewrite import Search, cross_lingual_search
from ._settings import Backend, EngineSettings
from ._time_question import TimedQuestion, read_time

# "Latest" reads this many times `top_k` candidates, so that the newest relevant passages are
# among them when the best-scoring ones are older.
_LATEST_POOL = 3


class QuestionTooLongError(ValueError):
    """A question longer than the engine takes; the message says so in the asker's language."""

    def __init__(self, length: int, limit: int, language: str) -> None:
        super().__init__(TOO_LONG[language].format(length=length, limit=limit))
        self.length = length
        self.limit = limit
        self.language = language


class Engine(BaseQueryEngine):
    """Answers questions from the store with numbered citations, through LlamaIndex.

    Retrieval is the store's retriever in `mode` (hybrid; `kabar eval` scores the others); then
    a relevance floor, adjacent chunks merged, near duplicates dropped; then the configured
    backend composes. A time the question names ("last week", "kemarin") narrows the search to
    its dates, counted from today in `KABAR_TIMEZONE`, and is not searched for as words; when
    those dates hold nothing, the answer says so and how recent the latest about it is.
    "Latest" or "terbaru" puts the newest relevant passages first. A language model's failure
    (timeout, server error, no valid citation) falls back to the extractive answer, and says so.
    Control characters in a question are dropped; a question longer than `max_question_chars`
    raises `QuestionTooLongError` before anything is retrieved.

    Usage::

        engine = Engine(Store())
        answer = engine.ask("Who backs Haftar?")
        answer.text, answer.citations
        engine.ask("and who supports the GNA?", history=[Turn("Who backs Haftar?", answer.text)])
        engine.query("Who backs Haftar?")        # a LlamaIndex Response, for LlamaIndex callers
    """

    def __init__(
        self,
        store: Store,
        settings: EngineSettings | None = None,
        *,
        composer: Composer | None = None,
        mode: Mode = Mode.HYBRID,
    ) -> None:
        super().__init__(callback_manager=None)
        self.store = store
        self.settings = settings or EngineSettings()
        self.mode = mode
        self._floor = RelevanceFloor(floor=self.settings.relevance_floor)
        self._postprocessors = [self._floor, AdjacentChunkMerger(), NearDuplicateFilter()]
        self._extractive = ExtractiveComposer(max_quotes=self.settings.max_quotes)
        self._composer = composer or _composer(self.settings)

    @property
    def backend(self) -> str:
        """The configured backend's name."""
        return self._composer.name if self._composer else Backend.EXTRACTIVE.value

    def passages(self, question: str, filters: SearchFilters | None = None) -> list[NodeWithScore]:
        """The relevant passages for a standalone question, best first; [] when none is."""
        return self.relevant(question, self.retrieve(QueryBundle(question), filters))

    def articles_about(self, topic: str, filters: SearchFilters, top_k: int) -> set[str]:
        """The ids of the articles with a relevant passage among the `top_k` found for `topic`.

        Relevance is all that counts: copies of one story on two sites are both about it,
        though an answer would quote only one of them.
        """
        query = QueryBundle(topic)
        nodes = self._floor.postprocess_nodes(self.retrieve(query, filters, top_k), query)
        return {str(node.metadata.get("article_id", "")) for node in nodes}

    def retrieve(
        self, query: QueryBundle, filters: SearchFilters | None = None, top_k: int | None = None
    ) -> list[NodeWithScore]:
        """The `top_k` best chunks for the query, before any is judged relevant.

        `top_k` is the setting's unless given. A query bundle that carries its embedding is not
        embedded again (`kabar eval` embeds its questions in batches).
        """
        k = top_k or self.settings.top_k
        return self.store.retriever(self.mode, k, filters).retrieve(query)

    def relevant(self, question: str, nodes: list[NodeWithScore]) -> list[NodeWithScore]:
        """The retrieved `nodes` that answer `question`: floored, merged, deduplicated."""
        bundle = QueryBundle(question)
        for postprocessor in self._postprocessors:
            nodes = postprocessor.postprocess_nodes(nodes, bundle)
        return nodes

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question`, read as a follow-up of `history`; `on_text` sees partial text."""
        answer, _ = self._answer(question, history, filters, on_text)
        return answer

    def answer_from(
        self,
        question: str,
        retrieved: list[NodeWithScore],
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """The answer to a standalone `question` from chunks `retrieve` returned for it."""
        answer, _ = self._composed(
            TimedQuestion(question, question), Search(retrieved), on_text, {}
        )
        return answer

    def _answer(
        self,
        question: str,
        history: Sequence[Turn],
        filters: SearchFilters | None,
        on_text: Callable[[str], None] | None,
    ) -> tuple[Answer, list[NodeWithScore]]:
        """The answer and the passages it was composed from."""
        started = time.perf_counter()
        standalone = self._standalone(self._checked(question), history)
        timed = read_time(standalone, datetime.now(self.settings.zone))
        within = timed.period.narrowed(filters) if timed.period else filters
        top_k = self.settings.top_k * (_LATEST_POOL if timed.latest else 1)
        search = self._search(timed.text, within, top_k)
        if (
            timed.period
            and not timed.period.relative
            and not self.relevant(timed.text, search.nodes)
        ):
            # A named year or day may be the story's own ("overthrown in 2011"), not its date:
            # then it is searched as words of the question, at any date.
            timed = TimedQuestion(standalone, standalone)
            search = self._search(standalone, filters, top_k)
        timings = {"retrieve": time.perf_counter() - started - (search.seconds or 0.0)}
        if search.seconds is not None:
            timings["rewrite"] = search.seconds
        return self._composed(timed, search, on_text, timings, filters)

    def _search(self, question: str, filters: SearchFilters | None, top_k: int) -> Search:
        """The chunks retrieved for `question`; with a model, also those its translation finds.

        The question is translated into the articles' language when it is in another one (see
        `cross_lingual_search`); the extractive backend has no model and searches it as asked.
        """

        def retrieve(text: str) -> list[NodeWithScore]:
            return self.retrieve(QueryBundle(text), filters, top_k)

        if self._composer is None:
            return Search(retrieve(question))
        return cross_lingual_search(
            question,
            question_language(question),
            retrieve,
            translate=self._composer.translate,
            collection_language=self.settings.collection_language,
            top_k=top_k,
        )

    def _composed(
        self,
        timed: TimedQuestion,
        search: Search,
        on_text: Callable[[str], None] | None,
        timings: dict[str, float],
        filters: SearchFilters | None = None,
    ) -> tuple[Answer, list[NodeWithScore]]:
        """The answer from what the search found.

        `filters` are the asker's own: without the question's period, they find how recent the
        latest about it is when the period holds nothing.
        """
        started = time.perf_counter()
        question = timed.text
        language = question_language(question)
        nodes = self.relevant(question, search.nodes)
        if timed.latest:
            nodes = _newest_first(nodes)[: self.settings.top_k]
        sources = number_sources(nodes)
        if nodes:
            composition, backend, note = self._compose(question, sources, language, on_text)
        else:
            composition, backend, note = (
                Composition(self._nothing(timed, filters)),
                self.backend,
                "",
            )
        timings["compose"] = time.perf_counter() - started
        timings["total"] = sum(timings.values())
        citations = tuple(
            source.citation(QUOTE_SEPARATOR.join(composition.quotes[source.n]))
            for source in sources
            if source.n in composition.quotes
        )
        answer = Answer(
            composition.text,
            found=bool(nodes),
            citations=citations,
            language=language,
            backend=backend,
            question=timed.asked,
            period=range_label(timed.period.since, timed.period.until, language)
            if timed.period
            else "",
            rewrite=search.rewrite,
            note=note,
            timings=timings,
        )
        return answer, nodes

    def astream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
    ) -> AsyncIterator[str | Answer]:
        """The answer's text each time it grows, then the `Answer` itself.

        A question that is too long raises `QuestionTooLongError` here, before anything streams.
        """
        return self._stream(self._checked(question), history, filters)

    async def _stream(
        self, question: str, history: Sequence[Turn], filters: SearchFilters | None
    ) -> AsyncIterator[str | Answer]:
        loop = asyncio.get_running_loop()
        updates: asyncio.Queue[str] = asyncio.Queue()

        def on_text(text: str) -> None:
            loop.call_soon_threadsafe(updates.put_nowait, text)

        task = asyncio.ensure_future(
            asyncio.to_thread(self.ask, question, history, filters, on_text)
        )
        while not task.done() or not updates.empty():
            getter = asyncio.ensure_future(updates.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
            else:
                getter.cancel()
        yield task.result()

    def _checked(self, question: str) -> str:
        """The question without control characters; `QuestionTooLongError` past the limit."""
        question = strip_controls(question).strip()
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionTooLongError(len(question), limit, question_language(question[:limit]))
        return question

    def _standalone(self, question: str, history: Sequence[Turn]) -> str:
        # Names carried over from earlier turns, or a model's rewrite, never make the question
        # longer than one the engine would take.
        return self._rewritten(question, history)[: self.settings.max_question_chars]

    def _rewritten(self, question: str, history: Sequence[Turn]) -> str:
        if history and self._composer is not None:
            try:
                return self._composer.condense(question, history)
            except CompositionError:
                pass  # the rules below still make a usable question
        return standalone_question(question, history)

    def _compose(
        self,
        question: str,
        sources: list[NumberedSource],
        language: str,
        on_text: Callable[[str], None] | None,
    ) -> tuple[Composition, str, str]:
        if self._composer is None:
            return self._quotes(question, sources, language), Backend.EXTRACTIVE.value, ""
        try:
            return self._composer.write(question, sources, on_text), self._composer.name, ""
        except CompositionError as exc:
            fallback = self._quotes(question, sources, language)
            text = f"{FALLBACK[language].format(reason=exc)}\n{fallback.text}"
            return Composition(text, fallback.quotes), Backend.EXTRACTIVE.value, str(exc)

    def _quotes(self, question: str, sources: list[NumberedSource], language: str) -> Composition:
        """The extractive answer; headed by a line when it quotes another language than asked."""
        composition = self._extractive.compose(question, sources)
        other = quoted_in(
            language, [s.article.language for s in sources if s.n in composition.quotes]
        )
        if not other:
            return composition
        return Composition(f"{other}\n{composition.text}", composition.quotes)

    def _nothing(self, timed: TimedQuestion, filters: SearchFilters | None) -> str:
        """Nothing found: in the question's period, then how recent the latest about it is."""
        language = question_language(timed.text)
        if timed.period is None:
            return NOTHING_FOUND[language]
        period = range_label(timed.period.since, timed.period.until, language)
        text = NOTHING_IN_PERIOD[language].format(period=period, phrase=timed.period.phrase)
        # One search more, only when the period held nothing: the asker's own filters, any date.
        anytime = self.relevant(timed.text, self.retrieve(QueryBundle(timed.text), filters))
        days = [published_date(str(n.metadata.get("published", ""))) for n in anytime]
        latest = max((day for day in days if day), default=None)
        if latest is None:
            return text
        return f"{text} {LATEST_IS_FROM[language].format(day=day_label(latest, language))}"

    def _query(self, query_bundle: QueryBundle) -> Response:
        answer, nodes = self._answer(query_bundle.query_str, (), None, None)
        return Response(answer.text, source_nodes=nodes, metadata={"answer": answer})

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await asyncio.to_thread(self._query, query_bundle)

    def _get_prompt_modules(self) -> PromptMixinType:
        return {}


def _newest_first(nodes: list[NodeWithScore]) -> list[NodeWithScore]:
    """The nodes newest first, undated ones last, equally dated ones in their order."""

    def age(node: NodeWithScore) -> int:
        day = published_date(str(node.metadata.get("published", "")))
        return -day.toordinal() if day else 0

    return sorted(nodes, key=age)


def _composer(settings: EngineSettings) -> Composer | None:
    """The language-model backend the settings ask for; None for the extractive one."""
    if settings.backend == Backend.EXTRACTIVE:
        return None
    from ._generative import make_composer  # noqa: PLC0415 - only LLM backends need it

    return make_composer(settings)
