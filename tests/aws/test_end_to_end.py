"""End to end on AWS, in-process: API Gateway events into the API Lambda (the FastAPI app through Mangum), moto's
Step Functions executing the generated state machine, each of its Lambda calls running the real handler against the
fake board and moto's DynamoDB."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jobmatch.cli import app as cli
from jobmatch.config import get_settings
from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline import load_report
from jobmatch.pipeline.local import LocalRunner
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from tests.aws.conftest import PREFIX, Cloud, Invoke, make_cloud, real_handlers
from tests.conftest import make_settings, new_execution

pytestmark = pytest.mark.model

RESUME = (
    "Senior data scientist. Python, SQL, machine learning, statistics, A/B testing, PyTorch, scikit-learn. "
    "PhD in statistics. Built forecasting models and recommendation systems."
)
SEARCH = {"query": "Data Scientist", "location": "Chicago", "pages": 2, "post_time": 30, "top_n": 10}
# Some postings answer 500 once (retried), some lack the guest fragment (read from the job page instead).
BOARD = BoardConfig(count=40, seed=7, fault_rate=0.2, fault_kinds=("500",), missing_fragment_rate=0.1)


@pytest.fixture
def cloud(home: Path, lambdas: Callable[[Invoke], None]) -> Iterator[tuple[Cloud, str]]:
    lambdas(real_handlers)
    with Board(BOARD).running_in_thread() as url:
        # fp32: the resume search is compared with the embedded runner's, and bf16 vectors move with batching.
        yield make_cloud(home / "cloud", url, embed_backend="torch"), url


def wait_until_ended(call: Callable[[], Any], timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = call()
        assert answer.status == 200, answer.body
        if answer.json()["status"] != "RUNNING":
            return answer.json()
        assert time.monotonic() < deadline, f"still RUNNING after {timeout} s: {answer.json()}"
        time.sleep(0.2)


def cli_api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """`jobmatch apikey create`, pointed at the DynamoDB store as an operator would."""
    monkeypatch.setenv("JOBMATCH_DATABASE_URL", f"dynamodb://{PREFIX}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["apikey", "create", "--name", "e2e"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_a_search_runs_through_the_state_machine_and_the_original_client_reads_its_report(
    cloud: tuple[Cloud, str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    aws, board_url = cloud
    key = cli_api_key(monkeypatch)

    started = aws.call("POST", "/jobscrape", key, json_body=SEARCH)
    assert started.status == 202, started.body
    arn = started.json()["executionArn"]
    assert arn == aws.settings.aws_execution_arn_prefix + started.json()["request_id"]
    # The original client polls with the ARN in a JSON body.
    answer = wait_until_ended(lambda: aws.call("GET", "/jobscrape", key, json_body={"executionArn": arn}))

    assert answer["status"] == "SUCCEEDED", answer
    assert aws.sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    output = answer["output"]
    html = output["Payload"]["body"]
    assert html.startswith("<!DOCTYPE html>") and "report_html" not in output
    counts = output["counts"]
    assert counts["pages"] == 2 and counts["listed"] == 20
    # Every listed posting ended: stored (and ranked) or failed with its reason.
    stored = aws.store.execution_postings(answer["output"]["request_id"])
    assert len(stored) == counts["fetched"] + counts["cached"] == counts["listed"] - counts["failed"]
    assert len(output["failures"]) == counts["failed"] and all(f["reason"] for f in output["failures"])
    assert answer["progress"]["settled"] == counts["listed"]
    matches = output["matches"]
    assert len(matches) == 10 and [m["rank"] for m in matches] == list(range(1, 11))
    assert {m["job_id"] for m in matches} <= {p.job_id for p in stored}
    assert output["ranked_against"] == "query"

    # The /v1 API on the same runtime: a resume uploaded into DynamoDB, which the Analyzer Lambda ranks against.
    uploaded = aws.upload_resume(key, RESUME)
    assert uploaded.status == 201, uploaded.body
    resume_id = uploaded.json()["id"]
    created = aws.call("POST", "/v1/searches", key, json_body={**SEARCH, "resume_id": resume_id})
    assert created.status == 202, created.body
    search_id = created.json()["id"]
    view = wait_until_ended(lambda: aws.call("GET", f"/v1/searches/{search_id}", key))
    assert view["status"] == "SUCCEEDED", view
    assert view["ranked_against"] == "resume" and view["resume_id"] == resume_id and view["notes"] == []
    # The first search stored them a moment ago.
    assert view["progress"]["cached"] == len(stored), (view["progress"], view.get("failures"))

    # The embedded runner, same board and resume, its own SQLite store, ranks the same postings the same way.
    settings = make_settings(home / "local", board_url, embed_backend="torch")
    store = SqlStore(settings.database_url)
    local = asyncio.run(LocalRunner(settings, store).run(new_execution(store, SearchQuery(**SEARCH), RESUME)))
    expected = load_report(store, local.id)
    assert local.status is ExecutionStatus.SUCCEEDED and expected is not None
    assert [m["job_id"] for m in view["matches"]] == [m.job_id for m in expected.matches]
    assert [m["score"] for m in view["matches"]] == pytest.approx([m.score for m in expected.matches], abs=1e-4)


def test_a_watchs_schedule_runs_it_through_the_state_machine_and_notifies_what_is_new(
    home: Path, lambdas: Callable[[Invoke], None]
) -> None:
    import json

    import boto3

    from jobmatch.watches._eventbridge import schedule_name
    from tests.watches.receivers import webhook_server

    lambdas(real_handlers)
    role = "arn:aws:iam::123456789012:role/jobmatch-scheduler"
    with Board(BOARD).running_in_thread() as url, webhook_server() as hook:
        aws = make_cloud(home / "cloud", url, aws_scheduler_role_arn=role)
        key = aws.new_key()
        watch = aws.call(
            "POST",
            "/v1/watches",
            key,
            json_body={"name": "Mornings", "search": SEARCH, "schedule": "1d", "notify": [hook.url]},
        )
        assert watch.status == 201, watch.body
        # The app made the watch's schedule; when it fires, EventBridge starts the state machine with its input.
        schedule = boto3.client("scheduler", region_name="us-east-1").get_schedule(
            Name=schedule_name(watch.json()["id"]), GroupName=aws.settings.aws_scheduler_group
        )
        assert schedule["Target"]["Arn"] == aws.settings.aws_state_machine_arn and schedule["Target"]["RoleArn"] == role
        due = aws.store.get_watch(watch.json()["id"]).next_run_at
        fired = schedule["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", due.isoformat())
        aws.sfn.start_execution(stateMachineArn=aws.settings.aws_state_machine_arn, input=fired)

        # The run is an ordinary search, and its last state reports it: the webhook hears of it with no API read.
        deadline = time.monotonic() + 300
        while not hook.bodies:
            assert time.monotonic() < deadline, "no notification"
            time.sleep(0.2)
        [message] = hook.bodies
        assert "Mornings" in json.dumps(message)
        [run] = aws.call("GET", f"/v1/watches/{watch.json()['id']}/runs", key).json()
        assert run["status"] == "SUCCEEDED" and run["run"]["reported"] and run["run"]["new_count"] > 0
        assert run["run"]["notify_status"] == "sent"
