"""The generated state machine, executed by moto's Step Functions with canned Lambda answers: the failure paths."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jobmatch.aws import handlers
from jobmatch.models import JobRef
from tests.aws.conftest import Cloud, Invoke, make_cloud

IDS = [f"linkedin:{4_100_000_000 + i}" for i in range(7)]
SEARCH = {"query": "Data Scientist", "pages": 1}


class Crashed(Exception):
    """A function that died (out of memory, timed out) as Lambda reports it."""


class CannedLambdas:
    """Answers each Lambda invocation from its function name; counts calls; one posting id can be made to fail."""

    def __init__(self) -> None:
        self.failing_id: str | None = None
        self.failing_dispatcher = False
        self.calls: Counter[str] = Counter()
        self.scraped: Counter[str] = Counter()
        self.given_up: list[dict[str, Any]] = []
        self.record_give_up: Callable[[dict[str, Any]], Any] = lambda p: {"id": p["id"], "outcome": "failed"}

    def __call__(self, name: str, payload: dict[str, Any], _headers: dict[str, str]) -> Any:
        self.calls[name] += 1
        if name == "dispatcher" and self.failing_dispatcher:
            raise Crashed("out of memory")
        if name == "dispatcher":
            return {"execution_id": payload["execution_id"], "ids": IDS, "notes": []}
        if name == "scraper" and "error" in payload:
            # The state machine caught a Scraper failing past its retries and asks it to record that.
            self.given_up.append(payload)
            return self.record_give_up(payload)
        if name == "scraper":
            self.scraped[payload["id"]] += 1
            if payload["id"] == self.failing_id:
                raise Crashed("out of memory")
            return {"id": payload["id"], "outcome": "fetched"}
        if name == "watches":
            return {"execution_id": payload["execution_id"], "reported": []}  # not a watch's run
        return {"execution_id": payload["execution_id"], "status": "SUCCEEDED", "matches": 3}


@pytest.fixture
def canned(home: Path, lambdas: Callable[[Invoke], None]) -> tuple[Cloud, CannedLambdas]:
    answers = CannedLambdas()
    lambdas(answers)
    return make_cloud(home), answers


def wait_for_end(cloud: Cloud, arn: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = cloud.sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    raise AssertionError(f"execution {arn} still RUNNING after {timeout} s")


def start(cloud: Cloud, key: str) -> tuple[str, str]:
    started = cloud.call("POST", "/jobscrape", key, json_body=SEARCH)
    assert started.status == 202, started.body
    return started.json()["request_id"], started.json()["executionArn"]


def list_ids(cloud: Cloud, execution_id: str) -> None:
    """What the real Dispatcher would have stored: the listed cards."""
    refs = [
        JobRef(
            source="linkedin", job_id=posting_id.split(":")[1], url=f"https://www.linkedin.com/jobs/view/{posting_id}"
        )
        for posting_id in IDS
    ]
    cloud.store.add_listings(execution_id, refs)


def test_state_machine_runs_one_scraper_per_id_to_success(canned: tuple[Cloud, CannedLambdas]) -> None:
    cloud, answers = canned
    _, arn = start(cloud, cloud.new_key())
    described = wait_for_end(cloud, arn)
    assert described["status"] == "SUCCEEDED", described
    # The last state asks the watches' Lambda whether the search was a watch's run (to report and notify it).
    assert answers.calls == Counter({"dispatcher": 1, "scraper": len(IDS), "analyzer": 1, "watches": 1})
    assert sorted(answers.scraped) == sorted(IDS) and set(answers.scraped.values()) == {1}
    assert json.loads(described["output"])["reported"] == []


def test_scraper_failing_past_its_retries_fails_that_posting_and_the_search_goes_on(
    canned: tuple[Cloud, CannedLambdas],
) -> None:
    cloud, answers = canned
    answers.failing_id = IDS[2]
    answers.record_give_up = lambda payload: handlers.scraper(payload)  # the real handler records the failure
    execution_id, arn = start(cloud, cloud.new_key())
    list_ids(cloud, execution_id)
    described = wait_for_end(cloud, arn)

    assert described["status"] == "SUCCEEDED", described
    assert answers.scraped[IDS[2]] == 1 + cloud.settings.retry_attempts  # first try, then every retry
    assert answers.calls["analyzer"] == 1
    failures = cloud.store.failures(execution_id)
    assert [f.job_id for f in failures] == [IDS[2].split(":")[1]]
    assert failures[0].reason == "scraper failed: Crashed: out of memory"
    assert [payload["id"] for payload in answers.given_up] == [IDS[2]]


def test_dispatcher_failing_past_its_retries_fails_the_search_as_the_api_reports(
    canned: tuple[Cloud, CannedLambdas],
) -> None:
    cloud, answers = canned
    answers.failing_dispatcher = True
    key = cloud.new_key()
    execution_id, arn = start(cloud, key)
    list_ids(cloud, execution_id)  # the cards the Dispatcher stored before it crashed
    described = wait_for_end(cloud, arn)
    assert described["status"] == "FAILED"
    assert answers.calls["scraper"] == answers.calls["analyzer"] == 0
    assert cloud.store.get_execution(execution_id).status.value == "RUNNING"  # no Lambda could tell the store

    # The original client's poll (a JSON body) is what reconciles the store with Step Functions.
    polled = cloud.call("GET", "/jobscrape", key, json_body={"executionArn": arn})
    assert polled.status == 200
    answer = polled.json()
    assert answer["status"] == "FAILED" and answer["output"] is None
    assert answer["error"] == "Crashed: out of memory"
    stored = cloud.store.get_execution(execution_id)
    assert stored.status.value == "FAILED" and stored.finished_at is not None
    # Nothing was left pending: every listing ended, failed with the reason the API gives.
    assert answer["progress"]["failed"] == answer["progress"]["listed"] == len(IDS)
    assert {f.reason for f in cloud.store.failures(execution_id)} == {answer["error"]}
