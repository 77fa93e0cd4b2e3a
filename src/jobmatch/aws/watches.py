"""The watches' Lambda: a watch's EventBridge schedule starts the state machine, whose first state hands the
schedule's input here to start the watch's run (an ordinary search, its own execution); and the state machine's last
state hands every ended search here, so a watch run is reported and notified as soon as its search ends.

Both calls go through `jobmatch.watches.Watches` (the rules live there, the same for every engine); the due time is
claimed in the store, so a schedule that fires twice still runs the watch once.
"""

from __future__ import annotations

from typing import Any

from jobmatch.aws.handlers import runtime
from jobmatch.pipeline.stepfunctions import StepFunctionsRunner
from jobmatch.watches import Watches


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """`{"watch_id", "scheduled_time"}`: start the watch's due run. `{"execution_id"}`: report the watch run that
    search belongs to, if any."""
    rt = runtime()
    watches = Watches(rt.settings, rt.store, StepFunctionsRunner(rt.settings, rt.store))
    if "watch_id" in event:
        run = watches.start_scheduled_event(event)
        return {"watch_id": event["watch_id"], "execution_id": run.execution_id if run else None}
    execution_id = event.get("execution_id")
    reported = [run for run in watches.report_ended() if run.execution_id == execution_id]
    return {"execution_id": execution_id, "reported": [run.id for run in reported]}
