"""What a coordinator needs to judge and defend a plan, before its 300-row table.

- the cost, the volume it buys, and the cost per unit (the like-for-like figure across scenarios);
- savings against the baseline prices (集采前价格) and against the current suppliers' winning prices,
  each with its coverage, or the reason it cannot be computed (never a bare blank);
- every winner's volume, with those that get nothing flagged and why: region (serves no hospital
  that declared), capacity (none), price (a cheaper winner serves the same hospitals), or the drug
  itself could not be planned;
- every hospital-drug that changes supplier and why: the current supplier is no winner, does not
  serve the hospital's region, is full, or is dearer (by how much a unit).

Pure pandas/numpy on the plan and its input (no solver call): recomputable for any plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.inputs import CURRENT_NOT_WINNER, NO_CURRENT, PlanInput, PlanSettings, split_by_drug
from optimizer.plan import Plan, PlanStatus

TOL = 1e-6
DRUG = ["generic_name", "specification"]

# Reason codes with their text in both languages (the page picks one, the workbook shows Chinese).
REASONS: dict[str, tuple[str, str]] = {
    "region": ("不覆盖任何报量机构所在地区", "serves no declaring hospital's region"),
    "capacity": ("无供应能力", "no capacity"),
    "price": ("价格高于同品种已获量的中选企业", "dearer than a winner that serves the same hospitals"),
    "infeasible": ("该品种无可行方案", "the drug could not be planned"),
    "full": ("已达供应能力上限", "at full capacity"),
    "used": ("", ""),
    "not_winner": ("原企业未中选", "current supplier is not a winner"),
    "cur_region": ("原企业不供应该地区", "current supplier does not serve the region"),
    "cur_full": ("原企业剩余供应能力不足", "current supplier lacks the spare capacity"),
    "cheaper": ("新企业单价更低", "new supplier is cheaper"),
    "other": ("最低份额或企业数上限 K 的要求", "a minimum share or the K limit"),
}
SAVINGS_REASONS: dict[str, tuple[str, str]] = {
    "no_baseline": ("输入中没有集采前价格（中选产品表的“集采前价格”为空），无法计算相对基线的节约",
                    "the input has no baseline prices (the products' baseline price is blank)"),
    "no_current": ("报量中没有现供应企业，或现供应企业均非中选企业，无法按现价比较",
                   "no declared current supplier is a winner, so there is no current price to compare"),
    "no_volume": ("方案没有分配任何量", "the plan allocates nothing"),
}


def reason_text(code: str, lang: str = "zh") -> str:
    zh, en = {**REASONS, **SAVINGS_REASONS}.get(code, (code, code))
    return zh if lang == "zh" else en


@dataclass
class PlanSummary:
    """Headline figures and the two lists (winners, switches) a plan is judged by."""

    total_cost: float
    volume: float  # units allocated
    agreed_volume: float  # units to allocate (allocated + short)
    shortage_volume: float
    baseline_cost: float | None  # the allocated volume at baseline prices, on drugs that have one
    baseline_savings: float | None
    baseline_covered: float  # share of the allocated volume with a baseline price
    current_cost: float | None  # the pairs with a winning current supplier, at that supplier's price
    current_savings: float | None
    current_covered: float
    savings_reasons: list[str]  # codes of SAVINGS_REASONS when a saving cannot be computed
    winners: pd.DataFrame  # generic_name, specification, supplier, unit_price, capacity, load, share, reason
    switches: pd.DataFrame  # hospital_id, drug, from/to supplier and price, volume, reason, price_gap
    pairs: int  # hospital-drug pairs with volume to allocate

    @property
    def cost_per_unit(self) -> float:
        return self.total_cost / self.volume if self.volume > 0 else float("nan")

    @property
    def idle_winners(self) -> pd.DataFrame:
        return self.winners[self.winners["load"] <= TOL]

    def switch_counts(self) -> pd.Series:
        """Hospital-drug pairs that change supplier, by reason."""
        if self.switches.empty:
            return pd.Series(dtype="int64")
        return self.switches["reason"].value_counts()


def summarize(plan: Plan, inp: PlanInput, settings: PlanSettings | None = None) -> PlanSummary:
    """The summary of ``plan``, made from the same input (and settings: the agreed ratio) it was made from."""
    settings = settings or PlanSettings()
    drugs = split_by_drug(inp.normalised(), settings)
    alloc = plan.allocations
    volume = float(alloc["volume"].sum()) if len(alloc) else 0.0
    short = float(plan.shortages["volume"].sum()) if len(plan.shortages) else 0.0
    infeasible = {(d.generic_name, d.specification) for d in plan.drugs if d.status == PlanStatus.INFEASIBLE}
    winners, switches, current_rows = [], [], []
    load = (alloc.groupby([*DRUG, "supplier"])["volume"].sum().to_dict() if len(alloc) else {})
    pair_volume = (alloc.groupby(["hospital_id", *DRUG, "supplier"])["volume"].sum() if len(alloc)
                   else pd.Series(dtype=float))
    demand = inp.normalised().demand
    current_names = {(str(h), str(g), str(sp)): str(c) for h, g, sp, c in
                     demand[["hospital_id", *DRUG, "current_supplier"]].dropna().itertuples(index=False)}
    for drug in drugs:
        winners += _winners(drug, load, drug.key in infeasible)
        sw, cur = _switches(drug, load, pair_volume, current_names)
        switches += sw
        current_rows += cur
    winners_frame = pd.DataFrame(winners, columns=[*DRUG, "supplier", "unit_price", "capacity", "load", "share",
                                                   "reason"])
    switch_frame = pd.DataFrame(switches, columns=["hospital_id", *DRUG, "from_supplier", "from_price",
                                                   "to_supplier", "to_price", "volume", "price_gap", "reason"])
    reasons: list[str] = []
    baseline_cost = baseline_savings = None
    baseline_covered = 0.0
    if volume <= TOL:
        reasons.append("no_volume")
    savings = plan.savings
    if savings is not None and len(savings) and volume > TOL:
        baseline_cost = float(savings["baseline_cost"].sum())
        baseline_savings = float(savings["savings"].sum())
        baseline_covered = float((savings["baseline_cost"] / savings["baseline_price"]).sum()) / volume
    elif volume > TOL:
        reasons.append("no_baseline")
    current_cost = current_savings = None
    current_covered = 0.0
    if current_rows and volume > TOL:
        cur = pd.DataFrame(current_rows, columns=["volume", "current_cost", "plan_cost"])
        current_cost = float(cur["current_cost"].sum())
        current_savings = current_cost - float(cur["plan_cost"].sum())
        current_covered = float(cur["volume"].sum()) / volume
    elif volume > TOL:
        reasons.append("no_current")
    return PlanSummary(
        total_cost=float(plan.total_cost), volume=volume, agreed_volume=volume + short, shortage_volume=short,
        baseline_cost=baseline_cost, baseline_savings=baseline_savings, baseline_covered=baseline_covered,
        current_cost=current_cost, current_savings=current_savings, current_covered=current_covered,
        savings_reasons=reasons, winners=winners_frame, switches=switch_frame,
        pairs=int(sum(int((d.agreed > 0).sum()) for d in drugs)),
    )


def _winners(drug, load: dict, infeasible: bool) -> list[tuple]:
    """One row per winner of the drug: its volume and share, and why it has none when it has none."""
    total = sum(load.get((*drug.key, s), 0.0) for s in drug.suppliers)
    served = np.bincount(drug.arc_s, minlength=len(drug.suppliers)) if len(drug.arc_s) else \
        np.zeros(len(drug.suppliers), dtype=int)
    rows = []
    for j, supplier in enumerate(drug.suppliers):
        got = float(load.get((*drug.key, supplier), 0.0))
        cap = float(drug.capacity[j])
        if got > TOL:
            reason = "full" if np.isfinite(cap) and got >= cap - TOL else "used"
        elif infeasible:
            reason = "infeasible"
        elif served[j] == 0:
            reason = "region"
        elif cap <= TOL:
            reason = "capacity"
        else:
            reason = "price"
        rows.append((drug.generic_name, drug.specification, str(supplier), float(drug.price[j]),
                     cap if np.isfinite(cap) else np.nan, got, got / total if total > TOL else np.nan, reason))
    return rows


def _switches(drug, load: dict, pair_volume: pd.Series, current_names: dict) -> tuple[list[tuple], list[tuple]]:
    """Hospital-drug pairs whose main new supplier is not the current one (with the reason), and for
    pairs whose current supplier is a winner, their volume at the current and at the planned price."""
    switches, current = [], []
    arcs = set(zip(drug.arc_h.tolist(), drug.arc_s.tolist(), strict=True))
    index = {str(s): j for j, s in enumerate(drug.suppliers)}
    for h, hospital in enumerate(drug.hospital_ids):
        cur = int(drug.current[h])
        if cur == NO_CURRENT:
            continue
        try:
            got = pair_volume.loc[(str(hospital), drug.generic_name, drug.specification)]
        except KeyError:
            continue
        got = got[got > TOL]
        if got.empty:
            continue
        plan_cost = float(sum(v * drug.price[index[s]] for s, v in got.items()))
        if cur != CURRENT_NOT_WINNER:
            current.append((float(got.sum()), float(got.sum()) * float(drug.price[cur]), plan_cost))
        main = str(got.idxmax())
        j = index[main]
        if cur == j:
            continue
        if cur == CURRENT_NOT_WINNER:
            reason, from_price = "not_winner", np.nan
            from_supplier = current_names.get((str(hospital), drug.generic_name, drug.specification))
        else:
            from_supplier, from_price = str(drug.suppliers[cur]), float(drug.price[cur])
            cap = float(drug.capacity[cur])
            if (h, cur) not in arcs:
                reason = "cur_region"
            elif np.isfinite(cap) and float(load.get((*drug.key, from_supplier), 0.0)) + float(got.sum()) > cap + TOL:
                reason = "cur_full"
            elif drug.price[j] < drug.price[cur] - 1e-12:
                reason = "cheaper"
            else:
                reason = "other"
        switches.append((str(hospital), drug.generic_name, drug.specification, from_supplier, from_price, main,
                         float(drug.price[j]), float(got.sum()), from_price - float(drug.price[j]), reason))
    return switches, current
