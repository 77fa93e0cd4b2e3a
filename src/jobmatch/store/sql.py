"""The Store on SQLAlchemy 2: SQLite by default, PostgreSQL for the scaled-out deployment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Engine, RowMapping, make_url

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

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert

metadata = MetaData()
# A source name: "linkedin", or a prefix and a board of up to 100 characters ("greenhouse:<board_token>").
SOURCE_NAME_LENGTH = 128
# A count_once mark: a short kind, a source's name and a page number.
MARK_LENGTH = SOURCE_NAME_LENGTH + 64

postings = Table(
    "postings",
    metadata,
    Column("source", String(SOURCE_NAME_LENGTH), primary_key=True),
    Column("job_id", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("company", Text, nullable=False, default=""),
    Column("location", Text, nullable=False, default=""),
    Column("posted_at", Date),
    Column("description", Text, nullable=False, default=""),
    Column("seniority", Text),
    Column("employment_type", Text),
    Column("job_function", Text),
    Column("industries", Text),
    Column("apply_url", Text),
    Column("department", Text),
    Column("workplace_type", String(16)),
    Column("salary_min", Float),
    Column("salary_max", Float),
    Column("salary_currency", String(8)),
    Column("salary_interval", String(16)),
    Column("closed", Boolean, nullable=False, default=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

executions = Table(
    "executions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("query", JSON, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("owner", String(32), index=True),
    Column("resume_id", String(64)),
    Column("runner", String(64)),
    Column("heartbeat_at", DateTime(timezone=True)),
    *(Column(name, Integer, nullable=False, default=0) for name in Counts.model_fields),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("results", JSON),
)

listings = Table(
    "listings",
    metadata,
    Column("execution_id", String(64), primary_key=True),
    Column("source", String(SOURCE_NAME_LENGTH), primary_key=True),
    Column("job_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("card", JSON, nullable=False),
    Column("state", String(16), nullable=False, default=ListingOutcome.LISTED),
    Column("reason", Text),
)

# What an execution has counted once (see Store.count_once).
execution_marks = Table(
    "execution_marks",
    metadata,
    Column("execution_id", String(64), primary_key=True),
    Column("mark", String(MARK_LENGTH), primary_key=True),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("model", String(200), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

# The HTTP service's tables: keys (hashed) and resumes.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False, default=""),
    Column("max_running", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

resumes = Table(
    "resumes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("api_key_id", String(32), nullable=False, index=True),
    Column("filename", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
watchlist_boards = Table(
    "watchlist_boards",
    metadata,
    Column("api_key_id", String(32), primary_key=True),
    Column("source", String(SOURCE_NAME_LENGTH), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)


# Watches: saved searches on a schedule, their runs, what each reported, and each key's marks on postings.
watches = Table(
    "watches",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("query", JSON, nullable=False),
    Column("resume_id", String(64)),
    Column("schedule", String(100), nullable=False),
    Column("min_score", Float, nullable=False),
    Column("notify", JSON, nullable=False),
    Column("next_run_at", DateTime(timezone=True), nullable=False, index=True),
    Column("feed_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner", "name", name="uq_watches_owner_name"),
)

watch_runs = Table(
    "watch_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("watch_id", String(32), nullable=False, index=True),
    Column("execution_id", String(64), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("reported", Boolean, nullable=False, index=True),
    Column("new_count", Integer),
    Column("new", JSON, nullable=False),
    Column("notify_status", String(16), nullable=False),
    Column("notify_error", Text),
    Column("notify_attempts", Integer, nullable=False),
    Column("reported_at", DateTime(timezone=True)),
)

watch_reported = Table(
    "watch_reported",
    metadata,
    Column("watch_id", String(32), primary_key=True),
    Column("source", String(32), primary_key=True),
    Column("job_id", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("repost_of", String(100)),
)

posting_statuses = Table(
    "posting_statuses",
    metadata,
    Column("api_key_id", String(32), primary_key=True),
    Column("source", String(SOURCE_NAME_LENGTH), primary_key=True),
    Column("job_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

_POSTING_FIELDS = [column.name for column in postings.columns]


class SqlStore:
    """The Store protocol over any SQLAlchemy database URL."""

    def __init__(self, url: str):
        self.engine = _engine(url)
        if self.engine.dialect.name == "sqlite":
            # The embedded default has no deploy step: its file is brought to this version's schema on open.
            # A server database is migrated by `jobmatch migrate`, once, before the processes using it start.
            from jobmatch.store.migrations import upgrade_engine

            upgrade_engine(self.engine)
        self._insert: Callable[[Table], sqlite.Insert | PostgresqlInsert] = sqlite.insert
        if self.engine.dialect.name == "postgresql":
            # Imported only here: PostgreSQL's dialect package (its async drivers included) slows every SQLite start.
            from sqlalchemy.dialects import postgresql

            self._insert = postgresql.insert

    def close(self) -> None:
        self.engine.dispose()

    # Executions

    def create_execution(self, execution: Execution) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(executions)
                .values(
                    id=execution.id,
                    query=execution.query.model_dump(mode="json"),
                    status=execution.status.value,
                    owner=execution.owner,
                    resume_id=execution.resume_id,
                    runner=execution.runner,
                    heartbeat_at=execution.heartbeat_at,
                    error=execution.error,
                    created_at=execution.created_at,
                    updated_at=execution.updated_at,
                    finished_at=execution.finished_at,
                    **execution.counts.model_dump(include=set(Counts.model_fields)),
                )
                .on_conflict_do_nothing()
            )

    def get_execution(self, execution_id: str) -> Execution | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(executions).where(executions.c.id == execution_id)).mappings().first()
        return _execution(row) if row else None

    def running_executions(self) -> list[Execution]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(executions).where(executions.c.status == ExecutionStatus.RUNNING.value)
            ).mappings()
            return [_execution(row) for row in rows]

    def increment(self, execution_id: str, **deltas: int) -> None:
        with self.engine.begin() as conn:
            _increment(conn, execution_id, deltas)

    def count_once(self, execution_id: str, mark: str, **deltas: int) -> bool:
        with self.engine.begin() as conn:
            if conn.execute(select(executions.c.id).where(executions.c.id == execution_id)).first() is None:
                return False
            inserted = conn.execute(
                self._insert(execution_marks)
                .values(execution_id=execution_id, mark=mark)
                .on_conflict_do_nothing()
                .returning(execution_marks.c.mark)
            ).first()
            if inserted is None:
                return False
            _increment(conn, execution_id, deltas)
        return True

    def uncount(self, execution_id: str, mark: str, **deltas: int) -> bool:
        with self.engine.begin() as conn:
            removed = conn.execute(
                delete(execution_marks).where(
                    execution_marks.c.execution_id == execution_id, execution_marks.c.mark == mark
                )
            )
            if removed.rowcount != 1:
                return False
            _increment(conn, execution_id, {name: -delta for name, delta in deltas.items()})
        return True

    def record_page(self, execution_id: str, number: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(executions)
                .where(executions.c.id == execution_id, executions.c.pages < number)
                .values(pages=number, updated_at=utcnow())
            )

    def finish_execution(self, execution_id: str, status: ExecutionStatus, error: str | None = None) -> bool:
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(executions)
                .where(executions.c.id == execution_id, executions.c.status == ExecutionStatus.RUNNING.value)
                .values(status=status.value, error=error, updated_at=now, finished_at=now)
            )
        return result.rowcount == 1

    def claim_execution(self, execution_id: str, runner: str, stale_before: datetime) -> bool:
        holder_gone = or_(
            executions.c.runner.is_(None),
            executions.c.runner == runner,
            executions.c.heartbeat_at.is_(None),
            executions.c.heartbeat_at < stale_before,
        )
        with self.engine.begin() as conn:
            result = conn.execute(
                update(executions)
                .where(
                    executions.c.id == execution_id,
                    executions.c.status == ExecutionStatus.RUNNING.value,
                    holder_gone,
                )
                .values(runner=runner, heartbeat_at=utcnow())
            )
        return result.rowcount == 1

    def heartbeat(self, runner: str, execution_ids: Sequence[str]) -> None:
        if not execution_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(executions)
                .where(
                    executions.c.id.in_(list(execution_ids)),
                    executions.c.runner == runner,
                    executions.c.status == ExecutionStatus.RUNNING.value,
                )
                .values(heartbeat_at=utcnow())
            )

    def release(self, runner: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(executions)
                .where(executions.c.runner == runner, executions.c.status == ExecutionStatus.RUNNING.value)
                .values(heartbeat_at=None)
            )
        return result.rowcount

    def save_results(self, execution_id: str, results: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(executions)
                .where(executions.c.id == execution_id)
                .values(results=dict(results), updated_at=utcnow())
            )

    def get_results(self, execution_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(select(executions.c.results).where(executions.c.id == execution_id)).scalar()

    # Listings

    def add_listings(self, execution_id: str, refs: Sequence[JobRef]) -> list[JobRef]:
        added: list[JobRef] = []
        with self.engine.begin() as conn:
            position = conn.execute(
                select(func.count()).select_from(listings).where(listings.c.execution_id == execution_id)
            ).scalar_one()
            for ref in refs:
                result = conn.execute(
                    self._insert(listings)
                    .values(
                        execution_id=execution_id,
                        source=ref.source,
                        job_id=ref.job_id,
                        position=position + len(added),
                        card=ref.model_dump(mode="json"),
                        state=ListingOutcome.LISTED,
                    )
                    .on_conflict_do_nothing()
                    .returning(listings.c.job_id)
                )
                if result.first() is not None:
                    added.append(ref)
            if added:
                _increment(conn, execution_id, {"listed": len(added)})
        return added

    def settle_listing(
        self, execution_id: str, ref: JobRef, outcome: ListingOutcome, reason: str | None = None
    ) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(listings)
                .where(
                    listings.c.execution_id == execution_id,
                    listings.c.source == ref.source,
                    listings.c.job_id == ref.job_id,
                    listings.c.state == ListingOutcome.LISTED,
                )
                .values(state=outcome, reason=reason)
            )
            settled = result.rowcount == 1
            if settled:
                _increment(conn, execution_id, {outcome.counter: 1})
        return settled

    def failures(self, execution_id: str) -> list[Failure]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(listings.c.source, listings.c.job_id, listings.c.reason)
                .where(listings.c.execution_id == execution_id, listings.c.state == ListingOutcome.FAILED)
                .order_by(listings.c.position)
            ).mappings()
            return [Failure(source=row["source"], job_id=row["job_id"], reason=row["reason"] or "") for row in rows]

    def source_counts(self, execution_id: str) -> dict[str, SourceCounts]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(listings.c.source, listings.c.state, func.count())
                .where(listings.c.execution_id == execution_id)
                .group_by(listings.c.source, listings.c.state)
            ).all()
        return tally_sources((source, state, number) for source, state, number in rows)

    def unsettled_listings(self, execution_id: str) -> list[JobRef]:
        with self.engine.connect() as conn:
            cards = conn.execute(
                select(listings.c.card)
                .where(listings.c.execution_id == execution_id, listings.c.state == ListingOutcome.LISTED)
                .order_by(listings.c.position)
            ).scalars()
            return [JobRef.model_validate(card) for card in cards]

    def get_listing(self, execution_id: str, source: str, job_id: str) -> JobRef | None:
        with self.engine.connect() as conn:
            card = conn.execute(
                select(listings.c.card).where(
                    listings.c.execution_id == execution_id, listings.c.source == source, listings.c.job_id == job_id
                )
            ).scalar()
        return JobRef.model_validate(card) if card is not None else None

    # Postings

    def get_posting(self, source: str, job_id: str) -> JobPosting | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(postings).where(postings.c.source == source, postings.c.job_id == job_id))
                .mappings()
                .first()
            )
        return _posting(row) if row else None

    def save_posting(self, posting: JobPosting) -> None:
        values = posting.model_dump(include=set(_POSTING_FIELDS))
        statement = self._insert(postings).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[postings.c.source, postings.c.job_id],
            set_={name: statement.excluded[name] for name in _POSTING_FIELDS if name not in ("source", "job_id")},
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

    def execution_postings(self, execution_id: str) -> list[JobPosting]:
        joined = listings.join(
            postings, (listings.c.source == postings.c.source) & (listings.c.job_id == postings.c.job_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(postings, listings.c.card)
                .select_from(joined)
                .where(
                    listings.c.execution_id == execution_id,
                    listings.c.state.in_([ListingOutcome.FETCHED, ListingOutcome.CACHED]),
                )
                .order_by(listings.c.position)
            ).mappings()
            return [_posting(row, card=row["card"]) for row in rows]

    # Embeddings

    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self.engine.connect() as conn:
            # Chunked: SQLite caps the number of bound parameters in one statement.
            for start in range(0, len(unique), 500):
                rows = conn.execute(
                    select(embeddings.c.key, embeddings.c.vector).where(
                        embeddings.c.model == model, embeddings.c.key.in_(unique[start : start + 500])
                    )
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        if not vectors:
            return
        rows = [
            {
                "model": model,
                "key": key,
                "dim": int(vector.shape[-1]),
                "vector": np.asarray(vector, np.float32).tobytes(),
            }
            for key, vector in vectors.items()
        ]
        with self.engine.begin() as conn:
            conn.execute(self._insert(embeddings).on_conflict_do_nothing(), rows)

    # API keys, resumes

    def create_api_key(self, key: ApiKey, key_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(api_keys.insert().values(key_hash=key_hash, **key.model_dump()))

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)).mappings().first()
        return _api_key(row) if row else None

    def list_api_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).mappings()
            return [_api_key(row) for row in rows]

    def save_resume(self, resume: Resume) -> None:
        with self.engine.begin() as conn:
            conn.execute(self._insert(resumes).values(**resume.model_dump()).on_conflict_do_nothing())

    def get_resume(self, resume_id: str) -> Resume | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(resumes).where(resumes.c.id == resume_id)).mappings().first()
        return _resume(row) if row else None

    def latest_resume(self, api_key_id: str) -> Resume | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(resumes)
                    .where(resumes.c.api_key_id == api_key_id)
                    .order_by(resumes.c.created_at.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return _resume(row) if row else None

    def list_resumes(self, api_key_id: str) -> list[Resume]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(resumes).where(resumes.c.api_key_id == api_key_id).order_by(resumes.c.created_at.desc())
            ).mappings()
            return [_resume(row) for row in rows]

    def owned_executions(self, owner: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(executions.c.id).where(executions.c.owner == owner)).scalars())

    def delete_execution(self, execution_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(listings).where(listings.c.execution_id == execution_id))
            conn.execute(delete(execution_marks).where(execution_marks.c.execution_id == execution_id))
            return conn.execute(delete(executions).where(executions.c.id == execution_id)).rowcount == 1

    def delete_resume(self, resume_id: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(delete(resumes).where(resumes.c.id == resume_id)).rowcount == 1

    def delete_api_key(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(delete(api_keys).where(api_keys.c.id == key_id)).rowcount == 1

    def count_running(self, owner: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(executions)
                .where(executions.c.owner == owner, executions.c.status == ExecutionStatus.RUNNING.value)
            ).scalar_one()

    # Watches

    def create_watch(self, watch: Watch) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                self._insert(watches).values(**_watch_row(watch)).on_conflict_do_nothing().returning(watches.c.id)
            )
            return result.first() is not None

    def get_watch(self, watch_id: str) -> Watch | None:
        return self._one_watch(watches.c.id == watch_id)

    def watch_by_name(self, owner: str, name: str) -> Watch | None:
        return self._one_watch((watches.c.owner == owner) & (watches.c.name == name))

    def list_watches(self, owner: str) -> list[Watch]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(watches).where(watches.c.owner == owner).order_by(watches.c.name)).mappings()
            return [_watch(row) for row in rows]

    def update_watch(self, watch: Watch) -> bool:
        taken = self.watch_by_name(watch.owner, watch.name)
        if taken is not None and taken.id != watch.id:
            return False
        values = _watch_row(watch)
        del values["id"]
        with self.engine.begin() as conn:
            conn.execute(update(watches).where(watches.c.id == watch.id).values(**values))
        return True

    def delete_watch(self, watch_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(watch_runs).where(watch_runs.c.watch_id == watch_id))
            conn.execute(delete(watch_reported).where(watch_reported.c.watch_id == watch_id))
            return conn.execute(delete(watches).where(watches.c.id == watch_id)).rowcount == 1

    def due_watches(self, now: datetime) -> list[Watch]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(watches).where(watches.c.next_run_at <= _utc(now)).order_by(watches.c.next_run_at)
            ).mappings()
            return [_watch(row) for row in rows]

    def claim_watch_run(self, watch_id: str, due_at: datetime, next_run_at: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(watches)
                .where(watches.c.id == watch_id, watches.c.next_run_at == _utc(due_at))
                .values(next_run_at=_utc(next_run_at))
            )
        return result.rowcount == 1

    def create_watch_run(self, run: WatchRun) -> None:
        with self.engine.begin() as conn:
            conn.execute(self._insert(watch_runs).values(**run.model_dump(mode="python")).on_conflict_do_nothing())

    def get_watch_run(self, watch_id: str, run_id: str) -> WatchRun | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(watch_runs).where(watch_runs.c.id == run_id, watch_runs.c.watch_id == watch_id))
                .mappings()
                .first()
            )
        return _watch_run(row) if row else None

    def list_watch_runs(self, watch_id: str, limit: int = 20) -> list[WatchRun]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(watch_runs)
                .where(watch_runs.c.watch_id == watch_id)
                .order_by(watch_runs.c.started_at.desc())
                .limit(limit)
            ).mappings()
            return [_watch_run(row) for row in rows]

    def unreported_watch_runs(self) -> list[WatchRun]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(watch_runs).where(watch_runs.c.reported.is_(False)).order_by(watch_runs.c.started_at)
            ).mappings()
            return [_watch_run(row) for row in rows]

    def report_watch_run(self, run: WatchRun, reported: Sequence[Reported]) -> bool:
        try:
            with self.engine.begin() as conn:
                self._report_watch_run(conn, run, reported)
        except _AlreadyReported:
            # Another process reported this run first: its postings stand, these went with the rollback.
            return False
        return True

    def _report_watch_run(self, conn: Connection, run: WatchRun, reported: Sequence[Reported]) -> None:
        if reported:
            conn.execute(
                self._insert(watch_reported).on_conflict_do_nothing(),
                [item.model_dump(mode="python") for item in reported],
            )
        result = conn.execute(
            update(watch_runs)
            .where(watch_runs.c.id == run.id, watch_runs.c.reported.is_(False))
            .values(
                reported=True,
                new_count=run.new_count,
                new=run.new,
                notify_status=str(run.notify_status),
                reported_at=run.reported_at or utcnow(),
            )
        )
        if result.rowcount != 1:
            raise _AlreadyReported

    def pending_notifications(self) -> list[WatchRun]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(watch_runs).where(watch_runs.c.notify_status == NotifyStatus.PENDING.value)
            ).mappings()
            return [_watch_run(row) for row in rows]

    def record_notification(
        self, watch_id: str, run_id: str, status: NotifyStatus, error: str | None, attempts: int
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(watch_runs)
                .where(watch_runs.c.id == run_id, watch_runs.c.watch_id == watch_id)
                .values(notify_status=str(status), notify_error=error, notify_attempts=attempts)
            )

    def reported_postings(self, watch_id: str) -> list[Reported]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(watch_reported).where(watch_reported.c.watch_id == watch_id)).mappings()
            return [Reported(**{**row, "reported_at": _aware(row["reported_at"])}) for row in rows]

    def set_posting_status(self, status: PostingStatus) -> None:
        values = status.model_dump(mode="python")
        statement = self._insert(posting_statuses).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[posting_statuses.c.api_key_id, posting_statuses.c.source, posting_statuses.c.job_id],
            set_={"status": statement.excluded.status, "updated_at": statement.excluded.updated_at},
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

    def posting_statuses(self, api_key_id: str) -> list[PostingStatus]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(posting_statuses).where(posting_statuses.c.api_key_id == api_key_id)).mappings()
            return [PostingStatus(**{**row, "updated_at": _aware(row["updated_at"])}) for row in rows]

    def _one_watch(self, condition: Any) -> Watch | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(watches).where(condition)).mappings().first()
        return _watch(row) if row else None

    # Watchlists

    def watchlist(self, api_key_id: str) -> list[WatchedBoard]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(watchlist_boards)
                .where(watchlist_boards.c.api_key_id == api_key_id)
                .order_by(watchlist_boards.c.added_at, watchlist_boards.c.source)
            ).mappings()
            return [WatchedBoard(**{**row, "added_at": _aware(row["added_at"])}) for row in rows]

    def watch_board(self, board: WatchedBoard) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                self._insert(watchlist_boards)
                .values(**board.model_dump())
                .on_conflict_do_nothing()
                .returning(watchlist_boards.c.source)
            )
            return result.first() is not None

    def unwatch_board(self, api_key_id: str, source: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                watchlist_boards.delete().where(
                    watchlist_boards.c.api_key_id == api_key_id, watchlist_boards.c.source == source
                )
            )
        return result.rowcount == 1


class _AlreadyReported(Exception):
    """Rolls back the postings of a run another process reported first."""


def _private_sqlite_file(path: Path) -> None:
    """The database holds resumes and key hashes: a folder made for it is the user's alone (0700), and so is the
    file (0600, tightened if an older version left it readable by others)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Never open an existing database file outside SQLite: closing any descriptor of a file drops every POSIX lock
    # this process holds on it, SQLite's own included (its other connections then fail with "disk I/O error").
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        _private_sqlite_file(Path(parsed.database).expanduser())
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers (a status poll) proceed while the scraper writes.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def _increment(conn: Connection, execution_id: str, deltas: Mapping[str, int]) -> None:
    values: dict[str, Any] = {name: executions.c[name] + delta for name, delta in deltas.items() if delta}
    if values:
        values["updated_at"] = utcnow()
        conn.execute(update(executions).where(executions.c.id == execution_id).values(**values))


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything jobmatch stores is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _execution(row: RowMapping) -> Execution:
    return Execution(
        id=row["id"],
        query=SearchQuery.model_validate(row["query"]),
        status=ExecutionStatus(row["status"]),
        owner=row["owner"],
        resume_id=row["resume_id"],
        runner=row["runner"],
        heartbeat_at=_aware(row["heartbeat_at"]) if row["heartbeat_at"] is not None else None,
        counts=Counts(**{name: row[name] for name in Counts.model_fields}),
        error=row["error"],
        created_at=_aware(row["created_at"]),
        updated_at=_aware(row["updated_at"]),
        finished_at=_aware(row["finished_at"]) if row["finished_at"] is not None else None,
    )


