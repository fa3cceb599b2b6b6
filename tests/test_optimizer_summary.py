"""The plan summary on a hand-made alliance: who gets nothing and why, who switches and why, savings."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from optimizer import PlanInput, PlanSettings, allocate
from optimizer.summary import reason_text, summarize

G, S = "药A", "10mg"


def _input(baseline: bool = True) -> PlanInput:
    """Three hospitals, one drug, ratio 1.0 so A = declared volume.

    Winners: 甲 1.00/unit, capacity 150; 乙 1.50/unit, unlimited; 丙 0.50/unit but serves only 西区,
    where nobody is; 丁 2.00/unit, unlimited. H1 (90, current 乙), H2 (100, current 甲), H3 (50, current
    戊, no winner). 甲 can take 150: {H2, H3} fill it exactly (150 + 90 x 1.50 = 285) and beat {H1, H3}
    (140 + 100 x 1.50 = 290); {H1, H2} = 190 does not fit. So H2 and H3 go to 甲, H1 to 乙 (K = 1).
    """
    hospitals = pd.DataFrame({"hospital_id": ["H1", "H2", "H3"], "hospital_name": ["一院", "二院", "三院"],
                              "region": ["东区", "东区", "东区"]})
    demand = pd.DataFrame({"hospital_id": ["H1", "H2", "H3"], "generic_name": G, "specification": S,
                           "declared_volume": [90.0, 100.0, 50.0], "current_supplier": ["乙", "甲", "戊"]})
    offers = pd.DataFrame({"generic_name": G, "specification": S, "supplier": ["甲", "乙", "丙", "丁"],
                           "unit_price": [1.0, 1.5, 0.5, 2.0], "capacity": [150.0, math.nan, math.nan, math.nan],
                           "regions": [None, None, "西区", None], "min_share": 0.0, "agreed_ratio": 1.0})
    base = pd.DataFrame({"generic_name": [G], "specification": [S], "baseline_price": [3.0]}) if baseline else None
    return PlanInput(demand, offers, hospitals, baseline=base)


def test_winners_without_volume_and_switches_with_reasons() -> None:
    inp, settings = _input(), PlanSettings(workers=1)
    plan = allocate(inp, settings)
    summary = summarize(plan, inp, settings)
    # Optimum by hand (see _input): cost 150 x 1.00 + 90 x 1.50 = 285 for 240 units.
    assert summary.total_cost == pytest.approx(285.0) and summary.volume == pytest.approx(240.0)
    assert summary.cost_per_unit == pytest.approx(285 / 240)
    reasons = summary.winners.set_index("supplier")["reason"].to_dict()
    assert reasons == {"甲": "full", "乙": "used", "丙": "region", "丁": "price"}
    assert set(summary.idle_winners["supplier"]) == {"丙", "丁"}
    assert reason_text("region", "en") == "serves no declaring hospital's region"
    # H1 stays with 乙 and H2 with 甲; only H3 switches, from 戊 (no winner) to 甲.
    sw = summary.switches
    assert list(sw["hospital_id"]) == ["H3"] and sw["reason"].iloc[0] == "not_winner"
    assert sw["from_supplier"].iloc[0] == "戊" and sw["to_supplier"].iloc[0] == "甲"
    assert summary.pairs == 3
    # Baseline 3.00 x 240 = 720, savings 720 - 285 = 435. Current prices known for H1 (乙 1.50) and H2
    # (甲 1.00): 135 + 100 = 235 at current prices, and the plan pays the same for them: savings 0.
    assert summary.baseline_savings == pytest.approx(435.0) and summary.baseline_covered == pytest.approx(1.0)
    assert summary.current_savings == pytest.approx(0.0) and summary.current_covered == pytest.approx(190 / 240)
    assert summary.savings_reasons == []


def test_cheaper_winner_switch_and_no_baseline_reason() -> None:
    inp = _input(baseline=False)
    # Without 甲's capacity limit every hospital goes to 甲: H1 leaves 乙 because 甲 is 0.50 cheaper.
    inp.offers.loc[inp.offers["supplier"] == "甲", "capacity"] = math.nan
    settings = PlanSettings(workers=1)
    summary = summarize(allocate(inp, settings), inp, settings)
    h1 = summary.switches.set_index("hospital_id").loc["H1"]
    assert h1["reason"] == "cheaper" and h1["price_gap"] == pytest.approx(0.5) and h1["volume"] == 90
    assert summary.baseline_savings is None and summary.savings_reasons == ["no_baseline"]
    # current prices: H1 90 x 1.50 + H2 100 x 1.00 = 235; the plan pays 190 for them
    assert summary.current_savings == pytest.approx(45.0)
    assert summary.switch_counts().to_dict() == {"cheaper": 1, "not_winner": 1}


def test_no_current_supplier_covers_nothing() -> None:
    """No hospital names a current supplier: no volume is at a known current price, so the share covered
    is 0 (not 100%), there are no current savings, and the reason says why."""
    inp = _input()
    inp.demand["current_supplier"] = None
    settings = PlanSettings(workers=1)
    summary = summarize(allocate(inp, settings), inp, settings)
    assert summary.volume == pytest.approx(240.0)  # every unit is still allocated (see _input)
    assert summary.current_covered == 0.0
    assert summary.current_cost is None and summary.current_savings is None
    assert summary.savings_reasons == ["no_current"]
