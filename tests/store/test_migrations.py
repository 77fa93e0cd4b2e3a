"""Alembic's migrations build exactly the schema the SQL store's metadata describes, so the two cannot drift apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from jobmatch.store.migrations import HERE, config, head, upgrade
from jobmatch.store.sql import SqlStore, metadata
from jobmatch.testing.cluster import reset_database
from tests.conftest import postgres_reachable, require_service

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture
def empty_database() -> str:
    require_service("PostgreSQL (127.0.0.1:5432)", postgres_reachable())
    return reset_database(PG_SERVER, "jobmatch_migrations_test", migrate=False)


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


def test_a_sqlite_file_is_brought_to_the_schema_on_open(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    SqlStore(url).close()

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
            version = conn.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert differences == []
    assert version == ScriptDirectory.from_config(config(url)).get_current_head()


def test_a_sqlite_file_of_the_first_schema_keeps_its_searches_owners(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(url, "0001")
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sqlalchemy.text(
                "INSERT INTO executions (id, query, status, pages, listed, fetched, cached, failed, closed, filtered,"
                " created_at, updated_at) VALUES ('e1', '{\"query\": \"Nurse\"}', 'SUCCEEDED', 1, 0, 0, 0, 0, 0, 0,"
                " '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
            )
        )
        conn.execute(sqlalchemy.text("INSERT INTO execution_owners VALUES ('e1', 'key1', 'resume1')"))
    engine.dispose()

    store = SqlStore(url)
    try:
        execution = store.get_execution("e1")
    finally:
        store.close()
    assert execution is not None
    assert (execution.owner, execution.resume_id, execution.counts.retries) == ("key1", "resume1", 0)


def test_the_scripts_are_numbered_so_the_highest_file_number_is_alembics_head() -> None:
    scripts = ScriptDirectory.from_config(config("sqlite://"))
    files = sorted(path for path in (HERE / "versions").glob("*.py") if path.name != "__init__.py")
    by_file = {Path(script.path).name: script for script in scripts.walk_revisions()}

    assert sorted(by_file) == [path.name for path in files]
    for number, path in enumerate(files, start=1):
        script = by_file[path.name]
        assert path.name.startswith(f"{number:04d}_"), path.name
        assert script.revision == f"{number:04d}", path.name
        assert script.down_revision == (f"{number - 1:04d}" if number > 1 else None), path.name
    assert scripts.get_heads() == [head()]


def test_opening_a_sqlite_file_already_at_head_leaves_alembic_unloaded(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'current.sqlite'}"
    SqlStore(url).close()

    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from jobmatch.store.sql import SqlStore; SqlStore(sys.argv[1]).close();"
            " print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert opened.stdout.strip() == "[]"
