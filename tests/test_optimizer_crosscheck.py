"""The optimizer against an independent dense MILP solved by scipy, on many random small instances.

The scipy model is written here from the raw frames and allocation-model.md, sharing no code with
optimizer/: A, eligibility, the switch term and every constraint are recomputed from scratch. The
plan is then checked constraint by constraint (slacks recomputed from its own tables).
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from optimizer import PlanInput, PlanSettings, PlanStatus, allocate

TOL = 1e-5


def random_instance(rng: random.Random) -> tuple[PlanInput, PlanSettings]:
    regions = ["东区", "西区", "南区"]
    n_h = rng.randint(2, 8)
    hospitals = pd.DataFrame({
        "hospital_id": [f"H{i}" for i in range(n_h)],
        "hospital_name": [f"医院{i}" for i in range(n_h)],
        "region": [rng.choice(regions) for _ in range(n_h)],
    })
    demand_rows, offer_rows = [], []
    for d in range(rng.randint(1, 3)):
        g, spec = f"药{d}", "10mg"
        winners = [f"企业{d}{k}" for k in range(rng.randint(1, 4))]
        ratio_given = rng.random() < 0.2
        ratio = rng.choice([0.5, 0.65, 0.9])
        for h in range(n_h):
            if rng.random() < 0.85:
                cur = rng.choice([None, None, rng.choice(winners), "非中选企业"])
                demand_rows.append({"hospital_id": f"H{h}", "generic_name": g, "specification": spec,
                                    "declared_volume": float(rng.randint(0, 200)), "current_supplier": cur})
        for w in winners:
            cap = None if rng.random() < 0.3 else float(rng.randint(20, 500))
            regs = None if rng.random() < 0.5 else ",".join(rng.sample(regions, rng.randint(1, 2)))
            share = 0.0 if rng.random() < 0.7 else rng.choice([0.05, 0.1, 0.2, 0.4])
            offer_rows.append({"generic_name": g, "specification": spec, "supplier": w,
                               "unit_price": round(rng.uniform(0.5, 10.0), 2), "capacity": cap,
                               "regions": regs, "min_share": share,
                               "agreed_ratio": ratio if ratio_given else None})
    settings = PlanSettings(
        max_suppliers=rng.randint(1, 2),
        switch_penalty=rng.choice([0.0, 0.5, 3.0]),
        shortage_penalty=rng.choice([1000.0, 1000.0, 5.0]),
        region_mode=rng.random() < 0.25,
        gap=1e-6,
        workers=1,
    )
    return PlanInput(pd.DataFrame(demand_rows), pd.DataFrame(offer_rows), hospitals), settings


def reference(inp: PlanInput, settings: PlanSettings) -> dict[tuple[str, str], dict]:
    """Per drug: A by hospital, eligibility, and scipy's optimum (None when infeasible)."""
    region = dict(zip(inp.hospitals["hospital_id"], inp.hospitals["region"], strict=True))
    out = {}
    for (g, spec), offers in inp.offers.groupby(["generic_name", "specification"]):
        dem = inp.demand[(inp.demand["generic_name"] == g) & (inp.demand["specification"] == spec)]
        ratio_col = offers["agreed_ratio"].dropna()
        n_win = len(offers)
        alpha = float(ratio_col.iloc[0]) if len(ratio_col) else {1: 0.5, 2: 0.6, 3: 0.7}.get(n_win, 0.8)
        agreed = {h: math.ceil(round(alpha * q, 9)) for h, q in zip(dem["hospital_id"], dem["declared_volume"],
                                                                     strict=True)}
        agreed = {h: a for h, a in agreed.items() if a > 0}
        cur = dict(zip(dem["hospital_id"], dem["current_supplier"], strict=True))
        hs = sorted(agreed)
        ss = list(offers["supplier"])
        price = dict(zip(ss, offers["unit_price"], strict=True))
        cap = dict(zip(ss, offers["capacity"], strict=True))
        share = dict(zip(ss, offers["min_share"], strict=True))
        served = {s: (None if r is None or (isinstance(r, float) and math.isnan(r)) else set(r.split(",")))
                  for s, r in zip(ss, offers["regions"], strict=True)}
        elig = {(h, s): served[s] is None or region[h] in served[s] for h in hs for s in ss}
        owners = sorted({region[h] for h in hs}) if settings.region_mode else hs
        owner_of = {h: (region[h] if settings.region_mode else h) for h in hs}
        limit = 1 if settings.region_mode else settings.max_suppliers
        nx, ny, nu = len(hs) * len(ss), len(owners) * len(ss), len(hs)
        xi = {(h, s): i * len(ss) + j for i, h in enumerate(hs) for j, s in enumerate(ss)}
        yi = {(o, s): nx + i * len(ss) + j for i, o in enumerate(owners) for j, s in enumerate(ss)}
        ui = {h: nx + ny + i for i, h in enumerate(hs)}
        n = nx + ny + nu
        c = np.zeros(n)
        ub = np.zeros(n)
        for (h, s), k in xi.items():
            switch = cur.get(h) is not None and not pd.isna(cur.get(h)) and cur[h] != s
            c[k] = price[s] + (settings.switch_penalty if switch else 0.0)
            ub[k] = agreed[h] if elig[(h, s)] else 0.0
        for k in yi.values():
            ub[k] = 1.0
        for h, k in ui.items():
            c[k] = settings.shortage_penalty
            ub[k] = agreed[h]
        rows, lo, hi = [], [], []

        def row(coefs: dict[int, float], lower: float, upper: float, rows=rows, lo=lo, hi=hi) -> None:
            rows.append(coefs)
            lo.append(lower)
            hi.append(upper)

        total = sum(agreed.values())
        for h in hs:
            row({**{xi[(h, s)]: 1.0 for s in ss}, ui[h]: 1.0}, agreed[h], agreed[h])
            for s in ss:
                row({xi[(h, s)]: 1.0, yi[(owner_of[h], s)]: -agreed[h]}, -np.inf, 0.0)
        for o in owners:
            row({yi[(o, s)]: 1.0 for s in ss}, -np.inf, limit)
        for s in ss:
            load = {xi[(h, s)]: 1.0 for h in hs}
            if not pd.isna(cap[s]):
                row(load, -np.inf, cap[s])
            if share[s] > 0:
                row(load, share[s] * total, np.inf)
        result = None
        if hs:
            mat = lil_matrix((len(rows), n))
            for r, coefs in enumerate(rows):
                for k, v in coefs.items():
                    mat[r, k] += v
            integrality = np.zeros(n)
            integrality[nx:nx + ny] = 1
            res = milp(c, constraints=LinearConstraint(mat.tocsr(), lo, hi), integrality=integrality,
                       bounds=Bounds(np.zeros(n), ub), options={"mip_rel_gap": 1e-9})
            result = res.fun if res.status == 0 else None
            assert res.status in (0, 2), res.message
        else:
            result = 0.0
        out[(g, spec)] = {"agreed": agreed, "objective": result, "cur": cur, "price": price, "cap": cap,
                          "share": share, "served": served, "total": total}
    return out


