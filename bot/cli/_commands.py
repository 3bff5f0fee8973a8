"""The `kabar` command line: ingest and inspect the collection, search it, chat with it."""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from bot import evaluation
from bot.engine import (
    Answer,
    CompositionError,
    Engine,
    EngineSettings,
    QuestionTooLongError,
    Turn,
    published_label,
    reads_as_followup,
    same_question,
)
from bot.telegram_bot import BotSettings, BotState, Kabar, Vote, run_bot
from ingest import Ingestor, IngestSettings, JsonlFields, Summary, strip_controls
from store import Chunk, Mode, SearchFilters, Store, StoreError, StoreSettings

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
_SETTINGS: dict[str, type[BaseSettings]] = {
    settings.__name__: settings
    for settings in (StoreSettings, IngestSettings, EngineSettings, BotSettings)
}


class _Commands(TyperGroup):
    """The `kabar` commands; a setting that cannot be read ends one in a line saying why."""

    # Typer's Context is its own copy of click's, not exported: Any stands for it.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            settings = _SETTINGS.get(exc.title)
            if settings is None:
                raise
            err.print(f"error: {_setting_errors(settings, exc)}", markup=False, soft_wrap=True)
            raise typer.Exit(2) from None


def _setting_errors(settings: type[BaseSettings], exc: ValidationError) -> str:
    """Each variable that is wrong, its value and what is wrong with it, on one line."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else settings.__name__
        # Fields read through an alias report the variable itself.
        variable = name if name.isupper() else f"{prefix}{name}".upper()
        reason = error["msg"].removeprefix("Value error, ")
        problems.append(f"{variable}={error['input']}: {reason[:1].lower()}{reason[1:]}")
    return "; ".join(problems) + " (fix it in the environment or .env)"


app = typer.Typer(
    cls=_Commands, help="Kabar: questions answered from news articles, with citations."
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
# Titles and texts come from the web: whatever is printed of them goes through strip_controls,
# so that no escape sequence drives the terminal.
_C1_CONTROLS = re.compile("[\x7f-\x9f]")
# A progress bar only pays for itself past a handful of inputs.
_PROGRESS_FROM = 20
_INDOSUM = Path("../shared/data/corpus/indosum_articles.jsonl.gz")


def _open_store(check_model: bool = True, settings: StoreSettings | None = None) -> Store:
    try:
        return Store(settings, check_model=check_model)
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _print_json(data: object, indent: int | None = 2) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    # json escapes C0 control characters only; DEL and C1 (0x9b starts a CSI) are escaped too.
    out.out(_C1_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text), highlight=False)


@app.command()
def ingest(  # noqa: PLR0917 - typer maps options to parameters
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, globs, URLs, feeds, JSONL.")],
    jsonl: Annotated[bool, typer.Option(help="Read every INPUT as a JSONL corpus.")] = False,
    feed: Annotated[bool, typer.Option(help="Read every URL as an RSS/Atom feed.")] = False,
    text_field: Annotated[str, typer.Option(help="JSONL field with the text.")] = "text",
    title_field: Annotated[str, typer.Option(help="JSONL field with the title.")] = "title",
    id_field: Annotated[str, typer.Option(help="JSONL field with a stable id.")] = "id",
    url_field: Annotated[str, typer.Option(help="JSONL field with the URL.")] = "url",
    date_field: Annotated[str, typer.Option(help="JSONL field with the date.")] = "date",
    site_field: Annotated[str, typer.Option(help="JSONL field with the site.")] = "source",
) -> None:
    """Add articles; unchanged ones are skipped, changed ones replaced, copies recorded once."""
    fields = JsonlFields(text_field, title_field, id_field, url_field, date_field, site_field)
    ingestor = Ingestor(_open_store(), IngestSettings())
    items = ingestor.plan(inputs, fields if jsonl else None, feed)
    summary = Summary()
    with Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=len(items) < _PROGRESS_FROM or not err.is_terminal,
    ) as progress:
        task = progress.add_task("ingest", total=len(items))
        for result in ingestor.run(items):
            summary.add(result)
            progress.advance(task)
    for failure in summary.failures:
        line = strip_controls(f"failed: {failure.label}: {failure.error}")
        err.print(line, markup=False, soft_wrap=True)
    out.print(str(summary))
    if summary.failures:
        raise typer.Exit(1)


@app.command("list")
def list_articles(as_json: JsonFlag = False) -> None:
    """List the stored articles, newest first."""
    records = _open_store().articles()
    if as_json:
        _print_json([asdict(r) for r in records])
        return
    table = Table("id", "title", "site", "date", "lang", "chunks")
    for r in records:
        cells = (r.id, r.title[:60], r.site, r.published[:10], r.language, str(r.chunks))
        # Titles and sites come from the web: print them, never read them as markup.
        table.add_row(*(escape(strip_controls(cell)) for cell in cells))
    out.print(table)


@app.command()
def show(article_id: str, as_json: JsonFlag = False) -> None:
    """Show one article's record and text."""
    store = _open_store()
    try:
        record, text = store.get(article_id), store.text(article_id)
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        _print_json({**asdict(record), "text": text})
        return
    out.print(f"[bold]{escape(strip_controls(record.title))}[/bold]", markup=True)
    for name in ("id", "url", "site", "published", "language", "chunks", "also_at"):
        out.print(strip_controls(f"{name}: {getattr(record, name)}"), markup=False)
    out.print()
    out.print(strip_controls(text), markup=False)


