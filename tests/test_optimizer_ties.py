"""allocation-model.md "Ties": at equal cost the plan keeps each hospital with its current supplier."""

from __future__ import annotations

import pandas as pd

from optimizer import PlanInput, PlanSettings, allocate


def _input(current: str, cap_b: float | None = None, price_b: float = 2.0) -> PlanInput:
    # Two winners of one drug. Hospital H1 declares 100 (ratio 0.6 given -> A = 60).
    hospitals = pd.DataFrame({"hospital_id": ["H1"], "hospital_name": ["医院1"], "region": ["东区"]})
    demand = pd.DataFrame([{"hospital_id": "H1", "generic_name": "药A", "specification": "10mg",
                            "declared_volume": 100.0, "current_supplier": current}])
    offers = pd.DataFrame([
        {"generic_name": "药A", "specification": "10mg", "supplier": "甲", "unit_price": 2.0, "capacity": None,
         "regions": None, "min_share": 0.0, "agreed_ratio": 0.6},
        {"generic_name": "药A", "specification": "10mg", "supplier": "乙", "unit_price": price_b, "capacity": cap_b,
         "regions": None, "min_share": 0.0, "agreed_ratio": 0.6},
    ])
    return PlanInput(demand, offers, hospitals)


def _supplier(plan) -> dict[str, float]:
    return plan.allocations.groupby("supplier")["volume"].sum().to_dict()


def test_equal_prices_keep_either_current_supplier() -> None:
    for current in ("甲", "乙"):
        plan = allocate(_input(current), PlanSettings(workers=1))
        assert _supplier(plan) == {current: 60.0}  # 60 units, all at the current winner
        assert not plan.allocations["switched"].any()
        assert plan.total_cost == 120.0  # 60 x 2.00 either way: the tie costs nothing


def test_cheaper_winner_still_wins() -> None:
    plan = allocate(_input("乙", price_b=2.01), PlanSettings(workers=1))
    assert _supplier(plan) == {"甲": 60.0}
    assert plan.allocations["switched"].all()


def test_tie_not_kept_when_current_has_no_capacity() -> None:
    plan = allocate(_input("乙", cap_b=10.0), PlanSettings(workers=1))
    assert _supplier(plan) == {"甲": 60.0}  # 乙 could take 10 only, and K = 1 forbids splitting
