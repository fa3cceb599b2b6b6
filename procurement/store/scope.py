"""Whose rows: the table kinds that belong to one hospital, the alliance catalogue, the filter a scoped
read applies, and the scope a transaction gives PostgreSQL's row-level security (``apply``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from procurement.store.sql import is_sqlite

# Tables holding one hospital's own rows: what a hospital account may write and see.
HOSPITAL_KINDS: tuple[str, ...] = ("agreements", "purchases", "payments", "demand", "fund_transfers", "shortages")
# Alliance-wide catalogue: a hospital account may re-send it unchanged but never change it.
CATALOGUE_KINDS: tuple[str, ...] = ("products", "offers", "substitutes")


# Whose rows a read may see: None (all), one hospital's code, or the hospitals of a region (a list).
Scope = str | list[str] | None


def hospital_filter(stmt: sa.Select, table: sa.Table, hospital_id: Scope) -> sa.Select:
    if hospital_id is None:
        return stmt
    if isinstance(hospital_id, list):
        return stmt.where(table.c.hospital_id.in_(hospital_id))
    return stmt.where(table.c.hospital_id == hospital_id)


def apply(conn: Connection, hospital_id: str | None = None, region: str | None = None) -> None:
    """Tell PostgreSQL's row-level security whose rows the rest of this transaction may see and write.

    A hospital account (``hospital_id``): that hospital's rows; a region-scoped leader (``region``):
    the rows of that region's hospitals, read only; neither: every row, which the store asks for
    explicitly (a coordinator, the command line, or a read of alliance-wide tables). Settings are
    transaction-local (``set_config(..., true)``), so a pooled connection never carries one
    account's scope into another's transaction; a transaction that sets none sees no scoped row at
    all (migrations/versions/0002_row_level_security.py). The policies bind roles that are neither
    superusers nor the tables' owner; SQLite has no row-level security, and this does nothing there.
    """
    if is_sqlite(conn):
        return
    mode = "hospital" if hospital_id is not None else "region" if region is not None else "all"
    conn.execute(sa.select(
        sa.func.set_config("vbp.scope", mode, True),
        sa.func.set_config("vbp.hospital_id", hospital_id or "", True),
        sa.func.set_config("vbp.region", region or "", True),
    ))
