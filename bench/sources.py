"""One search over LinkedIn plus 30 company boards (10 Greenhouse, 10 Lever, 10 Ashby) at 10% faults.

Each board API is served by its own fake board on its own loopback address (127.0.0.1 LinkedIn, .2 Greenhouse,
.3 Lever, .4 Ashby), so each is a host of its own with its own politeness, as in production. Prints:
- the wall time of the whole search against the slowest single source searched alone in the same run (target
  <= 1.2x), and against the slowest host's sources searched together (its polite floor);
- postings listed, stored and failed, and the check that nothing matching was lost (every posting a board lists
  that the search's filter keeps ends stored);
- requests per stored posting (the boards' own counters, retries included).

Every run gets fresh boards, so each meets the same faults. Run: `.venv/bin/python bench/sources.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, SearchQuery
from jobmatch.pipeline import dispatch, open_boards, scrape
from jobmatch.pipeline.local import LocalRunner
from jobmatch.ranking import Ranker
from jobmatch.sources import matches_query
from jobmatch.store import keep_resume
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig, generate_postings

RESUME = (
    "Software engineer, 7 years: Python, Go, distributed systems, Kubernetes, AWS, PostgreSQL, CI/CD, on-call, "
    "site reliability, observability. Led a platform team."
)
HOSTS = {"linkedin": "127.0.0.1", "greenhouse": "127.0.0.2", "lever": "127.0.0.3", "ashby": "127.0.0.4"}
COMPANIES = ("acme", "globex", "initech", "umbrella", "hooli", "piedpiper", "vandelay", "wonka", "stark", "wayne")


@dataclass
class Run:
    seconds: float
    execution: Execution
    requests: int
    boards: dict[str, Board]


async def search(
    home: Path, ranker: Ranker, query: SearchQuery, args: argparse.Namespace, *, rank: bool = False
) -> Run:
    """`query` on fresh boards (one per host): its wall time and the boards' stats. Without `rank`, the time to list
    and store every posting (dispatch and scrape at once, as the runners do), which is what the sources decide;
    with it, the whole search through the embedded runner, ranking included."""
    config = BoardConfig(
        count=args.pages * 10, seed=args.seed, latency=args.latency, jitter=args.latency / 2, fault_rate=args.faults
    )
    async with AsyncExitStack() as stack:
        boards = {kind: Board(config) for kind in HOSTS}
        for kind, board in boards.items():
            await board.start(HOSTS[kind])
            stack.push_async_callback(board.stop)
        settings = Settings(
            home=home,
            database_url=f"sqlite:///{home / 'bench.sqlite'}",
            linkedin_url=boards["linkedin"].url,
            greenhouse_url=boards["greenhouse"].url,
            lever_url=boards["lever"].url,
            ashby_url=boards["ashby"].url,
            page_delay=args.page_delay,
        )
        store = SqlStore(settings.database_url)
        execution = Execution(query=query, resume_id=keep_resume(store, RESUME).id)
        started = time.perf_counter()
        if rank:
            execution = await LocalRunner(settings, store, ranker).run(execution)
            assert execution.status is ExecutionStatus.SUCCEEDED, execution.error
        else:
            await list_and_store(settings, store, execution)
        seconds = time.perf_counter() - started
        ended = store.get_execution(execution.id)
        assert ended is not None and ended.counts.settled == ended.counts.listed, ended
        execution = ended
        lost = _lost(store, execution, boards)
        assert not lost, f"matching postings not stored: {lost[:5]}"
        store.close()
        return Run(seconds, execution, sum(board.stats.requests for board in boards.values()), boards)


async def list_and_store(settings: Settings, store: SqlStore, execution: Execution) -> None:
    store.create_execution(execution)
    async with open_boards(settings, store, execution.id) as boards, asyncio.TaskGroup() as group:
        async for refs in dispatch(execution, boards, store):
            for ref in refs:
                group.create_task(scrape(execution.id, ref, boards, store))


def _lost(store: SqlStore, execution: Execution, boards: dict[str, Board]) -> list[str]:
    """Postings a company board lists that the search keeps, yet not stored by it."""
    stored = {(p.source, p.job_id) for p in store.execution_postings(execution.id)}
    lost = []
    for source in execution.query.sources:
        kind, _, name = source.partition(":")
        if kind in ("greenhouse", "lever", "ashby"):
            for posting in boards[kind].ats.expected(kind, name):
                if matches_query(posting, execution.query) and (source, posting.job_id) not in stored:
                    lost.append(f"{source}/{posting.job_id}")
    return lost


async def bench(args: argparse.Namespace, tmp: Path) -> None:
    ranker = Ranker(Settings(home=tmp, database_url=f"sqlite:///{tmp / 'warm.sqlite'}"))
    ranker.embed_postings(generate_postings(2, seed=99))  # the model loads outside the timings
    boards = [f"{kind}:{company}" for kind in ("greenhouse", "lever", "ashby") for company in COMPANIES]
    sources = ["linkedin", *boards]

    def query(names: list[str]) -> SearchQuery:
        return SearchQuery(query=args.query, pages=args.pages, post_time=30, sources=names)

    print(
        f"'{args.query}' over linkedin ({args.pages} pages) + {len(boards)} company boards; faults {args.faults:.0%},"
        f" latency {args.latency} s, page delay {args.page_delay[0]:g}-{args.page_delay[1]:g} s"
    )
    whole = await search(tmp / "all", ranker, query(sources), args)
    ranked = await search(tmp / "ranked", ranker, query(sources), args, rank=True)
    alone = {name: await search(tmp / name.replace(":", "-"), ranker, query([name]), args) for name in sources}
    hosts = {kind: [name for name in boards if name.startswith(kind)] for kind in ("greenhouse", "lever", "ashby")}
    together = {kind: await search(tmp / f"host-{kind}", ranker, query(names), args) for kind, names in hosts.items()}
    together["linkedin"] = alone["linkedin"]

    slowest = max(alone, key=lambda name: alone[name].seconds)
    slowest_host = max(together, key=lambda kind: together[kind].seconds)
    counts = whole.execution.counts
    stored = counts.fetched + counts.cached
    faults = sum(board.stats.faults_total for board in whole.boards.values())
    print("time to list and store every posting (ranking apart):")
    print(f"whole search:                 {whole.seconds:6.2f} s")
    print(
        f"slowest source alone:         {alone[slowest].seconds:6.2f} s ({slowest})   "
        f"ratio {whole.seconds / alone[slowest].seconds:.2f} (target <= 1.2)"
    )
    print(
        f"slowest host's sources alone: {together[slowest_host].seconds:6.2f} s ({slowest_host})   "
        f"ratio {whole.seconds / together[slowest_host].seconds:.2f}"
    )
    print("each host's sources alone:    " + ", ".join(f"{k} {r.seconds:.2f} s" for k, r in together.items()))
    print(
        f"postings: listed {counts.listed}, stored {stored} (fetched {counts.fetched}, cached {counts.cached}),"
        f" failed {counts.failed}, filtered {counts.filtered}; lost 0; faults served {faults}"
    )
    print(f"the whole search with ranking ({stored} postings embedded and ranked): {ranked.seconds:.2f} s")
    print(f"requests: {whole.requests}, {whole.requests / max(stored, 1):.2f} per stored posting")
    for kind, board in whole.boards.items():
        print(f"  {kind:<10} {board.stats.requests:5d} requests, by route {dict(sorted(board.stats.by_route.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="Engineer")
    parser.add_argument("--pages", type=int, default=5, help="LinkedIn result pages")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each board adds to every response")
    parser.add_argument("--faults", type=float, default=0.1)
    parser.add_argument("--delay", default="2-4", help="page delay MIN-MAX in seconds (the default setting)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    low, _, high = args.delay.partition("-")
    args.page_delay = (float(low), float(high or low))
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    main()
