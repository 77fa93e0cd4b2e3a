"""Schedules: an interval (`90m`, `12h`, `1d`, `1w`) or a five-field cron expression, always in UTC."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_INTERVAL = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Cron fire times compared to find its shortest gap: a year of a daily schedule, every hour-pair of an hourly one.
_CRON_SAMPLES = 400


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message names the field and the rule."""


@dataclass(frozen=True)
class Schedule:
    """When a watch runs: `every` seconds apart, or at the times `cron` names."""

    text: str
    every: float | None = None
    cron: str | None = None

    def first_run(self, now: datetime) -> datetime:
        """When a new watch first runs: at once for an interval, at the next fire time for a cron expression."""
        return now if self.every is not None else self.next_after(now)

    def next_after(self, due: datetime, now: datetime | None = None) -> datetime:
        """The next due time after `due` that is later than `now` too: runs missed while nothing was running are
        skipped, so a scheduler that comes back runs a watch once, not once per missed time."""
        now = max(now or due, due)
        if self.every is not None:
            steps = max(1, math.floor((now - due).total_seconds() / self.every) + 1)
            return due + timedelta(seconds=self.every * steps)
        from croniter import croniter

        assert self.cron is not None
        return croniter(self.cron, now).get_next(datetime)


def parse_schedule(text: str, min_interval: float, *, field: str = "schedule") -> Schedule:
    """An interval or a cron expression, refused (naming `field`) when invalid or more often than `min_interval`."""
    text = " ".join(text.split())
    interval = _INTERVAL.match(text.lower())
    if interval:
        seconds = float(interval.group(1)) * _UNIT_SECONDS[interval.group(2)]
        if seconds < min_interval:
            raise ScheduleError(
                f"{field}: {text!r} is more often than the minimum interval of {_describe(min_interval)}"
            )
        return Schedule(text=text, every=seconds)
    from croniter import croniter

    if len(text.split()) != 5 or not croniter.is_valid(text):
        raise ScheduleError(
            f"{field}: {text!r} is neither an interval (e.g. 12h, 1d) nor a five-field cron expression"
            " (e.g. '0 7 * * *')"
        )
    times = croniter(text, datetime(2026, 1, 1)).all_next(datetime)
    previous = next(times)
    shortest = math.inf
    for _ in range(_CRON_SAMPLES):
        current = next(times)
        shortest = min(shortest, (current - previous).total_seconds())
        previous = current
    if shortest < min_interval:
        raise ScheduleError(
            f"{field}: {text!r} fires {_describe(shortest)} apart at times, more often than the minimum interval"
            f" of {_describe(min_interval)}"
        )
    return Schedule(text=text, cron=text)


def _describe(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
