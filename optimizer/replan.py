"""Re-planning a plan when suppliers fail (断供): several at once, onto the other winners and backups.

``scenarios.replan_disruption`` moves one failed supplier's remaining volume at least shortage, fewest
hospitals moved, then least cost. Suppliers rarely fail one at a time in the register of shortages,
so this module runs it once per failed supplier, in order, with every other failed supplier held to
the volume it carries already (it can take nothing more): a hospital is never moved onto a supplier
that is failing too. The result reads like a plan (cli.md: plan's JSON, plus ``moved``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import pandas as pd

from optimizer.inputs import PlanInput, PlanSettings
from optimizer.plan import Plan, PlanStatus, worst_status
from optimizer.scenarios import DRUG, PAIR, DisruptionResult, replan_disruption
from procurement.model import conform

MOVED_COLUMNS = [*PAIR, "from_supplier", "to_supplier", "volume", "from_price", "to_price", "extra_cost"]


@dataclass
class Replan:
    """A plan after its failed suppliers' remaining volume was moved (one step per failed supplier)."""

    plan: Plan  # the plan before the failures
    disrupted: list[str]
    since: pd.Timestamp
    steps: list[DisruptionResult]
    allocations: pd.DataFrame  # the whole plan after, as plan.allocations
    moved: pd.DataFrame  # MOVED_COLUMNS
    shortages: pd.DataFrame  # hospital_id, generic_name, specification, volume: still unsupplied

    @property
    def status(self) -> PlanStatus:
        return worst_status([self.plan.status, *(PlanStatus(s.status) for s in self.steps)])

    @property
    def total_cost(self) -> float:
        a = self.allocations
        return float((a["volume"].astype(float) * a["unit_price"].astype(float)).sum()) if len(a) else 0.0

    @property
    def extra_cost(self) -> float:
        return float(self.moved["extra_cost"].sum()) if len(self.moved) else 0.0

    def suppliers(self) -> pd.DataFrame:
        """Each supplier's load after the re-plan against its capacity (backups included)."""
        caps = {(str(r.generic_name), str(r.specification), str(r.supplier)): r.capacity
                for r in self.plan.suppliers.itertuples(index=False)}
        for step in self.steps:
            for r in step.suppliers.itertuples(index=False):
                caps.setdefault((str(r.generic_name), str(r.specification), str(r.supplier)), r.capacity)
        a = self.allocations.assign(volume=lambda f: f["volume"].astype(float))
        load = a.groupby([*DRUG, "supplier"], observed=True)["volume"].sum()
        keys = list(dict.fromkeys([*caps, *((str(g), str(s), str(p)) for g, s, p in load.index)]))
        rows = [(g, s, p, float(load.get((g, s, p), 0.0)), caps.get((g, s, p), float("nan"))) for g, s, p in keys]
        return pd.DataFrame(rows, columns=[*DRUG, "supplier", "load", "capacity"])

    def to_json(self) -> dict[str, Any]:
        """The plan object of cli.md for the plan after the re-plan, plus ``moved`` and ``disrupted``."""
        after = replace(self.plan, allocations=self.allocations, shortages=self.shortages,
                        total_cost=self.total_cost, suppliers=self.suppliers())
        out = after.to_json()
        out["status"] = self.status.value
        out["disrupted"] = list(self.disrupted)
        out["since"] = self.since.date().isoformat()
        out["extra_cost"] = round(self.extra_cost, 6)
        out["moved"] = [
            {"hospital_id": str(r.hospital_id), "generic_name": str(r.generic_name),
             "specification": str(r.specification), "from": str(r.from_supplier), "to": str(r.to_supplier),
             "volume": _num(r.volume), "extra_cost": _num(r.extra_cost)}
            for r in self.moved.itertuples(index=False)
        ]
        return out


def _num(value: Any) -> float | int | None:
    f = float(value)
    if math.isnan(f) or math.isinf(f):
        return None
    return int(f) if f.is_integer() else round(f, 6)


def replan(
    inp: PlanInput,
    plan: Plan,
    disrupted: list[str],
    since: str | pd.Timestamp,
    purchases: pd.DataFrame | None = None,
    settings: PlanSettings | None = None,
) -> Replan:
    """Move every failed supplier's remaining volume (agreed minus bought before ``since``) elsewhere.

    Backup supply comes from ``inp.backups`` (offers rows marked 备选企业) besides the drug's other
    winners; failed suppliers are never a backup.
    """
    settings = settings or PlanSettings()
    since_ts = pd.Timestamp(since).normalize()
    failed = list(dict.fromkeys(str(s) for s in disrupted))
    backups = None
    if inp.backups is not None and len(inp.backups):
        b = conform("offers", inp.backups)
        backups = b[~b["supplier"].astype(str).isin(failed)].reset_index(drop=True)
    current: Any = plan
    steps: list[DisruptionResult] = []
    for supplier in failed:
        others = [s for s in failed if s != supplier]
        step_inp = replace(inp, offers=_held(conform("offers", inp.offers), current.allocations, others))
        result = replan_disruption(step_inp, current, supplier, since_ts, purchases, settings, backups=backups)
        steps.append(result)
        current = SimpleNamespace(allocations=result.plan_allocations)
    moved = _moved(steps)
    shortages = _still_short(plan.shortages, steps)
    return Replan(plan, failed, since_ts, steps, current.allocations.reset_index(drop=True), moved, shortages)


def _held(offers: pd.DataFrame, allocations: pd.DataFrame, suppliers: list[str]) -> pd.DataFrame:
    """Offers with each of ``suppliers`` capped at the volume it carries now, drug by drug."""
    if not suppliers or offers.empty:
        return offers
    load = (allocations[allocations["supplier"].astype(str).isin(suppliers)]
            .assign(volume=lambda f: f["volume"].astype(float))
            .groupby([*DRUG, "supplier"], observed=True)["volume"].sum())
    out = offers.copy()
    for i, row in out.iterrows():
        if str(row["supplier"]) in suppliers:
            out.at[i, "capacity"] = float(load.get((row["generic_name"], row["specification"], row["supplier"]), 0.0))
    return out


def _moved(steps: list[DisruptionResult]) -> pd.DataFrame:
    frames = []
    for step in steps:
        m = step.moves
        if len(m):
            frames.append(m.assign(extra_cost=(m["to_price"] - m["from_price"]) * m["volume"]))
    if not frames:
        return pd.DataFrame(columns=MOVED_COLUMNS)
    return pd.concat(frames, ignore_index=True)[MOVED_COLUMNS]


def _still_short(before: pd.DataFrame, steps: list[DisruptionResult]) -> pd.DataFrame:
    """The plan's own shortages plus what no winner or backup could take over."""
    parts = [before[[*PAIR, "volume"]]] if len(before) else []
    parts += [s.shortages[[*PAIR, "volume"]] for s in steps if len(s.shortages)]
    if not parts:
        return pd.DataFrame(columns=[*PAIR, "volume"])
    return (pd.concat(parts, ignore_index=True).groupby(PAIR, as_index=False, observed=True)["volume"].sum()
            .sort_values(PAIR, ignore_index=True))
