"""Searches outlive the server process: one cut off by a crash, a stop or a killed runner resumes where it stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.api.conftest import SEARCH
from tests.conftest import process_ended


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(home: Path, board_url: str) -> dict[str, str]:
    # A second between search pages: a three-page search is mid-way for a few seconds.
    return {
        **os.environ,
        "JOBMATCH_HOME": str(home),
        "JOBMATCH_DATABASE_URL": f"sqlite:///{home / 'api.sqlite'}",
        "JOBMATCH_LINKEDIN_URL": board_url,
        "JOBMATCH_PAGE_DELAY": "1-1",
        "HF_HUB_OFFLINE": "1",
    }


@contextmanager
def jobmatch_serve(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`jobmatch serve` in a process of its own; yields its URL once /healthz answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jobmatch.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else "server exited"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def _key(env: dict[str, str]) -> dict[str, str]:
    created = subprocess.run(
        [sys.executable, "-m", "jobmatch.cli", "apikey", "create", "--name", "restart"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {"x-api-key": created.stdout.strip().splitlines()[-1]}


def _wait_listed(url: str, search_id: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 30
    while httpx.get(f"{url}/v1/searches/{search_id}", headers=headers, timeout=30).json()["progress"]["listed"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _wait_ended(url: str, search_id: str, headers: dict[str, str], within: float = 90) -> dict:
    deadline = time.monotonic() + within
    while True:
        search = httpx.get(f"{url}/v1/searches/{search_id}", headers=headers, timeout=30).json()
        if search["status"] != "RUNNING":
            return search
        assert time.monotonic() < deadline, search
        time.sleep(0.2)


def _assert_whole(url: str, search: dict, headers: dict[str, str]) -> None:
    assert search["status"] == "SUCCEEDED", search
    progress = search["progress"]
    assert progress["settled"] == progress["listed"] and progress["failed"] == 0  # nothing lost on the way
    assert search["outcome"]["complete"] is True
    # As much as the same search run without interruption lists.
    again = httpx.post(f"{url}/v1/searches", json={**SEARCH, "pages": 3}, headers=headers, timeout=30).json()
    assert progress["listed"] == _wait_ended(url, again["id"], headers)["progress"]["listed"] > 0


def _children(pid: int) -> list[int]:
    """The server's runner processes (multiprocessing also starts a resource tracker: not one of them)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return [child for child in found if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def _assert_exits(pid: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not process_ended(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs {within:g} s after its server died"
        time.sleep(0.1)


def test_searches_cut_off_by_a_crash_or_a_stop_resume_on_the_next_start(board_url: str, tmp_path: Path) -> None:
    env = {**_env(tmp_path, board_url), "JOBMATCH_RUNNER_LEASE_SECONDS": "3"}
    headers = _key(env)

    with jobmatch_serve(env) as (url, process):
        crashed = httpx.post(f"{url}/v1/searches", json={**SEARCH, "pages": 3}, headers=headers, timeout=30).json()
        _wait_listed(url, crashed["id"], headers)
        [runner] = _children(process.pid)
        process.send_signal(signal.SIGKILL)  # a crash: nothing gets to run on the way out
        process.wait(30)
        _assert_exits(runner)  # the orphaned runner lets go of its searches and ends, whatever it was doing

    with jobmatch_serve(env) as (url, process):
        _assert_whole(url, _wait_ended(url, crashed["id"], headers), headers)

        stopped = httpx.post(f"{url}/jobscrape", json={**SEARCH, "pages": 3}, headers=headers, timeout=30).json()
        _wait_listed(url, stopped["request_id"], headers)
        process.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
        assert process.wait(30) == 0

    with jobmatch_serve(env) as (url, _):
        _assert_whole(url, _wait_ended(url, stopped["request_id"], headers), headers)
        answer = httpx.request(
            "GET", f"{url}/jobscrape", json={"executionArn": stopped["executionArn"]}, headers=headers, timeout=30
        ).json()
        assert answer["status"] == "SUCCEEDED" and "resumed" in " ".join(answer["output"]["notes"])


def test_a_killed_runner_process_is_replaced_and_its_search_goes_on(board_url: str, tmp_path: Path) -> None:
    env = {**_env(tmp_path, board_url), "JOBMATCH_RUNNER_LEASE_SECONDS": "3"}
    headers = _key(env)
    with jobmatch_serve(env) as (url, process):
        search = httpx.post(f"{url}/v1/searches", json={**SEARCH, "pages": 3}, headers=headers, timeout=30).json()
        _wait_listed(url, search["id"], headers)
        [runner] = _children(process.pid)
        os.kill(runner, signal.SIGKILL)
        # No other request arrives: the server notices by itself, and a new runner resumes the search.
        _assert_whole(url, _wait_ended(url, search["id"], headers), headers)
        assert _children(process.pid) != [runner]


def test_a_hung_runner_process_is_killed_and_replaced_and_its_search_goes_on(board_url: str, tmp_path: Path) -> None:
    env = {**_env(tmp_path, board_url), "JOBMATCH_RUNNER_LEASE_SECONDS": "3", "JOBMATCH_RUNNER_ANSWER_TIMEOUT": "2"}
    headers = _key(env)
    with jobmatch_serve(env) as (url, process):
        search = httpx.post(f"{url}/v1/searches", json={**SEARCH, "pages": 3}, headers=headers, timeout=30).json()
        _wait_listed(url, search["id"], headers)
        [runner] = _children(process.pid)
        os.kill(runner, signal.SIGSTOP)  # alive but answering nothing, as a deadlocked process
        _assert_whole(url, _wait_ended(url, search["id"], headers), headers)
        _assert_exits(runner, within=0)
        assert process.poll() is None


def test_two_servers_on_one_database_keep_each_others_searches(board_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, board_url)
    headers = _key(env)
    with jobmatch_serve(env) as (first, _):
        search = httpx.post(f"{first}/v1/searches", json={**SEARCH, "pages": 3}, headers=headers, timeout=30).json()
        _wait_listed(first, search["id"], headers)
        with jobmatch_serve(env) as (second, _):
            # The second server starts while the first one's search runs: it is not the second's to end or take.
            assert (
                httpx.get(f"{second}/v1/searches/{search['id']}", headers=headers, timeout=30).json()["status"]
                == "RUNNING"
            )
            _assert_whole(first, _wait_ended(first, search["id"], headers), headers)