@app.command()
def remove(article_id: str) -> None:
    """Remove an article and its chunks."""
    try:
        record = _open_store().remove(article_id)
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(strip_controls(f"removed {record.id}: {record.title}"), markup=False)


@app.command()
def stats(as_json: JsonFlag = False) -> None:
    """Count articles and chunks, by language and site."""
    result = _open_store().stats()
    if as_json:
        _print_json(asdict(result))
        return
    out.print(f"{result.articles} articles, {result.chunks} chunks in {result.location}")
    out.print(f"embedding model: {result.embed_model}")
    out.print("languages: " + ", ".join(f"{k} {v}" for k, v in sorted(result.languages.items())))
    out.print("sites: " + ", ".join(f"{k} {v}" for k, v in sorted(result.sites.items())))


@app.command()
def reindex() -> None:
    """Re-chunk and re-embed every article with the configured model and chunk size."""
    store = _open_store(check_model=False)
    with Progress(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("reindexing", total=store.count())
        count = store.reindex(lambda n: progress.advance(task, n))
    out.print(f"reindexed {count} articles with {store.settings.embed_model}")


SiteOption = Annotated[str | None, typer.Option(help="Only this site.")]
LanguageOption = Annotated[str | None, typer.Option(help="Only this language (id, en...).")]
SinceOption = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="From this date (YYYY-MM-DD).")
]
UntilOption = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Up to this date (YYYY-MM-DD).")
]


def _filters(
    site: str | None, language: str | None, since: datetime | None, until: datetime | None
) -> SearchFilters:
    return SearchFilters(
        site, language, since.date() if since else None, until.date() if until else None
    )


