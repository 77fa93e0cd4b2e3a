"""The polite HTTP layer and LinkedIn paging against the fake board on loopback."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from jobmatch.models import SearchQuery
from jobmatch.sources import BlockedError, FetchError, HostNotAllowedError, NotFoundError, PoliteClient, RetryPolicy
from jobmatch.sources.linkedin import LinkedInSource
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings


def test_full_jitter_stays_within_the_growing_cap() -> None:
    policy = RetryPolicy(attempts=3, interval=1.0, backoff=2.0, max_delay=60)
    rng = random.Random(0)
    for attempt, cap in ((1, 1.0), (2, 2.0), (3, 4.0)):
        delays = [policy.delay(attempt, rng) for _ in range(500)]
        assert 0 <= min(delays) and max(delays) <= cap
        assert max(delays) > 0.8 * cap  # full jitter spreads over the whole range, not a fixed step


async def test_hosts_outside_the_job_boards_are_never_fetched(home: Path) -> None:
    async with PoliteClient(make_settings(home)) as client:
        with pytest.raises(HostNotAllowedError, match="example.com"):
            await client.get("http://example.com/jobs/view/1")


async def _board_client(home: Path, config: BoardConfig) -> tuple[Board, PoliteClient]:
    board = Board(config)
    url = await board.start()
    return board, PoliteClient(make_settings(home, url, retry_interval=0.01))


@pytest.mark.parametrize("kind", ["500", "503", "reset", "truncate", "429"])
async def test_transient_faults_are_retried_past(home: Path, kind: str) -> None:
    board, client = await _board_client(home, BoardConfig(count=5, fault_rate=1.0, fault_kinds=(kind,), retry_after=0))
    try:
        job = board.postings[0]
        response = await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{job.job_id}")
        assert response.status_code == 200 and job.title.split()[0] in response.text
        assert board.stats.job_fetches[job.job_id] == 2
    finally:
        await client.aclose()
        await board.stop()


async def test_retries_give_up_after_three_attempts_with_the_reason(home: Path) -> None:
    board, client = await _board_client(
        home, BoardConfig(count=3, fault_rate=1.0, fault_kinds=("503",), fault_attempts=5)
    )
    try:
        job = board.postings[0]
        with pytest.raises(FetchError, match="HTTP 503"):
            await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{job.job_id}")
        assert board.stats.job_fetches[job.job_id] == 3
    finally:
        await client.aclose()
        await board.stop()


async def test_retry_after_is_honoured(home: Path) -> None:
    board, client = await _board_client(home, BoardConfig(count=3, fault_rate=1.0, fault_kinds=("429",), retry_after=1))
    try:
        started = time.monotonic()
        await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{board.postings[0].job_id}")
        assert time.monotonic() - started >= 0.95  # our own backoff would have waited ~0.01 s
    finally:
        await client.aclose()
        await board.stop()


async def test_not_found_is_not_retried(home: Path) -> None:
    board, client = await _board_client(home, BoardConfig(count=3))
    try:
        with pytest.raises(NotFoundError):
            await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/12345")
        assert board.stats.by_route["posting_api"] == 1
    finally:
        await client.aclose()
        await board.stop()


@pytest.mark.parametrize("mode", ["999", "authwall", "signup"])
async def test_blocks_are_recognised(home: Path, mode: str) -> None:
    board, client = await _board_client(home, BoardConfig(count=3, block=mode))
    try:
        with pytest.raises(BlockedError, match="blocked"):
            await client.get(f"{board.url}/jobs/search", params={"keywords": "x"})
    finally:
        await client.aclose()
        await board.stop()


async def _search(home: Path, config: BoardConfig, query: SearchQuery, **settings: object):
    async with Board(config) as board:
        async with PoliteClient(make_settings(home, board.url, **settings)) as client:
            source = LinkedInSource(client, board.url)
            started = time.monotonic()
            pages = [page async for page in source.search(query)]
            return board, pages, time.monotonic() - started


async def test_search_pages_by_cards_returned_and_sends_the_csrf_token(home: Path) -> None:
    config = BoardConfig(count=45, seed=1, short_page_rate=0.5, repeat_cards=2)
    board, pages, _ = await _search(home, config, SearchQuery(query="x", pages=20, post_time=60))
    starts = sorted(board.stats.search_starts)
    expected, start = [], 0
    while board.page(start, 60 * 86400):
        expected.append(start)
        start += len(board.page(start, 60 * 86400))
    assert starts == expected + [start]  # followed the board's own page lengths, stopped at the empty page
    ids = [ref.job_id for page in pages for ref in page]
    assert len(ids) == len(set(ids)) == len({p.job_id for p in board.listed(60 * 86400)})
    assert board.stats.csrf_ok == board.stats.by_route["search_api"] and board.stats.csrf_bad == 0


async def test_search_stops_at_start_1000(home: Path) -> None:
    board, pages, _ = await _search(
        home, BoardConfig(count=1100, seed=2), SearchQuery(query="x", pages=100, post_time=365)
    )
    assert max(board.stats.search_starts) < 1000
    assert board.stats.by_status.get(400, 0) == 0
    assert sum(len(page) for page in pages) == 1000


async def test_search_stops_at_the_requested_pages_and_keeps_the_page_delay(home: Path) -> None:
    board, pages, elapsed = await _search(
        home, BoardConfig(count=100), SearchQuery(query="x", pages=3, post_time=60), page_delay=(0.25, 0.25)
    )
    assert len(pages) == 3 and board.stats.by_route["search_api"] == 3
    assert elapsed >= 0.75  # a pause before each page after the cookie page
