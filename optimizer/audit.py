"""Hashes of a plan's inputs and result, recorded in the plan log (``procurement.plan_log``) whenever a
coordinator runs, saves or downloads a plan, from the command line or the app.

The input hash covers every table the model reads (declarations, offers, hospitals, baseline prices,
agreed volumes, allowed pairs, backups) and the settings that change the result; the output hash
covers what the plan says (status, cost, allocations, shortages, loads, savings, issues) and leaves
out what changes from run to run without changing the plan (timings, the number of worker
processes). Frames are hashed by content: columns by name, rows sorted, numbers in their shortest
exact form, so the same tables read from an .xlsx or a .csv give the same hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from optimizer.inputs import PlanInput, PlanSettings
from optimizer.plan import Plan
from procurement import plan_log

_INPUT_TABLES = ("demand", "offers", "hospitals", "baseline", "agreed", "allowed", "backups")
# Settings that do not change what the plan says: how many processes solve it.
_NOT_PLAN_SETTINGS = ("workers",)


def _frame_text(frame: pd.DataFrame | None) -> str:
    """A frame as canonical CSV text: columns sorted by name, rows sorted, blanks empty. Vectorised: a
    re-plan hashes the stored purchases too (daily totals, up to hundreds of thousands of rows)."""
    if frame is None:
        return "-"
    cols = sorted(map(str, frame.columns))
    text = frame.set_axis(list(map(str, frame.columns)), axis=1)[cols].astype("string").fillna("")
    if len(cols):
        text = text.sort_values(cols, kind="stable")
    return text.to_csv(index=False, lineterminator="\n")


def settings_record(settings: PlanSettings) -> dict[str, Any]:
    return {k: v for k, v in asdict(settings).items() if k not in _NOT_PLAN_SETTINGS}


def input_hash(inp: PlanInput, settings: PlanSettings, more: dict[str, Any] | None = None) -> str:
    """SHA-256 of the plan's input tables and the settings that shape the result; ``more`` adds what a
    re-plan also reads (the failed suppliers, the day, the stored purchases), frames or plain values."""
    digest = hashlib.sha256()
    for name in _INPUT_TABLES:
        digest.update(f"{name}\n{_frame_text(getattr(inp, name))}\n".encode())
    digest.update(json.dumps(settings_record(settings), sort_keys=True).encode())
    for name, value in sorted((more or {}).items()):
        text = _frame_text(value) if isinstance(value, pd.DataFrame) else json.dumps(value, sort_keys=True,
                                                                                       default=str)
        digest.update(f"\n{name}\n{text}".encode())
    return digest.hexdigest()


def plan_record(plan: Plan | Any) -> dict[str, Any]:
    """The plan (or a re-plan's result) as ``to_json`` gives it, without timings: the same plan solved
    twice differs there and nowhere else."""
    record = plan.to_json()
    record.pop("timings", None)
    for drug in record.get("drugs", []):
        drug.pop("build_time", None)
        drug.pop("solve_time", None)
    return record


def output_hash(plan: Plan | Any) -> str:
    """SHA-256 of what the plan (or a re-plan's result) says."""
    text = json.dumps(plan_record(plan), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def headline(plan: Plan, settings: PlanSettings) -> dict[str, Any]:
    """What a person reading the log wants without the workbook: settings, status and totals."""
    alloc, short = plan.allocations, plan.shortages
    return {
        "settings": settings_record(settings),
        "status": plan.status.value,
        "total_cost": None if plan.total_cost != plan.total_cost else round(float(plan.total_cost), 2),
        "volume": float(alloc["volume"].sum()) if len(alloc) else 0.0,
        "shortage_volume": float(short["volume"].sum()) if len(short) else 0.0,
        "allocations": int(len(alloc)),
    }


def record(
    engine: Engine, *, user: str, action: str, source: str, inp: PlanInput, settings: PlanSettings, plan: Plan,
    workbook: bytes | None = None, replanned: Any = None, more: dict[str, Any] | None = None,
    note: dict[str, Any] | None = None,
) -> int:
    """Record one plan event (``plan_log.ACTIONS``) with the hashes of its inputs, result and workbook.

    ``replanned`` (a re-plan's result) is what the output hash covers when given; ``more`` holds the
    re-plan's further inputs (plain values among them are also shown in the detail); ``note`` goes
    into the detail only (a scenario's name: the same plan under another name hashes the same)."""
    detail = headline(plan, settings)
    detail.update({k: v for k, v in (more or {}).items() if not isinstance(v, pd.DataFrame)})
    detail.update(note or {})
    if replanned is not None:
        detail["replan"] = True
    return plan_log.record_plan(
        engine, user=user, action=action, source=source, input_hash=input_hash(inp, settings, more),
        output_hash=output_hash(plan if replanned is None else replanned),
        file_hash=None if workbook is None else file_hash(workbook), detail=detail,
    )
