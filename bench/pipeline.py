"""A 300-posting search against the fake board: streaming vs phase-after-phase, the polite floor, a throttling board.

Prints the streaming run's wall time, the polite floor (the paging alone: page delays plus page latencies), their
ratio (target <= 1.15), the same search run phase after phase (all pages, then all postings, then ranking), the
warm repeat (every posting already stored), and the same search against a board that answers 429 past 2 requests a
second: postings stored and failed (target: all stored), wall time against the 150 s its limit imposes on 300
postings (target <= 1.2x), and the share of requests answered 429 (target < 10%).
Run: `make bench` or `.venv/bin/python bench/pipeline.py` (`--only-throttled` for the last figure alone).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.models import Execution, SearchQuery
from jobmatch.pipeline import analyze, dispatch, open_boards, scrape
from jobmatch.pipeline.local import LocalRunner
from jobmatch.ranking import Ranker
from jobmatch.sources import LocalHostLimiter
from jobmatch.store import keep_resume
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig

RESUME = (
    "Data scientist with 6 years of experience. Python, SQL, pandas, scikit-learn, PyTorch, statistics, "
    "experimentation and A/B testing, forecasting, recommendation systems, Spark, AWS. PhD in applied mathematics."
)


class RecordingLimiter(LocalHostLimiter):
    """The local limiter, seeded, noting each search page's pause so the floor can be reported."""

    def __init__(self, settings: Settings, seed: int):
        super().__init__(settings.max_concurrency, settings.page_delay, random.Random(seed))
        self.waits: list[float] = []

    async def wait_turn(self, host: str) -> float:
        waited = await super().wait_turn(host)
        self.waits.append(waited)
        return waited


def settings_for(home: Path, url: str, page_delay: tuple[float, float]) -> Settings:
    return Settings(
        home=home, database_url=f"sqlite:///{home / 'bench.sqlite'}", linkedin_url=url, page_delay=page_delay
    )


async def streaming(
    settings: Settings, query: SearchQuery, ranker_settings: Settings, seed: int
) -> tuple[float, SqlStore, LocalRunner]:
    store = SqlStore(settings.database_url)
    runner = LocalRunner(
        settings, store, Ranker(ranker_settings, cache=store), limiter=RecordingLimiter(settings, seed)
    )
    started = time.perf_counter()
    execution = await runner.run(Execution(query=query, resume_id=keep_resume(store, RESUME).id))
    elapsed = time.perf_counter() - started
    assert execution.status.value == "SUCCEEDED", execution.error
    print(
        f"  streaming: listed {execution.counts.listed}, fetched {execution.counts.fetched},"
        f" failed {execution.counts.failed}"
    )
    return elapsed, store, runner


async def phased(settings: Settings, query: SearchQuery, seed: int) -> tuple[float, float, float]:
    """Paging alone, then scraping alone, then embedding and ranking: the sequential design's times."""
    store = SqlStore(settings.database_url)
    ranker = Ranker(settings, cache=store)
    execution = Execution(query=query, resume_id=keep_resume(store, RESUME).id)
    store.create_execution(execution)
    async with open_boards(settings, store, execution.id, limiter=RecordingLimiter(settings, seed)) as boards:
        started = time.perf_counter()
        refs = [ref async for page in dispatch(execution, boards, store) for ref in page]
        paging = time.perf_counter() - started
        started = time.perf_counter()
        await asyncio.gather(*(scrape(execution.id, ref, boards, store) for ref in refs))
        scraping = time.perf_counter() - started
    started = time.perf_counter()
    ranker.embed_postings(store.execution_postings(execution.id))
    analyze(execution.id, store, ranker)
    ranking = time.perf_counter() - started
    return paging, scraping, ranking


async def throttled(settings: Settings, query: SearchQuery) -> tuple[float, Execution]:
    """The embedded runner's search against a board that throttles, as a user would run it."""
    store = SqlStore(settings.database_url)
    runner = LocalRunner(settings, store, Ranker(settings, cache=store))
    started = time.perf_counter()
    execution = await runner.run(query, RESUME)
    return time.perf_counter() - started, execution


