"""The Celery runner end to end: real worker processes, the real Redis and PostgreSQL, the fake board."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmatch.config import Settings
from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline import load_report
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings, postgres_reachable, require_service

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
            "JOBMATCH_HOME": str(home), "JOBMATCH_DATABASE_URL": database_url, "JOBMATCH_BROKER_URL": REDIS_URL,
            "JOBMATCH_LINKEDIN_URL": url, "JOBMATCH_PAGE_DELAY": "0-0", "JOBMATCH_RETRY_INTERVAL": "0.05",
            # A vanished worker's task comes back within seconds, and the sweeper looks every second.
            "JOBMATCH_CELERY_VISIBILITY_TIMEOUT": "6", "JOBMATCH_CELERY_SWEEP_INTERVAL": "1",
            **{f"JOBMATCH_{key.upper()}": str(value) for key, value in overrides.items()},
        }
        home.mkdir(parents=True, exist_ok=True)
        self.workers = Workers(env, home)
        self.runner = CeleryRunner(self.settings, self.store)

    def close(self) -> None:
        self.workers.stop()
        self.runner.close()
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


async def run(cluster: Cluster, query: SearchQuery = QUERY, timeout: float = 90.0):
    execution = cluster.runner.submit(query, RESUME)
    try:
        return await cluster.runner.wait(execution.id, timeout=timeout)
    except TimeoutError:
        pytest.fail(f"search still {cluster.store.get_execution(execution.id)} after {timeout} s\n{cluster.workers.logs()}")


def assert_every_posting_stored_once(cluster: Cluster, execution_id: str) -> None:
    execution = cluster.store.get_execution(execution_id)
    assert execution is not None
    counts = execution.counts
    stored = [p.job_id for p in cluster.store.execution_postings(execution_id)]
    assert counts.listed > 0
    assert len(stored) == len(set(stored)) == counts.fetched + counts.cached  # one row per posting
    assert counts.listed == counts.fetched + counts.cached + counts.failed
    assert not cluster.store.unsettled_listings(execution_id)


async def test_search_end_to_end_on_two_worker_processes(cluster_factory) -> None:
    cluster = cluster_factory(BoardConfig(count=40, seed=5, latency=0.05, fault_rate=0.1))
    pids = {p.pid for p in cluster.workers.start(2)}

    execution = await run(cluster)

    assert execution.status is ExecutionStatus.SUCCEEDED, (execution.error, cluster.workers.logs())
    assert_every_posting_stored_once(cluster, execution.id)
    assert execution.counts.failed == 0  # faults were retried past
    assert execution.counts.pages == 3
    report = load_report(cluster.store, execution.id)
    assert report is not None and report.matches and report.ranked_against == "resume"
    assert all(a.score >= b.score for a, b in zip(report.matches, report.matches[1:]))
    assert all(p.poll() is None for p in cluster.workers.processes) and len(pids) == 2


async def test_celery_and_embedded_runners_give_the_same_postings_and_ranking(cluster_factory, home: Path) -> None:
    from jobmatch.pipeline.local import LocalRunner
    from jobmatch.ranking import Ranker

    cluster = cluster_factory(BoardConfig(count=40, seed=8))
    cluster.workers.start(2)
    on_celery = await run(cluster)
    assert on_celery.status is ExecutionStatus.SUCCEEDED, on_celery.error

    local_settings = make_settings(home / "embedded", cluster.settings.linkedin_url)
    local_store = SqlStore(local_settings.database_url)
    embedded = await LocalRunner(local_settings, local_store, Ranker(local_settings, cache=local_store)).run(QUERY, RESUME)
    assert embedded.status is ExecutionStatus.SUCCEEDED

    def postings(store: SqlStore, eid: str) -> list[tuple[str, str, str]]:
        return [(p.job_id, p.title, p.description) for p in store.execution_postings(eid)]

    assert postings(cluster.store, on_celery.id) == postings(local_store, embedded.id)
    celery_report, embedded_report = load_report(cluster.store, on_celery.id), load_report(local_store, embedded.id)
    assert celery_report is not None and embedded_report is not None and celery_report.matches
    assert [m.job_id for m in celery_report.matches] == [m.job_id for m in embedded_report.matches]
    assert [m.score for m in celery_report.matches] == pytest.approx([m.score for m in embedded_report.matches], abs=1e-5)
    local_store.close()


async def test_worker_killed_mid_search_still_succeeds_with_every_posting_once(cluster_factory) -> None:
    cluster = cluster_factory(BoardConfig(count=60, seed=13, latency=0.2))
    doomed, survivor = cluster.workers.start(2)
    query = QUERY.model_copy(update={"pages": 4})
    execution = cluster.runner.submit(query, RESUME)

    deadline = time.monotonic() + 60
    while sum(cluster.board.stats.job_fetches.values()) < 5:  # mid-search: postings are being fetched
        assert time.monotonic() < deadline, cluster.workers.logs()
        time.sleep(0.05)
    cluster.workers.kill(doomed)
    assert cluster.store.get_execution(execution.id).status is ExecutionStatus.RUNNING

    ended = await cluster.runner.wait(execution.id, timeout=120)

    assert ended.status is ExecutionStatus.SUCCEEDED, (ended.error, cluster.workers.logs())
    assert_every_posting_stored_once(cluster, execution.id)
    assert ended.counts.failed == 0
    assert survivor.poll() is None
    report = load_report(cluster.store, execution.id)
    assert report is not None and report.matches


async def test_three_workers_never_exceed_the_shared_per_host_limit(cluster_factory) -> None:
    limit = 2
    cluster = cluster_factory(BoardConfig(count=40, seed=21, latency=0.25), max_concurrency=limit)
    # Six task processes in all, three times the limit: only a limit shared through Redis holds them to it.
    cluster.workers.start(3, concurrency=2)

    execution = await run(cluster)

    assert execution.status is ExecutionStatus.SUCCEEDED, (execution.error, cluster.workers.logs())
    assert_every_posting_stored_once(cluster, execution.id)
    assert execution.counts.fetched >= 20
    assert cluster.board.stats.max_in_flight_jobs == limit
