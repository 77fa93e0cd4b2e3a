"""The one contract every runner keeps, and the factory that picks one by `JOBMATCH_ENGINE`.

A runner decides where the stages run (this process, a child process, Celery workers, Step Functions); what a search
is and how it ends is the stages' business (pipeline/stages.py), so every runner ends searches the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from jobmatch.config import Settings
from jobmatch.models import Execution
from jobmatch.store import Store


class RunnerUnavailable(RuntimeError):
    """The engine did not take a command (its process is gone, its broker or cloud API is unreachable)."""


class Runner(Protocol):
    """Runs searches; the CLI, the API and the tests reach every engine through this alone."""

    def start(self) -> None:
        """Begin taking searches."""
        ...

    def recover(self) -> int:
        """Deal with the searches a dead process of this engine left RUNNING; returns how many it ended."""
        ...

    def submit(self, execution: Execution) -> Execution:
        """Store a new execution and start it in the background; returns it RUNNING."""
        ...

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Submit and follow the search to its end; returns the ended execution."""
        ...

    def abort(self, execution_id: str) -> bool:
        """End a running search ABORTED; False when it was not running."""
        ...

    def refresh(self, execution: Execution) -> Execution:
        """The execution as the engine knows it now (an engine may learn of an end the store has not seen yet)."""
        ...

    def stop(self) -> None:
        """Let go of the engine. Searches go on elsewhere (workers, Step Functions), or, for the embedded engine,
        stay RUNNING and let go of, so the next start resumes them."""
        ...


def make_runner(settings: Settings, store: Store, *, inline: bool = False) -> Runner:
    """The runner `settings.engine` names; `inline` keeps the embedded engine in this process (the CLI's choice,
    for its ranking progress bar) instead of a child process (the server's, so polls stay fast)."""
    if settings.engine == "celery":
        from jobmatch.pipeline.celery import CeleryRunner

        return CeleryRunner(settings, store)
    if settings.engine == "stepfunctions":
        from jobmatch.pipeline.stepfunctions import StepFunctionsRunner

        return StepFunctionsRunner(settings, store)
    if inline:
        from jobmatch.pipeline.local import LocalRunner

        return LocalRunner(settings, store)
    from jobmatch.pipeline.embedded import ProcessRunner

    return ProcessRunner(settings, store)


async def follow(runner: Runner, store: Store, execution_id: str, *, within: float, poll: float = 0.2) -> Execution:
    """Poll a search that runs elsewhere until it has ended (as the runner sees it); TimeoutError after `within` s."""
    async with asyncio.timeout(within):
        while True:
            execution = store.get_execution(execution_id)
            if execution is None:
                raise LookupError(f"no execution {execution_id!r} in the store")
            execution = runner.refresh(execution)
            if execution.status.finished:
                return execution
            await asyncio.sleep(poll)
