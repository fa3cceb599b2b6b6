"""Bulk loads: rows into a staging table or an empty kind table as fast as each driver allows
(multi-row INSERTs on SQLite, COPY on PostgreSQL, and SQLite's coded first load of order lines)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from procurement import daily
from procurement import db_schema as schema
from procurement.arrays import blank_last, key_fits, mixed_radix, offsets, split_key, stable_argsort
from procurement.model import COLUMNS
from procurement.store import series
from procurement.store.sql import has_rows, is_sqlite, owns

_ROWS_PER_INSERT = 50  # x columns stays far below SQLite's 32,766 bound parameters


def first_load(conn: Connection, kind: str, frame: pd.DataFrame, import_id: int) -> None:
    """Fill an empty table: its indexes dropped and rebuilt after the load in one sort each, but for
    the one the rows arrive in the order of (see below).

    Only the table's owner may drop its indexes: the application role under row-level security
    (which may also see an empty table that holds other hospitals' rows) loads with them in place.
    """
    target = schema.KIND_TABLES[kind]
    # SQLite's BINARY collation orders text by UTF-8 bytes, i.e. by code point as Python sorts the
    # hospital codes, and ISO day text as days: purchases loaded in ``bucket_order`` land on the right
    # edge of this index, cheaper than sorting a million entries after the load (PostgreSQL's
    # collation may order text otherwise)
    in_order = "ix_purchases_hospital_id_date" if kind == "purchases" and is_sqlite(conn) else None
    owner = owns(conn, target)
    rebuilt = [index for index in target.indexes if index.name != in_order] if owner else []
    for index in rebuilt:
        index.drop(conn, checkfirst=True)
    for index in target.indexes:
        if index.name == in_order:  # filled as the rows go in
            index.create(conn, checkfirst=True)
    load = bulk_load if owner else _load_through_stage  # PostgreSQL refuses COPY under row-level security
    if kind != "purchases":
        load(conn, target, frame, import_id)
        for index in rebuilt:
            index.create(conn)
        return
    # one hash of each key column serves the row order, the bound values and the daily totals
    factorized = daily.factorize_keys(frame, sorted_column="hospital_id")
    order = bucket_order(factorized["hospital_id"][0], frame["date"])
    plain = not any(frame[c].notna().any() for c in _LINE_DETAIL)  # the coded load binds none of them
    if not (is_sqlite(conn) and plain and _sqlite_coded_load(conn, frame, factorized, order, import_id)):
        load(conn, target, frame, import_id, factorized=factorized, order=order)
    for index in rebuilt:
        index.create(conn)
    fresh = daily.from_lines(frame, factorized)
    if has_rows(conn, schema.purchase_series):
        series.store_series(conn, *fresh.buckets(), fresh)
    else:  # nothing stored to splice the new days into
        series.insert_series_rows(conn, daily.to_rows(fresh))


def _load_through_stage(
    conn: Connection, target: sa.Table, frame: pd.DataFrame, import_id: int, **kwargs: Any
) -> None:
    """``bulk_load`` into ``target`` for a role under row-level security: COPY into the staging twin
    (a temporary table, no policies), then one ``INSERT ... SELECT`` that the policies check."""
    kind = target.name
    stage = schema.stage_table(kind)
    stage.drop(conn, checkfirst=True)
    stage.create(conn)
    bulk_load(conn, stage, frame, **kwargs)
    cols = schema.stored_columns(kind)
    rows = sa.select(*(stage.c[c] for c in cols), sa.literal(import_id, sa.Integer))
    conn.execute(sa.insert(target).from_select([*cols, "import_id"], rows))
    stage.drop(conn)


# Order-line details the coded load does not bind (it stores them blank): files that give any of them
# take the plain bulk load.
_LINE_DETAIL: tuple[str, ...] = ("ordered_quantity", "order_date", "distributor", "invoice_id")


def _sqlite_coded_load(
    conn: Connection, frame: pd.DataFrame, factorized: daily.Factorized, order: np.ndarray | None, import_id: int
) -> bool:
    """Load purchases into their empty table through two small lookup tables (False: keys too many).

    Each line binds four values (order id, one code for its key and day, quantity, amount) into a
    temporary table instead of eleven into the real one; one ``INSERT ... SELECT`` then joins the day
    and the (hospital, drug) key back in C. Binding values one by one is most of a bulk insert's cost.
    """
    key_cols = [c for c in daily.KEY_COLUMNS if c != "winning"]
    # coded columns (arrays kernel): codes 0..n-1, -1 blank read as n, the trailing None of values
    columns = [(factorized[c][0], len(factorized[c][1])) for c in key_cols]
    values = [np.array([*np.asarray(factorized[c][1], dtype=object), None], dtype=object) for c in key_cols]
    columns.append((frame["winning"].fillna(False).to_numpy(dtype=bool).astype(np.int64), 2))
    values.append(np.array([0, 1, None], dtype=object))
    sizes = [n for _, n in columns]
    if not key_fits(sizes):
        return False
    key_id, distinct = pd.factorize(mixed_radix(*columns))  # dense ids of the distinct line keys
    key_rows = [np.arange(len(distinct)), *split_key(np.asarray(distinct), sizes)]  # id, then each column's code
    day_codes, days = pd.factorize(frame["date"])
    day_text = [*pd.DatetimeIndex(days).strftime("%Y-%m-%d"), None]  # a blank day is the trailing None
    # the day one more digit: the staged code is key id x len(day_text) + day, split back in SQL below
    number = mixed_radix((key_id, len(distinct)), (day_codes, len(days)))

    raw = conn.connection.driver_connection
    names = ", ".join(key_cols)
    raw.execute(f"CREATE TEMP TABLE stage_keys (id INTEGER PRIMARY KEY, {names}, winning)")
    raw.executemany(
        f"INSERT INTO stage_keys VALUES (?, {', '.join(['?'] * len(sizes))})",
        zip(key_rows[0].tolist(), *(values[j][key_rows[j + 1]].tolist() for j in range(len(sizes))), strict=True),
    )
    raw.execute("CREATE TEMP TABLE stage_days (id INTEGER PRIMARY KEY, date)")
    raw.executemany("INSERT INTO stage_days VALUES (?, ?)", enumerate(day_text))
    raw.execute("CREATE TEMP TABLE stage_lines (order_id, code, quantity, amount)")
    pick = slice(None) if order is None else order
    lines = [
        np.asarray(frame["order_id"].array, dtype=object)[pick].tolist(),  # never blank: refused before
        number[pick].tolist(),
        frame["quantity"].to_numpy(dtype="float64")[pick].tolist(),  # NaN is stored as NULL
        frame["amount"].to_numpy(dtype="float64")[pick].tolist(),
    ]
    _sqlite_insert_many(raw, "stage_lines", ["order_id", "code", "quantity", "amount"], lines, {})
    cols = schema.stored_columns("purchases")
    source = {"order_id": "l.order_id", "date": "d.date", "quantity": "l.quantity", "amount": "l.amount"}
    source.update({c: "NULL" for c in _LINE_DETAIL})  # blank in every line: checked by the caller
    picked = ", ".join(source.get(c, f"k.{c}") for c in cols)
    # CROSS JOIN keeps the staged lines the outer loop: rows go in in their staged order
    raw.execute(
        f"INSERT INTO purchases ({', '.join(cols)}, import_id) SELECT {picked}, {int(import_id)} "
        "FROM stage_lines AS l CROSS JOIN stage_days AS d CROSS JOIN stage_keys AS k "
        f"WHERE d.id = l.code % {len(day_text)} AND k.id = l.code / {len(day_text)} ORDER BY l.rowid"
    )
    for name in ("stage_lines", "stage_days", "stage_keys"):
        raw.execute(f"DROP TABLE {name}")
    return True


def bucket_order(hospital: np.ndarray, dates: pd.Series) -> np.ndarray | None:
    """Row order by (hospital_id, date), stable, blanks last (None: in that order already).

    ``hospital`` holds codes in value order (-1 blank). Rows loaded in this order build the
    (hospital, day) index from presorted input, over a second faster on a million lines than
    from the file's order; integer keys sort in a fraction of what ``sort_values`` on strings takes.
    """
    if len(hospital) < 2:
        return None
    hospitals = int(hospital.max(initial=-1)) + 1  # codes number the hospitals densely; -1 (blank) sorts last
    stamp = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    blank = stamp == np.iinfo(np.int64).min  # NaT
    day, rest = np.divmod(stamp, 86_400 * 10**9)
    if rest[~blank].any():  # times of day: sort on the stamps themselves
        return np.lexsort((np.where(blank, np.iinfo(np.int64).max, stamp), blank_last(hospital, hospitals)))
    if blank.any():  # a blank day sorts after every day of its hospital
        present, days = offsets(day[~blank])
        day = np.full(day.size, -1, dtype=np.int64)
        day[~blank] = present
    else:
        day, days = offsets(day)
    # hospitals x days span far less than 2**63 (mixed_radix would raise, not wrap)
    number = mixed_radix((hospital, hospitals), (day, days))
    if bool((number[1:] >= number[:-1]).all()):
        return None
    return stable_argsort(number)


def _python_columns(
    kind: str,
    frame: pd.DataFrame,
    cols: list[str],
    *,
    sqlite_types: bool,
    factorized: daily.Factorized | None = None,
    order: np.ndarray | None = None,
) -> list[list[Any]]:
    """Each column as a list of plain Python values (None for blanks, dates as ISO text), rows in
    ``order`` when given.

    With ``sqlite_types`` bools become 0/1 and float NaN is left as is (SQLite stores NaN as NULL):
    plain ints and floats bind without the driver's adaptation lookup. Columns in ``factorized``
    are built from their codes: reordering small integers and looking up a few distinct strings
    is far cheaper than reordering a million string references.
    """
    out = []
    for col in cols:
        column = frame[col]
        dtype = COLUMNS[kind][col]
        if factorized is not None and col in factorized:
            codes, uniques = factorized[col]
            lookup = np.array([*np.asarray(uniques, dtype=object), None], dtype=object)
            values = lookup[codes if order is None else codes[order]]  # code -1 (blank) picks the None
            out.append(values.tolist())
            continue
        if dtype.startswith("datetime64"):
            # few distinct days: format each once
            codes, uniques = pd.factorize(column)
            text = np.array([*pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), None], dtype=object)
            values = text[codes if order is None else codes[order]]  # code -1 (blank) picks the None
            out.append(values.tolist())
            continue
        if dtype == "bool":
            flags = column.fillna(False).to_numpy(dtype=bool)
            values = flags.astype(np.int64) if sqlite_types else flags.astype(object)
        elif dtype == "float64" and sqlite_types:
            values = column.to_numpy(dtype="float64")
        else:
            values = column.to_numpy(dtype=object, na_value=None)
        out.append((values if order is None else values[order]).tolist())
    return out


def _sqlite_insert_many(raw: Any, table: str, cols: list[str], lists: list[list[Any]], fixed: dict[str, int]) -> None:
    """Many rows per INSERT statement (a third less work than one statement per row); ``fixed``
    columns are the same on every row and written into the statement instead of bound per row."""
    width = len(lists)
    n = len(lists[0]) if lists else 0
    if not n:
        return
    row = f"({', '.join(['?'] * width + [str(int(v)) for v in fixed.values()])})"
    table = f"{table} ({', '.join([*cols, *fixed])})"
    flat: list[Any] = [None] * (n * width)
    for j, values in enumerate(lists):
        flat[j::width] = values
    per = _ROWS_PER_INSERT
    full = n - n % per
    if full:
        sql = f"INSERT INTO {table} VALUES {', '.join([row] * per)}"
        step = per * width
        raw.executemany(sql, (flat[i : i + step] for i in range(0, full * width, step)))
    if n > full:
        raw.execute(f"INSERT INTO {table} VALUES {', '.join([row] * (n - full))}", flat[full * width :])


def bulk_load(
    conn: Connection,
    table: sa.Table,
    frame: pd.DataFrame,
    import_id: int | None = None,
    *,
    factorized: daily.Factorized | None = None,
    order: np.ndarray | None = None,
) -> None:
    """Fast path into a staging table (or, with ``import_id``, a kind's own table): executemany on
    SQLite, COPY on PostgreSQL; rows in ``order`` when given (see ``_python_columns``)."""
    kind = table.name.removeprefix("stage_")
    cols = schema.stored_columns(kind)
    sqlite_types = is_sqlite(conn)
    lists = _python_columns(kind, frame, cols, sqlite_types=sqlite_types, factorized=factorized, order=order)
    fixed = {} if import_id is None else {"import_id": int(import_id)}
    raw = conn.connection.driver_connection
    if sqlite_types:
        _sqlite_insert_many(raw, table.name, cols, lists, fixed)
        return
    quoted = ", ".join(f'"{c}"' for c in [*cols, *fixed])
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in zip(*lists, *([v] * len(frame) for v in fixed.values()), strict=True):
            copy.write_row(row)
