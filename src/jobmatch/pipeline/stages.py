"""The pipeline's stages and the search lifecycle, as plain functions: the one place their rules live.

dispatch pages the boards' searches, scrape stores one listed posting, analyze ranks what was stored, and
`end_search` is the only way a search ends (what is still unsettled fails with the reason, then the execution ends).
They speak to sources and a Store through their protocols and know nothing of which runner calls them, so the
embedded runner, Celery tasks and Lambda handlers all run the same code.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from jobmatch.config import Settings
from jobmatch.models import (
    WATCHLIST,
    Execution,
    ExecutionStatus,
    JobPosting,
    JobRef,
    ListingOutcome,
    Outcome,
    SearchQuery,
    SearchReport,
    SourceCounts,
    utcnow,
)
from jobmatch.sources import (
    FetchError,
    HostLimiter,
    PoliteClient,
    Source,
    UnknownSourceError,
    make_source,
    matches_query,
)
from jobmatch.store import Store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

log = logging.getLogger(__name__)

ABORTED_REASON = "search aborted"
UNSCRAPED_REASON = "no scrape stored this posting"


@dataclass(frozen=True)
class ScrapeResult:
    """How one listed posting ended: its outcome, the posting when stored, the reason when it failed."""

    ref: JobRef
    outcome: ListingOutcome
    posting: JobPosting | None = None
    reason: str | None = None


class SearchFailed(Exception):
    """A search that could not list anything: its message is the reason the execution failed."""


# The lifecycle


def end_search(store: Store, execution_id: str, status: ExecutionStatus, reason: str | None = None) -> bool:
    """End a RUNNING search with `status`: its postings still unsettled fail with `reason` first, so nothing a search
    listed is left without an end. False (nothing changed) when it had already ended."""
    if reason is not None:
        abandon(execution_id, store, reason)
    return store.finish_execution(execution_id, status, reason)


def deadline_reason(timeout: float) -> str:
    return f"search did not end within {timeout:g} s"


def lease_lapsed(execution: Execution, stale_before: datetime) -> bool:
    """Whether the embedded runner holding a RUNNING search has fallen silent (it died, or let go on its way out)."""
    return execution.runner is not None and (execution.heartbeat_at is None or execution.heartbeat_at < stale_before)


def stale_before(settings: Settings) -> datetime:
    """Heartbeats older than this are a dead runner's."""
    return utcnow() - timedelta(seconds=settings.runner_lease_seconds)


def past_deadline(execution: Execution, timeout: float) -> bool:
    """Whether a search has run longer than `timeout` seconds since it was submitted."""
    return (utcnow() - execution.created_at).total_seconds() > timeout


def ready_to_analyze(execution: Execution) -> bool:
    """Every posting listed so far has ended (the runner knows whether listing itself has ended)."""
    return not execution.status.finished and execution.counts.settled >= execution.counts.listed


