"""Saved searches on a schedule ("watches") that tell the job seeker what is new.

Public surface: `Watches` (the service every scheduler, the API and the CLI call), its request types `WatchSpec`
and `WatchPatch`, `RunView`, `WatchMatch`, the errors, `parse_schedule`, and `EventBridgeSchedules` for AWS.
"""

from jobmatch.watches._errors import WatchConflict, WatchError, WatchNotFound
from jobmatch.watches._eventbridge import EventBridgeSchedules, ScheduleHook, make_hook
from jobmatch.watches._news import WatchMatch, fingerprint
from jobmatch.watches._notify import NotifyUrlError, check_notify_urls
from jobmatch.watches._schedule import Schedule, ScheduleError, parse_schedule
from jobmatch.watches._service import (
    RunView,
    Sweep,
    Watches,
    WatchPatch,
    WatchSpec,
)

__all__ = [
    "EventBridgeSchedules",
    "NotifyUrlError",
    "RunView",
    "Schedule",
    "ScheduleError",
    "ScheduleHook",
    "Sweep",
    "WatchConflict",
    "WatchError",
    "WatchMatch",
    "WatchNotFound",
    "WatchPatch",
    "WatchSpec",
    "Watches",
    "check_notify_urls",
    "fingerprint",
    "make_hook",
    "parse_schedule",
]
