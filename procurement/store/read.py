"""Reads: whole datasets in one consistent snapshot (scoped to a hospital or a region), the
reference tables the importer resolves names with, the import log and cheap cache keys.

Rows go through the raw driver cursor and are built straight into canonical columns: millions of
rows through SQLAlchemy row objects would dominate a report's time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from procurement import daily
from procurement import db_schema as schema
from procurement.model import COLUMNS, NATURAL_KEYS, TABLE_KINDS, Dataset
from procurement.problems import InputError, Problem
from procurement.store import series
from procurement.store.scope import HOSPITAL_KINDS, Scope, hospital_filter
from procurement.store.sql import raw_rows


def fetch(conn: Connection, stmt: sa.Select, kind: str, names: list[str]) -> pd.DataFrame:
    """Run ``stmt`` on the driver cursor and return a canonical frame of ``kind``.

    Each column is built from the transposed rows straight in its canonical dtype, and columns not
    fetched are made blank, so the frame needs no further cast (a frame of Python objects cast
    column by column afterwards costs about as much as the read itself).
    """
    rows = raw_rows(conn, stmt)
    n = len(rows)
    table = np.array(rows, dtype=object).reshape(n, len(names))  # rows to columns in one C pass
    fetched = {name: table[:, j] for j, name in enumerate(names)}
    data: dict[str, Any] = {}
    for col, dtype in COLUMNS[kind].items():
        if col not in fetched:  # blank, as ``conform`` makes it
            data[col] = np.zeros(n, dtype=bool) if dtype == "bool" else pd.Series(
                pd.NA if dtype == "string" else None, index=range(n), dtype=dtype
            ).array
            continue
        values = np.ascontiguousarray(fetched[col])
        if dtype.startswith("datetime64"):
            codes, days = pd.factorize(values)  # few distinct days among many rows: parse each day once
            stamps = (pd.DatetimeIndex(pd.to_datetime(days, format="ISO8601")).take(codes, fill_value=pd.NaT)
                      if len(days) else pd.to_datetime(values))
            data[col] = np.asarray(stamps, dtype=dtype)
        elif dtype == "bool":
            data[col] = np.where(pd.isna(values), False, values).astype(bool)  # blank: False
        elif dtype == "float64":
            data[col] = values.astype("float64")
        else:
            data[col] = pd.array(values, dtype=dtype)
    return pd.DataFrame(data, copy=False)  # canonical by construction: no re-cast, no re-index copy


def _load_table(
    conn: Connection, kind: str, hospital_id: Scope, *, ordered: bool = True
) -> pd.DataFrame:
    table = schema.KIND_TABLES[kind]
    cols = schema.stored_columns(kind)
    stmt = sa.select(*(table.c[c] for c in cols))
    if "hospital_id" in table.c and (kind in HOSPITAL_KINDS or kind == "hospitals"):
        stmt = hospital_filter(stmt, table, hospital_id)
    if ordered:
        stmt = stmt.order_by(*(table.c[k] for k in NATURAL_KEYS[kind]))
    return fetch(conn, stmt, kind, cols)


def _load_payments(conn: Connection, hospital_id: Scope, *, with_ids: bool = True) -> pd.DataFrame:
    """Payments with the delivery date of the order they name, for on-time matching.

    A payment naming an order also takes that order's product and supplier when it gives none:
    daily totals carry no order ids, so the link is followed here (from the copy kept on the
    payment by every import, see ``links.relink_payments``). Without
    ``with_ids`` payment and order ids are left blank (nothing downstream of daily totals can use
    them, and a million distinct strings are most of the read). Rows come in storage order: the
    ledger orders payments by date, and same-day payments of one key give the same figures in any order.
    """
    pay = schema.KIND_TABLES["payments"]
    cols = [c for c in schema.stored_columns("payments") if with_ids or c not in ("payment_id", "order_id")]
    filled = {c: sa.func.coalesce(pay.c[c], pay.c[f"link_{c}"]).label(c) for c in ("product_id", "supplier")}
    stmt = sa.select(*(filled.get(c, pay.c[c]) for c in cols), pay.c.link_date.label("order_date"), pay.c.link_by)
    return fetch(conn, hospital_filter(stmt, pay, hospital_id), "payments", [*cols, "order_date", "link_by"])


def _load_order_lines(conn: Connection, hospital_id: Scope) -> pd.DataFrame:
    """The order lines that carry an order date or an ordered quantity (delivery monitoring).

    Read through a partial index of exactly those lines, so a store of lines without them (most
    platform exports) costs nothing here however many lines it holds.
    """
    lines = schema.KIND_TABLES["purchases"]
    cols = schema.stored_columns("purchases")
    stmt = sa.select(*(lines.c[c] for c in cols)).where(schema.DELIVERY_LINES)
    return fetch(conn, hospital_filter(stmt, lines, hospital_id), "purchases", cols)


def _load_purchase_series(conn: Connection, hospital_id: Scope) -> pd.DataFrame:
    """Daily totals as purchase rows (no order id), string columns as categoricals.

    Read through the same connection (and so the same snapshot) as the other tables. One row per
    hospital and drug with its days as binary arrays (see :mod:`procurement.daily`): an alliance's
    year of daily totals loads in a fraction of a second.
    """
    wanted = None if hospital_id is None else hospital_id if isinstance(hospital_id, list) else [hospital_id]
    return daily.to_purchases(series.read_series(conn, wanted))


def load_dataset(
    engine: Engine, hospital_id: str | None = None, *, region: str | None = None, aggregated: bool = True,
    as_of_import: int | None = None,
) -> Dataset:
    """Everything stored (one hospital's share, or one region's hospitals', when scoped), read in one
    consistent snapshot. A region scope (a leader responsible for one region) sees the hospitals whose
    所属地区 is that region and nothing of the others; the alliance-wide catalogue stays whole.

    ``aggregated`` returns purchases as daily totals per hospital and drug (``order_id`` blank,
    string columns categorical with the same values) and payments without their payment and order
    ids: the same metrics, far fewer rows and strings; payments carry ``order_date`` either way.

    ``as_of_import`` rebuilds every table as it was right after that import (from the history of
    replaced and removed rows, see :mod:`procurement.history`); an unknown import is an ``InputError``.
    """
    frames: dict[str, pd.DataFrame] = {}
    with engine.connect() as conn, conn.begin():
        scope: Scope = hospital_id
        if region is not None:
            h = schema.KIND_TABLES["hospitals"]
            in_region = [r[0] for r in conn.execute(sa.select(h.c.hospital_id).where(h.c.region == region))]
            scope = in_region if hospital_id is None else [x for x in in_region if x == hospital_id]
        hospital_id = scope  # type: ignore[assignment]
        if as_of_import is not None:
            return Dataset(**_as_of(conn, scope, as_of_import, aggregated=aggregated))
        for kind in TABLE_KINDS:
            if kind == "purchases":
                frames[kind] = (
                    _load_purchase_series(conn, hospital_id)
                    if aggregated
                    else _load_table(conn, kind, hospital_id, ordered=False)
                )
            elif kind == "payments":
                frames[kind] = _load_payments(conn, hospital_id, with_ids=not aggregated)
                frames["order_lines"] = _load_order_lines(conn, hospital_id)
            else:
                frames[kind] = _load_table(conn, kind, hospital_id)
    return Dataset(**frames)


def _as_of(conn: Connection, scope: Scope, import_id: int, *, aggregated: bool) -> dict[str, pd.DataFrame]:
    from procurement import history  # late: history builds on the store's modules

    if not history.import_exists(conn, import_id):
        raise InputError([Problem("", None, None, None, f"没有编号为 {import_id} 的导入记录",
                                  f"there is no import #{import_id}")])
    return history.frames_as_of(conn, scope, import_id, aggregated=aggregated)


def load_reference(engine: Engine) -> Dataset:
    """Hospitals, products and the substitutes list: what the importer needs to resolve names, check
    codes and tell a listed substitute (可替代产品) from a drug outside the procurement."""
    with engine.connect() as conn, conn.begin():
        return Dataset(
            hospitals=_load_table(conn, "hospitals", None), products=_load_table(conn, "products", None),
            substitutes=_load_table(conn, "substitutes", None),
        )


def list_imports(engine: Engine, hospital_id: str | None = None) -> pd.DataFrame:
    """The import log, newest first (a hospital sees only its own account's imports)."""
    log = schema.imports
    stmt = sa.select(log).order_by(log.c.id.desc())
    if hospital_id is not None:
        stmt = stmt.where(log.c.hospital_scope == hospital_id)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    records = []
    for row in rows:
        counts = {name: json.loads(row[name] or "{}") for name in ("added", "replaced", "unchanged", "removed")}
        records.append(
            {
                "import_id": row["id"],
                "user": row["user_name"],
                "imported_at": row["imported_at"],
                "source_name": row["source_name"],
                "file_hash": row["file_hash"],
                "hospital_scope": row["hospital_scope"],
                **counts,
                "rows_added": sum(counts["added"].values()),
                "rows_replaced": sum(counts["replaced"].values()),
                "rows_unchanged": sum(counts["unchanged"].values()),
                "rows_removed": sum(counts["removed"].values()),
                "replace_period": bool(row["replace_period"]),
            }
        )
    columns = [
        "import_id",
        "user",
        "imported_at",
        "source_name",
        "file_hash",
        "hospital_scope",
        "added",
        "replaced",
        "unchanged",
        "rows_added",
        "rows_replaced",
        "rows_unchanged",
        "removed",
        "rows_removed",
        "replace_period",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def demand_status(engine: Engine, hospital_id: str | None = None) -> pd.DataFrame:
    """Declarations with who accepted them and when (``accepted_by`` blank: still the hospital's own)."""
    demand = schema.KIND_TABLES["demand"]
    cols = [*schema.stored_columns("demand"), "accepted_by", "accepted_at"]
    stmt = hospital_filter(sa.select(*(demand.c[c] for c in cols)), demand, hospital_id)
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(*(demand.c[k] for k in NATURAL_KEYS["demand"]))).all()
    return pd.DataFrame(rows, columns=cols)


def data_version(engine: Engine) -> int:
    """Grows with every import: a cheap cache key for loaded datasets."""
    with engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.coalesce(sa.func.max(schema.imports.c.id), 0))).scalar_one()
        )


def is_empty(engine: Engine) -> bool:
    """True when no table holds a row (first start: the app offers the sample data)."""
    with engine.connect() as conn:
        return not any(
            conn.execute(sa.select(sa.exists(sa.select(sa.literal(1)).select_from(t)))).scalar_one()
            for t in _kind_tables()
        )


def _kind_tables() -> Iterable[sa.Table]:
    return schema.KIND_TABLES.values()
