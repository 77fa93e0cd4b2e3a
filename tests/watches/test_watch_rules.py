"""A watch's rules (bad input named), and each due time run exactly once: across restarts and racing schedulers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, NotifyStatus, SearchQuery, Watch, WatchRun
from jobmatch.pipeline import end_search
from jobmatch.store import Resume, Store
from jobmatch.store.sql import SqlStore
from jobmatch.watches import WatchConflict, WatchError, Watches, WatchNotFound, WatchPatch, WatchSpec
from jobmatch.watches._eventbridge import expression
from jobmatch.watches._schedule import parse_schedule
from tests.conftest import make_settings, postgres_reachable
from tests.watches.receivers import webhook_server

START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


class InstantRunner:
    """A runner whose searches end at once with no matches: what these tests count is submissions."""

    def __init__(self, store: Store):
        self.store = store
        self.submitted: list[str] = []
        self._lock = threading.Lock()

    def submit(self, execution: Execution) -> Execution:
        with self._lock:
            self.submitted.append(execution.id)
        self.store.create_execution(execution)
        end_search(self.store, execution.id, ExecutionStatus.SUCCEEDED)
        return execution

    def refresh(self, execution: Execution) -> Execution:
        return execution


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, home: Path) -> Iterator[Store]:
    if request.param == "postgresql":
        if not postgres_reachable():
            pytest.skip("PostgreSQL is not reachable")
        from jobmatch.testing.cluster import reset_database

        url = reset_database("postgresql+psycopg://postgres@127.0.0.1:5432", "jobmatch_watch_test")
    else:
        url = f"sqlite:///{home / 'watch.sqlite'}"
    instance = SqlStore(url)
    yield instance
    instance.close()


@pytest.fixture
def settings(home: Path) -> Settings:
    return make_settings(home, watch_notify_retry_delay=0.0, watch_max_per_key=3)


def spec(**fields: object) -> WatchSpec:
    values: dict[str, object] = {"name": "Morning", "search": {"query": "Nurse"}, "schedule": "1d"}
    values.update(fields)
    return WatchSpec.model_validate(values)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule": "*/5 * * * *"}, "schedule: '*/5 * * * *' fires 5m apart"),
        ({"schedule": "30m"}, "schedule: '30m' is more often than the minimum interval of 1h"),
        ({"schedule": "every day"}, "schedule: 'every day' is neither an interval"),
        ({"schedule": "0 7 * *"}, "neither an interval"),
        ({"notify": ["nosuchscheme://x"]}, "notify[0]: apprise cannot use 'nosuchscheme://x'"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    settings: Settings, store: Store, fields: dict[str, object], message: str
) -> None:
    watches = Watches(settings, store, InstantRunner(store))
    with pytest.raises(WatchError, match=message.replace("*", r"\*").replace("[", r"\[").replace("]", r"\]")):
        watches.create("key1", spec(**fields))
    assert watches.list_watches("key1") == []


def test_names_resumes_and_the_per_key_limit(settings: Settings, store: Store) -> None:
    watches = Watches(settings, store, InstantRunner(store))
    store.save_resume(Resume(id="r-other", api_key_id="key2", filename="cv.txt", size=3, text="cv"))
    with pytest.raises(WatchNotFound, match="resume_id: no resume 'r-other'"):
        watches.create("key1", spec(resume_id="r-other"))
    watches.create("key1", spec())
    with pytest.raises(WatchConflict, match="name: this key already has a watch named 'Morning'"):
        watches.create("key1", spec())
    watches.create("key1", spec(name="Noon"))
    watches.create("key1", spec(name="Evening"))
    with pytest.raises(WatchConflict, match="3 watches, the most allowed"):
        watches.create("key1", spec(name="Night"))
    watches.create("key2", spec())  # the limit and the names are per key
    with pytest.raises(WatchNotFound):
        watches.get("key2", watches.by_name("key1", "Noon").id)  # another key's watch is not there


def make_watch(settings: Settings, store: Store, runner: InstantRunner, schedule: str = "1d") -> Watch:
    watch = Watches(settings, store, runner).create("key1", spec(schedule=schedule), now=START)
    assert watch.next_run_at == START  # an interval watch runs first at once
    return watch


def test_a_restart_neither_skips_nor_repeats_a_due_run(settings: Settings, store: Store) -> None:
    runner = InstantRunner(store)
    watch = make_watch(settings, store, runner)
    assert len(Watches(settings, store, runner).sweep(START).started) == 1
    assert Watches(settings, store, runner).sweep(START + timedelta(hours=1)).started == []

    # The server was down for three days: on its return the watch runs once, then not again until its next time.
    back = START + timedelta(days=3, hours=2)
    restarted = Watches(settings, store, runner)
    assert len(restarted.sweep(back).started) == 1
    assert restarted.sweep(back).started == []
    assert store.get_watch(watch.id).next_run_at == START + timedelta(days=4)
    assert len(runner.submitted) == 2
    assert len(store.list_watch_runs(watch.id)) == 2


def test_racing_schedulers_run_each_due_time_once(settings: Settings, store: Store) -> None:
    runner = InstantRunner(store)
    watch = make_watch(settings, store, runner)
    started: list[WatchRun] = []
    lock = threading.Lock()

    def scheduler(now: datetime) -> Callable[[], None]:
        def sweep() -> None:
            # Each scheduler its own service, as two API processes or several Celery beats would be.
            runs = Watches(settings, store, runner).sweep(now).started
            with lock:
                started.extend(runs)

        return sweep

    for day in range(3):
        now = START + timedelta(days=day, minutes=1)
        threads = [threading.Thread(target=scheduler(now)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(run.due_at for run in started) == [START + timedelta(days=day) for day in range(3)]
    assert len(runner.submitted) == 3
    Watches(settings, store, runner).sweep(START + timedelta(days=2, minutes=2))
    assert all(run.reported for run in store.list_watch_runs(watch.id))


def test_a_run_lost_between_claim_and_submit_is_submitted_again(settings: Settings, store: Store) -> None:
    runner = InstantRunner(store)
    watch = make_watch(settings, store, runner)
    # A process claimed the due time and recorded the run, then died before submitting its search.
    lost = WatchRun(
        watch_id=watch.id, execution_id="lost1", due_at=START, started_at=datetime.now(UTC) - timedelta(minutes=5)
    )
    store.create_watch_run(lost)
    watches = Watches(settings, store, runner)
    assert watches.report_ended() == []
    assert runner.submitted == ["lost1"]
    (reported,) = watches.report_ended()
    assert reported.id == lost.id and reported.new_count == 0


def test_a_channel_that_is_down_is_retried_and_recorded_and_the_run_kept(settings: Settings, store: Store) -> None:
    runner = InstantRunner(store)
    watches = Watches(settings, store, runner)
    with webhook_server() as hook:
        hook.fail = True
        watch = watches.create("key1", spec(notify=[hook.url]), now=START)
        run = watches.run_now("key1", watch.id)
        # The search found something new: the postings are reported even though the channel stays down.
        store.save_results(run.execution_id, {"matches": [_match("1", 0.9)], "notes": []})
        (reported,) = watches.report_ended()
    assert hook.attempts == settings.watch_notify_attempts
    assert reported.notify_status is NotifyStatus.FAILED and reported.notify_attempts == settings.watch_notify_attempts
    assert f"json://127.0.0.1:{hook.port}" in reported.notify_error
    stored = store.get_watch_run(watch.id, run.id)
    assert stored.notify_status is NotifyStatus.FAILED and stored.new == ["linkedin:1"]
    assert [m.job_id for m in watches.run_view("key1", watch.id, run.id).matches if m.new] == ["1"]


def test_the_feed_needs_its_token_and_rotating_it_revokes_the_old_url(settings: Settings, store: Store) -> None:
    runner = InstantRunner(store)
    watches = Watches(settings, store, runner)
    watch = watches.create("key1", spec(), now=START)
    run = watches.run_now("key1", watch.id)
    store.save_results(run.execution_id, {"matches": [_match("1", 0.9, title="Nurse <b>ICU</b>")], "notes": []})
    watches.report_ended()
    feed = watches.feed(watch.id, watch.feed_token).decode()
    assert "Nurse &lt;b&gt;ICU&lt;/b&gt; at Mercy" in feed and "<b>" not in feed
    rotated = watches.update("key1", watch.id, WatchPatch(rotate_feed_token=True))
    with pytest.raises(WatchNotFound):
        watches.feed(watch.id, watch.feed_token)
    assert watches.feed(watch.id, rotated.feed_token)


def test_schedules_in_eventbridge_syntax() -> None:
    assert expression(parse_schedule("1d", 3600)) == "rate(1 day)"
    assert expression(parse_schedule("12h", 3600)) == "rate(12 hours)"
    assert expression(parse_schedule("90m", 3600)) == "rate(90 minutes)"
    assert expression(parse_schedule("0 7 * * *", 3600)) == "cron(0 7 * * ? *)"
    assert expression(parse_schedule("30 6 * * 1-5", 3600)) == "cron(30 6 ? * 2-6 *)"


def _match(job_id: str, score: float, title: str = "ICU Nurse") -> dict[str, object]:
    return {
        "rank": 1,
        "source": "linkedin",
        "job_id": job_id,
        "url": f"https://www.linkedin.com/jobs/view/{job_id}",
        "title": title,
        "company": "Mercy",
        "location": "Chicago, IL",
        "score": score,
        "raw_score": score,
    }


def test_query_is_kept_as_given(settings: Settings, store: Store) -> None:
    watches = Watches(settings, store, InstantRunner(store))
    query = SearchQuery(query="Data Scientist", location="Chicago", pages=2, word_scores={"phd": 1.2}, top_n=10)
    watch = watches.create("key1", spec(search=query.model_dump()))
    assert store.get_watch(watch.id).query == query


def test_a_notification_whose_sender_died_is_sent_by_a_later_sweep(settings: Settings, store: Store) -> None:
    runner = InstantRunner(store)
    watches = Watches(settings, store, runner)
    with webhook_server() as hook:
        watch = watches.create("key1", spec(notify=[hook.url]), now=START)
        run = watches.run_now("key1", watch.id)
        store.save_results(run.execution_id, {"matches": [_match("7", 0.8)], "notes": []})
        # The process that reported the run died before it sent anything: the run is left PENDING.
        stranded = run.model_copy(
            update={"new": ["linkedin:7"], "new_count": 1, "notify_status": NotifyStatus.PENDING, "reported_at": START}
        )
        assert store.report_watch_run(stranded, [])
        assert watches.resend_stranded(START + timedelta(minutes=1)) == 0  # maybe still sending: wait
        assert watches.resend_stranded(START + timedelta(hours=1)) == 1
        assert watches.resend_stranded(START + timedelta(hours=2)) == 0
    assert len(hook.bodies) == 1 and "ICU Nurse" in hook.bodies[0]["message"]
    assert store.get_watch_run(watch.id, run.id).notify_status is NotifyStatus.SENT


def test_a_repost_is_not_new_and_keeps_the_originals_mark() -> None:
    from jobmatch.models import PostingState, Reported, SearchReport
    from jobmatch.watches._news import fingerprint, work_out

    text = " ".join(f"Care for patients in the intensive care unit, shift {i} of the rota." for i in range(40))
    texts = {
        ("linkedin", "1"): text,
        ("linkedin", "2"): text.replace("rota.", "rota!", 1),  # the same posting, listed again under a new id
        ("linkedin", "3"): "Night shifts in a burns unit, " * 30,  # same company and title, another job
    }
    watch = Watch(
        owner="key1", name="w", query=SearchQuery(query="Nurse"), schedule="1d", min_score=0.5,
        next_run_at=START, feed_token="t",
    )  # fmt: skip
    reported = [
        Reported(watch_id=watch.id, source="linkedin", job_id="1", fingerprint=fingerprint("Mercy", "ICU Nurse"))
    ]
    report = SearchReport.model_validate({"matches": [_match("2", 0.9), _match("3", 0.8), _match("4", 0.4)]})

    def news(marks: dict) -> dict[str, tuple[bool, object, object]]:
        found = work_out(
            watch, report, reported, marks, texts.get,
            now=START, repost_window=timedelta(days=60), similarity=0.8,
        )  # fmt: skip
        return {m.job_id: (m.new, m.repost_of, m.status) for m in found.matches}

    assert news({}) == {"3": (True, None, None), "2": (False, "linkedin:1", None)}  # 4 is under min_score
    applied = news({("linkedin", "1"): PostingState.APPLIED})
    assert applied["2"] == (False, "linkedin:1", PostingState.APPLIED)
    assert applied["3"] == (True, None, None)  # same company and title, another job: no badge
    assert "2" not in news({("linkedin", "1"): PostingState.DISMISSED})  # a dismissed posting's repost stays hidden
