"""Lambda handlers: thin adapters from API Gateway and Step Functions events to the pipeline's stages.

One container image, one handler per function (the image's CMD names it):
`initializer` (POST /jobscrape), `poll` (GET /jobscrape), and the state machine's `dispatcher`, `scraper`, `analyzer`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError
from pydantic import ValidationError

from jobmatch.api.schemas import (
    ExecutionQuery,
    ExecutionRef,
    JobscrapeOutput,
    JobscrapeStatus,
    LambdaPayload,
    Progress,
    SearchRequest,
)
from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, JobRef, SearchQuery

# SearchFailed is re-exported: the state machine's Catch sees its name.
from jobmatch.pipeline import SearchFailed, abandon, analyze, dispatch, give_up, load_report, scrape  # noqa: F401
from jobmatch.report import render_html
from jobmatch.sources import PoliteClient, make_source
from jobmatch.store import ExecutionOwner, Store, open_store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

log = logging.getLogger(__name__)
RESUME_PREFIX = "resumes/"
ANONYMOUS = "anonymous"
# Step Functions' terminal statuses, as the store names them.
_SFN_STATUS = {name: ExecutionStatus(name) for name in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")}


@dataclass
class Runtime:
    """What a warm Lambda keeps between invocations: settings, store, AWS clients and the loaded model."""

    settings: Settings
    store: Store
    sfn: Any = field(default_factory=lambda: boto3.client("stepfunctions"))
    s3: Any = field(default_factory=lambda: boto3.client("s3"))
    _ranker: Ranker | None = None

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            from jobmatch.ranking import Ranker

            self._ranker = Ranker(self.settings, cache=self.store)
        return self._ranker


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, built from the environment (`JOBMATCH_*`) on first use."""
    global _runtime
    if _runtime is None:
        settings = Settings()
        _runtime = Runtime(settings, open_store(settings))
    return _runtime


def use_runtime(value: Runtime | None) -> None:
    """Replace the runtime (tests; a Lambda never calls this)."""
    global _runtime
    _runtime = value


# API Gateway: POST /jobscrape, GET /jobscrape


