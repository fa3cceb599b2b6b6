"""Database tables: one per canonical table kind, the import log, daily purchase totals, and the accounts,
sign-in throttling, account log and sessions (every table of the database, in one ``metadata`` that the
Alembic migrations in ``procurement/migrations`` are checked against).

Built from ``model.COLUMNS`` and ``model.NATURAL_KEYS`` so the schema cannot drift from the data model;
the natural key is unique, which is what makes re-importing a file idempotent.
"""

from __future__ import annotations

import sqlalchemy as sa

from procurement.model import COLUMNS, NATURAL_KEYS, TABLE_KINDS

metadata = sa.MetaData()

# Columns of the data model that are derived on load rather than stored (they would go stale):
# a payment's order_date and link_by come from the link kept in LINK_COLUMNS.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"payments": ("order_date", "link_by")}

_SQL_TYPES: dict[str, type[sa.types.TypeEngine]] = {
    "string": sa.Text,
    "float64": sa.Double,
    "datetime64[ns]": sa.Date,
    "bool": sa.Boolean,
}

# Secondary indexes per kind: scoping filters by hospital, imports find (hospital, day) buckets.
# Tables whose key starts with hospital_id (agreements, demand) are already indexed by hospital.
_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "agreements": (("product_id",),),
    "purchases": (("hospital_id", "date"),),
    "payments": (("hospital_id", "date"), ("order_id",)),
    "demand": (("generic_name", "specification"),),
}

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("source_name", sa.Text, nullable=False),
    sa.Column("file_hash", sa.Text, nullable=False),
    sa.Column("hospital_scope", sa.Text),
    sa.Column("added", sa.Text, nullable=False),  # JSON {kind: rows}
    sa.Column("replaced", sa.Text, nullable=False),
    sa.Column("unchanged", sa.Text, nullable=False),
    # added later (NULL on imports logged before): rows the import removed, {kind: rows}, and whether it
    # was a correction replacing its hospitals' rows for the period of the file
    sa.Column("removed", sa.Text),
    sa.Column("replace_period", sa.Boolean),
)


# What the lines a payment names say, copied onto the payment whenever either side is imported, so
# loads need no join with millions of order lines (see store.links.relink_payments): the delivery day,
# product and supplier of its invoice or order, or the one supplier of its distributor, and which
# of the three (link_by: 'invoice', 'order', 'distributor'); NULL when nothing it names is stored.
LINK_COLUMNS: dict[str, dict[str, type[sa.types.TypeEngine]]] = {
    "payments": {"link_date": sa.Date, "link_product_id": sa.Text, "link_supplier": sa.Text, "link_by": sa.Text},
}


# Who accepted a hospital's declaration (报量) and when: NULL while it is still the hospital's own (pending),
# set when a coordinator writes the row or accepts it (``store.accept_demand``); a hospital account may
# change its pending rows only. Kept by the store beside the model's columns, never read into a Dataset.
REVIEW_COLUMNS: dict[str, dict[str, type[sa.types.TypeEngine]]] = {
    "demand": {"accepted_by": sa.Text, "accepted_at": sa.DateTime},
}


def stored_columns(kind: str) -> list[str]:
    """The model columns of ``kind`` that live in the database (derived ones excluded)."""
    derived = DERIVED_COLUMNS.get(kind, ())
    return [c for c in COLUMNS[kind] if c not in derived]


def _kind_table(kind: str) -> sa.Table:
    keys = NATURAL_KEYS[kind]
    cols = [sa.Column(c, _SQL_TYPES[COLUMNS[kind][c]](), nullable=c not in keys) for c in stored_columns(kind)]
    # which import wrote the row; no foreign key: PostgreSQL checks those row by row, and the import row
    # is written in the same transaction anyway
    cols.append(sa.Column("import_id", sa.Integer, nullable=False))
    cols += [sa.Column(name, kind_()) for name, kind_ in LINK_COLUMNS.get(kind, {}).items()]
    cols += [sa.Column(name, kind_()) for name, kind_ in REVIEW_COLUMNS.get(kind, {}).items()]
    table = sa.Table(kind, metadata, *cols)
    # the natural key is a unique index rather than the primary key: an index can be dropped while a
    # first import fills an empty table and rebuilt in one sort, several times faster than row by row
    sa.Index(f"ux_{kind}_natural_key", *(table.c[k] for k in keys), unique=True)
    for idx_cols in _INDEXES.get(kind, ()):
        sa.Index(f"ix_{kind}_{'_'.join(idx_cols)}", *(table.c[c] for c in idx_cols))
    return table


KIND_TABLES: dict[str, sa.Table] = {kind: _kind_table(kind) for kind in TABLE_KINDS}


