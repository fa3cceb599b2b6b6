"""Persistence of the canonical tables in SQLite (default) or PostgreSQL.

Every import is one transaction: rows are bulk-loaded into a temporary staging table, compared with
what is stored by natural key (so re-importing a file adds nothing), upserted, and the daily purchase
totals the reports read (one binary series per hospital and drug, :mod:`procurement.daily`) are
recounted for the (hospital, day) buckets the import touched.
Reads go through the raw driver cursor because millions of rows through ORM-style row objects
would dominate a report's time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from procurement import daily, roles
from procurement import db_schema as schema
from procurement.arrays import stable_argsort
from procurement.model import COLUMNS, NATURAL_KEYS, TABLE_KINDS, Dataset, canonical
from procurement.problems import InputError, Problem

REPO_ROOT = Path(__file__).resolve().parents[1]

# Tables holding one hospital's own rows: what a hospital account may write and see.
HOSPITAL_KINDS: tuple[str, ...] = ("agreements", "purchases", "payments", "demand", "fund_transfers", "shortages")
# Alliance-wide catalogue: a hospital account may re-send it unchanged but never change it.
CATALOGUE_KINDS: tuple[str, ...] = ("products", "offers", "substitutes")

_ROWS_PER_INSERT = 50  # x columns stays far below SQLite's 32,766 bound parameters


@dataclass(frozen=True)
class ImportSummary:
    """What one import did, per table kind: rows new, rows whose stored values changed, rows equal."""

    import_id: int
    added: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)  # by a correction (``replace_period``)

    @property
    def total_removed(self) -> int:
        return sum(self.removed.values())

    @property
    def total_added(self) -> int:
        return sum(self.added.values())

    @property
    def total_replaced(self) -> int:
        return sum(self.replaced.values())

    @property
    def total_unchanged(self) -> int:
        return sum(self.unchanged.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "added": dict(self.added),
            "replaced": dict(self.replaced),
            "unchanged": dict(self.unchanged),
            "removed": dict(self.removed),
        }


# ---------------------------------------------------------------------------------------------
# Engine


def default_url() -> str:
    """``VBP_DB_URL`` when set, else the embedded SQLite file the app and the CLI share."""
    url = os.environ.get("VBP_DB_URL")
    if url:
        return url
    folder = REPO_ROOT / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'vbp.sqlite'}"


def get_engine(url: str | None = None) -> Engine:
    """An engine with the schema in place; SQLite tuned for one writer beside many readers."""
    url = url or default_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        _configure_sqlite(engine)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    present = set(sa.inspect(engine).get_table_names())
    if any(t.name not in present for t in schema.metadata.sorted_tables):
        with engine.connect() as conn:  # two processes starting at once must not both create a table
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                _write_lock(conn)
                schema.metadata.create_all(conn)  # checks again, under the lock
    _upgrade(engine)
    return engine


# Any fixed number: the advisory lock every writer of a PostgreSQL store takes (see ``_write_lock``).
_PG_WRITE_LOCK = 0x56425001


def _write_lock(conn: Connection) -> None:
    """Serialise writers, as SQLite's ``BEGIN IMMEDIATE`` does, for the rest of the transaction.

    An import recounts the daily series of the buckets it touches from the stored lines: two imports
    doing that at once under PostgreSQL's READ COMMITTED each write totals that miss the other's
    lines (lost updates), and both insert the same new series rows (unique violations). Imports take
    seconds, so one writer at a time costs little; readers are never blocked.
    """
    if not _is_sqlite(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


def _upgrade(engine: Engine) -> None:
    """Bring a database written by an earlier version up to date (idempotent, cheap when current).

    Looked at without a lock (the usual case: nothing to do); any change is decided again and made
    under the write lock, so two processes starting at once never apply it twice.
    """
    if _upgrade_in(engine, None):
        with engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                _write_lock(conn)
                _upgrade_in(conn, conn)


def _upgrade_in(bind: Engine | Connection, conn: Connection | None) -> bool:
    """Whether ``bind``'s schema is out of date; with ``conn`` (a locked transaction), bring it up to date."""
    inspector = sa.inspect(bind)
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
    if conn is None:
        with bind.connect() as reader:
            needs_series = _series_missing(reader)
    else:
        needs_series = _series_missing(conn)
    if conn is None or not (retired or stale_indexes or needs_series or missing_columns or stale_keys):
        return bool(retired or stale_indexes or needs_series or missing_columns or stale_keys)
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
        _relink_payments(conn, "payments", None)
    if needs_series:
        _rebuild_series(conn)
    return True


def _series_missing(conn: Connection) -> bool:
    """Order lines stored without their daily series (a database written before the series existed)."""
    return _has_rows(conn, schema.KIND_TABLES["purchases"]) and not _has_rows(conn, schema.purchase_series)


