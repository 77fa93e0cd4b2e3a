"""The command line: search a board, rank a file of postings, serve the API, submit to it, run the fake board."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from jobmatch._options import (
    LocationOption,
    PagesOption,
    PostTimeOption,
    QueryArgument,
    SourceOption,
    WordScoreOption,
)
from jobmatch.config import Settings, get_settings
from jobmatch.models import ExecutionStatus, Match, SearchQuery, SearchReport

if TYPE_CHECKING:
    from rich.progress import Progress

    from jobmatch.api.client import JobscrapeClient
    from jobmatch.models import Execution
    from jobmatch.pipeline import Runner
    from jobmatch.store import Store

app = typer.Typer(
    help="jobmatch: find the job postings that fit your resume.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)
T = TypeVar("T")

# Names the user typed, for errors about the fields they became.
_OPTION_OF_FIELD = {
    "query": "QUERY",
    "location": "--location",
    "pages": "--pages",
    "post_time": "--post-time",
    "word_scores": "--word-score",
    "top_n": "--top",
    "company_blocklist": "--exclude-company",
    "title_blocklist": "--exclude-title",
    "sources": "--source",
}
_FORMATS = ("table", "html", "json", "csv")


# Exit codes: 0 the search is complete, 1 it failed, 2 the command was used wrongly, 3 it succeeded but is incomplete
# (postings that could not be fetched, pages or boards that could not be read: the report says which).
EXIT_INCOMPLETE = 3


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear line to stderr and exit non-zero."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _guard(action: Callable[[], T]) -> T:
    """Run `action`, turning the errors a user can cause into one line each."""
    from jobmatch.jobfiles import JobFileError
    from jobmatch.ranking import ResumeError

    try:
        return action()
    except ValidationError as exc:
        fail(_validation_message(exc))
    except (ResumeError, JobFileError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if getattr(exc, "filename", None) else str(exc))
    except ValueError as exc:
        fail(str(exc))


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "input"
        name = _OPTION_OF_FIELD.get(field, field)
        parts.append(
            f"{name}: {error['msg']}"
            + (f" (got {error['input']!r})" if "input" in error and not isinstance(error["input"], dict) else "")
        )
    return "; ".join(parts)


def _word_scores(values: list[str] | None) -> dict[str, float]:
    scores: dict[str, float] = {}
    for value in values or []:
        term, sep, weight = value.rpartition("=")
        try:
            if not sep or not term.strip():
                raise ValueError
            scores[term.strip()] = float(weight)
        except ValueError:
            fail(f"--word-score {value!r}: expected TERM=WEIGHT, e.g. phd=1.1")
    return scores


def _output_format(fmt: str | None, out: Path | None, default: str) -> str:
    chosen = (fmt or (out.suffix.lstrip(".") if out else default)).lower()
    if chosen not in _FORMATS or (out is not None and chosen == "table"):
        allowed = ", ".join(f for f in _FORMATS if out is None or f != "table")
        fail(f"--format: unknown format {chosen!r}; choose one of {allowed}")
    return chosen


def _emit(report: SearchReport, fmt: str, out: Path | None, *, matches_only: bool) -> None:
    from jobmatch.report import ReportFormat, render

    if fmt == "table":
        Console().print(_table(report.matches))
        return
    text = render(report, ReportFormat(fmt), matches_only=matches_only)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    err.print(f"Report written to {out}")


def _table(matches: list[Match]) -> Table:
    table = Table(title=f"Top {len(matches)} matches", show_lines=False)
    for name, style in (
        ("#", "dim"),
        ("Score", "bold"),
        ("Raw", "dim"),
        ("Title", ""),
        ("Company", ""),
        ("Location", "dim"),
        ("Posted", "dim"),
        ("Keywords", "green"),
    ):
        table.add_column(name, style=style or None, overflow="fold")
    for m in matches:
        weights = " ".join(f"{t}×{w:g}" for t, w in m.fired_weights.items())
        table.add_row(
            str(m.rank),
            f"{m.score:.3f}",
            f"{m.raw_score:.3f}",
            m.title + (" (closed)" if m.closed else ""),
            m.company,
            m.location,
            str(m.posted_at or ""),
            ", ".join(m.matched_keywords[:6]) + (f" [{weights}]" if weights else ""),
        )
    return table


@app.command()
def search(
    query: QueryArgument,
    location: LocationOption = "",
    pages: PagesOption = 1,
    post_time: PostTimeOption = 1,
    resume: Annotated[
        Path | None, typer.Option(help="Your resume: PDF, DOCX or text. Without it, ranks against the query.")
    ] = None,
    word_score: WordScoreOption = None,
    source: SourceOption = None,
    top: Annotated[int | None, typer.Option(help="How many matches to keep.")] = None,
    exclude_company: Annotated[
        list[str] | None, typer.Option(help="Drop postings of companies containing this; repeatable.")
    ] = None,
    exclude_title: Annotated[
        list[str] | None, typer.Option(help="Drop postings whose title contains this; repeatable.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the report here.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="html, json or csv (default: by --out's suffix, else a table).")
    ] = None,
) -> None:
    """Search job boards (LinkedIn's public listings by default, company boards with --source), fetch every posting,
    and rank them against your resume."""
    settings = _settings()
    chosen = _output_format(fmt, out, "table")
    search_query = _search_query(
        settings, query, location, pages, post_time, word_score, top, exclude_company, exclude_title, source
    )
    resume_text = _guard(lambda: _read_resume(resume)) if resume else None

    from jobmatch.models import Execution
    from jobmatch.pipeline import load_report, make_runner, resolve_watchlist
    from jobmatch.store import LOCAL_OWNER, open_store

    store = open_store(settings)
    search_query = _guard(lambda: resolve_watchlist(search_query, store, LOCAL_OWNER))
    resume_id = None
    if resume is not None and resume_text is not None:
        from jobmatch.store import keep_resume

        resume_id = keep_resume(store, resume_text, filename=resume.name, size=resume.stat().st_size).id
    # Inline: the embedded engine runs here (with a ranking bar); another engine runs it and this process follows.
    runner = make_runner(settings, store, inline=True)
    execution = asyncio.run(_run_with_progress(runner, store, Execution(query=search_query, resume_id=resume_id)))
    report = load_report(store, execution.id)
    assert report is not None
    if execution.status is not ExecutionStatus.SUCCEEDED:
        fail(f"search {execution.status.value.lower().replace('_', ' ')}: {execution.error}", code=1)
    counts = report.counts
    assert counts is not None
    err.print(
        f"Listed {counts.listed}: fetched {counts.fetched}, cached {counts.cached}, failed {counts.failed}"
        f" (closed {counts.closed}, filtered {counts.filtered}; {counts.retries} request(s) retried)."
        f" Execution {execution.id}.",
        highlight=False,
    )
    _print_by_source({name: tally.model_dump() for name, tally in report.by_source.items()})
    for note in report.notes:
        err.print(f"note: {note}", highlight=False)
    if chosen != "table":
        err.print(_table(report.matches))
    _emit(report, chosen, out, matches_only=False)
    _exit_if_incomplete(report.outcome.shortfalls if report.outcome else [])


def _search_query(
    settings: Settings,
    query: str,
    location: str,
    pages: int,
    post_time: float,
    word_score: list[str] | None,
    top: int | None,
    exclude_company: list[str] | None,
    exclude_title: list[str] | None,
    source: list[str] | None,
) -> SearchQuery:
    """The search the shared options describe (`search`, `submit`), or one clear error line naming the option."""
    return _guard(
        lambda: SearchQuery(
            query=query,
            location=location,
            pages=pages,
            post_time=post_time,
            word_scores=_word_scores(word_score),
            top_n=top or settings.top_n,
            company_blocklist=exclude_company or [],
            title_blocklist=exclude_title or [],
            sources=source or ["linkedin"],
        )
    )


def _progress() -> Progress:
    """A search's progress bars, on stderr (rich's progress module loads only for a search)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err,
    )


