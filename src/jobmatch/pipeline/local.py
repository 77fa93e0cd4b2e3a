"""The in-process runner: every stage on this process's asyncio loop, streaming postings while pages are still paged."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, JobPosting, JobRef, utcnow
from jobmatch.pipeline.stages import (
    ABORTED_REASON,
    SearchFailed,
    complete,
    deadline_reason,
    dispatch,
    end_search,
    lease_lapsed,
    open_boards,
    past_deadline,
    scrape,
    stale_before,
)
from jobmatch.sources import HostLimiter, LocalHostLimiter
from jobmatch.store import Store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

log = logging.getLogger(__name__)
ORPHANED_REASON = "interrupted: the command line running this search stopped; run it again"
RESUMED_NOTE = "resumed after the runner it started on stopped"


class LocalRunner:
    """Runs searches in-process: dispatch feeds scrape tasks as pages arrive; analyze runs once all have ended.

    It holds each search it runs by a lease in the store (`runner`, renewed by a heartbeat), so a search whose runner
    died is noticed: a runner made with `adopt=True` (the server's) takes it over and resumes it where it stopped;
    any runner ends one past its deadline, or one the command line ran, with the reason.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        ranker: Ranker | None = None,
        *,
        limiter: HostLimiter | None = None,
        adopt: bool = False,
    ):
        self._settings = settings
        self._store = store
        self._ranker = ranker
        self._limiter = limiter
        self._loop_limiters: dict[asyncio.AbstractEventLoop, HostLimiter] = {}
        self._adopt = adopt
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._tasks: dict[str, asyncio.Task[Execution]] = {}
        self._keeper: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            from jobmatch.ranking import Ranker

            self._ranker = Ranker(self._settings, cache=self._store)
        return self._ranker

    def start(self) -> None:
        """Take over what dead runners left (an adopting runner), then keep this runner's leases alive."""
        self.recover()
        self._keep_alive()

    def recover(self) -> int:
        """Deal with the RUNNING searches whose runner fell silent; returns how many it ended.

        Past its deadline: TIMED_OUT. Run by the command line (no owner): FAILED, nobody waits for it. An API search:
        resumed here when this runner adopts, else left for the server's runner.
        """
        ended, stale = 0, stale_before(self._settings)
        timeout = self._settings.execution_timeout
        for execution in self._store.running_executions():
            overdue = past_deadline(execution, timeout)
            if execution.id in self._tasks or not (overdue or lease_lapsed(execution, stale)):
                continue
            if not overdue and execution.owner is not None and not self._adopt:
                continue
            if not self._store.claim_execution(execution.id, self.id, stale):
                continue  # another runner took it first
            if overdue:
                ended += end_search(self._store, execution.id, ExecutionStatus.TIMED_OUT, deadline_reason(timeout))
            elif execution.owner is None:
                ended += end_search(self._store, execution.id, ExecutionStatus.FAILED, ORPHANED_REASON)
            else:
                log.warning("resuming search %s: its runner %s stopped", execution.id, execution.runner)
                self._launch(execution, resumed=True)
        return ended

    def submit(self, execution: Execution) -> Execution:
        """Start a search in the background of the running event loop; returns its execution at once."""
        self.recover()
        held = self._hold(execution)
        self._launch(held)
        return held

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Run a search to its end here and return the ended execution."""
        self.recover()
        return await self._launch(self._hold(execution), rank_progress)

    def abort(self, execution_id: str) -> bool:
        """Stop a search; it ends ABORTED (in the store, when this runner is not the one running it)."""
        task = self._tasks.get(execution_id)
        if task is not None and task.cancel():
            return True
        return end_search(self._store, execution_id, ExecutionStatus.ABORTED, ABORTED_REASON)

    def refresh(self, execution: Execution) -> Execution:
        return execution

    def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()

    async def shutdown(self) -> None:
        """Stop running, leaving every search RUNNING and let go of, so the next runner resumes it at once."""
        self._stopping = True
        tasks: list[asyncio.Task[Any]] = [*self._tasks.values(), *([self._keeper] if self._keeper else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._store.release(self.id)

    def _host_limiter(self) -> HostLimiter:
        # One per event loop, shared by every search on it: a host that throttles one search slows them all. (Its
        # locks belong to the loop, so a runner used from several `asyncio.run`s keeps one per loop.)
        if self._limiter is not None:
            return self._limiter
        loop = asyncio.get_running_loop()
        if loop not in self._loop_limiters:
            self._loop_limiters = {loop: LocalHostLimiter.from_settings(self._settings)}
        return self._loop_limiters[loop]

    def _hold(self, execution: Execution) -> Execution:
        held = execution.model_copy(update={"runner": self.id, "heartbeat_at": utcnow()})
        self._store.create_execution(held)
        return held

    def _launch(
        self, execution: Execution, rank_progress: Callable[[int, int], None] | None = None, *, resumed: bool = False
    ) -> asyncio.Task[Execution]:
        self._keep_alive()
        task = asyncio.get_running_loop().create_task(self._run(execution, rank_progress, resumed=resumed))
        self._tasks[execution.id] = task
        task.add_done_callback(lambda _: self._tasks.pop(execution.id, None))
        return task

    def _keep_alive(self) -> None:
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.get_running_loop().create_task(self._keep())

    async def _keep(self) -> None:
        # A third of the lease: two heartbeats may be lost before another runner takes a search over.
        while True:
            await asyncio.sleep(self._settings.runner_lease_seconds / 3)
            try:
                self._store.heartbeat(self.id, list(self._tasks))
                self._drop_ended_elsewhere()
                if self._adopt:
                    self.recover()
            except Exception:
                log.exception("runner %s could not renew its leases", self.id)

    def _drop_ended_elsewhere(self) -> None:
        # Aborted through another server, or ended by a sweep: nothing this runner does for it would count.
        for execution_id, task in list(self._tasks.items()):
            execution = self._store.get_execution(execution_id)
            if execution is None or execution.status.finished:
                task.cancel()

    async def _run(
        self,
        execution: Execution,
        rank_progress: Callable[[int, int], None] | None = None,
        *,
        resumed: bool = False,
    ) -> Execution:
        store, eid = self._store, execution.id
        status, error = ExecutionStatus.SUCCEEDED, None
        timeout = self._settings.execution_timeout
        try:
            # A resumed search has what is left of its time, counted from its submission.
            left = timeout - (utcnow() - execution.created_at).total_seconds()
            async with asyncio.timeout(max(0.0, left)):
                notes = await self._search(execution, resumed=resumed)
                await asyncio.to_thread(complete, store, self.ranker, eid, notes=notes, progress=rank_progress)
        except TimeoutError:
            status, error = ExecutionStatus.TIMED_OUT, deadline_reason(timeout)
        except asyncio.CancelledError:
            if self._stopping:
                raise  # left RUNNING and let go of: the next runner resumes it
            status, error = ExecutionStatus.ABORTED, ABORTED_REASON
        except SearchFailed as exc:
            status, error = ExecutionStatus.FAILED, str(exc)
        except Exception as exc:
            log.exception("search %s failed", eid)
            status, error = ExecutionStatus.FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            if error is not None:
                end_search(store, eid, status, error)
        ended = store.get_execution(eid)
        assert ended is not None
        return ended

    async def _search(self, execution: Execution, *, resumed: bool = False) -> list[str]:
        notes = [RESUMED_NOTE] if resumed else []
        embed_queue: asyncio.Queue[JobPosting | None] = asyncio.Queue()
        embedder = asyncio.create_task(self._embed_as_they_come(embed_queue))
        try:
            async with open_boards(self._settings, self._store, execution.id, limiter=self._host_limiter()) as boards:

                async def scrape_one(ref: JobRef) -> None:
                    result = await scrape(execution.id, ref, boards, self._store)
                    if result.posting is not None:
                        embed_queue.put_nowait(result.posting)

                try:
                    async with asyncio.TaskGroup() as group:
                        # What the stopped runner listed but had not stored; the pages give only what is new.
                        for ref in self._store.unsettled_listings(execution.id) if resumed else []:
                            group.create_task(scrape_one(ref))
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
                except Exception:
                    log.exception("embedding at scrape time failed; analyze will retry")
