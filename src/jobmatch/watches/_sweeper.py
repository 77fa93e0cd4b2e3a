"""`jobmatch serve`'s own scheduler: a background task that sweeps the store for due watches and ended runs."""

from __future__ import annotations

import asyncio
import logging

from fastapi.concurrency import run_in_threadpool

from jobmatch.watches._service import Watches

log = logging.getLogger(__name__)


class Sweeper:
    """Calls `Watches.sweep` every `interval` seconds on the running event loop (in a worker thread: a sweep reads
    the store and may wait on a notification channel)."""

    def __init__(self, watches: Watches, interval: float):
        self._watches = watches
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._interval > 0:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="jobmatch-watch-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                done = await run_in_threadpool(self._watches.sweep)
                if done.started or done.reported:
                    log.info("watches: %d run(s) started, %d reported", len(done.started), len(done.reported))
            except Exception:  # one failed sweep (a database blip) must not end the scheduler
                log.exception("watch sweep failed; trying again in %g s", self._interval)
            await asyncio.sleep(self._interval)
