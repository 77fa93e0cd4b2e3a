"""The Store on DynamoDB, for the serverless deployment: conditional writes keep every stage idempotent.

Tables, all named `<prefix>-<name>` (deploy/aws/template.yaml creates them; `create_tables` does for tests):

- `postings`   pk = "<source>#<job_id>"; shared by every search.
- `executions` pk = execution id, sk = "exec" | "listing#<source>#<job_id>" | "mark#<mark>" (Store.count_once);
               TTL on `expires_at`.
- `embeddings` pk = model, sk = key.
- `accounts`   API keys (by id and by hash), resumes, watches (`watch#<id>` holds the watch, its runs and what it
               reported; `watches#<owner>` its name), and each key's marks on postings (`status#<key id>`).
"""

from __future__ import annotations

import json
import logging
import random
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import numpy as np
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from jobmatch._retry import RetryPolicy
from jobmatch.config import get_settings
from jobmatch.models import (
    Counts,
    Execution,
    ExecutionStatus,
    Failure,
    JobPosting,
    JobRef,
    NotifyStatus,
    PostingStatus,
    Reported,
    SearchQuery,
    SourceCounts,
    Watch,
    WatchRun,
    utcnow,
)
from jobmatch.store import ApiKey, ListingOutcome, Resume, WatchedBoard, tally_sources

log = logging.getLogger(__name__)

EXEC_SK = "exec"
LISTING_PREFIX = "listing#"
MARK_PREFIX = "mark#"
_KEY_SCHEMAS: dict[str, tuple[str, str | None]] = {
    "postings": ("pk", None),
    "executions": ("pk", "sk"),
    "embeddings": ("pk", "sk"),
    "accounts": ("pk", "sk"),
}


