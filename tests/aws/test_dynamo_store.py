"""DynamoDB-only behaviour of the store: execution data expires, and the HTTP service's records round-trip."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from jobmatch._retry import RetryPolicy
from jobmatch.models import Execution, ExecutionStatus, JobRef, SearchQuery, utcnow
from jobmatch.store import ApiKey, ListingOutcome, Resume
from jobmatch.store.dynamo import DynamoStore
from tests.aws.moto_env import fake_credentials, mocked_aws


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoStore]:
    fake_credentials(monkeypatch)
    with mocked_aws():
        yield DynamoStore.from_url("dynamodb://unit?create=1", ttl_days=2)


def test_execution_items_expire_after_the_ttl(store: DynamoStore) -> None:
    execution = Execution(query=SearchQuery(query="Nurse"))
    store.create_execution(execution)
    store.add_listings(execution.id, [JobRef(source="linkedin", job_id="1", url="https://x/1")])
    items = store.executions.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": execution.id})
    expiries = [int(item["expires_at"]) for item in items["Items"]]
    assert len(expiries) == 2
    assert all(abs(expiry - (time.time() + 2 * 86400)) < 60 for expiry in expiries)


def test_api_keys_resumes_and_owners(store: DynamoStore) -> None:
    key = ApiKey(name="laptop", prefix="jm_abc")
    store.create_api_key(key, "hash-1")
    assert store.api_key_by_hash("hash-1") == key and store.api_key_by_hash("hash-2") is None
    with pytest.raises(ClientError):
        store.create_api_key(ApiKey(name="other"), "hash-1")  # a hash names one key
    assert [k.id for k in store.list_api_keys()] == [key.id]

    older = Resume(api_key_id=key.id, filename="a.pdf", size=10, text="a", created_at=utcnow() - timedelta(days=1))
    newer = Resume(api_key_id=key.id, filename="b.pdf", size=20, text="b")
    store.save_resume(older)
    store.save_resume(newer)
    store.save_resume(newer)  # idempotent
    assert store.get_resume(older.id) == older
    assert store.latest_resume(key.id) == newer
    assert [r.id for r in store.list_resumes(key.id)] == [newer.id, older.id]
    assert store.latest_resume("someone-else") is None

    running, ended = (Execution(query=SearchQuery(query=q), owner=key.id, resume_id=newer.id) for q in ("a", "b"))
    for execution in (running, ended):
        store.create_execution(execution)
    store.finish_execution(ended.id, ExecutionStatus.SUCCEEDED)
    stored = store.get_execution(running.id)
    assert stored is not None and (stored.owner, stored.resume_id) == (key.id, newer.id)
    assert store.count_running(key.id) == 1 and store.count_running("someone-else") == 0


def conflicts(times: int, real: Any) -> Any:
    """transact_write_items as DynamoDB answers it while another transaction holds one of the items."""
    calls = {"n": 0}

    def transact_write_items(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= times:
            response = {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
            }
            raise ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]
        return real(**kwargs)

    return transact_write_items


def test_a_settle_that_meets_another_transaction_is_written_again(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    execution = Execution(query=SearchQuery(query="Nurse"))
    store.create_execution(execution)
    refs = [JobRef(source="linkedin", job_id=str(n), url=f"https://x/{n}") for n in (1, 2)]
    store.add_listings(execution.id, refs)
    monkeypatch.setattr(store, "_transaction_retry", RetryPolicy(attempts=9, interval=0.001))
    monkeypatch.setattr(store._client, "transact_write_items", conflicts(2, store._client.transact_write_items))

    assert store.settle_listing(execution.id, refs[0], ListingOutcome.CACHED)
    stored = store.get_execution(execution.id)
    assert stored is not None and stored.counts.cached == 1 and store.unsettled_listings(execution.id) == [refs[1]]
    # Settled once, it is not settled again: a failed condition is an answer, not a conflict to retry.
    assert not store.settle_listing(execution.id, refs[0], ListingOutcome.FAILED, "late")


def test_a_transaction_that_keeps_meeting_others_fails_loudly(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    execution = Execution(query=SearchQuery(query="Nurse"))
    store.create_execution(execution)
    ref = JobRef(source="linkedin", job_id="1", url="https://x/1")
    store.add_listings(execution.id, [ref])
    monkeypatch.setattr(store, "_transaction_retry", RetryPolicy(attempts=9, interval=0.001))
    monkeypatch.setattr(store._client, "transact_write_items", conflicts(100, store._client.transact_write_items))

    with pytest.raises(ClientError, match="TransactionCanceled"):
        store.settle_listing(execution.id, ref, ListingOutcome.CACHED)
    assert store.unsettled_listings(execution.id) == [ref]
