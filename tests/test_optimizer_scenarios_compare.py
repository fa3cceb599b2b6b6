"""What-if comparison with the real core, and the region-mode property."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import PlanInput, PlanSettings, PlanStatus, allocate
from optimizer.scenarios import COMPARISON_COLUMNS, compare_scenarios, with_capacity

G, S = "阿托伐他汀", "20mg"


def small_input() -> PlanInput:
    offers = pd.DataFrame({"generic_name": G, "specification": S, "supplier": ["A", "B"],
                           "unit_price": [1.0, 2.0], "capacity": [100.0, math.nan], "regions": [pd.NA, pd.NA]})
    demand = pd.DataFrame({"hospital_id": ["H1", "H2"], "generic_name": G, "specification": S,
                           "declared_volume": [100.0, 100.0], "current_supplier": [pd.NA, "B"]})
    hospitals = pd.DataFrame({"hospital_id": ["H1", "H2"], "hospital_name": ["一院", "二院"], "region": ["北", "北"]})
    baseline = pd.DataFrame({"generic_name": [G], "specification": [S], "baseline_price": [3.0]})
    return PlanInput(demand=demand, offers=offers, hospitals=hospitals, baseline=baseline)


def test_side_by_side_table_worked_by_hand():
    # 基准 ratio 0.5: A = 50 + 50 fits A's 100 at 1.0: cost 100, H2 leaves B (1 switch), saves 300 - 100.
    # 0.8, K=1: 80 + 80; A holds one hospital: 80·1 + 80·2 = 240.
    # 0.8, K=2: A full (100) + 60 on B: 100 + 120 = 220.
    # 0.8 with A's capacity doubled: all 160 on A = 160, H2 switched.
    inp = small_input()
    comp = compare_scenarios(inp, {
        "基准": PlanSettings(ratio=0.5),
        "比例80%": PlanSettings(ratio=0.8),
        "比例80%+K2": PlanSettings(ratio=0.8, max_suppliers=2),
        "产能翻倍": (with_capacity(inp, 2.0, supplier="A"), PlanSettings(ratio=0.8)),
    })
    t = comp.table.set_index("scenario")
    assert list(comp.table.columns) == COMPARISON_COLUMNS
    assert list(t.index) == ["基准", "比例80%", "比例80%+K2", "产能翻倍"]
    assert t["total_cost"].tolist() == pytest.approx([100, 240, 220, 160])
    assert t["cost_change"].tolist() == pytest.approx([0, 140, 120, 60])
    assert t["suppliers_used"].tolist() == [1, 2, 2, 1]
    assert t["shortage_volume"].tolist() == [0, 0, 0, 0]
    assert t.loc["基准", "switches"] == 1 and t.loc["产能翻倍", "switches"] == 1
    assert t.loc["基准", "savings"] == pytest.approx(200)
    assert t.loc["产能翻倍", "savings"] == pytest.approx(160 * 3 - 160)
    assert set(t["status"]) == {"optimal"}
    dc = comp.drug_costs.set_index("scenario")
    assert dc.loc["比例80%+K2", "cost_diff"] == pytest.approx(120)
    wide = comp.drug_cost_table()
    assert wide.loc[0, "Δ 产能翻倍"] == pytest.approx(60)
    assert comp.plans["基准"].status == PlanStatus.OPTIMAL


def test_with_capacity_leaves_the_original_alone():
    inp = small_input()
    scaled = with_capacity(inp, 0.5)
    assert scaled.offers["capacity"].iloc[0] == 50 and math.isnan(scaled.offers["capacity"].iloc[1])
    assert inp.offers["capacity"].iloc[0] == 100


@st.composite
def regional_instances(draw):
    n_s = draw(st.integers(1, 3))
    n_h = draw(st.integers(2, 6))
    sups = [f"S{j}" for j in range(n_s)]
    regions = [f"R{k}" for k in range(draw(st.integers(1, 3)))]
    limited = draw(st.booleans())
    offers = pd.DataFrame({
        "generic_name": G, "specification": S, "supplier": sups,
        "unit_price": [draw(st.integers(1, 9)) / 2 for _ in sups],
        "capacity": [draw(st.sampled_from([math.nan, 40.0, 120.0])) if limited else math.nan for _ in sups],
        "regions": pd.NA,
    })
    hospitals = pd.DataFrame({"hospital_id": [f"H{i}" for i in range(n_h)], "hospital_name": "x",
                              "region": [draw(st.sampled_from(regions)) for _ in range(n_h)]})
    demand = pd.DataFrame({"hospital_id": hospitals["hospital_id"], "generic_name": G, "specification": S,
                           "declared_volume": [float(draw(st.integers(1, 60))) for _ in range(n_h)],
                           "current_supplier": pd.NA})
    return PlanInput(demand=demand, offers=offers, hospitals=hospitals), limited


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regional_instances())
def test_region_mode_one_supplier_per_region_and_never_cheaper(case):
    inp, limited = case
    base = PlanSettings(gap=0.0, workers=1, time_limit=10)
    per_hospital = allocate(inp, base)
    regional = allocate(inp, PlanSettings(gap=0.0, workers=1, time_limit=10, region_mode=True))
    assume(per_hospital.status == PlanStatus.OPTIMAL and regional.status == PlanStatus.OPTIMAL)
    alloc = regional.allocations.merge(inp.hospitals[["hospital_id", "region"]], on="hospital_id",
                                       suffixes=("_plan", ""))
    per_region = alloc[alloc["volume"] > 1e-9].groupby(["region", "generic_name", "specification"])["supplier"]
    assert (per_region.nunique() <= 1).all()
    # region mode only removes choices: it can never do better
    assert regional.objective >= per_hospital.objective - 1e-6 * max(1.0, abs(per_hospital.objective))
    if not limited:  # no shortage possible, so cost alone compares too
        assert regional.total_cost >= per_hospital.total_cost - 1e-6


def test_a_stand_in_plan_without_savings_compares_with_blank_savings():
    # compare_scenarios takes any allocate_fn: a plan-like result without a ``savings`` table gets a blank
    # (NaN) savings cell, the rest from its own tables: H1 50 on A at 1.0 (cost 50), switched; 10 short.
    from types import SimpleNamespace

    def stand_in(inp, settings):
        return SimpleNamespace(
            status="optimal", total_cost=50.0, objective=10_050.0, gap=0.0,
            allocations=pd.DataFrame({"hospital_id": ["H1"], "generic_name": [G], "specification": [S],
                                      "supplier": ["A"], "volume": [50.0], "unit_price": [1.0], "switched": [True]}),
            shortages=pd.DataFrame({"hospital_id": ["H2"], "generic_name": [G], "specification": [S],
                                    "volume": [10.0]}),
            suppliers=pd.DataFrame({"generic_name": [G], "specification": [S], "supplier": ["A"], "load": [50.0]}),
        )

    comp = compare_scenarios(small_input(), {"替身": PlanSettings()}, allocate_fn=stand_in)
    [row] = comp.table.to_dict("records")
    assert math.isnan(row["savings"])
    assert (row["total_cost"], row["shortage_volume"], row["switches"], row["suppliers_used"]) == (50.0, 10.0, 1, 1)
