"""Whose rows: the table kinds that belong to one hospital, the alliance catalogue, and the filter a
scoped read applies."""

from __future__ import annotations

import sqlalchemy as sa

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
