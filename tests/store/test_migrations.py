"""Alembic's migrations build exactly the schema the SQL store's metadata describes, so the two cannot drift apart."""

from __future__ import annotations

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from jobmatch.store.migrations import upgrade
from jobmatch.store.sql import SqlStore, metadata
from jobmatch.testing.cluster import reset_database
from tests.conftest import postgres_reachable, require_service

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture
def empty_database() -> str:
    require_service("PostgreSQL (127.0.0.1:5432)", postgres_reachable())
    return reset_database(PG_SERVER, "jobmatch_migrations_test")


def test_upgrade_head_on_an_empty_database_yields_the_store_metadata(empty_database: str) -> None:
    upgrade(empty_database)

    engine = sqlalchemy.create_engine(empty_database)
    try:
        with engine.connect() as conn:
            tables = set(sqlalchemy.inspect(conn).get_table_names()) - {"alembic_version"}
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert tables == set(metadata.tables)
    assert differences == [], "store/sql.py changed without a migration: add one under store/migrations/versions"


def test_store_works_on_a_migrated_database(empty_database: str) -> None:
    from jobmatch.models import Execution, SearchQuery

    upgrade(empty_database)
    store = SqlStore(empty_database)
    try:
        execution = Execution(query=SearchQuery(query="Nurse"))
        store.create_execution(execution)
        assert store.get_execution(execution.id) == execution
    finally:
        store.close()
