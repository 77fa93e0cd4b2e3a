"""The pipeline: the stages and the search lifecycle (stages.py), and the runners that drive them behind one
`Runner` protocol (runner.py: `make_runner` picks one by `JOBMATCH_ENGINE`)."""

from __future__ import annotations

from jobmatch.pipeline.runner import Runner, RunnerUnavailable, follow, make_runner
from jobmatch.pipeline.stages import (
    ABORTED_REASON,
    Boards,
    EmptyWatchlistError,
    ScrapeResult,
    SearchFailed,
    abandon,
    analyze,
    by_source,
    complete,
    deadline_reason,
    dispatch,
    end_search,
    give_up,
    lease_lapsed,
    load_report,
    open_boards,
    outcome,
    past_deadline,
    ready_to_analyze,
    resolve_watchlist,
    scrape,
    stale_before,
)

__all__ = [
    "ABORTED_REASON",
    "Boards",
    "EmptyWatchlistError",
    "Runner",
    "RunnerUnavailable",
    "ScrapeResult",
    "SearchFailed",
    "abandon",
    "analyze",
    "by_source",
    "complete",
    "deadline_reason",
    "dispatch",
    "end_search",
    "follow",
    "give_up",
    "lease_lapsed",
    "load_report",
    "make_runner",
    "open_boards",
    "outcome",
    "past_deadline",
    "ready_to_analyze",
    "resolve_watchlist",
    "scrape",
    "stale_before",
]
