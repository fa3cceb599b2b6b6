"""Glue for the plan page's disruption (断供) section, kept out of the page so tests can call it.

What the tool knows proposes the failed suppliers: those with a shortage open on the re-plan date in
the stored register (procurement.supply.failing_suppliers, the rule of the supply page). Backup supply is the
offers rows marked 备选企业 (``PlanInput.backups``); the coordinator may leave some out. Several failed
suppliers are moved at once by ``optimizer.replan.replan``, the same as ``python -m optimizer replan``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

import pandas as pd

from optimizer import Plan, PlanInput, PlanSettings
from optimizer.replan import Replan, replan
from procurement import supply


def open_shortage_suppliers(shortages: pd.DataFrame, on: date | pd.Timestamp, known: Iterable[str]) -> list[str]:
    """Suppliers of the plan with a shortage open on ``on`` (sorted); suppliers outside the plan are left
    out, since nothing of theirs can move."""
    return sorted(set(supply.failing_suppliers(shortages, on)) & {str(k) for k in known})


def backup_suppliers(inp: PlanInput) -> list[str]:
    """The offers' 备选企业, by name."""
    if inp.backups is None or inp.backups.empty:
        return []
    return sorted(set(inp.backups["supplier"].dropna().astype(str)))


def run(inp: PlanInput, plan: Plan, failed: Sequence[str], since: date | pd.Timestamp, purchases: pd.DataFrame,
        settings: PlanSettings, backups: Sequence[str] | None = None) -> Replan:
    """Move the failed suppliers' remaining volume; ``backups`` limits the 备选企业 used (None: all)."""
    if backups is not None and inp.backups is not None and len(inp.backups):
        inp = replace(inp, backups=inp.backups[inp.backups["supplier"].astype(str).isin(list(backups))]
                      .reset_index(drop=True))
    return replan(inp, plan, list(failed), pd.Timestamp(since), purchases, settings)


def moved_by_hospital(result: Replan, names: dict[str, str]) -> pd.DataFrame:
    """The moves with hospital names, largest extra cost first: what the coordinator must explain."""
    moved = result.moved.copy()
    moved.insert(0, "hospital_name", moved["hospital_id"].astype(str).map(names).fillna(moved["hospital_id"]))
    return moved.sort_values(["extra_cost", "hospital_id"], ascending=[False, True], ignore_index=True)
