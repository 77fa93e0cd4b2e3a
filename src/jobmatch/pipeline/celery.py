"""The scaled-out runner: the same stages as Celery tasks, Redis as broker and shared limits, any SQL store.

dispatch pages through the search and enqueues one scrape task per new posting as each page arrives. Each scrape,
once its posting has ended, checks whether dispatch has finished and every listed posting has ended; the one that
sees both enqueues analyze, which ranks and ends the search. Tasks are acks_late and reject_on_worker_lost, so a
task on a worker that dies runs again; every write is conditional, so running it again leaves one row. A sweeper in
each worker ends searches past their deadline (TIMED_OUT) and re-enqueues an analyze that was lost.

Start workers with `jobmatch worker` (or `celery -A jobmatch.pipeline.celery worker`); submit with CeleryRunner.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import redis
from celery import Celery, Task
from celery.signals import worker_ready, worker_shutdown

from jobmatch.config import Settings, get_settings
from jobmatch.models import Execution, ExecutionStatus, JobRef
from jobmatch.pipeline._progress import SearchProgress
from jobmatch.pipeline.runner import follow
from jobmatch.pipeline.stages import (
    ABORTED_REASON,
    SearchFailed,
    complete,
    deadline_reason,
    dispatch,
    end_search,
    give_up,
    open_boards,
    past_deadline,
    ready_to_analyze,
    scrape,
)
from jobmatch.sources import RedisHostLimiter
from jobmatch.store import Store, open_store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

__all__ = ["CeleryRunner", "app", "make_app"]

log = logging.getLogger(__name__)

DISPATCH, SCRAPE, ANALYZE = "jobmatch.dispatch", "jobmatch.scrape", "jobmatch.analyze"


def make_app(settings: Settings) -> Celery:
    """A Celery app for `settings`: the broker, late acks, one task at a time per worker process."""
    celery = Celery("jobmatch", broker=settings.broker_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # One task reserved per process: a worker that dies strands only the task it was running.
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout,
            # Look for a vanished worker's tasks every quarter of the timeout (kombu's default is ~100 s).
            "unacked_restore_interval": max(1, round(settings.celery_visibility_timeout / 4)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


@dataclass
class _Worker:
    """What one worker process holds: settings, store, Redis, shared limits; the model only once analyze needs it."""

    settings: Settings
    store: Store = field(init=False)
    redis: redis.Redis = field(init=False)

    def __post_init__(self) -> None:
        self.store = open_store(self.settings)
        self.redis = redis.Redis.from_url(self.settings.broker_url)

    @cached_property
    def limiter(self) -> RedisHostLimiter:
        return RedisHostLimiter(
            self.redis,
            self.settings.max_concurrency,
            self.settings.page_delay,
            lease_seconds=self.settings.celery_lease_seconds,
        )

    @cached_property
    def progress(self) -> SearchProgress:
        return SearchProgress(self.redis, ttl_seconds=self.settings.execution_timeout * 2)

    @cached_property
    def ranker(self) -> Ranker:
        from jobmatch.ranking import Ranker

        return Ranker(self.settings, cache=self.store)


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _context() -> _Worker:
    # Made on first use in the process that runs tasks, never before a fork: connections do not survive one.
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _Worker(get_settings())
        return _worker


app = make_app(get_settings())
_policy = get_settings()


class _Stage(Task):
    """A stage task: retried on any error (3 attempts, 1 s, x2, full jitter), then its search is told why."""

    autoretry_for = (Exception,)
    max_retries = _policy.retry_attempts - 1
    # Celery's backoff doubles per retry, from this many whole seconds, with full jitter: the project's policy.
    retry_backoff = max(1, round(_policy.retry_interval))
    retry_backoff_max = max(1, round(_policy.retry_max_delay))
    retry_jitter = True
    acks_late = True
    reject_on_worker_lost = True

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
        reason = f"{self.name} gave up after {self.max_retries + 1} attempts: {type(exc).__name__}: {exc}"
        log.error("%s", reason)
        execution_id = args[0] if args else kwargs.get("execution_id")
        if not execution_id:
            return
        try:
            ctx = _context()
            if self.name == SCRAPE:
                ref = JobRef.model_validate(args[1] if len(args) > 1 else kwargs["card"])
                give_up(execution_id, ref, ctx.store, reason)
                _maybe_analyze(ctx, execution_id)
            else:
                _end(ctx, execution_id, ExecutionStatus.FAILED, reason)
        except Exception:
            log.exception("could not record the failure of %s", execution_id)


@app.task(name=DISPATCH, base=_Stage, bind=True)
def dispatch_task(self: Task, execution_id: str) -> None:
    """Page through the search, enqueueing a scrape per new posting as each page arrives."""
    ctx = _context()
    execution = ctx.store.get_execution(execution_id)
    if execution is None or execution.status.finished or ctx.progress.dispatched(execution_id):
        return
    # One dispatcher at a time: a copy handed out again while the first still pages (a long search outlasting the
    # visibility timeout) would ask the board for every page twice. Should the holder vanish, the sweeper re-enqueues.
    token = self.request.id or uuid.uuid4().hex
    if not ctx.progress.hold_dispatch(execution_id, token, ctx.settings.celery_lease_seconds):
        return
    if not ctx.progress.begin_dispatch(execution_id):
        # A dispatch before this one died part-way: what it listed may never have been enqueued.
        for ref in ctx.store.unsettled_listings(execution_id):
            _enqueue_scrape(execution_id, ref)
    notes = asyncio.run(_dispatch(ctx, execution, token))
    if notes is None:
        return
    ctx.progress.end_dispatch(execution_id, notes)
    _maybe_analyze(ctx, execution_id)


async def _dispatch(ctx: _Worker, execution: Execution, token: str) -> list[str] | None:
    keeper = asyncio.get_running_loop().create_task(_keep_dispatch(ctx, execution.id, token))
    try:
        return await _page_through(ctx, execution)
    finally:
        keeper.cancel()


async def _keep_dispatch(ctx: _Worker, execution_id: str, token: str) -> None:
    lease = ctx.settings.celery_lease_seconds
    while True:
        await asyncio.sleep(lease / 3)
        ctx.progress.hold_dispatch(execution_id, token, lease)


async def _page_through(ctx: _Worker, execution: Execution) -> list[str] | None:
    notes: list[str] = []
    async with open_boards(ctx.settings, ctx.store, execution.id, limiter=ctx.limiter) as boards:
        try:
            async for refs in dispatch(execution, boards, ctx.store, notes=notes):
                for ref in refs:
                    _enqueue_scrape(execution.id, ref)
                if _finished(ctx, execution.id):
                    return None
        except SearchFailed as exc:
            _end(ctx, execution.id, ExecutionStatus.FAILED, str(exc))
            return None
    return notes


@app.task(name=SCRAPE, base=_Stage)
def scrape_task(execution_id: str, card: dict[str, Any]) -> None:
    """Store one listed posting (fetched, or cached when fresh), then enqueue analyze if it was the last."""
    ctx = _context()
    if not _finished(ctx, execution_id):
        asyncio.run(_scrape(ctx, execution_id, JobRef.model_validate(card)))
    _maybe_analyze(ctx, execution_id)


async def _scrape(ctx: _Worker, execution_id: str, ref: JobRef) -> None:
    async with open_boards(ctx.settings, ctx.store, execution_id, limiter=ctx.limiter) as boards:
        result = await scrape(execution_id, ref, boards, ctx.store)
    if result.posting is not None:
        # Embedded here, spread over the workers, so analyze finds every vector stored.
        try:
            ctx.ranker.embed_postings([result.posting])
        except Exception:
            log.exception("embedding posting %s at scrape time failed; analyze will retry", ref.job_id)


@app.task(name=ANALYZE, base=_Stage)
def analyze_task(execution_id: str) -> None:
    """Rank the stored postings and end the search SUCCEEDED; a second run finds the results and only ends it."""
    ctx = _context()
    execution = ctx.store.get_execution(execution_id)
    if execution is None or execution.status.finished:
        ctx.progress.forget(execution_id)
        return
    complete(ctx.store, ctx.ranker, execution_id, notes=ctx.progress.notes(execution_id))
    ctx.progress.forget(execution_id)


def _enqueue_scrape(execution_id: str, ref: JobRef) -> None:
    scrape_task.apply_async((execution_id, ref.model_dump(mode="json")))


def _maybe_analyze(ctx: _Worker, execution_id: str) -> bool:
    """Enqueue analyze when dispatch has finished and every listed posting has ended; at most once a while."""
    if not ctx.progress.dispatched(execution_id):
        return False
    execution = ctx.store.get_execution(execution_id)
    if execution is None or not ready_to_analyze(execution):
        return False
    if not ctx.progress.claim(execution_id, "analyze", ctx.settings.celery_visibility_timeout):
        return False
    analyze_task.apply_async((execution_id,))
    return True


def _finished(ctx: _Worker, execution_id: str) -> bool:
    execution = ctx.store.get_execution(execution_id)
    return execution is None or execution.status.finished


def _end(ctx: _Worker, execution_id: str, status: ExecutionStatus, reason: str) -> bool:
    ended = end_search(ctx.store, execution_id, status, reason)
    ctx.progress.forget(execution_id)
    return ended


def sweep(ctx: _Worker) -> None:
    """End searches past their deadline TIMED_OUT; re-enqueue a dispatch whose worker vanished, or a lost analyze."""
    timeout = ctx.settings.execution_timeout
    for execution_id in ctx.progress.tracked():
        execution = ctx.store.get_execution(execution_id)
        if execution is None or execution.status.finished:
            ctx.progress.forget(execution_id)
        elif past_deadline(execution, timeout):
            _end(ctx, execution_id, ExecutionStatus.TIMED_OUT, deadline_reason(timeout))
        elif ctx.progress.dispatch_begun(execution_id) and not ctx.progress.dispatched(execution_id):
            # Its dispatcher vanished mid-way (no live lease): hand the rest of the paging to another worker.
            lease = ctx.settings.celery_lease_seconds
            if not ctx.progress.dispatch_held(execution_id) and ctx.progress.claim(execution_id, "dispatch", lease):
                dispatch_task.apply_async((execution_id,))
        else:
            _maybe_analyze(ctx, execution_id)


class _Sweeper:
    """A daemon thread in the worker's main process that sweeps every `celery_sweep_interval` seconds."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobmatch-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        ctx = _Worker(get_settings())
        # Every worker also runs the due watches: the store's claim on each due time lets only one of them start it.
        from jobmatch.watches import Watches

        watches = Watches(ctx.settings, ctx.store, CeleryRunner(ctx.settings, ctx.store))
        while not self._stop.wait(ctx.settings.celery_sweep_interval):
            try:
                sweep(ctx)
                watches.sweep()
            except Exception:
                log.exception("sweep failed")


