"""The SAM template lints clean and wires what the code expects: handlers, tables, TTL, state machine ARNs."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

TEMPLATE = REPO / "deploy" / "aws" / "template.yaml"
ASL = REPO / "deploy" / "aws" / "statemachine.asl.json"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    from cfnlint.decode import decode

    parsed, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return parsed


def test_cfn_lint_passes() -> None:
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), str(TEMPLATE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_function_runs_a_handler_that_exists(template: dict[str, Any]) -> None:
    functions = {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {f"{n}Function" for n in ("Api", "Dispatcher", "Scraper", "Analyzer", "Watches")}
    for resource in functions.values():
        (target,) = resource["Properties"]["ImageConfig"]["Command"]
        module, _, name = target.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), target
        assert resource["Properties"]["PackageType"] == "Image"


def test_state_machine_substitutions_cover_every_placeholder(template: dict[str, Any]) -> None:
    machine = template["Resources"]["SearchStateMachine"]["Properties"]
    placeholders = set(re.findall(r"\$\{(\w+)\}", ASL.read_text()))
    assert placeholders and placeholders == set(machine["DefinitionSubstitutions"])
    assert (TEMPLATE.parent / machine["DefinitionUri"]) == ASL


def test_tables_are_the_ones_the_store_uses_with_ttl_on_executions(template: dict[str, Any]) -> None:
    from jobmatch.store import dynamo

    tables = {
        r["Properties"]["TableName"]["Fn::Sub"].removeprefix("${AWS::StackName}-"): r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    assert set(tables) == set(dynamo._KEY_SCHEMAS)
    for name, props in tables.items():
        hash_key, range_key = dynamo._KEY_SCHEMAS[name]
        assert [k["AttributeName"] for k in props["KeySchema"]] == [hash_key] + ([range_key] if range_key else [])
    assert tables["executions"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]


def test_every_path_reaches_the_api_function_on_the_stepfunctions_engine(template: dict[str, Any]) -> None:
    from jobmatch.config import Settings

    api = template["Resources"]["ApiFunction"]["Properties"]
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in api["Events"].values()}
    assert routes == {("/", "ANY"), ("/{proxy+}", "ANY")}
    env = api["Environment"]["Variables"]
    assert env["JOBMATCH_ENGINE"] == "stepfunctions" and env["JOBMATCH_AWS_STATE_MACHINE_ARN"]
    # The upload cap leaves room for base64 inside Lambda's 6 MB request.
    assert int(env["JOBMATCH_API_MAX_RESUME_BYTES"]) * 4 / 3 + 64 * 1024 < 6 * 1024 * 1024
    assert int(env["JOBMATCH_API_MAX_RESUME_BYTES"]) <= Settings().api_max_resume_bytes
    actions = {
        action
        for policy in api["Policies"]
        for statement in policy.get("Statement", [])
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert actions == {
        "states:StartExecution",
        "states:StopExecution",
        "states:DescribeExecution",
        # A watch's EventBridge schedule, made and removed with the watch, starting the state machine as its role.
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        "iam:PassRole",
    }
    assert env["JOBMATCH_AWS_SCHEDULER_GROUP"] and env["JOBMATCH_AWS_SCHEDULER_ROLE_ARN"]
    assert "multipart~1form-data" in template["Resources"]["JobmatchApi"]["Properties"]["BinaryMediaTypes"]
