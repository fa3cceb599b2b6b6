"""How long scenario work takes on a province-sized plan: disruption re-plan, workbook, comparison.

Builds a random alliance (1,000 hospitals in 12 regions, 20 drugs with 4 winners each; 200 and 5
with ``--quick``), plans it with the core, then times: a disruption whose volume fits the others'
spare capacity (phase A only), one where capacity is tight so other hospitals must give way
(phase B, the full lexicographic MILP), writing the plan workbook, and a 3-scenario comparison.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer import PlanInput, PlanSettings, allocate  # noqa: E402
from optimizer.excel import write_plan_xlsx  # noqa: E402
from optimizer.scenarios import compare_scenarios, replan_disruption  # noqa: E402


def make_input(n_hospitals: int, n_drugs: int, slack: float, seed: int = 11) -> PlanInput:
    """Random alliance; total capacity per drug = ``slack`` × total agreed volume."""
    rng = np.random.default_rng(seed)
    hospitals = pd.DataFrame({
        "hospital_id": [f"H{i:04d}" for i in range(n_hospitals)],
        "hospital_name": [f"医院{i:04d}" for i in range(n_hospitals)],
        "region": [f"区{i % 12:02d}" for i in range(n_hospitals)],
    })
    demand_rows, offer_rows = [], []
    for d in range(n_drugs):
        g = f"药品{d:02d}"
        q = rng.integers(100, 5000, n_hospitals).astype(float)
        total = float(np.ceil(0.8 * q).sum())
        share = rng.dirichlet(np.ones(4)) * 0.5 + 0.125  # every winner holds 12.5-62.5% of capacity
        for j in range(4):
            regions = pd.NA if j < 3 else ",".join(f"区{r:02d}" for r in range(6))
            offer_rows.append({"generic_name": g, "specification": "10mg", "supplier": f"企业{(d + j) % 9}",
                               "unit_price": round(float(rng.uniform(0.2, 3.0)), 3),
                               "capacity": float(np.ceil(slack * total * share[j] / share.sum())),
                               "regions": regions, "agreed_ratio": 0.8})
        demand_rows.append(pd.DataFrame({"hospital_id": hospitals["hospital_id"], "generic_name": g,
                                         "specification": "10mg", "declared_volume": q, "current_supplier": pd.NA}))
    return PlanInput(demand=pd.concat(demand_rows, ignore_index=True), offers=pd.DataFrame(offer_rows),
                     hospitals=hospitals)


def purchases_of(plan, supplier: str, fraction: float, seed: int = 5) -> pd.DataFrame:
    """Each hospital bought a random share (0..``fraction``) of its volume from ``supplier`` early on."""
    rng = np.random.default_rng(seed)
    a = plan.allocations[plan.allocations["supplier"] == supplier]
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(len(a))], "date": pd.Timestamp("2026-02-01"),
                         "hospital_id": a["hospital_id"].to_numpy(), "generic_name": a["generic_name"].to_numpy(),
                         "specification": a["specification"].to_numpy(), "supplier": supplier,
                         "quantity": np.floor(a["volume"].to_numpy() * rng.uniform(0, fraction, len(a)))})


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - t0:.2f} s", flush=True)
    return out


def busiest(plan) -> str:
    return str(plan.allocations.groupby("supplier")["volume"].sum().idxmax())


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser().parse_known_args(argv)[1]
    quick = "--quick" in args
    n_h, n_d = (200, 5) if quick else (1000, 20)
    settings = PlanSettings(workers=1, time_limit=60)
    print(f"{n_h} hospitals, {n_d} drugs, 4 winners each")
    for label, slack in (("roomy capacity (1.6x)", 1.6), ("tight capacity (1.02x)", 1.02)):
        inp = make_input(n_h, n_d, slack)
        plan = timed(f"[{label}] core plan", lambda inp=inp: allocate(inp, settings))
        failed = busiest(plan)
        bought = purchases_of(plan, failed, 0.5)
        r = timed(f"[{label}] disruption of {failed}", lambda inp=inp, plan=plan, failed=failed, bought=bought:
                  replan_disruption(inp, plan, failed, "2026-03-01", bought, settings))
        print(f"  moved {r.moves['volume'].sum():,.0f} units, {r.hospitals_switched} hospitals switched "
              f"({r.unaffected_moved} gave way), shortage {r.shortage_volume:,.0f}, "
              f"extra cost {r.extra_cost:,.0f} yuan, status {r.status}")
    buf = io.BytesIO()
    timed("plan workbook (with disruption sheet)", lambda: write_plan_xlsx(plan, buf, inp=inp, disruption=r))
    print(f"  {len(buf.getvalue()) / 1e6:.2f} MB, {len(plan.allocations):,} allocation rows")
    inp = make_input(n_h, n_d, 1.6)
    comp = timed("3-scenario comparison", lambda: compare_scenarios(inp, {
        "基准": settings, "比例70%": PlanSettings(ratio=0.7, workers=1), "K=2": PlanSettings(max_suppliers=2, workers=1)}))
    print(comp.table[["scenario", "status", "objective", "total_cost", "shortage_volume", "cost_change"]].to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
