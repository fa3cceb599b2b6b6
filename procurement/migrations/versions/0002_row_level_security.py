"""Row-level security on PostgreSQL: the hospital (and region) scope enforced under the data layer.

Every table holding one hospital's rows (by its ``hospital_id``) gets policies that let a transaction
see and write only the rows of the scope the store sets for it (``procurement.store.scope.apply``):

- ``vbp.scope = 'all'``: a coordinator, or a read of the whole store the store makes on purpose;
- ``vbp.scope = 'hospital'``: the rows whose hospital_id is ``vbp.hospital_id``;
- ``vbp.scope = 'region'``: (reads) the rows of the hospitals whose 所属地区 is ``vbp.region``;
- nothing set: no rows at all (a query that bypasses the store sees nothing rather than everything).

The hospitals list stays readable by everyone (names are resolved against it); writing it is scoped.
The catalogue (products, offers, substitutes), the import log and the accounts' tables have no
hospital rows and no policies. Policies bind roles that are neither superusers nor the tables' owner:
run the app as such a role (README, "Row-level security"). SQLite has no row-level security: nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables with a hospital_id column that holds the row's hospital (users.hospital_id is an account's).
SCOPED_TABLES: tuple[str, ...] = (
    "agreements", "purchases", "payments", "demand", "fund_transfers", "shortages", "purchase_series",
    "history_hospitals", "history_agreements", "history_purchases", "history_payments", "history_demand",
    "history_fund_transfers", "history_shortages",
)

_SCOPE = "current_setting('vbp.scope', true)"
OWN = f"({_SCOPE} = 'hospital' AND hospital_id = current_setting('vbp.hospital_id', true))"
REGION = (f"({_SCOPE} = 'region' AND hospital_id IN "
          "(SELECT h.hospital_id FROM hospitals AS h WHERE h.region = current_setting('vbp.region', true)))")
IN_SCOPE = f"({_SCOPE} = 'all' OR {OWN} OR {REGION})"
WRITABLE = f"({_SCOPE} = 'all' OR {OWN})"  # a region scope (leadership) reads only


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _drop_policies()  # none in a database this revision has not run on; safe on one stamped back by hand
    for table in SCOPED_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY vbp_read ON {table} FOR SELECT USING {IN_SCOPE}")
        op.execute(f"CREATE POLICY vbp_insert ON {table} FOR INSERT WITH CHECK {WRITABLE}")
        op.execute(f"CREATE POLICY vbp_update ON {table} FOR UPDATE USING {WRITABLE} WITH CHECK {WRITABLE}")
        op.execute(f"CREATE POLICY vbp_delete ON {table} FOR DELETE USING {WRITABLE}")
    op.execute("ALTER TABLE hospitals ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY vbp_read ON hospitals FOR SELECT USING (true)")
    op.execute(f"CREATE POLICY vbp_insert ON hospitals FOR INSERT WITH CHECK {WRITABLE}")
    op.execute(f"CREATE POLICY vbp_update ON hospitals FOR UPDATE USING {WRITABLE} WITH CHECK {WRITABLE}")
    op.execute(f"CREATE POLICY vbp_delete ON hospitals FOR DELETE USING {WRITABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _drop_policies()
    for table in (*SCOPED_TABLES, "hospitals"):
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def _drop_policies() -> None:
    for table in (*SCOPED_TABLES, "hospitals"):
        for policy in ("vbp_read", "vbp_insert", "vbp_update", "vbp_delete"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
