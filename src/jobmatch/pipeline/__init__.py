"""The pipeline: stage functions, and the runners that drive them."""

from __future__ import annotations

from jobmatch.models import SearchReport
from jobmatch.pipeline.stages import (
    ScrapeResult,
    SearchFailed,
    abandon,
    analyze,
    dispatch,
    expire_overdue,
    give_up,
    scrape,
)
from jobmatch.store import Store

__all__ = [
    "ScrapeResult",
    "SearchFailed",
    "abandon",
    "analyze",
    "dispatch",
    "expire_overdue",
    "give_up",
    "load_report",
    "scrape",
]


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
        query=execution.query,
        counts=execution.counts,
        failures=store.failures(execution_id),
        **{key: results[key] for key in ("matches", "notes", "ranked_against") if key in results},
    )
