"""The embedded pipeline end to end against the fake board: nothing lost, nothing fetched twice, never stuck."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline import load_report
from jobmatch.pipeline.local import LocalRunner
from jobmatch.ranking import Ranker
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings, new_execution

pytestmark = pytest.mark.model

RESUME = (
    "Senior data scientist. Python, SQL, machine learning, statistics, A/B testing, PyTorch, scikit-learn. "
    "PhD in statistics. Built forecasting models and recommendation systems."
)


@pytest.fixture
async def board(request: pytest.FixtureRequest) -> AsyncIterator[Board]:
    config = getattr(request, "param", None) or BoardConfig(count=50, seed=3)
    async with Board(config) as running:
        yield running


def make_runner(home: Path, board: Board, **overrides: object) -> tuple[LocalRunner, SqlStore]:
    settings = make_settings(home, board.url, **overrides)
    store = SqlStore(settings.database_url)
    return LocalRunner(settings, store, Ranker(settings, cache=store)), store


def posting_fetches(board: Board) -> int:
    return board.stats.by_route.get("posting_api", 0) + board.stats.by_route.get("job_view", 0)


@pytest.mark.parametrize(
    "board",
    [BoardConfig(count=60, seed=11, fault_rate=0.1, repeat_cards=2, missing_fragment_rate=0.05, stall_seconds=2.0)],
    indirect=True,
)
async def test_faulty_board_every_listed_posting_is_stored_once(
    home: Path, board: Board, caplog: pytest.LogCaptureFixture
) -> None:
    runner, store = make_runner(home, board, request_timeout=1.0)
    query = SearchQuery(query="Data Scientist", location="Chicago", pages=8, post_time=30, word_scores={"python": 1.1})
    with caplog.at_level(logging.INFO, logger="jobmatch.sources"):
        execution = await runner.run(new_execution(store, query, RESUME))

    # Every retry is one log line naming the search and the host, and counted on the search.
    retry_lines = [r for r in caplog.records if getattr(r, "search_id", None) == execution.id]
    assert execution.counts.retries == len(retry_lines) > 0
    assert all(r.host.startswith("127.0.0.1") and r.reason for r in retry_lines)

    assert execution.status is ExecutionStatus.SUCCEEDED, execution.error
    assert board.stats.faults_total > 0  # the faults were really served...
    counts = execution.counts
    listed_on_board = {p.job_id for start in range(0, 80, 8) for p in board.page(start, 30 * 86400)}
    assert counts.listed == len(store.execution_postings(execution.id)) + counts.failed
    assert counts.listed == counts.fetched + counts.cached + counts.failed
    assert counts.failed == 0  # ...and every one was retried past (faults last one attempt; we make three)
    stored_ids = [p.job_id for p in store.execution_postings(execution.id)]
    assert len(stored_ids) == len(set(stored_ids))  # repeated cards across pages listed once
    assert set(stored_ids) <= listed_on_board | {p.job_id for p in board.postings}
    assert max(board.stats.job_fetches.values()) <= 3 * 2  # retries are bounded (fragment + fallback page)
    assert counts.closed == sum(1 for p in store.execution_postings(execution.id) if p.closed) > 0
    report = load_report(store, execution.id)
    assert report is not None and report.matches
    assert all(m.score >= report.matches[-1].score for m in report.matches)


async def test_second_identical_search_fetches_no_posting_again(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board)
    query = SearchQuery(query="Nurse", pages=3, post_time=30)
    first = await runner.run(new_execution(store, query, RESUME))
    assert first.status is ExecutionStatus.SUCCEEDED and first.counts.fetched == first.counts.listed > 0
    fetched_before = posting_fetches(board)

    second = await runner.run(new_execution(store, query, RESUME))
    assert second.status is ExecutionStatus.SUCCEEDED
    assert posting_fetches(board) == fetched_before
    assert (second.counts.cached, second.counts.fetched) == (first.counts.listed, 0)
    first_ids = [m.job_id for m in load_report(store, first.id).matches]
    assert [m.job_id for m in load_report(store, second.id).matches] == first_ids


async def test_stale_postings_are_fetched_again(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board, posting_max_age_days=0)
    query = SearchQuery(query="Nurse", pages=1, post_time=30)
    await runner.run(new_execution(store, query, RESUME))
    fetched_before = posting_fetches(board)
    again = await runner.run(new_execution(store, query, RESUME))
    assert again.counts.fetched == again.counts.listed and posting_fetches(board) > fetched_before


@pytest.mark.parametrize("board", [BoardConfig(count=40, seed=5, latency=0.05)], indirect=True)
async def test_job_pages_in_flight_never_exceed_the_limit(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board, max_concurrency=3)
    execution = await runner.run(new_execution(store, SearchQuery(query="Engineer", pages=4, post_time=30), RESUME))
    assert execution.status is ExecutionStatus.SUCCEEDED
    assert board.stats.max_in_flight_jobs == 3  # used to the full, never past it


@pytest.mark.parametrize("board", [BoardConfig(count=30, seed=2, latency=0.02)], indirect=True)
async def test_postings_are_fetched_while_later_pages_are_still_paged(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board, page_delay=(0.3, 0.3))
    seen_during_paging: list[int] = []

    async def watch(execution_id: str) -> None:
        while True:
            execution = store.get_execution(execution_id)
            if execution is None:  # not submitted yet
                pass
            elif execution.counts.pages < 3:
                seen_during_paging.append(execution.counts.fetched)
            else:
                return
            await asyncio.sleep(0.05)

    submitted = new_execution(store, SearchQuery(query="Engineer", pages=3, post_time=30), RESUME)
    watcher = asyncio.get_running_loop().create_task(watch(submitted.id))
    execution = await runner.run(submitted)
    await watcher
    assert execution.status is ExecutionStatus.SUCCEEDED
    assert max(seen_during_paging) > 0  # postings were stored before the last page was read


@pytest.mark.parametrize("mode", ["999", "authwall"])
async def test_blocked_search_fails_and_says_blocked(home: Path, mode: str) -> None:
    async with Board(BoardConfig(count=10, block=mode)) as blocked:
        runner, store = make_runner(home, blocked)
        execution = await runner.run(new_execution(store, SearchQuery(query="Engineer"), RESUME))
    assert execution.status is ExecutionStatus.FAILED
    assert "blocked" in execution.error


@pytest.mark.parametrize("board", [BoardConfig(count=30, seed=4, latency=0.5)], indirect=True)
async def test_deadline_ends_timed_out_with_every_listing_accounted_for(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board, execution_timeout=2.5, max_concurrency=2)
    execution = await runner.run(new_execution(store, SearchQuery(query="Engineer", pages=3, post_time=30), RESUME))
    assert execution.status is ExecutionStatus.TIMED_OUT
    counts = execution.counts
    assert counts.listed > 0 and counts.listed == counts.fetched + counts.cached + counts.failed
    assert all("did not end within" in failure.reason for failure in store.failures(execution.id))


async def test_abort_ends_aborted(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board, page_delay=(1.0, 1.0))
    execution = runner.submit(new_execution(store, SearchQuery(query="Engineer", pages=5, post_time=30), RESUME))
    await asyncio.sleep(0.3)
    assert runner.abort(execution.id)
    for _ in range(50):
        if store.get_execution(execution.id).status.finished:
            break
        await asyncio.sleep(0.1)
    assert store.get_execution(execution.id).status is ExecutionStatus.ABORTED


async def test_search_without_resume_ranks_against_the_query(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board)
    execution = await runner.run(new_execution(store, SearchQuery(query="Registered Nurse", pages=2, post_time=30)))
    report = load_report(store, execution.id)
    assert report.ranked_against == "query"
    assert report.matches


async def test_a_search_left_running_by_a_killed_process_ends_timed_out(home: Path, board: Board) -> None:
    from datetime import timedelta

    from jobmatch.models import Execution, JobRef, utcnow

    runner, store = make_runner(home, board, execution_timeout=600)
    orphan = Execution(query=SearchQuery(query="Nurse"), created_at=utcnow() - timedelta(hours=2))
    store.create_execution(orphan)
    store.add_listings(orphan.id, [JobRef(source="linkedin", job_id="1", url=f"{board.url}/jobs/view/1")])
    recent = Execution(query=SearchQuery(query="Nurse"))
    store.create_execution(recent)

    await runner.run(new_execution(store, SearchQuery(query="Nurse", pages=1, post_time=30), RESUME))

    ended = store.get_execution(orphan.id)
    assert ended.status is ExecutionStatus.TIMED_OUT and "did not end within 600" in ended.error
    assert [f.job_id for f in store.failures(orphan.id)] == ["1"]
    assert store.get_execution(recent.id).status is ExecutionStatus.RUNNING  # still within its deadline
