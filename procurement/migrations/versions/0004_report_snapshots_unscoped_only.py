"""Row-level security on the report snapshots (PostgreSQL): only an unscoped transaction reads or writes them.

A snapshot is the whole alliance's report (webapp.snapshots), so a hospital- or region-scoped
transaction may not see it, as it may not see other hospitals' rows; the app reads it only for
unscoped pages and says so (``store.scope.apply`` without a scope). Nothing on SQLite.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALL = "(current_setting('vbp.scope', true) = 'all')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS vbp_unscoped ON report_snapshots")
    op.execute("ALTER TABLE report_snapshots ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY vbp_unscoped ON report_snapshots USING {_ALL} WITH CHECK {_ALL}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS vbp_unscoped ON report_snapshots")
    op.execute("ALTER TABLE report_snapshots DISABLE ROW LEVEL SECURITY")
