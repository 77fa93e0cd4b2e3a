"""The embedded engine's runner process: what it does when the server that drives it dies."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline.embedded import _child_main
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings, new_execution
from tests.pipeline.test_local import RESUME


def test_a_runner_whose_server_dies_while_it_answers_lets_its_search_go_unended(tmp_path: Path) -> None:
    """The server asks (the watchdog's ping) and is killed before the answer: the runner finds the pipe broken. It
    must let go of its searches, for the next start to resume them, and not end them ABORTED."""
    with Board(BoardConfig(count=30, seed=3)).running_in_thread() as url:
        settings = make_settings(tmp_path, url, page_delay=(1.0, 1.0))  # three pages: a few seconds of search
        store = SqlStore(settings.database_url)
        context = multiprocessing.get_context("spawn")
        server_end, runner_end = context.Pipe()
        runner = context.Process(target=_child_main, args=(settings, runner_end), daemon=True)
        runner.start()
        runner_end.close()
        try:
            execution = new_execution(
                store, SearchQuery(query="Data Scientist", pages=3), RESUME, owner="0123456789abcdef"
            )
            server_end.send(("submit", execution.model_dump(mode="json")))
            assert server_end.recv()[0] is True
            deadline = time.monotonic() + 60
            while store.get_execution(execution.id).counts.listed == 0:
                assert time.monotonic() < deadline, "the search listed nothing"
                time.sleep(0.05)

            server_end.send(("ping",))
            server_end.close()  # the server is gone before the answer comes
            runner.join(30)
            assert runner.exitcode == 0
            left = store.get_execution(execution.id)
            assert left.status is ExecutionStatus.RUNNING, left.error  # for the next start to resume
            assert left.heartbeat_at is None  # let go of: no lease to wait out
        finally:
            if runner.is_alive():
                runner.kill()
            store.close()
