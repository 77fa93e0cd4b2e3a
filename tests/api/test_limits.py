"""Limits with defaults: one key cannot flood the service, and a 429 says when to come back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobmatch.api.app import create_app
from jobmatch.config import Settings
from jobmatch.store.sql import SqlStore
from tests.api.conftest import SEARCH, Service, resume_file, serve_in_thread
from tests.conftest import make_settings


@pytest.fixture
def limited(board_url: str, tmp_path: Path) -> Iterator[Service]:
    settings = make_settings(
        tmp_path,
        board_url,
        page_delay=(2.0, 2.0),  # searches stay RUNNING while the test counts them
        api_requests_per_minute=8,
        api_max_running_per_key=2,
        api_max_running_total=3,
        api_max_resumes_per_key=2,
        api_busy_retry_after=7,
    )
    store = SqlStore(settings.database_url)
    with serve_in_thread(create_app(settings, store=store)) as url:
        yield Service(url, settings, store)
    store.close()


def test_the_defaults_limit_every_key() -> None:
    defaults = Settings()
    assert defaults.api_max_running_per_key > 0 and defaults.api_max_running_total > 0
    assert defaults.api_requests_per_minute > 0 and defaults.api_max_resumes_per_key > 0


def test_requests_past_the_per_minute_allowance_get_429_with_retry_after(limited: Service) -> None:
    with limited.client(limited.new_key("chatty")) as http, limited.client(limited.new_key("calm")) as other:
        answers = [http.get("/v1/resumes") for _ in range(9)]
        assert [a.status_code for a in answers] == [200] * 8 + [429]
        assert "JOBMATCH_API_REQUESTS_PER_MINUTE" in answers[-1].json()["detail"]
        assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
        assert other.get("/v1/resumes").status_code == 200  # the allowance is per key
        assert http.get("/healthz").status_code == 200  # health checks are never limited


def test_running_searches_are_capped_per_key_and_in_all(limited: Service) -> None:
    ids = []
    with limited.client(limited.new_key("a")) as first, limited.client(limited.new_key("b")) as second:
        answers = [first.post("/v1/searches", json={**SEARCH, "pages": 3}) for _ in range(3)]
        assert [a.status_code for a in answers] == [202, 202, 429]
        assert answers[-1].headers["retry-after"] == "7" and "2 search(es)" in answers[-1].json()["detail"]
        ids += [a.json()["id"] for a in answers[:2]]
        other = [second.post("/v1/searches", json={**SEARCH, "pages": 3}) for _ in range(2)]
        assert [a.status_code for a in other] == [202, 429]  # three in all, whoever runs them
        assert "JOBMATCH_API_MAX_RUNNING_TOTAL" in other[-1].json()["detail"]
        for search_id in ids:
            first.post(f"/v1/searches/{search_id}/abort")
        second.post(f"/v1/searches/{other[0].json()['id']}/abort")


def test_a_key_keeps_a_bounded_number_of_resumes(limited: Service) -> None:
    with limited.client(limited.new_key("cv")) as http:
        kept = [http.post("/v1/resumes", files={"file": resume_file()}) for _ in range(2)]
        assert [r.status_code for r in kept] == [201, 201]
        third = http.post("/v1/resumes", files={"file": resume_file()})
        assert third.status_code == 409 and "JOBMATCH_API_MAX_RESUMES_PER_KEY" in third.json()["detail"]
        assert http.delete(f"/v1/resumes/{kept[0].json()['id']}").status_code == 204
        assert http.post("/v1/resumes", files={"file": resume_file()}).status_code == 201
