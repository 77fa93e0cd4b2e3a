"""Searches over several boards at once, end to end on the fake board: LinkedIn and company boards together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline import load_report
from jobmatch.sources import matches_query
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import new_execution
from tests.pipeline.test_local import RESUME, make_runner

pytestmark = pytest.mark.model

BOARDS = {
    "greenhouse:acme": ("greenhouse", "acme"),
    "lever:globex": ("lever", "globex"),
    "ashby:initech": ("ashby", "initech"),
}


@pytest.fixture
async def board() -> AsyncIterator[Board]:
    async with Board(BoardConfig(count=30, seed=9, board_jobs=60, fault_rate=0.1)) as running:
        yield running


async def test_mixed_sources_store_every_matching_posting_and_note_the_unknown_board(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board)
    query = SearchQuery(
        query="Data Scientist", post_time=30, pages=2, sources=["linkedin", *BOARDS, "greenhouse:missing-co"]
    )
    execution = await runner.run(new_execution(store, query, RESUME))

    assert execution.status is ExecutionStatus.SUCCEEDED, execution.error
    counts = execution.counts
    assert counts.sources_failed == 1 and counts.failed == 0
    assert counts.listed == counts.fetched + counts.cached > 0
    stored = store.execution_postings(execution.id)
    filtered = 0
    for source, (ats, name) in BOARDS.items():
        on_board = board.ats.expected(ats, name)
        wanted = {p.job_id: p for p in on_board if matches_query(p, query)}
        filtered += len(on_board) - len(wanted)
        got = {p.job_id: p for p in stored if p.source == source}
        assert got.keys() == wanted.keys() and wanted  # every matching posting, nothing else (no unlisted Ashby job)
        for job_id, posting in got.items():
            expected = wanted[job_id]
            assert (posting.title, posting.location, posting.posted_at) == (
                expected.title,
                expected.location,
                expected.posted_at,
            )
            assert posting.description == expected.description and "&amp;" not in posting.description
    assert counts.filtered == filtered
    report = load_report(store, execution.id)
    assert report is not None and report.outcome is not None and not report.outcome.complete
    assert any(note.startswith("greenhouse:missing-co could not be read") and "404" in note for note in report.notes)
    assert list(report.by_source) == ["linkedin", *BOARDS, "greenhouse:missing-co"]
    assert report.by_source["greenhouse:missing-co"].listed == 0
    assert sum(tally.listed for tally in report.by_source.values()) == counts.listed
    assert all(report.by_source[source].listed == report.by_source[source].fetched for source in BOARDS)
    assert any(m.salary_min is not None and m.salary_currency for m in report.matches)


async def test_a_search_fails_only_when_every_source_failed(home: Path, board: Board) -> None:
    runner, store = make_runner(home, board)
    query = SearchQuery(query="Nurse", post_time=30, sources=["greenhouse:missing-a", "lever:missing-b"])
    execution = await runner.run(new_execution(store, query, RESUME))
    assert execution.status is ExecutionStatus.FAILED
    assert "greenhouse:missing-a" in execution.error and "lever:missing-b" in execution.error
    assert execution.counts.sources_failed == 2