def complete(
    store: Store,
    ranker: Ranker,
    execution_id: str,
    *,
    notes: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SearchReport:
    """The last stage: fail what no scrape settled, rank the stored postings, end the search SUCCEEDED."""
    # Normally nothing: a listing no scrape settled (its task lost past retries) must still end accounted for.
    abandon(execution_id, store, UNSCRAPED_REASON)
    report = analyze(execution_id, store, ranker, notes=notes, progress=progress)
    end_search(store, execution_id, ExecutionStatus.SUCCEEDED)
    return report


def outcome(execution: Execution) -> Outcome | None:
    """Whether an ended search is complete; None while it runs. The one rule every report, status and exit code
    reads: a search is complete when it succeeded, every posting it listed was stored, and every search page and
    board it asked for was read."""
    if not execution.status.finished:
        return None
    counts, shortfalls = execution.counts, []
    if execution.status is not ExecutionStatus.SUCCEEDED:
        shortfalls.append(f"search {execution.status.value.lower().replace('_', ' ')}: {execution.error}")
    if counts.sources_failed:
        shortfalls.append(f"{counts.sources_failed} board(s) could not be read (see notes)")
    if counts.pages_failed:
        shortfalls.append(f"{counts.pages_failed} search page(s) could not be read, so their postings were not listed")
    if counts.failed:
        shortfalls.append(f"{counts.failed} of {counts.listed} listed postings could not be fetched (see failures)")
    return Outcome(complete=not shortfalls, shortfalls=shortfalls)


def load_report(store: Store, execution_id: str) -> SearchReport | None:
    """An execution as a report: status, counters, failures and, once analyzed, its matches."""
    execution = store.get_execution(execution_id)
    if execution is None:
        return None
    results = store.get_results(execution_id) or {}
    return SearchReport(
        execution_id=execution.id,
        status=execution.status,
        error=execution.error,
        outcome=outcome(execution),
        query=execution.query,
        counts=execution.counts,
        by_source=by_source(store, execution),
        failures=store.failures(execution_id),
        **{key: results[key] for key in ("matches", "notes", "ranked_against") if key in results},
    )


def by_source(store: Store, execution: Execution) -> dict[str, SourceCounts]:
    """The counts of each source the search names, in its order; a source that listed nothing shows zeros."""
    counted = store.source_counts(execution.id)
    return {name: counted.pop(name, SourceCounts()) for name in execution.query.sources} | counted


class EmptyWatchlistError(ValueError):
    """A search that names the watchlist of a key whose watchlist holds no board."""


def resolve_watchlist(query: SearchQuery, store: Store, owner: str) -> SearchQuery:
    """The query with the source `watchlist` replaced by the boards on `owner`'s watchlist (at submission, so the
    search records the boards it read). EmptyWatchlistError when the list is empty; pydantic's ValidationError,
    naming `sources`, when the boards make the search name more than MAX_SOURCES."""
    if WATCHLIST not in query.sources:
        return query
    watched = [board.source for board in store.watchlist(owner)]
    if not watched:
        raise EmptyWatchlistError(
            "sources: the watchlist is empty; add boards to it first (`jobmatch boards add`, or POST /v1/boards)"
        )
    sources = [source for name in query.sources for source in (watched if name == WATCHLIST else [name])]
    return SearchQuery.model_validate({**query.model_dump(), "sources": sources})


# The boards a search reads


class Boards:
    """The sources of one search (or one task of it), sharing one polite client: one source object per name."""

    def __init__(self, settings: Settings, client: PoliteClient):
        self.settings = settings
        self._client = client
        self._sources: dict[str, Source] = {}

    def get(self, name: str) -> Source:
        source = self._sources.get(name)
        if source is None:
            source = self._sources[name] = make_source(name, self._client, self.settings)
        return source

    @property
    def max_age(self) -> timedelta:
        """How old a stored posting may be and still serve a search without being fetched again."""
        return timedelta(days=self.settings.posting_max_age_days)


class _SearchEvents:
    """Counts a search's retried requests, so its status, report and CLI show how hard the boards pushed back."""

    def __init__(self, store: Store, execution_id: str):
        self._store = store
        self._execution_id = execution_id

    def retried(self, host: str, reason: str, attempt: int, wait: float) -> None:
        self._store.increment(self._execution_id, retries=1)

    def blocked(self, host: str, reason: str) -> None:
        """A block ends the request with BlockedError, whose reason the search's failures and notes carry."""


@asynccontextmanager
async def open_boards(
    settings: Settings, store: Store, execution_id: str, *, limiter: HostLimiter | None = None
) -> AsyncIterator[Boards]:
    """The boards of one search, over a client that keeps `limiter`'s per-host politeness and logs and counts every
    retry, wait and block under the search's id."""
    events = _SearchEvents(store, execution_id)
    async with PoliteClient(settings, limiter=limiter, events=events, search_id=execution_id) as client:
        yield Boards(settings, client)


# The stages


async def dispatch(
    execution: Execution, boards: Boards, store: Store, *, notes: list[str] | None = None
) -> AsyncIterator[list[JobRef]]:
    """Read every source of the search at once; record each page's cards and yield those still to be scraped.

    Each source is read by its own task (each host keeps its own politeness through the client's shared limiter),
    and pages are yielded as they arrive, whichever source they come from. Per page: a company board's cards
    (`whole_board`) are kept only when they pass `matches_query`, the rest counted as `filtered`; the cards this
    execution has not listed yet are listed; those that are already complete postings (Lever's, Ashby's) are stored
    and settled FETCHED here; only bare cards are yielded, for `scrape`.

    A source that cannot be read at all (unknown board, failing after retries) is noted with its reason and
    counted in `sources_failed`; one that fails after some pages keeps what it listed, is noted and counts a
    `pages_failed`. SearchFailed is raised only when every source failed.
    """
    said = notes if notes is not None else []
    names = execution.query.sources
    arrived: asyncio.Queue[list[JobRef] | None] = asyncio.Queue()
    failed: dict[str, str] = {}

    async def read(name: str) -> None:
        try:
            reason = await _read_source(execution, name, boards, store, arrived, said)
            if reason is not None:
                failed[name] = reason
        finally:
            arrived.put_nowait(None)  # this source is done

    readers = [asyncio.create_task(read(name)) for name in names]
    try:
        running = len(readers)
        while running:
            refs = await arrived.get()
            if refs is None:
                running -= 1
            elif refs:
                yield refs
    finally:
        # The caller may stop early (an abort, a deadline): the other sources stop with it.
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    if names and len(failed) == len(names):
        if len(names) == 1:
            raise SearchFailed(failed[names[0]])
        raise SearchFailed("no source could be read: " + "; ".join(f"{n}: {why}" for n, why in failed.items()))


async def _read_source(
    execution: Execution,
    name: str,
    boards: Boards,
    store: Store,
    arrived: asyncio.Queue[list[JobRef] | None],
    notes: list[str],
) -> str | None:
    """Page through one source into `arrived`; returns why it could not be read at all, None when it could."""
    query, pages = execution.query, 0
    try:
        source = boards.get(name)
        async for cards in source.search(query):
            pages += 1
            if source.whole_board:
                kept = [card for card in cards if matches_query(card, query)]
                if len(kept) < len(cards):
                    store.count_once(execution.id, f"filtered#{name}#{pages}", filtered=len(cards) - len(kept))
            else:
                # The page first: a poll that sees a page's cards sees the page counted too.
                store.record_page(execution.id, pages)
                kept = cards
            arrived.put_nowait(_list(execution.id, kept, store))
        _settle_source(store, execution.id, name, failed="")
        return None
    except FetchError as exc:
        reason = exc.reason
    except UnknownSourceError as exc:
        reason = str(exc)
    except Exception as exc:  # one board answering what no parser expected must not end the others
        log.exception("source %s of search %s failed", name, execution.id)
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
    if pages == 0:
        _settle_source(store, execution.id, name, failed="source")
        notes.append(f"{name} could not be read: {reason}")
        return reason
    _settle_source(store, execution.id, name, failed="page")
    notes.append(f"{name}: search stopped after {pages} page(s): {reason}")
    return None


def _settle_source(store: Store, execution_id: str, name: str, *, failed: Literal["source", "page", ""]) -> None:
    """Count how a source's reading ended, once per source: a dispatch resumed after a crash (or delivered twice)
    reads every source again, and its last reading is the one that holds: a board blocked before the crash and read
    after it is no longer counted as failed."""
    for kind, counter in (("source", "sources_failed"), ("page", "pages_failed")):
        mark = f"{kind} failed#{name}"
        if kind == failed:
            store.count_once(execution_id, mark, **{counter: 1})
        else:
            store.uncount(execution_id, mark, **{counter: 1})


def _list(execution_id: str, cards: list[JobRef], store: Store) -> list[JobRef]:
    """List the cards not listed before; store and settle those that are complete postings; return the bare rest."""
    complete = {card.key: card for card in cards if isinstance(card, JobPosting)}
    # Listings keep the card alone: a complete posting's description lives in postings, once.
    added = store.add_listings(execution_id, [_bare(card) for card in cards])
    bare: list[JobRef] = []
    for ref in added:
        posting = complete.get(ref.key)
        if posting is None:
            bare.append(ref)
            continue
        store.save_posting(posting)
        _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.FETCHED, posting))
    return bare


