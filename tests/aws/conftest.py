"""Fixtures for the serverless deployment: a moto AWS with the store's tables and the resume bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from jobmatch.aws import handlers
from jobmatch.aws.asl import render
from jobmatch.config import Settings
from jobmatch.store.dynamo import DynamoStore, create_tables
from tests.aws.moto_env import REGION, fake_credentials, mocked_aws
from tests.conftest import make_settings

PREFIX = "jobmatch-test"
BUCKET = "jobmatch-test-resumes"
ROLE = "arn:aws:iam::123456789012:role/jobmatch-states"
FUNCTIONS = ("Dispatcher", "Scraper", "Analyzer")


@dataclass
class Cloud:
    """The mocked account: settings pointing at it, its store, and clients."""

    settings: Settings
    store: DynamoStore
    sfn: Any
    s3: Any
    state_machine_arn: str

    def upload_resume(self, resume_id: str, text: str) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=handlers.RESUME_PREFIX + resume_id, Body=text.encode("utf-8"))


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:123456789012:function:jobmatch-{name.lower()}"


def definition(settings: Settings) -> str:
    """The generated definition with the Lambda ARNs SAM would substitute."""
    text = render(settings)
    for name in FUNCTIONS:
        text = text.replace("${" + name + "FunctionArn}", function_arn(name))
    return text


def make_cloud(home: Path, board_url: str = "http://127.0.0.1:9", **overrides: Any) -> Cloud:
    """Tables, bucket and state machine in the (already active) moto account; the handlers' runtime uses them."""
    create_tables(PREFIX)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    base = make_settings(home, board_url, **overrides)
    arn = sfn.create_state_machine(name="jobmatch", definition=definition(base), roleArn=ROLE)["stateMachineArn"]
    settings = base.model_copy(
        update={
            "database_url": f"dynamodb://{PREFIX}",
            "aws_resume_bucket": BUCKET,
            "aws_state_machine_arn": arn,
        }
    )
    store = DynamoStore(PREFIX)
    handlers.use_runtime(handlers.Runtime(settings, store, sfn=sfn, s3=s3))
    return Cloud(settings, store, sfn, s3, arn)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    fake_credentials(monkeypatch)
    with mocked_aws():
        yield
    handlers.use_runtime(None)


def api_event(
    body: dict[str, Any] | None = None, *, key_id: str = "key-1", query: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway (REST, proxy integration) event as Lambda receives it."""
    return {
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
        "queryStringParameters": query,
        "requestContext": {"identity": {"apiKeyId": key_id}},
    }


def answer(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return response["statusCode"], json.loads(response["body"])