def initializer(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Validate the search as the local API does, record it, start the state machine; 202 with `executionArn`."""
    rt = runtime()
    try:
        request = SearchRequest.model_validate_json(_body(event) or "{}")
    except ValidationError as exc:
        return _validation_error(exc)
    if request.resume_id is not None and not _resume_exists(rt, request.resume_id):
        return _response(404, {"detail": f"no resume {request.resume_id!r} in the resume bucket"})
    query = SearchQuery.model_validate(request.model_dump(exclude={"resume_id"}))
    execution = Execution(query=query)
    owner = ExecutionOwner(execution_id=execution.id, api_key_id=_caller(event), resume_id=request.resume_id)
    rt.store.create_execution(execution)
    rt.store.set_execution_owner(owner)
    try:
        started = rt.sfn.start_execution(
            stateMachineArn=rt.settings.aws_state_machine_arn,
            name=execution.id,
            input=json.dumps({"execution_id": execution.id}),
        )
    except ClientError as exc:
        reason = f"could not start the state machine: {exc.response['Error'].get('Message', exc)}"
        rt.store.finish_execution(execution.id, ExecutionStatus.FAILED, reason)
        return _response(502, {"detail": reason})
    ref = ExecutionRef(
        request_id=execution.id,
        executionArn=started["executionArn"],
        ranked_against="resume" if owner.resume_id else "query",
        resume_id=owner.resume_id,
    )
    return _response(202, ref.model_dump(mode="json"))


def poll(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Status, progress and (once SUCCEEDED) output, in the local API's `GET /jobscrape` shape."""
    rt = runtime()
    params = event.get("queryStringParameters") or {}
    try:
        raw = params.get("executionArn") or json.loads(_body(event) or "{}").get("executionArn")
        arn = ExecutionQuery(executionArn=raw).executionArn.strip()
    except (ValidationError, ValueError, AttributeError):
        return _response(400, {"detail": "executionArn is required (query string or JSON body)"})
    execution_id = arn.rsplit(":", 1)[-1]
    owner = rt.store.execution_owner(execution_id)
    execution = rt.store.get_execution(execution_id)
    # One answer for "no such search" and "another key's search": ids must not leak across keys.
    if owner is None or execution is None or owner.api_key_id != _caller(event):
        return _response(404, {"detail": f"no search {execution_id!r}"})
    if not execution.status.finished:
        execution = _reconcile(rt, execution, _execution_arn(rt.settings, arn, execution_id))
    return _response(200, _status(rt, execution, owner, arn).model_dump(mode="json"))


# Step Functions tasks


def dispatcher(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Page through the search, store every card; return the ids of the postings left to scrape."""
    rt = runtime()
    execution_id = event["execution_id"]
    execution = _execution(rt, execution_id)
    notes = asyncio.run(_dispatch(rt, execution))
    # Every unsettled listing, not only this attempt's new ones: a retried Dispatcher must lose none.
    ids = [f"{ref.source}:{ref.job_id}" for ref in rt.store.unsettled_listings(execution_id)]
    return {"execution_id": execution_id, "ids": ids, "notes": notes}


def scraper(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Store one posting (fetched, or reused when fresh); its failure is recorded, never raised.

    With an `error` (the state machine caught this function failing past its retries), record the posting failed
    with that error instead, so the search goes on without it.
    """
    rt = runtime()
    execution_id, posting_id = event["execution_id"], event["id"]
    source_name, _, job_id = posting_id.partition(":")
    ref = _listing(rt.store, execution_id, source_name, job_id)
    if ref is None:
        return {"id": posting_id, "outcome": "unknown"}
    if "error" in event:
        error = event["error"] or {}
        reason = "scraper failed: " + _error_text(str(error.get("Error") or ""), str(error.get("Cause") or ""))
        return {"id": posting_id, "outcome": give_up(execution_id, ref, rt.store, reason).outcome}
    result = asyncio.run(_scrape(rt, execution_id, ref))
    return {"id": posting_id, "outcome": result}


def analyzer(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Rank the stored postings against the resume (or the query) and end the execution SUCCEEDED."""
    rt = runtime()
    execution_id = event["execution_id"]
    execution = _execution(rt, execution_id)
    owner = rt.store.execution_owner(execution_id)
    resume_text = _resume_text(rt, owner.resume_id) if owner and owner.resume_id else None
    # Normally none: a listing no Scraper settled must still end accounted for.
    abandon(execution_id, rt.store, "no Scraper stored this posting")
    report = analyze(execution_id, execution.query, rt.store, rt.ranker, resume_text, notes=event.get("notes") or [])
    rt.store.finish_execution(execution_id, ExecutionStatus.SUCCEEDED)
    return {"execution_id": execution_id, "status": ExecutionStatus.SUCCEEDED.value, "matches": len(report.matches)}


# Helpers


async def _dispatch(rt: Runtime, execution: Execution) -> list[str]:
    notes: list[str] = []
    async with PoliteClient(rt.settings) as client:
        source = make_source(execution.query.source, client, rt.settings)
        async for _ in dispatch(execution.id, execution.query, source, rt.store, notes=notes):
            pass
    return notes


async def _scrape(rt: Runtime, execution_id: str, ref: JobRef) -> str:
    max_age = timedelta(days=rt.settings.posting_max_age_days)
    async with PoliteClient(rt.settings) as client:
        source = make_source(ref.source, client, rt.settings)
        result = await scrape(execution_id, ref, source, rt.store, max_age=max_age)
    return result.outcome


def _listing(store: Store, execution_id: str, source: str, job_id: str) -> JobRef | None:
    direct = getattr(store, "get_listing", None)
    if direct is not None:
        return direct(execution_id, source, job_id)
    # Stores without a keyed lookup: the unsettled listings hold it until it is scraped.
    return next((r for r in store.unsettled_listings(execution_id) if r.key == (source, job_id)), None)


def _execution(rt: Runtime, execution_id: str) -> Execution:
    execution = rt.store.get_execution(execution_id)
    if execution is None:
        raise LookupError(f"no execution {execution_id!r} in the store")
    return execution


def _reconcile(rt: Runtime, execution: Execution, arn: str) -> Execution:
    """End the stored execution when Step Functions has ended it without the Analyzer (failed, timed out, aborted)."""
    try:
        described = rt.sfn.describe_execution(executionArn=arn)
    except ClientError:
        log.warning("cannot describe execution %s", arn, exc_info=True)
        return execution
    status = _SFN_STATUS.get(described.get("status", "RUNNING"))
    if status is None or status is ExecutionStatus.SUCCEEDED:
        # SUCCEEDED without the Analyzer's own finish cannot happen; leave the store's word as it is.
        return execution
    reason = _reason(described, status)
    abandon(execution.id, rt.store, reason)
    rt.store.finish_execution(execution.id, status, reason)
    ended = rt.store.get_execution(execution.id)
    return ended or execution


def _reason(described: dict[str, Any], status: ExecutionStatus) -> str:
    error, cause = described.get("error") or "", described.get("cause") or ""
    if status is ExecutionStatus.TIMED_OUT and not cause:
        return "search did not end within the state machine's timeout"
    if status is ExecutionStatus.ABORTED and not cause:
        return "search aborted"
    return _error_text(error, cause) or status.value.lower()


def _error_text(error: str, cause: str) -> str:
    """A Step Functions error and cause as one line: "Error: message"."""
    try:
        # A Lambda's failure arrives as JSON: {"errorMessage": ..., "errorType": ...}.
        message = json.loads(cause).get("errorMessage") or cause
    except (ValueError, AttributeError):
        message = cause
    return f"{error}: {message}" if error and message else (message or error)


def _status(rt: Runtime, execution: Execution, owner: ExecutionOwner, arn: str) -> JobscrapeStatus:
    counts = execution.counts
    progress = Progress(
        **counts.model_dump(),
        pages_requested=execution.query.pages,
        settled=counts.fetched + counts.cached + counts.failed,
    )
    output = None
    if execution.status is ExecutionStatus.SUCCEEDED:
        report = load_report(rt.store, execution.id)
        assert report is not None
        html = render_html(report)
        output = JobscrapeOutput(
            request_id=execution.id,
            ranked_against=report.ranked_against,  # type: ignore[arg-type]
            resume_id=owner.resume_id,
            matches=report.matches,
            counts=report.counts or counts,
            failures=report.failures,
            notes=report.notes,
            report_html=html,
            Payload=LambdaPayload(body=html),
        )
    return JobscrapeStatus(
        executionArn=arn, status=execution.status, progress=progress, error=execution.error, output=output
    )


def _execution_arn(settings: Settings, arn: str, execution_id: str) -> str:
    if arn.startswith("arn:"):
        return arn
    # A bare id: the execution's ARN is the state machine's with ":execution:" and the id (its name).
    return settings.aws_state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + execution_id


def _caller(event: dict[str, Any]) -> str:
    # API Gateway puts the id of the API key that authorised the request here.
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return identity.get("apiKeyId") or ANONYMOUS


def _body(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return body


def _resume_exists(rt: Runtime, resume_id: str) -> bool:
    try:
        rt.s3.head_object(Bucket=rt.settings.aws_resume_bucket, Key=RESUME_PREFIX + resume_id)
        return True
    except ClientError:
        return False


def _resume_text(rt: Runtime, resume_id: str) -> str:
    from jobmatch.ranking import read_resume

    data = rt.s3.get_object(Bucket=rt.settings.aws_resume_bucket, Key=RESUME_PREFIX + resume_id)["Body"].read()
    return read_resume(data, resume_id)


def _validation_error(exc: ValidationError) -> dict[str, Any]:
    errors = exc.errors(include_url=False)
    malformed = any(error.get("type") == "json_invalid" for error in errors)
    message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())) or 'body'}: {e.get('msg')}" for e in errors)
    detail = json.loads(exc.json(include_url=False))
    return _response(400 if malformed else 422, {"detail": detail, "message": message})


def _response(status: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}