def _bare(card: JobRef) -> JobRef:
    if type(card) is JobRef:
        return card
    return JobRef.model_validate(card.model_dump(include=set(JobRef.model_fields)))


async def scrape(execution_id: str, ref: JobRef, boards: Boards, store: Store) -> ScrapeResult:
    """Store the posting behind `ref`, fetching it only when not stored recently; never raises."""
    try:
        stored = store.get_posting(ref.source, ref.job_id)
        if stored is not None and utcnow() - stored.fetched_at <= boards.max_age:
            return _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.CACHED, stored))
        posting = await boards.get(ref.source).fetch(ref)
        store.save_posting(posting)
        return _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.FETCHED, posting))
    except FetchError as exc:
        return give_up(execution_id, ref, store, exc.reason)
    except Exception as exc:  # a listed posting must end recorded, whatever went wrong
        log.exception("posting %s/%s of search %s failed unexpectedly", ref.source, ref.job_id, execution_id)
        return give_up(execution_id, ref, store, f"unexpected error: {type(exc).__name__}: {exc}")


def give_up(execution_id: str, ref: JobRef, store: Store, reason: str) -> ScrapeResult:
    """Record the posting behind `ref` failed with `reason` (unless it was settled already)."""
    return _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.FAILED, reason=reason))


def abandon(execution_id: str, store: Store, reason: str) -> int:
    """Record every posting still unsettled as failed with `reason`; returns how many."""
    refs = store.unsettled_listings(execution_id)
    return sum(store.settle_listing(execution_id, ref, ListingOutcome.FAILED, reason) for ref in refs)