def check_plan(inp: PlanInput, settings: PlanSettings, ref: dict) -> None:
    plan = allocate(inp, settings)
    region = dict(zip(inp.hospitals["hospital_id"], inp.hospitals["region"], strict=True))
    by_drug = {d.generic_name: d for d in plan.drugs}
    objective = 0.0
    for (g, _spec), r in ref.items():
        dp = by_drug[g]
        if r["objective"] is None:
            assert dp.status == PlanStatus.INFEASIBLE, (g, dp)
            assert plan.status == PlanStatus.INFEASIBLE
            continue
        assert dp.status == PlanStatus.OPTIMAL, (g, dp.reason)
        alloc = plan.allocations[plan.allocations["generic_name"] == g]
        short = plan.shortages[plan.shortages["generic_name"] == g]
        # every hospital-drug gets exactly its agreed volume, supplied or short
        got = alloc.groupby("hospital_id")["volume"].sum().add(
            short.groupby("hospital_id")["volume"].sum(), fill_value=0.0)
        for h, a in r["agreed"].items():
            assert got.get(h, 0.0) == pytest.approx(a, abs=TOL), (g, h)
        assert set(got.index) <= set(r["agreed"])
        assert (alloc["volume"] > 0).all() and (short["volume"] > 0).all()
        # only eligible arcs, at listed prices, switched flagged exactly where the rule says
        for row in alloc.itertuples():
            served = r["served"][row.supplier]
            assert served is None or region[row.hospital_id] in served
            assert row.unit_price == r["price"][row.supplier]
            cur = r["cur"].get(row.hospital_id)
            assert bool(row.switched) == (cur is not None and not pd.isna(cur) and cur != row.supplier)
        # at most K suppliers per hospital; region mode: one per region
        if settings.region_mode:
            per = alloc.assign(reg=alloc["hospital_id"].map(region)).groupby("reg")["supplier"].nunique()
            assert (per <= 1).all()
        else:
            assert (alloc.groupby("hospital_id")["supplier"].nunique() <= settings.max_suppliers).all()
        # capacity and minimum share, from the allocations (and the reported loads agree)
        loads = alloc.groupby("supplier")["volume"].sum()
        rep = plan.suppliers[plan.suppliers["generic_name"] == g].set_index("supplier")["load"]
        for s in r["price"]:
            load = loads.get(s, 0.0)
            assert rep[s] == pytest.approx(load, abs=TOL)
            if not pd.isna(r["cap"][s]):
                assert load <= r["cap"][s] + TOL
            assert load >= r["share"][s] * r["total"] - TOL
        # objective recomputed from the plan's own rows, and equal to scipy's optimum within the gap
        cost = sum(row.volume * (row.unit_price + (settings.switch_penalty if row.switched else 0.0))
                   for row in alloc.itertuples())
        cost += settings.shortage_penalty * short["volume"].sum()
        assert cost == pytest.approx(dp.objective, rel=1e-6, abs=1e-4)
        assert dp.objective == pytest.approx(r["objective"], rel=max(settings.gap, 1e-7) * 2, abs=1e-4)
        objective += dp.objective
    if plan.status != PlanStatus.INFEASIBLE:
        assert plan.objective == pytest.approx(objective, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", range(80))
def test_random_instances_match_scipy(seed: int) -> None:
    inp, settings = random_instance(random.Random(seed))
    check_plan(inp, settings, reference(inp, settings))


@pytest.mark.parametrize("seed", range(15))
def test_random_instances_match_scipy_with_cbc(seed: int) -> None:
    """The readable PuLP/CBC path reaches the same optimum as scipy (and so as HiGHS)."""
    inp, settings = random_instance(random.Random(1000 + seed))
    settings = PlanSettings(**{**settings.__dict__, "solver": "cbc"})
    check_plan(inp, settings, reference(inp, settings))


@pytest.mark.parametrize("seed", range(40))
def test_random_instances_match_scipy_via_the_heuristic_path(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every part starts from the LP-bound heuristic (as big parts do); the answer must not change."""
    import optimizer.solve as solve

    monkeypatch.setattr(solve, "HEURISTIC_MIN_ARCS", 0)
    inp, settings = random_instance(random.Random(2000 + seed))
    check_plan(inp, settings, reference(inp, settings))
