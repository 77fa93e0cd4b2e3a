"""Per-host politeness: requests in flight, the pause between search pages, and a pace that adapts to throttling."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import ClassVar, Protocol

from jobmatch.config import Settings


@dataclass(frozen=True)
class Pacing:
    """How a host's pace (the least interval between request starts) answers throttling; see Settings' throttle_*.

    A throttle of a request sent at the current pace remembers that interval as too fast and slows the host: by
    `backoff` when the pace had not held for `HELD` healthy answers yet (it is far too fast), else by twice `margin`
    (the host allows a little less than that). Each healthy answer closes `recovery` of the distance down to
    `margin` above the interval last throttled, never below `min_interval` once a host has throttled, and forgets a
    thousandth of `recovery` of that interval, so the pace creeps faster again when the host allows more. Answers to
    requests sent at an older pace change nothing: ten requests in flight meeting one throttle slow the host once.
    """

    HELD: ClassVar[int] = 5

    backoff: float
    recovery: float
    margin: float
    min_interval: float
    max_interval: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Pacing:
        return cls(
            settings.throttle_backoff,
            settings.throttle_recovery,
            settings.throttle_margin,
            settings.throttle_min_interval,
            settings.throttle_max_interval,
        )

    def slower(self, interval: float, held: int) -> float:
        """The interval after a throttle met at `interval`, a pace that had `held` healthy answers."""
        grown = interval * (1 + self.margin) ** 2 if held >= self.HELD else interval * self.backoff
        return min(self.max_interval, max(self.min_interval, grown))

    def faster(self, interval: float, too_fast: float) -> tuple[float, float]:
        """The interval and the interval last throttled after a healthy answer."""
        too_fast *= 1 - self.recovery / 1000
        safe = max(self.min_interval, too_fast * (1 + self.margin))
        if interval > safe:
            interval = safe + (interval - safe) * (1 - self.recovery)
        return interval, too_fast


class HostLimiter(Protocol):
    """Limits shared by every request to one host; a distributed runner shares them across processes."""

    def slot(self, host: str) -> AbstractAsyncContextManager[None]:
        """Hold one of the host's in-flight places for the duration of a request."""
        ...

    async def wait_turn(self, host: str) -> float:
        """Wait until the next search page may be requested from `host`; returns the seconds waited."""
        ...

    async def pace(self, host: str) -> int:
        """Wait until the host's pace lets a request start; returns the pace's generation it starts under."""
        ...

    def throttled(self, host: str, generation: int, pacing: Pacing) -> float:
        """A request started under `generation` was throttled: slow the host; returns its interval now."""
        ...

    def healthy(self, host: str, generation: int, pacing: Pacing) -> None:
        """A request started under `generation` was answered normally: let the host's pace recover."""
        ...


@dataclass
class _HostPace:
    interval: float = 0.0
    too_fast: float = 0.0  # the interval last throttled
    generation: int = 0
    held: int = 0  # healthy answers at this generation
    last_start: float = float("-inf")


class LocalHostLimiter:
    """In-process limits: a semaphore per host, a random gap between consecutive search pages, a pace per host."""

    def __init__(self, max_in_flight: int, page_delay: tuple[float, float], rng: random.Random | None = None):
        self._max_in_flight = max_in_flight
        self._page_delay = page_delay
        self._rng = rng or random.Random()
        self._semaphores: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self._max_in_flight))
        self._next_page_at: dict[str, float] = {}
        self._turn_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._paces: dict[str, _HostPace] = defaultdict(_HostPace)
        self._pace_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @classmethod
    def from_settings(cls, settings: Settings, rng: random.Random | None = None) -> LocalHostLimiter:
        return cls(settings.max_concurrency, settings.page_delay, rng)

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

    async def pace(self, host: str) -> int:
        state = self._paces[host]
        # One waiter at a time, and the interval read as it waits: a host slowed meanwhile is slow for it too
        # (so the moment moves, and no event marks it).
        async with self._pace_locks[host]:
            while (wait := state.last_start + state.interval - time.monotonic()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            state.last_start = time.monotonic()
            return state.generation

    def throttled(self, host: str, generation: int, pacing: Pacing) -> float:
        state = self._paces[host]
        if generation == state.generation:
            state.too_fast, state.interval = state.interval, pacing.slower(state.interval, state.held)
            state.generation, state.held = state.generation + 1, 0
        return state.interval

    def healthy(self, host: str, generation: int, pacing: Pacing) -> None:
        state = self._paces[host]
        if generation == state.generation and state.interval:
            state.interval, state.too_fast = pacing.faster(state.interval, state.too_fast)
            state.held += 1
