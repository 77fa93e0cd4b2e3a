"""`jobmatch apikey create` and `jobmatch submit` as a user runs them: real processes against the real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from jobmatch.store.sql import metadata
from tests.api.conftest import EVIL_TITLE, Service, write_resume

pytestmark = pytest.mark.model

JOBMATCH = [sys.executable, "-m", "jobmatch.cli"]


def run_cli(*args: str, service: Service, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "JOBMATCH_HOME": str(service.settings.home),
        "HF_HUB_OFFLINE": "1",
        "JOBMATCH_DATABASE_URL": service.settings.database_url,
        "COLUMNS": "200",
        **(env or {}),
    }
    environment.pop("JOBMATCH_API_KEY", None)
    return subprocess.run([*JOBMATCH, *args], capture_output=True, text=True, env=environment, timeout=240)


def test_apikey_create_prints_the_key_once_as_its_last_line_and_stores_only_a_hash(service: Service) -> None:
    created = run_cli("apikey", "create", "--name", "laptop", service=service)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("jm_") and len(key) > 40

    assert httpx.get(f"{service.url}/v1/resumes", headers={"x-api-key": key}).status_code == 200
    # Read through SQLite, not as files: closing a file of the database would drop this process's (the server's) locks.
    with service.store.engine.connect() as conn:
        stored = [row for table in metadata.sorted_tables for row in conn.execute(select(table))]
    assert stored and key not in repr(stored)  # nowhere in the database, only its hash
    listing = run_cli("apikey", "list", service=service)
    assert "laptop" in listing.stdout and key not in listing.stdout and key[:9] in listing.stdout


def test_submit_uploads_polls_saves_and_opens_the_report(service: Service, key: str, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\n")
    report = tmp_path / "report.html"
    result = run_cli(
        "submit",
        "Data Scientist",
        "--location",
        "Chicago",
        "--pages",
        "1",
        "--post-time",
        "30",
        "--word-score",
        "python=1.2",
        "--resume",
        str(write_resume(tmp_path / "cv.txt")),
        "--api",
        service.url,
        "--api-key",
        key,
        "--out",
        str(report),
        "--open",
        service=service,
        env={"BROWSER": f"{sys.executable} {recorder} %s", "JOBMATCH_API_POLL_INTERVAL": "0.2"},
    )
    assert result.returncode == 0, result.stderr
    assert "Submitted to" in result.stderr and f"Report written to {report}" in result.stderr
    assert "Ranked against the resume" in result.stderr
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Data Scientist &lt;img src=x" in html and EVIL_TITLE not in html
    assert opened.read_text() == report.resolve().as_uri()


def test_submit_says_in_one_line_why_it_could_not(service: Service, tmp_path: Path) -> None:
    refused = run_cli("submit", "Data Scientist", "--api", service.url, "--api-key", "jm_wrong", service=service)
    unreachable = run_cli("submit", "Data Scientist", "--api", "http://127.0.0.1:9", "--api-key", "k", service=service)
    invalid = run_cli(
        "submit", "Data Scientist", "--pages", "0", "--api", service.url, "--api-key", "k", service=service
    )
    for result, needle in ((refused, "401"), (unreachable, "cannot reach"), (invalid, "--pages")):
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("error:") and needle in result.stderr, result.stderr
