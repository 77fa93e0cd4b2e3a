"""Where postings, executions and embeddings live: one protocol, one implementation per database."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field

from jobmatch.config import Settings
from jobmatch.models import (
    MAX_SOURCES,
    Execution,
    ExecutionStatus,
    Failure,
    JobPosting,
    JobRef,
    ListingOutcome,
    SourceCounts,
    utcnow,
)

__all__ = [
    "LOCAL_OWNER",
    "ApiKey",
    "ListingOutcome",
    "Resume",
    "Store",
    "WatchedBoard",
    "WatchlistError",
    "keep_resume",
    "open_store",
    "unwatch",
    "watch",
]

# Who owns the resumes the command line keeps for its own searches (API keys' ids are 16 hex characters).
LOCAL_OWNER = "local"


class Store(Protocol):
    """Everything a runner and its stages persist. Writes are idempotent: a stage run twice leaves one row."""

    # Executions
    def create_execution(self, execution: Execution) -> None: ...
    def get_execution(self, execution_id: str) -> Execution | None: ...
    def running_executions(self) -> list[Execution]: ...
    def increment(self, execution_id: str, **deltas: int) -> None:
        """Add to an execution's counters atomically (`closed=1`, `filtered=3`, ...)."""
        ...

    def record_page(self, execution_id: str, number: int) -> None:
        """Note that the search has read its page `number` (1-based). `counts.pages` is the highest number recorded,
        so a dispatch run again after a crash does not count its pages twice."""
        ...

    def finish_execution(self, execution_id: str, status: ExecutionStatus, error: str | None = None) -> bool:
        """End a RUNNING execution; False (and nothing changed) when it had already ended.

        Only the stage layer calls this (`pipeline.stages.end_search`), so every end settles what was unsettled."""
        ...

    def save_results(self, execution_id: str, results: Mapping[str, Any]) -> None: ...
    def get_results(self, execution_id: str) -> dict[str, Any] | None: ...

    # What a search listed, and how each ended
    def add_listings(self, execution_id: str, refs: Sequence[JobRef]) -> list[JobRef]:
        """Link cards to the execution; returns those not linked before (and counts them as listed)."""
        ...

    def settle_listing(
        self, execution_id: str, ref: JobRef, outcome: ListingOutcome, reason: str | None = None
    ) -> bool:
        """Record how a listed posting ended and count it; False when it had already ended."""
        ...

    def failures(self, execution_id: str) -> list[Failure]: ...
    def source_counts(self, execution_id: str) -> dict[str, SourceCounts]:
        """Per source the execution listed from: its postings listed, and how many ended fetched, cached, failed."""
        ...

    def unsettled_listings(self, execution_id: str) -> list[JobRef]: ...
    def get_listing(self, execution_id: str, source: str, job_id: str) -> JobRef | None:
        """One card this execution listed (a Scraper Lambda gets only the posting's id through Step Functions)."""
        ...

    # Postings, fetched once and shared by every search
    def get_posting(self, source: str, job_id: str) -> JobPosting | None: ...
    def save_posting(self, posting: JobPosting) -> None: ...
    def execution_postings(self, execution_id: str) -> list[JobPosting]:
        """The stored postings an execution listed, in listing order."""
        ...

    # Embeddings (the ranking's EmbeddingCache)
    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]: ...
    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...

    def close(self) -> None: ...

    # The HTTP service: API keys (stored hashed) and resumes (every runner's analyzer reads a search's resume here)
    def create_api_key(self, key: ApiKey, key_hash: str) -> None: ...
    def api_key_by_hash(self, key_hash: str) -> ApiKey | None: ...
    def list_api_keys(self) -> list[ApiKey]: ...
    def save_resume(self, resume: Resume) -> None: ...
    def get_resume(self, resume_id: str) -> Resume | None: ...
    def latest_resume(self, api_key_id: str) -> Resume | None:
        """The key's most recently uploaded resume."""
        ...

    def list_resumes(self, api_key_id: str) -> list[Resume]:
        """The key's resumes, newest first."""
        ...

    def count_running(self, owner: str) -> int:
        """How many of the key's executions are RUNNING."""
        ...

    # Watchlists: the company boards a key (or the command line, as LOCAL_OWNER) reads with `--source watchlist`
    def watchlist(self, api_key_id: str) -> list[WatchedBoard]:
        """The key's boards, in the order they were added."""
        ...

    def watch_board(self, board: WatchedBoard) -> bool:
        """Add a board to its key's watchlist; False (nothing changed) when it was there already."""
        ...

    def unwatch_board(self, api_key_id: str, source: str) -> bool:
        """Take a board off the key's watchlist; False when it was not on it."""
        ...


