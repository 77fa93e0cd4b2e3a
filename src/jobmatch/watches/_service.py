"""Watches: made and changed with their rules checked, claimed once per due time, run as ordinary searches, and
reported (what is new, told through apprise) once their search has ended.

Every scheduler (`jobmatch serve`'s background sweep, `jobmatch watch run --due` from system cron, Celery beat,
EventBridge Scheduler) calls the same `sweep` / `start_scheduled`; the store's compare-and-set on `next_run_at` makes
each due time run once however many of them race.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from jobmatch.config import Settings
from jobmatch.models import (
    Execution,
    ExecutionStatus,
    NotifyStatus,
    PostingState,
    PostingStatus,
    SearchQuery,
    Watch,
    WatchRun,
    utcnow,
)
from jobmatch.pipeline import Runner, load_report
from jobmatch.store import LOCAL_OWNER, Store
from jobmatch.watches._errors import WatchConflict, WatchError, WatchNotFound
from jobmatch.watches._eventbridge import ScheduleHook, make_hook
from jobmatch.watches._feed import atom
from jobmatch.watches._news import News, PostingKey, WatchMatch, shown_run, work_out
from jobmatch.watches._notify import Delivery, check_notify_urls, deliver, message
from jobmatch.watches._schedule import Schedule, parse_schedule

log = logging.getLogger(__name__)
# A run whose search the store has never seen this long after the run was recorded was lost between the two writes
# (the process died); its search is submitted again.
_LOST_AFTER = timedelta(minutes=2)
# Longer than any delivery takes with its retries: a notification PENDING this long lost its sender.
_STRANDED_AFTER = timedelta(minutes=10)


class WatchSpec(BaseModel):
    """A new watch: its search, when it runs, what counts as news and whom to tell."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    search: SearchQuery
    resume_id: str | None = Field(None, description="One of this key's resumes; None: rank against the query.")
    schedule: str = Field(
        min_length=2, max_length=100, description="An interval (12h, 1d, 1w) or a five-field cron expression, in UTC."
    )
    min_score: float = Field(0.0, ge=0)
    notify: list[Annotated[str, Field(min_length=3, max_length=2000)]] = Field(
        default_factory=list, max_length=10, description="Apprise URLs."
    )


class WatchPatch(BaseModel):
    """Changes to a watch: the fields given replace the watch's; `rotate_feed_token` revokes its feed URL."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    search: SearchQuery | None = None
    resume_id: str | None = None
    schedule: str | None = Field(None, min_length=2, max_length=100)
    min_score: float | None = Field(None, ge=0)
    notify: list[Annotated[str, Field(min_length=3, max_length=2000)]] | None = Field(None, max_length=10)
    rotate_feed_token: bool = False


class RunView(BaseModel):
    """A watch run as shown: its search's status and, once reported, its matches (new first)."""

    run: WatchRun
    status: ExecutionStatus | None = Field(None, description="Its search's status (None: not started yet).")
    error: str | None = None
    matches: list[WatchMatch] | None = Field(None, description="Set once the run is reported.")


@dataclass
class Sweep:
    """What one sweep did."""

    started: list[WatchRun] = field(default_factory=list)
    reported: list[WatchRun] = field(default_factory=list)


