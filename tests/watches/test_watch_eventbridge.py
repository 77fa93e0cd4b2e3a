"""AWS: a watch on the Step Functions engine gets an EventBridge Scheduler schedule (moto), kept in step with the
watch and removed with it; a schedule that fires twice still starts one run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobmatch.models import Execution
from jobmatch.store.sql import SqlStore
from jobmatch.watches import EventBridgeSchedules, Watches, WatchPatch, WatchSpec
from jobmatch.watches._eventbridge import schedule_name
from tests.aws.moto_env import fake_credentials, mocked_aws
from tests.conftest import make_settings

STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:jobmatch"
ROLE = "arn:aws:iam::123456789012:role/jobmatch-scheduler"


class SubmitOnly:
    """Stands in for the Step Functions runner: stores the execution it is asked to start."""

    def __init__(self, store: SqlStore):
        self.store = store
        self.started: list[str] = []

    def submit(self, execution: Execution) -> Execution:
        self.store.create_execution(execution)
        self.started.append(execution.id)
        return execution

    def refresh(self, execution: Execution) -> Execution:
        return execution


def test_a_schedule_per_watch_follows_it_and_fires_once(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    fake_credentials(monkeypatch)
    settings = make_settings(
        home, engine="stepfunctions", aws_state_machine_arn=STATE_MACHINE, aws_scheduler_role_arn=ROLE
    )
    store = SqlStore(settings.database_url)
    with mocked_aws():
        client = boto3.client("scheduler")
        runner = SubmitOnly(store)
        watches = Watches(settings, store, runner, hook=EventBridgeSchedules(settings, client))
        start = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
        watch = watches.create(
            "key1", WatchSpec(name="Mornings", search={"query": "Nurse"}, schedule="0 7 * * 1-5"), now=start
        )
        schedule = client.get_schedule(Name=schedule_name(watch.id), GroupName="default")
        assert schedule["ScheduleExpression"] == "cron(0 7 ? * 2-6 *)"
        assert schedule["Target"]["Arn"] == STATE_MACHINE and schedule["Target"]["RoleArn"] == ROLE
        assert watch.id in schedule["Target"]["Input"]

        watches.update("key1", watch.id, WatchPatch(schedule="12h"), now=start)
        assert client.get_schedule(Name=schedule_name(watch.id))["ScheduleExpression"] == "rate(12 hours)"

        # EventBridge delivers at least once: the same due time handed over twice starts one search.
        due = store.get_watch(watch.id).next_run_at
        event = {"watch_id": watch.id, "scheduled_time": due.isoformat().replace("+00:00", "Z")}
        assert watches.start_scheduled_event(event) is not None
        assert watches.start_scheduled_event(event) is None
        assert watches.start_scheduled(watch.id, due + timedelta(seconds=5)) is None
        assert len(runner.started) == 1

        watches.delete("key1", watch.id)
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_schedule(Name=schedule_name(watch.id))
    store.close()
