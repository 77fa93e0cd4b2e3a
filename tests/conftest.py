"""Shared fixtures: isolated settings in a temporary home, and the read-only shared fixtures."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobmatch.config import Settings
from jobmatch.models import Execution, SearchQuery
from jobmatch.store import Store, keep_resume

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LINKEDIN_FIXTURES = SHARED / "fixtures" / "linkedin"


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every process a test started (servers, runners, workers: each has its JOBMATCH_HOME under the run's temporary
    folder) has ended once the tests have: one left running is a leak, or hung (a runner once outlived its
    crashed server, deadlocked). Those found are killed and named."""
    yield
    base = str(tmp_path_factory.getbasetemp())
    deadline = time.monotonic() + 30  # time to finish exiting
    while (left := _processes_with_home_under(base)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes still running after the tests: {left}"


def process_ended(pid: int) -> bool:
    """Whether a process is gone, or has ended and waits only to be reaped by its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def _processes_with_home_under(base: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        home = next((v[len(b"JOBMATCH_HOME=") :] for v in environ if v.startswith(b"JOBMATCH_HOME=")), b"")
        if home.decode(errors="replace").startswith(base) and not process_ended(int(entry.name)):
            found[int(entry.name)] = home.decode(errors="replace")
    return found


@pytest.fixture
def linkedin_fixtures() -> Path:
    """The real LinkedIn guest HTML (read-only); tests that need it skip when it is absent."""
    if not LINKEDIN_FIXTURES.is_dir():
        pytest.skip(f"real LinkedIn fixtures not found at {LINKEDIN_FIXTURES}")
    return LINKEDIN_FIXTURES


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh JOBMATCH_HOME for the test, so nothing touches the user's own database."""
    path = tmp_path / "jobmatch-home"
    monkeypatch.setenv("JOBMATCH_HOME", str(path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    return path


def make_settings(home: Path, base_url: str = "http://127.0.0.1:9", **overrides: object) -> Settings:
    """Settings for a test: its own SQLite file, a loopback board (every job board's URL), no page delay, quick
    retries."""
    values: dict[str, object] = dict(
        home=home,
        database_url=f"sqlite:///{home / 'test.sqlite'}",
        linkedin_url=base_url,
        greenhouse_url=base_url,
        lever_url=base_url,
        lever_eu_url=base_url,
        ashby_url=base_url,
        page_delay=(0.0, 0.0),
        retry_interval=0.05,
        request_timeout=5.0,
        # The tests' mail server and webhook listen on loopback, which a real deployment refuses by default.
        watch_notify_private_hosts=True,
    )
    values.update(overrides)
    return Settings(**values)


POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def require_service(name: str, reachable: bool) -> None:
    """Skip a test whose service is absent, or fail it when CI demands every service (JOBMATCH_REQUIRE_SERVICES=1)."""
    if reachable:
        return
    message = f"{name} is not reachable on this machine; start it to run this test"
    if Settings().require_services:
        pytest.fail(message + " (JOBMATCH_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def postgres_reachable() -> bool:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


def new_execution(store: Store, query: SearchQuery, resume_text: str | None = None, **fields: Any) -> Execution:
    """A search to submit, its resume (when given) kept in the store where every analyzer reads it."""
    resume_id = keep_resume(store, resume_text).id if resume_text is not None else None
    return Execution(query=query, resume_id=resume_id, **fields)
