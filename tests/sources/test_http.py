"""The polite HTTP layer and LinkedIn paging against the fake board on loopback."""

from __future__ import annotations

import asyncio
import logging
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
    async with PoliteClient(make_settings(home, "https://www.linkedin.com")) as client:
        with pytest.raises(HostNotAllowedError, match="http://www.linkedin.com:80 is not an allowed job board"):
            await client.get("http://www.linkedin.com/jobs/view/1")  # the board's host, not its scheme and port


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


class Recorded:
    """A FetchEvents that keeps what it is told."""

    def __init__(self) -> None:
        self.retries: list[tuple[str, str, int, float]] = []
        self.blocks: list[tuple[str, str]] = []

    def retried(self, host: str, reason: str, attempt: int, wait: float) -> None:
        self.retries.append((host, reason, attempt, wait))

    def blocked(self, host: str, reason: str) -> None:
        self.blocks.append((host, reason))


async def test_each_retry_is_logged_with_the_search_and_counted(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobmatch.sources")
    events = Recorded()
    config = BoardConfig(count=4, fault_rate=1.0, fault_kinds=("503", "429"), fault_attempts=2, retry_after=0)
    async with Board(config) as board:
        settings = make_settings(home, board.url, retry_interval=0.01)
        async with PoliteClient(settings, events=events, search_id="search-7") as client:
            for job in board.postings:
                await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{job.job_id}")
    retries = [record for record in caplog.records if record.name == "jobmatch.sources"]
    assert len(retries) == len(events.retries) == board.stats.faults_total == 8
    host = board.url.removeprefix("http://")
    for record, (seen_host, reason, attempt, _) in zip(retries, events.retries, strict=True):
        fields = tuple(record.__dict__[name] for name in ("search_id", "host", "reason", "attempt"))
        assert fields == ("search-7", host, reason, attempt)
        assert "search-7" in record.getMessage() and host in record.getMessage() and reason in record.getMessage()
        assert seen_host == host and reason.startswith(("HTTP 503", "HTTP 429"))
    assert any("Retry-After" in record.getMessage() for record in retries)  # the 429s said when to come back


async def test_a_block_is_logged_and_reported(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    events = Recorded()
    async with Board(BoardConfig(count=3, block="authwall")) as board:
        async with PoliteClient(make_settings(home, board.url), events=events, search_id="search-8") as client:
            with pytest.raises(BlockedError):
                await client.get(f"{board.url}/jobs/search", params={"keywords": "x"})
    (record,) = [record for record in caplog.records if record.name == "jobmatch.sources"]
    reason = record.__dict__["reason"]
    assert record.levelno == logging.WARNING and record.__dict__["search_id"] == "search-8" and "authwall" in reason
    assert events.blocks == [(board.url.removeprefix("http://"), reason)]


async def test_a_throttling_board_gets_every_posting_at_its_pace(home: Path) -> None:
    # The board answers 429 (Retry-After: 1) past 4 requests a second; 10 requests are in flight at once at first.
    async with Board(BoardConfig(count=20, rate_limit=4, retry_after=1)) as board:
        async with PoliteClient(make_settings(home, board.url)) as client:
            started = time.monotonic()
            await asyncio.gather(
                *(client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{job.job_id}") for job in board.postings)
            )
            elapsed = time.monotonic() - started
    assert sorted(board.stats.job_fetches) == sorted(job.job_id for job in board.postings)
    assert board.stats.by_status[200] == 20
    # The first burst meets 429s; then the pace has learned the limit (the 300-posting run in bench/pipeline.py
    # meets them on under 10% of its requests).
    assert board.stats.rate_limited <= 0.5 * board.stats.requests, board.stats.by_status
    assert elapsed < 2 * 20 / 4


async def test_throttled_requests_wait_past_the_normal_attempts(home: Path) -> None:
    config = BoardConfig(count=2, fault_rate=1.0, fault_kinds=("429",), fault_attempts=6, retry_after=0)
    async with Board(config) as board:
        async with PoliteClient(make_settings(home, board.url, retry_attempts=2, throttle_min_interval=0.01)) as client:
            job = board.postings[0]
            response = await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{job.job_id}")
    assert response.status_code == 200 and board.stats.job_fetches[job.job_id] == 7


async def test_a_throttle_that_outlasts_the_wait_budget_fails(home: Path) -> None:
    config = BoardConfig(count=2, fault_rate=1.0, fault_kinds=("429",), fault_attempts=50, retry_after=1)
    async with Board(config) as board:
        async with PoliteClient(make_settings(home, board.url, throttle_max_wait=2.5)) as client:
            job = board.postings[0]
            with pytest.raises(FetchError, match=r"HTTP 429 .*still throttled after 2 s"):
                await client.get(f"{board.url}/jobs-guest/jobs/api/jobPosting/{job.job_id}")
    assert board.stats.job_fetches[job.job_id] == 3


def _page_starts(board: Board, tpr: int) -> list[int]:
    starts, start = [], 0
    while page := board.page(start, tpr):
        starts.append(start)
        start += len(page)
    return starts


@pytest.mark.parametrize("seed", [2, 3, 4])
async def test_search_pages_that_keep_failing_are_read_at_the_end(home: Path, seed: int) -> None:
    # 30% of the pages fail 6 times: more than a page's 5 attempts, so each is read again after the last page; some
    # pages are short, so a page skipped leaves a gap the end fills.
    config = BoardConfig(
        count=240,
        seed=seed,
        search_fault_rate=0.3,
        fault_attempts=6,
        fault_kinds=("500", "503", "reset", "truncate", "stall"),
        stall_seconds=0.05,
        short_page_rate=0.3,
    )
    board, pages, _ = await _search(
        home, config, SearchQuery(query="x", pages=30, post_time=60), retry_interval=0.005, retry_max_delay=0.02
    )
    faulty = [start for start in board.stats.search_starts if board.search_fault(start)]
    assert len(faulty) >= 5 and len(_page_starts(board, 60 * 86400)) <= 30
    ids = [ref.job_id for page in pages for ref in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == {posting.job_id for posting in board.listed(60 * 86400)}


async def test_a_search_page_that_never_answers_fails_the_search_after_the_rest(home: Path) -> None:
    config = BoardConfig(count=50, seed=5, search_fault_rate=0.3, fault_attempts=100, fault_kinds=("503",))
    async with Board(config) as board:
        broken = [start for start in range(0, 50, 10) if board.search_fault(start)]
        async with PoliteClient(make_settings(home, board.url, retry_interval=0.005)) as client:
            listed: list[str] = []
            with pytest.raises(FetchError, match="HTTP 503"):
                async for page in LinkedInSource(client, board.url).search(
                    SearchQuery(query="x", pages=5, post_time=60)
                ):
                    listed += [ref.job_id for ref in page]
    assert broken and len(listed) == 50 - 10 * len(broken)  # every page that answers was read first
    assert board.stats.search_starts[broken[0]] == 2 * 5  # both passes had their attempts


async def test_paging_counts_repeated_cards_as_positions(home: Path) -> None:
    config = BoardConfig(count=60, seed=3, duplicate_card_rate=0.3, repeat_cards=1)
    tpr = 60 * 86400
    expected = _page_starts(Board(config), tpr)
    board = Board(config)
    assert any(len({p.job_id for p in board.page(s, tpr)}) < len(board.page(s, tpr)) for s in expected)
    board, pages, _ = await _search(home, config, SearchQuery(query="x", pages=len(expected), post_time=60))
    assert sorted(board.stats.search_starts) == expected  # asked where each page begins, no page read twice
    listed = {ref.job_id for page in pages for ref in page}
    assert listed == {posting.job_id for posting in board.listed(tpr)}


@pytest.mark.parametrize("location", ["http://127.0.0.1:{port}/jobs/view/1", "https://{host}:{board}/jobs/view/1"])
async def test_a_redirect_off_the_board_is_refused(home: Path, location: str) -> None:
    # A board that redirects every request; the target is a live service on another port (or scheme).
    async with Board(BoardConfig(count=1)) as other:
        port = int(other.url.rsplit(":", 1)[1])

        async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            target = location.format(port=port, host="127.0.0.1", board=board_port)
            writer.write(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(redirect, "127.0.0.1", 0)
        board_port = server.sockets[0].getsockname()[1]
        try:
            async with PoliteClient(make_settings(home, f"http://127.0.0.1:{board_port}")) as client:
                with pytest.raises(HostNotAllowedError, match="is not an allowed job board"):
                    await client.get(f"http://127.0.0.1:{board_port}/jobs/view/1")
        finally:
            server.close()
            await server.wait_closed()
    assert other.stats.requests == 0
