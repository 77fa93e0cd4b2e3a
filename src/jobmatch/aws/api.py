"""The HTTP API on Lambda: API Gateway -> Mangum -> the same FastAPI app every runtime serves (jobmatch.api.app).

The function runs with `JOBMATCH_ENGINE=stepfunctions` (searches start as state machine executions) and the
DynamoDB store (`JOBMATCH_DATABASE_URL=dynamodb://<prefix>`), where API keys, resumes and searches live.

Mangum's own lifespan handling ("auto") would start and stop the app around every request: a new store, runner and
service, and a `recover` (a scan of running searches) per poll. The app's lifespan is entered instead once per
container, on its first request, and left open: Lambda freezes the container between requests and ends it without
notice, and nothing the app holds needs closing (boto3 keeps no open connections worth closing).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from mangum import Mangum
from mangum.protocols import LifespanCycle

from jobmatch.api.app import create_app
from jobmatch.config import get_settings

__all__ = ["LambdaApi", "handler"]


class LambdaApi:
    """A Lambda handler for `app` whose lifespan starts once, here, and never runs per request."""

    def __init__(self, app: FastAPI):
        # One event loop for the lifespan and every request, so what the lifespan starts lives on the loop requests
        # run on; it is made current again per request, in case other code in the process (asyncio.run) unset it.
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._adapter = Mangum(app, lifespan="off")
        self._lifespan = LifespanCycle(app, "on")
        self._lifespan.__enter__()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        asyncio.set_event_loop(self._loop)
        return self._adapter(event, context)

    def close(self) -> None:
        """Run the app's shutdown (tests; a Lambda container is ended without one)."""
        asyncio.set_event_loop(self._loop)
        self._lifespan.__exit__(None, None, None)
        self._loop.close()
        asyncio.set_event_loop(None)


_api: LambdaApi | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The ApiFunction's entry point (deploy/aws/template.yaml): the app is built on a container's first request."""
    global _api
    if _api is None:
        settings = get_settings()
        if settings.engine != "stepfunctions":
            raise RuntimeError(
                f"JOBMATCH_ENGINE is {settings.engine!r}: the API on Lambda runs searches on Step Functions "
                "(set JOBMATCH_ENGINE=stepfunctions and JOBMATCH_AWS_STATE_MACHINE_ARN)"
            )
        _api = LambdaApi(create_app(settings))
    return _api(event, context)
