"""The plan log (``plan_events``) and the report snapshots (``report_snapshots``) join the schema.

Both were created on first use by their own modules before; a database where that happened keeps its
table and rows (each is created here only where it is missing, with the same columns).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "plan_events" not in present:
        op.create_table(
            "plan_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("user_name", sa.String(length=128), nullable=False),
            sa.Column("action", sa.String(length=16), nullable=False),
            sa.Column("source", sa.String(length=16), nullable=False),
            sa.Column("input_hash", sa.String(length=64), nullable=False),
            sa.Column("output_hash", sa.String(length=64), nullable=False),
            sa.Column("file_hash", sa.String(length=64), nullable=True),
            sa.Column("detail", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
    if "report_snapshots" not in present:
        op.create_table(
            "report_snapshots",
            sa.Column("data_version", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("payload", sa.LargeBinary(), nullable=False),
            sa.PrimaryKeyConstraint("data_version"),
        )


def downgrade() -> None:
    op.drop_table("report_snapshots")
    op.drop_table("plan_events")
