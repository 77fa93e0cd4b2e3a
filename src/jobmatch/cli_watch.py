"""`jobmatch watch ...` and `jobmatch mark ...`: watches on this machine's store.

The commands work on the store directly (JOBMATCH_DATABASE_URL), like `jobmatch search`, not through the API: a
watch run is a search this process runs (or, with JOBMATCH_ENGINE=celery, submits and follows). Watches made here
belong to the command line (owner `local`); `--key-id` acts on an API key's watches instead, for whoever can open
the database. `jobmatch serve` on the same database runs the due ones of every owner.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from jobmatch._options import LocationOption, PagesOption, PostTimeOption, SourceOption, WordScoreOption
from jobmatch.config import Settings
from jobmatch.models import PostingState, SearchQuery
from jobmatch.store import LOCAL_OWNER

if TYPE_CHECKING:
    from types import ModuleType

    from jobmatch.models import Watch, WatchRun
    from jobmatch.store import Store
    from jobmatch.watches import RunView, Watches

T = TypeVar("T")
watch_app = typer.Typer(help="Saved searches that run on a schedule and tell you what is new.", no_args_is_help=True)
KeyIdOption = Annotated[
    str, typer.Option("--key-id", help="Act on this API key's watches (default: the command line's own).")
]
_LINKEDIN_VIEW = re.compile(r"/jobs/view/(?:[^/?#]*-)?(\d+)")


err = Console(stderr=True)
# The main command line's module (its error and settings helpers); set by `register`.
_cli: ModuleType


def register(cli: ModuleType) -> None:
    """Add `watch` and `mark` to the main command line, `cli` (jobmatch.cli, also when run as __main__)."""
    global _cli
    _cli = cli
    cli.app.add_typer(watch_app, name="watch")
    cli.app.command("mark")(mark)


def fail(message: str, code: int = 2) -> NoReturn:
    _cli.fail(message, code)
    raise AssertionError("unreachable: fail exits")


def _guard(action: Callable[[], T]) -> T:
    return _cli._guard(action)


def _settings() -> Settings:
    return _cli._settings()


def _word_scores(values: list[str] | None) -> dict[str, float]:
    return _cli._word_scores(values)


def _read_resume(path: Path) -> str:
    return _cli._read_resume(path)


def _watches() -> tuple[Watches, Store]:
    from jobmatch.pipeline import make_runner
    from jobmatch.store import open_store
    from jobmatch.watches import Watches

    settings = _settings()
    store = open_store(settings)
    return Watches(settings, store, make_runner(settings, store, inline=True)), store


def _errors(action: Callable[[], T]) -> T:
    from jobmatch.watches import WatchError, WatchNotFound

    try:
        return _guard(action)
    except (WatchError, WatchNotFound) as exc:
        fail(str(exc))


@watch_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for the watch, unique among yours.")],
    query: Annotated[str, typer.Option(help="Job title or keywords.")],
    location: LocationOption = "",
    pages: PagesOption = 1,
    post_time: PostTimeOption = 1,
    resume: Annotated[Path | None, typer.Option(help="Rank against this resume (PDF, DOCX or text).")] = None,
    word_score: WordScoreOption = None,
    top: Annotated[int | None, typer.Option(help="How many matches each run keeps.")] = None,
    every: Annotated[str | None, typer.Option(help="Run every interval: 12h, 1d, 1w.")] = None,
    cron: Annotated[
        str | None, typer.Option(help="Or at the times of a cron expression (UTC), e.g. '0 7 * * *'.")
    ] = None,
    min_score: Annotated[float, typer.Option(help="Matches below this score are never reported as new.")] = 0.0,
    notify: Annotated[
        list[str] | None, typer.Option(metavar="URL", help="An apprise URL to tell (mailto://, ntfy://, json://...).")
    ] = None,
    source: SourceOption = None,
    key_id: KeyIdOption = LOCAL_OWNER,
) -> None:
    """Save a search that runs on a schedule (first at once for --every, at the next time for --cron)."""
    from jobmatch.watches import WatchSpec

    if (every is None) == (cron is None):
        fail("--every / --cron: give exactly one, e.g. --every 1d or --cron '0 7 * * *'")
    settings = _settings()
    values: dict[str, object] = dict(
        query=query,
        location=location,
        pages=pages,
        post_time=post_time,
        word_scores=_word_scores(word_score),
        top_n=top or settings.top_n,
    )
    if source:
        values["sources"] = source
    search = _guard(lambda: SearchQuery.model_validate(values))
    watches, store = _watches()
    resume_id = _keep_resume(store, resume, key_id) if resume else None
    spec = _guard(
        lambda: WatchSpec(
            name=name,
            search=search,
            resume_id=resume_id,
            schedule=every or cron or "",
            min_score=min_score,
            notify=notify or [],
        )
    )
    watch = _errors(lambda: watches.create(key_id, spec))
    err.print(f"Watch {watch.name!r} saved ({watch.id}); next run {watch.next_run_at:%Y-%m-%d %H:%M} UTC.")


@watch_app.command("list")
def list_watches(key_id: KeyIdOption = LOCAL_OWNER) -> None:
    """Your watches, with their schedules and last runs."""
    watches, _ = _watches()
    table = Table(title="Watches")
    for column in ("Name", "Search", "Schedule", "Min score", "Next run (UTC)", "Last run", "New"):
        table.add_column(column)
    for watch in watches.list_watches(key_id):
        runs = watches.runs(key_id, watch.id, limit=1)
        last = runs[0].run if runs else None
        table.add_row(
            watch.name,
            _describe(watch),
            watch.schedule,
            f"{watch.min_score:g}",
            f"{watch.next_run_at:%Y-%m-%d %H:%M}",
            f"{last.started_at:%Y-%m-%d %H:%M}" if last else "never",
            str(last.new_count) if last and last.new_count is not None else "",
        )
    Console().print(table)


@watch_app.command("show")
def show(name: str, key_id: KeyIdOption = LOCAL_OWNER) -> None:
    """A watch's settings and its recent runs."""
    watches, _ = _watches()
    watch = _errors(lambda: watches.by_name(key_id, name))
    console = Console()
    console.print(f"[bold]{watch.name}[/] ({watch.id})", highlight=False)
    console.print(
        f"search: {_describe(watch)}; schedule {watch.schedule}; min score {watch.min_score:g}", highlight=False
    )
    console.print(f"next run: {watch.next_run_at:%Y-%m-%d %H:%M} UTC; notify: {len(watch.notify)} channel(s)")
    console.print(
        f"feed: {watches.public_url}/v1/watches/{watch.id}/feed.atom?token={watch.feed_token}", highlight=False
    )
    table = Table(title="Runs")
    for column in ("Started (UTC)", "Status", "New", "Notification"):
        table.add_column(column)
    for view in watches.runs(key_id, watch.id):
        run = view.run
        note = run.notify_status.value + (f": {run.notify_error}" if run.notify_error else "")
        table.add_row(
            f"{run.started_at:%Y-%m-%d %H:%M}",
            view.status.value if view.status else "not started",
            "" if run.new_count is None else str(run.new_count),
            note,
        )
    console.print(table)


