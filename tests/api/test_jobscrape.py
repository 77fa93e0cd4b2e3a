"""The original submit-then-poll API, end to end against the fake board, spoken as the original client speaks it."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.api.conftest import EVIL_COMPANY, EVIL_TITLE, SEARCH, Service, wait_for

pytestmark = pytest.mark.model


def test_original_client_submits_polls_with_a_json_body_and_reads_the_report(service: Service, key: str) -> None:
    # Exactly what the original script does: requests-style POST with json= and x-api-key, then GET with a JSON body.
    with httpx.Client(timeout=30) as http:
        started = http.post(f"{service.url}/jobscrape", json=SEARCH, headers={"x-api-key": key})
        assert started.status_code == 202, started.text
        arn = started.json()["executionArn"]
        assert started.json()["request_id"] in arn and arn.startswith("arn:")

        answer = wait_for(http, f"{service.url}/jobscrape", json={"executionArn": arn}, headers={"x-api-key": key})

    assert answer["status"] == "SUCCEEDED", answer
    output = answer["output"]
    html = output["Payload"]["body"]
    assert html.startswith("<!DOCTYPE html>") and "report_html" not in output
    counts = output["counts"]
    assert counts["listed"] == counts["fetched"] + counts["cached"] + counts["failed"] > 0
    assert answer["progress"]["pages"] == 1 and answer["progress"]["settled"] == counts["listed"]
    matches = output["matches"]
    assert matches and [m["rank"] for m in matches] == list(range(1, len(matches) + 1))
    assert all(a["score"] >= b["score"] for a, b in zip(matches, matches[1:], strict=False))
    assert output["ranked_against"] == "query"  # this key uploaded no resume
    # The scraped markup is in the JSON as the text it is, and in the report only escaped.
    evil = next(m for m in matches if m["title"] == EVIL_TITLE)
    assert evil["company"] == EVIL_COMPANY
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;Evil Corp" in html


def test_poll_accepts_the_bare_id_and_a_query_parameter(client: httpx.Client) -> None:
    started = client.post("/jobscrape", json={**SEARCH, "pages": 1}).json()
    by_query = client.get("/jobscrape", params={"executionArn": started["executionArn"]})
    by_id = client.request("GET", "/jobscrape", json={"executionArn": started["request_id"]})
    assert by_query.status_code == by_id.status_code == 200
    assert by_query.json()["executionArn"] == by_id.json()["executionArn"] == started["executionArn"]
    assert by_query.json()["status"] in {"RUNNING", "SUCCEEDED"}
    assert wait_for(client, "/jobscrape", params={"executionArn": started["request_id"]})["status"] == "SUCCEEDED"


def test_a_running_search_shows_live_counters_then_its_output(slow_service: Service) -> None:
    with slow_service.client(slow_service.new_key()) as http:
        arn = http.post("/jobscrape", json={**SEARCH, "pages": 2}).json()["executionArn"]
        running = []
        while (answer := http.get("/jobscrape", params={"executionArn": arn}).json())["status"] == "RUNNING":
            running.append(answer)
            time.sleep(0.05)
    assert running, "the search ended before a poll saw it run"
    assert all(poll["output"] is None for poll in running)
    midway = [poll["progress"] for poll in running if 0 < poll["progress"]["listed"]]
    assert midway and midway[0]["pages"] == 1 and midway[0]["pages_requested"] == 2  # one page read, one to go
    assert answer["status"] == "SUCCEEDED"
    assert answer["progress"]["pages"] == 2 and answer["progress"]["settled"] == answer["progress"]["listed"] > 10


def test_without_a_valid_key_nothing_is_answered(service: Service) -> None:
    with httpx.Client(base_url=service.url, timeout=30) as http:
        for headers in ({}, {"x-api-key": "jm_not-a-key"}):
            post = http.post("/jobscrape", json=SEARCH, headers=headers)
            get = http.get("/jobscrape", params={"executionArn": "x"}, headers=headers)
            assert post.status_code == get.status_code == 401
            assert "x-api-key" in post.json()["detail"]


def test_another_keys_search_is_not_found(service: Service, client: httpx.Client) -> None:
    started = client.post("/jobscrape", json=SEARCH).json()
    with service.client(service.new_key("someone else")) as other:
        answer = other.request("GET", "/jobscrape", json={"executionArn": started["executionArn"]})
        unknown = other.get("/jobscrape", params={"executionArn": "arn:aws:states:x:execution:jobmatch:nope"})
    assert answer.status_code == unknown.status_code == 404
    assert answer.json()["detail"].replace(started["request_id"], "ID") == unknown.json()["detail"].replace(
        "nope", "ID"
    )


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({**SEARCH, "pages": 0}, "pages", "greater than or equal to 1"),
        ({**SEARCH, "pages": "many"}, "pages", "valid integer"),
        ({**SEARCH, "query": "   "}, "query", "must not be blank"),
        ({**SEARCH, "word_scores": {"phd": 11}}, "word_scores", "(0, 10]"),
        ({**SEARCH, "post_time": -1}, "post_time", "greater than 0"),
        ({k: v for k, v in SEARCH.items() if k != "query"}, "query", "Field required"),
        ({**SEARCH, "query": "\ud800"}, "query", "lone surrogates"),
        ({**SEARCH, "colour": "blue"}, "colour", "Extra inputs are not permitted"),
        # Strict: a flag is not a number, nor a numeral string a number.
        ({**SEARCH, "pages": True}, "pages", "valid integer"),
        ({**SEARCH, "pages": "3"}, "pages", "valid integer"),
        ({**SEARCH, "post_time": "7"}, "post_time", "valid number"),
        ({**SEARCH, "word_scores": {"phd": "1.1"}}, "word_scores", "valid number"),
    ],
)
def test_a_bad_body_gets_422_naming_the_field_and_rule(client: httpx.Client, body: dict, field: str, rule: str) -> None:
    # Encoded by hand: ASCII JSON can carry a lone surrogate ("\\ud800"), which httpx's encoder refuses to send.
    response = client.post("/jobscrape", content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    message = response.json()["message"]
    assert message.startswith(f"{field}") and rule in message, message


def test_malformed_json_is_400_and_a_form_is_415(client: httpx.Client) -> None:
    broken = client.post("/jobscrape", content=b'{"query": ', headers={"content-type": "application/json"})
    form = client.post("/jobscrape", data={"query": "Data Scientist"})
    get_form = client.request(
        "GET", "/jobscrape", content=b"executionArn=x", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert broken.status_code == 400 and "JSON" in broken.json()["message"]
    assert form.status_code == get_form.status_code == 415
    assert "application/json" in form.json()["detail"]


def test_a_body_over_the_limit_is_413(service: Service, client: httpx.Client) -> None:
    padding = "x" * service.settings.api_max_body_bytes
    response = client.post("/jobscrape", json={**SEARCH, "location": padding})
    assert response.status_code == 413
