"""Watchlists: the company boards each API key reads with `--source watchlist`; source names widened to 128
characters, since a company board's name ("greenhouse:<board_token>", a board of up to 100) outgrows 32.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WIDENED = ("postings", "listings")


def upgrade() -> None:
    op.create_table(
        "watchlist_boards",
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("api_key_id", "source"),
    )
    for table in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("source", type_=sa.String(length=128), existing_type=sa.String(length=32))


def downgrade() -> None:
    for table in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("source", type_=sa.String(length=32), existing_type=sa.String(length=128))
    op.drop_table("watchlist_boards")