def create_tables(prefix: str, *, client: Any | None = None) -> None:
    """Create the store's tables (on-demand billing) if missing; the CloudFormation template does this in AWS."""
    client = client or boto3.client("dynamodb")
    existing = set(client.list_tables().get("TableNames", []))
    for name, (hash_key, range_key) in _KEY_SCHEMAS.items():
        table = f"{prefix}-{name}"
        if table in existing:
            continue
        keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        attrs = [{"AttributeName": hash_key, "AttributeType": "S"}]
        if range_key:
            keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
            attrs.append({"AttributeName": range_key, "AttributeType": "S"})
        client.create_table(TableName=table, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST")
        client.get_waiter("table_exists").wait(TableName=table)


class DynamoStore:
    """The Store protocol over four DynamoDB tables sharing a name prefix."""

    def __init__(
        self,
        prefix: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        ttl_days: float = 30.0,
        create: bool = False,
        transaction_retry: RetryPolicy | None = None,
    ):
        resource = boto3.resource("dynamodb", region_name=region, endpoint_url=endpoint_url)
        if create:
            create_tables(prefix, client=resource.meta.client)
        self._client = resource.meta.client
        self._prefix = prefix
        self._ttl_seconds = int(ttl_days * 86400)
        self._transaction_retry = transaction_retry or RetryPolicy.for_transactions(get_settings())
        self._rng = random.Random()
        self.postings = resource.Table(f"{prefix}-postings")
        self.executions = resource.Table(f"{prefix}-executions")
        self.embeddings = resource.Table(f"{prefix}-embeddings")
        self.accounts = resource.Table(f"{prefix}-accounts")

    @classmethod
    def from_url(cls, url: str, *, ttl_days: float = 30.0, **options: Any) -> DynamoStore:
        """`dynamodb://<prefix>?region=..&endpoint_url=..&create=1`; execution data expires after `ttl_days`."""
        parts = urlsplit(url)
        prefix = (parts.netloc + parts.path).strip("/")
        if not prefix:
            raise ValueError(f"expected dynamodb://<table-prefix>, got {url!r}")
        params = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        return cls(
            prefix,
            region=params.get("region"),
            endpoint_url=params.get("endpoint_url"),
            ttl_days=ttl_days,
            create=params.get("create", "0").lower() in {"1", "true", "yes"},
            **options,
        )

    def close(self) -> None:
        """Nothing to release: boto3 clients hold no open connections worth closing."""

    # Executions

    def create_execution(self, execution: Execution) -> None:
        item = {
            "pk": execution.id,
            "sk": EXEC_SK,
            "query": execution.query.model_dump_json(),
            "status": execution.status.value,
            "created_at": _iso(execution.created_at),
            "updated_at": _iso(execution.updated_at),
            "next_position": 0,
            "expires_at": self._expiry(),
            **execution.counts.model_dump(include=set(Counts.model_fields)),
        }
        for name in ("owner", "resume_id", "runner", "error"):
            if getattr(execution, name) is not None:
                item[name] = getattr(execution, name)
        if execution.heartbeat_at is not None:
            item["heartbeat_at"] = _iso(execution.heartbeat_at)
        if execution.finished_at is not None:
            item["finished_at"] = _iso(execution.finished_at)
        _conditional(lambda: self.executions.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)"))

    def get_execution(self, execution_id: str) -> Execution | None:
        item = self.executions.get_item(Key={"pk": execution_id, "sk": EXEC_SK}, ConsistentRead=True).get("Item")
        return _execution(item) if item else None

    def running_executions(self) -> list[Execution]:
        items = _scan(self.executions, Attr("sk").eq(EXEC_SK) & Attr("status").eq(ExecutionStatus.RUNNING.value))
        return sorted((_execution(item) for item in items), key=lambda e: e.created_at)

    def increment(self, execution_id: str, **deltas: int) -> None:
        update = _increment_update(execution_id, deltas)
        if update is not None:
            self.executions.update_item(**update)

    def count_once(self, execution_id: str, mark: str, **deltas: int) -> bool:
        item = {"pk": execution_id, "sk": f"{MARK_PREFIX}{mark}", "expires_at": self._expiry()}
        put = {"TableName": self.executions.name, "Item": item, "ConditionExpression": "attribute_not_exists(sk)"}
        exists = {"ConditionExpression": "attribute_exists(pk)"}
        if not any(deltas.values()):
            check = {"TableName": self.executions.name, "Key": {"pk": execution_id, "sk": EXEC_SK}, **exists}
            return self._transact([{"Put": put}, {"ConditionCheck": check}])
        # One transaction: the mark and the counters change together, and only for an execution that exists.
        return self._transact([{"Put": put}, {"Update": {**self._counter_update(execution_id, deltas), **exists}}])

    def uncount(self, execution_id: str, mark: str, **deltas: int) -> bool:
        key = {"pk": execution_id, "sk": f"{MARK_PREFIX}{mark}"}
        remove = {"TableName": self.executions.name, "Key": key, "ConditionExpression": "attribute_exists(sk)"}
        taken = {name: -delta for name, delta in deltas.items() if delta}
        if not taken:
            return self._transact([{"Delete": remove}])
        exists = {"ConditionExpression": "attribute_exists(pk)"}
        return self._transact([{"Delete": remove}, {"Update": {**self._counter_update(execution_id, taken), **exists}}])

    def record_page(self, execution_id: str, number: int) -> None:
        _conditional(
            lambda: self.executions.update_item(
                Key={"pk": execution_id, "sk": EXEC_SK},
                UpdateExpression="SET pages = :n, updated_at = :now",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(pages) OR pages < :n)",
                ExpressionAttributeValues={":n": number, ":now": _iso(utcnow())},
            )
        )

    def finish_execution(self, execution_id: str, status: ExecutionStatus, error: str | None = None) -> bool:
        now = _iso(utcnow())
        names = {"#s": "status", "#e": "error"}
        values = {":s": status.value, ":now": now, ":running": ExecutionStatus.RUNNING.value, ":e": error}
        return _conditional(
            lambda: self.executions.update_item(
                Key={"pk": execution_id, "sk": EXEC_SK},
                UpdateExpression="SET #s = :s, #e = :e, updated_at = :now, finished_at = :now",
                ConditionExpression="attribute_exists(pk) AND #s = :running",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )

    def claim_execution(self, execution_id: str, runner: str, stale_before: datetime) -> bool:
        return _conditional(
            lambda: self.executions.update_item(
                Key={"pk": execution_id, "sk": EXEC_SK},
                UpdateExpression="SET runner = :me, heartbeat_at = :now",
                ConditionExpression="attribute_exists(pk) AND #s = :running AND (attribute_not_exists(runner)"
                " OR runner = :me OR attribute_not_exists(heartbeat_at) OR heartbeat_at < :stale)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":me": runner,
                    ":now": _iso(utcnow()),
                    ":running": ExecutionStatus.RUNNING.value,
                    ":stale": _iso(stale_before),
                },
            )
        )

    def heartbeat(self, runner: str, execution_ids: Sequence[str]) -> None:
        for execution_id in execution_ids:
            _conditional(
                lambda execution_id=execution_id: self.executions.update_item(
                    Key={"pk": execution_id, "sk": EXEC_SK},
                    UpdateExpression="SET heartbeat_at = :now",
                    ConditionExpression="runner = :me AND #s = :running",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={
                        ":me": runner,
                        ":now": _iso(utcnow()),
                        ":running": ExecutionStatus.RUNNING.value,
                    },
                )
            )

    def release(self, runner: str) -> int:
        held = [e.id for e in self.running_executions() if e.runner == runner]
        for execution_id in held:
            self.executions.update_item(Key={"pk": execution_id, "sk": EXEC_SK}, UpdateExpression="REMOVE heartbeat_at")
        return len(held)

    def save_results(self, execution_id: str, results: Mapping[str, Any]) -> None:
        # Compressed: an item is capped at 400 KB and a thousand matches' JSON would not fit.
        blob = zlib.compress(json.dumps(dict(results)).encode("utf-8"))
        self.executions.update_item(
            Key={"pk": execution_id, "sk": EXEC_SK},
            UpdateExpression="SET results = :r, updated_at = :now",
            ExpressionAttributeValues={":r": blob, ":now": _iso(utcnow())},
        )

    def get_results(self, execution_id: str) -> dict[str, Any] | None:
        item = self.executions.get_item(
            Key={"pk": execution_id, "sk": EXEC_SK}, ProjectionExpression="results", ConsistentRead=True
        ).get("Item")
        if not item or "results" not in item:
            return None
        return json.loads(zlib.decompress(bytes(item["results"].value)))

    # Listings

    def add_listings(self, execution_id: str, refs: Sequence[JobRef]) -> list[JobRef]:
        if not refs:
            return []
        # Reserve positions atomically so listing order survives concurrent dispatchers; gaps are harmless.
        reserved = self.executions.update_item(
            Key={"pk": execution_id, "sk": EXEC_SK},
            UpdateExpression="ADD next_position :n",
            ExpressionAttributeValues={":n": len(refs)},
            ReturnValues="UPDATED_NEW",
        )
        base = int(reserved["Attributes"]["next_position"]) - len(refs)
        added: list[JobRef] = []
        for offset, ref in enumerate(refs):
            item = {
                "pk": execution_id,
                "sk": _listing_sk(ref.source, ref.job_id),
                "position": base + offset,
                "card": ref.model_dump_json(),
                "state": ListingOutcome.LISTED.value,
                "expires_at": self._expiry(),
            }
            counter = self._counter_update(execution_id, {"listed": 1})
            put = {"TableName": self.executions.name, "Item": item, "ConditionExpression": "attribute_not_exists(sk)"}
            if self._transact([{"Put": put}, {"Update": counter}]):
                added.append(ref)
        return added

    def settle_listing(
        self, execution_id: str, ref: JobRef, outcome: ListingOutcome, reason: str | None = None
    ) -> bool:
        update = {
            "TableName": self.executions.name,
            "Key": {"pk": execution_id, "sk": _listing_sk(ref.source, ref.job_id)},
            "UpdateExpression": "SET #st = :o, reason = :r",
            "ConditionExpression": "#st = :listed",
            "ExpressionAttributeNames": {"#st": "state"},
            "ExpressionAttributeValues": {
                ":o": outcome.value,
                ":r": reason,
                ":listed": ListingOutcome.LISTED.value,
            },
        }
        counter = self._counter_update(execution_id, {outcome.counter: 1})
        # One transaction: the listing's state and the execution's counter change together or not at all.
        return self._transact([{"Update": update}, {"Update": counter}])

    def failures(self, execution_id: str) -> list[Failure]:
        return [
            Failure(source=ref.source, job_id=ref.job_id, reason=item.get("reason") or "")
            for ref, item in self._listings(execution_id)
            if item["state"] == ListingOutcome.FAILED
        ]

    def source_counts(self, execution_id: str) -> dict[str, SourceCounts]:
        tally: dict[tuple[str, str], int] = {}
        for ref, item in self._listings(execution_id):
            tally[ref.source, item["state"]] = tally.get((ref.source, item["state"]), 0) + 1
        return tally_sources((source, state, number) for (source, state), number in tally.items())

    def unsettled_listings(self, execution_id: str) -> list[JobRef]:
        return [ref for ref, item in self._listings(execution_id) if item["state"] == ListingOutcome.LISTED]

    def get_listing(self, execution_id: str, source: str, job_id: str) -> JobRef | None:
        """One card this execution listed (the Scraper Lambda gets only the posting's id through Step Functions)."""
        item = self.executions.get_item(
            Key={"pk": execution_id, "sk": _listing_sk(source, job_id)}, ConsistentRead=True
        ).get("Item")
        return JobRef.model_validate_json(item["card"]) if item else None

    # Postings

    def get_posting(self, source: str, job_id: str) -> JobPosting | None:
        item = self.postings.get_item(Key={"pk": _posting_pk(source, job_id)}, ConsistentRead=True).get("Item")
        return JobPosting.model_validate_json(item["data"]) if item else None

    def save_posting(self, posting: JobPosting) -> None:
        # A plain put is an upsert: one item per posting however often it is saved.
        self.postings.put_item(
            Item={"pk": _posting_pk(posting.source, posting.job_id), "data": posting.model_dump_json()}
        )

    def execution_postings(self, execution_id: str) -> list[JobPosting]:
        kept = [
            ref
            for ref, item in self._listings(execution_id)
            if item["state"] in (ListingOutcome.FETCHED, ListingOutcome.CACHED)
        ]
        stored: dict[str, JobPosting] = {}
        pks = [_posting_pk(ref.source, ref.job_id) for ref in kept]
        for item in self._batch_get(self.postings.name, [{"pk": pk} for pk in dict.fromkeys(pks)]):
            stored[item["pk"]] = JobPosting.model_validate_json(item["data"])
        result = []
        for ref, pk in zip(kept, pks, strict=True):
            posting = stored.get(pk)
            if posting is None:
                continue
            # The card's date is the listing's; a page read by another search may have lacked it.
            if posting.posted_at is None and ref.posted_at is not None:
                posting = posting.model_copy(update={"posted_at": ref.posted_at})
            result.append(posting)
        return result

    # Embeddings

    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        wanted = [{"pk": model, "sk": key} for key in dict.fromkeys(keys)]
        return {
            item["sk"]: np.frombuffer(bytes(item["vector"].value), dtype=np.float32)
            for item in self._batch_get(self.embeddings.name, wanted)
        }

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        with self.embeddings.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for key, vector in vectors.items():
                batch.put_item(Item={"pk": model, "sk": key, "vector": np.asarray(vector, np.float32).tobytes()})

    # API keys, resumes

    def create_api_key(self, key: ApiKey, key_hash: str) -> None:
        self._transact(
            [
                {
                    "Put": {
                        "TableName": self.accounts.name,
                        "Item": {"pk": f"key#{key.id}", "sk": "key", "data": key.model_dump_json()},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self.accounts.name,
                        "Item": {"pk": f"hash#{key_hash}", "sk": "hash", "key_id": key.id},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ],
            raise_on_conflict=True,
        )

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        item = self.accounts.get_item(Key={"pk": f"hash#{key_hash}", "sk": "hash"}, ConsistentRead=True).get("Item")
        if not item:
            return None
        key = self.accounts.get_item(Key={"pk": f"key#{item['key_id']}", "sk": "key"}, ConsistentRead=True).get("Item")
        return ApiKey.model_validate_json(key["data"]) if key else None

    def list_api_keys(self) -> list[ApiKey]:
        keys = [ApiKey.model_validate_json(item["data"]) for item in _scan(self.accounts, Attr("sk").eq("key"))]
        return sorted(keys, key=lambda k: k.created_at)

    def save_resume(self, resume: Resume) -> None:
        # Stored under its key (to list a key's resumes newest first) and by id (to find one).
        data = resume.model_dump_json()
        for item in (
            {"pk": f"resumes#{resume.api_key_id}", "sk": f"{_iso(resume.created_at)}#{resume.id}", "data": data},
            {"pk": f"resume#{resume.id}", "sk": "resume", "data": data},
        ):
            _conditional(
                lambda item=item: self.accounts.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
            )

    def get_resume(self, resume_id: str) -> Resume | None:
        item = self.accounts.get_item(Key={"pk": f"resume#{resume_id}", "sk": "resume"}, ConsistentRead=True).get(
            "Item"
        )
        return Resume.model_validate_json(item["data"]) if item else None

    def latest_resume(self, api_key_id: str) -> Resume | None:
        resumes = self._resumes(api_key_id, limit=1)
        return resumes[0] if resumes else None

    def list_resumes(self, api_key_id: str) -> list[Resume]:
        return self._resumes(api_key_id)

    def owned_executions(self, owner: str) -> list[str]:
        return [item["pk"] for item in _scan(self.executions, Attr("sk").eq(EXEC_SK) & Attr("owner").eq(owner))]

    def delete_execution(self, execution_id: str) -> bool:
        items = _query(self.executions, Key("pk").eq(execution_id))
        with self.executions.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        return any(item["sk"] == EXEC_SK for item in items)

    def delete_resume(self, resume_id: str) -> bool:
        resume = self.get_resume(resume_id)
        if resume is None:
            return False
        self.accounts.delete_item(
            Key={"pk": f"resumes#{resume.api_key_id}", "sk": f"{_iso(resume.created_at)}#{resume.id}"}
        )
        self.accounts.delete_item(Key={"pk": f"resume#{resume_id}", "sk": "resume"})
        return True

    def delete_api_key(self, key_id: str) -> bool:
        hashes = _scan(self.accounts, Attr("sk").eq("hash") & Attr("key_id").eq(key_id))
        for item in hashes:
            self.accounts.delete_item(Key={"pk": item["pk"], "sk": "hash"})
        return _conditional(
            lambda: self.accounts.delete_item(
                Key={"pk": f"key#{key_id}", "sk": "key"}, ConditionExpression="attribute_exists(pk)"
            )
        )

    def count_running(self, owner: str) -> int:
        condition = Attr("sk").eq(EXEC_SK) & Attr("owner").eq(owner)
        return sum(1 for item in _scan(self.executions, condition) if item["status"] == ExecutionStatus.RUNNING.value)

    # Watches

    def create_watch(self, watch: Watch) -> bool:
        return self._transact(
            [
                {"Put": {**self._watch_put(watch), "ConditionExpression": "attribute_not_exists(pk)"}},
                {
                    "Put": {
                        "TableName": self.accounts.name,
                        "Item": {"pk": f"watches#{watch.owner}", "sk": watch.name, "watch_id": watch.id},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    def get_watch(self, watch_id: str) -> Watch | None:
        item = self.accounts.get_item(Key={"pk": f"watch#{watch_id}", "sk": "watch"}, ConsistentRead=True).get("Item")
        return _watch(item) if item else None

    def watch_by_name(self, owner: str, name: str) -> Watch | None:
        item = self.accounts.get_item(Key={"pk": f"watches#{owner}", "sk": name}, ConsistentRead=True).get("Item")
        return self.get_watch(item["watch_id"]) if item else None

    def list_watches(self, owner: str) -> list[Watch]:
        names = _query(self.accounts, Key("pk").eq(f"watches#{owner}"))
        found = (self.get_watch(item["watch_id"]) for item in names)
        return [watch for watch in found if watch is not None]

    def update_watch(self, watch: Watch) -> bool:
        current = self.get_watch(watch.id)
        if current is None:
            return True
        writes: list[dict[str, Any]] = [{"Put": self._watch_put(watch)}]
        if current.name != watch.name:
            writes += [
                {
                    "Delete": {
                        "TableName": self.accounts.name,
                        "Key": {"pk": f"watches#{watch.owner}", "sk": current.name},
                    }
                },
                {
                    "Put": {
                        "TableName": self.accounts.name,
                        "Item": {"pk": f"watches#{watch.owner}", "sk": watch.name, "watch_id": watch.id},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        return self._transact(writes)

    def delete_watch(self, watch_id: str) -> bool:
        watch = self.get_watch(watch_id)
        if watch is None:
            return False
        self.accounts.delete_item(Key={"pk": f"watches#{watch.owner}", "sk": watch.name})
        with self.accounts.batch_writer() as batch:
            for item in _query(self.accounts, Key("pk").eq(f"watch#{watch_id}")):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        return True

    def due_watches(self, now: datetime) -> list[Watch]:
        # A scan: watches are few (a handful per key) and the sweep runs every minute or so.
        items = _scan(self.accounts, Attr("sk").eq("watch") & Attr("next_run_at").lte(_iso(now)))
        return sorted((_watch(item) for item in items), key=lambda watch: watch.next_run_at)

    def claim_watch_run(self, watch_id: str, due_at: datetime, next_run_at: datetime) -> bool:
        return _conditional(
            lambda: self.accounts.update_item(
                Key={"pk": f"watch#{watch_id}", "sk": "watch"},
                UpdateExpression="SET next_run_at = :next",
                ConditionExpression="next_run_at = :due",
                ExpressionAttributeValues={":next": _iso(next_run_at), ":due": _iso(due_at)},
            )
        )

    def create_watch_run(self, run: WatchRun) -> None:
        _conditional(
            lambda: self.accounts.put_item(
                Item={
                    "pk": f"watch#{run.watch_id}",
                    "sk": f"run#{run.id}",
                    "data": run.model_dump_json(),
                    "reported": run.reported,
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    def get_watch_run(self, watch_id: str, run_id: str) -> WatchRun | None:
        item = self.accounts.get_item(Key={"pk": f"watch#{watch_id}", "sk": f"run#{run_id}"}, ConsistentRead=True).get(
            "Item"
        )
        return WatchRun.model_validate_json(item["data"]) if item else None

    def list_watch_runs(self, watch_id: str, limit: int = 20) -> list[WatchRun]:
        items = _query(self.accounts, Key("pk").eq(f"watch#{watch_id}") & Key("sk").begins_with("run#"))
        runs = sorted((WatchRun.model_validate_json(item["data"]) for item in items), key=lambda run: run.started_at)
        return runs[::-1][:limit]

    def unreported_watch_runs(self) -> list[WatchRun]:
        items = _scan(self.accounts, Attr("sk").begins_with("run#") & Attr("reported").eq(False))
        return sorted((WatchRun.model_validate_json(item["data"]) for item in items), key=lambda run: run.started_at)

    def report_watch_run(self, run: WatchRun, reported: Sequence[Reported]) -> bool:
        done = run.model_copy(update={"reported": True, "reported_at": run.reported_at or utcnow()})
        claimed = _conditional(
            lambda: self.accounts.update_item(
                Key={"pk": f"watch#{run.watch_id}", "sk": f"run#{run.id}"},
                UpdateExpression="SET #r = :true, #d = :data",
                ConditionExpression="#r = :false",
                ExpressionAttributeNames={"#r": "reported", "#d": "data"},
                ExpressionAttributeValues={":true": True, ":false": False, ":data": done.model_dump_json()},
            )
        )
        # DynamoDB has no transaction of this size: the run is claimed first, so only its winner records postings.
        if claimed:
            with self.accounts.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
                for item in reported:
                    batch.put_item(
                        Item={
                            "pk": f"watch#{item.watch_id}",
                            "sk": f"reported#{item.source}#{item.job_id}",
                            "data": item.model_dump_json(),
                        }
                    )
        return claimed

    def pending_notifications(self) -> list[WatchRun]:
        items = _scan(self.accounts, Attr("sk").begins_with("run#") & Attr("reported").eq(True))
        runs = (WatchRun.model_validate_json(item["data"]) for item in items)
        return [run for run in runs if run.notify_status is NotifyStatus.PENDING]

    def record_notification(
        self, watch_id: str, run_id: str, status: NotifyStatus, error: str | None, attempts: int
    ) -> None:
        run = self.get_watch_run(watch_id, run_id)
        if run is None:
            return
        updated = run.model_copy(update={"notify_status": status, "notify_error": error, "notify_attempts": attempts})
        self.accounts.update_item(
            Key={"pk": f"watch#{watch_id}", "sk": f"run#{run_id}"},
            UpdateExpression="SET #d = :data",
            ExpressionAttributeNames={"#d": "data"},
            ExpressionAttributeValues={":data": updated.model_dump_json()},
        )

    def reported_postings(self, watch_id: str) -> list[Reported]:
        items = _query(self.accounts, Key("pk").eq(f"watch#{watch_id}") & Key("sk").begins_with("reported#"))
        return [Reported.model_validate_json(item["data"]) for item in items]

    def set_posting_status(self, status: PostingStatus) -> None:
        self.accounts.put_item(
            Item={
                "pk": f"status#{status.api_key_id}",
                "sk": f"{status.source}#{status.job_id}",
                "data": status.model_dump_json(),
            }
        )

    def posting_statuses(self, api_key_id: str) -> list[PostingStatus]:
        items = _query(self.accounts, Key("pk").eq(f"status#{api_key_id}"))
        return [PostingStatus.model_validate_json(item["data"]) for item in items]

    def _watch_put(self, watch: Watch) -> dict[str, Any]:
        item = {
            "pk": f"watch#{watch.id}",
            "sk": "watch",
            "data": watch.model_dump_json(),
            "next_run_at": _iso(watch.next_run_at),
        }
        return {"TableName": self.accounts.name, "Item": item}

    # Watchlists: pk "watchlist#<key id>", sk the source name

    def watchlist(self, api_key_id: str) -> list[WatchedBoard]:
        items = _query(self.accounts, Key("pk").eq(f"watchlist#{api_key_id}"))
        boards = [
            WatchedBoard(api_key_id=api_key_id, source=item["sk"], added_at=_parse(item["added_at"])) for item in items
        ]
        return sorted(boards, key=lambda board: (board.added_at, board.source))

    def watch_board(self, board: WatchedBoard) -> bool:
        item = {"pk": f"watchlist#{board.api_key_id}", "sk": board.source, "added_at": _iso(board.added_at)}
        return _conditional(lambda: self.accounts.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)"))

    def unwatch_board(self, api_key_id: str, source: str) -> bool:
        return _conditional(
            lambda: self.accounts.delete_item(
                Key={"pk": f"watchlist#{api_key_id}", "sk": source}, ConditionExpression="attribute_exists(pk)"
            )
        )

    # Helpers

    def _counter_update(self, execution_id: str, deltas: Mapping[str, int]) -> dict[str, Any]:
        update = _increment_update(execution_id, deltas)
        assert update is not None  # callers pass a non-zero delta
        return {"TableName": self.executions.name, **update}

    def _expiry(self) -> int:
        return int(time.time()) + self._ttl_seconds

    def _listings(self, execution_id: str) -> list[tuple[JobRef, dict[str, Any]]]:
        items = _query(self.executions, Key("pk").eq(execution_id) & Key("sk").begins_with(LISTING_PREFIX))
        ordered = sorted(items, key=lambda item: int(item["position"]))
        return [(JobRef.model_validate_json(item["card"]), item) for item in ordered]

    def _resumes(self, api_key_id: str, limit: int | None = None) -> list[Resume]:
        kwargs: dict[str, Any] = {"ScanIndexForward": False}
        if limit is not None:
            kwargs["Limit"] = limit
        items = _query(self.accounts, Key("pk").eq(f"resumes#{api_key_id}"), limit=limit, **kwargs)
        return [Resume.model_validate_json(item["data"]) for item in items]

    def _batch_get(self, table: str, keys: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        resource_client = self.executions.meta.client
        for start in range(0, len(keys), 100):  # BatchGetItem takes at most 100 keys
            request: dict[str, Any] = {table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
            while request:
                answer = resource_client.batch_get_item(RequestItems=request)
                yield from answer["Responses"].get(table, [])
                request = answer.get("UnprocessedKeys") or {}

    def _transact(self, items: list[dict[str, Any]], *, raise_on_conflict: bool = False) -> bool:
        """Write `items` in one transaction; False when a condition failed (unless `raise_on_conflict`).

        A transaction cancelled because another held one of its items is written again after a jittered wait:
        concurrent scraper Lambdas all bump the same execution's counters.
        """
        attempt = 0
        while True:
            try:
                # The resource's client takes plain Python values (it serialises them), like the Table methods.
                self._client.transact_write_items(TransactItems=items)
                return True
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                codes = {reason.get("Code") for reason in exc.response.get("CancellationReasons") or []}
                if "ConditionalCheckFailed" in codes and not raise_on_conflict:
                    return False
                if "TransactionConflict" not in codes or attempt >= self._transaction_retry.attempts - 1:
                    raise
            attempt += 1
            wait = self._transaction_retry.delay(attempt, self._rng)
            log.info("DynamoDB transaction met another on the same item; retry %d in %.2f s", attempt, wait)
            time.sleep(wait)


def _conditional(write: Any) -> bool:
    """Run a conditional write; False when its condition failed (the write had already been made)."""
    try:
        write()
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


def _increment_update(execution_id: str, deltas: Mapping[str, int]) -> dict[str, Any] | None:
    deltas = {name: delta for name, delta in deltas.items() if delta}
    if not deltas:
        return None
    unknown = set(deltas) - set(Counts.model_fields)
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    names = {f"#c{i}": name for i, name in enumerate(deltas)}
    adds = ", ".join(f"#c{i} :c{i}" for i in range(len(deltas)))
    values: dict[str, Any] = {f":c{i}": delta for i, delta in enumerate(deltas.values())}
    values[":now"] = _iso(utcnow())
    return {
        "Key": {"pk": execution_id, "sk": EXEC_SK},
        "UpdateExpression": f"ADD {adds} SET updated_at = :now",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _scan(table: Any, condition: Any) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"FilterExpression": condition, "ConsistentRead": True}
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _query(table: Any, condition: Any, *, limit: int | None = None, **extra: Any) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True, **extra}
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page or (limit is not None and len(items) >= limit):
            return items[:limit] if limit is not None else items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _listing_sk(source: str, job_id: str) -> str:
    return f"{LISTING_PREFIX}{source}#{job_id}"


def _posting_pk(source: str, job_id: str) -> str:
    return f"{source}#{job_id}"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _execution(item: Mapping[str, Any]) -> Execution:
    return Execution(
        id=item["pk"],
        query=SearchQuery.model_validate_json(item["query"]),
        status=ExecutionStatus(item["status"]),
        owner=item.get("owner"),
        resume_id=item.get("resume_id"),
        runner=item.get("runner"),
        heartbeat_at=_parse(item["heartbeat_at"]) if item.get("heartbeat_at") else None,
        counts=Counts(**{name: int(item.get(name, 0)) for name in Counts.model_fields}),
        error=item.get("error"),
        created_at=_parse(item["created_at"]),
        updated_at=_parse(item["updated_at"]),
        finished_at=_parse(item["finished_at"]) if item.get("finished_at") else None,
    )


def _watch(item: Mapping[str, Any]) -> Watch:
    # next_run_at lives outside `data` too: claims compare-and-set it alone.
    watch = Watch.model_validate_json(item["data"])
    return watch.model_copy(update={"next_run_at": _parse(item["next_run_at"])})
