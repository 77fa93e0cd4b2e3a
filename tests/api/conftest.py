"""The API's test rig: one fake board, and real uvicorn servers on loopback (each with its runner process)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from jobmatch.api.app import create_app
from jobmatch.apikeys import create_api_key
from jobmatch.config import Settings
from jobmatch.models import JobPosting
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig, generate_postings
from tests.conftest import make_settings

# A posting whose scraped text is markup: every page must show it as text, and run none of it.
EVIL_TITLE = 'Data Scientist <img src=x onerror="window.__pwned=1">'
EVIL_COMPANY = "<script>window.__pwned=2</script>Evil Corp"
EVIL_JOB_ID = "4499999999"
RESUME_TEXT = (
    "Senior data scientist. Python, SQL, machine learning, statistics, A/B testing, PyTorch, scikit-learn. "
    "PhD in statistics. Built forecasting models and recommendation systems."
)


def evil_posting() -> JobPosting:
    now = datetime.now(UTC)
    return JobPosting(
        source="linkedin",
        job_id=EVIL_JOB_ID,
        url=f"https://www.linkedin.com/jobs/view/{EVIL_JOB_ID}",
        title=EVIL_TITLE,
        company=EVIL_COMPANY,
        location="Chicago, IL",
        posted_at=now.date(),
        description=(
            "About the role\n"
            "We need a data scientist who writes Python and SQL and builds machine learning models every day.\n"
            '<script>window.__pwned=3</script> and <img src=x onerror="window.__pwned=4"> are part of this text.\n'
            "- Statistics, forecasting and A/B testing\n"
        ),
        fetched_at=now,
    )


def board_postings(count: int = 19, seed: int = 7) -> list[JobPosting]:
    """The evil posting first (so a one-page search lists it), then generated ones."""
    return [evil_posting(), *generate_postings(count, seed)]


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port from a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@dataclass
class Service:
    """The running API: its URL, settings and store (to make keys)."""

    url: str
    settings: Settings
    store: SqlStore

    def new_key(self, name: str = "test", max_running: int | None = None) -> str:
        return create_api_key(self.store, name, max_running)[1]

    def client(self, key: str | None) -> httpx.Client:
        headers = {"x-api-key": key} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def board_url() -> Iterator[str]:
    board = Board(BoardConfig(seed=7), postings=board_postings())
    with board.running_in_thread() as url:
        yield url


@pytest.fixture(scope="session")
def service(board_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("api-home")
    # The tests poll ten times a second and run many searches: the per-key limits are tested on their own.
    settings = make_settings(home, board_url, api_requests_per_minute=0, api_max_running_per_key=0)
    store = SqlStore(settings.database_url)
    with serve_in_thread(create_app(settings, store=store)) as url:
        yield Service(url, settings, store)
    store.close()


@pytest.fixture(scope="session")
def slow_service(board_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The same board read with a second's pause between search pages: searches stay RUNNING long enough to watch."""
    home = tmp_path_factory.mktemp("api-slow-home")
    settings = make_settings(
        home, board_url, page_delay=(1.0, 1.0), api_requests_per_minute=0, api_max_running_per_key=0
    )
    store = SqlStore(settings.database_url)
    with serve_in_thread(create_app(settings, store=store)) as url:
        yield Service(url, settings, store)
    store.close()


@pytest.fixture
def key(service: Service) -> str:
    return service.new_key()


@pytest.fixture
def client(service: Service, key: str) -> Iterator[httpx.Client]:
    with service.client(key) as http:
        yield http


SEARCH = {
    "query": "Data Scientist",
    "location": "Chicago",
    "pages": 1,
    "post_time": 30,
    "word_scores": {"python": 1.2, "phd": 1.1},
}


def wait_for(http: httpx.Client, path: str, *, timeout: float = 120, **kwargs: object) -> dict:
    """Poll a search (resource or original API) until it is no longer RUNNING; returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.request("GET", path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] != "RUNNING":
            return body
        assert time.monotonic() < deadline, f"still RUNNING after {timeout} s: {body}"
        time.sleep(0.1)


def resume_file(text: str = RESUME_TEXT) -> tuple[str, bytes, str]:
    return ("resume.txt", text.encode(), "text/plain")


def write_resume(path: Path, text: str = RESUME_TEXT) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