class Watches:
    """Watches of every owner; each method taking an owner acts only on that owner's watches."""

    def __init__(self, settings: Settings, store: Store, runner: Runner, *, hook: ScheduleHook | None = None):
        self.settings = settings
        self._store = store
        self.runner = runner
        self._hook = hook if hook is not None else make_hook(settings)

    # Making and changing

    def create(self, owner: str, spec: WatchSpec, *, now: datetime | None = None) -> Watch:
        now = now or utcnow()
        schedule = self._schedule(spec.schedule)
        self._check_resume(owner, spec.resume_id)
        limit = self.settings.watch_max_per_key
        if len(self._store.list_watches(owner)) >= limit:
            raise WatchConflict(f"name: this key already has {limit} watches, the most allowed; remove one first")
        watch = Watch(
            owner=owner,
            name=spec.name,
            query=spec.search,
            resume_id=spec.resume_id,
            schedule=schedule.text,
            min_score=spec.min_score,
            notify=check_notify_urls(spec.notify, private_hosts=self.settings.watch_notify_private_hosts),
            next_run_at=schedule.first_run(now),
            feed_token=_token(),
        )
        if not self._store.create_watch(watch):
            raise WatchConflict(f"name: this key already has a watch named {watch.name!r}")
        if self._hook is not None:
            self._hook.put(watch, schedule)
        return watch

    def update(self, owner: str, watch_id: str, patch: WatchPatch, *, now: datetime | None = None) -> Watch:
        watch = self.get(owner, watch_id)
        changes: dict[str, object] = {"updated_at": now or utcnow()}
        schedule = self._schedule(patch.schedule if patch.schedule is not None else watch.schedule)
        if patch.schedule is not None and schedule.text != watch.schedule:
            changes |= {"schedule": schedule.text, "next_run_at": schedule.first_run(now or utcnow())}
        if patch.name is not None:
            changes["name"] = patch.name
        if patch.search is not None:
            changes["query"] = patch.search
        if "resume_id" in patch.model_fields_set:
            self._check_resume(owner, patch.resume_id)
            changes["resume_id"] = patch.resume_id
        if patch.min_score is not None:
            changes["min_score"] = patch.min_score
        if patch.notify is not None:
            changes["notify"] = check_notify_urls(patch.notify, private_hosts=self.settings.watch_notify_private_hosts)
        if patch.rotate_feed_token:
            changes["feed_token"] = _token()
        updated = Watch.model_validate({**watch.model_dump(), **changes})
        if not self._store.update_watch(updated):
            raise WatchConflict(f"name: this key already has a watch named {updated.name!r}")
        if self._hook is not None and "schedule" in changes:
            self._hook.put(updated, schedule)
        return updated

    def delete(self, owner: str, watch_id: str) -> None:
        watch = self.get(owner, watch_id)
        self._store.delete_watch(watch.id)
        if self._hook is not None:
            self._hook.remove(watch.id)

    def get(self, owner: str, watch_id: str) -> Watch:
        watch = self._store.get_watch(watch_id) if watch_id else None
        if watch is None or watch.owner != owner:
            raise WatchNotFound(f"no watch {watch_id!r} for this API key")
        return watch

    def by_name(self, owner: str, name: str) -> Watch:
        watch = self._store.watch_by_name(owner, " ".join(name.split()))
        if watch is None:
            raise WatchNotFound(f"no watch named {name!r}")
        return watch

    def list_watches(self, owner: str) -> list[Watch]:
        return self._store.list_watches(owner)

    # Running

    def run_now(self, owner: str, watch_id: str) -> WatchRun:
        """Run a watch at once, outside its schedule (which stays as it was)."""
        watch = self.get(owner, watch_id)
        return self._start(watch, utcnow())

    def sweep(self, now: datetime | None = None) -> Sweep:
        """Report the runs whose search has ended, then start every due watch whose due time this call claims."""
        now = now or utcnow()
        done = Sweep(reported=self.report_ended())
        self.resend_stranded(now)
        for watch in self._store.due_watches(now):
            run = self._claim_and_start(watch, now)
            if run is not None:
                done.started.append(run)
        return done

    def start_scheduled(self, watch_id: str, now: datetime | None = None) -> WatchRun | None:
        """An outside scheduler (EventBridge) says `watch_id` is due: run it if its due time is here and unclaimed."""
        now = now or utcnow()
        self.report_ended()
        watch = self._store.get_watch(watch_id)
        # A schedule firing a little early still finds its due time; one firing again finds it claimed.
        if watch is None or watch.next_run_at > now + timedelta(minutes=1):
            return None
        return self._claim_and_start(watch, max(now, watch.next_run_at))

    def start_scheduled_event(self, event: Mapping[str, Any]) -> WatchRun | None:
        """`start_scheduled` for the input an EventBridge schedule sends: `{"watch_id", "scheduled_time"}`."""
        watch_id = event.get("watch_id")
        if not isinstance(watch_id, str):
            raise WatchError(f"watch_id: expected the watch's id in the scheduled event, got {watch_id!r}")
        when = event.get("scheduled_time")
        try:
            now = datetime.fromisoformat(str(when).replace("Z", "+00:00")) if when else None
        except ValueError:
            raise WatchError(f"scheduled_time: expected an ISO 8601 time, got {when!r}") from None
        return self.start_scheduled(watch_id, now)

    def report_ended(self, watch_id: str | None = None) -> list[WatchRun]:
        """Report every unreported run (of one watch, or all) whose search has ended; returns them."""
        reported = []
        for run in self._store.unreported_watch_runs():
            if watch_id is not None and run.watch_id != watch_id:
                continue
            done = self.report(run)
            if done is not None:
                reported.append(done)
        return reported

    def resend_stranded(self, now: datetime | None = None) -> int:
        """Send the notifications of runs reported long ago whose sender died before settling them; how many.

        The store has no lease on a notification, so one left PENDING this long is taken for stranded; should its
        sender still be alive, the message goes out twice, which beats never."""
        now = now or utcnow()
        resent = 0
        for run in self._store.pending_notifications():
            watch = self._store.get_watch(run.watch_id)
            if watch is None or run.reported_at is None or now - run.reported_at < _STRANDED_AFTER:
                continue
            view = self._view(watch, run)
            new = [match for match in view.matches or [] if match.new]
            delivery = self._notify(watch, run, new)
            self._store.record_notification(watch.id, run.id, delivery.status, delivery.error, delivery.attempts)
            resent += 1
        return resent

    def report(self, run: WatchRun) -> WatchRun | None:
        """Work out a run's news once its search has ended, record it, then notify; None while it runs (or when
        another process reported it first)."""
        watch = self._store.get_watch(run.watch_id)
        execution = self._store.get_execution(run.execution_id)
        if watch is None:
            return None
        if execution is None:
            if utcnow() - run.started_at > _LOST_AFTER:
                self._submit(watch, run)
            return None
        execution = self.runner.refresh(execution)
        if not execution.status.finished:
            return None
        now = utcnow()
        news = self._news(watch, run, now) if execution.status is ExecutionStatus.SUCCEEDED else News()
        new = news.new
        channels = bool(new and watch.notify)
        done = run.model_copy(
            update={
                "reported": True,
                "new_count": len(new),
                "new": [f"{m.source}:{m.job_id}" for m in new],
                "notify_status": NotifyStatus.PENDING if channels else NotifyStatus.NONE,
                "reported_at": now,
            }
        )
        if not self._store.report_watch_run(done, news.reported):
            return None
        if channels:
            delivery = self._notify(watch, done, new)
            self._store.record_notification(watch.id, run.id, delivery.status, delivery.error, delivery.attempts)
            done = done.model_copy(
                update={
                    "notify_status": delivery.status,
                    "notify_error": delivery.error,
                    "notify_attempts": delivery.attempts,
                }
            )
        log.info("watch %s run %s: %d new", watch.id, run.id, len(new))
        return done

    # Reading

    def runs(self, owner: str, watch_id: str, limit: int = 20) -> list[RunView]:
        watch = self.get(owner, watch_id)
        self.report_ended(watch.id)
        return [self._view(watch, run) for run in self._store.list_watch_runs(watch.id, limit)]

    def run_view(self, owner: str, watch_id: str, run_id: str) -> RunView:
        watch = self.get(owner, watch_id)
        run = self._store.get_watch_run(watch.id, run_id)
        if run is None:
            raise WatchNotFound(f"no run {run_id!r} of watch {watch_id!r}")
        if not run.reported:
            run = self.report(run) or self._store.get_watch_run(watch.id, run_id) or run
        return self._view(watch, run)

    def run_report_html(self, watch_id: str, run_id: str, token: str) -> str:
        """A run's full report (its matches new first, badged with their marks), for the holder of the feed token:
        the link a notification carries, which a mail reader opens without an API key."""
        watch = self._by_token(watch_id, token)
        run = self._store.get_watch_run(watch.id, run_id)
        report = load_report(self._store, run.execution_id) if run is not None else None
        if run is None or report is None:
            raise WatchNotFound(f"no run {run_id!r} of watch {watch_id!r}")
        view = self._view(watch, run)
        from jobmatch.report import render_html

        return render_html(report.model_copy(update={"matches": view.matches or []}))

    def feed(self, watch_id: str, token: str) -> bytes:
        """The watch's Atom feed, for the holder of its current feed token."""
        watch = self._by_token(watch_id, token)
        self.report_ended(watch.id)
        entries = []
        for run in self._store.list_watch_runs(watch.id, 20):
            if not run.reported or not run.new or run.reported_at is None:
                continue
            view = self._view(watch, run)
            entries.append((run.reported_at, self.run_report_url(watch, run), [m for m in view.matches or [] if m.new]))
        return atom(watch, entries, f"{self.public_url}/v1/watches/{watch.id}/feed.atom?token={watch.feed_token}")

    def _by_token(self, watch_id: str, token: str) -> Watch:
        watch = self._store.get_watch(watch_id) if watch_id else None
        if watch is None or not hmac.compare_digest(watch.feed_token.encode(), token.encode()):
            raise WatchNotFound(f"no watch {watch_id!r} with this token")
        return watch

    # Marks on postings

    def mark(self, owner: str, source: str, job_id: str, status: PostingState) -> PostingStatus:
        mark = PostingStatus(api_key_id=owner, source=source, job_id=job_id, status=status)
        self._store.set_posting_status(mark)
        return mark

    def marks(self, owner: str) -> dict[PostingKey, PostingState]:
        return {(mark.source, mark.job_id): mark.status for mark in self._store.posting_statuses(owner)}

    # Links

    @property
    def public_url(self) -> str:
        return (self.settings.watch_public_url or self.settings.api_url).rstrip("/")

    def run_report_url(self, watch: Watch, run: WatchRun) -> str:
        """The run's report, readable with the watch's feed token (rotating the token revokes it too)."""
        return f"{self.public_url}/v1/watches/{watch.id}/runs/{run.id}/report.html?token={watch.feed_token}"

    # Helpers

    def _schedule(self, text: str) -> Schedule:
        try:
            return parse_schedule(text, self.settings.watch_min_interval)
        except ValueError as exc:
            raise WatchError(str(exc)) from None

    def _check_resume(self, owner: str, resume_id: str | None) -> None:
        if resume_id is None:
            return
        resume = self._store.get_resume(resume_id)
        if resume is None or resume.api_key_id != owner:
            raise WatchNotFound(f"resume_id: no resume {resume_id!r} for this API key")

    def _claim_and_start(self, watch: Watch, now: datetime) -> WatchRun | None:
        due = watch.next_run_at
        following = self._schedule(watch.schedule).next_after(due, now)
        if not self._store.claim_watch_run(watch.id, due, following):
            return None  # another scheduler has this due time
        return self._start(watch, due)

    def _start(self, watch: Watch, due: datetime) -> WatchRun:
        # The run is recorded before its search is submitted: a crash in between leaves a run `report` resubmits.
        run = WatchRun(watch_id=watch.id, execution_id=Execution(query=watch.query).id, due_at=due)
        self._store.create_watch_run(run)
        self._submit(watch, run)
        return run

    def _submit(self, watch: Watch, run: WatchRun) -> None:
        owner = None if watch.owner == LOCAL_OWNER else watch.owner
        execution = Execution(id=run.execution_id, query=watch.query, owner=owner, resume_id=watch.resume_id)
        self.runner.submit(execution)

    def _news(self, watch: Watch, run: WatchRun, now: datetime) -> News:
        report = load_report(self._store, run.execution_id)
        assert report is not None

        def text_of(key: PostingKey) -> str | None:
            posting = self._store.get_posting(*key)
            return posting.description if posting is not None else None

        return work_out(
            watch,
            report,
            self._store.reported_postings(watch.id),
            self.marks(watch.owner),
            text_of,
            now=now,
            repost_window=timedelta(days=self.settings.watch_repost_window_days),
            similarity=self.settings.dedup_similarity,
        )

    def _notify(self, watch: Watch, run: WatchRun, new: list[WatchMatch]) -> Delivery:
        title, body = message(watch, new, self.run_report_url(watch, run))
        return deliver(
            watch.notify,
            title,
            body,
            attempts=self.settings.watch_notify_attempts,
            delay=self.settings.watch_notify_retry_delay,
        )

    def _view(self, watch: Watch, run: WatchRun) -> RunView:
        execution = self._store.get_execution(run.execution_id)
        if execution is None:
            return RunView(run=run)
        matches = None
        if run.reported:
            report = load_report(self._store, run.execution_id)
            matches = (
                shown_run(
                    report,
                    run.new,
                    self._store.reported_postings(watch.id),
                    self.marks(watch.owner),
                    run.reported_at,
                )
                if report is not None
                else []
            )
        return RunView(run=run, status=execution.status, error=execution.error, matches=matches)


def _token() -> str:
    return secrets.token_urlsafe(24)