def _posting(row: RowMapping, card: Mapping[str, Any] | None = None) -> JobPosting:
    values = {name: row[name] for name in _POSTING_FIELDS}
    values["fetched_at"] = _aware(values["fetched_at"])
    # The card's date is the listing's; a page read by another search may have lacked it.
    if card and card.get("posted_at") and not values["posted_at"]:
        values["posted_at"] = card["posted_at"]
    return JobPosting.model_validate(values)


def _api_key(row: RowMapping) -> ApiKey:
    values = {name: row[name] for name in ApiKey.model_fields}
    return ApiKey(**{**values, "created_at": _aware(values["created_at"])})


def _resume(row: RowMapping) -> Resume:
    values = {name: row[name] for name in Resume.model_fields}
    return Resume(**{**values, "created_at": _aware(values["created_at"])})


def _utc(value: datetime) -> datetime:
    # One form for every stored time, so a compare-and-set on a time matches on SQLite (which keeps no zone) too.
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _watch_row(watch: Watch) -> dict[str, Any]:
    values = watch.model_dump(mode="python")
    values["query"] = watch.query.model_dump(mode="json")
    for name in ("next_run_at", "created_at", "updated_at"):
        values[name] = _utc(values[name])
    return values


def _watch(row: RowMapping) -> Watch:
    values = dict(row)
    for name in ("next_run_at", "created_at", "updated_at"):
        values[name] = _aware(values[name])
    return Watch.model_validate(values)


def _watch_run(row: RowMapping) -> WatchRun:
    values = dict(row)
    for name in ("due_at", "started_at", "reported_at"):
        if values[name] is not None:
            values[name] = _aware(values[name])
    return WatchRun.model_validate(values)
