"""Fixtures for the serverless deployment: a moto account with the store's tables and the state machine, the API
Lambda (the FastAPI app through Mangum) spoken to with API Gateway's events, and the pipeline Lambdas."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from jobmatch.api.app import create_app
from jobmatch.apikeys import create_api_key
from jobmatch.aws import handlers
from jobmatch.aws.api import LambdaApi
from jobmatch.aws.asl import render
from jobmatch.config import Settings
from jobmatch.store.dynamo import DynamoStore, create_tables
from tests.aws.moto_env import REGION, fake_credentials, mocked_aws
from tests.conftest import make_settings

PREFIX = "jobmatch-test"
ROLE = "arn:aws:iam::123456789012:role/jobmatch-states"
FUNCTIONS = ("Dispatcher", "Scraper", "Analyzer", "Watches")
STAGE = "prod"
# The API Lambdas this test built: their lifespans are ended when its moto account goes.
_apis: list[LambdaApi] = []


@dataclass
class Response:
    """The API Lambda's answer, as API Gateway hands it to the client."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Cloud:
    """The mocked account: settings pointing at it, its store, its Step Functions client and the API Lambda."""

    settings: Settings
    store: DynamoStore
    sfn: Any
    state_machine_arn: str
    api: LambdaApi

    def new_key(self, name: str = "test") -> str:
        return create_api_key(self.store, name)[1]

    def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        query: dict[str, str] | None = None,
    ) -> Response:
        """One request through API Gateway (REST, proxy integration) to the API Lambda."""
        if json_body is not None:
            body, content_type = json.dumps(json_body).encode(), "application/json"
        answer = self.api(api_event(method, path, key, body=body, content_type=content_type, query=query), None)
        raw = answer["body"] or ""
        data = base64.b64decode(raw) if answer["isBase64Encoded"] else raw.encode()
        return Response(answer["statusCode"], answer["headers"], data)

    def upload_resume(self, key: str, text: str, filename: str = "resume.txt") -> Response:
        request = httpx.Request("POST", "https://api.test/v1/resumes", files={"file": (filename, text.encode())})
        return self.call("POST", "/v1/resumes", key, body=request.read(), content_type=request.headers["content-type"])


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:123456789012:function:jobmatch-{name.lower()}"


def definition(settings: Settings) -> str:
    """The generated definition with the Lambda ARNs SAM would substitute."""
    text = render(settings)
    for name in FUNCTIONS:
        text = text.replace("${" + name + "FunctionArn}", function_arn(name))
    return text


def api_event(
    method: str,
    path: str,
    key: str | None = None,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event as Lambda receives it; a multipart body arrives base64-encoded, as the
    template's BinaryMediaTypes ask."""
    headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "X-Forwarded-Proto": "https"}
    if key is not None:
        headers["x-api-key"] = key
    if content_type is not None:
        headers["Content-Type"] = content_type
    binary = (content_type or "").startswith("multipart/form-data")
    text = None if body is None else (base64.b64encode(body).decode() if binary else body.decode())
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": text,
        "isBase64Encoded": binary,
    }


def make_cloud(
    home: Path, board_url: str = "http://127.0.0.1:9", *, state_machine_arn: str | None = None, **overrides: Any
) -> Cloud:
    """Tables and state machine in the (already active) moto account; the Lambdas' runtime and the API use them."""
    create_tables(PREFIX)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    base = make_settings(home, board_url, **overrides)
    arn = sfn.create_state_machine(name="jobmatch", definition=definition(base), roleArn=ROLE)["stateMachineArn"]
    settings = make_settings(
        home,
        board_url,
        engine="stepfunctions",
        database_url=f"dynamodb://{PREFIX}",
        aws_state_machine_arn=state_machine_arn or arn,
        **overrides,
    )
    store = DynamoStore(PREFIX)
    handlers.use_runtime(handlers.Runtime(settings, store))
    _apis.append(LambdaApi(create_app(settings, store=store)))
    return Cloud(settings, store, sfn, arn, _apis[-1])


def _close_apis() -> None:
    while _apis:
        _apis.pop().close()
    handlers.use_runtime(None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A moto account whose Step Functions records executions but runs none."""
    fake_credentials(monkeypatch)
    with mocked_aws():
        yield
        _close_apis()


Invoke = Callable[[str, dict[str, Any], dict[str, str]], Any]


@pytest.fixture
def lambdas(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Invoke], None]]:
    """A moto account whose Step Functions runs its executions; each Lambda call goes to the function installed with
    the fixture's value (name, payload, response headers) -> answer, and an exception it raises is the function
    failing, as Lambda reports it."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    installed: list[Invoke] = []

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:
        name = function_name.rsplit(":", 1)[-1].removeprefix("jobmatch-")
        try:
            return json.dumps(installed[-1](name, json.loads(body or "{}"), response_headers)).encode()
        except Exception as exc:  # noqa: BLE001 - what a Lambda function raises, Lambda reports as its error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    fake_credentials(monkeypatch)
    with mocked_aws(stepfunctions={"execute_state_machine": True}, **{"lambda": {"use_docker": False}}):
        yield installed.append
        _close_apis()


def real_handlers(name: str, payload: dict[str, Any], _headers: dict[str, str]) -> Any:
    """The pipeline's Lambdas themselves, in-process."""
    from jobmatch.aws import watches

    lambdas = {
        "dispatcher": handlers.dispatcher,
        "scraper": handlers.scraper,
        "analyzer": handlers.analyzer,
        "watches": watches.handler,
    }
    return lambdas[name](payload, None)
