"""Per-host politeness: how many requests may be in flight, and the pause between search pages."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class HostLimiter(Protocol):
    """Limits shared by every request to one host; a distributed runner shares them across processes."""

    def slot(self, host: str) -> AbstractAsyncContextManager[None]:
        """Hold one of the host's in-flight places for the duration of a request."""
        ...

    async def wait_turn(self, host: str) -> float:
        """Wait until the next search page may be requested from `host`; returns the seconds waited."""
        ...


class LocalHostLimiter:
    """In-process limits: a semaphore per host, and a random gap between consecutive search pages."""

    def __init__(self, max_in_flight: int, page_delay: tuple[float, float], rng: random.Random | None = None):
        self._max_in_flight = max_in_flight
        self._page_delay = page_delay
        self._rng = rng or random.Random()
        self._semaphores: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self._max_in_flight))
        self._next_page_at: dict[str, float] = {}
        self._turn_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._semaphores[host]:
            yield

    async def wait_turn(self, host: str) -> float:
        async with self._turn_locks[host]:
            now = time.monotonic()
            wait = max(0.0, self._next_page_at.get(host, now) - now)
            if wait:
                await asyncio.sleep(wait)
            self._next_page_at[host] = time.monotonic() + self._rng.uniform(*self._page_delay)
            return wait
