"""A client of the original submit-then-poll protocol, so it works with any jobmatch API (local, Celery or AWS)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

POLL_TIMEOUT_S = 30.0


class ClientError(Exception):
    """The API could not be reached, refused the request, or answered something this client cannot read."""


class JobscrapeClient:
    """POST a query with an x-api-key, poll GET with a JSON body, read the report at `output.Payload.body`."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = POLL_TIMEOUT_S):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers={"x-api-key": api_key}, timeout=timeout)

    def __enter__(self) -> JobscrapeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def upload_resume(self, path: Path) -> str:
        """Upload a resume (jobmatch's /v1 API only); returns its id."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ClientError(f"cannot read resume {path}: {exc.strerror or exc}") from None
        return self._json("POST", "/v1/resumes", files={"file": (path.name, data)})["id"]

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a search; returns `{"request_id", "executionArn", ...}`."""
        answer = self._json("POST", "/jobscrape", json=body)
        if "executionArn" not in answer:
            raise ClientError(f"the API's answer has no executionArn: {answer}")
        return answer

    def boards(self) -> list[dict[str, Any]]:
        """The key's watchlist (jobmatch's /v1 API only)."""
        boards = self._json("GET", "/v1/boards").get("boards")
        return boards if isinstance(boards, list) else []

    def watch(self, source: str) -> dict[str, Any]:
        """Put a company board on the key's watchlist; returns the board."""
        return self._json("POST", "/v1/boards", json={"source": source})

    def unwatch(self, source: str) -> None:
        """Take a board off the key's watchlist."""
        self._json("DELETE", f"/v1/boards/{quote(source, safe=':')}")

    def status(self, execution_arn: str) -> dict[str, Any]:
        # A GET with a JSON body, as the original client sends it: an API built for that client reads only this.
        return self._json("GET", "/jobscrape", json={"executionArn": execution_arn})

    def wait(
        self,
        execution_arn: str,
        *,
        interval: float,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until the search is no longer RUNNING; returns the last answer."""
        while True:
            answer = self.status(execution_arn)
            if on_progress is not None:
                on_progress(answer)
            if answer.get("status") != "RUNNING":
                return answer
            time.sleep(interval)

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach the API at {self.base_url}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_error:
            raise ClientError(f"{method} {path}: {response.status_code} {_reason(body, response)}")
        if response.status_code == 204:
            return {}
        if not isinstance(body, dict):
            raise ClientError(f"{method} {path}: expected a JSON object, got {response.text[:200]!r}")
        return body


def report_html(answer: dict[str, Any]) -> str | None:
    """The HTML report in a finished poll answer, where the original client reads it."""
    output = answer.get("output")
    if isinstance(output, str):  # Step Functions itself hands `output` back as a JSON string
        try:
            output = json.loads(output)
        except ValueError:
            return None
    payload = output.get("Payload") if isinstance(output, dict) else None
    body = payload.get("body") if isinstance(payload, dict) else None
    return body if isinstance(body, str) else None


def _reason(body: Any, response: httpx.Response) -> str:
    if isinstance(body, dict):
        detail = body.get("message") or body.get("detail")
        if isinstance(detail, str):
            return detail
        if detail is not None:
            return str(detail)
    return response.reason_phrase or response.text[:200]