_sweeper = _Sweeper()
worker_ready.connect(lambda **_: _sweeper.start(), weak=False)
worker_shutdown.connect(lambda **_: _sweeper.stop(), weak=False)


class CeleryRunner:
    """Submits searches to Celery workers: stores the execution, enqueues dispatch, returns at once."""

    def __init__(self, settings: Settings, store: Store):
        self._settings = settings
        self._store = store
        self._app = make_app(settings)
        self._redis = redis.Redis.from_url(settings.broker_url)
        self._progress = SearchProgress(self._redis, ttl_seconds=settings.execution_timeout * 2)

    def start(self) -> None:
        """Nothing to start: the workers run the searches."""

    def recover(self) -> int:
        """Nothing to recover here: a search outlives any one process; the workers' sweeper ends what is overdue."""
        return 0

    def submit(self, execution: Execution) -> Execution:
        """Start a search on the workers; returns its execution (RUNNING)."""
        self._store.create_execution(execution)
        self._progress.start(execution.id)
        self._app.send_task(DISPATCH, (execution.id,))
        return execution

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Submit a search and follow it to its end (the workers rank, so `rank_progress` is never called)."""
        self.submit(execution)
        # The deadline is the workers' to enforce; waiting a little past it covers a sweep's interval.
        grace = 2 * self._settings.celery_sweep_interval
        return await follow(self, self._store, execution.id, within=self._settings.execution_timeout + grace)

    def abort(self, execution_id: str) -> bool:
        """End a running search ABORTED; tasks still queued for it find it ended and do nothing."""
        ended = end_search(self._store, execution_id, ExecutionStatus.ABORTED, ABORTED_REASON)
        self._progress.forget(execution_id)
        return ended

    def refresh(self, execution: Execution) -> Execution:
        return execution

    def workers_alive(self, timeout: float = 1.0) -> int:
        """How many workers answer a ping within `timeout` seconds (a health check)."""
        return len(self._app.control.ping(timeout=timeout) or [])

    def stop(self) -> None:
        """Let go of the broker; searches go on on the workers, unlike an in-process runner's."""
        self._redis.close()
        self._app.close()
