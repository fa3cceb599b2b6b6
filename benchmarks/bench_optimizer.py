"""Allocation speed: a straightforward whole-instance PuLP/CBC model against ``allocate()``.

City alliance: 250 hospitals x 12 drugs x up to 5 winners, tight capacities (1.02-1.1 x agreed),
single sourcing, regions, current suppliers. Provincial: 3,000 hospitals x 100 drugs, gap 1e-4,
with build/solve/total time and peak memory. ``--quick`` uses smaller sizes; ``--city-only`` and
``--province-only`` run one half. Inputs are cached
under benchmarks/out/.
"""

from __future__ import annotations

import math
import pickle
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer import PlanInput, PlanSettings, allocate  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def make_instance(n_hospitals: int, n_drugs: int, n_regions: int, seed: int) -> PlanInput:
    """Random alliance: 2-5 winners per drug (the first serves every region), capacities summing to
    1.02-1.1 x the agreed total, most hospitals with a current supplier (some not a winner)."""
    rng = np.random.default_rng(seed)
    regions = [f"区{r:02d}" for r in range(n_regions)]
    hospitals = pd.DataFrame({
        "hospital_id": [f"H{i:05d}" for i in range(n_hospitals)],
        "hospital_name": [f"医院{i:05d}" for i in range(n_hospitals)],
        "region": rng.choice(regions, n_hospitals),
    })
    size = rng.lognormal(0.0, 0.8, n_hospitals)  # big and small hospitals
    demand, offers = [], []
    for d in range(n_drugs):
        g, spec = f"药品{d:03d}", "10mg"
        n_w = int(rng.integers(2, 6))
        ratio = {1: 0.5, 2: 0.6, 3: 0.7}.get(n_w, 0.8)
        buys = rng.random(n_hospitals) < 0.8
        q = np.round(size * rng.uniform(200, 3000) * rng.uniform(0.5, 1.5, n_hospitals))[buys]
        total = float(np.ceil(np.round(ratio * q, 9)).sum())
        winners = [f"企业{(d * 7 + j) % 60:02d}" for j in range(n_w)]
        weights = rng.dirichlet(np.full(n_w, 3.0))
        slack = rng.uniform(1.02, 1.1)
        base = rng.uniform(0.2, 5.0)
        for j, w in enumerate(winners):
            served = None if j == 0 else ",".join(sorted(rng.choice(regions, max(1, int(0.7 * n_regions)),
                                                                    replace=False)))
            offers.append({"generic_name": g, "specification": spec, "supplier": w,
                           "unit_price": round(base * rng.uniform(1.0, 1.6), 4),
                           "capacity": float(math.ceil(slack * total * weights[j])), "regions": served})
        cur = rng.choice([*winners, "原研企业", None], int(buys.sum()))
        demand.append(pd.DataFrame({"hospital_id": hospitals["hospital_id"][buys].to_numpy(), "generic_name": g,
                                    "specification": spec, "declared_volume": q, "current_supplier": cur}))
    return PlanInput(pd.concat(demand, ignore_index=True), pd.DataFrame(offers), hospitals)


def cached_instance(n_hospitals: int, n_drugs: int, n_regions: int, seed: int) -> PlanInput:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"optimizer_{n_hospitals}x{n_drugs}_{seed}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    inp = make_instance(n_hospitals, n_drugs, n_regions, seed)
    path.write_bytes(pickle.dumps(inp))
    return inp


