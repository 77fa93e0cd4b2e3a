"""On AWS, each watch has an EventBridge Scheduler schedule that starts the state machine at its due times.

The schedule's input is `{"watch_id": ..., "scheduled_time": ...}`; the state machine's first step (the Lambda
handlers) hands that to `Watches.start_scheduled_event`, which claims the due time in the store like every other
scheduler, so a schedule that fires twice (EventBridge delivers at least once) still runs the watch once.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from jobmatch.config import Settings
from jobmatch.models import Watch
from jobmatch.watches._schedule import Schedule

_NUMBER = re.compile(r"\d+")


class ScheduleHook(Protocol):
    """Keeps an outside scheduler in step with the store's watches."""

    def put(self, watch: Watch, schedule: Schedule) -> None: ...
    def remove(self, watch_id: str) -> None: ...


def make_hook(settings: Settings) -> ScheduleHook | None:
    """EventBridge Scheduler on the Step Functions engine; elsewhere the store is the only schedule."""
    if settings.engine != "stepfunctions":
        return None
    return EventBridgeSchedules(settings)


class EventBridgeSchedules:
    """One schedule per watch, named `jobmatch-watch-<id>`, in `settings.aws_scheduler_group`."""

    def __init__(self, settings: Settings, client: Any | None = None):
        if client is None:
            import boto3

            client = boto3.client("scheduler")
        self._client = client
        self._group = settings.aws_scheduler_group
        self._target_arn = settings.aws_state_machine_arn
        self._role_arn = settings.aws_scheduler_role_arn

    def put(self, watch: Watch, schedule: Schedule) -> None:
        request = {
            "Name": schedule_name(watch.id),
            "GroupName": self._group,
            "ScheduleExpression": expression(schedule),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": self._target_arn,
                "RoleArn": self._role_arn,
                "Input": json.dumps({"watch_id": watch.id, "scheduled_time": "<aws.scheduler.scheduled-time>"}),
            },
        }
        try:
            self._client.create_schedule(**request)
        except self._client.exceptions.ConflictException:
            self._client.update_schedule(**request)

    def remove(self, watch_id: str) -> None:
        try:
            self._client.delete_schedule(Name=schedule_name(watch_id), GroupName=self._group)
        except self._client.exceptions.ResourceNotFoundException:
            pass  # already gone: removing is idempotent


def schedule_name(watch_id: str) -> str:
    return f"jobmatch-watch-{watch_id}"


def expression(schedule: Schedule) -> str:
    """The schedule in EventBridge's syntax: `rate(N minutes)`, or a six-field `cron(...)` (one day field `?`,
    days of the week counted 1-7 from Sunday)."""
    if schedule.every is not None:
        minutes = max(1, round(schedule.every / 60))
        for unit, size in (("days", 1440), ("hours", 60)):
            if minutes % size == 0:
                count = minutes // size
                return f"rate({count} {unit[:-1] if count == 1 else unit})"
        return f"rate({minutes} minute{'s' if minutes != 1 else ''})"
    assert schedule.cron is not None
    minute, hour, day, month, weekday = schedule.cron.split()
    if weekday == "*":
        weekday = "?"
    elif day == "*":
        day = "?"
        weekday = _NUMBER.sub(lambda m: str(int(m.group()) % 7 + 1), weekday)
    else:
        raise ValueError("schedule: EventBridge cannot fire on both a day of the month and a day of the week")
    return f"cron({minute} {hour} {day} {month} {weekday} *)"