async def _run_with_progress(runner: Runner, store: Store, execution: Execution) -> Execution:
    query = execution.query
    with _progress() as progress:
        pages = progress.add_task("Search pages", total=query.search_pages, detail="", visible=bool(query.search_pages))
        postings = progress.add_task("Postings", total=None, detail="")
        ranking = progress.add_task("Ranking", total=None, detail="", visible=False)

        def rank_progress(done: int, total: int) -> None:
            progress.update(ranking, completed=done, total=total, visible=True)

        def refresh() -> None:
            current = store.get_execution(execution.id)
            if current is None:
                return
            c = current.counts
            progress.update(pages, completed=c.pages, total=max(query.search_pages, c.pages))
            progress.update(
                postings,
                completed=c.settled,
                total=c.listed or None,
                detail=f"fetched {c.fetched} · cached {c.cached} · failed {c.failed} · retries {c.retries}",
            )

        async def poll() -> None:
            while True:
                refresh()
                await asyncio.sleep(0.25)

        poller = asyncio.create_task(poll())
        try:
            ended = await runner.run(execution, rank_progress=rank_progress)
        finally:
            poller.cancel()
        refresh()
        if ended.counts.pages < query.search_pages:
            progress.update(pages, total=ended.counts.pages or 1, completed=ended.counts.pages)
    return ended


