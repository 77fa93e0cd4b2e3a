"""The embedded engine: the in-process runner (pipeline/local.py) in a child process of the server.

A search parses HTML, writes to the store and embeds postings: CPU work that, in the process that serves HTTP, holds
the GIL and starves every poll. bench/api.py, five searches running, polls at 200/s: on a thread of the server's
process p50 296 ms, p99 6.4 s; in this child process at a lower priority p50 2.1 ms, p99 19 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, NoReturn

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus
from jobmatch.pipeline.runner import RunnerUnavailable
from jobmatch.pipeline.stages import ABORTED_REASON, end_search
from jobmatch.store import Store

if TYPE_CHECKING:
    from jobmatch.pipeline.local import LocalRunner

log = logging.getLogger(__name__)
# Searches are batch work; a poll is a person waiting.
_RUNNER_NICENESS = 10


class ProcessRunner:
    """A LocalRunner in a child process, driven over a pipe; its methods may be called from any thread.

    A watchdog thread asks the child every `runner_check_interval` whether it is there. One that died, or has not
    answered within `runner_answer_timeout` (hung: killed first), is replaced; the new child takes over its searches
    once their leases lapse (`runner_lease_seconds`) and resumes them where they stopped.
    """

    def __init__(self, settings: Settings, store: Store):
        self._settings = settings
        self._store = store
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._stopped = threading.Event()
        self._watchdog: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            self._spawn()
        self._watchdog = threading.Thread(target=self._watch, name="jobmatch-runner-watchdog", daemon=True)
        self._watchdog.start()

    def recover(self) -> int:
        """Nothing to do here: the child takes over (and resumes) what dead runners left as soon as it starts."""
        return 0

    def submit(self, execution: Execution) -> Execution:
        """Start a search; returns its execution (RUNNING) once it is stored."""
        return Execution.model_validate(self._call("submit", execution.model_dump(mode="json")))

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Submit and follow the search to its end (the child ranks, so `rank_progress` is never called)."""
        from jobmatch.pipeline.runner import follow

        self.submit(execution)
        return await follow(self, self._store, execution.id, within=self._settings.execution_timeout + 60)

    def abort(self, execution_id: str) -> bool:
        """Cancel a search; one the child does not run is ended in the store."""
        try:
            if self._call("abort", execution_id):
                return True
        except RunnerUnavailable as exc:
            log.error("cannot abort %s in the runner process: %s", execution_id, exc)
        return end_search(self._store, execution_id, ExecutionStatus.ABORTED, ABORTED_REASON)

    def refresh(self, execution: Execution) -> Execution:
        return execution

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the child; its searches stay RUNNING, let go of, and the next server start resumes them."""
        self._stopped.set()
        if self._process is None:
            return
        try:
            self._call("stop", retry=False)
        except RunnerUnavailable:
            log.warning("the runner process did not stop cleanly")
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def _spawn(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_child_main, args=(self._settings, child), name="jobmatch-runner", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent

    def _watch(self) -> None:
        while not self._stopped.wait(self._settings.runner_check_interval):
            with self._lock:
                if self._stopped.is_set() or self._process is None:
                    continue
                if self._process.is_alive():
                    try:
                        self._exchange(("ping",))
                        continue
                    except RunnerUnavailable as exc:
                        if self._stopped.is_set():
                            continue
                        log.error("%s: killing it", exc)
                        self._process.kill()
                        self._process.join(self._settings.runner_answer_timeout)
                self._restart()

    def _call(self, *command: Any, retry: bool = True) -> Any:
        with self._lock:
            if retry and (self._process is None or not self._process.is_alive()):
                self._restart()
            ok, value = self._exchange(command)
        if not ok:
            raise RunnerUnavailable(value)
        return value

    def _exchange(self, command: tuple[Any, ...]) -> tuple[bool, Any]:
        """Send a command and wait for the child's (ok, value); the caller holds the lock."""
        timeout = self._settings.runner_answer_timeout
        try:
            assert self._conn is not None
            self._conn.send(command)
            if not self._conn.poll(timeout):
                raise RunnerUnavailable(f"the runner process did not answer {command[0]!r} in {timeout:g} s")
            ok, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise RunnerUnavailable(f"the runner process is gone ({type(exc).__name__})") from None
        return ok, value

    def _restart(self) -> None:
        # Killed, hung or out of memory: a new child takes its searches over once their leases lapse.
        exit_code = self._process.exitcode if self._process is not None else None
        log.error("the runner process ended (exit code %s); starting another to resume its searches", exit_code)
        if self._conn is not None:
            self._conn.close()
        self._spawn()


def _child_main(settings: Settings, conn: Connection) -> None:
    if hasattr(os, "nice"):
        os.nice(_RUNNER_NICENESS)
    asyncio.run(_serve(settings, conn))


async def _serve(settings: Settings, conn: Connection) -> None:
    """Take commands from the API process until it says stop, or goes away."""
    from jobmatch.pipeline.local import LocalRunner
    from jobmatch.store import open_store

    store = open_store(settings)
    runner = LocalRunner(settings, store, adopt=True)
    runner.start()
    # A thread of its own, so the loop goes on running searches while no command comes, and a command (or the
    # watchdog's ping) never queues behind searches' embedding work in the loop's default executor.
    receiver = ThreadPoolExecutor(1, thread_name_prefix="jobmatch-runner-commands")
    loop = asyncio.get_running_loop()
    while True:
        try:
            command, *args = await loop.run_in_executor(receiver, conn.recv)
        except (EOFError, OSError):
            await _orphaned(runner)
        try:
            if command == "ping":
                reply: tuple[bool, Any] = (True, True)
            elif command == "submit":
                reply = (True, runner.submit(Execution.model_validate(args[0])).model_dump(mode="json"))
            elif command == "abort":
                reply = (True, runner.abort(*args))
            elif command == "stop":
                await runner.shutdown()
                store.close()
                with contextlib.suppress(OSError):
                    conn.send((True, None))
                # Not a clean return: asyncio.run would wait for embedding threads of cancelled searches.
                os._exit(0)
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as exc:
            log.exception("runner command %s failed", command)
            reply = (False, f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except OSError:  # a broken pipe: the API process died after asking (a crash in the middle of a ping)
            await _orphaned(runner)


async def _orphaned(runner: LocalRunner) -> NoReturn:
    """The API process is gone (crashed): let go of the searches so its next start resumes them at once, and end.

    Never by leaving `_serve` with an exception: asyncio.run would cancel the searches, and a cancelled search
    ends ABORTED."""
    await runner.shutdown()
    os._exit(0)
