"""Hand-made allocation cases whose answers are worked out by hand, one per constraint family."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import (
    PlanInput,
    PlanSettings,
    PlanStatus,
    agreed_ratio,
    agreed_volumes,
    allocate,
    check_inputs,
)
from procurement.model import Dataset, conform

G, SPEC = "阿托伐他汀钙片", "20mg"


def make(demand: list[tuple], offers: list[dict], regions: dict[str, str] | None = None,
         drug: tuple[str, str] = (G, SPEC)) -> PlanInput:
    """demand rows: (hospital, declared, current); offers: supplier dicts (price, cap, regions, share)."""
    dem = pd.DataFrame([{"hospital_id": h, "generic_name": drug[0], "specification": drug[1],
                         "declared_volume": float(q), "current_supplier": cur} for h, q, cur in demand])
    off = pd.DataFrame([{"generic_name": drug[0], "specification": drug[1], **o} for o in offers])
    regions = regions or {}
    hosp = pd.DataFrame({"hospital_id": list(regions), "hospital_name": list(regions), "region": list(regions.values())})
    return PlanInput(dem, off, hosp)


def merge(*inputs: PlanInput) -> PlanInput:
    return PlanInput(pd.concat([i.demand for i in inputs]), pd.concat([i.offers for i in inputs]),
                     pd.concat([i.hospitals for i in inputs]).drop_duplicates("hospital_id"))


def supplier_of(plan, hospital: str) -> dict[str, float]:
    rows = plan.allocations[plan.allocations["hospital_id"] == hospital]
    return dict(zip(rows["supplier"], rows["volume"], strict=True))


HALF = PlanSettings(ratio=0.5)


# --- the agreed-volume rule -----------------------------------------------------------------------

@pytest.mark.parametrize(("winners", "ratio"), [(1, 0.5), (2, 0.6), (3, 0.7), (4, 0.8), (5, 0.8)])
def test_ratio_rule_by_number_of_winners(winners: int, ratio: float) -> None:
    assert agreed_ratio(winners) == ratio


def test_agreed_volume_rounds_up_without_float_noise() -> None:
    # 3 winners: 70% of 10 is 7 exactly (0.7 * 10 = 7.000000000000001 in floats), of 11 is 7.7 -> 8
    inp = make([("H1", 10, None), ("H2", 11, None)], [{"supplier": s, "unit_price": 1.0} for s in "ABC"])
    a = agreed_volumes(inp.normalised(), PlanSettings()).set_index("hospital_id")["agreed_volume"]
    assert a.to_dict() == {"H1": 7.0, "H2": 8.0}


def test_agreed_ratio_from_offers_and_override() -> None:
    inp = make([("H1", 101, None)], [{"supplier": "A", "unit_price": 1.0, "agreed_ratio": 0.6}])
    assert agreed_volumes(inp.normalised(), PlanSettings())["agreed_volume"].tolist() == [61.0]  # 60.6 -> 61
    assert agreed_volumes(inp.normalised(), PlanSettings(ratio=0.9))["agreed_volume"].tolist() == [91.0]


@settings(max_examples=40, deadline=None)
@given(q=st.integers(0, 10**7), n=st.integers(1, 6))
def test_agreed_volume_is_the_least_whole_number_at_or_above_the_ratio(q: int, n: int) -> None:
    inp = make([("H1", q, None)], [{"supplier": f"S{i}", "unit_price": 1.0} for i in range(n)])
    a = agreed_volumes(inp.normalised(), PlanSettings())["agreed_volume"].iloc[0]
    exact = agreed_ratio(n) * q
    assert a == int(a) and a >= round(exact, 6) and a - 1 < round(exact, 6)


# --- one case per constraint family ---------------------------------------------------------------

def test_capacity_forces_a_split_with_two_suppliers_and_k1_picks_the_one_that_fits() -> None:
    inp = make([("H1", 200, None)], [{"supplier": "S1", "unit_price": 1.0, "capacity": 60},
                                     {"supplier": "S2", "unit_price": 2.0}])
    k2 = allocate(inp, PlanSettings(ratio=0.5, max_suppliers=2))
    assert supplier_of(k2, "H1") == {"S1": 60.0, "S2": 40.0}
    assert k2.objective == pytest.approx(60 * 1 + 40 * 2)
    k1 = allocate(inp, HALF)  # S1 alone would leave 40 short at 1000 each: S2 takes all 100
    assert supplier_of(k1, "H1") == {"S2": 100.0}
    assert k1.objective == pytest.approx(200.0) and k1.status == PlanStatus.OPTIMAL


def test_region_forbids_the_cheap_winner() -> None:
    inp = make([("H1", 100, None), ("H2", 100, None)],
               [{"supplier": "S1", "unit_price": 1.0, "regions": "东区"},
                {"supplier": "S2", "unit_price": 3.0}], {"H1": "东区", "H2": "西区"})
    plan = allocate(inp, HALF)
    assert supplier_of(plan, "H1") == {"S1": 50.0}
    assert supplier_of(plan, "H2") == {"S2": 50.0}
    assert set(plan.allocations["region"]) == {"东区", "西区"}


def test_min_share_forces_the_pricier_supplier() -> None:
    inp = make([("H1", 100, None), ("H2", 100, None)],
               [{"supplier": "S1", "unit_price": 1.0}, {"supplier": "S2", "unit_price": 2.0, "min_share": 0.5}])
    plan = allocate(inp, HALF)
    loads = plan.suppliers.set_index("supplier")["load"]
    assert loads.to_dict() == {"S1": 50.0, "S2": 50.0}
    assert plan.objective == pytest.approx(50 * 1 + 50 * 2)


def test_switch_penalty_keeps_the_incumbent() -> None:
    inp = make([("H1", 100, "S2")], [{"supplier": "S1", "unit_price": 1.0}, {"supplier": "S2", "unit_price": 1.2}])
    free = allocate(inp, HALF)
    assert supplier_of(free, "H1") == {"S1": 50.0} and free.allocations["switched"].tolist() == [True]
    sticky = allocate(inp, PlanSettings(ratio=0.5, switch_penalty=0.5))
    assert supplier_of(sticky, "H1") == {"S2": 50.0} and sticky.allocations["switched"].tolist() == [False]
    assert sticky.objective == pytest.approx(60.0) and sticky.total_cost == pytest.approx(60.0)


def test_current_supplier_that_is_no_winner_makes_every_unit_a_switch() -> None:
    inp = make([("H1", 100, "老厂家")], [{"supplier": "S1", "unit_price": 1.0}])
    plan = allocate(inp, PlanSettings(ratio=0.5, switch_penalty=0.5))
    assert plan.allocations["switched"].tolist() == [True]
    assert plan.objective == pytest.approx(50 * 1.5) and plan.total_cost == pytest.approx(50.0)


def test_shortage_when_capacity_is_short() -> None:
    inp = make([("H1", 100, None), ("H2", 60, None)], [{"supplier": "S1", "unit_price": 1.0, "capacity": 60}])
    plan = allocate(inp, PlanSettings(ratio=0.5, max_suppliers=1))
    # A = 50 + 30 = 80 against 60: best is H1 fully (50) and H2 10, leaving 20 short
    assert plan.shortages["volume"].sum() == pytest.approx(20.0)
    assert plan.objective == pytest.approx(60 + 20 * 1000)
    assert plan.status == PlanStatus.OPTIMAL
    warnings = [i for i in plan.issues if i.severity == "warning"]
    assert len(warnings) == 1 and "60" in warnings[0].message_zh and "80" in warnings[0].message_en


def test_cheap_shortage_is_taken_when_the_penalty_is_below_the_price() -> None:
    inp = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 9.0}])
    plan = allocate(inp, PlanSettings(ratio=0.5, shortage_penalty=5.0))
    assert plan.allocations.empty and plan.shortages["volume"].tolist() == [50.0]


def test_region_mode_gives_one_supplier_per_region() -> None:
    inp = make([("H1", 100, None), ("H2", 100, None), ("H3", 100, None)],
               [{"supplier": "S1", "unit_price": 1.0, "capacity": 60}, {"supplier": "S2", "unit_price": 2.0}],
               {"H1": "东区", "H2": "东区", "H3": "西区"})
    per_hospital = allocate(inp, HALF)  # S1 takes one hospital of 50 (cap 60), S2 the other two
    assert per_hospital.objective == pytest.approx(50 * 1 + 100 * 2)
    region = allocate(inp, PlanSettings(ratio=0.5, region_mode=True))
    # 东区 needs 100 from one supplier: S1 (cap 60) cannot, so S2 takes 东区 and S1 西区
    assert supplier_of(region, "H1") == {"S2": 50.0} and supplier_of(region, "H2") == {"S2": 50.0}
    assert supplier_of(region, "H3") == {"S1": 50.0}
    assert region.objective == pytest.approx(50 * 1 + 100 * 2)
    # with S1 unlimited and cheapest, region mode still gives each region one supplier: S1 everywhere
    inp.offers["capacity"] = None
    assert set(allocate(inp, PlanSettings(ratio=0.5, region_mode=True)).allocations["supplier"]) == {"S1"}


def test_allowed_pairs_restrict_the_allocation() -> None:
    inp = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}, {"supplier": "S2", "unit_price": 2.0}])
    inp.allowed = pd.DataFrame({"hospital_id": ["H1"], "generic_name": [G], "specification": [SPEC],
                                "supplier": ["S2"]})
    assert supplier_of(allocate(inp, HALF), "H1") == {"S2": 50.0}


def test_agreed_volumes_given_directly_replace_the_ratio() -> None:
    inp = make([("H1", 100, "S2")], [{"supplier": "S1", "unit_price": 1.0}, {"supplier": "S2", "unit_price": 2.0}])
    inp.agreed = pd.DataFrame({"hospital_id": ["H1"], "generic_name": [G], "specification": [SPEC],
                               "agreed_volume": [7.0]})
    plan = allocate(inp, PlanSettings(switch_penalty=5.0))
    assert supplier_of(plan, "H1") == {"S2": 7.0}


# --- checks: each with its message, the failing drug never hides the others -------------------------

GOOD = make([("H1", 100, None)], [{"supplier": "OK", "unit_price": 1.0}], {"H1": "东区"}, drug=("好药", "1g"))


def issues_of(inp: PlanInput) -> list:
    return [i for i in check_inputs(inp, HALF) if i.drug == (G, SPEC)]


def assert_blocked(bad: PlanInput, *fragments: str) -> None:
    """The bad drug is infeasible with a reason naming it; the good drug still gets its plan."""
    plan = allocate(merge(bad, GOOD), HALF)
    assert plan.status == PlanStatus.INFEASIBLE
    assert G in plan.reason and all(f in plan.reason for f in fragments)
    status = {d.generic_name: d.status for d in plan.drugs}
    assert status == {G: PlanStatus.INFEASIBLE, "好药": PlanStatus.OPTIMAL}
    assert supplier_of(plan, "H1") == {"OK": 50.0}


def test_demand_without_any_winner() -> None:
    bad = make([("H1", 100, None)], [], {"H1": "东区"})
    bad.offers = conform("offers", bad.offers)
    [issue] = issues_of(bad)
    assert "没有中选企业" in issue.message_zh and "no winning supplier" in issue.message_en
    assert_blocked(bad, "no winning supplier")


def test_min_shares_summing_above_one() -> None:
    bad = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0, "min_share": 0.6},
                                     {"supplier": "S2", "unit_price": 1.0, "min_share": 0.5}], {"H1": "东区"})
    [issue] = issues_of(bad)
    assert "110%" in issue.message_zh and "above 100%" in issue.message_en
    assert_blocked(bad, "110%")


def test_min_share_above_capacity() -> None:
    bad = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0, "min_share": 0.5, "capacity": 10},
                                     {"supplier": "S2", "unit_price": 1.0}], {"H1": "东区"})
    [issue] = issues_of(bad)
    assert issue.supplier == "S1" and "capacity 10" in issue.message_en and "超过其供应能力" in issue.message_zh
    assert_blocked(bad, "S1")


def test_min_share_out_of_reach_of_the_suppliers_regions() -> None:
    bad = make([("H1", 100, None), ("H2", 300, None)],
               [{"supplier": "S1", "unit_price": 1.0, "min_share": 0.5, "regions": "东区"},
                {"supplier": "S2", "unit_price": 1.0}], {"H1": "东区", "H2": "西区"})
    [issue] = issues_of(bad)
    assert issue.supplier == "S1" and issue.region == "东区"
    assert "needs 100 units" in issue.message_en and "agreed only 50" in issue.message_en
    assert_blocked(bad, "东区")


def test_agreed_ratio_outside_zero_one() -> None:
    bad = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0, "agreed_ratio": 1.5}], {"H1": "东区"})
    [issue] = [i for i in check_inputs(bad, PlanSettings()) if i.drug == (G, SPEC)]
    assert "1.5" in issue.message_zh and "outside (0, 1]" in issue.message_en
    plan = allocate(merge(bad, GOOD), PlanSettings())
    assert {d.generic_name: d.status for d in plan.drugs} == {G: PlanStatus.INFEASIBLE, "好药": PlanStatus.OPTIMAL}


def test_region_nobody_serves_is_a_warning_and_the_rest_is_planned() -> None:
    inp = make([("H1", 100, None), ("H2", 100, None)], [{"supplier": "S1", "unit_price": 1.0, "regions": "东区"}],
               {"H1": "东区", "H2": "西区"})
    [issue] = issues_of(inp)
    assert issue.severity == "warning" and issue.region == "西区" and "no winner serves region 西区" in issue.message_en
    plan = allocate(inp, HALF)
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.shortages.set_index("hospital_id")["volume"].to_dict() == {"H2": 50.0}


def test_infeasible_found_by_the_solver_is_reported() -> None:
    # each share reachable alone, but S1 and S2 both need the one hospital they can reach with K = 1
    inp = make([("H1", 100, None), ("H2", 100, None)],
               [{"supplier": "S1", "unit_price": 1.0, "min_share": 0.4, "regions": "东区"},
                {"supplier": "S2", "unit_price": 1.0, "min_share": 0.4, "regions": "东区"},
                {"supplier": "S3", "unit_price": 1.0}], {"H1": "东区", "H2": "西区"})
    assert not [i for i in issues_of(inp) if i.severity == "error"]
    for solver in ("highs", "cbc"):
        plan = allocate(inp, PlanSettings(ratio=0.5, solver=solver))
        assert plan.status == PlanStatus.INFEASIBLE and "minimum shares" in plan.reason


# --- plan JSON, savings, time limit ---------------------------------------------------------------

def test_to_json_has_cli_keys_and_no_nan() -> None:
    inp = make([("H1", 100, "S1")], [{"supplier": "S1", "unit_price": 1.5}], {"H1": "东区"})
    inp.baseline = pd.DataFrame({"generic_name": [G], "specification": [SPEC], "baseline_price": [2.0]})
    out = json.loads(json.dumps(allocate(inp, HALF).to_json(), allow_nan=False))
    assert {"status", "reason", "objective", "total_cost", "gap", "allocations", "shortages", "suppliers",
            "timings"} <= set(out)
    assert set(out["timings"]) >= {"read", "build", "solve"}
    assert out["allocations"] == [{"hospital_id": "H1", "generic_name": G, "specification": SPEC, "supplier": "S1",
                                   "volume": 50, "unit_price": 1.5, "switched": False, "region": "东区"}]
    assert out["suppliers"][0]["capacity"] is None and out["suppliers"][0]["load"] == 50
    [saving] = out["savings"]
    assert saving["baseline_cost"] == 100 and saving["plan_cost"] == 75 and saving["savings_rate"] == 0.25


def test_from_dataset_takes_the_baseline_from_products() -> None:
    base = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}])
    products = pd.DataFrame({"batch": ["第七批"] * 2, "generic_name": [G] * 2, "specification": [SPEC] * 2,
                             "supplier": ["S1", "S9"], "unit_price": [1.0, 1.0], "baseline_price": [3.0, 5.0]})
    ds = Dataset(demand=conform("demand", base.demand), offers=conform("offers", base.offers),
                 products=conform("products", products))
    plan = allocate(PlanInput.from_dataset(ds), HALF)
    assert plan.savings["baseline_price"].tolist() == [4.0]
    assert plan.savings["savings"].tolist() == [pytest.approx(50 * 4.0 - 50 * 1.0)]


def big_tight_instance(n_h: int = 400, n_s: int = 5) -> PlanInput:
    demand = [(f"H{i}", 50 + (i * 37) % 400, f"S{i % n_s}") for i in range(n_h)]
    total = sum(math.ceil(0.5 * q) for _, q, _ in demand)
    offers = [{"supplier": f"S{j}", "unit_price": 1.0 + 0.013 * j, "capacity": math.ceil(total * 1.02 / n_s)}
              for j in range(n_s)]
    return make(demand, offers)


@pytest.mark.parametrize("k", [1, 2])  # K = 1 goes through the LP-bound heuristic first, K = 2 straight to MIP
def test_time_limit_stop_is_not_reported_optimal(k: int) -> None:
    settings = PlanSettings(ratio=0.5, switch_penalty=0.1, time_limit=0.005, gap=0.0, max_suppliers=k)
    plan = allocate(big_tight_instance(), settings)
    assert plan.status != PlanStatus.OPTIMAL
    assert plan.drugs[0].status == PlanStatus.FEASIBLE and plan.reason
    assert plan.gap > 0  # the achieved gap, honestly


def test_highs_arrays_and_pulp_cbc_reach_the_same_optimum() -> None:
    inp = big_tight_instance(20, 4)
    inp.hospitals = pd.DataFrame({"hospital_id": [f"H{i}" for i in range(20)], "hospital_name": "x",
                                  "region": [["东区", "西区", "南区"][i % 3] for i in range(20)]})
    inp.offers.loc[1, "regions"] = "东区,西区"
    inp.offers.loc[2, "min_share"] = 0.2
    settings = PlanSettings(ratio=0.5, switch_penalty=0.05, max_suppliers=1, gap=1e-6)
    highs = allocate(inp, settings)
    cbc = allocate(inp, PlanSettings(**{**settings.__dict__, "solver": "cbc"}))
    assert highs.status == cbc.status == PlanStatus.OPTIMAL
    assert highs.objective == pytest.approx(cbc.objective, rel=2e-6)


@pytest.mark.slow
def test_parallel_parts_give_the_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    import optimizer.solve as solve

    inp = merge(make([("H1", 100, None), ("H2", 80, "S2")], [{"supplier": "S1", "unit_price": 1.0, "capacity": 50},
                                                               {"supplier": "S2", "unit_price": 1.1}]), GOOD)
    serial = allocate(inp, PlanSettings(ratio=0.5, workers=1))
    monkeypatch.setattr(solve, "PARALLEL_MIN_ARCS", 0)
    seen = []
    parallel = allocate(inp, PlanSettings(ratio=0.5, workers=2), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]
    assert parallel.objective == pytest.approx(serial.objective)
    pd.testing.assert_frame_equal(parallel.allocations, serial.allocations)


def test_cbc_is_the_fallback_when_highs_fails(monkeypatch):
    """A HiGHS failure on a part is solved again with CBC: same optimum, and the plan says so."""
    from optimizer import solve

    inp = _fallback_instance()
    expected = allocate(inp, PlanSettings())

    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated HiGHS failure")

    monkeypatch.setattr(solve, "_solve_highs", broken)
    plan = allocate(inp, PlanSettings())
    assert plan.status.value == "optimal"
    # 2 winners: ratio 60%, A = 60 each; 甲 (2.0) takes one hospital's 60, 乙 (3.0) the other's
    assert expected.total_cost == pytest.approx(60 * 2.0 + 60 * 3.0)
    assert plan.total_cost == pytest.approx(expected.total_cost, rel=1e-6)
    assert all("CBC" in (d.reason or "") for d in plan.drugs)


def _fallback_instance() -> PlanInput:
    # two hospitals, one drug, two winners: the cheap one (2.0/unit) can take only 50 units
    hospitals = pd.DataFrame({"hospital_id": ["H1", "H2"], "region": ["东区", "西区"]})
    demand = pd.DataFrame({"hospital_id": ["H1", "H2"], "generic_name": ["阿莫西林", "阿莫西林"],
                           "specification": ["0.25g", "0.25g"], "declared_volume": [100.0, 100.0]})
    offers = pd.DataFrame({"generic_name": ["阿莫西林", "阿莫西林"], "specification": ["0.25g", "0.25g"],
                           "supplier": ["甲", "乙"], "unit_price": [2.0, 3.0], "capacity": [60.0, None]})
    return PlanInput(demand=demand, offers=offers, hospitals=hospitals)


def test_issues_in_the_plan_json_keep_their_keys() -> None:
    # H2 (西区) has no winner serving it: one warning, its agreed 50 (ratio 0.5 of 100) short.
    # The JSON record of the issue names each field as the CLI documents it.
    inp = make([("H1", 100, None), ("H2", 100, None)], [{"supplier": "S1", "unit_price": 1.0, "regions": "东区"}],
               {"H1": "东区", "H2": "西区"})
    out = json.loads(json.dumps(allocate(inp, HALF).to_json(), allow_nan=False))
    assert out["issues"] == [{
        "generic_name": G, "specification": SPEC, "supplier": None, "region": "西区", "severity": "warning",
        "message_zh": f"药品 {G} {SPEC} 在地区 西区 没有中选企业供应：1 家医疗机构的约定量 50 将短缺",
        "message_en": f"drug {G} {SPEC}: no winner serves region 西区: 1 hospitals' agreed volume 50 will be short",
    }]


def test_bad_offer_values_name_their_supplier() -> None:
    # S1's price is negative, S2's capacity negative, S3's minimum share 1.5 above 1: one error each,
    # located by the supplier it is about (the page and the CLI show that column).
    bad = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": -1.0},
                                     {"supplier": "S2", "unit_price": 1.0, "capacity": -5},
                                     {"supplier": "S3", "unit_price": 1.0, "min_share": 1.5}], {"H1": "东区"})
    issues = issues_of(bad)
    assert [(i.supplier, i.region, i.severity) for i in issues] == [
        ("S1", None, "error"), ("S2", None, "error"), ("S3", None, "error")]
    assert "S1 has a missing or negative unit price" in issues[0].message_en
    assert "S2 has a negative capacity (-5)" in issues[1].message_en
    assert "S3 has a minimum share 1.5 outside [0, 1]" in issues[2].message_en
    assert_blocked(bad, "S1", "S2", "S3")


def test_unknown_solver_is_reported_once_and_nothing_is_solved() -> None:
    inp = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}], {"H1": "东区"})
    settings = PlanSettings(ratio=0.5, solver="glpk")
    [issue] = check_inputs(inp, settings)
    assert (issue.drug, issue.supplier, issue.region, issue.severity) == (("", ""), None, None, "error")
    assert issue.message_zh == "未知的求解器 glpk"
    assert issue.message_en == "unknown solver glpk (use highs or cbc)"
    plan = allocate(inp, settings)
    assert plan.status == PlanStatus.INFEASIBLE and plan.allocations.empty
    assert "unknown solver glpk" in plan.drugs[0].reason


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_current_supplier_is_no_current_supplier(blank: str) -> None:
    # A current supplier left blank (or only spaces) is none given: no unit is a switch, so the
    # penalty 0.5 never applies: objective 50 x 1.00 = 50 (a named non-winner would give 50 x 1.50).
    inp = make([("H1", 100, blank)], [{"supplier": "S1", "unit_price": 1.0}])
    plan = allocate(inp, PlanSettings(ratio=0.5, switch_penalty=0.5))
    assert plan.allocations["switched"].tolist() == [False]
    assert plan.objective == pytest.approx(50.0) and plan.total_cost == pytest.approx(50.0)


def test_allowed_pairs_leave_a_drug_without_pairs_unsupplied() -> None:
    # The allowed pairs name only (H1, S2) of the first drug: 好药 has no allowed pair at all, so no
    # winner may supply it and H1's agreed 50 of it is short (as the disruption re-plan reads them).
    inp = merge(make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}, {"supplier": "S2", "unit_price": 2.0}],
                     {"H1": "东区"}), GOOD)
    inp.allowed = pd.DataFrame({"hospital_id": ["H1"], "generic_name": [G], "specification": [SPEC],
                                "supplier": ["S2"]})
    plan = allocate(inp, HALF)
    assert plan.allocations[["generic_name", "supplier", "volume"]].values.tolist() == [[G, "S2", 50.0]]
    assert plan.shortages[["generic_name", "volume"]].values.tolist() == [["好药", 50.0]]


def test_highs_infeasible_part_says_why_in_its_own_words() -> None:
    # The case above, with HiGHS: its infeasibility is reported with the model's reason and nothing
    # else (no note of a CBC fallback, which only a HiGHS failure adds).
    inp = make([("H1", 100, None), ("H2", 100, None)],
               [{"supplier": "S1", "unit_price": 1.0, "min_share": 0.4, "regions": "东区"},
                {"supplier": "S2", "unit_price": 1.0, "min_share": 0.4, "regions": "东区"},
                {"supplier": "S3", "unit_price": 1.0}], {"H1": "东区", "H2": "西区"})
    [drug] = allocate(inp, HALF).drugs
    assert drug.status == PlanStatus.INFEASIBLE
    assert drug.reason == "最低份额等约束无法同时满足 / the minimum shares cannot all be met together"


def test_a_drug_nobody_declared_is_an_empty_optimal_part() -> None:
    # Offers for 好药 but no demand: its part has no hospital, so no arc, no shortage entry, cost 0.
    from optimizer import solve_drug
    from optimizer.inputs import split_by_drug

    inp = merge(make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}], {"H1": "东区"}),
                make([], [{"supplier": "OK", "unit_price": 1.0}], {}, drug=("好药", "1g")))
    drugs = {d.generic_name: d for d in split_by_drug(inp.normalised(), HALF)}
    empty = drugs["好药"]
    assert len(empty.hospital_ids) == 0 and len(empty.arc_h) == 0
    res = solve_drug(empty, HALF)
    assert res.status == PlanStatus.OPTIMAL and res.objective == 0.0 and res.reason is None
    assert res.x.shape == (0,) and res.u.shape == (0,)  # x by arc, u by hospital: none of either


def test_from_dataset_keeps_backup_rows_shaped_as_offers() -> None:
    # Offers S1 (winner), then D (备选企业): the winner stays in the offers, D goes to the backups, each
    # numbered from 0 with the offers' columns only (the audit hashes these frames by column).
    base = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}, {"supplier": "D", "unit_price": 1.8}])
    offers = conform("offers", base.offers)
    offers["backup"] = [False, True]
    ds = Dataset(demand=conform("demand", base.demand), offers=offers)
    inp = PlanInput.from_dataset(ds)
    assert inp.offers["supplier"].tolist() == ["S1"] and inp.backups["supplier"].tolist() == ["D"]
    assert list(inp.backups.columns) == list(offers.columns) and inp.backups.index.tolist() == [0]


def test_settings_errors_solve_nothing_and_say_so_in_the_timings() -> None:
    # K = 0 stops every drug before any solve: no solve time at all, and the plan says why.
    inp = make([("H1", 100, None)], [{"supplier": "S1", "unit_price": 1.0}], {"H1": "东区"})
    plan = allocate(inp, PlanSettings(ratio=0.5, max_suppliers=0))
    assert plan.status == PlanStatus.INFEASIBLE and "max suppliers per hospital must be at least 1" in plan.reason
    assert plan.timings["solve"] == 0.0 and plan.timings["read"] == 0.0
    assert [(d.build_time, d.solve_time) for d in plan.drugs] == [(0.0, 0.0)]
