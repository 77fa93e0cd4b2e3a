"""What Celery workers share about a search besides the store: whether dispatch has begun and ended, its notes.

Kept in Redis next to the queue: it lives only as long as the search runs, and the store's tables stay the same for
every runner. Every write is idempotent or a set-if-absent, so a task run twice changes nothing the second time.
"""

from __future__ import annotations

import json
import time
from typing import cast

import redis

_TRACKED = "jobmatch:executions"
# KEYS[1] lease; ARGV: token, ms. Takes a free lease or renews one's own; 0 when someone else holds it.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
"""


class SearchProgress:
    """Per-execution coordination state in Redis."""

    def __init__(self, client: redis.Redis, *, ttl_seconds: float):
        self._redis = client
        self._ttl = max(60, round(ttl_seconds))
        self._hold = client.register_script(_HOLD)

    def start(self, execution_id: str) -> None:
        """Remember a new search until it ends."""
        key = _key(execution_id)
        pipe = self._redis.pipeline()
        pipe.hset(key, mapping={"submitted": 1})
        pipe.expire(key, self._ttl)
        pipe.sadd(_TRACKED, execution_id)
        pipe.execute()

    def begin_dispatch(self, execution_id: str) -> bool:
        """Mark dispatch as under way; False when a dispatch of this search had begun before (a redelivery)."""
        return bool(self._redis.hsetnx(_key(execution_id), "dispatch_started", str(int(time.time()))))

    def hold_dispatch(self, execution_id: str, token: str, seconds: float) -> bool:
        """Take or renew the lease on this search's dispatch for `token`; False while another holder's is alive."""
        return bool(self._hold(keys=[f"{_key(execution_id)}:dispatcher"], args=[token, max(1, round(seconds * 1000))]))

    def dispatch_held(self, execution_id: str) -> bool:
        return bool(self._redis.exists(f"{_key(execution_id)}:dispatcher"))

    def dispatch_begun(self, execution_id: str) -> bool:
        return bool(self._redis.hexists(_key(execution_id), "dispatch_started"))

    def end_dispatch(self, execution_id: str, notes: list[str]) -> None:
        self._redis.hset(_key(execution_id), mapping={"notes": json.dumps(notes), "dispatched": 1})

    def dispatched(self, execution_id: str) -> bool:
        return bool(self._redis.hexists(_key(execution_id), "dispatched"))

    def notes(self, execution_id: str) -> list[str]:
        raw = cast("bytes | None", self._redis.hget(_key(execution_id), "notes"))
        return json.loads(raw) if raw else []

    def claim(self, execution_id: str, action: str, hold_seconds: float) -> bool:
        """True for one caller per `hold_seconds`: who may enqueue `action` (a lost enqueue is retried after it)."""
        key = f"{_key(execution_id)}:{action}"
        return bool(self._redis.set(key, 1, nx=True, ex=max(1, round(hold_seconds))))

    def tracked(self) -> list[str]:
        return sorted(_text(member) for member in cast("set[bytes]", self._redis.smembers(_TRACKED)))

    def forget(self, execution_id: str) -> None:
        key = _key(execution_id)
        self._redis.delete(key, f"{key}:analyze", f"{key}:dispatch", f"{key}:dispatcher")
        self._redis.srem(_TRACKED, execution_id)


def _key(execution_id: str) -> str:
    return f"jobmatch:execution:{execution_id}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
