"""The Store contract, run against every implementation available here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from jobmatch.models import Execution, ExecutionStatus, JobPosting, JobRef, SearchQuery
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
