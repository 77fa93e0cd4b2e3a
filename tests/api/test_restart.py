"""Searches outlive the server process: one cut off by a crash or a stop ends FAILED with the reason, never RUNNING."""

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(home: Path, board_url: str) -> dict[str, str]:
    # Two seconds between search pages: a three-page search is mid-way for seconds.
    return {
        **os.environ,
        "JOBMATCH_HOME": str(home),
        "JOBMATCH_DATABASE_URL": f"sqlite:///{home / 'api.sqlite'}",
        "JOBMATCH_LINKEDIN_URL": board_url,
        "JOBMATCH_PAGE_DELAY": "2-2",
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


def test_searches_cut_off_by_a_crash_or_a_stop_end_failed_with_the_reason(board_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, board_url)
    created = subprocess.run(
        [sys.executable, "-m", "jobmatch.cli", "apikey", "create", "--name", "restart"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    headers = {"x-api-key": created.stdout.strip().splitlines()[-1]}

    with jobmatch_serve(env) as (url, process):
        crashed = httpx.post(f"{url}/v1/searches", json={**SEARCH, "pages": 3}, headers=headers).json()
        deadline = time.monotonic() + 30
        while httpx.get(f"{url}/v1/searches/{crashed['id']}", headers=headers).json()["progress"]["listed"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # a crash: nothing gets to run on the way out
        process.wait(30)

    with jobmatch_serve(env) as (url, process):
        after_crash = httpx.get(f"{url}/v1/searches/{crashed['id']}", headers=headers).json()
        assert after_crash["status"] == "FAILED"
        assert "restarted" in after_crash["error"] and "submit it again" in after_crash["error"]
        progress = after_crash["progress"]
        assert progress["pages"] == 1 and progress["listed"] > 0
        assert progress["settled"] == progress["listed"]  # no posting is left pending either

        stopped = httpx.post(f"{url}/jobscrape", json={**SEARCH, "pages": 3}, headers=headers).json()
        process.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
        assert process.wait(30) == 0

    with jobmatch_serve(env) as (url, _):
        answer = httpx.request(
            "GET", f"{url}/jobscrape", json={"executionArn": stopped["executionArn"]}, headers=headers
        ).json()
        assert answer["status"] == "FAILED" and "server stopped" in answer["error"]
        assert httpx.get(f"{url}/v1/searches/{crashed['id']}", headers=headers).json()["error"] == after_crash["error"]
