"""The result of an allocation run, and its JSON form (cli.md's plan object)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pandas as pd

from optimizer.checks import CheckIssue

ALLOCATION_COLUMNS = [
    "hospital_id", "generic_name", "specification", "supplier", "volume", "unit_price", "switched", "region",
]
SHORTAGE_COLUMNS = ["hospital_id", "generic_name", "specification", "volume"]
SUPPLIER_COLUMNS = ["generic_name", "specification", "supplier", "load", "capacity"]
SAVINGS_COLUMNS = [
    "generic_name", "specification", "baseline_price", "baseline_cost", "plan_cost", "savings", "savings_rate",
]


class PlanStatus(str, Enum):
    """Ordered from best to worst: the overall status is the worst of the drugs'."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"

    @property
    def rank(self) -> int:
        return ["optimal", "feasible", "infeasible"].index(self.value)


def worst_status(statuses: list[PlanStatus]) -> PlanStatus:
    """Overall status of parts: one infeasible drug makes the whole plan infeasible."""
    return max(statuses, key=lambda s: s.rank, default=PlanStatus.OPTIMAL)


@dataclass
class DrugPlan:
    """How one drug's part went: status, why, and what it cost to get there."""

    generic_name: str
    specification: str
    status: PlanStatus
    reason: str | None
    objective: float
    gap: float
    build_time: float
    solve_time: float


@dataclass
class Plan:
    """An allocation: who supplies whom, what is short, loads, savings, and how sure we are."""

    status: PlanStatus
    reason: str | None
    objective: float
    total_cost: float
    gap: float
    allocations: pd.DataFrame
    shortages: pd.DataFrame
    suppliers: pd.DataFrame
    savings: pd.DataFrame
    drugs: list[DrugPlan] = field(default_factory=list)
    issues: list[CheckIssue] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "build": 0.0, "solve": 0.0})

    def to_json(self) -> dict[str, Any]:
        """cli.md's plan object, plus "drugs", "issues" and "savings"; NaN becomes null."""
        alloc_cols = ["hospital_id", "generic_name", "specification", "supplier", "volume", "unit_price", "switched"]
        return {
            "status": self.status.value,
            "reason": self.reason,
            "objective": _num(self.objective),
            "total_cost": _num(self.total_cost),
            "gap": _num(self.gap),
            "allocations": _records(self.allocations, alloc_cols + (["region"] if "region" in self.allocations else [])),
            "shortages": _records(self.shortages, SHORTAGE_COLUMNS),
            "suppliers": _records(self.suppliers, SUPPLIER_COLUMNS),
            "timings": {k: round(float(v), 6) for k, v in self.timings.items()},
            "savings": _records(self.savings, SAVINGS_COLUMNS),
            "drugs": [
                {
                    "generic_name": d.generic_name,
                    "specification": d.specification,
                    "status": d.status.value,
                    "reason": d.reason,
                    "objective": _num(d.objective),
                    "gap": _num(d.gap),
                    "build_time": round(d.build_time, 6),
                    "solve_time": round(d.solve_time, 6),
                }
                for d in self.drugs
            ],
            "issues": [i.to_json() for i in self.issues],
        }


INTEGRAL_COLUMNS = ("volume", "load", "capacity")


def _num(value: Any, whole_as_int: bool = False) -> Any:
    """JSON-safe number rounded to 6 decimals: NaN/None -> null; whole volumes as int."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if math.isnan(f) or math.isinf(f):
        return None
    f = round(f, 6)
    return int(f) if whole_as_int and f.is_integer() and abs(f) < 2**53 else f


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts with plain Python values, in the given column order."""
    out = []
    cols = [c for c in columns if c in frame.columns]
    for row in frame[cols].itertuples(index=False, name=None):
        rec = {}
        for col, val in zip(cols, row, strict=True):
            if col == "switched":
                rec[col] = bool(val)
            elif isinstance(val, str):
                rec[col] = val
            elif val is None or val is pd.NA:
                rec[col] = None
            else:
                rec[col] = _num(val, col in INTEGRAL_COLUMNS)
        out.append(rec)
    return out