@watch_app.command("remove")
def remove(name: str, key_id: KeyIdOption = LOCAL_OWNER) -> None:
    """Delete a watch, its runs and what it reported."""
    watches, _ = _watches()
    watch = _errors(lambda: watches.by_name(key_id, name))
    watches.delete(key_id, watch.id)
    err.print(f"Watch {watch.name!r} removed.")


@watch_app.command("run")
def run(
    name: Annotated[str | None, typer.Argument(help="The watch to run now.")] = None,
    due: Annotated[bool, typer.Option("--due", help="Run every watch that is due (for system cron).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    key_id: KeyIdOption = LOCAL_OWNER,
) -> None:
    """Run a watch now, wait, and print its matches with the new ones marked; or, with --due, every due watch."""
    if (name is None) == (not due):
        fail("NAME / --due: give a watch's name, or --due to run every due watch")
    if fmt not in ("table", "json"):
        fail(f"--format: unknown format {fmt!r}; choose table or json")
    watches, store = _watches()
    if due:
        views = asyncio.run(_run_due(watches, store))
        err.print(f"{len(views)} due watch run(s) done.")
        if fmt == "json":
            sys.stdout.write("[" + ",".join(view.model_dump_json() for view in views) + "]\n")
            return
        for view in views:
            _print_run(view, fmt)
        return
    assert name is not None
    watch = _errors(lambda: watches.by_name(key_id, name))
    view = asyncio.run(_run_one(watches, store, watch))
    _print_run(view, fmt)
    if view.status is not None and view.status.value != "SUCCEEDED":
        fail(f"run {view.status.value.lower().replace('_', ' ')}: {view.error}", code=1)


async def _follow_and_report(watches: Watches, store: Store, runs: list[WatchRun]) -> list[RunView]:
    from jobmatch.pipeline import follow

    settings = watches.settings
    for started in runs:
        await follow(watches.runner, store, started.execution_id, within=settings.execution_timeout)
    await asyncio.to_thread(watches.report_ended)
    views = []
    for started in runs:
        watch = store.get_watch(started.watch_id)
        if watch is not None:
            views.append(watches.run_view(watch.owner, watch.id, started.id))
    return views


async def _run_one(watches: Watches, store: Store, watch: Watch) -> RunView:
    started = watches.run_now(watch.owner, watch.id)
    err.print(f"Running {watch.name!r}: search {started.execution_id}", highlight=False)
    (view,) = await _follow_and_report(watches, store, [started])
    return view


async def _run_due(watches: Watches, store: Store) -> list[RunView]:
    done = watches.sweep()
    return await _follow_and_report(watches, store, done.started)


def _print_run(view: RunView, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(view.model_dump_json(indent=2) + "\n")
        return
    matches = view.matches or []
    new = sum(1 for m in matches if m.new)
    table = Table(title=f"{new} new, {len(matches) - new} seen before and still open")
    for column in ("", "Score", "Title", "Company", "Location", "Status", "Link"):
        table.add_column(column, overflow="fold")
    for m in matches:
        table.add_row(
            "new" if m.new else "",
            f"{m.score:.3f}",
            m.title,
            m.company,
            m.location,
            m.status.value if m.status else "",
            m.url,
        )
    Console().print(table)
    run = view.run
    if run.notify_status.value != "none":
        err.print(f"notification: {run.notify_status.value}" + (f" ({run.notify_error})" if run.notify_error else ""))


def mark(
    status: Annotated[PostingState, typer.Argument(help="applied, dismissed or saved.")],
    posting: Annotated[str, typer.Argument(help="The posting's URL, `source:job_id`, or a LinkedIn job id.")],
    key_id: KeyIdOption = LOCAL_OWNER,
) -> None:
    """Mark a posting: dismissed ones are never reported again; applied ones carry a badge in later results."""
    source, job_id = _posting_key(posting)
    watches, _ = _watches()
    watches.mark(key_id, source, job_id, status)
    err.print(f"Marked {source}:{job_id} {status.value}.")


def _posting_key(text: str) -> tuple[str, str]:
    text = text.strip()
    view = _LINKEDIN_VIEW.search(text)
    if view:
        return "linkedin", view.group(1)
    if text.isdigit():
        return "linkedin", text
    source, sep, job_id = text.rpartition(":")
    if sep and source and job_id and "/" not in text:
        return source, job_id
    fail(f"POSTING: {text!r} is not a posting URL, source:job_id, or a LinkedIn job id")


def _keep_resume(store: Store, path: Path, owner: str) -> str:
    from jobmatch.store import Resume, keep_resume

    text = _guard(lambda: _read_resume(path))
    if owner == LOCAL_OWNER:
        return keep_resume(store, text, filename=path.name).id
    resume = Resume(api_key_id=owner, filename=path.name, size=path.stat().st_size, text=text)
    store.save_resume(resume)
    return resume.id


def _describe(watch: Watch) -> str:
    query = watch.query
    return f"{query.query!r}" + (f" in {query.location}" if query.location else "") + f", {query.pages} page(s)"
