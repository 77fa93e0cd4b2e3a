"""The embedded runner on an event loop of its own thread.

The runner's stages call the (synchronous) store between network waits; on the loop that serves HTTP those calls
would hold up every poll. On a loop of its own, scraping and polling only share the GIL.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Protocol, TypeVar

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, SearchQuery
from jobmatch.pipeline import abandon
from jobmatch.pipeline.local import LocalRunner
from jobmatch.store import Store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

T = TypeVar("T")
# How long a call into the runner's loop may take before the caller gives up (it only schedules work).
_CALL_TIMEOUT = 30.0
_RUNNER_NICENESS = 10


class Runner(Protocol):
    """What the service needs of a runner: this module's BackgroundRunner, or the Celery engine's CeleryRunner."""

    def start(self) -> None: ...
    def submit(self, query: SearchQuery, resume_text: str | None = None) -> Execution: ...
    def abort(self, execution_id: str) -> bool: ...
    def stop(self, reason: str = "", timeout: float = 10.0) -> None: ...


class BackgroundRunner:
    """A LocalRunner whose searches run on a dedicated thread; its methods may be called from any thread."""

    def __init__(self, settings: Settings, store: Store, ranker: "Ranker"):
        self._store = store
        self._runner = LocalRunner(settings, store, ranker)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="jobmatch-runner", daemon=True)
        self._started: set[str] = set()

    def start(self) -> None:
        self._thread.start()

    def submit(self, query: SearchQuery, resume_text: str | None = None) -> Execution:
        """Start a search; returns its execution (RUNNING) once it is stored."""
        execution = self._call(lambda: self._runner.submit(query, resume_text))
        self._started.add(execution.id)
        return execution

    def abort(self, execution_id: str) -> bool:
        """Cancel a search this runner runs; False when it runs none by that id."""
        return self._call(lambda: self._runner.abort(execution_id))

    def stop(self, reason: str = "", timeout: float = 10.0) -> None:
        """End every search still running as FAILED with `reason`, then stop the thread."""
        if not self._thread.is_alive():
            return
        # Recorded before cancelling: a cancelled search would otherwise end ABORTED, which says its owner stopped it.
        running = {execution.id for execution in self._store.running_executions()} & self._started
        for execution_id in running:
            end_execution(self._store, execution_id, ExecutionStatus.FAILED, reason)
        future = asyncio.run_coroutine_threadsafe(self._cancel_all(), self._loop)
        try:
            future.result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self._loop.close()

    def _serve(self) -> None:
        _lower_priority()
        self._loop.run_forever()

    def _call(self, action: Callable[[], T]) -> T:
        async def on_loop() -> T:
            return action()

        return asyncio.run_coroutine_threadsafe(on_loop(), self._loop).result(_CALL_TIMEOUT)

    async def _cancel_all(self) -> None:
        tasks: list[asyncio.Task[Any]] = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def end_execution(store: Store, execution_id: str, status: ExecutionStatus, reason: str) -> bool:
    """End a RUNNING execution that no task is running, its unsettled postings failed with the same reason."""
    abandon(execution_id, store, reason)
    return store.finish_execution(execution_id, status, reason)


def _lower_priority() -> None:
    """Make the calling thread, and the threads it starts (embedding, to_thread), yield the CPU to the HTTP loop.

    Searches are batch work that saturates every core while it embeds; a poll is a person waiting. On Linux a
    thread has a nice value of its own, inherited by the threads it creates. Elsewhere this does nothing.
    """
    if sys.platform != "linux":
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _RUNNER_NICENESS)
    except OSError:
        pass
