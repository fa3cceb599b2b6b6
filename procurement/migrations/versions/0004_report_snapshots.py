"""The materialised first-page report per data version (issue 13 item 8, webapp/snapshots.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a database made before Alembic is brought to the baseline from today's metadata, which has this
    # table already (procurement/store/legacy.py); so did the app's own first-use creation before it
    if sa.inspect(op.get_bind()).has_table('report_snapshots'):
        return
    op.create_table('report_snapshots',
                    sa.Column('data_version', sa.Integer(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('payload', sa.LargeBinary(), nullable=False),
                    sa.PrimaryKeyConstraint('data_version'))


def downgrade() -> None:
    op.drop_table('report_snapshots')
