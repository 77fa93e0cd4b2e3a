"""The in-process runner: every stage on this process's asyncio loop, streaming postings while pages are still paged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, JobPosting, JobRef
from jobmatch.pipeline.stages import (
    ABORTED_REASON,
    SearchFailed,
    complete,
    deadline_reason,
    dispatch,
    end_search,
    expire_overdue,
    open_boards,
    scrape,
)
from jobmatch.sources import HostLimiter
from jobmatch.store import Store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

log = logging.getLogger(__name__)


class LocalRunner:
    """Runs searches in-process: dispatch feeds scrape tasks as pages arrive; analyze runs once all have ended."""

    def __init__(
        self, settings: Settings, store: Store, ranker: Ranker | None = None, *, limiter: HostLimiter | None = None
    ):
        self._settings = settings
        self._store = store
        self._ranker = ranker
        self._limiter = limiter
        self._tasks: dict[str, asyncio.Task[Execution]] = {}

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            from jobmatch.ranking import Ranker

            self._ranker = Ranker(self._settings, cache=self._store)
        return self._ranker

    def start(self) -> None:
        """Nothing to start: searches run on the caller's event loop."""

    def recover(self) -> int:
        """End TIMED_OUT the searches whose process was killed and which are past their deadline."""
        return len(expire_overdue(self._store, self._settings.execution_timeout))

    def submit(self, execution: Execution) -> Execution:
        """Start a search in the background of the running event loop; returns its execution at once."""
        self.recover()
        self._store.create_execution(execution)
        task = asyncio.get_running_loop().create_task(self._run(execution))
        self._tasks[execution.id] = task
        task.add_done_callback(lambda _: self._tasks.pop(execution.id, None))
        return execution

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Run a search to its end here and return the ended execution."""
        self.recover()
        self._store.create_execution(execution)
        return await self._run(execution, rank_progress)

    def abort(self, execution_id: str) -> bool:
        """Stop a search; it ends ABORTED (in the store, when this runner is not the one running it)."""
        task = self._tasks.get(execution_id)
        if task is not None and task.cancel():
            return True
        return end_search(self._store, execution_id, ExecutionStatus.ABORTED, ABORTED_REASON)

    def refresh(self, execution: Execution) -> Execution:
        return execution

    def stop(self, reason: str = "") -> None:
        for task in list(self._tasks.values()):
            task.cancel()

    async def _run(self, execution: Execution, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        store, eid = self._store, execution.id
        status, error = ExecutionStatus.SUCCEEDED, None
        timeout = self._settings.execution_timeout
        try:
            async with asyncio.timeout(timeout):
                notes = await self._search(execution)
                await asyncio.to_thread(complete, store, self.ranker, eid, notes=notes, progress=rank_progress)
        except TimeoutError:
            status, error = ExecutionStatus.TIMED_OUT, deadline_reason(timeout)
        except asyncio.CancelledError:
            status, error = ExecutionStatus.ABORTED, ABORTED_REASON
        except SearchFailed as exc:
            status, error = ExecutionStatus.FAILED, str(exc)
        except Exception as exc:  # noqa: BLE001 - an execution must end with a reason, never stay RUNNING
            log.exception("search %s failed", eid)
            status, error = ExecutionStatus.FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            if error is not None:
                end_search(store, eid, status, error)
        ended = store.get_execution(eid)
        assert ended is not None
        return ended

    async def _search(self, execution: Execution) -> list[str]:
        notes: list[str] = []
        embed_queue: asyncio.Queue[JobPosting | None] = asyncio.Queue()
        embedder = asyncio.create_task(self._embed_as_they_come(embed_queue))
        try:
            async with open_boards(self._settings, self._store, execution.id, limiter=self._limiter) as boards:

                async def scrape_one(ref: JobRef) -> None:
                    result = await scrape(execution.id, ref, boards, self._store)
                    if result.posting is not None:
                        embed_queue.put_nowait(result.posting)

                try:
                    async with asyncio.TaskGroup() as group:
                        async for refs in dispatch(execution, boards, self._store, notes=notes):
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
                    await asyncio.to_thread(self.ranker.embed_postings, batch)
                except Exception:  # noqa: BLE001 - analyze embeds what is missing, and reports its own failure
                    log.exception("embedding at scrape time failed; analyze will retry")
