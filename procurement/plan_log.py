"""The audit log of allocation plans (issue 15 item 8): who ran, saved or downloaded a plan, when, and
what it was made from and came to, as hashes.

A plan decides which winner supplies which hospital; a coordinator must be able to show which plan
was produced from which declarations and offers, by whom and when, as every import and account change
can be shown. The optimizer works on frames and files, not on the store, so this log holds no plan
itself: one row per event with the SHA-256 of the plan's inputs (tables and settings), of its result,
and of the workbook when one was written or downloaded. Given the same files and settings anyone can
run the plan again and compare the hashes.

Kept in a table of its own beside the store's (``db_schema.plan_events_table``, made by the schema's
migrations), so the store's import path stays as it is. ``procurement`` never imports the optimizer:
the hashes are worked out by ``optimizer.audit`` and only recorded here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from procurement.db_schema import plan_events_table

# What happened to a plan: computed (the app's run button, ``python -m optimizer plan``), written to
# a file (``--xlsx``), or downloaded from the app.
ACTIONS = ("run", "save", "download")
SOURCES = ("app", "cli")

_created: set[str] = set()


def _ensure_table(engine: Engine) -> None:
    key = str(engine.url)
    if key not in _created:
        from procurement.store.database import upgrade  # late: the store is not needed to hash a plan

        upgrade(engine)  # the table is in the shared schema (revision 0003)
        _created.add(key)


def record_plan(
    engine: Engine, *, user: str, action: str, source: str, input_hash: str, output_hash: str,
    file_hash: str | None = None, detail: dict[str, Any] | None = None,
) -> int:
    """Append one plan event; returns its id. An unknown action or source, or a blank user or hash,
    is a programming error (ValueError): the log must never hold a row that says nothing."""
    if action not in ACTIONS or source not in SOURCES:
        raise ValueError(f"unknown plan event {action!r} from {source!r}")
    if not (user or "").strip() or not input_hash or not output_hash:
        raise ValueError("a plan event needs its user and both hashes")
    _ensure_table(engine)
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")  # the store's engines take the write lock up front
        with conn.begin():
            return int(conn.execute(
                insert(plan_events_table).values(
                    at=datetime.now(UTC).replace(tzinfo=None), user_name=user.strip(), action=action, source=source,
                    input_hash=input_hash, output_hash=output_hash, file_hash=file_hash,
                    detail=None if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
                ).returning(plan_events_table.c.id)
            ).scalar_one())


COLUMNS = ["event_id", "at", "user", "action", "source", "input_hash", "output_hash", "file_hash", "detail"]


def plan_events(engine: Engine) -> pd.DataFrame:
    """The plan log, newest first; ``detail`` parsed back into a dict."""
    _ensure_table(engine)
    t = plan_events_table
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.id.desc())).mappings().all()
    records = [{"event_id": r["id"], "at": r["at"], "user": r["user_name"], "action": r["action"],
                "source": r["source"], "input_hash": r["input_hash"], "output_hash": r["output_hash"],
                "file_hash": r["file_hash"], "detail": json.loads(r["detail"]) if r["detail"] else {}}
               for r in rows]
    return pd.DataFrame.from_records(records, columns=COLUMNS)
