"""The Celery runner end to end: real worker processes, the real Redis and PostgreSQL, the fake board."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmatch.config import Settings
from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline import follow, load_report
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings, new_execution, postgres_reachable, require_service

pytestmark = pytest.mark.model

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "jobmatch_celery_test"
REDIS_URL = "redis://127.0.0.1:6379/15"
RESUME = (
    "Senior data scientist. Python, SQL, machine learning, statistics, A/B testing, PyTorch, scikit-learn. "
    "PhD in statistics. Built forecasting models and recommendation systems."
)
QUERY = SearchQuery(query="Data Scientist", location="Chicago", pages=3, post_time=30, word_scores={"python": 1.1})


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@pytest.fixture
def services() -> None:
    require_service("PostgreSQL (127.0.0.1:5432)", postgres_reachable())
    require_service("Redis (127.0.0.1:6379)", redis_reachable())


class Cluster:
    """A board in a thread, a fresh database and Redis db, and worker processes started on demand."""

    def __init__(self, home: Path, board: Board, url: str, **overrides: object):
        from jobmatch.pipeline.celery import CeleryRunner
        from jobmatch.testing.cluster import Workers, reset_database, reset_redis

        database_url = reset_database(PG_SERVER, DATABASE)
        reset_redis(REDIS_URL)
        self.board = board
        self.settings: Settings = make_settings(home, url, database_url=database_url, broker_url=REDIS_URL, **overrides)
        self.store = SqlStore(database_url)
        env = {
            "JOBMATCH_HOME": str(home),
            "JOBMATCH_DATABASE_URL": database_url,
            "JOBMATCH_BROKER_URL": REDIS_URL,
            "JOBMATCH_LINKEDIN_URL": url,
            "JOBMATCH_PAGE_DELAY": "0-0",
            "JOBMATCH_RETRY_INTERVAL": "0.05",
            # A vanished worker's task comes back within seconds, and the sweeper looks every second.
            "JOBMATCH_CELERY_VISIBILITY_TIMEOUT": "6",
            "JOBMATCH_CELERY_SWEEP_INTERVAL": "1",
            "JOBMATCH_CELERY_LEASE_SECONDS": "3",
            **{f"JOBMATCH_{key.upper()}": str(value) for key, value in overrides.items()},
        }
        home.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.workers = Workers(env, home)
        self.runner = CeleryRunner(self.settings, self.store)

    def close(self) -> None:
        self.workers.stop()
        self.runner.stop()
        self.store.close()


@pytest.fixture
def cluster_factory(home: Path, services: None) -> Iterator:
    made: list[tuple[Cluster, object]] = []

    def make(config: BoardConfig, **overrides: object) -> Cluster:
        board = Board(config)
        context = board.running_in_thread()
        url = context.__enter__()
        cluster = Cluster(home, board, url, **overrides)
        made.append((cluster, context))
        return cluster

    yield make
    for cluster, context in made:
        try:
            cluster.close()
        finally:
            context.__exit__(None, None, None)  # type: ignore[attr-defined]


async def wait(cluster: Cluster, execution_id: str, within: float):
    return await follow(cluster.runner, cluster.store, execution_id, within=within)


async def run(cluster: Cluster, query: SearchQuery = QUERY, within: float = 90.0):
    execution = cluster.runner.submit(new_execution(cluster.store, query, RESUME))
    try:
        return await wait(cluster, execution.id, within)
    except TimeoutError:
        pytest.fail(
            f"search still {cluster.store.get_execution(execution.id)} after {within} s\n{cluster.workers.logs()}"
        )


def assert_every_posting_stored_once(cluster: Cluster, execution_id: str) -> None:
    execution = cluster.store.get_execution(execution_id)
    assert execution is not None
    counts = execution.counts
    stored = [p.job_id for p in cluster.store.execution_postings(execution_id)]
    assert counts.listed > 0
    assert len(stored) == len(set(stored)) == counts.fetched + counts.cached  # one row per posting
    assert counts.listed == counts.fetched + counts.cached + counts.failed
    assert not cluster.store.unsettled_listings(execution_id)


def test_cli_search_end_to_end_on_two_worker_processes(cluster_factory, home: Path) -> None:
    cluster = cluster_factory(BoardConfig(count=40, seed=5, latency=0.05, fault_rate=0.1))
    cluster.workers.start(2)
    resume, out = home / "resume.txt", home / "report.json"
    resume.write_text(RESUME)

    # What a user runs: `jobmatch search` with JOBMATCH_ENGINE=celery only submits and follows; the workers work.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "jobmatch.cli",
            "search",
            QUERY.query,
            "--location",
            QUERY.location,
            "--pages",
            "3",
            "--post-time",
            "30",
            "--word-score",
            "python=1.1",
            "--resume",
            str(resume),
            "--out",
            str(out),
        ],
        env={**os.environ, **cluster.env, "JOBMATCH_ENGINE": "celery"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, (done.stderr, cluster.workers.logs())
    execution_id = re.search(r"Execution\s+([0-9a-f]{32})", done.stderr).group(1)
    execution = cluster.store.get_execution(execution_id)
    assert execution is not None and execution.status is ExecutionStatus.SUCCEEDED
    assert_every_posting_stored_once(cluster, execution_id)
    assert execution.counts.failed == 0  # faults were retried past
    assert execution.counts.pages == 3
    report = json.loads(out.read_text())
    assert report["matches"] and report["ranked_against"] == "resume"
    scores = [match["score"] for match in report["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert all(p.poll() is None for p in cluster.workers.processes)


async def test_celery_and_embedded_runners_give_the_same_postings_and_ranking(cluster_factory, home: Path) -> None:
    from jobmatch.pipeline.local import LocalRunner
    from jobmatch.ranking import Ranker

    # fp32 on both sides: bf16 vectors move by ~1e-3 with how postings happen to be batched, and this test is about
    # the runners, not the embedding backend.
    cluster = cluster_factory(BoardConfig(count=40, seed=8), embed_backend="torch")
    cluster.workers.start(2)
    on_celery = await run(cluster)
    assert on_celery.status is ExecutionStatus.SUCCEEDED, on_celery.error

    local_settings = make_settings(home / "embedded", cluster.settings.linkedin_url, embed_backend="torch")
    local_store = SqlStore(local_settings.database_url)
    embedded = await LocalRunner(local_settings, local_store, Ranker(local_settings, cache=local_store)).run(
        new_execution(local_store, QUERY, RESUME)
    )
    assert embedded.status is ExecutionStatus.SUCCEEDED

    def postings(store: SqlStore, eid: str) -> list[tuple[str, str, str]]:
        return [(p.job_id, p.title, p.description) for p in store.execution_postings(eid)]

    assert postings(cluster.store, on_celery.id) == postings(local_store, embedded.id)
    celery_report, embedded_report = load_report(cluster.store, on_celery.id), load_report(local_store, embedded.id)
    assert celery_report is not None and embedded_report is not None and celery_report.matches
    assert [m.job_id for m in celery_report.matches] == [m.job_id for m in embedded_report.matches]
    assert [m.score for m in celery_report.matches] == pytest.approx(
        [m.score for m in embedded_report.matches], abs=1e-5
    )
    local_store.close()


async def test_worker_killed_mid_search_still_succeeds_with_every_posting_once(cluster_factory) -> None:
    # Paced search pages keep dispatch paging for seconds, so the kill lands while it pages and postings are fetched.
    # Twelve pages a second apart: the kill, as the first postings come in, lands long before paging ends even on a
    # loaded machine (the workers load the model before their first posting).
    cluster = cluster_factory(BoardConfig(count=150, seed=13, latency=0.1), page_delay="1-1")
    query = QUERY.model_copy(update={"pages": 12})
    [doomed] = cluster.workers.start(1, concurrency=2)
    execution = cluster.runner.submit(new_execution(cluster.store, query, RESUME))
    wait_for(cluster, lambda stats: stats.by_route.get("search_api", 0) >= 1)  # the doomed worker is dispatching
    [survivor] = cluster.workers.start(1)
    wait_for(cluster, lambda stats: sum(stats.job_fetches.values()) >= 1)

    cluster.workers.kill(doomed)
    assert cluster.board.stats.by_route.get("search_api", 0) < query.pages  # killed mid-paging...
    assert cluster.store.get_execution(execution.id).status is ExecutionStatus.RUNNING  # ...and mid-search

    # A ceiling, not a timing: the survivor re-dispatches and fetches everything, slowly on a loaded machine.
    ended = await wait(cluster, execution.id, 240)

    assert ended.status is ExecutionStatus.SUCCEEDED, (ended.error, cluster.workers.logs())
    assert_every_posting_stored_once(cluster, execution.id)
    assert ended.counts.failed == 0
    # Every page was listed, though the first dispatcher died part-way.
    assert ended.counts.listed == min(120, len(cluster.board.listed(query.post_time_seconds)))
    # ...and each page counts once, though the pages read before the kill were read again.
    assert cluster.board.stats.by_route["search_api"] > query.pages
    assert ended.counts.pages == query.pages
    assert survivor.poll() is None
    report = load_report(cluster.store, execution.id)
    assert report is not None and report.matches


def wait_for(cluster: Cluster, condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition(cluster.board.stats):
        assert time.monotonic() < deadline, cluster.workers.logs()
        time.sleep(0.02)


async def test_three_workers_never_exceed_the_shared_per_host_limit(cluster_factory) -> None:
    limit = 2
    cluster = cluster_factory(BoardConfig(count=40, seed=21, latency=0.25), max_concurrency=limit)
    # Three worker processes, one more than the limit, each allowed 2 on its own: only a limit shared through
    # Redis holds them to 2 together.
    cluster.workers.start(3)

    execution = await run(cluster)

    assert execution.status is ExecutionStatus.SUCCEEDED, (execution.error, cluster.workers.logs())
    assert_every_posting_stored_once(cluster, execution.id)
    assert execution.counts.fetched >= 20
    assert cluster.board.stats.max_in_flight_jobs == limit


async def test_search_past_its_deadline_ends_timed_out_with_every_posting_accounted_for(cluster_factory) -> None:
    # A slow board, one task process, a 4 s deadline: the search cannot finish, and must not stay RUNNING.
    cluster = cluster_factory(BoardConfig(count=40, seed=2, latency=0.5), execution_timeout=4)
    cluster.workers.start(1)
    deadline = time.monotonic() + 60
    while not cluster.runner.workers_alive():  # the 4 s start only once a worker is there to start it
        assert time.monotonic() < deadline, cluster.workers.logs()
        await asyncio.sleep(0.1)

    execution = await run(cluster, QUERY, within=40)

    assert execution.status is ExecutionStatus.TIMED_OUT
    assert "did not end within 4 s" in (execution.error or "")
    assert not cluster.store.unsettled_listings(execution.id)
    failures = cluster.store.failures(execution.id)
    assert failures and all("did not end within" in f.reason for f in failures)


async def test_api_on_the_celery_engine_only_enqueues_and_answers_the_original_protocol(
    cluster_factory, home: Path
) -> None:
    import socket

    import httpx

    cluster = cluster_factory(BoardConfig(count=30, seed=21))
    env = {**os.environ, **cluster.env, "JOBMATCH_ENGINE": "celery", "HF_HUB_OFFLINE": "1"}
    created = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "jobmatch.cli", "apikey", "create", "--name", "celery-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, "-m", "jobmatch.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            body = {
                "query": "Data Scientist",
                "location": "Chicago",
                "pages": 2,
                "post_time": 30,
                "word_scores": {"python": 1.2},
            }
            submitted = await client.post("/jobscrape", json=body, headers={"x-api-key": key})
            assert submitted.status_code == 202, submitted.text
            arn = submitted.json()["executionArn"]
            # No worker yet: the server only enqueued, so nothing moves.
            await asyncio.sleep(2)
            waiting = await client.get("/jobscrape", params={"executionArn": arn}, headers={"x-api-key": key})
            assert waiting.json()["status"] == "RUNNING" and cluster.board.stats.by_route.get("search_api", 0) == 0
            cluster.workers.start(1)
            deadline = time.monotonic() + 120
            while True:
                # The original client sends its JSON body on GET.
                polled = await client.request(
                    "GET", "/jobscrape", json={"executionArn": arn}, headers={"x-api-key": key}
                )
                assert polled.status_code == 200, polled.text
                status = polled.json()["status"]
                if status != "RUNNING" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
        assert status == "SUCCEEDED", (polled.text, cluster.workers.logs())
        output = polled.json()["output"]
        assert output["matches"] and "<article" in output["Payload"]["body"]
        assert output["counts"]["listed"] == output["counts"]["fetched"] + output["counts"]["cached"]
        execution_id = submitted.json()["request_id"]
        assert cluster.store.get_execution(execution_id).status is ExecutionStatus.SUCCEEDED
    finally:
        server.terminate()
        server.wait(timeout=30)