def _history_table(kind: str) -> sa.Table:
    """Earlier versions of ``kind`` rows: each row replaced or removed by an import, kept as it was.

    A version was current from the import that wrote it (``import_id``) until the import that
    replaced or removed it (``superseded_by``), so the tables as they were right after import N are
    the current rows with ``import_id <= N`` plus the versions with ``import_id <= N < superseded_by``.
    Written only when a row is replaced or removed: a first load writes nothing here.
    """
    cols = [sa.Column(c, _SQL_TYPES[COLUMNS[kind][c]]()) for c in stored_columns(kind)]
    table = sa.Table(
        f"history_{kind}",
        metadata,
        *cols,
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=False),
        sa.Column("action", sa.Text, nullable=False),  # 'replaced' or 'removed'
    )
    sa.Index(f"ix_history_{kind}_superseded_by", table.c.superseded_by)
    return table


HISTORY_TABLES: dict[str, sa.Table] = {kind: _history_table(kind) for kind in TABLE_KINDS}

# Order lines that can tell a delivery rate (an ordered quantity or an order date): few or none in most
# stores, so a partial index of them lets a report read them without scanning every line.
_lines = KIND_TABLES["purchases"]
DELIVERY_LINES = sa.or_(_lines.c.ordered_quantity.is_not(None), _lines.c.order_date.is_not(None))
sa.Index("ix_purchases_delivery_lines", _lines.c.hospital_id, _lines.c.date,
         sqlite_where=DELIVERY_LINES, postgresql_where=DELIVERY_LINES)

# Daily purchase totals per hospital and drug key (blanks stored as ''), one row per key with its days
# and totals as binary arrays (see procurement.daily): what reports read, loaded in a few thousand rows.
# Kept in step with ``purchases`` inside every import.
purchase_series = sa.Table(
    "purchase_series",
    metadata,
    sa.Column("hospital_id", sa.Text, primary_key=True),
    sa.Column("product_id", sa.Text, primary_key=True),
    sa.Column("generic_name", sa.Text, primary_key=True),
    sa.Column("specification", sa.Text, primary_key=True),
    sa.Column("supplier", sa.Text, primary_key=True),
    sa.Column("winning", sa.Boolean, primary_key=True),
    sa.Column("days", sa.LargeBinary, nullable=False),  # int32 little-endian, days since 1970-01-01
    sa.Column("quantity", sa.LargeBinary, nullable=False),  # float64 little-endian, per day
    sa.Column("amount", sa.LargeBinary, nullable=False),  # float64 little-endian, NaN: no amount given
)

# The whole alliance's default report, materialised per data version (webapp.snapshots): computed after
# an import through the app, read by the first page after sign-in instead of computing it again.
report_snapshots = sa.Table(
    "report_snapshots",
    metadata,
    sa.Column("data_version", sa.Integer, primary_key=True, autoincrement=False),  # imports.id it describes
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),  # pickle of webapp.snapshots.Snapshot
)

# Tables of earlier versions, dropped on start (their content is rebuilt from the order lines).
RETIRED_TABLES: tuple[str, ...] = ("purchase_daily",)
RETIRED_INDEXES: tuple[str, ...] = ("ix_purchases_product_id",)


def stage_table(kind: str) -> sa.Table:
    """A temporary, constraint-free twin of the ``kind`` table to bulk-load an import into."""
    md = sa.MetaData()
    return sa.Table(
        f"stage_{kind}",
        md,
        *(sa.Column(c, _SQL_TYPES[COLUMNS[kind][c]]()) for c in stored_columns(kind)),
        prefixes=["TEMPORARY"],
    )


def touched_table() -> sa.Table:
    """Temporary list of (hospital, day) buckets an import changes, to recompute their daily totals."""
    md = sa.MetaData()
    return sa.Table(
        "stage_touched",
        md,
        sa.Column("hospital_id", sa.Text, primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        prefixes=["TEMPORARY"],
    )


# --- accounts and sessions (procurement.auth, procurement.sessions) ----------------------------------

users_table = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("hospital_id", sa.String(64), nullable=True),  # the account's hospital: not a row of its data
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("region", sa.String(64), nullable=True),  # 所属地区 a leadership account is limited to (None: all)
)
# Consecutive sign-in failures per key: "user:<name>" or "address:<client address>".
throttle_table = sa.Table(
    "signin_throttle",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure", sa.DateTime, nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False),
)
# Every change to an account: who (``actor``), when, what (``action``), to which account, details.
events_table = sa.Table(
    "account_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("username", sa.String(128), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
)
# Signed-in sessions (only a hash of the session id is stored) and the app's own signing key.
sessions_table = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)
secrets_table = sa.Table(
    "app_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)