def report_throttled(args: argparse.Namespace, page_delay: tuple[float, float], query: SearchQuery, tmp: Path) -> None:
    config = BoardConfig(
        count=args.pages * 10, seed=args.seed, latency=args.latency, jitter=args.jitter, rate_limit=args.rate_limit
    )
    board = Board(config)
    with board.running_in_thread() as url:
        settings = settings_for(tmp / "throttled", url, page_delay)
        wall, execution = asyncio.run(throttled(settings, query))
    counts, stats = execution.counts, board.stats
    stored = counts.fetched + counts.cached
    imposed = counts.listed / args.rate_limit
    print(
        f"throttling board ({args.rate_limit:g} requests/s, then 429 with Retry-After {config.retry_after} s):"
        f" {execution.status.value}, listed {counts.listed}, stored {stored}, failed {counts.failed}"
        " (target: all stored)"
    )
    print(
        f"  wall time {wall:6.2f} s vs {imposed:.0f} s its limit imposes on the postings: {wall / imposed:.3f}x"
        f" (target <= 1.2; {stats.requests - stats.rate_limited} requests answered, search pages too:"
        f" {(stats.requests - stats.rate_limited) / args.rate_limit:.1f} s at the limit)"
    )
    print(
        f"  429 answers: {stats.rate_limited} of {stats.requests} requests, {stats.rate_limited / stats.requests:.1%}"
        f" (target < 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--jitter", type=float, default=0.1)
    parser.add_argument(
        "--delay", default="1-2", help="page delay MIN-MAX, scaled down from the default 2-4 s for speed"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate-limit", type=float, default=2.0, help="the throttling board's requests per second")
    parser.add_argument("--only-throttled", action="store_true", help="run the throttling board's search alone")
    args = parser.parse_args()
    low, _, high = args.delay.partition("-")
    page_delay = (float(low), float(high or low))
    query = SearchQuery(query="Data Scientist", location="Chicago", pages=args.pages, post_time=60)

    def board() -> Board:
        return Board(BoardConfig(count=args.pages * 10, seed=args.seed, latency=args.latency, jitter=args.jitter))

    with tempfile.TemporaryDirectory() as tmp:
        warm_up = Ranker(settings_for(Path(tmp), "http://127.0.0.1:1", page_delay))
        warm_up.rank(RESUME, [], top_n=1)  # load the model outside the timings
        from jobmatch.testing.board import generate_postings

        warm_up.embed_postings(generate_postings(2, seed=99))

        if args.only_throttled:
            report_throttled(args, page_delay, query, Path(tmp))
            return
        print(
            f"300-posting search: {args.pages} pages, board latency {args.latency}±{args.jitter} s,"
            f" page delay {args.delay} s"
        )
        with board().running_in_thread() as url:
            settings = settings_for(Path(tmp) / "phased", url, page_delay)
            paging, scraping, ranking = asyncio.run(phased(settings, query, args.seed))
        with board().running_in_thread() as url:
            settings = settings_for(Path(tmp) / "streaming", url, page_delay)
            wall, store, runner = asyncio.run(streaming(settings, query, settings, args.seed))
            started = time.perf_counter()
            repeat = asyncio.run(runner.run(Execution(query=query, resume_id=keep_resume(store, RESUME).id)))
            warm = time.perf_counter() - started
            assert repeat.counts.cached == repeat.counts.listed, repeat.counts

    floor = paging
    phased_total = paging + scraping + ranking
    print(f"polite floor (paging alone: page delays + page latencies): {floor:6.2f} s")
    print(
        f"streaming run, wall time:                                 {wall:6.2f} s"
        f"   ratio to floor {wall / floor:.3f} (target <= 1.15)"
    )
    print(
        f"phase after phase: paging {paging:.2f} s + scraping {scraping:.2f} s + embedding/ranking {ranking:.2f} s"
        f" = {phased_total:6.2f} s   ratio to floor {phased_total / floor:.3f}"
    )
    print(f"streaming vs phase after phase: {wall / phased_total:.3f}x the time")
    print(
        f"warm repeat (all {repeat.counts.cached} postings stored, pages still paged politely): {warm:6.2f} s"
        f"   ratio to floor {warm / floor:.3f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        report_throttled(args, page_delay, query, Path(tmp))


if __name__ == "__main__":
    main()
