"""The generated state machine, executed by moto's Step Functions with canned Lambda answers."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobmatch.aws import handlers
from jobmatch.models import JobRef
from tests.aws.conftest import Cloud, answer, api_event, make_cloud
from tests.aws.moto_env import fake_credentials, mocked_aws

IDS = [f"linkedin:{4_100_000_000 + i}" for i in range(7)]


class CannedLambdas:
    """Answers each Lambda invocation from its function name; counts calls; one posting id can be made to fail."""

    def __init__(self, failing_id: str | None = None):
        self.failing_id = failing_id
        self.failing_dispatcher = False
        self.calls: Counter[str] = Counter()
        self.scraped: Counter[str] = Counter()
        self.given_up: list[dict[str, Any]] = []
        self.record_give_up: Any = lambda payload: {"id": payload["id"], "outcome": "failed"}

    def invoke(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.rsplit(":", 1)[-1].removeprefix("jobmatch-")
        payload = json.loads(body or "{}")
        self.calls[name] += 1
        if name == "dispatcher" and self.failing_dispatcher:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": "DispatcherCrashed", "errorMessage": "out of memory"}).encode()
        if name == "dispatcher":
            return json.dumps({"execution_id": payload["execution_id"], "ids": IDS, "notes": []}).encode()
        if name == "scraper" and "error" in payload:
            # The state machine caught a Scraper failing past its retries and asks it to record that.
            self.given_up.append(payload)
            return json.dumps(self.record_give_up(payload)).encode()
        if name == "scraper":
            self.scraped[payload["id"]] += 1
            if payload["id"] == self.failing_id:
                # What Lambda answers when the function raised (or timed out): an error header and error JSON.
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps({"errorType": "ScraperCrashed", "errorMessage": "out of memory"}).encode()
            return json.dumps({"id": payload["id"], "outcome": "fetched"}).encode()
        return json.dumps({"execution_id": payload["execution_id"], "status": "SUCCEEDED", "matches": 3}).encode()


@pytest.fixture
def sfn_cloud(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cloud, CannedLambdas]]:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    canned = CannedLambdas()

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:
        return canned.invoke(function_name, body, response_headers)

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    fake_credentials(monkeypatch)
    with mocked_aws(stepfunctions={"execute_state_machine": True}, **{"lambda": {"use_docker": False}}):
        yield make_cloud(home), canned
    handlers.use_runtime(None)


def wait_for_end(cloud: Cloud, arn: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = cloud.sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    raise AssertionError(f"execution {arn} still RUNNING after {timeout} s")


def start(cloud: Cloud) -> tuple[str, str]:
    status, started = answer(handlers.initializer(api_event({"query": "Data Scientist", "pages": 1})))
    assert status == 202
    return started["request_id"], started["executionArn"]


def test_state_machine_runs_one_scraper_per_id_to_success(sfn_cloud: tuple[Cloud, CannedLambdas]) -> None:
    cloud, canned = sfn_cloud
    _, arn = start(cloud)
    described = wait_for_end(cloud, arn)
    assert described["status"] == "SUCCEEDED", described
    assert canned.calls == Counter({"dispatcher": 1, "scraper": len(IDS), "analyzer": 1})
    assert sorted(canned.scraped) == sorted(IDS) and set(canned.scraped.values()) == {1}
    assert json.loads(described["output"])["status"] == "SUCCEEDED"


def test_scraper_failing_past_its_retries_fails_that_posting_and_the_search_goes_on(
    sfn_cloud: tuple[Cloud, CannedLambdas],
) -> None:
    cloud, canned = sfn_cloud
    canned.failing_id = IDS[2]
    execution_id, arn = start(cloud)
    # What the real Dispatcher would have stored: the listed cards.
    cloud.store.add_listings(
        execution_id,
        [
            JobRef(
                source="linkedin",
                job_id=posting_id.split(":")[1],
                url=f"https://www.linkedin.com/jobs/view/{posting_id}",
            )
            for posting_id in IDS
        ],
    )
    canned.record_give_up = lambda payload: handlers.scraper(payload)  # the real handler records the failure
    described = wait_for_end(cloud, arn)

    assert described["status"] == "SUCCEEDED", described
    assert canned.scraped[IDS[2]] == 1 + cloud.settings.retry_attempts  # first try, then every retry
    assert canned.calls["analyzer"] == 1
    failures = cloud.store.failures(execution_id)
    assert [f.job_id for f in failures] == [IDS[2].split(":")[1]]
    assert failures[0].reason == "scraper failed: ScraperCrashed: out of memory"
    assert [payload["id"] for payload in canned.given_up] == [IDS[2]]


def test_dispatcher_failing_past_its_retries_fails_the_search_as_the_api_reports(
    sfn_cloud: tuple[Cloud, CannedLambdas],
) -> None:
    cloud, canned = sfn_cloud
    canned.failing_dispatcher = True
    execution_id, arn = start(cloud)
    # The cards the Dispatcher stored before it crashed.
    cloud.store.add_listings(
        execution_id,
        [
            JobRef(
                source="linkedin",
                job_id=posting_id.split(":")[1],
                url=f"https://www.linkedin.com/jobs/view/{posting_id}",
            )
            for posting_id in IDS
        ],
    )
    described = wait_for_end(cloud, arn)

    assert described["status"] == "FAILED"
    assert canned.calls["scraper"] == canned.calls["analyzer"] == 0
    status, polled = answer(handlers.poll(api_event(query={"executionArn": arn})))
    assert status == 200 and polled["status"] == "FAILED" and polled["output"] is None
    assert "out of memory" in polled["error"]
    stored = cloud.store.get_execution(execution_id)
    assert stored.status.value == "FAILED" and stored.finished_at is not None
    # Nothing was left pending: every listing ended, failed with the reason the API gives.
    assert polled["progress"]["failed"] == polled["progress"]["listed"] == len(IDS)
    assert {f.reason for f in cloud.store.failures(execution_id)} == {polled["error"]}