@app.command()
def search(
    text: str,
    k: Annotated[int, typer.Option("-k", min=1, help="How many chunks.")] = 5,
    *,
    mode: Annotated[Mode, typer.Option(help="vector, keyword (BM25) or hybrid.")] = Mode.HYBRID,
    site: SiteOption = None,
    language: LanguageOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the chunks retrieved for a text, with scores: the debugging view."""
    chunks = _open_store().search(text, k, mode, _filters(site, language, since, until))
    if as_json:
        _print_json([asdict(c) for c in chunks])
        return
    for rank, chunk in enumerate(chunks, start=1):
        _print_chunk(rank, chunk)


def _print_chunk(rank: int, chunk: Chunk) -> None:
    where = ", ".join(x for x in (chunk.site, chunk.published[:10], chunk.url) if x)
    title = escape(strip_controls(chunk.title))
    out.print(f"[bold][{rank}] {chunk.score:.3f} {title}[/bold]", markup=True)
    place = f"    {where} (article {chunk.article_id}, chunk {chunk.position})"
    out.print(strip_controls(place), markup=False)
    out.print(strip_controls(chunk.text), markup=False)
    out.print()


def _open_engine() -> Engine:
    try:
        return Engine(_open_store())
    except CompositionError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


# Typer reads help texts as rich markup, where "[n]" is a tag and vanishes: "\[" keeps it.
@app.command()
def ask(
    question: str,
    *,
    site: SiteOption = None,
    language: LanguageOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonFlag = False,
) -> None:
    r"""Answer a question from the articles, each claim citing its source \[n]."""
    try:
        answer = _open_engine().ask(question, filters=_filters(site, language, since, until))
    except QuestionTooLongError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        _print_json(answer.to_dict())
        return
    _print_answer(answer)


def _print_answer(answer: Answer, asked: str | None = None) -> None:
    """The answer, its numbered sources, and the question searched when it is not `asked`."""
    out.print(strip_controls(answer.text), markup=False)
    if answer.citations:
        out.print()
    for citation in answer.citations:
        day = published_label(citation.article.published, answer.language)
        where = ", ".join(x for x in (citation.article.site, day) if x)
        line = f"[{citation.n}] {citation.article.title} ({where}) {citation.article.url}".strip()
        out.print(strip_controls(line), markup=False)
    if asked is not None and not same_question(asked, answer.question):
        out.print(strip_controls(f"(searched for: {answer.question})"), markup=False)
    out.print()


@app.command()
def bot() -> None:
    """Run the Telegram bot over the same engine as `kabar ask` (needs TELEGRAM_BOT_TOKEN)."""
    settings = BotSettings()
    if settings.telegram_bot_token is None:
        err.print("error: TELEGRAM_BOT_TOKEN is not set; see .env.example", markup=False)
        raise typer.Exit(2)
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    # Every request URL holds the token: keep httpx's request log out of the output.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    run_bot(Kabar.create(_open_engine(), settings))


@app.command()
def feedback(as_json: JsonFlag = False) -> None:
    """List the votes people gave the bot's answers, newest first (--json: one per line)."""
    path = StoreSettings().data_dir / "bot.sqlite3"
    votes = _votes(path) if path.is_file() else []
    if as_json:
        for vote in votes:
            _print_json(_vote_data(vote), indent=None)
        return
    if not votes:
        out.print("No votes yet.")
    for vote in votes:
        data = _vote_data(vote)
        searched = f" (searched for: {vote.standalone})" if vote.standalone else ""
        cited = ", ".join(vote.article_ids) or "no article"
        line = (
            f"{data['time']}  {vote.vote:<4}  {vote.question}{searched}  [{cited}]  {vote.backend}"
        )
        out.print(strip_controls(line), markup=False, soft_wrap=True)


def _votes(path: Path) -> list[Vote]:
    state = BotState(path)
    try:
        return state.votes()
    finally:
        state.close()


def _vote_data(vote: Vote) -> dict[str, object]:
    """A vote as `kabar feedback --json` prints it."""
    return {
        "time": vote.at.isoformat(timespec="seconds"),
        "vote": vote.vote,
        "question": vote.question,
        "standalone": vote.standalone,
        "article_ids": list(vote.article_ids),
        "backend": vote.backend,
        "chat_id": vote.chat_id,
        "user_id": vote.user_id,
    }


@app.command()
def start() -> None:
    """The Telegram bot when TELEGRAM_BOT_TOKEN is configured, else the terminal chat."""
    if BotSettings().telegram_bot_token is None:
        chat()
    else:
        bot()


@app.command()
def chat() -> None:
    """Ask questions in the terminal, follow-ups included; an empty line or Ctrl-D quits."""
    engine = _open_engine()
    interactive = sys.stdin.isatty()
    if interactive:
        articles = engine.store.count()
        out.print(f"Kabar over {articles} articles. Ask a question (Ctrl-D quits).")
    history: list[Turn] = []
    while True:
        try:
            question = input("> " if interactive else "").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        try:
            # As in a private chat: only a message that reads as a follow-up leans on the last.
            answer = engine.ask(question, history if reads_as_followup(question) else [])
        except QuestionTooLongError as exc:
            out.print(str(exc), markup=False, soft_wrap=True)
            continue
        _print_answer(answer, asked=question)
        history = [*history[-2:], Turn(answer.question, answer.text)]


@app.command("eval")
def evaluate(
    dataset_file: Annotated[Path, typer.Argument(help="A QA set in one of the shared formats.")],
    *,
    distractors: Annotated[int, typer.Option(help="IndoSum articles added as distractors.")] = 0,
    corpus: Annotated[Path, typer.Option(help="Distractor corpus (JSONL).")] = _INDOSUM,
    modes: Annotated[list[Mode], typer.Option("--mode", help="Retrieval modes to score.")] = [  # noqa: B006
        Mode.VECTOR,
        Mode.KEYWORD,
        Mode.HYBRID,
    ],
    baseline: Annotated[
        evaluation.Baseline | None,
        typer.Option(help="naive: LlamaIndex's plain VectorStoreIndex retriever too."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Score only the first N questions.")] = 0,
    data_dir: Annotated[
        Path | None, typer.Option(help="Keep the evaluation store here to reuse it.")
    ] = None,
) -> None:
    """Score retrieval recall@1/3/5/10 and the extractive engine's answers, per mode.

    The set's passages and --distractors go into a store of its own (--data-dir keeps it). The
    answers count refusals of the set's unanswerable questions and of off-topic ones too.
    """
    started = time.perf_counter()
    dataset = _load_dataset(dataset_file)
    questions = dataset.questions[:limit] if limit else dataset.questions
    with tempfile.TemporaryDirectory() as scratch:
        store = _open_store(
            settings=StoreSettings(
                data_dir=data_dir or Path(scratch), chroma_host=None, collection="eval"
            )
        )
        filled = _fill_eval_store(store, dataset, corpus, distractors)
        _print_eval_header(dataset, questions, store, filled, distractors)
        with Progress(console=err, disable=not err.is_terminal) as progress:
            task = progress.add_task("asking", total=None)
            scores = evaluation.evaluate(
                store,
                questions,
                modes,
                by_passage=dataset.by_passage,
                off_topic=[q for texts in evaluation.OFF_TOPIC.values() for q in texts],
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        naive = (
            evaluation.naive_recall(store, questions, dataset.by_passage)
            if baseline is evaluation.Baseline.NAIVE
            else None
        )
    # The tables are wider than a pipe's default 80 columns.
    width = max(out.width, 120)
    out.print(_recall_table(scores, naive), width=width)
    out.print(_answer_table(scores, extractive=not dataset.by_passage), width=width)
    out.print(f"scored in {time.perf_counter() - started:.1f} s")


def _load_dataset(path: Path) -> evaluation.Dataset:
    try:
        return evaluation.load_dataset(path)
    except (OSError, ValueError) as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _fill_eval_store(
    store: Store, dataset: evaluation.Dataset, corpus: Path, distractors: int
) -> evaluation.Filled:
    articles = evaluation.passage_articles(dataset)
    try:
        articles += (
            evaluation.distractor_articles(store, corpus, distractors) if distractors else []
        )
    except OSError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    with Progress(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("filling the store", total=None)
        return evaluation.fill_store(
            store, articles, lambda done, total: progress.update(task, completed=done, total=total)
        )


def _print_eval_header(
    dataset: evaluation.Dataset,
    questions: list[evaluation.Question],
    store: Store,
    filled: evaluation.Filled,
    distractors: int,
) -> None:
    answerable = sum(q.answerable for q in questions)
    out.print(
        f"{dataset.name}: {answerable} answerable + {len(questions) - answerable} unanswerable"
        f" questions, {len(dataset.passages)} passages + {distractors} distractors,"
        f" {store.stats().chunks} chunks;"
        f" hit = {'gold passage' if dataset.by_passage else 'gold answer in chunk'}",
        soft_wrap=True,
    )
    out.print(
        f"store {store.settings.data_dir}: {filled.kept} articles reused,"
        f" {filled.added} added, {filled.removed} removed",
        markup=False,
        soft_wrap=True,
    )


def _recall_table(
    scores: dict[Mode, evaluation.ModeScores], naive: dict[int, float] | None
) -> Table:
    table = Table("retriever", *(f"R@{k}" for k in evaluation.KS), title="retrieval recall@k")
    recalls = {mode.value: score.recall for mode, score in scores.items()}
    for name, recall in (recalls | ({"naive": naive} if naive else {})).items():
        table.add_row(name, *(f"{recall[k]:.3f}" for k in evaluation.KS))
    return table


def _answer_table(scores: dict[Mode, evaluation.ModeScores], *, extractive: bool) -> Table:
    # The cross-lingual set's answers are translations, not spans: no EM or F1 there.
    table = Table(
        "retriever",
        "contained",
        "1st EM",
        "F1",
        "quote prec.",
        "refused",
        "unans. refused",
        "off-topic refused",
        title="extractive answers",
        caption_justify="left",
        caption="contained: a gold answer in the answer; 1st EM: in its first quoted sentence;"
        " F1: SQuAD token F1 with the best quoted sentence; quote prec.: share of quoted"
        " sentences holding a gold answer; refused: answered 'nothing found' (among answerable"
        " questions: lower is better; unanswerable and off-topic ones: higher is better)",
    )
    for mode, score in scores.items():
        answers = score.answers
        spans = (answers.exact, answers.f1, answers.quote_precision)
        exact, f1, precision = spans if extractive else (None, None, None)
        refusals = (answers.refused, answers.unanswerable_refused, answers.off_topic_refused)
        values = (answers.contained, exact, f1, precision, *refusals)
        table.add_row(mode.value, *("-" if v is None else f"{v:.3f}" for v in values))
    return table


def main() -> None:
    """Entry point of the `kabar` console script."""
    app()


if __name__ == "__main__":
    main()
