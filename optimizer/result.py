"""Turn solved per-drug parts back into the Plan's tables (allocations, shortages, loads, savings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.checks import CheckIssue
from optimizer.inputs import NO_CURRENT, DrugData, PlanInput, PlanSettings
from optimizer.plan import (
    ALLOCATION_COLUMNS,
    SAVINGS_COLUMNS,
    SHORTAGE_COLUMNS,
    SUPPLIER_COLUMNS,
    DrugPlan,
    Plan,
    PlanStatus,
    worst_status,
)

if TYPE_CHECKING:
    from optimizer.solve import DrugResult

EPS = 1e-9


def assemble_plan(
    inp: PlanInput,
    drugs: list[DrugData],
    results: list[DrugResult],
    issues: list[CheckIssue],
    settings: PlanSettings,
    timings: dict[str, float],
) -> Plan:
    """The whole plan from its parts: the worst part's status, every part's rows."""
    allocs, shorts, loads = [], [], []
    drug_plans = []
    for drug, res in zip(drugs, results, strict=True):
        drug_plans.append(DrugPlan(drug.generic_name, drug.specification, res.status, res.reason,
                                   res.objective, res.gap, res.build_time, res.solve_time))
        allocs.append(_allocations(drug, res.x))
        shorts.append(_shortages(drug, res.u))
        loads.append(_loads(drug, res.x))
    allocations = _concat(allocs, ALLOCATION_COLUMNS)
    solved = [r for r in results if r.status != PlanStatus.INFEASIBLE]
    gaps = [r.gap for r in solved]
    return Plan(
        status=worst_status([r.status for r in results]),
        reason=_reason(drug_plans),
        objective=float(sum(r.objective for r in solved)),
        total_cost=float((allocations["volume"] * allocations["unit_price"]).sum()),
        gap=float("nan") if any(np.isnan(g) for g in gaps) else float(max(gaps, default=0.0)),
        allocations=allocations,
        shortages=_concat(shorts, SHORTAGE_COLUMNS),
        suppliers=_concat(loads, SUPPLIER_COLUMNS),
        savings=_savings(inp, allocations),
        drugs=drug_plans,
        issues=issues,
        timings=timings,
    )


def _allocations(drug: DrugData, x: np.ndarray) -> pd.DataFrame:
    on = np.flatnonzero(x > EPS)
    h, s = drug.arc_h[on], drug.arc_s[on]
    cur = drug.current[h]
    return pd.DataFrame({
        "hospital_id": drug.hospital_ids[h].astype(str),
        "generic_name": drug.generic_name,
        "specification": drug.specification,
        "supplier": drug.suppliers[s].astype(str),
        "volume": x[on],
        "unit_price": drug.price[s],
        "switched": (cur != NO_CURRENT) & (cur != s),
        "region": pd.array(list(drug.regions[h]), dtype="string"),
    })


def _shortages(drug: DrugData, u: np.ndarray) -> pd.DataFrame:
    on = np.flatnonzero(u > EPS)
    return pd.DataFrame({
        "hospital_id": drug.hospital_ids[on].astype(str),
        "generic_name": drug.generic_name,
        "specification": drug.specification,
        "volume": u[on],
    })


def _loads(drug: DrugData, x: np.ndarray) -> pd.DataFrame:
    load = np.round(np.bincount(drug.arc_s, weights=x, minlength=len(drug.suppliers)), 6) if len(x) else \
        np.zeros(len(drug.suppliers))
    return pd.DataFrame({
        "generic_name": drug.generic_name,
        "specification": drug.specification,
        "supplier": drug.suppliers.astype(str),
        "load": load,
        "capacity": np.where(np.isfinite(drug.capacity), drug.capacity, np.nan),
    })


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in columns})
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.astype({c: _dtype(c) for c in columns})


def _dtype(col: str) -> str:
    if col in ("volume", "unit_price", "load", "capacity") or col.startswith(("baseline", "plan", "savings")):
        return "float64"
    return "bool" if col == "switched" else "string"


def _savings(inp: PlanInput, allocations: pd.DataFrame) -> pd.DataFrame:
    """Savings on the supplied volume against the drug's baseline price (集采前价格), where known."""
    if inp.baseline is None or not len(inp.baseline) or not len(allocations):
        return _concat([], SAVINGS_COLUMNS)
    alloc = allocations.assign(plan_cost=allocations["volume"] * allocations["unit_price"])
    per_drug = alloc.groupby(["generic_name", "specification"], as_index=False, sort=False).agg(
        volume=("volume", "sum"), plan_cost=("plan_cost", "sum"))
    base = inp.baseline[["generic_name", "specification", "baseline_price"]].astype(
        {"generic_name": "string", "specification": "string", "baseline_price": "float64"}
    ).dropna(subset=["baseline_price"]).drop_duplicates(["generic_name", "specification"])
    out = per_drug.merge(base, on=["generic_name", "specification"], how="inner")
    out["baseline_cost"] = out["volume"] * out["baseline_price"]
    out["savings"] = out["baseline_cost"] - out["plan_cost"]
    out["savings_rate"] = np.where(out["baseline_cost"] > 0, out["savings"] / out["baseline_cost"].where(
        out["baseline_cost"] > 0, 1.0), np.nan)
    return _concat([out], SAVINGS_COLUMNS)


def _reason(drug_plans: list[DrugPlan]) -> str | None:
    """Names the failing (or only feasible) drugs, each with why."""
    for status, label in ((PlanStatus.INFEASIBLE, "不可行的药品 / infeasible drugs"),
                          (PlanStatus.FEASIBLE, "未证明最优的药品 / drugs not proven optimal")):
        bad = [d for d in drug_plans if d.status == status]
        if bad:
            return f"{label}: " + " | ".join(f"{d.generic_name} {d.specification}: {d.reason}" for d in bad)
    return None
