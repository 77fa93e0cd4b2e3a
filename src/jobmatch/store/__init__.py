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
    NotifyStatus,
    PostingStatus,
    Reported,
    SourceCounts,
    Watch,
    WatchRun,
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

    def count_once(self, execution_id: str, mark: str, **deltas: int) -> bool:
        """Add to an execution's counters the first time `mark` is counted for it ("filtered#<source>#<page>"), so
        a stage run again (a dispatch resumed after a crash, a task delivered twice) counts nothing twice; False
        (and nothing changed) when `mark` had been counted, or the execution does not exist."""
        ...

    def uncount(self, execution_id: str, mark: str, **deltas: int) -> bool:
        """Take back what `count_once` added under `mark`, and the mark: a board that failed on an earlier run of
        the dispatch and was read on this one is no longer counted as failed. `deltas` must be the ones `count_once`
        was given (the mark does not keep them). False (and nothing changed) when `mark` is not counted for the
        execution."""
        ...

    def record_page(self, execution_id: str, number: int) -> None:
        """Note that the search has read its page `number` (1-based). `counts.pages` is the highest number recorded,
        so a dispatch run again after a crash does not count its pages twice."""
        ...

    def finish_execution(self, execution_id: str, status: ExecutionStatus, error: str | None = None) -> bool:
        """End a RUNNING execution; False (and nothing changed) when it had already ended.

        Only the stage layer calls this (`pipeline.stages.end_search`), so every end settles what was unsettled."""
        ...

    def claim_execution(self, execution_id: str, runner: str, stale_before: datetime) -> bool:
        """Make `runner` the holder of a RUNNING execution whose holder's last heartbeat is older than `stale_before`
        (or that it holds already); False when another live runner holds it, or it has ended."""
        ...

    def heartbeat(self, runner: str, execution_ids: Sequence[str]) -> None:
        """Say `runner` is alive and still runs these executions (those it holds and are RUNNING)."""
        ...

    def release(self, runner: str) -> int:
        """Let go of every RUNNING execution `runner` holds, so another runner may take them at once."""
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

    # Taking data back: what a key owns can be deleted, and the key with it
    def owned_executions(self, owner: str) -> list[str]:
        """The ids of every execution the key started."""
        ...

    def delete_execution(self, execution_id: str) -> bool:
        """Delete an execution with its listings and results (the postings, shared by every search, stay)."""
        ...

    def delete_resume(self, resume_id: str) -> bool: ...
    def delete_api_key(self, key_id: str) -> bool:
        """Revoke a key: it authenticates nothing from now on."""
        ...

    # Watches (saved searches on a schedule), their runs, what each reported, and each key's marks on postings
    def create_watch(self, watch: Watch) -> bool:
        """Store a new watch; False (nothing stored) when its owner already has a watch of that name."""
        ...

    def get_watch(self, watch_id: str) -> Watch | None: ...
    def watch_by_name(self, owner: str, name: str) -> Watch | None: ...
    def list_watches(self, owner: str) -> list[Watch]:
        """The owner's watches, by name."""
        ...

    def update_watch(self, watch: Watch) -> bool:
        """Replace a watch's fields; False (nothing changed) when its new name is another of the owner's watches."""
        ...

    def delete_watch(self, watch_id: str) -> bool:
        """Delete a watch with its runs and what it reported; False when there was none."""
        ...

    def due_watches(self, now: datetime) -> list[Watch]:
        """Every watch whose `next_run_at` is at or before `now`."""
        ...

    def claim_watch_run(self, watch_id: str, due_at: datetime, next_run_at: datetime) -> bool:
        """Move a watch's `next_run_at` from `due_at` to `next_run_at` (compare-and-set): True for the one caller
        that did it, so each due time is run once however many schedulers race for it."""
        ...

    def create_watch_run(self, run: WatchRun) -> None: ...
    def get_watch_run(self, watch_id: str, run_id: str) -> WatchRun | None: ...
    def list_watch_runs(self, watch_id: str, limit: int = 20) -> list[WatchRun]:
        """The watch's runs, newest first."""
        ...

    def unreported_watch_runs(self) -> list[WatchRun]:
        """Runs whose news has not been worked out yet (their search may still be running)."""
        ...

    def report_watch_run(self, run: WatchRun, reported: Sequence[Reported]) -> bool:
        """Record a run's news and the postings it reported (compare-and-set on `reported`); False when another
        process reported it first. The postings are recorded first: a crash between the two reports none twice."""
        ...

    def pending_notifications(self) -> list[WatchRun]:
        """Reported runs whose notification was never settled (the process sending it died)."""
        ...

    def record_notification(
        self, watch_id: str, run_id: str, status: NotifyStatus, error: str | None, attempts: int
    ) -> None: ...
    def reported_postings(self, watch_id: str) -> list[Reported]: ...

    def set_posting_status(self, status: PostingStatus) -> None:
        """Upsert a key's mark on a posting."""
        ...

    def posting_statuses(self, api_key_id: str) -> list[PostingStatus]: ...

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
        from jobmatch._retry import RetryPolicy
        from jobmatch.store.dynamo import DynamoStore

        return DynamoStore.from_url(
            settings.database_url,
            ttl_days=settings.aws_execution_ttl_days,
            transaction_retry=RetryPolicy.for_transactions(settings),
        )
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
