"""Watches over HTTP: made, listed, changed, run now, their runs with new matches marked, the feed by its secret
token, marks on postings; bad input answered with the field named, other keys' watches not there."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.api.conftest import Service, resume_file

pytestmark = pytest.mark.model

WATCH = {
    "name": "Data jobs",
    "search": {"query": "Data Scientist", "location": "Chicago", "pages": 1, "post_time": 30},
    "schedule": "0 7 * * *",
    "min_score": 0.0,
}


def wait_reported(http: httpx.Client, watch_id: str, run_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        answer = http.get(f"/v1/watches/{watch_id}/runs/{run_id}")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if body["matches"] is not None:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_a_watch_over_http(service: Service, client: httpx.Client) -> None:
    created = client.post("/v1/watches", json=WATCH)
    assert created.status_code == 201, created.text
    watch = created.json()
    assert created.headers["location"] == f"/v1/watches/{watch['id']}"
    assert watch["next_run_at"].startswith(time.strftime("%Y"))  # the next 07:00 UTC
    assert [w["name"] for w in client.get("/v1/watches").json()] == ["Data jobs"]

    started = client.post(f"/v1/watches/{watch['id']}/runs")
    assert started.status_code == 202, started.text
    run = wait_reported(client, watch["id"], started.json()["run"]["id"])
    assert run["status"] == "SUCCEEDED" and run["matches"]
    assert all(m["new"] for m in run["matches"]) and run["run"]["new_count"] == len(run["matches"])
    first = run["matches"][0]

    marked = client.put(f"/v1/postings/{first['source']}/{first['job_id']}/status", json={"status": "applied"})
    assert marked.status_code == 200 and marked.json()["status"] == "applied"
    again = wait_reported(client, watch["id"], client.post(f"/v1/watches/{watch['id']}/runs").json()["run"]["id"])
    assert not any(m["new"] for m in again["matches"])  # the board did not change: nothing is new
    assert {m["job_id"]: m["status"] for m in again["matches"]}[first["job_id"]] == "applied"
    runs = client.get(f"/v1/watches/{watch['id']}/runs").json()
    assert [r["run"]["new_count"] for r in runs] == [0, len(run["matches"])]  # newest first

    feed = httpx.get(watch["feed_url"].replace(service.settings.api_url, service.url))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert first["url"].replace("&", "&amp;") in feed.text
    report_link = f"/v1/watches/{watch['id']}/runs/{run['run']['id']}/report.html"
    page = httpx.get(f"{service.url}{report_link}", params={"token": watch["feed_url"].rsplit("=", 1)[1]})
    assert page.status_code == 200 and page.text.count('class="badge new"') == len(run["matches"])
    assert "&lt;script&gt;" in page.text and "<script>" not in page.text  # the board's markup, escaped
    assert httpx.get(f"{service.url}{report_link}", params={"token": "guess"}).status_code == 404
    rotated = client.patch(f"/v1/watches/{watch['id']}", json={"rotate_feed_token": True}).json()
    assert httpx.get(watch["feed_url"].replace(service.settings.api_url, service.url)).status_code == 404
    assert httpx.get(rotated["feed_url"].replace(service.settings.api_url, service.url)).status_code == 200

    other = service.client(service.new_key("other"))
    assert other.get(f"/v1/watches/{watch['id']}").status_code == 404
    assert other.post(f"/v1/watches/{watch['id']}/runs").status_code == 404
    assert client.delete(f"/v1/watches/{watch['id']}").status_code == 204
    assert client.get(f"/v1/watches/{watch['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"schedule": "* * * * *"}, 422, "schedule:"),
        ({"schedule": "5m"}, 422, "schedule:"),
        ({"notify": ["nosuchscheme://example.com"]}, 422, "notify[0]:"),
        ({"resume_id": "not-yours"}, 404, "resume_id:"),
        ({"search": {"query": ""}}, 422, "search.query"),
    ],
)
def test_bad_watches_are_refused_naming_the_field(client: httpx.Client, change: dict, status: int, field: str) -> None:
    answer = client.post("/v1/watches", json={**WATCH, "name": f"bad {field}", **change})
    assert answer.status_code == status, answer.text
    assert field in answer.text


def test_another_keys_resume_is_not_found(service: Service, client: httpx.Client) -> None:
    other = service.client(service.new_key("resume owner"))
    resume_id = other.post("/v1/resumes", files={"file": resume_file()}).json()["id"]
    answer = client.post("/v1/watches", json={**WATCH, "name": "theirs", "resume_id": resume_id})
    assert answer.status_code == 404 and "resume_id" in answer.json()["detail"]
