"""The committed state machine is the one the pipeline's settings generate; a change to either must show."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobmatch.aws.asl import state_machine
from jobmatch.cli import app
from jobmatch.config import Settings
from tests.conftest import REPO

COMMITTED = REPO / "deploy" / "aws" / "statemachine.asl.json"
STATE_LIMIT = 256 * 1024


@pytest.fixture
def default_env(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("JOBMATCH_") and name != "JOBMATCH_HOME":
            monkeypatch.delenv(name)


def test_committed_definition_is_what_jobmatch_aws_asl_prints(default_env: None) -> None:
    result = CliRunner().invoke(app, ["aws", "asl"])
    assert result.exit_code == 0, result.output
    assert result.stdout == COMMITTED.read_text(encoding="utf-8"), (
        "deploy/aws/statemachine.asl.json is stale: regenerate it with "
        "`jobmatch aws asl > deploy/aws/statemachine.asl.json`"
    )


def test_definition_follows_the_pipeline_settings(default_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBMATCH_MAX_CONCURRENCY", "4")
    monkeypatch.setenv("JOBMATCH_RETRY_ATTEMPTS", "5")
    result = CliRunner().invoke(app, ["aws", "asl"])
    definition = json.loads(result.stdout)
    scrapers = definition["States"]["Scrapers"]
    retry = scrapers["ItemProcessor"]["States"]["Scraper"]["Retry"][0]
    assert scrapers["MaxConcurrency"] == 4 and retry["MaxAttempts"] == 5
    assert result.stdout != COMMITTED.read_text(encoding="utf-8")  # the drift test would catch this


def test_committed_retry_policy_is_the_originals() -> None:
    scraper = json.loads(COMMITTED.read_text())["States"]["Scrapers"]["ItemProcessor"]["States"]["Scraper"]
    retry = scraper["Retry"][0]
    assert (retry["MaxAttempts"], retry["IntervalSeconds"], retry["BackoffRate"], retry["JitterStrategy"]) == (
        3,
        1,
        2.0,
        "FULL",
    )
    assert json.loads(COMMITTED.read_text())["States"]["Scrapers"]["MaxConcurrency"] == 10


def test_a_hundred_page_search_fits_between_states() -> None:
    # The Dispatcher's output is what the Map reads: 100 pages of 10 cards, LinkedIn's longest ids.
    output = {
        "execution_id": "f" * 32,
        "ids": [f"linkedin:{4_000_000_000 + i}" for i in range(1000)],
        "notes": ["search stopped after 99 page(s): HTTP 429 from www.linkedin.com" * 3],
    }
    assert len(json.dumps(output).encode()) < STATE_LIMIT / 8
    assert state_machine(Settings())["States"]["Scrapers"]["ResultPath"] is None  # Scraper answers never pile up
