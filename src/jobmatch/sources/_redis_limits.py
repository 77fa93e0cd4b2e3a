"""Per-host politeness shared by every worker through Redis, so N workers are no harder on a board than one.

In-flight places are a sorted set of leases (member = token, score = expiry in ms): a worker killed while holding
one loses it when the lease runs out, with no one to release it. The pause between search pages is one key holding
the next time a page may be asked for. Both use Redis's own clock, so workers on hosts with skewed clocks agree.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis

# KEYS[1] leases; ARGV: max places, lease ms, token. Returns 1 when the token now holds a place.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0
"""

# KEYS[1] leases; ARGV: lease ms, token. Extends a lease still held; 0 when it had expired.
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
  return 1
end
return 0
"""

# KEYS[1] next allowed page time; ARGV: gap ms. Reserves the next turn; returns ms to wait for it.
_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local start = tonumber(redis.call('GET', KEYS[1]) or now)
if start < now then start = now end
redis.call('SET', KEYS[1], start + tonumber(ARGV[1]), 'PX', start - now + tonumber(ARGV[1]) + 1000)
return start - now
"""

# Between attempts at a full host: short enough to keep the board busy, long enough not to hammer Redis.
_POLL = (0.01, 0.04)


class RedisHostLimiter:
    """A HostLimiter whose limits hold across processes and hosts that share one Redis."""

    def __init__(
        self,
        client: redis.Redis,
        max_in_flight: int,
        page_delay: tuple[float, float],
        *,
        lease_seconds: float = 30.0,
        prefix: str = "jobmatch:limits",
        rng: random.Random | None = None,
    ):
        self._redis = client
        self._max_in_flight = max_in_flight
        self._page_delay = page_delay
        self._lease_ms = max(1, round(lease_seconds * 1000))
        self._prefix = prefix
        self._rng = rng or random.Random()
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._turn = client.register_script(_TURN)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        key, token = f"{self._prefix}:slots:{host}", uuid.uuid4().hex
        # Redis calls are sub-millisecond on a near network; a sync client spares a pool per event loop.
        while not self._acquire(keys=[key], args=[self._max_in_flight, self._lease_ms, token]):
            await asyncio.sleep(self._rng.uniform(*_POLL))
        keeper = asyncio.get_running_loop().create_task(self._keep(key, token))
        try:
            yield
        finally:
            keeper.cancel()
            self._redis.zrem(key, token)

    async def wait_turn(self, host: str) -> float:
        gap_ms = round(self._rng.uniform(*self._page_delay) * 1000)
        wait = int(self._turn(keys=[f"{self._prefix}:page:{host}"], args=[gap_ms])) / 1000
        if wait:
            await asyncio.sleep(wait)
        return wait

    async def _keep(self, key: str, token: str) -> None:
        # A request may outlast one lease (slow board, retries inside a redirect chain): renew while it runs.
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            self._renew(keys=[key], args=[self._lease_ms, token])
