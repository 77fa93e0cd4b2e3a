"""The embedded engine: the in-process runner (pipeline/local.py) in a child process of the server.

A search parses HTML, writes to the store and embeds postings: CPU work that, in the process that serves HTTP, holds
the GIL and starves every poll. bench/api.py, five searches running, polls at 200/s: on a thread of the server's
process p50 296 ms, p99 6.4 s; in this child process at a lower priority p50 2.1 ms, p99 19 ms.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus
from jobmatch.pipeline.runner import RunnerUnavailable
from jobmatch.pipeline.stages import ABORTED_REASON, end_search
from jobmatch.store import Store

log = logging.getLogger(__name__)
# How long the API waits for the runner process to take a command (it only schedules work).
_CALL_TIMEOUT = 60.0
# Searches are batch work; a poll is a person waiting.
_RUNNER_NICENESS = 10
CRASH_REASON = "interrupted: the search runner stopped unexpectedly; submit it again"
RESTART_REASON = "interrupted: the server restarted while this search ran; submit it again"


class ProcessRunner:
    """A LocalRunner in a child process, driven over a pipe; its methods may be called from any thread."""

    def __init__(self, settings: Settings, store: Store):
        self._settings = settings
        self._store = store
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._started: set[str] = set()

    def start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_child_main, args=(self._settings, child), name="jobmatch-runner", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent

    def recover(self) -> int:
        """End FAILED the server's searches a previous process left RUNNING; returns how many.

        The child keeps a search's state in memory, so one cut off by a restart cannot go on; saying so beats a
        search that polls RUNNING forever. Searches the command line runs on the same database are not the server's.
        """
        ended = sum(
            end_search(self._store, execution.id, ExecutionStatus.FAILED, RESTART_REASON)
            for execution in self._store.running_executions()
            if execution.owner is not None
        )
        if ended:
            log.warning("marked %d search(es) left running by a previous server FAILED", ended)
        return ended

    def submit(self, execution: Execution) -> Execution:
        """Start a search; returns its execution (RUNNING) once it is stored."""
        started = Execution.model_validate(self._call("submit", execution.model_dump(mode="json")))
        self._started.add(started.id)
        return started

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Submit and follow the search to its end (the child ranks, so `rank_progress` is never called)."""
        from jobmatch.pipeline.runner import follow

        self.submit(execution)
        return await follow(self, self._store, execution.id, timeout=self._settings.execution_timeout + 60)

    def abort(self, execution_id: str) -> bool:
        """Cancel a search; one the child does not run (it ended a moment ago, or ran before a restart) is ended in
        the store."""
        try:
            if self._call("abort", execution_id):
                return True
        except RunnerUnavailable as exc:
            log.error("cannot abort %s in the runner process: %s", execution_id, exc)
        return end_search(self._store, execution_id, ExecutionStatus.ABORTED, ABORTED_REASON)

    def refresh(self, execution: Execution) -> Execution:
        return execution

    def stop(self, reason: str = "", timeout: float = 10.0) -> None:
        """End every search still running as FAILED with `reason`, then stop the process."""
        if self._process is None:
            return
        try:
            self._call("stop", reason, retry=False)
        except RunnerUnavailable:
            log.warning("the runner process did not stop cleanly")
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def _call(self, *command: Any, retry: bool = True) -> Any:
        with self._lock:
            if retry and (self._process is None or not self._process.is_alive()):
                self._restart()
            try:
                assert self._conn is not None
                self._conn.send(command)
                if not self._conn.poll(_CALL_TIMEOUT):
                    raise RunnerUnavailable(f"the runner did not answer {command[0]!r} in {_CALL_TIMEOUT:g} s")
                ok, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise RunnerUnavailable(f"the runner process is gone ({type(exc).__name__})") from None
        if not ok:
            raise RunnerUnavailable(value)
        return value

    def _restart(self) -> None:
        # The process died (killed, out of memory): its searches cannot go on, so say so, and start another.
        log.error("the runner process died; starting another")
        running = {execution.id for execution in self._store.running_executions()} & self._started
        for execution_id in running:
            end_search(self._store, execution_id, ExecutionStatus.FAILED, CRASH_REASON)
        if self._conn is not None:
            self._conn.close()
        self.start()


def _child_main(settings: Settings, conn: Connection) -> None:
    if hasattr(os, "nice"):
        os.nice(_RUNNER_NICENESS)
    asyncio.run(_serve(settings, conn))


async def _serve(settings: Settings, conn: Connection) -> None:
    """Take commands from the API process until it says stop, or goes away."""
    from jobmatch.pipeline.local import LocalRunner
    from jobmatch.store import open_store

    store = open_store(settings)
    runner = LocalRunner(settings, store)
    started: set[str] = set()
    while True:
        try:
            # In a thread, so the loop goes on running searches while no command comes.
            command, *args = await asyncio.to_thread(conn.recv)
        except EOFError:
            # The API process is gone: so is anyone to answer. Its next start ends these searches FAILED.
            os._exit(0)
        try:
            if command == "submit":
                execution = runner.submit(Execution.model_validate(args[0]))
                started.add(execution.id)
                result: Any = execution.model_dump(mode="json")
            elif command == "abort":
                result = runner.abort(*args)
            elif command == "stop":
                await _stop(store, started, reason=args[0])
                conn.send((True, None))
                # Not a clean return: asyncio.run would wait for embedding threads of cancelled searches.
                os._exit(0)
            else:
                raise ValueError(f"unknown command {command!r}")
            conn.send((True, result))
        except Exception as exc:
            log.exception("runner command %s failed", command)
            conn.send((False, f"{type(exc).__name__}: {exc}"))


async def _stop(store: Store, started: set[str], reason: str) -> None:
    # Ended FAILED before cancelling: a cancelled search would otherwise end ABORTED, which says its owner stopped it.
    running = {execution.id for execution in store.running_executions()} & started
    for execution_id in running:
        end_search(store, execution_id, ExecutionStatus.FAILED, reason)
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    store.close()
