"""`jobmatch serve` runs due watches itself: two servers on one database run each due time once, a restarted server
does not run it again, and a run missed while every server was down runs once when one comes back."""

from __future__ import annotations

import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from jobmatch.api.app import create_app
from jobmatch.models import SearchQuery, utcnow
from jobmatch.store.sql import SqlStore
from jobmatch.watches import Watches, WatchSpec
from tests.api.conftest import serve_in_thread
from tests.conftest import make_settings

pytestmark = pytest.mark.model


def wait_for_runs(store: SqlStore, watch_id: str, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while sum(run.reported for run in store.list_watch_runs(watch_id)) < count:
        assert time.monotonic() < deadline, store.list_watch_runs(watch_id)
        time.sleep(0.2)


def test_two_servers_one_run_per_due_time_across_restarts(board_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, board_url, watch_poll_interval=0.2)
    store = SqlStore(settings.database_url)
    watch = Watches(settings, store, runner=None).create(  # type: ignore[arg-type] - creating runs nothing
        "key1", WatchSpec(name="Both", search=SearchQuery(query="Nurse", post_time=30), schedule="1d")
    )
    with ExitStack() as servers:
        for _ in range(2):
            servers.enter_context(serve_in_thread(create_app(settings, store=SqlStore(settings.database_url))))
        wait_for_runs(store, watch.id, 1)
        time.sleep(1.5)  # several more sweeps of both servers
    assert len(store.list_watch_runs(watch.id)) == 1

    # Restarted: the next run is a day away, so nothing runs again.
    with serve_in_thread(create_app(settings, store=SqlStore(settings.database_url))):
        time.sleep(1.5)
    assert len(store.list_watch_runs(watch.id)) == 1

    # Down for three days: the watch was due three times; back up, it runs once and is next due tomorrow.
    missed = store.get_watch(watch.id).model_copy(update={"next_run_at": utcnow() - timedelta(days=3)})
    store.update_watch(missed)
    with serve_in_thread(create_app(settings, store=SqlStore(settings.database_url))):
        wait_for_runs(store, watch.id, 2)
        time.sleep(1.5)
    assert len(store.list_watch_runs(watch.id)) == 2
    assert store.get_watch(watch.id).next_run_at > utcnow()
    store.close()
