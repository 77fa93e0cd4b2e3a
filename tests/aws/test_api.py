"""The API Lambda (the FastAPI app through Mangum) on the stepfunctions engine, with a Step Functions that records
executions but runs none: the original protocol's rules, keys, and a store kept in step with Step Functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from jobmatch.api.app import create_app
from jobmatch.aws import api, handlers
from jobmatch.aws.api import LambdaApi
from jobmatch.config import Settings, get_settings
from jobmatch.models import Execution, ExecutionStatus, JobRef, SearchQuery, utcnow
from jobmatch.pipeline.stepfunctions import StepFunctionsRunner
from jobmatch.testing.board import Board, BoardConfig
from tests.aws.conftest import PREFIX, api_event, make_cloud

SEARCH = {"query": "Data Scientist", "location": "Chicago", "pages": 2, "word_scores": {"python": 1.1}}


def test_post_returns_the_real_execution_arn_of_a_started_execution(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    started = cloud.call("POST", "/jobscrape", cloud.new_key(), json_body=SEARCH)
    assert started.status == 202, started.body
    ref = started.json()
    arn = cloud.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + ref["request_id"]
    assert ref["executionArn"] == arn and ref["ranked_against"] == "query"
    assert cloud.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"


def test_post_refuses_what_the_local_api_refuses_and_starts_nothing(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    key = cloud.new_key()
    refused = cloud.call("POST", "/jobscrape", key, json_body={**SEARCH, "pages": 0})
    assert refused.status == 422 and "pages" in refused.json()["message"]
    assert cloud.call("POST", "/jobscrape", key, body=b"{not json", content_type="application/json").status == 400
    unknown = cloud.call("POST", "/jobscrape", key, json_body={**SEARCH, "resume_id": "nope"})
    assert unknown.status == 404 and "resume_id" in unknown.json()["detail"]
    assert cloud.call("POST", "/jobscrape", None, json_body=SEARCH).status == 401
    assert cloud.call("POST", "/jobscrape", "jm_not-a-key", json_body=SEARCH).status == 401
    assert cloud.sfn.list_executions(stateMachineArn=cloud.state_machine_arn)["executions"] == []
    assert cloud.store.running_executions() == []


def test_get_hides_another_keys_search(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    mine, theirs = cloud.new_key("mine"), cloud.new_key("theirs")
    started = cloud.call("POST", "/jobscrape", mine, json_body=SEARCH).json()
    hidden = cloud.call("GET", "/jobscrape", theirs, query={"executionArn": started["executionArn"]})
    assert hidden.status == 404
    assert cloud.call("GET", f"/v1/searches/{started['request_id']}", theirs).status == 404
    answer = cloud.call("GET", "/jobscrape", mine, json_body={"executionArn": started["request_id"]})
    assert answer.status == 200
    assert answer.json()["status"] == "RUNNING" and answer.json()["progress"]["pages_requested"] == 2
    assert answer.json()["executionArn"] == started["executionArn"]
    assert cloud.call("GET", "/jobscrape", mine).status == 422  # no executionArn at all


def test_a_state_machine_that_will_not_start_fails_the_search_and_answers_503(home: Path, aws: None) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:gone"
    cloud = make_cloud(home, state_machine_arn=missing)
    key = cloud.new_key()
    refused = cloud.call("POST", "/jobscrape", key, json_body=SEARCH)
    assert refused.status == 503 and "try again" in refused.json()["detail"]
    (stored,) = cloud.store.executions.scan()["Items"]
    assert stored["status"] == "FAILED" and stored["error"].startswith("could not start the state machine: ")


def test_a_search_step_functions_ended_is_ended_in_the_store_on_the_next_read(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    key = cloud.new_key()
    started = cloud.call("POST", "/v1/searches", key, json_body=SEARCH)
    assert started.status == 202, started.body
    search_id = started.json()["id"]
    cloud.store.add_listings(
        search_id, [JobRef(source="linkedin", job_id="41", url="https://www.linkedin.com/jobs/view/41")]
    )
    # Stopped from the console: no Lambda tells the store (a Lambda dying past its retries: test_stepfunctions.py).
    cloud.sfn.stop_execution(executionArn=cloud.settings.aws_execution_arn_prefix + search_id)
    assert cloud.store.get_execution(search_id).status is ExecutionStatus.RUNNING

    view = cloud.call("GET", f"/v1/searches/{search_id}", key).json()
    assert view["status"] == "ABORTED" and view["error"] == "search aborted"
    assert [(f["job_id"], f["reason"]) for f in view["failures"]] == [("41", "search aborted")]


def test_recover_ends_every_search_whose_execution_ended_and_leaves_the_others(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    key = cloud.new_key()
    dead, alive = (cloud.call("POST", "/jobscrape", key, json_body=SEARCH).json()["request_id"] for _ in range(2))
    cloud.sfn.stop_execution(executionArn=cloud.settings.aws_execution_arn_prefix + dead)
    runner = StepFunctionsRunner(cloud.settings, cloud.store)
    assert runner.recover() == 1
    assert cloud.store.get_execution(dead).status is ExecutionStatus.ABORTED
    assert cloud.store.get_execution(dead).error == "search aborted"
    assert cloud.store.get_execution(alive).status is ExecutionStatus.RUNNING


def test_a_search_whose_execution_never_started_times_out_at_its_deadline(home: Path, aws: None) -> None:
    cloud = make_cloud(home, execution_timeout=60)
    # Stored, then its caller died before StartExecution.
    orphan = Execution(query=SearchQuery(query="x"), created_at=utcnow().replace(year=2000))
    cloud.store.create_execution(orphan)
    runner = StepFunctionsRunner(cloud.settings, cloud.store)
    assert runner.refresh(orphan).status is ExecutionStatus.TIMED_OUT


def test_abort_stops_the_execution_and_ends_the_search_aborted(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    key = cloud.new_key()
    search_id = cloud.call("POST", "/v1/searches", key, json_body=SEARCH).json()["id"]
    aborted = cloud.call("POST", f"/v1/searches/{search_id}/abort", key)
    assert aborted.status == 200 and aborted.json()["status"] == "ABORTED"
    described = cloud.sfn.describe_execution(executionArn=cloud.settings.aws_execution_arn_prefix + search_id)
    assert described["status"] == "ABORTED"
    assert cloud.call("POST", f"/v1/searches/{search_id}/abort", key).status == 409
    # Erasing it leaves nothing of it in DynamoDB.
    assert cloud.call("DELETE", f"/v1/searches/{search_id}", key).status == 204
    assert cloud.store.get_execution(search_id) is None


def test_a_blocked_board_fails_the_dispatcher_and_the_search_with_the_reason(home: Path, aws: None) -> None:
    with Board(BoardConfig(count=10, block="authwall")).running_in_thread() as url:
        cloud = make_cloud(home, url)
        key = cloud.new_key()
        started = cloud.call("POST", "/jobscrape", key, json_body=SEARCH).json()
        with pytest.raises(handlers.SearchFailed, match="blocked") as raised:
            handlers.dispatcher({"execution_id": started["request_id"]})
    answer = cloud.call("GET", "/jobscrape", key, query={"executionArn": started["executionArn"]}).json()
    assert answer["status"] == "FAILED" and answer["error"] == str(raised.value)


def test_the_stepfunctions_engine_needs_a_state_machine_and_answers_with_its_execution_arns(home: Path) -> None:
    with pytest.raises(ValidationError, match="aws_state_machine_arn"):
        Settings(engine="stepfunctions")
    machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:jobmatch"
    settings = Settings(engine="stepfunctions", aws_state_machine_arn=machine)
    assert settings.api_arn_prefix == "arn:aws:states:eu-west-1:123456789012:execution:jobmatch:"
    assert Settings().api_arn_prefix == "arn:aws:states:local:000000000000:execution:jobmatch:"  # embedded: as was


def test_the_app_starts_once_per_container_not_per_request(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    key = cloud.new_key()
    search_id = cloud.call("POST", "/jobscrape", key, json_body=SEARCH).json()["request_id"]
    cloud.sfn.stop_execution(executionArn=cloud.settings.aws_execution_arn_prefix + search_id)
    assert cloud.call("GET", "/healthz").status == 200
    # Had the lifespan run for that request, its recover would have ended the search.
    assert cloud.store.get_execution(search_id).status is ExecutionStatus.RUNNING
    # A new container's start does.
    LambdaApi(create_app(cloud.settings, store=cloud.store)).close()
    assert cloud.store.get_execution(search_id).status is ExecutionStatus.ABORTED


def test_the_lambda_entry_point_serves_the_app_from_the_environment(
    home: Path, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = make_cloud(home)
    key = cloud.new_key()
    monkeypatch.setenv("JOBMATCH_DATABASE_URL", f"dynamodb://{PREFIX}")
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="JOBMATCH_ENGINE=stepfunctions"):
            api.handler(api_event("GET", "/healthz"), None)
        monkeypatch.setenv("JOBMATCH_ENGINE", "stepfunctions")
        monkeypatch.setenv("JOBMATCH_AWS_STATE_MACHINE_ARN", cloud.state_machine_arn)
        get_settings.cache_clear()
        answer = api.handler(
            api_event("POST", "/jobscrape", key, body=b'{"query": "Nurse"}', content_type="application/json"), None
        )
        assert answer["statusCode"] == 202, answer["body"]
        assert json.loads(answer["body"])["executionArn"].startswith(cloud.settings.aws_execution_arn_prefix)
    finally:
        get_settings.cache_clear()
        if api._api is not None:
            api._api.close()
            api._api = None