def _read_resume(path: Path) -> str:
    from jobmatch.ranking import read_resume

    return read_resume(path)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        fail("settings: " + "; ".join(f"JOBMATCH_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors()))


@app.command()
def rank(
    resume: Annotated[Path, typer.Option(help="Your resume: PDF, DOCX or text.")],
    jobs: Annotated[Path, typer.Option(help="Postings: .jsonl, .json or .csv (JobSpy's CSV works).")],
    top: Annotated[int | None, typer.Option(help="How many matches to keep.")] = None,
    word_score: Annotated[list[str] | None, typer.Option("--word-score", help="TERM=WEIGHT, repeatable.")] = None,
    exclude_company: Annotated[
        list[str] | None, typer.Option(help="Drop postings of companies containing this.")
    ] = None,
    exclude_title: Annotated[list[str] | None, typer.Option(help="Drop postings whose title contains this.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the result here.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="table, json, csv or html.")] = None,
) -> None:
    """Rank postings you already have against your resume."""
    from jobmatch.jobfiles import load_postings

    settings = _settings()
    chosen = _output_format(fmt, out, "table")
    scores = _word_scores(word_score)
    _guard(lambda: SearchQuery(query="rank", word_scores=scores, top_n=top or settings.top_n))
    resume_text = _guard(lambda: _read_resume(resume))
    postings = _guard(lambda: load_postings(jobs))

    from jobmatch.ranking import Ranker
    from jobmatch.store import open_store

    store = open_store(settings)
    ranking = Ranker(settings, cache=store).rank(
        resume_text,
        postings,
        word_scores=scores,
        top_n=top or settings.top_n,
        company_blocklist=exclude_company or [],
        title_blocklist=exclude_title or [],
    )
    _emit(SearchReport(matches=ranking.matches), chosen, out, matches_only=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API and the web page."""
    import uvicorn

    _settings()
    uvicorn.run("jobmatch.api.app:create_app", factory=True, host=host, port=port, log_level="info")


@app.command()
def board(
    host: Annotated[str, typer.Option(help="Address to listen on (keep it on loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    jobs: Annotated[
        Path | None, typer.Option(help="Serve these postings (.json, .jsonl, .csv) instead of generated ones.")
    ] = None,
    count: Annotated[int, typer.Option(help="How many postings to generate.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the generated postings and faults.")] = 0,
    latency: Annotated[float, typer.Option(help="Seconds added to every response.")] = 0.0,
    jitter: Annotated[float, typer.Option(help="Up to this many seconds more or less.")] = 0.0,
    fault_rate: Annotated[float, typer.Option(help="Share of postings that fault on their first fetch (0-1).")] = 0.0,
    repeat_cards: Annotated[int, typer.Option(help="Cards of one page repeated on the next.")] = 0,
    rate_limit: Annotated[float | None, typer.Option(help="Requests a second per client before 429.")] = None,
    block: Annotated[str | None, typer.Option(help="Answer everything as blocked: 999, authwall or signup.")] = None,
    board_jobs: Annotated[
        int, typer.Option(help="Jobs on each Greenhouse, Lever and Ashby board (any name exists but missing*).")
    ] = 40,
    unlisted_rate: Annotated[float, typer.Option(help="Share of Ashby jobs that are unlisted (0-1).")] = 0.1,
) -> None:
    """Run the fake job boards on loopback, to try jobmatch offline: LinkedIn's guest pages and the Greenhouse,
    Lever and Ashby APIs at one URL (point JOBMATCH_LINKEDIN_URL, _GREENHOUSE_URL, _LEVER_URL, _ASHBY_URL at it)."""
    from jobmatch.testing.board import BoardConfig
    from jobmatch.testing.board import serve as serve_board

    config = _guard(
        lambda: BoardConfig(
            seed=seed,
            latency=latency,
            jitter=jitter,
            fault_rate=fault_rate,
            repeat_cards=repeat_cards,
            rate_limit=rate_limit,
            block=block,
            board_jobs=board_jobs,
            unlisted_rate=unlisted_rate,
        )
    )
    _guard(lambda: serve_board(host, port, config, jobs, count))


apikey_app = typer.Typer(help="API keys of the HTTP service.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. laptop.")],
    max_running: Annotated[
        int | None,
        typer.Option(
            "--max-running",
            min=0,
            help="Searches it may run at once (0 = no limit; default: JOBMATCH_API_MAX_RUNNING_PER_KEY).",
        ),
    ] = None,
) -> None:
    """Create an API key; prints it once, as the last line (only its hash is stored)."""
    from jobmatch.apikeys import create_api_key
    from jobmatch.store import open_store

    if not name.strip():
        fail("--name: must not be blank")
    store = open_store(_settings())
    try:
        key, raw = create_api_key(store, name.strip(), max_running)
    finally:
        store.close()
    err.print(
        f"Created API key {key.id} ({key.name}). It is shown only now; send it as the x-api-key header.",
        highlight=False,
    )
    print(raw, flush=True)


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `jobmatch apikey list` shows it.")],
    erase: Annotated[
        bool, typer.Option("--erase", help="Also delete every search, result and resume of the key first.")
    ] = False,
) -> None:
    """Revoke an API key: it works nowhere from then on (servers trust a looked-up key for a few seconds)."""
    from jobmatch.api.service import SearchService
    from jobmatch.pipeline import make_runner
    from jobmatch.store import open_store

    settings = _settings()
    store = open_store(settings)
    try:
        key = next((key for key in store.list_api_keys() if key.id == key_id), None)
        if key is None:
            fail(f"KEY_ID: no API key {key_id!r}; `jobmatch apikey list` shows them")
        SearchService(settings, store, make_runner(settings, store, inline=True)).revoke_key(key, erase=erase)
    finally:
        store.close()
    err.print(f"Revoked API key {key_id}" + (" and erased its data." if erase else "."), highlight=False)


@apikey_app.command("list")
def apikey_list() -> None:
    """List the API keys (names and prefixes; the keys themselves are not stored)."""
    from jobmatch.store import open_store

    store = open_store(_settings())
    try:
        keys = store.list_api_keys()
    finally:
        store.close()
    table = Table(title=f"{len(keys)} API key(s)")
    for column in ("Id", "Name", "Key starts", "Max running", "Created"):
        table.add_column(column)
    for key in keys:
        limit = "setting" if key.max_running is None else str(key.max_running or "no limit")
        table.add_row(key.id, key.name, key.prefix + "…", limit, key.created_at.strftime("%Y-%m-%d %H:%M"))
    Console().print(table)


@app.command()
def submit(
    query: QueryArgument,
    location: LocationOption = "",
    pages: PagesOption = 1,
    post_time: PostTimeOption = 1,
    word_score: WordScoreOption = None,
    source: SourceOption = None,
    top: Annotated[int | None, typer.Option(help="How many matches to keep (jobmatch APIs only).")] = None,
    exclude_company: Annotated[
        list[str] | None, typer.Option(help="Drop companies containing this (jobmatch APIs only).")
    ] = None,
    exclude_title: Annotated[
        list[str] | None, typer.Option(help="Drop titles containing this (jobmatch APIs only).")
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Upload this resume first (jobmatch APIs only); else the API's own choice.")
    ] = None,
    api: Annotated[str | None, typer.Option(help="The API's base URL (default: JOBMATCH_API_URL).")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", help="Your key (default: JOBMATCH_API_KEY).")] = None,
    out: Annotated[Path | None, typer.Option(help="Save the HTML report here (default: jobmatch-<id>.html).")] = None,
    open_report: Annotated[bool, typer.Option("--open", help="Open the report in the browser.")] = False,
) -> None:
    """Submit a search to a jobmatch API (local, Celery-backed or on AWS), poll it with a progress bar, save the
    report."""
    from jobmatch.api.client import ClientError, JobscrapeClient

    settings = _settings()
    base_url, key = api or settings.api_url, api_key or settings.api_key
    if not key:
        fail("--api-key: required (or set JOBMATCH_API_KEY); `jobmatch apikey create --name NAME` prints one")
    search_query = _search_query(
        settings, query, location, pages, post_time, word_score, top, exclude_company, exclude_title, source
    )
    # The original API's five fields always; the rest only when asked for, so an API that lacks them still works.
    body: dict[str, object] = search_query.model_dump(
        include={"query", "location", "pages", "post_time", "word_scores"}
    )
    if top is not None:
        body["top_n"] = top
    if exclude_company:
        body["company_blocklist"] = exclude_company
    if exclude_title:
        body["title_blocklist"] = exclude_title
    if source:  # the watchlist is the key's, so the API resolves it
        body["sources"] = search_query.sources
    try:
        with JobscrapeClient(base_url, key) as client:
            if resume is not None:
                body["resume_id"] = client.upload_resume(resume)
            started = client.submit(body)
            arn = started["executionArn"]
            err.print(f"Submitted to {base_url}: {arn}", highlight=False)
            answer = _poll_with_progress(client, arn, search_query.search_pages, settings.api_poll_interval)
    except ClientError as exc:
        fail(str(exc), code=1)
    _save_submitted_report(answer, started, out, open_report)


def _poll_with_progress(client: JobscrapeClient, arn: str, pages: int, interval: float) -> dict:
    with _progress() as progress:
        pages_task = progress.add_task("Search pages", total=pages, detail="")
        postings_task = progress.add_task("Postings", total=None, detail="")

        def show(answer: dict) -> None:
            counts = answer.get("progress") or {}
            if not isinstance(counts, dict):
                return  # an API without live counters: the bars just wait
            done = int(counts.get("settled") or 0)
            progress.update(pages_task, completed=int(counts.get("pages") or 0))
            progress.update(
                postings_task,
                completed=done,
                total=int(counts.get("listed") or 0) or None,
                detail=" · ".join(
                    f"{name} {counts.get(name, 0)}" for name in ("fetched", "cached", "failed", "retries")
                ),
            )

        return client.wait(arn, interval=interval, on_progress=show)


def _save_submitted_report(answer: dict, started: dict, out: Path | None, open_report: bool) -> None:
    import webbrowser

    from jobmatch.api.client import report_html

    status = answer.get("status")
    if status != ExecutionStatus.SUCCEEDED.value:
        fail(f"search {str(status).lower().replace('_', ' ')}: {answer.get('error') or 'no reason given'}", code=1)
    html = report_html(answer)
    if html is None:
        fail("the search succeeded but its answer has no report at output.Payload.body", code=1)
    progress = answer.get("progress")
    if isinstance(progress, dict) and isinstance(progress.get("by_source"), dict):
        _print_by_source(progress["by_source"])
    output = answer.get("output")
    if isinstance(output, dict) and isinstance(output.get("matches"), list):
        matches = [Match.model_validate(match) for match in output["matches"]]
        err.print(_table(matches))
        err.print(f"Ranked against the {output.get('ranked_against', 'resume')}.", highlight=False)
    path = out or Path(f"jobmatch-{started.get('request_id') or 'report'}.html")
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    err.print(f"Report written to {path}", highlight=False)
    if open_report:
        webbrowser.open(path.resolve().as_uri())
    outcome = answer.get("outcome")
    if isinstance(outcome, dict) and outcome.get("complete") is False:
        _exit_if_incomplete([str(line) for line in outcome.get("shortfalls") or ["the API says so"]])


def _print_by_source(by_source: dict[str, dict[str, int]]) -> None:
    """Each source's postings, when the search read more than one."""
    if len(by_source) < 2:
        return
    for name, tally in by_source.items():
        err.print(
            f"  {name}: listed {tally.get('listed', 0)}, fetched {tally.get('fetched', 0)},"
            f" cached {tally.get('cached', 0)}, failed {tally.get('failed', 0)}",
            highlight=False,
        )


def _exit_if_incomplete(shortfalls: list[str]) -> None:
    """A search that succeeded but missed part of what it asked for ends with exit code 3, after its report."""
    if not shortfalls:
        return
    for line in shortfalls:
        err.print(f"[bold yellow]incomplete:[/] {line}", highlight=False)
    raise typer.Exit(EXIT_INCOMPLETE)


boards_app = typer.Typer(
    help=(
        "Your watchlist: company boards a search reads with --source watchlist. Without --api/--api-key it is the "
        "command line's own (what `jobmatch search` reads); with them, your API key's (what `jobmatch submit` reads)."
    ),
    no_args_is_help=True,
)
app.add_typer(boards_app, name="boards")
BoardArgument = Annotated[
    str, typer.Argument(help="greenhouse:<board>, lever:<site>, lever:eu:<site> or ashby:<board>.")
]
ApiOption = Annotated[str | None, typer.Option(help="Keep the watchlist of an API key at this API (its base URL).")]
ApiKeyOption = Annotated[
    str | None, typer.Option("--api-key", help="The key whose watchlist it is (default: JOBMATCH_API_KEY).")
]


@boards_app.command("add")
def boards_add(source: BoardArgument, api: ApiOption = None, api_key: ApiKeyOption = None) -> None:
    """Put a company board on the watchlist."""
    if api or api_key:
        with _api_client(api, api_key) as client:
            board = _remote(lambda: client.watch(source))
        name = str(board.get("source", source))
    else:
        from jobmatch.store import watch

        with _local_store() as store:
            watched, added = _guard(lambda: watch(store, _local_owner(), source))
        name = watched.source
        if not added:
            err.print(f"{name} was on the watchlist already.", highlight=False)
            return
    err.print(f"Added {name} to the watchlist.", highlight=False)


@boards_app.command("remove")
def boards_remove(source: BoardArgument, api: ApiOption = None, api_key: ApiKeyOption = None) -> None:
    """Take a board off the watchlist."""
    if api or api_key:
        with _api_client(api, api_key) as client:
            _remote(lambda: client.unwatch(source))
    else:
        from jobmatch.store import unwatch

        with _local_store() as store:
            if not unwatch(store, _local_owner(), source):
                fail(f"{source} is not on the watchlist")
    err.print(f"Removed {source} from the watchlist.", highlight=False)


@boards_app.command("list")
def boards_list(api: ApiOption = None, api_key: ApiKeyOption = None) -> None:
    """Print the watchlist, one board a line, in the order they were added."""
    if api or api_key:
        with _api_client(api, api_key) as client:
            names = [str(board.get("source")) for board in _remote(client.boards)]
    else:
        with _local_store() as store:
            names = [board.source for board in store.watchlist(_local_owner())]
    if not names:
        err.print("The watchlist is empty; add a board with `jobmatch boards add greenhouse:<board>`.")
    for name in names:
        print(name)


def _local_owner() -> str:
    from jobmatch.store import LOCAL_OWNER

    return LOCAL_OWNER


@contextmanager
def _local_store() -> Iterator[Store]:
    from jobmatch.store import open_store

    store = open_store(_settings())
    try:
        yield store
    finally:
        store.close()


def _api_client(api: str | None, api_key: str | None) -> JobscrapeClient:
    from jobmatch.api.client import JobscrapeClient

    settings = _settings()
    key = api_key or settings.api_key
    if not key:
        fail("--api-key: required (or set JOBMATCH_API_KEY); `jobmatch apikey create --name NAME` prints one")
    return JobscrapeClient(api or settings.api_url, key)


def _remote(action: Callable[[], T]) -> T:
    from jobmatch.api.client import ClientError

    try:
        return action()
    except ClientError as exc:
        fail(str(exc), code=1)


aws_app = typer.Typer(help="The serverless deployment on AWS (deploy/aws).", no_args_is_help=True)
app.add_typer(aws_app, name="aws")


@aws_app.command("asl")
def aws_asl() -> None:
    """Print the Step Functions definition generated from these settings (deploy/aws/statemachine.asl.json)."""
    from jobmatch.aws.asl import render as render_asl

    sys.stdout.write(render_asl(_guard(Settings)))


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Task processes (default: JOBMATCH_WORKER_CONCURRENCY).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery's log level.")] = "INFO",
    name: Annotated[str | None, typer.Option(help="Node name, e.g. w1@%h (default: celery@HOSTNAME).")] = None,
) -> None:
    """Run a Celery worker of the scaled-out engine (JOBMATCH_BROKER_URL, JOBMATCH_DATABASE_URL); scale by running
    more."""
    settings = _settings()
    if settings.database_url.startswith("sqlite"):
        err.print("warning: workers on several hosts need a shared database; set JOBMATCH_DATABASE_URL to PostgreSQL")
    from jobmatch.pipeline.celery import app as celery_app

    celery_app.worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
            *(["-n", name] if name else []),
        ]
    )


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Alembic revision to migrate to.")] = "head",
) -> None:
    """Bring the database (JOBMATCH_DATABASE_URL) to the schema of this version, with Alembic."""
    settings = _settings()
    from jobmatch.store.migrations import upgrade

    _guard(lambda: upgrade(settings.database_url, revision))
    err.print(f"Database migrated to {revision}.")


from jobmatch import cli_watch  # noqa: E402 - it builds on the helpers above

cli_watch.register(sys.modules[__name__])


def main() -> None:
    app()


if __name__ == "__main__":
    main()
