"""The pipeline's stages as plain functions: dispatch, scrape, analyze.

They speak to a Source and a Store through their protocols and know nothing of which runner calls them, so the
embedded runner, Celery tasks and Lambda handlers all run the same code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from jobmatch.models import ExecutionStatus, JobPosting, JobRef, SearchQuery, SearchReport, utcnow
from jobmatch.sources import FetchError, Source
from jobmatch.store import ListingOutcome, Store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker


@dataclass(frozen=True)
class ScrapeResult:
    """How one listed posting ended: its outcome, the posting when stored, the reason when it failed."""

    ref: JobRef
    outcome: str
    posting: JobPosting | None = None
    reason: str | None = None


class SearchFailed(Exception):
    """A search that could not list anything: its message is the reason the execution failed."""


async def dispatch(
    execution_id: str, query: SearchQuery, source: Source, store: Store, *, notes: list[str] | None = None
) -> AsyncIterator[list[JobRef]]:
    """Page through the search; record each page's cards and yield those this execution has not listed yet.

    A search whose first page cannot be fetched raises SearchFailed; one that fails later stops there, keeps what it
    listed, and says so in `notes`.
    """
    pages = 0
    try:
        async for cards in source.search(query):
            pages += 1
            # The page first: a poll that sees a page's cards sees the page counted too.
            store.record_page(execution_id, pages)
            new = store.add_listings(execution_id, cards)
            yield new
    except FetchError as exc:
        if pages == 0:
            raise SearchFailed(exc.reason) from None
        if notes is not None:
            notes.append(f"search stopped after {pages} page(s): {exc.reason}")


async def scrape(execution_id: str, ref: JobRef, source: Source, store: Store, *, max_age: timedelta) -> ScrapeResult:
    """Store the posting behind `ref`, fetching it only when not stored recently; never raises."""
    try:
        stored = store.get_posting(ref.source, ref.job_id)
        if stored is not None and utcnow() - stored.fetched_at <= max_age:
            return _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.CACHED, stored))
        posting = await source.fetch(ref)
        store.save_posting(posting)
        return _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.FETCHED, posting))
    except FetchError as exc:
        return give_up(execution_id, ref, store, exc.reason)
    except Exception as exc:  # noqa: BLE001 - a listed posting must end recorded, whatever went wrong
        return give_up(execution_id, ref, store, f"unexpected error: {type(exc).__name__}: {exc}")


def give_up(execution_id: str, ref: JobRef, store: Store, reason: str) -> ScrapeResult:
    """Record the posting behind `ref` failed with `reason` (unless it was settled already)."""
    return _settle(execution_id, store, ScrapeResult(ref, ListingOutcome.FAILED, reason=reason))


def abandon(execution_id: str, store: Store, reason: str) -> int:
    """Record every posting still unsettled as failed with `reason` (a search that timed out or was aborted)."""
    refs = store.unsettled_listings(execution_id)
    return sum(store.settle_listing(execution_id, ref, ListingOutcome.FAILED, reason) for ref in refs)


def expire_overdue(store: Store, timeout: float) -> list[str]:
    """End TIMED_OUT every search still RUNNING past its deadline (its process died); returns their ids."""
    expired = []
    reason = f"search did not end within {timeout:g} s"
    for execution in store.running_executions():
        if (utcnow() - execution.created_at).total_seconds() > timeout:
            abandon(execution.id, store, reason)
            if store.finish_execution(execution.id, ExecutionStatus.TIMED_OUT, reason):
                expired.append(execution.id)
    return expired


def analyze(
    execution_id: str,
    query: SearchQuery,
    store: Store,
    ranker: Ranker,
    resume_text: str | None,
    *,
    notes: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SearchReport:
    """Rank the execution's stored postings against the resume (or, lacking one, the query) and store the matches."""
    existing = store.get_results(execution_id)
    if existing is not None:
        return SearchReport.model_validate(existing)
    postings = store.execution_postings(execution_id)
    ranking = ranker.rank(
        resume_text or query.query,
        postings,
        word_scores=query.word_scores,
        top_n=query.top_n,
        company_blocklist=query.company_blocklist,
        title_blocklist=query.title_blocklist,
        progress=progress,
    )
    report = SearchReport(
        execution_id=execution_id,
        matches=ranking.matches,
        notes=notes or [],
        ranked_against="resume" if resume_text else "query",
    )
    store.increment(execution_id, filtered=ranking.filtered)
    store.save_results(execution_id, report.model_dump(mode="json", include={"matches", "notes", "ranked_against"}))
    return report


def _settle(execution_id: str, store: Store, result: ScrapeResult) -> ScrapeResult:
    settled = store.settle_listing(execution_id, result.ref, result.outcome, result.reason)
    if settled and result.posting is not None and result.posting.closed:
        store.increment(execution_id, closed=1)
    return result
