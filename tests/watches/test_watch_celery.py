"""Celery: every worker's sweeper looks for due watches; with two workers, each due time still runs once."""

from __future__ import annotations

import time

import pytest

from jobmatch.models import SearchQuery
from jobmatch.testing.board import BoardConfig
from jobmatch.watches import Watches, WatchSpec
from tests.pipeline import test_celery
from tests.pipeline.test_celery import cluster_factory, services  # noqa: F401 - the Celery test rig's fixtures
from tests.watches.receivers import webhook_server

pytestmark = pytest.mark.model


@pytest.fixture(autouse=True)
def own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    # A database and Redis db of its own: the searches' Celery tests may run on the same servers at the same time.
    monkeypatch.setattr(test_celery, "DATABASE", "jobmatch_watch_celery_test")
    monkeypatch.setattr(test_celery, "REDIS_URL", "redis://127.0.0.1:6379/13")


def test_two_workers_run_a_due_watch_once_and_notify_once(cluster_factory) -> None:  # noqa: F811
    cluster = cluster_factory(BoardConfig(count=20, seed=31))
    with webhook_server() as hook:
        watches = Watches(cluster.settings, cluster.store, cluster.runner)
        watch = watches.create(
            "key1",
            WatchSpec(
                name="Celery",
                search=SearchQuery(query="Data Scientist", pages=2, post_time=30),
                schedule="1d",
                notify=[hook.url],
            ),
        )
        cluster.workers.start(2)
        deadline = time.monotonic() + 150
        while not (runs := cluster.store.list_watch_runs(watch.id)) or not runs[0].reported:
            assert time.monotonic() < deadline, cluster.workers.logs()
            time.sleep(0.5)
        time.sleep(4)  # a few more sweeps of both workers
        runs = cluster.store.list_watch_runs(watch.id)
        assert len(runs) == 1 and runs[0].new_count and runs[0].new_count > 0
        assert len(hook.bodies) == 1
