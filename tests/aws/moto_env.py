"""A moto-backed AWS for tests: fake credentials and region, never a real account."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest

REGION = "us-east-1"
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point boto3 at fake credentials so nothing can reach a real account."""
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@contextmanager
def mocked_aws(**config: Any) -> Iterator[None]:
    from moto import mock_aws

    with mock_aws(config=config or None), _one_dynamodb_request_at_a_time():
        yield


@contextmanager
def _one_dynamodb_request_at_a_time() -> Iterator[None]:
    """DynamoDB applies each request atomically; moto's in-memory tables do not (a transaction deep-copies tables
    that another thread's write is changing: 'dictionary changed size during iteration'). Step Functions' Map
    runs the scraper Lambdas in threads here, so moto's DynamoDB handler takes one request at a time."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    call_action = DynamoHandler.call_action

    def serialised(self: DynamoHandler) -> Any:
        with lock:
            return call_action(self)

    with patch.object(DynamoHandler, "call_action", serialised):
        yield
