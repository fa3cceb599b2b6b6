"""Databases made before Alembic (up to commit c29b328): brought to the baseline revision's schema.

The store used to create its tables with ``metadata.create_all`` and patch older databases in place
on opening (retired tables and indexes, columns added since, natural keys that gained a column, the
daily series rebuilt), and the accounts' tables were created apart. Those steps are kept here, run
once on such a database, which is then stamped at ``BASELINE``; everything after is an Alembic
revision. They target the baseline schema: while ``db_schema`` is the baseline they are read from it,
and a later revision that changes a table must freeze what this module reads (the test of the
pre-Alembic dump in tests/test_store_migrations.py fails otherwise).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from procurement import db_schema as schema
from procurement.store import links, series
from procurement.store.sql import has_rows

BASELINE = "0001"  # the revision a pre-Alembic database is stamped at
# Tables that later revisions create (each creates its table only where the old code had not yet).
AFTER_BASELINE: tuple[str, ...] = ("plan_events", "report_snapshots")


def _baseline_tables() -> list[sa.Table]:
    return [t for t in schema.metadata.sorted_tables if t.name not in AFTER_BASELINE]


def bring_to_baseline(conn: Connection) -> None:
    """Inside the opening's locked transaction: tables missing created, older shapes patched in place."""
    schema.metadata.create_all(conn, tables=_baseline_tables(), checkfirst=True)  # e.g. the accounts' tables
    if "region" not in {c["name"] for c in sa.inspect(conn).get_columns("users")}:  # accounts before regions
        conn.exec_driver_sql("ALTER TABLE users ADD COLUMN region VARCHAR(64)")
    _patch_store_tables(conn)


def _patch_store_tables(conn: Connection) -> None:
    """The store tables' in-place upgrades of before Alembic (each a no-op on a database that needs none)."""
    inspector = sa.inspect(conn)
    retired = [t for t in schema.RETIRED_TABLES if inspector.has_table(t)]
    indexes = {ix["name"] for ix in inspector.get_indexes("purchases")}
    stale_indexes = [ix for ix in schema.RETIRED_INDEXES if ix in indexes]
    missing_columns: list[tuple[str, sa.Column]] = []
    stale_keys: list[sa.Index] = []
    for kind, table in schema.KIND_TABLES.items():
        present = {c["name"] for c in inspector.get_columns(kind)}
        missing_columns += [(kind, c) for c in table.c if c.name not in present]
        stored = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(kind)}
        for index in table.indexes:
            if index.unique and index.name in stored and stored[index.name] != [c.name for c in index.columns]:
                stale_keys.append(index)  # a natural key that gained a column (ids scoped by hospital)
            elif index.name not in stored:
                stale_keys.append(index)  # an index added since (DROP IF EXISTS, then CREATE, below)
    present_log = {c["name"] for c in inspector.get_columns("imports")}
    missing_columns += [("imports", c) for c in schema.imports.c if c.name not in present_log]
    missing_links = [c for kind, c in missing_columns if kind == "payments" and c.name.startswith("link_")]
    needs_series = _series_missing(conn)
    for name in retired:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    for name in stale_indexes:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    for table_name, column in missing_columns:
        sql_type = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {column.name} {sql_type}")
        if (table_name, column.name) == ("agreements", "agreement_year"):  # written before years: year 1
            conn.exec_driver_sql("UPDATE agreements SET agreement_year = 1 WHERE agreement_year IS NULL")
    for index in stale_keys:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        index.create(conn)
    if missing_links:
        links.relink_payments(conn, "payments", None)
    if needs_series:
        series.rebuild_series(conn)


def _series_missing(conn: Connection) -> bool:
    """Order lines stored without their daily series (a database written before the series existed)."""
    return has_rows(conn, schema.KIND_TABLES["purchases"]) and not has_rows(conn, schema.purchase_series)
