"""Database tables for the store: one per canonical table kind, the import log and daily purchase totals.

Built from ``model.COLUMNS`` and ``model.NATURAL_KEYS`` so the schema cannot drift from the data model;
the natural key is the primary key, which is what makes re-importing a file idempotent.
"""

from __future__ import annotations

import sqlalchemy as sa

from procurement.model import COLUMNS, NATURAL_KEYS, TABLE_KINDS

metadata = sa.MetaData()

# Columns of the data model that are derived on load rather than stored (they would go stale):
# a payment's order_date comes from joining its order_id to purchases.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"payments": ("order_date",)}

_SQL_TYPES: dict[str, type[sa.types.TypeEngine]] = {
    "string": sa.Text,
    "float64": sa.Double,
    "datetime64[ns]": sa.Date,
    "bool": sa.Boolean,
}

# Secondary indexes per kind: scoping filters by hospital (and date ranges), reports join by product.
# Tables whose key starts with hospital_id (agreements, demand) are already indexed by hospital.
_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "agreements": (("product_id",),),
    "purchases": (("hospital_id", "date"), ("product_id",)),
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
)


def stored_columns(kind: str) -> list[str]:
    """The model columns of ``kind`` that live in the database (derived ones excluded)."""
    derived = DERIVED_COLUMNS.get(kind, ())
    return [c for c in COLUMNS[kind] if c not in derived]


def _kind_table(kind: str) -> sa.Table:
    keys = NATURAL_KEYS[kind]
    cols = [
        sa.Column(c, _SQL_TYPES[COLUMNS[kind][c]](), primary_key=c in keys, nullable=c not in keys)
        for c in stored_columns(kind)
    ]
    # which import wrote the row; no foreign key: PostgreSQL checks those row by row, and the import row
    # is written in the same transaction anyway
    cols.append(sa.Column("import_id", sa.Integer, nullable=False))
    table = sa.Table(kind, metadata, *cols)
    for idx_cols in _INDEXES.get(kind, ()):
        sa.Index(f"ix_{kind}_{'_'.join(idx_cols)}", *(table.c[c] for c in idx_cols))
    return table


KIND_TABLES: dict[str, sa.Table] = {kind: _kind_table(kind) for kind in TABLE_KINDS}

# Daily purchase totals per hospital and drug (非中选 rows have product_id ''): what reports read,
# many times smaller than the order lines. Kept in step with ``purchases`` inside every import.
purchase_daily = sa.Table(
    "purchase_daily",
    metadata,
    sa.Column("hospital_id", sa.Text, nullable=False),
    sa.Column("product_id", sa.Text, nullable=False),
    sa.Column("generic_name", sa.Text, nullable=False),
    sa.Column("specification", sa.Text, nullable=False),
    sa.Column("supplier", sa.Text, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("winning", sa.Boolean, nullable=False),
    sa.Column("quantity", sa.Double),
    sa.Column("amount", sa.Double),
    sa.Index("ix_purchase_daily_hospital_id_date", "hospital_id", "date"),
)


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
    """Temporary list of (hospital, day) buckets an import changes, to recompute purchase_daily."""
    md = sa.MetaData()
    return sa.Table(
        "stage_touched",
        md,
        sa.Column("hospital_id", sa.Text, primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        prefixes=["TEMPORARY"],
    )
