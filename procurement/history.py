"""Corrections and the audit trail of the store: rows a corrected file removes, earlier row versions,
and the tables as they were right after any import.

A corrected export cannot say "this line is gone": it simply lacks it. So a correction (an import with
``replace_period``) replaces, for each hospital of the file, that hospital's purchases and payments
dated within the file's own first-to-last date of that hospital: stored rows there whose natural key
the file no longer has are removed. Every replaced or removed row version is kept in a history table
with the import that superseded it, so any past report can be rebuilt as it was.

Scoping is explicit here and does not rely on the callers' checks: a removal only ever selects rows
of a hospital that has rows in the file, and with a ``hospital_scope`` (a hospital account) of that
hospital only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from procurement import daily
from procurement import db_schema as schema
from procurement.model import NATURAL_KEYS, TABLE_KINDS, empty_frame
from procurement.problems import InputError, Problem
from procurement.store import links, read, series, transaction
from procurement.store.scope import HOSPITAL_KINDS, hospital_filter
from procurement.store.sql import IN_CHUNK

# Table kinds a correction replaces by period: the dated rows of one hospital (an export of its orders
# or payments for a month). Other kinds are upserted as usual: a catalogue or an agreement file has no
# period, and a row missing from it says nothing.
PERIOD_KINDS: tuple[str, ...] = ("purchases", "payments")


def file_periods(frame: pd.DataFrame, hospital_scope: str | None = None) -> pd.DataFrame:
    """Per hospital of the file, its first and last dated row (columns hospital_id, first, last).

    Rows without a date belong to no period (and a hospital whose rows have none has no period: a
    correction then removes nothing of it). With ``hospital_scope`` only that hospital's period is kept.
    """
    dated = frame.loc[frame["date"].notna() & frame["hospital_id"].notna(), ["hospital_id", "date"]]
    if hospital_scope is not None:
        dated = dated[dated["hospital_id"] == hospital_scope]
    grouped = dated.groupby(dated["hospital_id"].astype(object), sort=True)["date"]
    periods = pd.DataFrame({"first": grouped.min(), "last": grouped.max()})
    return periods.rename_axis("hospital_id").reset_index()


def absent_rows(conn: Connection, kind: str, frame: pd.DataFrame, hospital_scope: str | None) -> pd.DataFrame:
    """Stored ``kind`` rows a correction with ``frame`` removes: of a hospital of the file (only
    ``hospital_scope`` when given), dated within that hospital's period in the file, and whose natural
    key the file does not hold. Canonical columns, sorted by hospital, date and id."""
    table = schema.KIND_TABLES[kind]
    hospital_key, row_key = NATURAL_KEYS[kind]
    cols = schema.stored_columns(kind)
    found = []
    ids: dict[str, set[str]] = {}
    for hospital, row_id in zip(frame[hospital_key].astype(str), frame[row_key].astype(str), strict=True):
        ids.setdefault(hospital, set()).add(row_id)
    for hospital, first, last in file_periods(frame, hospital_scope).itertuples(index=False):
        if hospital_scope is not None and hospital != hospital_scope:  # never another hospital's rows
            continue
        stmt = sa.select(*(table.c[c] for c in cols)).where(
            table.c[hospital_key] == hospital,
            table.c.date >= pd.Timestamp(first).date(),
            table.c.date <= pd.Timestamp(last).date(),
        )
        stored = read.fetch(conn, stmt, kind, cols)
        found.append(stored[~stored[row_key].astype(str).isin(ids.get(str(hospital), set()))])
    if not found:
        return empty_frame(kind)
    gone = pd.concat(found, ignore_index=True)
    return gone.sort_values([hospital_key, "date", row_key], kind="stable").reset_index(drop=True)


def preview_removals(
    engine: Engine, tables: dict[str, pd.DataFrame], hospital_scope: str | None = None
) -> dict[str, pd.DataFrame]:
    """What a correction with ``tables`` would remove, per kind, read only: shown before the user confirms."""
    out: dict[str, pd.DataFrame] = {}
    with engine.connect() as conn, conn.begin():
        for kind in PERIOD_KINDS:
            frame = tables.get(kind)
            if frame is None or frame.empty:
                continue
            prepared, problems = transaction.prepare(kind, frame, "")
            if problems:  # blank keys: the import refuses them anyway; preview what can be read
                prepared = prepared.dropna(subset=list(NATURAL_KEYS[kind]))
            out[kind] = absent_rows(conn, kind, prepared, hospital_scope)
    return out


def remove_absent(
    conn: Connection, frames: dict[str, pd.DataFrame], import_id: int, hospital_scope: str | None
) -> dict[str, int]:
    """Inside an import's transaction: remove the rows ``absent_rows`` finds, each kept in history as
    removed by ``import_id``; the daily series of the removed lines' (hospital, day) buckets are
    recounted and payments that named a removed order lose their link. Returns rows removed per kind."""
    removed: dict[str, int] = {}
    for kind in PERIOD_KINDS:
        frame = frames.get(kind)
        if frame is None or frame.empty:
            continue
        gone = absent_rows(conn, kind, frame, hospital_scope)
        removed[kind] = len(gone)
        if gone.empty:
            continue
        hospital_key, row_key = NATURAL_KEYS[kind]
        keys = [{"h": h, "k": k} for h, k in zip(gone[hospital_key].astype(str), gone[row_key].astype(str), strict=True)]
        _archive_and_delete(conn, kind, keys, import_id)
        if kind == "purchases":
            _recount_removed_buckets(conn, gone)
            _relink_payments_of(conn, sorted(set(gone[hospital_key].astype(str))))
    return removed


def _archive_and_delete(conn: Connection, kind: str, keys: list[dict[str, Any]], import_id: int) -> None:
    """Copy each keyed row into history as removed by ``import_id``, then delete it (by its unique key)."""
    table, hist = schema.KIND_TABLES[kind], schema.HISTORY_TABLES[kind]
    hospital_key, row_key = NATURAL_KEYS[kind]
    cols = schema.stored_columns(kind)
    match = sa.and_(table.c[hospital_key] == sa.bindparam("h"), table.c[row_key] == sa.bindparam("k"))
    old = sa.select(
        *(table.c[c] for c in cols), table.c.import_id, sa.literal(int(import_id), sa.Integer), sa.literal("removed")
    ).where(match)
    conn.execute(sa.insert(hist).from_select([*cols, "import_id", "superseded_by", "action"], old), keys)
    conn.execute(sa.delete(table).where(match), keys)


def _recount_removed_buckets(conn: Connection, gone: pd.DataFrame) -> None:
    """Daily totals of the (hospital, day) buckets removed lines were in, recounted from the lines left."""
    buckets = gone.loc[gone["date"].notna(), ["hospital_id", "date"]].drop_duplicates()
    if buckets.empty:
        return
    touched = schema.touched_table()
    touched.drop(conn, checkfirst=True)
    touched.create(conn)
    conn.execute(
        sa.insert(touched),
        [{"hospital_id": str(h), "date": pd.Timestamp(d).date()} for h, d in buckets.itertuples(index=False)],
    )
    series.store_series(conn, *series.recount_buckets(conn, touched))
    touched.drop(conn)


def _relink_payments_of(conn: Connection, hospitals: list[str]) -> None:
    """Payments of these hospitals linked again from the lines left: a removed line may have been the
    order a payment named, or one line of the invoice or distributor it names (the import's own relink
    runs only when it adds or replaces lines, and only for payments naming what it wrote)."""
    pay = schema.KIND_TABLES["payments"]
    for i in range(0, len(hospitals), IN_CHUNK):
        links.link_payments(conn, pay.c.hospital_id.in_(hospitals[i : i + IN_CHUNK]))


def keep_replaced(
    conn: Connection, kind: str, stage: sa.Table, target: sa.Table, on: sa.ColumnElement,
    differs: sa.ColumnElement, import_id: int,
) -> None:
    """Inside ``_upsert``, before the staged rows overwrite stored ones: copy the stored versions that
    are about to change into history, superseded by ``import_id``. Only changed rows are copied, so a
    first load or a re-import of the same file writes nothing here."""
    hist = schema.HISTORY_TABLES[kind]
    cols = schema.stored_columns(kind)
    old = (
        sa.select(
            *(target.c[c] for c in cols), target.c.import_id, sa.literal(int(import_id), sa.Integer),
            sa.literal("replaced"),
        )
        .select_from(stage.join(target, on))
        .where(differs)
    )
    conn.execute(sa.insert(hist).from_select([*cols, "import_id", "superseded_by", "action"], old))


def check_expected(removed: dict[str, int], expected: dict[str, int] | None, source_name: str) -> None:
    """Refuse a correction whose removals differ from the preview the user confirmed (the store
    changed in between): nothing is written, and the user previews again."""
    if expected is None:
        return
    actual = {k: n for k, n in removed.items() if n}
    wanted = {k: n for k, n in expected.items() if n}
    if actual != wanted:
        raise InputError([Problem(
            source_name, None, None, None,
            f"预览后数据已变化：将删除 {sum(actual.values())} 行，预览为 {sum(wanted.values())} 行；请重新检查后再确认",
            f"the stored rows changed since the preview: {sum(actual.values())} row(s) would be removed, "
            f"the preview showed {sum(wanted.values())}; check again before confirming",
        )])


def check_own_removals(conn: Connection, import_id: int, hospital_scope: str) -> None:
    """A hospital account's correction removed only its own hospital's rows (checked again on what was
    actually archived, before the transaction commits; a breach rolls the whole import back)."""
    for kind in PERIOD_KINDS:
        hist = schema.HISTORY_TABLES[kind]
        foreign = conn.execute(
            sa.select(sa.func.count()).where(
                hist.c.superseded_by == int(import_id), hist.c.action == "removed",
                hist.c.hospital_id != hospital_scope,
            )
        ).scalar_one()
        if foreign:
            raise InputError([Problem(
                "", kind, None, "hospital_id",
                f"医疗机构账号 {hospital_scope} 不能删除其他机构的数据（{foreign} 行）",
                f"hospital account {hospital_scope} cannot remove {foreign} row(s) of other hospitals",
            )])


def removals(engine: Engine, hospital_id: str | None = None) -> pd.DataFrame:
    """The audit trail of removals: one row per stored row a correction removed, with what it held and
    who removed it when, from which file (user, time, file hash of the import). A hospital sees its own."""
    log = schema.imports
    parts = []
    with engine.connect() as conn:
        for kind in PERIOD_KINDS:
            hist = schema.HISTORY_TABLES[kind]
            row_key = NATURAL_KEYS[kind][1]
            stmt = (
                sa.select(sa.literal(kind).label("kind"), hist.c.hospital_id, hist.c[row_key].label("row_id"),
                          hist.c.date, hist.c.product_id, hist.c.amount, hist.c.import_id.label("written_by"),
                          hist.c.superseded_by.label("import_id"), log.c.user_name.label("user"),
                          log.c.imported_at, log.c.source_name, log.c.file_hash)
                .select_from(hist.join(log, log.c.id == hist.c.superseded_by))
                .where(hist.c.action == "removed")
            )
            if hospital_id is not None:
                stmt = stmt.where(hist.c.hospital_id == hospital_id)
            parts.append(pd.DataFrame(conn.execute(stmt).all(), columns=list(stmt.selected_columns.keys())))
    filled = [part for part in parts if len(part)]
    frame = pd.concat(filled, ignore_index=True) if filled else parts[0]
    return frame.sort_values(["import_id", "kind", "hospital_id", "row_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The tables as of an import


def import_exists(conn: Connection, import_id: int) -> bool:
    log = schema.imports
    return conn.execute(sa.select(sa.func.count()).where(log.c.id == int(import_id))).scalar_one() > 0


def frames_as_of(conn: Connection, scope: Any, import_id: int, *, aggregated: bool) -> dict[str, pd.DataFrame]:
    """Every table as it was right after import ``import_id``, shaped as ``store.load_dataset`` shapes them.

    Rows current now that import ``import_id`` or an earlier one wrote, plus the history versions
    written by then and superseded after it. Purchases are rebuilt into daily totals from those lines
    (as the store's series were counted), payments take the day, product and supplier of the order
    they name among those lines (as the store's link columns did).
    """
    n = int(import_id)
    frames: dict[str, pd.DataFrame] = {}
    for kind in TABLE_KINDS:
        table, hist = schema.KIND_TABLES[kind], schema.HISTORY_TABLES[kind]
        cols = schema.stored_columns(kind)
        now = sa.select(*(table.c[c] for c in cols)).where(table.c.import_id <= n)
        then = sa.select(*(hist.c[c] for c in cols)).where(hist.c.import_id <= n, hist.c.superseded_by > n)
        if "hospital_id" in table.c and (kind in HOSPITAL_KINDS or kind == "hospitals"):
            now, then = hospital_filter(now, table, scope), hospital_filter(then, hist, scope)
        both = sa.union_all(now, then).subquery()
        stmt = sa.select(*(both.c[c] for c in cols)).order_by(*(both.c[k] for k in NATURAL_KEYS[kind]))
        frames[kind] = read.fetch(conn, stmt, kind, cols)
    lines = frames["purchases"]
    frames["payments"] = _linked_payments(frames["payments"], lines, with_ids=not aggregated)
    detail = lines["ordered_quantity"].notna() | lines["order_date"].notna()
    frames["order_lines"] = lines[detail].reset_index(drop=True)
    if aggregated:
        frames["purchases"] = daily.to_purchases(daily.from_lines(lines))
    return frames


def _linked_payments(pay: pd.DataFrame, lines: pd.DataFrame, *, with_ids: bool) -> pd.DataFrame:
    """Payments with the links ``links.link_payments`` keeps on them, worked out from ``lines`` (the
    order lines as of the same import), read as ``store.read._load_payments`` reads them: an invoice the
    payment names (its first delivery day; product and supplier when all its lines agree) overrides
    the order it names (that line's day, product and supplier); a payment naming neither, with no
    product and no supplier, takes its distributor's one supplier. A blank product or supplier of the
    payment is filled from the link, ``order_date`` is the link's day and ``link_by`` says which."""
    out = pay.reset_index(drop=True).copy()
    n = len(out)
    day = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    product = pd.Series(pd.NA, index=out.index, dtype="string")
    supplier = pd.Series(pd.NA, index=out.index, dtype="string")
    by = pd.Series(pd.NA, index=out.index, dtype="string")

    def found(keys: list[str], table: pd.DataFrame, where: pd.Series) -> tuple[Any, pd.DataFrame]:
        merged = out[keys].merge(table, how="left", on=keys, indicator=True)  # right keys unique: n rows
        return (merged["_merge"] == "both").to_numpy() & where.to_numpy(), merged

    orders = lines[["hospital_id", "order_id", "date", "product_id", "supplier"]]
    hit, merged = found(["hospital_id", "order_id"], orders, out["order_id"].notna())
    day[hit], product[hit], supplier[hit], by[hit] = (
        merged["date"][hit].to_numpy(), merged["product_id"][hit].to_numpy(), merged["supplier"][hit].to_numpy(),
        "order")
    invoiced = lines[lines["invoice_id"].notna()]
    if n and len(invoiced):
        groups = invoiced.groupby(["hospital_id", "invoice_id"], observed=True, dropna=False)
        invoices = pd.DataFrame({"day": groups["date"].min(), "product_id": _the_one(groups, "product_id"),
                                 "supplier": _the_one(groups, "supplier")}).reset_index()
        hit, merged = found(["hospital_id", "invoice_id"], invoices, out["invoice_id"].notna())
        day[hit], product[hit], supplier[hit], by[hit] = (
            merged["day"][hit].to_numpy(), merged["product_id"][hit].to_numpy(),
            merged["supplier"][hit].to_numpy(), "invoice")
    alone = out["distributor"].notna() & out["product_id"].isna() & out["supplier"].isna() & by.isna()
    delivered = lines[lines["distributor"].notna()]
    if alone.any() and len(delivered):
        groups = delivered.groupby(["hospital_id", "distributor"], observed=True, dropna=False)
        ones = _the_one(groups, "supplier").rename("one").reset_index()
        ones = ones[ones["one"].notna()]
        hit, merged = found(["hospital_id", "distributor"], ones, alone)
        supplier[hit], by[hit] = merged["one"][hit].to_numpy(), "distributor"
    out["product_id"] = out["product_id"].fillna(product)
    out["supplier"] = out["supplier"].fillna(supplier)
    out["order_date"] = day.to_numpy()
    out["link_by"] = by
    if not with_ids:
        out["payment_id"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["order_id"] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def _the_one(groups: Any, col: str) -> pd.Series:
    """Per group: the value every row has, else blank (several values, or a row without one), as
    ``store.links.the_one`` decides in SQL."""
    agg = groups[col].agg(["min", "max", "count", "size"])
    one = (agg["min"] == agg["max"]).fillna(False) & (agg["count"] == agg["size"])
    return agg["min"].where(one).astype("string")
