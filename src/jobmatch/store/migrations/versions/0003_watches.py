"""Watches: saved searches on a schedule, their runs, the postings each reported, and each key's marks on postings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("resume_id", sa.String(length=64), nullable=True),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("notify", sa.JSON(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feed_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name", name="uq_watches_owner_name"),
    )
    op.create_index("ix_watches_next_run_at", "watches", ["next_run_at"])
    op.create_table(
        "watch_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("watch_id", sa.String(length=32), nullable=False),
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("new_count", sa.Integer(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=False),
        sa.Column("notify_status", sa.String(length=16), nullable=False),
        sa.Column("notify_error", sa.Text(), nullable=True),
        sa.Column("notify_attempts", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_watch_runs_watch_id", "watch_runs", ["watch_id"])
    op.create_index("ix_watch_runs_reported", "watch_runs", ["reported"])
    op.create_table(
        "watch_reported",
        sa.Column("watch_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repost_of", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("watch_id", "source", "job_id"),
    )
    op.create_table(
        "posting_statuses",
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("api_key_id", "source", "job_id"),
    )


def downgrade() -> None:
    op.drop_table("posting_statuses")
    op.drop_table("watch_reported")
    op.drop_index("ix_watch_runs_reported", table_name="watch_runs")
    op.drop_index("ix_watch_runs_watch_id", table_name="watch_runs")
    op.drop_table("watch_runs")
    op.drop_index("ix_watches_next_run_at", table_name="watches")
    op.drop_table("watches")