def _configure_sqlite(engine: Engine) -> None:
    """WAL so readers never block the importer; explicit BEGIN so DDL on staging tables is transactional."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # pysqlite's implicit transactions skip DDL: we BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in (
            # a new file only (no effect once a table exists): 16 KiB pages, a quarter of the page
            # and WAL-frame headers of 4 KiB ones; a first import of 1M order lines commits faster
            "page_size=16384",
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "synchronous=NORMAL",
            "temp_store=MEMORY",
            "cache_size=-131072",
            # reads straight from the mapped file, no copy through read(): a report's load reads
            # megabytes of series blobs; writes still go through the journal (durability unchanged)
            "mmap_size=2147418112",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # writers take the lock up front: a deferred transaction upgrading to write can fail at once
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


# ---------------------------------------------------------------------------------------------
# Import


def import_tables(
    engine: Engine,
    tables: dict[str, pd.DataFrame],
    *,
    source_name: str,
    file_hash: str,
    role: str | None = None,
    user: str = "cli",
    hospital_scope: str | None = None,
    replace_period: bool = False,
    expect_removed: dict[str, int] | None = None,
) -> ImportSummary:
    """Store canonical tables in one transaction; any failure leaves the database as it was.

    ``role`` is the importing account's (default: a hospital when ``hospital_scope`` is given, else a
    coordinator, as the command line runs). Refused with an ``InputError`` and nothing written: any
    table the role may not write (:mod:`procurement.roles`: a hospital writes purchases, payments and
    declarations only, leadership nothing) and a hospital's change to a declaration a coordinator
    accepted. Declarations a coordinator writes are accepted by that coordinator.

    A row whose natural key is stored already replaces it when a value differs and is counted
    unchanged otherwise. With ``hospital_scope`` (a hospital account) rows of other hospitals and
    changes to the alliance catalogue are refused with an ``InputError``.

    With ``replace_period`` the import is a correction: each hospital's stored purchases and payments
    dated within that hospital's first to last date in the file, and absent from it, are removed (see
    :mod:`procurement.history`; ``history.preview_removals`` lists them first). ``expect_removed``
    (the counts the user saw in that preview) refuses the correction when the removals differ.
    Replaced and removed rows are kept in history tables, so ``load_dataset(as_of_import=N)`` rebuilds
    the tables as they were right after import N.
    """
    unknown = sorted(set(tables) - set(TABLE_KINDS))
    if unknown:
        raise ValueError(f"unknown table kinds: {unknown}")
    role = roles.effective_role(role, hospital_scope)
    if role == roles.HOSPITAL and hospital_scope is None:
        raise ValueError("a hospital account's import needs its hospital_scope")
    sent = {kind: len(frame) for kind, frame in tables.items() if frame is not None}
    refused = roles.refusals(role, sent, source_name)
    if refused:  # before anything else: which rows are wrong does not matter, none may be written
        raise InputError(refused)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for kind in TABLE_KINDS:
        frame = tables.get(kind)
        if frame is None or frame.empty:
            continue
        frame, found = _prepare(kind, frame, source_name)
        problems += found
        frames[kind] = frame
    if hospital_scope is not None:
        problems += _scope_problems(frames, hospital_scope, source_name)
    if problems:
        raise InputError(problems)

    added: dict[str, int] = {}
    replaced: dict[str, int] = {}
    unchanged: dict[str, int] = {}
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            _write_lock(conn)
            if role == roles.HOSPITAL and "demand" in frames:  # under the lock: no acceptance in between
                _refuse_accepted_demand(conn, frames["demand"], source_name)

            import_id = conn.execute(
                sa.insert(schema.imports)
                .values(
                    user_name=user,
                    imported_at=datetime.now(UTC).replace(tzinfo=None),
                    source_name=source_name,
                    file_hash=file_hash,
                    hospital_scope=hospital_scope,
                    added="{}",
                    replaced="{}",
                    unchanged="{}",
                )
                .returning(schema.imports.c.id)
            ).scalar_one()
            removed = _corrections().remove_absent(conn, frames, import_id, hospital_scope) if replace_period else {}
            _corrections().check_expected(removed, expect_removed, source_name)
            for kind, frame in frames.items():
                added[kind], replaced[kind], unchanged[kind] = _upsert(conn, kind, frame, import_id)
            if role == roles.COORDINATOR and (added.get("demand") or replaced.get("demand")):
                _accept_written_demand(conn, import_id, user)

            for kind in ("purchases", "payments"):  # payments follow the orders they name
                if added.get(kind) or replaced.get(kind):
                    _relink_payments(conn, kind, import_id, frames[kind]["hospital_id"])
            if hospital_scope is not None:
                _refuse_catalogue_changes(hospital_scope, source_name, added, replaced)
            conn.execute(
                sa.update(schema.imports)
                .where(schema.imports.c.id == import_id)
                .values(
                    added=json.dumps(added), replaced=json.dumps(replaced), unchanged=json.dumps(unchanged),
                    removed=json.dumps(removed), replace_period=replace_period,
                )
            )
            if hospital_scope is not None and any(removed.values()):  # history holds a row per removal
                _corrections().check_own_removals(conn, import_id, hospital_scope)
    return ImportSummary(import_id, added, replaced, unchanged, removed)


def _corrections() -> Any:
    """procurement.history, imported on use (it builds on this module's helpers)."""
    from procurement import history

    return history


# Columns a row cannot be stored without besides its natural key: a purchase line belongs to a
# hospital (its daily totals, its (hospital, day) bucket and every hospital-scoped read rest on it).
# The importer refuses such lines already; this guards ``import_tables`` callers.
_REQUIRED: dict[str, tuple[str, ...]] = {"purchases": ("hospital_id",)}


def _prepare(kind: str, frame: pd.DataFrame, source_name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical columns, no blank keys, one row per key (the last one wins, as in a re-import)."""
    frame = canonical(kind, frame)  # the importer's tables are canonical already: no re-cast
    keys = list(NATURAL_KEYS[kind])
    problems = []
    for key in dict.fromkeys([*keys, *_REQUIRED.get(kind, ())]):
        blank = int(frame[key].isna().sum())
        if blank:
            problems.append(
                Problem(
                    source_name,
                    kind,
                    None,
                    key,
                    f"{blank} 行缺少 {key}，无法保存",
                    f"{blank} row(s) have no {key} and cannot be stored",
                )
            )
    # a key is unique when its last column alone is (order ids are unique across hospitals in most
    # exports): one comparison pass instead of a hash of every (hospital, id) pair
    if not (not problems and _is_unique(frame[keys[-1]])):
        frame = frame.drop_duplicates(subset=keys, keep="last")
    return frame, problems


def _is_unique(column: pd.Series) -> bool:
    """Whether no value repeats in a column without blanks. Strictly ascending values (order ids as
    most exports list them) are unique: one comparison pass, a fifth of a hash pass on 1M strings."""
    values = np.asarray(column.array, dtype=object)  # no NA pass (``to_numpy`` makes one): no blanks here
    try:
        if len(values) < 2 or bool((values[1:] > values[:-1]).all()):
            return True
    except TypeError:  # values of mixed types: no order
        pass
    return bool(column.is_unique)


def _scope_problems(frames: dict[str, pd.DataFrame], hospital_id: str, source_name: str) -> list[Problem]:
    """A hospital account may only write its own rows."""
    problems = []
    for kind in ("hospitals", *HOSPITAL_KINDS):
        frame = frames.get(kind)
        if frame is None:
            continue
        others = frame.loc[frame["hospital_id"] != hospital_id, "hospital_id"].value_counts()
        for other, n in others.items():
            problems.append(
                Problem(
                    source_name,
                    kind,
                    None,
                    "hospital_id",
                    f"医疗机构账号 {hospital_id} 不能导入其他机构 {other} 的数据（{n} 行）",
                    f"hospital account {hospital_id} cannot import {n} row(s) of hospital {other}",
                )
            )
    return problems


def _refuse_catalogue_changes(
    hospital_id: str, source_name: str, added: dict[str, int], replaced: dict[str, int]
) -> None:
    problems = [
        Problem(
            source_name,
            kind,
            None,
            None,
            f"医疗机构账号 {hospital_id} 不能修改联盟目录（{added.get(kind, 0) + replaced.get(kind, 0)} 行）",
            f"hospital account {hospital_id} cannot change the alliance catalogue "
            f"({added.get(kind, 0) + replaced.get(kind, 0)} row(s))",
        )
        for kind in CATALOGUE_KINDS
        if added.get(kind, 0) or replaced.get(kind, 0)
    ]
    if problems:
        raise InputError(problems)


def _refuse_accepted_demand(conn: Connection, frame: pd.DataFrame, source_name: str) -> None:
    """A hospital may re-state its pending declarations, never one a coordinator has accepted.

    Runs inside the import's transaction (the lock is held), before anything of it is written.
    Only the hospital's own rows can match: the frame passed the scope check.
    """
    demand = schema.KIND_TABLES["demand"]
    keys = list(NATURAL_KEYS["demand"])
    values = [c for c in schema.stored_columns("demand") if c not in keys]
    hospitals = sorted(set(frame["hospital_id"].dropna()))
    stmt = sa.select(*(demand.c[c] for c in [*keys, *values])).where(
        demand.c.accepted_by.is_not(None), demand.c.hospital_id.in_(hospitals)
    )
    stored = pd.DataFrame(conn.execute(stmt).all(), columns=[*keys, *values])
    if stored.empty:
        return
    both = frame[[*keys, *values]].astype(object).merge(
        stored.astype(object), on=keys, suffixes=("", "_stored")
    )
    changed = np.zeros(len(both), dtype=bool)
    for col in values:  # a few rows per hospital: plain Python comparison, blanks equal to blanks
        pairs = zip(both[col].tolist(), both[f"{col}_stored"].tolist(), strict=True)
        changed |= np.array([_blank(a) != _blank(b) or (not _blank(a) and a != b) for a, b in pairs], dtype=bool)
    if not changed.any():
        return
    names = both.loc[changed, ["generic_name", "specification"]].astype(str).agg(" ".join, axis=1).tolist()
    shown = "、".join(names[:5]) + ("…" if len(names) > 5 else "")
    raise InputError([
        Problem(
            source_name,
            "demand",
            None,
            None,
            f"报量已由联盟办公室确认，医疗机构账号不能再修改（{len(names)} 行：{shown}），未写入任何数据；"
            "如需调整请联系联盟办公室",
            f"declarations accepted by the alliance office cannot be changed by a hospital account "
            f"({len(names)} row(s): {', '.join(names[:5])}); nothing was written; ask the alliance office",
        )
    ])


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _accept_written_demand(conn: Connection, import_id: int, user: str) -> None:
    """Declarations a coordinator writes are the alliance's: accepted by that coordinator now."""
    demand = schema.KIND_TABLES["demand"]
    conn.execute(
        sa.update(demand)
        .where(demand.c.import_id == import_id)
        .values(accepted_by=user, accepted_at=datetime.now(UTC).replace(tzinfo=None))
    )


def _upsert(conn: Connection, kind: str, frame: pd.DataFrame, import_id: int) -> tuple[int, int, int]:
    """Stage, count, upsert one table; returns (added, replaced, unchanged)."""
    target = schema.KIND_TABLES[kind]
    n = len(frame)
    if not _has_rows(conn, target):  # a first import: nothing to compare with, load straight in
        _first_load(conn, kind, frame, import_id)
        return n, 0, 0
    stage = schema.stage_table(kind)
    stage.drop(conn, checkfirst=True)
    stage.create(conn)
    _bulk_load(conn, stage, frame)

    keys = NATURAL_KEYS[kind]
    cols = schema.stored_columns(kind)
    values = [c for c in cols if c not in keys]
    on = sa.and_(*(stage.c[k] == target.c[k] for k in keys))
    # sa.false() first: a table whose columns are all key (substitutes) has no value that can differ
    differs = sa.or_(sa.false(), *(stage.c[c].is_distinct_from(target.c[c]) for c in values))
    missing = target.c[keys[0]].is_(None)
    added, replaced = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((missing, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(~missing, differs), 1), else_=0)), 0),
        ).select_from(stage.outerjoin(target, on))
    ).one()
    if not (added or replaced):
        stage.drop(conn)
        return 0, 0, n
    if replaced:  # the versions about to change, kept for reports as of earlier imports
        _corrections().keep_replaced(conn, kind, stage, target, on, differs, import_id)

    touched = None
    if kind == "purchases":
        touched = _collect_touched(conn, stage, target, on, differs, all_new=added == n)
        # buckets nobody bought in before hold exactly the new lines: total them from the frame
        from_frame = added == n and not _buckets_in_use(conn, touched)
    rows = sa.select(*(stage.c[c] for c in cols), sa.literal(import_id, sa.Integer)).where(sa.true())
    if added == n:
        conn.execute(sa.insert(target).from_select([*cols, "import_id"], rows))
    else:
        insert = sqlite.insert if _is_sqlite(conn) else postgresql.insert
        stmt = insert(target).from_select([*cols, "import_id"], rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: stmt.excluded[c] for c in [*values, "import_id"]},
            where=sa.or_(sa.false(), *(target.c[c].is_distinct_from(stmt.excluded[c]) for c in values)),
        )
        conn.execute(stmt)
    if kind == "purchases":
        if from_frame:
            fresh = daily.from_lines(frame)
            hospitals, days = fresh.buckets()
        else:
            assert touched is not None
            hospitals, days, fresh = _recount_buckets(conn, touched)
        _store_series(conn, hospitals, days, fresh)
    if touched is not None:
        touched.drop(conn)
    stage.drop(conn)
    return int(added), int(replaced), n - int(added) - int(replaced)


