"""The import transaction: one import is one transaction under the writers' lock. Rows are checked
(role, scope, blank keys), staged, compared with what is stored by natural key, upserted, and the
daily series and payment links of what changed are kept in step; a correction first removes the
rows its file no longer has (:mod:`procurement.history`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from procurement import daily, roles
from procurement import db_schema as schema
from procurement.model import NATURAL_KEYS, TABLE_KINDS, canonical
from procurement.problems import InputError, Problem
from procurement.store import bulk, links, series
from procurement.store.scope import CATALOGUE_KINDS, HOSPITAL_KINDS
from procurement.store.scope import apply as apply_scope
from procurement.store.sql import has_rows, is_sqlite, write_lock


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
        frame, found = prepare(kind, frame, source_name)
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
            write_lock(conn)
            apply_scope(conn, hospital_scope)  # the database, too, keeps a hospital account to its rows
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

            payments_written = bool(added.get("payments") or replaced.get("payments"))
            for kind in ("purchases", "payments"):  # payments follow the orders they name
                if added.get(kind) or replaced.get(kind):
                    links.relink_payments(conn, kind, import_id, frames[kind]["hospital_id"],
                                          own_payments_follow=payments_written)
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


def prepare(kind: str, frame: pd.DataFrame, source_name: str) -> tuple[pd.DataFrame, list[Problem]]:
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
    if not (not problems and is_unique(frame[keys[-1]])):
        frame = frame.drop_duplicates(subset=keys, keep="last")
    return frame, problems


def is_unique(column: pd.Series) -> bool:
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
    if not has_rows(conn, target):  # a first import: nothing to compare with, load straight in
        bulk.first_load(conn, kind, frame, import_id)
        return n, 0, 0
    stage = schema.stage_table(kind)
    stage.drop(conn, checkfirst=True)
    stage.create(conn)
    bulk.bulk_load(conn, stage, frame)

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
        touched = series.collect_touched(conn, stage, target, on, differs, all_new=added == n)
        # buckets nobody bought in before hold exactly the new lines: total them from the frame
        from_frame = added == n and not series.buckets_in_use(conn, touched)
    rows = sa.select(*(stage.c[c] for c in cols), sa.literal(import_id, sa.Integer)).where(sa.true())
    if added == n:
        conn.execute(sa.insert(target).from_select([*cols, "import_id"], rows))
    else:
        insert = sqlite.insert if is_sqlite(conn) else postgresql.insert
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
            hospitals, days, fresh = series.recount_buckets(conn, touched)
        series.store_series(conn, hospitals, days, fresh)
    if touched is not None:
        touched.drop(conn)
    stage.drop(conn)
    return int(added), int(replaced), n - int(added) - int(replaced)


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
            write_lock(conn)
            apply_scope(conn, hospital_id)
            n = conn.execute(sa.update(demand).where(pending).values(accepted_by=user, accepted_at=now)).rowcount
            if n:
                conn.execute(
                    sa.insert(schema.imports).values(
                        user_name=user, imported_at=now, source_name=f"报量确认 / declarations accepted ({n})",
                        file_hash="", hospital_scope=hospital_id, added="{}", replaced="{}", unchanged="{}",
                    )
                )
    return int(n)
