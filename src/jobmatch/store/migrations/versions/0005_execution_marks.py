"""Execution marks: what a search has counted once (Store.count_once), so a dispatch resumed after a crash does not
count its filtered cards, lost pages and unreadable boards twice; and posting_statuses' source widened to 128
characters like the other tables' (0004 missed it: a mark on a long company board's posting failed on PostgreSQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "execution_marks",
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("mark", sa.String(length=192), nullable=False),
        sa.PrimaryKeyConstraint("execution_id", "mark"),
    )
    with op.batch_alter_table("posting_statuses") as batch:
        batch.alter_column("source", type_=sa.String(length=128), existing_type=sa.String(length=32))


def downgrade() -> None:
    with op.batch_alter_table("posting_statuses") as batch:
        batch.alter_column("source", type_=sa.String(length=32), existing_type=sa.String(length=128))
    op.drop_table("execution_marks")
