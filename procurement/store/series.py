"""Daily series maintenance: the (hospital, day) buckets an import touches, their totals recounted
from the stored order lines, spliced into the stored series (:mod:`procurement.daily` holds the pure
part; this module does the SQL around it)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from procurement import daily
from procurement import db_schema as schema
from procurement.store.sql import IN_CHUNK, is_sqlite, raw_rows


class BucketsFirst(Join):
    """An inner join of the few touched (hospital, day) buckets to the order lines, run with the
    buckets as the outer loop.

    Without statistics on the temporary table SQLite prefers scanning the big table and probing
    the buckets, which reads every row of the database on each import; ``CROSS JOIN`` is SQLite's
    documented way to fix the loop order (same rows as ``JOIN``: the ``ON`` condition still holds).
    PostgreSQL plans this well by itself and gets a plain ``JOIN``.
    """

    inherit_cache = True

    def __init__(self, touched: sa.FromClause, lines: sa.FromClause) -> None:
        super().__init__(touched, lines, _same_bucket(lines, touched))


@compiles(BucketsFirst, "sqlite")
def _sqlite_buckets_first(join: BucketsFirst, compiler: Any, asfrom: bool = False, from_linter: Any = None,
                          **kw: Any) -> str:
    if from_linter:  # as SQLCompiler.visit_join records it: the two sides are joined, no cartesian product
        from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    left = join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    right = join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    on = join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    return f"{left} CROSS JOIN {right} ON {on}"


def buckets_in_use(conn: Connection, touched: sa.Table) -> bool:
    """Whether any touched bucket already holds order lines (then its totals must be recounted)."""
    lines = schema.KIND_TABLES["purchases"]
    inner = sa.select(sa.literal(1)).select_from(BucketsFirst(touched, lines))
    return bool(conn.execute(sa.select(sa.exists(inner))).scalar_one())


def _same_bucket(a: sa.FromClause, b: sa.FromClause) -> sa.ColumnElement:
    return sa.and_(a.c.hospital_id == b.c.hospital_id, a.c.date == b.c.date)


def collect_touched(
    conn: Connection,
    stage: sa.Table,
    target: sa.Table,
    on: sa.ColumnElement,
    differs: sa.ColumnElement,
    *,
    all_new: bool,
) -> sa.Table:
    """The (hospital, day) buckets whose totals change: new rows, and changed rows before and after."""
    touched = schema.touched_table()
    touched.drop(conn, checkfirst=True)
    touched.create(conn)
    if all_new:
        buckets: sa.Select | sa.CompoundSelect = sa.select(stage.c.hospital_id, stage.c.date).distinct()
    else:
        new_or_changed = (
            sa.select(stage.c.hospital_id, stage.c.date)
            .select_from(stage.outerjoin(target, on))
            .where(sa.or_(target.c.order_id.is_(None), differs))
        )
        old_of_changed = (
            sa.select(target.c.hospital_id, target.c.date).select_from(stage.join(target, on)).where(differs)
        )
        buckets = sa.union(new_or_changed, old_of_changed)
    dated = sa.select(buckets.subquery()).where(sa.literal_column("date").is_not(None))  # no day: no bucket
    conn.execute(sa.insert(touched).from_select(["hospital_id", "date"], dated))
    return touched


def recount_buckets(conn: Connection, touched: sa.Table) -> tuple[np.ndarray, np.ndarray, daily.DayTotals]:
    """The touched buckets and their day totals recounted from the order lines (in SQL)."""
    pairs = conn.execute(sa.select(touched.c.hospital_id, touched.c.date)).all()
    hospitals = np.array([p[0] for p in pairs], dtype=object)
    days = daily.day_numbers(pd.to_datetime([p[1] for p in pairs]))
    lines = schema.KIND_TABLES["purchases"]
    group = [lines.c[c] for c in ("hospital_id", "date", "product_id", "generic_name", "specification", "supplier")]
    group.append(sa.func.coalesce(lines.c.winning, sa.false()))
    totals = (
        sa.select(*group, sa.func.sum(lines.c.quantity), sa.func.sum(lines.c.amount))
        .select_from(BucketsFirst(touched, lines))
        .group_by(*group)
    )
    rows = conn.execute(totals).all()
    names = ["hospital_id", "date", "product_id", "generic_name", "specification", "supplier", "winning",
             "quantity", "amount"]
    frame = pd.DataFrame.from_records(rows, columns=names)
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("quantity", "amount"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return hospitals, days, daily.from_lines(frame)


def read_series(conn: Connection, hospitals: Iterable[str] | None) -> daily.DayTotals:
    """Stored series of these hospitals (None: all): a few rows per hospital and drug."""
    series = schema.purchase_series
    cols = [series.c[c] for c in (*daily.KEY_COLUMNS, "days", "quantity", "amount")]
    if hospitals is None:
        stmts = [sa.select(*cols)]
    else:
        wanted = sorted(set(hospitals))
        stmts = [
            sa.select(*cols).where(series.c.hospital_id.in_(wanted[i : i + IN_CHUNK]))
            for i in range(0, len(wanted), IN_CHUNK)
        ]
    rows: list[Any] = []
    for stmt in stmts:
        rows += raw_rows(conn, stmt.order_by(*cols[: len(daily.KEY_COLUMNS)]))
    return daily.from_rows(rows)


def store_series(conn: Connection, hospitals: np.ndarray, days: np.ndarray, fresh: daily.DayTotals) -> None:
    """Replace the touched (hospital, day) buckets of the stored series by their recounted totals."""
    touched = sorted(set(hospitals.tolist()))
    if not touched:
        return
    merged = daily.splice(read_series(conn, touched), hospitals, days, fresh)
    series = schema.purchase_series
    for i in range(0, len(touched), IN_CHUNK):
        conn.execute(sa.delete(series).where(series.c.hospital_id.in_(touched[i : i + IN_CHUNK])))
    insert_series_rows(conn, daily.to_rows(merged))


def insert_series_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert series rows as made by ``daily.to_rows``."""
    series = schema.purchase_series
    if rows:  # through the driver: SQLAlchemy's per-row parameter handling would cost more than the insert
        names = [*daily.KEY_COLUMNS, "days", "quantity", "amount"]
        mark = "?" if is_sqlite(conn) else "%s"
        sql = f"INSERT INTO {series.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        cur = conn.connection.driver_connection.cursor()
        try:
            cur.executemany(sql, rows)
        finally:
            cur.close()


def rebuild_series(conn: Connection) -> None:
    """Recount every stored daily total from the order lines, a hospital at a time (on upgrade)."""
    conn.execute(sa.delete(schema.purchase_series))
    lines = schema.KIND_TABLES["purchases"]
    for (hospital,) in conn.execute(sa.select(lines.c.hospital_id).distinct()).all():
        touched = schema.touched_table()
        touched.drop(conn, checkfirst=True)
        touched.create(conn)
        conn.execute(
            sa.insert(touched).from_select(
                ["hospital_id", "date"],
                sa.select(lines.c.hospital_id, lines.c.date).where(lines.c.hospital_id == hospital).distinct(),
            )
        )
        store_series(conn, *recount_buckets(conn, touched))
        touched.drop(conn)
