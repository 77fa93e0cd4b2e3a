"""Sources through the API: a bad name is a 422, and a key's watchlist (/v1/boards) is what `watchlist` reads."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import SEARCH, Service, wait_for

pytestmark = pytest.mark.model


@pytest.mark.parametrize("path", ["/v1/searches", "/jobscrape"])
def test_an_unknown_source_is_a_422_naming_sources(client: httpx.Client, path: str) -> None:
    response = client.post(path, json={**SEARCH, "sources": ["linkedin", "monster"]})
    assert response.status_code == 422
    assert response.json()["message"].startswith("sources:") and "monster" in response.json()["message"]
    too_many = client.post(path, json={**SEARCH, "sources": [f"lever:site{i}" for i in range(51)]})
    assert too_many.status_code == 422 and "at most 50 sources" in too_many.json()["message"]


def test_the_watchlist_keeps_company_boards_per_key(service: Service, client: httpx.Client) -> None:
    assert client.get("/v1/boards").json()["boards"] == []
    added = client.post("/v1/boards", json={"source": "Greenhouse:acme"})
    assert added.status_code == 201 and added.json()["source"] == "greenhouse:acme"
    assert client.post("/v1/boards", json={"source": "greenhouse:acme"}).status_code == 200  # already there
    assert client.post("/v1/boards", json={"source": "ashby:initech"}).status_code == 201
    for bad in ("linkedin", "watchlist", "greenhouse:", "greenhouse:../x"):
        refused = client.post("/v1/boards", json={"source": bad})
        assert refused.status_code == 422 and refused.json()["detail"].startswith("source:"), bad
    assert [b["source"] for b in client.get("/v1/boards").json()["boards"]] == ["greenhouse:acme", "ashby:initech"]
    with service.client(service.new_key("other")) as other:
        assert other.get("/v1/boards").json()["boards"] == []  # another key's list is its own
        assert other.delete("/v1/boards/greenhouse:acme").status_code == 404
    assert client.delete("/v1/boards/greenhouse:acme").status_code == 204
    assert client.delete("/v1/boards/greenhouse:acme").status_code == 404
    assert [b["source"] for b in client.get("/v1/boards").json()["boards"]] == ["ashby:initech"]


def test_a_search_of_the_watchlist_reads_its_boards(service: Service) -> None:
    with service.client(service.new_key("watcher")) as http:
        empty = http.post("/v1/searches", json={**SEARCH, "sources": ["watchlist"]})
        assert empty.status_code == 422 and "watchlist is empty" in empty.json()["detail"]
        for board in ("lever:globex", "ashby:initech", "greenhouse:missing-co"):
            assert http.post("/v1/boards", json={"source": board}).status_code == 201
        body = {**SEARCH, "location": "", "sources": ["watchlist", "linkedin"]}
        started = http.post("/v1/searches", json=body)
        assert started.status_code == 202, started.text
        sources = ["lever:globex", "ashby:initech", "greenhouse:missing-co", "linkedin"]
        assert started.json()["query"]["sources"] == sources
        ended = wait_for(http, f"/v1/searches/{started.json()['id']}")
    assert ended["status"] == "SUCCEEDED", ended["error"]
    by_source = ended["progress"]["by_source"]
    assert list(by_source) == sources
    assert by_source["lever:globex"]["listed"] > 0 and by_source["greenhouse:missing-co"]["listed"] == 0
    assert ended["progress"]["sources_failed"] == 1
    assert any(note.startswith("greenhouse:missing-co could not be read") for note in ended["notes"])
    matches = ended["matches"]
    assert {m["source"] for m in matches} >= {"lever:globex", "linkedin"}
    lever = next(m for m in matches if m["source"] == "lever:globex")
    assert lever["apply_url"] and lever["workplace_type"] in ("remote", "hybrid", "on-site")


def test_the_original_api_takes_sources_and_the_old_single_source(client: httpx.Client) -> None:
    started = client.post("/jobscrape", json={**SEARCH, "location": "", "source": "linkedin"})
    assert started.status_code == 202, started.text
    started = client.post("/jobscrape", json={**SEARCH, "location": "", "sources": ["ashby:initech"]})
    assert started.status_code == 202, started.text
    ended = wait_for(client, "/jobscrape", params={"executionArn": started.json()["executionArn"]})
    assert ended["status"] == "SUCCEEDED"
    assert ended["output"]["matches"] and {m["source"] for m in ended["output"]["matches"]} == {"ashby:initech"}
    assert "ashby:initech" in ended["output"]["Payload"]["body"]
