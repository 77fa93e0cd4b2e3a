"""The embedded runner: every stage in this process on asyncio, streaming postings while pages are still paged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, JobPosting, SearchQuery
from jobmatch.pipeline.stages import SearchFailed, abandon, analyze, dispatch, expire_overdue, scrape
from jobmatch.sources import HostLimiter, PoliteClient, make_source
from jobmatch.store import Store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

log = logging.getLogger(__name__)


class LocalRunner:
    """Runs searches in-process: dispatch feeds scrape tasks as pages arrive; analyze runs once all have ended."""

    def __init__(self, settings: Settings, store: Store, ranker: Ranker, *, limiter: HostLimiter | None = None):
        self._settings = settings
        self._store = store
        self._ranker = ranker
        self._limiter = limiter
        self._tasks: dict[str, asyncio.Task[Execution]] = {}

    def submit(self, query: SearchQuery, resume_text: str | None = None, *, owner: str | None = None) -> Execution:
        """Start a search in the background of the running event loop; returns its execution at once."""
        expire_overdue(self._store, self._settings.execution_timeout)
        execution = Execution(query=query)
        self._store.create_execution(execution)
        task = asyncio.get_running_loop().create_task(self._run(execution, resume_text))
        self._tasks[execution.id] = task
        task.add_done_callback(lambda _: self._tasks.pop(execution.id, None))
        return execution

    async def run(
        self,
        query: SearchQuery,
        resume_text: str | None = None,
        *,
        on_start: Callable[[Execution], None] | None = None,
        rank_progress: Callable[[int, int], None] | None = None,
    ) -> Execution:
        """Run a search to its end and return the ended execution."""
        # A search whose process was killed stays RUNNING in the store; past its deadline it is ended here.
        expire_overdue(self._store, self._settings.execution_timeout)
        execution = Execution(query=query)
        self._store.create_execution(execution)
        if on_start is not None:
            on_start(execution)
        return await self._run(execution, resume_text, rank_progress)

    def abort(self, execution_id: str) -> bool:
        """Stop a search this runner is running; it ends ABORTED."""
        task = self._tasks.get(execution_id)
        return task.cancel() if task is not None else False

    async def _run(
        self, execution: Execution, resume_text: str | None, rank_progress: Callable[[int, int], None] | None = None
    ) -> Execution:
        store, eid = self._store, execution.id
        status, error = ExecutionStatus.SUCCEEDED, None
        try:
            async with asyncio.timeout(self._settings.execution_timeout):
                notes = await self._search(eid, execution.query)
                await asyncio.to_thread(
                    analyze, eid, execution.query, store, self._ranker, resume_text, notes=notes, progress=rank_progress
                )
        except TimeoutError:
            status, error = (
                ExecutionStatus.TIMED_OUT,
                f"search did not end within {self._settings.execution_timeout:g} s",
            )
        except asyncio.CancelledError:
            status, error = ExecutionStatus.ABORTED, "search aborted"
        except SearchFailed as exc:
            status, error = ExecutionStatus.FAILED, str(exc)
        except Exception as exc:
            log.exception("search %s failed", eid)
            status, error = ExecutionStatus.FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            if error is not None:
                abandon(eid, store, error)
            store.finish_execution(eid, status, error)
        ended = store.get_execution(eid)
        assert ended is not None
        return ended

    async def _search(self, eid: str, query: SearchQuery) -> list[str]:
        notes: list[str] = []
        max_age = timedelta(days=self._settings.posting_max_age_days)
        embed_queue: asyncio.Queue[JobPosting | None] = asyncio.Queue()
        embedder = asyncio.create_task(self._embed_as_they_come(embed_queue))
        try:
            async with PoliteClient(self._settings, limiter=self._limiter) as client:
                source = make_source(query.source, client, self._settings)

                async def scrape_one(ref):
                    result = await scrape(eid, ref, source, self._store, max_age=max_age)
                    if result.posting is not None:
                        embed_queue.put_nowait(result.posting)

                try:
                    async with asyncio.TaskGroup() as group:
                        async for refs in dispatch(eid, query, source, self._store, notes=notes):
                            for ref in refs:
                                group.create_task(scrape_one(ref))
                except* SearchFailed as failed:  # the task group wraps what its body raised
                    raise failed.exceptions[0] from None
        finally:
            embed_queue.put_nowait(None)
            await embedder
        return notes

    async def _embed_as_they_come(self, queue: asyncio.Queue[JobPosting | None]) -> None:
        # Embedding is the ranking's cost; doing it while the scraper waits on the network hides it.
        done = False
        while not done:
            batch: list[JobPosting] = []
            item = await queue.get()
            while True:
                if item is None:
                    done = True
                    break
                batch.append(item)
                if len(batch) >= self._settings.embed_batch_size or queue.empty():
                    break
                item = queue.get_nowait()
            if batch:
                try:
                    await asyncio.to_thread(self._ranker.embed_postings, batch)
                except Exception:
                    log.exception("embedding at scrape time failed; analyze will retry")
