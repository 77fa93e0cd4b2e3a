"""`jobmatch watch` and `jobmatch mark` as a user runs them: real processes over the fake board."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmatch.testing.board import Board, BoardConfig
from tests.test_cli import assert_one_line_error, run_cli
from tests.watches.receivers import webhook_server


@pytest.fixture(scope="module")
def board_env() -> Iterator[dict[str, str]]:
    with Board(BoardConfig(count=20, seed=9)).running_in_thread() as url:
        yield {f"JOBMATCH_{name}_URL": url for name in ("LINKEDIN", "GREENHOUSE", "LEVER", "LEVER_EU", "ASHBY")} | {
            "JOBMATCH_PAGE_DELAY": "0",
            "JOBMATCH_WATCH_NOTIFY_RETRY_DELAY": "0",
            "JOBMATCH_WATCH_NOTIFY_PRIVATE_HOSTS": "1",  # the test's webhook listens on loopback
        }


def test_bad_schedules_and_notify_urls_are_one_line(tmp_path: Path) -> None:
    add = ("watch", "add", "W", "--query", "Nurse")
    assert_one_line_error(run_cli(*add, "--cron", "* * * * *", home=tmp_path), "schedule:", "minimum interval")
    assert_one_line_error(run_cli(*add, "--every", "10m", home=tmp_path), "schedule:", "1h")
    assert_one_line_error(run_cli(*add, home=tmp_path), "--every / --cron")
    assert_one_line_error(run_cli(*add, "--every", "1d", "--notify", "bogus://x", home=tmp_path), "notify[0]")
    # No key may make the server send requests into its own network, unless the operator allows it.
    inside = run_cli(*add, "--every", "1d", "--notify", "json://127.0.0.1:8080/hook", home=tmp_path)
    assert_one_line_error(inside, "notify[0]", "JOBMATCH_WATCH_NOTIFY_PRIVATE_HOSTS")
    assert_one_line_error(run_cli("mark", "applied", "https://example.com/x", home=tmp_path), "POSTING")
    assert_one_line_error(run_cli("watch", "run", "missing", home=tmp_path), "no watch named 'missing'")


@pytest.mark.model
def test_add_run_mark_and_run_again(tmp_path: Path, board_env: dict[str, str]) -> None:
    with webhook_server() as hook:
        added = run_cli(
            "watch", "add", "Data", "--query", "Data Scientist", "--pages", "2", "--post-time", "60",
            "--every", "1d", "--notify", hook.url, home=tmp_path, env=board_env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        due = run_cli("watch", "run", "--due", "--format", "json", home=tmp_path, env=board_env)
        assert due.returncode == 0, due.stderr
        (first,) = json.loads(due.stdout)
        assert first["matches"] and all(m["new"] for m in first["matches"])
        assert len(hook.bodies) == 1
        not_due = run_cli("watch", "run", "--due", "--format", "json", home=tmp_path, env=board_env)
        assert json.loads(not_due.stdout) == []  # ran a moment ago: next due in a day

        dismissed = first["matches"][0]
        marked = run_cli("mark", "dismissed", dismissed["url"], home=tmp_path, env=board_env)
        assert marked.returncode == 0, marked.stderr
        again = run_cli("watch", "run", "Data", "--format", "json", home=tmp_path, env=board_env)
        assert again.returncode == 0, again.stderr
        second = json.loads(again.stdout)
        assert second["run"]["new_count"] == 0 and not any(m["new"] for m in second["matches"])
        assert dismissed["job_id"] not in {m["job_id"] for m in second["matches"]}
        assert len(hook.bodies) == 1  # nothing new: nothing sent

    table = run_cli("watch", "list", home=tmp_path, env=board_env)
    assert table.returncode == 0 and "Data" in table.stdout and "1d" in table.stdout
    assert run_cli("watch", "remove", "Data", home=tmp_path, env=board_env).returncode == 0
    assert "Data" not in run_cli("watch", "list", home=tmp_path, env=board_env).stdout