def _first_load(conn: Connection, kind: str, frame: pd.DataFrame, import_id: int) -> None:
    """Fill an empty table: its indexes dropped and rebuilt after the load in one sort each, but for
    the one the rows arrive in the order of (see below)."""
    target = schema.KIND_TABLES[kind]
    # SQLite's BINARY collation orders text by UTF-8 bytes, i.e. by code point as Python sorts the
    # hospital codes, and ISO day text as days: purchases loaded in ``_bucket_order`` land on the right
    # edge of this index, cheaper than sorting a million entries after the load (PostgreSQL's
    # collation may order text otherwise)
    in_order = "ix_purchases_hospital_id_date" if kind == "purchases" and _is_sqlite(conn) else None
    rebuilt = [index for index in target.indexes if index.name != in_order]
    for index in target.indexes:
        if index.name != in_order:
            index.drop(conn, checkfirst=True)
        else:  # filled as the rows go in
            index.create(conn, checkfirst=True)
    if kind != "purchases":
        _bulk_load(conn, target, frame, import_id)
        for index in rebuilt:
            index.create(conn)
        return
    # one hash of each key column serves the row order, the bound values and the daily totals
    factorized = daily.factorize_keys(frame, sorted_column="hospital_id")
    order = _bucket_order(factorized["hospital_id"][0], frame["date"])
    plain = not any(frame[c].notna().any() for c in _LINE_DETAIL)  # the coded load binds none of them
    if not (_is_sqlite(conn) and plain and _sqlite_coded_load(conn, frame, factorized, order, import_id)):
        _bulk_load(conn, target, frame, import_id, factorized=factorized, order=order)
    for index in rebuilt:
        index.create(conn)
    fresh = daily.from_lines(frame, factorized)
    if _has_rows(conn, schema.purchase_series):
        _store_series(conn, *fresh.buckets(), fresh)
    else:  # nothing stored to splice the new days into
        _insert_series_rows(conn, daily.to_rows(fresh))


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
    codes = [factorized[c][0] for c in key_cols]
    values = [np.array([*np.asarray(factorized[c][1], dtype=object), None], dtype=object) for c in key_cols]
    codes.append(frame["winning"].fillna(False).to_numpy(dtype=bool).astype(np.int64))
    values.append(np.array([0, 1], dtype=object))
    spans = [len(v) for v in values]
    day_codes, days = pd.factorize(frame["date"])
    day_text = [*pd.DatetimeIndex(days).strftime("%Y-%m-%d"), None]
    day_codes = np.where(day_codes < 0, len(day_text) - 1, day_codes)
    if float(np.prod(np.array([*spans, len(day_text)], dtype="float64"))) >= 2.0**62:
        return False
    number = np.zeros(len(frame), dtype=np.int64)
    for c, span in zip(codes, spans, strict=True):  # blank (-1) becomes the trailing None of values
        number *= span
        number += np.where(c < 0, span - 1, c)
    distinct = pd.unique(number)
    key_rows = [distinct]
    rest = distinct.copy()
    for span in reversed(spans):
        rest, digit = np.divmod(rest, span)
        key_rows.append(digit)
    key_rows = [key_rows[0], *reversed(key_rows[1:])]  # id, then the digit of each column in order
    number *= len(day_text)  # the day: one more digit, one value less to bind per line
    number += day_codes

    raw = conn.connection.driver_connection
    names = ", ".join(key_cols)
    raw.execute(f"CREATE TEMP TABLE stage_keys (id INTEGER PRIMARY KEY, {names}, winning)")
    raw.executemany(
        f"INSERT INTO stage_keys VALUES (?, {', '.join(['?'] * len(spans))})",
        zip(key_rows[0].tolist(), *(values[j][key_rows[j + 1]].tolist() for j in range(len(spans))), strict=True),
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


def _relink_payments(conn: Connection, kind: str, import_id: int | None, hospitals: Any = None) -> None:
    """Copy onto payments what the purchase lines they name say (``schema.LINK_COLUMNS``).

    In the order of data-templates.md, always from lines of the payment's own hospital: its
    invoice's lines (their earliest day; the product and supplier when all of them share one),
    else its order's line, else, for a payment naming no product or supplier, the one supplier
    whose goods its distributor delivered there. ``kind`` payments: the payments this import
    wrote; ``kind`` purchases: those naming an order it wrote, and (``hospitals``: the hospitals
    of its lines) their payments naming an invoice or a distributor, whose lines it may have
    changed; ``import_id`` None: every payment. Invoices and distributors cost nothing where no
    payment names one.
    """
    pay, lines = schema.KIND_TABLES["payments"], schema.KIND_TABLES["purchases"]
    if not (_has_rows(conn, pay) and _has_rows(conn, lines)) and import_id is not None:
        return
    if kind == "payments" or import_id is None:  # a re-stated payment may now name another order, or none
        _link_payments(conn, sa.true() if import_id is None else pay.c.import_id == import_id)
        return
    # the orders this import wrote (the fast path: an order line is found by its natural key)
    conn.execute(
        sa.update(pay)
        .where(pay.c.order_id == lines.c.order_id, pay.c.hospital_id == lines.c.hospital_id,
               lines.c.import_id == import_id)
        .values(link_date=lines.c.date, link_product_id=lines.c.product_id, link_supplier=lines.c.supplier,
                link_by="order")
    )
    # payments naming an invoice or a distributor: worked out again (an invoice link overrides the
    # order link just written; a line may have moved to another invoice or distributor)
    names = sa.or_(pay.c.invoice_id.is_not(None), pay.c.distributor.is_not(None))
    if not _has_rows(conn, sa.select(pay.c.hospital_id).where(names).subquery()):
        return
    ids = None if hospitals is None else pd.unique(pd.Series(hospitals).dropna().astype(str).to_numpy())
    scope = names if ids is None or len(ids) > 500 else sa.and_(names, pay.c.hospital_id.in_(list(ids)))
    _link_payments(conn, scope)


def _link_payments(conn: Connection, scope: sa.ColumnElement) -> None:
    """Work out the link of every payment ``scope`` selects, from scratch: invoice, else order, else distributor."""
    pay, lines = schema.KIND_TABLES["payments"], schema.KIND_TABLES["purchases"]
    conn.execute(sa.update(pay).where(scope).values(link_date=None, link_product_id=None, link_supplier=None,
                                                    link_by=None))
    conn.execute(
        sa.update(pay)
        .where(pay.c.order_id == lines.c.order_id, pay.c.hospital_id == lines.c.hospital_id, scope)
        .values(link_date=lines.c.date, link_product_id=lines.c.product_id, link_supplier=lines.c.supplier,
                link_by="order")
    )
    naming = sa.and_(scope, pay.c.invoice_id.is_not(None))
    if _has_rows(conn, sa.select(pay.c.hospital_id).where(naming).subquery()):
        theirs = sa.select(pay.c.hospital_id).where(naming).distinct()
        invoices = (
            sa.select(lines.c.hospital_id, lines.c.invoice_id, sa.func.min(lines.c.date).label("day"),
                      _the_one(lines.c.product_id).label("product_id"), _the_one(lines.c.supplier).label("supplier"))
            .where(lines.c.invoice_id.is_not(None), lines.c.hospital_id.in_(theirs))
            .group_by(lines.c.hospital_id, lines.c.invoice_id)
            .subquery()
        )
        conn.execute(
            sa.update(pay)
            .where(pay.c.hospital_id == invoices.c.hospital_id, pay.c.invoice_id == invoices.c.invoice_id, naming)
            .values(link_date=invoices.c.day, link_product_id=invoices.c.product_id,
                    link_supplier=invoices.c.supplier, link_by="invoice")
        )
    alone = sa.and_(scope, pay.c.distributor.is_not(None), pay.c.product_id.is_(None), pay.c.supplier.is_(None),
                    pay.c.link_by.is_(None))
    if _has_rows(conn, sa.select(pay.c.hospital_id).where(alone).subquery()):
        theirs = sa.select(pay.c.hospital_id).where(alone).distinct()
        one = _the_one(lines.c.supplier)
        suppliers = (
            sa.select(lines.c.hospital_id, lines.c.distributor, one.label("supplier"))
            .where(lines.c.distributor.is_not(None), lines.c.hospital_id.in_(theirs))
            .group_by(lines.c.hospital_id, lines.c.distributor)
            .having(one.is_not(None))
            .subquery()
        )
        conn.execute(
            sa.update(pay)
            .where(pay.c.hospital_id == suppliers.c.hospital_id, pay.c.distributor == suppliers.c.distributor, alone)
            .values(link_supplier=suppliers.c.supplier, link_by="distributor")
        )


def _the_one(column: sa.ColumnElement) -> sa.ColumnElement:
    """In a group: the value every row has, else NULL (several values, or a row without one)."""
    same = sa.and_(sa.func.min(column) == sa.func.max(column), sa.func.count(column) == sa.func.count())
    return sa.case((same, sa.func.min(column)), else_=None)


def _has_rows(conn: Connection, table: sa.FromClause) -> bool:
    return bool(conn.execute(sa.select(sa.exists(sa.select(sa.literal(1)).select_from(table)))).scalar_one())


def _buckets_in_use(conn: Connection, touched: sa.Table) -> bool:
    """Whether any touched bucket already holds order lines (then its totals must be recounted)."""
    lines = schema.KIND_TABLES["purchases"]
    inner = sa.select(sa.literal(1)).select_from(touched.join(lines, _same_bucket(lines, touched)))
    return bool(_execute_bucket_driven(conn, sa.select(sa.exists(inner)), touched).scalar_one())


def _same_bucket(a: sa.FromClause, b: sa.FromClause) -> sa.ColumnElement:
    return sa.and_(a.c.hospital_id == b.c.hospital_id, a.c.date == b.c.date)


def _collect_touched(
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


def _execute_bucket_driven(conn: Connection, stmt: sa.Executable, touched: sa.Table) -> sa.CursorResult:
    """Run ``stmt`` with the few touched buckets as the outer loop of its join.

    Without statistics on the temporary table SQLite prefers scanning the big table and probing
    the buckets, which reads every row of the database on each import; ``CROSS JOIN`` is SQLite's
    documented way to fix the loop order. PostgreSQL plans this well by itself.
    """
    if not _is_sqlite(conn):
        return conn.execute(stmt)
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    plain = f"FROM {touched.name} JOIN "
    assert sql.count(plain) == 1, sql
    return conn.exec_driver_sql(sql.replace(plain, f"FROM {touched.name} CROSS JOIN "))


def _recount_buckets(conn: Connection, touched: sa.Table) -> tuple[np.ndarray, np.ndarray, daily.DayTotals]:
    """The touched buckets and their day totals recounted from the order lines (in SQL)."""
    pairs = conn.execute(sa.select(touched.c.hospital_id, touched.c.date)).all()
    hospitals = np.array([p[0] for p in pairs], dtype=object)
    days = daily.day_numbers(pd.to_datetime([p[1] for p in pairs]))
    lines = schema.KIND_TABLES["purchases"]
    group = [lines.c[c] for c in ("hospital_id", "date", "product_id", "generic_name", "specification", "supplier")]
    group.append(sa.func.coalesce(lines.c.winning, sa.false()))
    totals = (
        sa.select(*group, sa.func.sum(lines.c.quantity), sa.func.sum(lines.c.amount))
        .select_from(touched.join(lines, _same_bucket(lines, touched)))
        .group_by(*group)
    )
    rows = _execute_bucket_driven(conn, totals, touched).all()
    names = ["hospital_id", "date", "product_id", "generic_name", "specification", "supplier", "winning",
             "quantity", "amount"]
    frame = pd.DataFrame.from_records(rows, columns=names)
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("quantity", "amount"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return hospitals, days, daily.from_lines(frame)


_IN_CHUNK = 500  # hospitals per IN (...) list: far below every driver's bound-parameter limit


def _read_series(conn: Connection, hospitals: Iterable[str] | None) -> daily.DayTotals:
    """Stored series of these hospitals (None: all): a few rows per hospital and drug."""
    series = schema.purchase_series
    cols = [series.c[c] for c in (*daily.KEY_COLUMNS, "days", "quantity", "amount")]
    if hospitals is None:
        stmts = [sa.select(*cols)]
    else:
        wanted = sorted(set(hospitals))
        stmts = [
            sa.select(*cols).where(series.c.hospital_id.in_(wanted[i : i + _IN_CHUNK]))
            for i in range(0, len(wanted), _IN_CHUNK)
        ]
    rows: list[Any] = []
    for stmt in stmts:
        rows += _raw_rows(conn, stmt.order_by(*cols[: len(daily.KEY_COLUMNS)]))
    return daily.from_rows(rows)


def _store_series(conn: Connection, hospitals: np.ndarray, days: np.ndarray, fresh: daily.DayTotals) -> None:
    """Replace the touched (hospital, day) buckets of the stored series by their recounted totals."""
    touched = sorted(set(hospitals.tolist()))
    if not touched:
        return
    merged = daily.splice(_read_series(conn, touched), hospitals, days, fresh)
    series = schema.purchase_series
    for i in range(0, len(touched), _IN_CHUNK):
        conn.execute(sa.delete(series).where(series.c.hospital_id.in_(touched[i : i + _IN_CHUNK])))
    _insert_series_rows(conn, daily.to_rows(merged))


def _insert_series_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert series rows as made by ``daily.to_rows``."""
    series = schema.purchase_series
    if rows:  # through the driver: SQLAlchemy's per-row parameter handling would cost more than the insert
        names = [*daily.KEY_COLUMNS, "days", "quantity", "amount"]
        mark = "?" if _is_sqlite(conn) else "%s"
        sql = f"INSERT INTO {series.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        cur = conn.connection.driver_connection.cursor()
        try:
            cur.executemany(sql, rows)
        finally:
            cur.close()


def _rebuild_series(conn: Connection) -> None:
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
        _store_series(conn, *_recount_buckets(conn, touched))
        touched.drop(conn)


def _bucket_order(hospital: np.ndarray, dates: pd.Series) -> np.ndarray | None:
    """Row order by (hospital_id, date), stable, blanks last (None: in that order already).

    ``hospital`` holds codes in value order (-1 blank). Rows loaded in this order build the
    (hospital, day) index from presorted input, over a second faster on a million lines than
    from the file's order; integer keys sort in a fraction of what ``sort_values`` on strings takes.
    """
    if len(hospital) < 2:
        return None
    hospital = np.where(hospital < 0, hospital.max(initial=0) + 1, hospital).astype(np.int64)
    stamp = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    blank = stamp == np.iinfo(np.int64).min  # NaT
    day, rest = np.divmod(stamp, 86_400 * 10**9)
    if rest[~blank].any():  # times of day: sort on the stamps themselves
        return np.lexsort((np.where(blank, np.iinfo(np.int64).max, stamp), hospital))
    low = int(day[~blank].min(initial=0))
    span = int(day[~blank].max(initial=0)) - low + 2  # the last day number is for blanks
    number = hospital * span + np.where(blank, span - 1, day - low)
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
        series = frame[col]
        dtype = COLUMNS[kind][col]
        if factorized is not None and col in factorized:
            codes, uniques = factorized[col]
            lookup = np.array([*np.asarray(uniques, dtype=object), None], dtype=object)
            values = lookup[codes if order is None else codes[order]]  # code -1 (blank) picks the None
            out.append(values.tolist())
            continue
        if dtype.startswith("datetime64"):
            # few distinct days: format each once
            codes, uniques = pd.factorize(series)
            text = np.array([*pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), None], dtype=object)
            values = text[codes if order is None else codes[order]]  # code -1 (blank) picks the None
            out.append(values.tolist())
            continue
        if dtype == "bool":
            flags = series.fillna(False).to_numpy(dtype=bool)
            values = flags.astype(np.int64) if sqlite_types else flags.astype(object)
        elif dtype == "float64" and sqlite_types:
            values = series.to_numpy(dtype="float64")
        else:
            values = series.to_numpy(dtype=object, na_value=None)
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


def _bulk_load(
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
    sqlite_types = _is_sqlite(conn)
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


# ---------------------------------------------------------------------------------------------
# Reads


def _raw_rows(conn: Connection, stmt: sa.Select) -> list[Any]:
    """All rows of ``stmt`` as the driver's plain tuples (no SQLAlchemy row objects: millions of them cost seconds)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(str(compiled), params)
        return cur.fetchall()
    finally:
        cur.close()


def _fetch(conn: Connection, stmt: sa.Select, kind: str, names: list[str]) -> pd.DataFrame:
    """Run ``stmt`` on the driver cursor and return a canonical frame of ``kind``.

    Each column is built from the transposed rows straight in its canonical dtype, and columns not
    fetched are made blank, so the frame needs no further cast (a frame of Python objects cast
    column by column afterwards costs about as much as the read itself).
    """
    rows = _raw_rows(conn, stmt)
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


# Whose rows a read may see: None (all), one hospital's code, or the hospitals of a region (a list).
Scope = str | list[str] | None


def _hospital_filter(stmt: sa.Select, table: sa.Table, hospital_id: Scope) -> sa.Select:
    if hospital_id is None:
        return stmt
    if isinstance(hospital_id, list):
        return stmt.where(table.c.hospital_id.in_(hospital_id))
    return stmt.where(table.c.hospital_id == hospital_id)


def _load_table(
    conn: Connection, kind: str, hospital_id: Scope, *, ordered: bool = True
) -> pd.DataFrame:
    table = schema.KIND_TABLES[kind]
    cols = schema.stored_columns(kind)
    stmt = sa.select(*(table.c[c] for c in cols))
    if "hospital_id" in table.c and (kind in HOSPITAL_KINDS or kind == "hospitals"):
        stmt = _hospital_filter(stmt, table, hospital_id)
    if ordered:
        stmt = stmt.order_by(*(table.c[k] for k in NATURAL_KEYS[kind]))
    return _fetch(conn, stmt, kind, cols)


def _load_payments(conn: Connection, hospital_id: Scope, *, with_ids: bool = True) -> pd.DataFrame:
    """Payments with the delivery date of the order they name, for on-time matching.

    A payment naming an order also takes that order's product and supplier when it gives none:
    daily totals carry no order ids, so the link is followed here (from the copy kept on the
    payment by every import, see ``_relink_payments``). Without
    ``with_ids`` payment and order ids are left blank (nothing downstream of daily totals can use
    them, and a million distinct strings are most of the read). Rows come in storage order: the
    ledger orders payments by date, and same-day payments of one key give the same figures in any order.
    """
    pay = schema.KIND_TABLES["payments"]
    cols = [c for c in schema.stored_columns("payments") if with_ids or c not in ("payment_id", "order_id")]
    filled = {c: sa.func.coalesce(pay.c[c], pay.c[f"link_{c}"]).label(c) for c in ("product_id", "supplier")}
    stmt = sa.select(*(filled.get(c, pay.c[c]) for c in cols), pay.c.link_date.label("order_date"), pay.c.link_by)
    return _fetch(conn, _hospital_filter(stmt, pay, hospital_id), "payments", [*cols, "order_date", "link_by"])


def _load_order_lines(conn: Connection, hospital_id: Scope) -> pd.DataFrame:
    """The order lines that carry an order date or an ordered quantity (delivery monitoring).

    Read through a partial index of exactly those lines, so a store of lines without them (most
    platform exports) costs nothing here however many lines it holds.
    """
    lines = schema.KIND_TABLES["purchases"]
    cols = schema.stored_columns("purchases")
    stmt = sa.select(*(lines.c[c] for c in cols)).where(schema.DELIVERY_LINES)
    return _fetch(conn, _hospital_filter(stmt, lines, hospital_id), "purchases", cols)


def _load_purchase_series(conn: Connection, hospital_id: Scope) -> pd.DataFrame:
    """Daily totals as purchase rows (no order id), string columns as categoricals.

    Read through the same connection (and so the same snapshot) as the other tables. One row per
    hospital and drug with its days as binary arrays (see :mod:`procurement.daily`): an alliance's
    year of daily totals loads in a fraction of a second.
    """
    wanted = None if hospital_id is None else hospital_id if isinstance(hospital_id, list) else [hospital_id]
    return daily.to_purchases(_read_series(conn, wanted))


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
    history = _corrections()
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


def accept_demand(engine: Engine, user: str, hospital_id: str | None = None, *, role: str = "coordinator") -> int:
    """A coordinator accepts the pending declarations (报量) of one hospital (None: of every hospital).

    From then on they are the alliance's: the hospital can no longer change them by an upload.
    Logged like an import (user, time, the hospital), which also refreshes every cached view.
    Returns the number of declarations accepted.
    """
    if role != roles.COORDINATOR:
        raise InputError([Problem("-", "demand", None, None, "只有联盟办公室可以确认报量",
                                  "only the alliance office (a coordinator) can accept declarations")])
    demand = schema.KIND_TABLES["demand"]
    pending = demand.c.accepted_by.is_(None)
    if hospital_id is not None:
        pending = sa.and_(pending, demand.c.hospital_id == hospital_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            _write_lock(conn)
            n = conn.execute(sa.update(demand).where(pending).values(accepted_by=user, accepted_at=now)).rowcount
            if n:
                conn.execute(
                    sa.insert(schema.imports).values(
                        user_name=user, imported_at=now, source_name=f"报量确认 / declarations accepted ({n})",
                        file_hash="", hospital_scope=hospital_id, added="{}", replaced="{}", unchanged="{}",
                    )
                )
    return int(n)


def demand_status(engine: Engine, hospital_id: str | None = None) -> pd.DataFrame:
    """Declarations with who accepted them and when (``accepted_by`` blank: still the hospital's own)."""
    demand = schema.KIND_TABLES["demand"]
    cols = [*schema.stored_columns("demand"), "accepted_by", "accepted_at"]
    stmt = _hospital_filter(sa.select(*(demand.c[c] for c in cols)), demand, hospital_id)
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
