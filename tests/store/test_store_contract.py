"""The Store contract, run against every implementation available here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from jobmatch.models import (
    Counts,
    Execution,
    ExecutionStatus,
    JobPosting,
    JobRef,
    NotifyStatus,
    PostingState,
    PostingStatus,
    Reported,
    SearchQuery,
    Watch,
    WatchRun,
)
from jobmatch.store import ListingOutcome, Store
from jobmatch.store.sql import SqlStore
from tests.conftest import postgres_reachable, require_service

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture(params=["sqlite", "postgresql", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    if request.param == "dynamodb":
        from tests.aws.moto_env import fake_credentials, mocked_aws

        fake_credentials(monkeypatch)
        with mocked_aws():
            from jobmatch.store.dynamo import DynamoStore

            dynamo = DynamoStore("contract", create=True)
            yield dynamo
            dynamo.close()
        return
    if request.param == "sqlite":
        instance = SqlStore(f"sqlite:///{tmp_path / 'store.sqlite'}")
    else:
        require_service("PostgreSQL", postgres_reachable())
        from jobmatch.testing.cluster import reset_database

        instance = SqlStore(reset_database(PG_SERVER, "jobmatch_contract_test"))
    yield instance
    instance.close()


def _ref(job_id: str) -> JobRef:
    return JobRef(
        source="linkedin",
        job_id=job_id,
        url=f"https://www.linkedin.com/jobs/view/{job_id}",
        title=f"Job {job_id}",
        posted_at=date(2026, 11, 20),
    )


def _execution(store: Store) -> Execution:
    execution = Execution(query=SearchQuery(query="Data Scientist", word_scores={"phd": 1.1}))
    store.create_execution(execution)
    return execution


def test_execution_round_trip(store: Store) -> None:
    execution = _execution(store)
    loaded = store.get_execution(execution.id)
    assert loaded is not None
    assert loaded.query == execution.query
    assert loaded.status is ExecutionStatus.RUNNING
    assert [e.id for e in store.running_executions()] == [execution.id]
    assert store.get_execution("missing") is None


def test_listings_are_linked_once_and_counted(store: Store) -> None:
    execution = _execution(store)
    assert store.add_listings(execution.id, [_ref("1"), _ref("2")]) == [_ref("1"), _ref("2")]
    assert store.add_listings(execution.id, [_ref("2"), _ref("3")]) == [_ref("3")]
    assert store.get_execution(execution.id).counts.listed == 3
    assert [ref.job_id for ref in store.unsettled_listings(execution.id)] == ["1", "2", "3"]


def test_pages_count_the_furthest_page_read_once(store: Store) -> None:
    execution = _execution(store)
    for number in (1, 2, 3, 1, 2):  # a dispatch that crashed after page 3 runs again from page 1
        store.record_page(execution.id, number)
    assert store.get_execution(execution.id).counts.pages == 3
    store.record_page("missing", 1)  # no execution: nothing written, nothing raised
    assert store.get_execution("missing") is None


def test_a_mark_is_counted_once_and_goes_with_its_execution(store: Store) -> None:
    execution = _execution(store)
    assert store.count_once(execution.id, "filtered#greenhouse:acme#1", filtered=3)
    assert not store.count_once(execution.id, "filtered#greenhouse:acme#1", filtered=3)  # the same page, again
    assert store.count_once(execution.id, "filtered#lever:globex#1", filtered=2, pages_failed=1)
    counts = store.get_execution(execution.id).counts
    assert (counts.filtered, counts.pages_failed) == (5, 1)
    assert not store.count_once("missing", "source failed#linkedin", sources_failed=1)
    assert store.count_once(execution.id, "noted") and not store.count_once(execution.id, "noted")  # no counter
    assert not store.count_once("missing", "noted")
    assert store.get_execution("missing") is None

    assert store.delete_execution(execution.id)
    store.create_execution(execution.model_copy(update={"counts": Counts()}))
    assert store.count_once(execution.id, "filtered#greenhouse:acme#1", filtered=4)  # its marks went with it
    assert store.get_execution(execution.id).counts.filtered == 4


def test_an_uncounted_mark_takes_back_its_counters_once(store: Store) -> None:
    execution = _execution(store)
    assert store.count_once(execution.id, "source failed#linkedin", sources_failed=1)
    assert store.count_once(execution.id, "page failed#lever:globex", pages_failed=1)
    assert store.uncount(execution.id, "source failed#linkedin", sources_failed=1)
    assert not store.uncount(execution.id, "source failed#linkedin", sources_failed=1)  # taken back already
    assert not store.uncount(execution.id, "page failed#linkedin", pages_failed=1)  # never counted
    counts = store.get_execution(execution.id).counts
    assert (counts.sources_failed, counts.pages_failed) == (0, 1)
    assert store.count_once(execution.id, "source failed#linkedin", sources_failed=1)  # the mark went too
    assert store.get_execution(execution.id).counts.sources_failed == 1
    assert store.count_once(execution.id, "noted") and store.uncount(execution.id, "noted")  # no counter
    assert not store.uncount("missing", "source failed#linkedin", sources_failed=1)


def test_settling_is_idempotent_and_counts_each_outcome_once(store: Store) -> None:
    execution = _execution(store)
    store.add_listings(execution.id, [_ref("1"), _ref("2"), _ref("3")])
    store.save_posting(JobPosting(**_ref("1").model_dump(), description="text"))
    assert store.settle_listing(execution.id, _ref("1"), ListingOutcome.FETCHED)
    assert not store.settle_listing(execution.id, _ref("1"), ListingOutcome.FETCHED)
    assert store.settle_listing(execution.id, _ref("2"), ListingOutcome.FAILED, "HTTP 503")
    counts = store.get_execution(execution.id).counts
    assert (counts.fetched, counts.failed, counts.cached) == (1, 1, 0)
    assert [(f.job_id, f.reason) for f in store.failures(execution.id)] == [("2", "HTTP 503")]
    assert [ref.job_id for ref in store.unsettled_listings(execution.id)] == ["3"]
    assert [p.job_id for p in store.execution_postings(execution.id)] == ["1"]


def test_posting_upsert_keeps_one_row(store: Store) -> None:
    posting = JobPosting(**_ref("7").model_dump(), description="first")
    store.save_posting(posting)
    store.save_posting(posting.model_copy(update={"description": "second", "closed": True}))
    loaded = store.get_posting("linkedin", "7")
    assert loaded is not None and loaded.description == "second" and loaded.closed
    assert loaded.posted_at == date(2026, 11, 20)
    assert loaded.fetched_at.tzinfo is not None


def test_finish_only_once(store: Store) -> None:
    execution = _execution(store)
    assert store.finish_execution(execution.id, ExecutionStatus.FAILED, "board unreachable")
    assert not store.finish_execution(execution.id, ExecutionStatus.SUCCEEDED)
    ended = store.get_execution(execution.id)
    assert ended.status is ExecutionStatus.FAILED and ended.error == "board unreachable" and ended.finished_at


def test_results_round_trip(store: Store) -> None:
    execution = _execution(store)
    assert store.get_results(execution.id) is None
    store.save_results(execution.id, {"matches": [{"job_id": "1"}], "notes": []})
    assert store.get_results(execution.id) == {"matches": [{"job_id": "1"}], "notes": []}


def test_embeddings_round_trip_by_model(store: Store) -> None:
    vector = np.arange(384, dtype=np.float32)
    store.save_embeddings("model-a", {"k1": vector})
    store.save_embeddings("model-a", {"k1": vector})  # saved twice: still one row, no error
    assert np.array_equal(store.load_embeddings("model-a", ["k1", "k2"])["k1"], vector)
    assert store.load_embeddings("model-b", ["k1"]) == {}


def test_a_runner_claims_only_what_no_live_runner_holds(store: Store) -> None:
    from datetime import timedelta

    from jobmatch.models import utcnow

    held = Execution(query=SearchQuery(query="Nurse"), runner="a", heartbeat_at=utcnow())
    store.create_execution(held)
    stale_before = utcnow() - timedelta(seconds=10)

    assert not store.claim_execution(held.id, "b", stale_before)  # a's heartbeat is fresh
    assert store.claim_execution(held.id, "a", stale_before)  # its own holder may always renew
    assert store.claim_execution(held.id, "b", utcnow() + timedelta(seconds=1))  # a fell silent
    assert store.get_execution(held.id).runner == "b"

    store.heartbeat("a", [held.id])  # a's late heartbeat no longer counts
    assert store.get_execution(held.id).runner == "b"
    assert store.release("b") == 1
    assert store.claim_execution(held.id, "c", stale_before)  # released: taken at once

    store.finish_execution(held.id, ExecutionStatus.SUCCEEDED)
    assert not store.claim_execution(held.id, "d", utcnow() + timedelta(seconds=1))  # ended: nobody's


def test_owner_and_resume_travel_with_the_execution_and_count_running_is_per_owner(store: Store) -> None:
    mine = Execution(query=SearchQuery(query="Nurse"), owner="key1", resume_id="r1")
    theirs = Execution(query=SearchQuery(query="Nurse"), owner="key2")
    done = Execution(query=SearchQuery(query="Nurse"), owner="key1")
    for execution in (mine, theirs, done):
        store.create_execution(execution)
    store.finish_execution(done.id, ExecutionStatus.SUCCEEDED)
    assert (store.get_execution(mine.id).owner, store.get_execution(mine.id).resume_id) == ("key1", "r1")
    assert store.count_running("key1") == 1 and store.count_running("key3") == 0


def test_a_listing_is_found_by_its_key(store: Store) -> None:
    execution = Execution(query=SearchQuery(query="Nurse"))
    store.create_execution(execution)
    store.add_listings(execution.id, [_ref("7")])
    assert store.get_listing(execution.id, "linkedin", "7") == _ref("7")
    assert store.get_listing(execution.id, "linkedin", "8") is None


# Watches


def _watch(owner: str = "key1", name: str = "Morning", **fields: object) -> Watch:
    values: dict[str, object] = dict(
        owner=owner,
        name=name,
        query=SearchQuery(query="Data Scientist", location="Chicago", word_scores={"phd": 1.1}),
        schedule="1d",
        min_score=0.3,
        notify=["json://127.0.0.1:9/hook"],
        next_run_at=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
        feed_token="secret-token",
    )
    values.update(fields)
    return Watch.model_validate(values)


def test_a_watch_name_is_unique_per_owner(store: Store) -> None:
    watch = _watch()
    assert store.create_watch(watch)
    assert not store.create_watch(_watch())  # same owner, same name
    assert store.create_watch(_watch(owner="key2"))  # another key may use the name
    loaded = store.get_watch(watch.id)
    assert loaded == watch
    assert store.watch_by_name("key1", "Morning") == watch
    assert [w.name for w in store.list_watches("key1")] == ["Morning"]
    other = _watch(name="Evening")
    assert store.create_watch(other)
    assert not store.update_watch(other.model_copy(update={"name": "Morning"}))
    assert store.update_watch(other.model_copy(update={"name": "Night", "min_score": 0.5}))
    assert store.watch_by_name("key1", "Night").min_score == 0.5
    assert store.watch_by_name("key1", "Evening") is None
    assert store.delete_watch(other.id) and not store.delete_watch(other.id)
    assert [w.name for w in store.list_watches("key1")] == ["Morning"]


def test_a_due_run_is_claimed_by_one_caller_only(store: Store) -> None:
    watch = _watch()
    store.create_watch(watch)
    due = watch.next_run_at
    assert store.due_watches(due - timedelta(seconds=1)) == []
    assert [w.id for w in store.due_watches(due)] == [watch.id]
    later = due + timedelta(days=1)
    assert store.claim_watch_run(watch.id, due, later)
    assert not store.claim_watch_run(watch.id, due, later)  # a second scheduler, same due time
    assert store.get_watch(watch.id).next_run_at == later
    assert store.due_watches(due + timedelta(hours=1)) == []


def test_a_run_is_reported_once_with_its_postings(store: Store) -> None:
    watch = _watch()
    store.create_watch(watch)
    run = WatchRun(watch_id=watch.id, execution_id="e1", due_at=watch.next_run_at)
    store.create_watch_run(run)
    assert [r.id for r in store.unreported_watch_runs()] == [run.id]
    reported = [Reported(watch_id=watch.id, source="linkedin", job_id=str(i), fingerprint=f"f{i}") for i in (1, 2)]
    done = run.model_copy(
        update={"new": ["linkedin:1", "linkedin:2"], "new_count": 2, "notify_status": NotifyStatus.PENDING}
    )
    assert store.report_watch_run(done, reported)
    late = [Reported(watch_id=watch.id, source="linkedin", job_id="3", fingerprint="f3")]
    assert not store.report_watch_run(done, late)  # a second finaliser loses, and records nothing
    assert sorted(r.job_id for r in store.reported_postings(watch.id)) == ["1", "2"]
    assert store.unreported_watch_runs() == []
    store.record_notification(watch.id, run.id, NotifyStatus.FAILED, "smtp down", 3)
    loaded = store.get_watch_run(watch.id, run.id)
    assert loaded is not None and loaded.reported and loaded.new_count == 2
    assert (loaded.notify_status, loaded.notify_error, loaded.notify_attempts) == (NotifyStatus.FAILED, "smtp down", 3)
    assert [r.id for r in store.list_watch_runs(watch.id)] == [run.id]
    assert store.delete_watch(watch.id)
    assert store.reported_postings(watch.id) == [] and store.list_watch_runs(watch.id) == []


def test_posting_status_is_one_per_key_and_posting(store: Store) -> None:
    store.set_posting_status(PostingStatus(api_key_id="key1", source="linkedin", job_id="1", status="saved"))
    store.set_posting_status(PostingStatus(api_key_id="key1", source="linkedin", job_id="1", status="applied"))
    store.set_posting_status(PostingStatus(api_key_id="key2", source="linkedin", job_id="1", status="dismissed"))
    assert [(s.job_id, s.status) for s in store.posting_statuses("key1")] == [("1", PostingState.APPLIED)]
    assert [s.status for s in store.posting_statuses("key2")] == [PostingState.DISMISSED]
    board = "greenhouse:" + "b" * 100  # a company board's name may be this long
    store.set_posting_status(PostingStatus(api_key_id="key2", source=board, job_id="7", status="saved"))
    assert (board, "7") in {(s.source, s.job_id) for s in store.posting_statuses("key2")}


def test_runs_left_pending_are_found(store: Store) -> None:
    watch = _watch()
    store.create_watch(watch)
    run = WatchRun(watch_id=watch.id, execution_id="e1", due_at=watch.next_run_at)
    store.create_watch_run(run)
    assert store.pending_notifications() == []
    store.report_watch_run(run.model_copy(update={"notify_status": NotifyStatus.PENDING, "new_count": 1}), [])
    assert [r.id for r in store.pending_notifications()] == [run.id]
    store.record_notification(watch.id, run.id, NotifyStatus.SENT, None, 1)
    assert store.pending_notifications() == []


def test_source_counts_tally_each_sources_listings_by_outcome(store: Store) -> None:
    from jobmatch.models import SourceCounts

    execution = _execution(store)
    board = "greenhouse:" + "a" * 100  # the longest board name a source takes fits the columns
    company = [JobRef(source=board, job_id=str(i), url=f"https://boards.greenhouse.io/a/jobs/{i}") for i in range(3)]
    store.add_listings(execution.id, [_ref("1"), _ref("2"), *company])
    store.settle_listing(execution.id, _ref("1"), ListingOutcome.CACHED)
    store.settle_listing(execution.id, company[0], ListingOutcome.FETCHED)
    store.settle_listing(execution.id, company[1], ListingOutcome.FAILED, "HTTP 500")
    assert store.source_counts(execution.id) == {
        "linkedin": SourceCounts(listed=2, cached=1),
        board: SourceCounts(listed=3, fetched=1, failed=1),
    }
    assert store.source_counts(_execution(store).id) == {}


def test_watchlists_are_per_key_and_add_each_board_once(store: Store) -> None:
    from datetime import timedelta

    from jobmatch.models import utcnow
    from jobmatch.store import WatchedBoard

    now = utcnow()
    first = WatchedBoard(api_key_id="k1", source="lever:globex", added_at=now)
    assert store.watch_board(first)
    assert not store.watch_board(first.model_copy(update={"added_at": now + timedelta(seconds=5)}))
    assert store.watch_board(WatchedBoard(api_key_id="k1", source="ashby:initech", added_at=now + timedelta(seconds=1)))
    assert store.watch_board(WatchedBoard(api_key_id="k2", source="lever:globex"))
    assert [board.source for board in store.watchlist("k1")] == ["lever:globex", "ashby:initech"]
    assert store.watchlist("k1")[0].added_at == now
    assert store.unwatch_board("k1", "lever:globex") and not store.unwatch_board("k1", "lever:globex")
    assert [board.source for board in store.watchlist("k1")] == ["ashby:initech"]
    assert [board.source for board in store.watchlist("k2")] == ["lever:globex"]
    assert store.watchlist("nobody") == []
