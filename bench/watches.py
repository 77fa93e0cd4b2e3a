"""The cost of a watch run over a board where nothing changed, against the watch's first run.

A watch run is an ordinary search, so its second run finds every posting stored (fetched within
`posting_max_age_days`) and their embeddings cached: it reads the search pages again and no posting page. Prints
each run's wall time, search pages and posting pages fetched, and what was new; then the board grows and a third
run fetches only the new postings. Target: run 2 fetches no posting page and takes well under run 1's time.
Run: `.venv/bin/python bench/watches.py [--postings 200 --pages 20 --delay 0.5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.models import SearchQuery
from jobmatch.pipeline import follow
from jobmatch.pipeline.local import LocalRunner
from jobmatch.ranking import Ranker
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig, generate_postings
from jobmatch.watches import Watches, WatchSpec

RESUME_QUERY = "Data Scientist"


def posting_fetches(board: Board) -> int:
    return board.stats.by_route.get("posting_api", 0) + board.stats.by_route.get("job_view", 0)


def search_pages(board: Board) -> int:
    return board.stats.by_route.get("search_api", 0) + board.stats.by_route.get("search_page", 0)


async def one_run(watches: Watches, runner: LocalRunner, store: SqlStore, board: Board, watch_id: str) -> str:
    board.reset_stats()
    started = time.perf_counter()
    run = watches.run_now("local", watch_id)
    await follow(runner, store, run.execution_id, within=3600, poll=0.05)
    (reported,) = watches.report_ended(watch_id)
    seconds = time.perf_counter() - started
    return (
        f"{seconds:7.2f} s   search pages {search_pages(board):3d}   posting pages {posting_fetches(board):4d}"
        f"   new {reported.new_count}"
    )


async def main(postings: int, pages: int, delay: float, latency: float) -> None:
    config = BoardConfig(count=postings, seed=17, latency=latency)
    async with Board(config) as board:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            settings = Settings(
                home=home,
                database_url=f"sqlite:///{home / 'bench.sqlite'}",
                linkedin_url=board.url,
                page_delay=(delay, delay),
            )
            store = SqlStore(settings.database_url)
            runner = LocalRunner(settings, store, Ranker(settings, cache=store))
            watches = Watches(settings, store, runner)
            query = SearchQuery(query=RESUME_QUERY, pages=pages, post_time=60, top_n=postings)
            watch = watches.create("local", WatchSpec(name="bench", search=query, schedule="1d"))
            print(
                f"board: {postings} postings, {pages} page(s) asked, {delay:g} s between pages, {latency:g} s latency"
            )
            print("run 1 (first)        ", await one_run(watches, runner, store, board, watch.id))
            print("run 2 (nothing new)  ", await one_run(watches, runner, store, board, watch.id))
            board.add_postings(generate_postings(30, seed=99))
            print("run 3 (30 new)       ", await one_run(watches, runner, store, board, watch.id))
            store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=200)
    parser.add_argument("--pages", type=int, default=25)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds between search pages")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the board adds to every response")
    args = parser.parse_args()
    asyncio.run(main(args.postings, args.pages, args.delay, args.latency))