class ApiKey(BaseModel):
    """A client of the HTTP service; the key itself is never stored, only its hash."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:16])
    name: str
    prefix: str = Field("", description="The key's first characters, to tell keys apart in a listing.")
    max_running: int | None = Field(None, ge=0, description="Searches it may run at once; None = the setting's.")
    created_at: datetime = Field(default_factory=utcnow)


class Resume(BaseModel):
    """An uploaded resume as text; only the key that uploaded it can use it."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    api_key_id: str
    filename: str
    size: int = Field(description="Bytes uploaded.")
    text: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class WatchedBoard(BaseModel):
    """A board on a key's watchlist."""

    api_key_id: str
    source: str = Field(description="The source name, e.g. greenhouse:stripe.")
    added_at: datetime = Field(default_factory=utcnow)


def open_store(settings: Settings) -> Store:
    """The store for `settings.database_url`."""
    if settings.database_url.startswith("dynamodb://"):
        from jobmatch.store.dynamo import DynamoStore

        return DynamoStore.from_url(settings.database_url, ttl_days=settings.aws_execution_ttl_days)
    from jobmatch.store.sql import SqlStore

    return SqlStore(settings.database_url)


class WatchlistError(ValueError):
    """A board that cannot go on a watchlist: not a company board, or the watchlist is full."""


def watch(store: Store, owner: str, source: str) -> tuple[WatchedBoard, bool]:
    """Put the company board `source` on `owner`'s watchlist; (the board, whether it was added now)."""
    from jobmatch.sources import UnknownSourceError, check_source_name, whole_board

    try:
        name = check_source_name(source)
    except UnknownSourceError as exc:
        raise WatchlistError(str(exc)) from None
    if not whole_board(name):
        raise WatchlistError(f"{name!r} is not a company board; a watchlist holds greenhouse, lever and ashby boards")
    watched = store.watchlist(owner)
    existing = next((board for board in watched if board.source == name), None)
    if existing is not None:
        return existing, False
    if len(watched) >= MAX_SOURCES:
        raise WatchlistError(f"the watchlist already holds {MAX_SOURCES} boards, its limit; remove one first")
    board = WatchedBoard(api_key_id=owner, source=name)
    return board, store.watch_board(board)


def unwatch(store: Store, owner: str, source: str) -> bool:
    """Take `source` off `owner`'s watchlist; False when it was not on it."""
    from jobmatch.sources import UnknownSourceError, check_source_name

    try:
        name = check_source_name(source)
    except UnknownSourceError:
        return False  # no such source, so not on any list
    return store.unwatch_board(owner, name)


def tally_sources(rows: Iterable[tuple[str, str, int]]) -> dict[str, SourceCounts]:
    """(source, listing state, how many) rows as each source's counts: every store's `source_counts`."""
    counts: dict[str, SourceCounts] = {}
    for source, state, number in rows:
        entry = counts.setdefault(source, SourceCounts())
        entry.listed += number
        if state != ListingOutcome.LISTED:
            counter = ListingOutcome(state).counter
            setattr(entry, counter, getattr(entry, counter) + number)
    return counts


def keep_resume(store: Store, text: str, *, filename: str = "resume.txt", size: int | None = None) -> Resume:
    """Keep a resume the command line (or a test, or a benchmark) ranks against; the same text is kept once."""
    resume = Resume(
        id=hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32],
        api_key_id=LOCAL_OWNER,
        filename=filename,
        size=len(text.encode("utf-8", "replace")) if size is None else size,
        text=text,
    )
    store.save_resume(resume)
    return resume
