"""Job boards: how to search each one and how to read its pages, over one polite HTTP layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from jobmatch.models import JobPosting, JobRef, SearchQuery
from jobmatch.sources._fields import ParseError
from jobmatch.sources._filter import matches_query
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
from jobmatch.sources._registry import (
    ACCEPTED_FORMS,
    UnknownSourceError,
    check_source_name,
    make_source,
    whole_board,
)

if TYPE_CHECKING:
    from jobmatch.sources._redis_limits import RedisHostLimiter

__all__ = [
    "ACCEPTED_FORMS",
    "BlockedError",
    "FetchError",
    "FetchEvents",
    "HostLimiter",
    "HostNotAllowedError",
    "LocalHostLimiter",
    "NotFoundError",
    "ParseError",
    "Pacing",
    "PoliteClient",
    "RedisHostLimiter",
    "RetryPolicy",
    "Source",
    "UnknownSourceError",
    "check_source_name",
    "make_source",
    "matches_query",
    "whole_board",
]


def __getattr__(name: str) -> object:
    # Imported on first use: only the scaled-out engine needs the Redis client.
    if name == "RedisHostLimiter":
        from jobmatch.sources._redis_limits import RedisHostLimiter

        return RedisHostLimiter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Source(Protocol):
    """A job board: pages of search results, and one posting at a time.

    `search` yields lists of cards. A search board (LinkedIn, `whole_board` False) lists the cards its own search
    matched, and `fetch` reads each. A company board (`whole_board` True) is read whole, whatever the query: the
    caller filters its cards with `matches_query` (counting what it drops as filtered), keeps the cards that are
    already complete `JobPosting`s as they are, and calls `fetch` only for bare `JobRef`s (Greenhouse's, whose
    detail call adds the pay ranges). Every card's `source` is the source's `name` ("greenhouse:stripe"), so job
    ids are unique per source instance and `make_source(ref.source, ...)` finds the source that fetches it.
    """

    name: str
    whole_board: bool

    def search(self, query: SearchQuery) -> AsyncIterator[list[JobRef]]:
        """Yield each page's cards not yet seen in this search, politely paced."""
        ...

    async def fetch(self, ref: JobRef) -> JobPosting:
        """Fetch and parse one posting; raises FetchError with a readable reason."""
        ...
