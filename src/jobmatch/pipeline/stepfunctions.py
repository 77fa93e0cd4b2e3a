"""The serverless runner: the AWS state machine (deploy/aws) runs the stages in Lambdas; this starts, stops and
watches its executions from wherever the API or the CLI runs.

An execution is named by its search's id, so its ARN is known without asking. The store is the search's record:
the Lambdas write every posting's end and the Analyzer ends the search. What the store cannot learn by itself is a
Lambda that died past its retries: Step Functions then ends the execution without the Analyzer, and `refresh` (on
every read of a running search) and `recover` (when the API starts) end the search with Step Functions' reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus
from jobmatch.pipeline.runner import RunnerUnavailable, follow
from jobmatch.pipeline.stages import ABORTED_REASON, deadline_reason, end_search, past_deadline
from jobmatch.store import Store

__all__ = ["StepFunctionsRunner"]

log = logging.getLogger(__name__)

# Step Functions' statuses for an execution it ended without the Analyzer (which ends the search itself).
_ENDED_WITHOUT_ANALYZER = {name: ExecutionStatus(name) for name in ("FAILED", "TIMED_OUT", "ABORTED")}
# How long `run` waits past the state machine's own timeout for the end to be seen (polls are a second apart).
_END_GRACE_SECONDS = 60.0


class StepFunctionsRunner:
    """Runs searches as executions of the state machine `settings.aws_state_machine_arn` names."""

    def __init__(self, settings: Settings, store: Store, *, client: Any | None = None):
        self._settings = settings
        self._store = store
        # The state machine's region, whatever the caller's default region is.
        parts = settings.aws_state_machine_arn.split(":")
        self._sfn = client or boto3.client("stepfunctions", region_name=parts[3] if len(parts) > 3 else None)

    def start(self) -> None:
        """Nothing to start: Step Functions runs the searches."""

    def recover(self) -> int:
        """End every search Step Functions has ended without the Analyzer; returns how many."""
        return sum(self._reconcile(execution).status.finished for execution in self._store.running_executions())

    def submit(self, execution: Execution) -> Execution:
        """Store the search and start its execution; a search Step Functions would not start ends FAILED."""
        self._store.create_execution(execution)
        try:
            self._sfn.start_execution(
                stateMachineArn=self._settings.aws_state_machine_arn,
                name=execution.id,
                input=json.dumps({"execution_id": execution.id, "watch_id": None}),
            )
        except (ClientError, BotoCoreError) as exc:
            reason = f"could not start the state machine: {_client_error(exc)}"
            end_search(self._store, execution.id, ExecutionStatus.FAILED, reason)
            raise RunnerUnavailable(reason) from exc
        return execution

    async def run(self, execution: Execution, *, rank_progress: Callable[[int, int], None] | None = None) -> Execution:
        """Submit a search and follow it to its end (the Analyzer Lambda ranks, so `rank_progress` is never called)."""
        self.submit(execution)
        timeout = self._settings.execution_timeout + _END_GRACE_SECONDS
        # Each poll describes the execution: a second apart keeps far below Step Functions' API rate.
        poll = self._settings.api_poll_interval
        return await follow(self, self._store, execution.id, within=timeout, poll=poll)

    def abort(self, execution_id: str) -> bool:
        """Stop the execution and end the search ABORTED; its Lambdas still in flight find it ended and stop."""
        try:
            self._sfn.stop_execution(executionArn=self._arn(execution_id), error="Aborted", cause=ABORTED_REASON)
        except (ClientError, BotoCoreError) as exc:
            # Already ended, or never started: the store's word decides what abort means.
            log.warning("could not stop execution %s: %s", execution_id, _client_error(exc))
        return end_search(self._store, execution_id, ExecutionStatus.ABORTED, ABORTED_REASON)

    def refresh(self, execution: Execution) -> Execution:
        """A running search as Step Functions knows it: ended, with its reason, when a Lambda died past its retries."""
        if execution.status is not ExecutionStatus.RUNNING:
            return execution
        return self._reconcile(execution)

    def stop(self) -> None:
        """Nothing to let go of: searches run on in Step Functions."""

    def _arn(self, execution_id: str) -> str:
        return self._settings.aws_execution_arn_prefix + execution_id

    def _reconcile(self, execution: Execution) -> Execution:
        try:
            described = self._sfn.describe_execution(executionArn=self._arn(execution.id))
        except ClientError as exc:
            if exc.response["Error"].get("Code") == "ExecutionDoesNotExist":
                # Its StartExecution never happened (the caller died in between): nothing will ever end it.
                return self._expire(execution)
            log.warning("cannot describe execution %s: %s", execution.id, _client_error(exc))
            return execution
        except BotoCoreError as exc:
            log.warning("cannot describe execution %s: %s", execution.id, exc)
            return execution
        status = _ENDED_WITHOUT_ANALYZER.get(described.get("status", "RUNNING"))
        if status is None:
            # RUNNING, or SUCCEEDED (the Analyzer ended the search before its Lambda returned): the store has it.
            return execution
        end_search(self._store, execution.id, status, _reason(described, status))
        return self._store.get_execution(execution.id) or execution

    def _expire(self, execution: Execution) -> Execution:
        timeout = self._settings.execution_timeout
        if past_deadline(execution, timeout):
            end_search(self._store, execution.id, ExecutionStatus.TIMED_OUT, deadline_reason(timeout))
            return self._store.get_execution(execution.id) or execution
        return execution


def _reason(described: dict[str, Any], status: ExecutionStatus) -> str:
    """Why Step Functions ended an execution, from its error and cause."""
    error, cause = described.get("error") or "", described.get("cause") or ""
    if status is ExecutionStatus.TIMED_OUT and not cause:
        return "search did not end within the state machine's timeout"
    if status is ExecutionStatus.ABORTED and not cause:
        return ABORTED_REASON
    return error_text(error, cause) or status.value.lower()


def error_text(error: str, cause: str) -> str:
    """A Step Functions error and cause as one line: "Error: message"."""
    try:
        # A Lambda's failure arrives as JSON: {"errorMessage": ..., "errorType": ...}.
        message = json.loads(cause).get("errorMessage") or cause
    except (ValueError, AttributeError):
        message = cause
    return f"{error}: {message}" if error and message else (message or error)


def _client_error(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message") or exc)
    return str(exc)
