"""The Lambda handlers, called in the state machine's order against moto and the fake board, rank as the embedded
runner does, and answer `GET /jobscrape` in the local API's shape."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from jobmatch.aws import handlers
from jobmatch.models import ExecutionStatus, SearchQuery
from jobmatch.pipeline import load_report
from jobmatch.pipeline.local import LocalRunner
from jobmatch.ranking import Ranker
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig
from tests.aws.conftest import answer, api_event, make_cloud
from tests.conftest import make_settings

RESUME = (
    "Senior data scientist. Python, SQL, machine learning, statistics, A/B testing, PyTorch, scikit-learn. "
    "PhD in statistics. Built forecasting models and recommendation systems."
)
SEARCH = {
    "query": "Data Scientist",
    "location": "Chicago",
    "pages": 2,
    "post_time": 30,
    "word_scores": {"python": 1.1},
    "top_n": 10,
}


@pytest.mark.model
def test_handlers_in_order_rank_as_the_embedded_runner(home: Path, aws: None) -> None:
    with Board(BoardConfig(count=40, seed=7)).running_in_thread() as url:
        # fp32 on both sides: bf16 vectors move by ~1e-3 with batching, and this compares runners, not backends.
        cloud = make_cloud(home / "cloud", url, embed_backend="torch")
        cloud.upload_resume("r1", RESUME)

        status, started = answer(handlers.initializer(api_event({**SEARCH, "resume_id": "r1"})))
        assert status == 202 and started["ranked_against"] == "resume"
        arn = started["executionArn"]
        assert arn.startswith("arn:aws:states:") and arn.endswith(started["request_id"])
        described = cloud.sfn.describe_execution(executionArn=arn)
        assert described["status"] == "RUNNING"  # the Initializer really started the state machine

        dispatched = handlers.dispatcher({"execution_id": started["request_id"]})
        assert len(dispatched["ids"]) == 20 and len(set(dispatched["ids"])) == 20

        status, running = answer(handlers.poll(api_event(query={"executionArn": arn})))
        assert status == 200 and running["status"] == "RUNNING" and running["output"] is None
        assert running["progress"]["listed"] == 20 and running["progress"]["pages"] == 2

        for posting_id in dispatched["ids"]:
            result = handlers.scraper({"execution_id": dispatched["execution_id"], "id": posting_id})
            assert result["outcome"] == "fetched"
        ended = handlers.analyzer({"execution_id": dispatched["execution_id"], "notes": dispatched["notes"]})
        assert ended["status"] == "SUCCEEDED"

        status, done = answer(handlers.poll(api_event({"executionArn": arn})))  # the original client's GET body
        assert status == 200 and done["status"] == "SUCCEEDED"
        output = done["output"]
        assert output["Payload"]["body"] == output["report_html"] and "<html" in output["report_html"].lower()
        assert output["counts"]["fetched"] == 20 and output["failures"] == []

        # The embedded runner, same board and query, its own SQLite store.
        settings = make_settings(home / "local", url, embed_backend="torch")
        store = SqlStore(settings.database_url)
        runner = LocalRunner(settings, store, Ranker(settings, cache=store))
        local = asyncio.run(runner.run(SearchQuery.model_validate(SEARCH), RESUME))
        expected = load_report(store, local.id)

    assert local.status is ExecutionStatus.SUCCEEDED
    assert len(output["matches"]) == 10
    assert [m["job_id"] for m in output["matches"]] == [m.job_id for m in expected.matches]
    assert [m["score"] for m in output["matches"]] == pytest.approx([m.score for m in expected.matches], abs=1e-4)


def test_initializer_refuses_what_the_local_api_refuses(home: Path, aws: None) -> None:
    cloud = make_cloud(home)
    status, body = answer(handlers.initializer(api_event({**SEARCH, "pages": 0})))
    assert status == 422 and "pages" in body["message"]
    status, _ = answer(handlers.initializer({**api_event(), "body": "{not json"}))
    assert status == 400
    status, body = answer(handlers.initializer(api_event({**SEARCH, "resume_id": "nope"})))
    assert status == 404
    assert cloud.sfn.list_executions(stateMachineArn=cloud.state_machine_arn)["executions"] == []
    assert cloud.store.running_executions() == []


def test_poll_hides_another_keys_search(home: Path, aws: None) -> None:
    make_cloud(home)
    _, started = answer(handlers.initializer(api_event(SEARCH, key_id="key-1")))
    status, _ = answer(handlers.poll(api_event(query={"executionArn": started["executionArn"]}, key_id="key-2")))
    assert status == 404
    status, mine = answer(handlers.poll(api_event(query={"executionArn": started["request_id"]}, key_id="key-1")))
    assert status == 200 and mine["status"] == "RUNNING" and mine["progress"]["pages_requested"] == 2


def test_blocked_board_fails_the_dispatcher_with_the_reason(home: Path, aws: None) -> None:
    with Board(BoardConfig(count=10, block="authwall")).running_in_thread() as url:
        make_cloud(home, url)
        _, started = answer(handlers.initializer(api_event(SEARCH)))
        with pytest.raises(handlers.SearchFailed, match="blocked"):
            handlers.dispatcher({"execution_id": started["request_id"]})