def analyze(
    execution_id: str,
    store: Store,
    ranker: Ranker,
    *,
    notes: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SearchReport:
    """Rank the execution's stored postings against its resume (or, lacking one, the query); store the matches.

    The resume is read from the store by the execution's `resume_id`, on every runtime. Run twice, it ranks once.
    """
    existing = store.get_results(execution_id)
    if existing is not None:
        return SearchReport.model_validate(existing)
    execution = store.get_execution(execution_id)
    if execution is None:
        raise LookupError(f"no execution {execution_id!r} in the store")
    notes = list(notes or [])
    query = execution.query
    resume = store.get_resume(execution.resume_id) if execution.resume_id else None
    if execution.resume_id and resume is None:
        notes.append(f"resume {execution.resume_id} was deleted before ranking; ranked against the query")
    ranking = ranker.rank(
        resume.text if resume else query.query,
        store.execution_postings(execution_id),
        word_scores=query.word_scores,
        top_n=query.top_n,
        company_blocklist=query.company_blocklist,
        title_blocklist=query.title_blocklist,
        progress=progress,
    )
    report = SearchReport(
        execution_id=execution_id,
        matches=ranking.matches,
        notes=notes,
        ranked_against="resume" if resume else "query",
    )
    if ranking.filtered:
        store.count_once(execution_id, "blocklists", filtered=ranking.filtered)
    store.save_results(execution_id, report.model_dump(mode="json", include={"matches", "notes", "ranked_against"}))
    return report


def _settle(execution_id: str, store: Store, result: ScrapeResult) -> ScrapeResult:
    settled = store.settle_listing(execution_id, result.ref, result.outcome, result.reason)
    if settled and result.posting is not None and result.posting.closed:
        store.increment(execution_id, closed=1)
    return result
