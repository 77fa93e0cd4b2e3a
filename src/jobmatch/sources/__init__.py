"""Job boards: how to search each one and how to read its pages, over one polite HTTP layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from jobmatch.config import Settings
from jobmatch.models import JobPosting, JobRef, SearchQuery
from jobmatch.sources._http import (
    BlockedError,
    FetchError,
    FetchEvents,
    HostNotAllowedError,
    NotFoundError,
    PoliteClient,
    RetryPolicy,
)
from jobmatch.sources._limits import HostLimiter, LocalHostLimiter, Pacing

if TYPE_CHECKING:
    from jobmatch.sources._redis_limits import RedisHostLimiter

__all__ = [
    "BlockedError",
    "FetchError",
    "FetchEvents",
    "HostLimiter",
    "HostNotAllowedError",
    "LocalHostLimiter",
    "NotFoundError",
    "Pacing",
    "PoliteClient",
    "RedisHostLimiter",
    "RetryPolicy",
    "Source",
    "UnknownSourceError",
    "make_source",
]


def __getattr__(name: str) -> object:
    # Imported on first use: only the scaled-out engine needs the Redis client.
    if name == "RedisHostLimiter":
        from jobmatch.sources._redis_limits import RedisHostLimiter

        return RedisHostLimiter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Source(Protocol):
    """A job board: pages of search results, and one posting at a time."""

    name: str

    def search(self, query: SearchQuery) -> AsyncIterator[list[JobRef]]:
        """Yield each search page's cards not yet seen in this search, politely paced."""
        ...

    async def fetch(self, ref: JobRef) -> JobPosting:
        """Fetch and parse one posting; raises FetchError with a readable reason."""
        ...


class UnknownSourceError(ValueError):
    """A source name no module implements."""


def make_source(name: str, client: PoliteClient, settings: Settings) -> Source:
    """The source called `name`, speaking through `client`."""
    if name == "linkedin":
        from jobmatch.sources.linkedin import LinkedInSource

        return LinkedInSource(client, settings.linkedin_url)
    raise UnknownSourceError(f"unknown source {name!r}; known: linkedin")
