"""Scale-out: 8 searches submitted at once to Celery workers, with 1 and with 3 worker processes.

The fake board answers every request 250 ms late; every posting is fetched (JOBMATCH_POSTING_MAX_AGE_DAYS=0), so
each search does its own work. Each worker process runs one task at a time. Prints, for 1 and 3 workers, the total
time from submitting the 8 searches until all have ended and postings/second, then the ratio (3 workers vs the
1-worker baseline, same process, same board). A warm-up round first has the workers load the ranking model, so the
figures are the steady state. Needs Redis (127.0.0.1:6379, db 14 is flushed) and PostgreSQL (127.0.0.1:5432; the
database jobmatch_celery_bench is dropped and made anew). Run: `.venv/bin/python bench/scale.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, SearchQuery
from jobmatch.pipeline import follow
from jobmatch.pipeline.celery import CeleryRunner
from jobmatch.store import keep_resume
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from jobmatch.testing.cluster import Workers, reset_database, reset_redis

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
RESUME = "Data scientist. Python, SQL, machine learning, statistics, forecasting, PyTorch, A/B testing."
QUERIES = ["Data Scientist", "Nurse", "Software Engineer", "Accountant", "Teacher", "Designer", "Analyst", "Chef"]


async def round_of(runner: CeleryRunner, store: SqlStore, pages: int) -> tuple[float, int]:
    """Submit every query at once; returns seconds until all ended, and postings listed."""
    started = time.perf_counter()
    resume_id = keep_resume(store, RESUME).id
    submitted = [
        runner.submit(Execution(query=SearchQuery(query=q, pages=pages, post_time=30), resume_id=resume_id))
        for q in QUERIES
    ]
    ended = [await follow(runner, store, execution.id, within=900) for execution in submitted]
    elapsed = time.perf_counter() - started
    bad = [e for e in ended if e.status is not ExecutionStatus.SUCCEEDED]
    assert not bad, [(e.status, e.error) for e in bad]
    return elapsed, sum(e.counts.listed for e in ended)


async def measure(workers: int, pages: int, latency: float, tmp: Path) -> tuple[float, int]:
    database_url = reset_database(PG_SERVER, "jobmatch_celery_bench")
    reset_redis(REDIS_URL)
    with Board(BoardConfig(count=300, seed=1, latency=latency)).running_in_thread() as url:
        home = tmp / f"w{workers}"
        home.mkdir()
        env = {
            "JOBMATCH_HOME": str(home),
            "JOBMATCH_DATABASE_URL": database_url,
            "JOBMATCH_BROKER_URL": REDIS_URL,
            "JOBMATCH_LINKEDIN_URL": url,
            "JOBMATCH_PAGE_DELAY": "0-0",
            "JOBMATCH_POSTING_MAX_AGE_DAYS": "0",
        }
        settings = Settings(home=home, database_url=database_url, broker_url=REDIS_URL, linkedin_url=url)
        store = SqlStore(database_url)
        runner = CeleryRunner(settings, store)
        cluster = Workers(env, home)
        cluster.start(workers, concurrency=1)
        try:
            warm, _ = await round_of(runner, store, 1)
            print(f"  {workers} worker(s): warm-up round (loads the model) {warm:.1f} s")
            elapsed, listed = await round_of(runner, store, pages)
        finally:
            cluster.stop()
            runner.stop()
            store.close()
    print(
        f"  {workers} worker(s): 8 searches, {listed} postings in {elapsed:.1f} s = {listed / elapsed:.1f} postings/s"
    )
    return elapsed, listed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="Search pages per search (10 postings each).")
    parser.add_argument("--latency", type=float, default=0.25, help="Seconds the board adds to every response.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one, listed_one = await measure(1, args.pages, args.latency, Path(tmp))
        three, listed_three = await measure(3, args.pages, args.latency, Path(tmp))
    print(f"baseline (1 worker): {one:.1f} s, {listed_one / one:.1f} postings/s")
    print(f"3 workers: {three:.1f} s, {listed_three / three:.1f} postings/s")
    print(
        f"ratio (3 workers vs 1): {one / three:.2f}x faster,"
        f" {(listed_three / three) / (listed_one / one):.2f}x the postings/s"
    )


if __name__ == "__main__":
    asyncio.run(main())
