"""Executions carry their owner (API key), resume id and runner lease; postings gain the fields ATS boards give;
counters of retries, failed search pages and failed boards.

The `execution_owners` table is folded into `executions`: a search's owner and resume are facts of the search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = ("retries", "pages_failed", "sources_failed")
_POSTING_COLUMNS = (
    ("department", sa.Text()),
    ("workplace_type", sa.String(length=16)),
    ("salary_min", sa.Float()),
    ("salary_max", sa.Float()),
    ("salary_currency", sa.String(length=8)),
    ("salary_interval", sa.String(length=16)),
)


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("resume_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("runner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        for counter in _COUNTERS:
            batch.add_column(sa.Column(counter, sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_executions_owner", ["owner"])
    op.execute(
        "UPDATE executions SET "
        "owner = (SELECT o.api_key_id FROM execution_owners o WHERE o.execution_id = executions.id), "
        "resume_id = (SELECT o.resume_id FROM execution_owners o WHERE o.execution_id = executions.id)"
    )
    with op.batch_alter_table("executions") as batch:
        for counter in _COUNTERS:
            batch.alter_column(counter, server_default=None)
    op.drop_index("ix_execution_owners_api_key_id", table_name="execution_owners")
    op.drop_table("execution_owners")
    with op.batch_alter_table("postings") as batch:
        for name, type_ in _POSTING_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("postings") as batch:
        for name, _ in reversed(_POSTING_COLUMNS):
            batch.drop_column(name)
    op.create_table(
        "execution_owners",
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column("resume_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("execution_id"),
    )
    op.create_index("ix_execution_owners_api_key_id", "execution_owners", ["api_key_id"])
    op.execute(
        "INSERT INTO execution_owners (execution_id, api_key_id, resume_id) "
        "SELECT id, owner, resume_id FROM executions WHERE owner IS NOT NULL"
    )
    with op.batch_alter_table("executions") as batch:
        batch.drop_index("ix_executions_owner")
        for counter in _COUNTERS:
            batch.drop_column(counter)
        batch.drop_column("heartbeat_at")
        batch.drop_column("runner")
        batch.drop_column("resume_id")
        batch.drop_column("owner")
