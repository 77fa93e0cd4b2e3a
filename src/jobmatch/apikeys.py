"""API keys of the HTTP service: made here, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from jobmatch.store import ApiKey, Store

KEY_PREFIX = "jm_"


def hash_key(raw: str) -> str:
    """The stored form of a key.

    SHA-256 without salt is enough here: keys are 256 random bits, so there is nothing for a slow hash to protect,
    and a fast one keeps every authenticated poll cheap.
    """
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_key(store: Store, name: str, max_running: int | None = None) -> tuple[ApiKey, str]:
    """A new key named `name`: its record and the key itself, which nothing can show again."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=raw[: len(KEY_PREFIX) + 6], max_running=max_running)
    store.create_api_key(key, hash_key(raw))
    return key, raw
