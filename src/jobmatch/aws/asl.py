"""The Step Functions state machine, generated from the pipeline's settings so the cloud retries as the code does.

Dispatcher -> Map of Scraper (one iteration per posting id) -> Analyzer. Only ids travel between states: a
state's input and output are capped at 256 KiB, and 100 pages of 10 ids (~25 bytes each) stay far below it.
Lambda ARNs are `${...}` placeholders that the SAM template fills through DefinitionSubstitutions.
"""

from __future__ import annotations

import json
import math
from typing import Any

from jobmatch.config import Settings

DISPATCHER = "${DispatcherFunctionArn}"
SCRAPER = "${ScraperFunctionArn}"
ANALYZER = "${AnalyzerFunctionArn}"
WATCHES = "${WatchesFunctionArn}"
# Errors of the Lambda service itself (not of our code): worth retrying on every task.
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
FAILED_STATE = "SearchFailed"


def _retry(settings: Settings, errors: list[str]) -> list[dict[str, Any]]:
    # The same policy as PoliteClient's (RetryPolicy): attempts, first interval, backoff, cap, full jitter.
    # ASL wants whole seconds of at least 1.
    return [
        {
            "ErrorEquals": errors,
            "MaxAttempts": settings.retry_attempts,
            "IntervalSeconds": max(1, math.ceil(settings.retry_interval)),
            "BackoffRate": float(settings.retry_backoff),
            "MaxDelaySeconds": max(1, math.ceil(settings.retry_max_delay)),
            "JitterStrategy": "FULL",
        }
    ]


def _catch() -> list[dict[str, Any]]:
    # Keep the input (the execution id) and add the error, so the Fail state can report its cause.
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED_STATE}]


def state_machine(settings: Settings) -> dict[str, Any]:
    """The state machine definition (Amazon States Language) for `settings`."""
    return {
        "Comment": "jobmatch: page a job search, scrape every posting, rank them against the resume.",
        "StartAt": "Start",
        "TimeoutSeconds": math.ceil(settings.execution_timeout),
        "States": {
            "Start": {
                "Type": "Choice",
                "Comment": "A watch's schedule starts its run (a search of its own); a search goes on to paging.",
                # A search's input carries "watch_id": null, so the test needs no IsPresent (which moto lacks).
                "Choices": [{"Variable": "$.watch_id", "IsString": True, "Next": "StartWatchRun"}],
                "Default": "Dispatcher",
            },
            "StartWatchRun": {
                "Type": "Task",
                "Comment": "Claims the watch's due time in the store and submits its search.",
                "Resource": WATCHES,
                "Retry": _retry(settings, LAMBDA_SERVICE_ERRORS),
                "End": True,
            },
            "Dispatcher": {
                "Type": "Task",
                "Comment": "Pages through the search; stores the cards and returns their ids.",
                "Resource": DISPATCHER,
                "Retry": _retry(settings, LAMBDA_SERVICE_ERRORS),
                "Catch": _catch(),
                "Next": "Scrapers",
            },
            "Scrapers": {
                "Type": "Map",
                "Comment": "One Scraper per posting id, as many at once as the pipeline allows per host.",
                "ItemsPath": "$.ids",
                "MaxConcurrency": settings.max_concurrency,
                "ItemSelector": {"execution_id.$": "$.execution_id", "id.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Scraper",
                    "States": {
                        "Scraper": {
                            "Type": "Task",
                            "Comment": "Stores one posting; a posting that cannot be fetched is recorded, not raised.",
                            "Resource": SCRAPER,
                            # Anything the Scraper raises is the function's own trouble (timeout, throttling).
                            "Retry": _retry(settings, ["States.ALL"]),
                            # Past the retries, this posting fails with the error; the search goes on.
                            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "GiveUp"}],
                            "End": True,
                        },
                        "GiveUp": {
                            "Type": "Task",
                            "Comment": "Records the posting failed with the Scraper's error.",
                            "Resource": SCRAPER,
                            "Retry": _retry(settings, LAMBDA_SERVICE_ERRORS),
                            # Should even this fail, the Analyzer records the posting failed (nothing stored it).
                            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "LeftToAnalyzer"}],
                            "End": True,
                        },
                        "LeftToAnalyzer": {"Type": "Succeed"},
                    },
                },
                # The Scrapers' answers are in the store; dropping them keeps the state small.
                "ResultPath": None,
                "Catch": _catch(),
                "Next": "Analyzer",
            },
            "Analyzer": {
                "Type": "Task",
                "Comment": "Ranks the stored postings and ends the execution SUCCEEDED.",
                "Resource": ANALYZER,
                "Parameters": {"execution_id.$": "$.execution_id", "notes.$": "$.notes"},
                "Retry": _retry(settings, LAMBDA_SERVICE_ERRORS),
                "Catch": _catch(),
                "Next": "ReportWatchRun",
            },
            "ReportWatchRun": {
                "Type": "Task",
                "Comment": "When the search was a watch's run: works out what is new and notifies (else nothing).",
                "Resource": WATCHES,
                "Parameters": {"execution_id.$": "$.execution_id"},
                "Retry": _retry(settings, LAMBDA_SERVICE_ERRORS),
                # The search has succeeded either way; a run left unreported is reported on the watch's next read.
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Done"}],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
            FAILED_STATE: {
                "Type": "Fail",
                "Comment": "The API's StepFunctionsRunner ends the stored search with this error and cause.",
                "ErrorPath": "$.error.Error",
                "CausePath": "$.error.Cause",
            },
        },
    }


def render(settings: Settings) -> str:
    """The definition as the committed file holds it: indented JSON, keys in definition order, newline at the end."""
    return json.dumps(state_machine(settings), indent=2) + "\n"
