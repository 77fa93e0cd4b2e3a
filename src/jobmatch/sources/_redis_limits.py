"""Per-host politeness shared by every worker through Redis, so N workers are no harder on a board than one.

In-flight places are a sorted set of leases (member = token, score = expiry in ms): a worker killed while holding
one loses it when the lease runs out, with no one to release it. The pause between search pages is one key holding
the next time a page may be asked for. A host's pace is one hash (interval, the interval last throttled, generation,
last start), changed by scripts that apply `Pacing`'s rules. All use Redis's own clock, so workers on hosts with
skewed clocks agree.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis

from jobmatch.sources._limits import Pacing

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

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
"""

# KEYS[1] pace; ARGV: memory ms. Starts a request when the host's interval has passed since the last start: returns
# {0, generation}; else {ms to wait, generation} and starts nothing.
_PACE = (
    _NOW
    + """
local s = redis.call('HMGET', KEYS[1], 'interval', 'last', 'gen')
local interval, gen = tonumber(s[1]) or 0, tonumber(s[3]) or 0
if s[2] then
  local wait = tonumber(s[2]) + interval - now
  if wait > 0 then return {math.ceil(wait), gen} end
end
redis.call('HSET', KEYS[1], 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {0, gen}
"""
)

# KEYS[1] pace; ARGV: generation, backoff, margin, min ms, max ms, memory ms, HELD. Pacing.slower; returns the
# interval (ms).
_THROTTLED = """
local s = redis.call('HMGET', KEYS[1], 'interval', 'held', 'gen')
local interval, held, gen = tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0
if tonumber(ARGV[1]) ~= gen then return tostring(interval) end
local slower = interval * tonumber(ARGV[2])
if held >= tonumber(ARGV[7]) then slower = interval * (1 + tonumber(ARGV[3])) ^ 2 end
slower = math.min(tonumber(ARGV[5]), math.max(tonumber(ARGV[4]), slower))
redis.call('HSET', KEYS[1], 'too_fast', tostring(interval), 'interval', tostring(slower), 'gen', gen + 1, 'held', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return tostring(slower)
"""

# KEYS[1] pace; ARGV: generation, recovery, margin, min ms. Pacing.faster.
_HEALTHY = """
local s = redis.call('HMGET', KEYS[1], 'interval', 'too_fast', 'gen')
local interval, too_fast, gen = tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0
if tonumber(ARGV[1]) ~= gen or interval <= 0 then return 0 end
local recovery = tonumber(ARGV[2])
too_fast = too_fast * (1 - recovery / 1000)
local safe = math.max(tonumber(ARGV[4]), too_fast * (1 + tonumber(ARGV[3])))
if interval > safe then interval = safe + (interval - safe) * (1 - recovery) end
redis.call('HSET', KEYS[1], 'interval', tostring(interval), 'too_fast', tostring(too_fast))
redis.call('HINCRBY', KEYS[1], 'held', 1)
return 1
"""

# A host's pace is forgotten after this long without a request or a throttle.
_PACE_MEMORY_MS = 3_600_000

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
        self._pace = client.register_script(_PACE)
        self._throttled = client.register_script(_THROTTLED)
        self._healthy = client.register_script(_HEALTHY)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        key, token = f"{self._prefix}:slots:{host}", uuid.uuid4().hex
        # Redis calls are sub-millisecond on a near network; a sync client spares a pool per event loop. A place
        # freed in another process sets no event here: polling is the way to see it.
        while not self._acquire(keys=[key], args=[self._max_in_flight, self._lease_ms, token]):  # noqa: ASYNC110
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

    async def pace(self, host: str) -> int:
        key = f"{self._prefix}:pace:{host}"
        # Whoever asks first once the interval has passed starts; the others wait out what is left and ask again.
        while True:
            wait_ms, generation = self._pace(keys=[key], args=[_PACE_MEMORY_MS])
            if wait_ms <= 0:
                return int(generation)
            await asyncio.sleep(int(wait_ms) / 1000)

    def throttled(self, host: str, generation: int, pacing: Pacing) -> float:
        args = [
            generation,
            pacing.backoff,
            pacing.margin,
            pacing.min_interval * 1000,
            pacing.max_interval * 1000,
            _PACE_MEMORY_MS,
            pacing.HELD,
        ]
        return float(self._throttled(keys=[f"{self._prefix}:pace:{host}"], args=args)) / 1000

    def healthy(self, host: str, generation: int, pacing: Pacing) -> None:
        args = [generation, pacing.recovery, pacing.margin, pacing.min_interval * 1000]
        self._healthy(keys=[f"{self._prefix}:pace:{host}"], args=args)

    async def _keep(self, key: str, token: str) -> None:
        # A request may outlast one lease (slow board, retries inside a redirect chain): renew while it runs.
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            self._renew(keys=[key], args=[self._lease_ms, token])