def straightforward(inp: PlanInput, settings: PlanSettings) -> tuple[float, float, float, str]:
    """The whole instance as ONE PuLP model built with Python loops, solved by PuLP's bundled CBC."""
    import pulp

    t0 = time.perf_counter()
    region = dict(zip(inp.hospitals["hospital_id"], inp.hospitals["region"], strict=True))
    prob = pulp.LpProblem("vbp", pulp.LpMinimize)
    cost_terms = []
    for (g, spec), offers in inp.offers.groupby(["generic_name", "specification"]):
        dem = inp.demand[(inp.demand["generic_name"] == g) & (inp.demand["specification"] == spec)]
        n_w = len(offers)
        alpha = {1: 0.5, 2: 0.6, 3: 0.7}.get(n_w, 0.8)
        loads: dict[str, list] = {s: [] for s in offers["supplier"]}
        total = 0.0
        for row in dem.itertuples():
            a = math.ceil(round(alpha * row.declared_volume, 9))
            if a <= 0:
                continue
            total += a
            u = pulp.LpVariable(f"u_{row.hospital_id}_{g}", lowBound=0)
            xs, ys = [], []
            for off in offers.itertuples():
                if isinstance(off.regions, str) and region[row.hospital_id] not in off.regions.split(","):
                    continue
                x = pulp.LpVariable(f"x_{row.hospital_id}_{g}_{off.supplier}", lowBound=0)
                y = pulp.LpVariable(f"y_{row.hospital_id}_{g}_{off.supplier}", cat=pulp.LpBinary)
                prob += x <= a * y
                switch = isinstance(row.current_supplier, str) and row.current_supplier != off.supplier
                cost_terms.append((off.unit_price + (settings.switch_penalty if switch else 0.0)) * x)
                xs.append(x)
                ys.append(y)
                loads[off.supplier].append(x)
            prob += pulp.lpSum(xs) + u == a
            prob += pulp.lpSum(ys) <= settings.max_suppliers
            cost_terms.append(settings.shortage_penalty * u)
        for off in offers.itertuples():
            if not pd.isna(off.capacity):
                prob += pulp.lpSum(loads[off.supplier]) <= off.capacity
    prob += pulp.lpSum(cost_terms)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=settings.time_limit, gapRel=settings.gap))
    solve = time.perf_counter() - t1
    status = {1: "optimal", 2: "feasible (time limit)"}.get(prob.sol_status, f"sol_status {prob.sol_status}")
    return build, solve, float(pulp.value(prob.objective)), status


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, in MB."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def city(quick: bool) -> None:
    n_h, n_d = (60, 4) if quick else (250, 12)
    inp = cached_instance(n_h, n_d, 6, seed=7)
    settings = PlanSettings(max_suppliers=1, switch_penalty=0.05, gap=1e-4, time_limit=60.0 if quick else 300.0)
    print(f"city alliance: {n_h} hospitals x {n_d} drugs, {len(inp.offers)} offers, {len(inp.demand)} demand rows")
    b_build, b_solve, b_obj, b_status = straightforward(inp, settings)
    print(f"  (a) one PuLP model + CBC: build {b_build:.2f} s, solve {b_solve:.2f} s, objective {b_obj:,.2f} "
          f"[{b_status}]")
    t0 = time.perf_counter()
    plan = allocate(inp, settings)
    wall = time.perf_counter() - t0
    t = plan.timings
    print(f"  (b) allocate():          build {t['build']:.2f} s, solve {t['solve']:.2f} s (summed over parts), "
          f"wall {wall:.2f} s, objective {plan.objective:,.2f} [{plan.status.value}, gap {plan.gap:.1e}]")
    print(f"  speed-up (a total / b wall): {(b_build + b_solve) / wall:.1f}x; objective (b) - (a): "
          f"{plan.objective - b_obj:+,.2f} ({'not worse' if plan.objective <= b_obj * (1 + 1e-4) else 'WORSE'})")


def province(quick: bool) -> None:
    n_h, n_d = (600, 20) if quick else (3000, 100)
    t0 = time.perf_counter()
    inp = cached_instance(n_h, n_d, 16, seed=11)
    read = time.perf_counter() - t0
    print(f"provincial: {n_h} hospitals x {n_d} drugs, {len(inp.offers)} offers, {len(inp.demand)} demand rows "
          f"(input {read:.2f} s)")
    t0 = time.perf_counter()
    plan = allocate(inp, PlanSettings(max_suppliers=1, switch_penalty=0.05, gap=1e-4, time_limit=60.0))
    wall = time.perf_counter() - t0
    t = plan.timings
    statuses = pd.Series([d.status.value for d in plan.drugs]).value_counts().to_dict()
    parent, child = peak_mb()
    print(f"  allocate(): build {t['build']:.2f} s, solve {t['solve']:.2f} s (summed over parts), total wall "
          f"{wall:.2f} s (target < 60 s); status {plan.status.value} {statuses}, gap {plan.gap:.1e}")
    print(f"  peak memory: parent {parent:,.0f} MB, largest worker {child:,.0f} MB, sum {parent + child:,.0f} MB "
          f"(target < 2,048 MB)")
    print(f"  {len(plan.allocations):,} allocations, {len(plan.shortages):,} shortages, "
          f"{int(plan.allocations['switched'].sum()):,} switched")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    if "--province-only" not in argv:
        city(quick)
    if "--city-only" not in argv:
        province(quick)


if __name__ == "__main__":
    main()
