"""The Redis-backed per-host limits: shared by separate limiters (as by separate workers), and self-healing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import redis

from jobmatch.sources import LocalHostLimiter, Pacing, RedisHostLimiter
from tests.conftest import require_service

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        require_service("Redis (127.0.0.1:6379)", False)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


async def test_limiters_sharing_redis_hold_the_limit_together(client: redis.Redis) -> None:
    # Three limiters stand for three workers; each would allow 2 in flight on its own.
    limiters = [RedisHostLimiter(client, 2, (0, 0)) for _ in range(3)]
    in_flight = peak = 0

    async def request(limiter: RedisHostLimiter) -> None:
        nonlocal in_flight, peak
        async with limiter.slot("board"):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.03)
            in_flight -= 1

    await asyncio.gather(*(request(limiters[i % 3]) for i in range(12)))
    assert peak == 2
    assert client.zcard("jobmatch:limits:slots:board") == 0  # every place given back


async def test_a_slot_held_by_a_vanished_worker_comes_back_when_its_lease_ends(client: redis.Redis) -> None:
    dead = RedisHostLimiter(client, 1, (0, 0), lease_seconds=0.3)
    holder = dead.slot("board")  # kept referenced: collected, it would give its place back
    await holder.__aenter__()  # taken and never given back: its worker is gone...
    for task in asyncio.all_tasks() - {asyncio.current_task()}:
        task.cancel()  # ...and so is the task that renewed its lease

    started = time.monotonic()
    async with RedisHostLimiter(client, 1, (0, 0)).slot("board"):
        waited = time.monotonic() - started
    assert 0.2 <= waited < 2.0


async def test_search_pages_keep_their_gap_across_limiters(client: redis.Redis) -> None:
    limiters = [RedisHostLimiter(client, 10, (0.2, 0.2)) for _ in range(3)]
    times: list[float] = []

    async def page(limiter: RedisHostLimiter) -> None:
        await limiter.wait_turn("board")
        times.append(time.monotonic())

    await asyncio.gather(*(page(limiter) for limiter in limiters))
    times.sort()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(gap >= 0.18 for gap in gaps), gaps


PACING = Pacing(backoff=1.5, recovery=0.1, margin=0.02, min_interval=0.2, max_interval=5.0)


async def test_a_throttle_met_by_one_worker_paces_the_others(client: redis.Redis) -> None:
    one, other = RedisHostLimiter(client, 10, (0, 0)), RedisHostLimiter(client, 10, (0, 0))
    generation = await one.pace("board")
    assert one.throttled("board", generation, PACING) == pytest.approx(0.2)
    assert one.throttled("board", generation, PACING) == pytest.approx(0.2)  # an answer to the old pace: no change
    started = time.monotonic()
    assert await other.pace("board") == generation + 1
    await other.pace("board")
    await one.pace("board")
    assert 0.35 <= time.monotonic() - started < 1.0  # three starts 0.2 s apart (the first may wait for the throttle)


async def test_the_redis_pace_follows_the_same_rules_as_the_local_one(client: redis.Redis) -> None:
    local, shared = LocalHostLimiter(10, (0, 0)), RedisHostLimiter(client, 10, (0, 0))
    # Throttled from unpaced, twice more before the pace held, then healthy answers, a throttle at a pace that had
    # held, more healthy answers: both limiters must give the same intervals at every step.
    steps = ["throttled"] * 3 + ["healthy"] * 30 + ["throttled"] + ["healthy"] * 50 + ["throttled"] + ["healthy"] * 5
    generation, seen = 0, []
    for step in steps:
        if step == "throttled":
            intervals = [limiter.throttled("board", generation, PACING) for limiter in (local, shared)]
            generation += 1
        else:
            for limiter in (local, shared):
                limiter.healthy("board", generation, PACING)
            intervals = [limiter.throttled("board", -1, PACING) for limiter in (local, shared)]  # reads it
        assert intervals[1] == pytest.approx(intervals[0], rel=1e-9)
        seen.append(intervals[0])
    assert seen[:3] == pytest.approx([0.2, 0.3, 0.45]) and min(seen[3:]) > 0.3  # learned: not below 0.3 * 1.02
    held = seen[33]  # the throttle after 30 healthy answers: the host allows a little less than that pace
    assert held == pytest.approx(seen[32] * 1.02**2)
