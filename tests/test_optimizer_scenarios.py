"""Disruption re-plan: hand-worked cases and invariants on small random instances."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.inputs import PlanInput, PlanSettings
from optimizer.scenarios import replan_disruption
from procurement.problems import InputError

G, S = "氨氯地平", "5mg"


def offers(rows: list[tuple]) -> pd.DataFrame:
    """rows: (supplier, price, capacity or None, regions or None)."""
    return pd.DataFrame(
        [{"generic_name": G, "specification": S, "supplier": sup, "unit_price": p,
          "capacity": math.nan if cap is None else cap, "regions": reg} for sup, p, cap, reg in rows]
    )


def hospitals(regions: dict[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame({"hospital_id": list(regions), "hospital_name": [f"医院{h}" for h in regions],
                         "region": list(regions.values())})


def plan_of(rows: list[tuple], price: dict[str, float]) -> SimpleNamespace:
    """A plan stand-in: rows (hospital, supplier, volume); replan only reads allocations."""
    alloc = pd.DataFrame(
        [{"hospital_id": h, "generic_name": G, "specification": S, "supplier": sup, "volume": float(v),
          "unit_price": price[sup], "switched": False} for h, sup, v in rows],
        columns=["hospital_id", "generic_name", "specification", "supplier", "volume", "unit_price", "switched"],
    )
    return SimpleNamespace(allocations=alloc)


def purchases(rows: list[tuple]) -> pd.DataFrame:
    """rows: (hospital, supplier, quantity, date)."""
    return pd.DataFrame(
        [{"order_id": f"o{i}", "date": pd.Timestamp(d), "hospital_id": h, "generic_name": G,
          "specification": S, "supplier": sup, "quantity": float(q)} for i, (h, sup, q, d) in enumerate(rows)]
    )


def inp_of(offer_rows: list[tuple], regions: dict[str, str | None]) -> PlanInput:
    demand = pd.DataFrame({"hospital_id": list(regions), "generic_name": G, "specification": S,
                           "declared_volume": 0.0, "current_supplier": pd.NA})
    return PlanInput(demand=demand, offers=offers(offer_rows), hospitals=hospitals(regions))


PRICES = {"A": 1.0, "B": 2.0, "C": 1.5}
PLAN = plan_of([("H1", "A", 100), ("H2", "A", 100), ("H3", "C", 200)], PRICES)
BOUGHT = purchases([
    ("H1", "A", 40, "2026-02-10"),
    ("H2", "A", 30, "2026-01-20"),
    ("H1", "A", 20, "2026-03-05"),  # after the failure date: cannot count
    ("H2", "C", 50, "2026-01-10"),  # another supplier: irrelevant
])


def moved_to(result, supplier: str) -> float:
    m = result.moves
    return float(m.loc[m["to_supplier"] == supplier, "volume"].sum())


def test_remaining_goes_to_cheapest_winner_with_spare_capacity():
    # A fails on 1 March. H1 bought 40 before (the 20 on 5 March is ignored), H2 30: remaining 60, 70.
    # C (1.5) carries 200 of 500: spare 300 takes both; B (2.0) gets nothing. Extra cost 130 × 0.5.
    inp = inp_of([("A", 1.0, 1000, None), ("B", 2.0, None, None), ("C", 1.5, 500, None)],
                 {"H1": None, "H2": None, "H3": None})
    r = replan_disruption(inp, PLAN, "A", "2026-03-01", BOUGHT, PlanSettings())
    rem = r.remaining.set_index("hospital_id")
    assert rem.loc["H1", "purchased_volume"] == 40 and rem.loc["H1", "remaining_volume"] == 60
    assert rem.loc["H2", "purchased_volume"] == 30 and rem.loc["H2", "remaining_volume"] == 70
    got = {(row.hospital_id, row.from_supplier, row.to_supplier): row.volume for row in r.moves.itertuples()}
    assert got == {("H1", "A", "C"): 60, ("H2", "A", "C"): 70}
    assert r.shortages.empty
    assert r.extra_cost == pytest.approx(65.0)
    # whole plan: 100+100 at 1.0 + 200 at 1.5 = 500 before; after 70 at 1.0 + 330 at 1.5 = 565
    assert r.cost_before == pytest.approx(500.0) and r.cost_after == pytest.approx(565.0)
    assert r.cost_change == pytest.approx(65.0)
    assert r.hospitals_switched == 2 and r.unaffected_moved == 0
    loads = r.suppliers.set_index("supplier")
    assert loads.loc["C", "load"] == 330 and loads.loc["C", "load_before"] == 200
    assert loads.loc["A", "load"] == 70  # what A delivered before failing stays A's
    assert loads.loc["B", "load"] == 0
    # H3 untouched: still 200 from C and not among the moves
    pa = r.plan_allocations
    h3 = pa[pa["hospital_id"] == "H3"]
    assert list(h3["supplier"]) == ["C"] and h3["volume"].iloc[0] == 200
    assert "H3" not in set(r.moves["hospital_id"])
    assert set(r.allocations["hospital_id"]) == {"H1", "H2"}
    assert r.status == "optimal"


def test_spare_too_small_k1_picks_the_cheaper_whole_assignment():
    # C spare 100 (cap 300, load 200). K=1: one of H1 (60) / H2 (70) to C, the other to B.
    # H2->C, H1->B costs 70·1.5 + 60·2 = 225 < H1->C, H2->B 60·1.5 + 70·2 = 230.
    inp = inp_of([("A", 1.0, None, None), ("B", 2.0, None, None), ("C", 1.5, 300, None)],
                 {"H1": None, "H2": None, "H3": None})
    r = replan_disruption(inp, PLAN, "A", "2026-03-01", BOUGHT, PlanSettings(max_suppliers=1))
    got = {(row.hospital_id, row.to_supplier): row.volume for row in r.moves.itertuples()}
    assert got == {("H1", "B"): 60, ("H2", "C"): 70}
    assert r.extra_cost == pytest.approx(60 * 1.0 + 70 * 0.5)


def test_spare_too_small_k2_splits():
    # K=2: fill C's 100 spare, the other 30 to B: 100·1.5 + 30·2 = 210.
    inp = inp_of([("A", 1.0, None, None), ("B", 2.0, None, None), ("C", 1.5, 300, None)],
                 {"H1": None, "H2": None, "H3": None})
    r = replan_disruption(inp, PLAN, "A", "2026-03-01", BOUGHT, PlanSettings(max_suppliers=2))
    assert moved_to(r, "C") == pytest.approx(100) and moved_to(r, "B") == pytest.approx(30)
    assert r.cost_after - (70 * 1.0 + 200 * 1.5) == pytest.approx(210)
    assert r.shortages.empty


def test_no_backup_leaves_shortage():
    # Only C, spare 100, for 130 remaining: 30 short whatever K (K limits suppliers, not partial
    # supply). H3 (unaffected, already on C) cannot help and is not moved.
    inp = inp_of([("A", 1.0, None, None), ("C", 1.5, 300, None)], {"H1": None, "H2": None, "H3": None})
    for k in (1, 2):
        r = replan_disruption(inp, PLAN, "A", "2026-03-01", BOUGHT, PlanSettings(max_suppliers=k))
        assert r.shortage_volume == pytest.approx(30)
        assert moved_to(r, "C") == pytest.approx(100)
        assert r.unaffected_moved == 0
        assert r.suppliers.set_index("supplier").loc["C", "load"] == pytest.approx(300)
        assert r.suppliers.set_index("supplier").loc["C", "spare"] == pytest.approx(0)


def test_k1_moves_a_neighbour_k2_splits():
    # H1 alone loses 60; B and C (cap 50) each carry 10, so 40 spare each.
    # K=1: no single winner can take 60 (cap 50), so 10 is short at best. That needs one unaffected
    # hospital to give way: H3 C->B frees C (cost 50·1.5 + 10·2 = 95) beats H2 B->C (50·2 + 10·1.5 = 115).
    # K=2: 40 + 20, nobody else moves, cheapest first: C (1.5) 40, B (2.0) 20.
    plan = plan_of([("H1", "A", 60), ("H2", "B", 10), ("H3", "C", 10)], PRICES)
    inp = inp_of([("A", 1.0, None, None), ("B", 2.0, 50, None), ("C", 1.5, 50, None)],
                 {"H1": None, "H2": None, "H3": None})
    r1 = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings(max_suppliers=1))
    assert r1.shortage_volume == pytest.approx(10)
    got = {(row.hospital_id, row.from_supplier, row.to_supplier): row.volume for row in r1.moves.itertuples()}
    assert got == {("H1", "A", "C"): 50, ("H3", "C", "B"): 10}
    assert r1.unaffected_moved == 1
    r2 = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings(max_suppliers=2))
    assert r2.shortages.empty
    assert moved_to(r2, "C") == pytest.approx(40) and moved_to(r2, "B") == pytest.approx(20)
    assert r2.hospitals_switched == 1


def test_unaffected_hospital_moved_only_when_needed_and_the_cheapest_one():
    # H1 (North) loses A. C serves all but is full (H3 100 + H4 150 of 250). B serves South only.
    # Without moving someone H1 is short 60. Moving one South hospital to B is enough; H3 costs
    # 100 × 0.5 extra, H4 150 × 0.5: H3 moves, H1 takes 60 from C.
    price = {"A": 1.0, "B": 2.0, "C": 1.5}
    plan = plan_of([("H1", "A", 60), ("H3", "C", 100), ("H4", "C", 150)], price)
    inp = inp_of([("A", 1.0, None, None), ("B", 2.0, None, "South"), ("C", 1.5, 250, None)],
                 {"H1": "North", "H3": "South", "H4": "South"})
    r = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings())
    got = {(row.hospital_id, row.from_supplier, row.to_supplier): row.volume for row in r.moves.itertuples()}
    assert got == {("H1", "A", "C"): 60, ("H3", "C", "B"): 100}
    assert r.unaffected_moved == 1 and r.hospitals_switched == 2
    assert r.shortages.empty
    moved = r.moves.set_index("hospital_id")["affected"]
    assert bool(moved["H1"]) and not bool(moved["H3"])
    h4 = r.plan_allocations[r.plan_allocations["hospital_id"] == "H4"]
    assert list(zip(h4["supplier"], h4["volume"], strict=True)) == [("C", 150)]


def test_nothing_left_to_move_when_everything_was_bought():
    plan = plan_of([("H1", "A", 50), ("H2", "C", 10)], PRICES)
    inp = inp_of([("A", 1.0, None, None), ("C", 1.5, None, None)], {"H1": None, "H2": None})
    bought = purchases([("H1", "A", 80, "2026-01-05")])  # bought more than planned
    r = replan_disruption(inp, plan, "A", "2026-02-01", bought, PlanSettings())
    assert r.moves.empty and r.shortages.empty and r.hospitals_switched == 0
    assert r.remaining["remaining_volume"].tolist() == [0.0]
    assert r.cost_change == pytest.approx(0.0)


def test_purchases_on_or_after_the_date_do_not_count():
    plan = plan_of([("H1", "A", 50)], PRICES)
    inp = inp_of([("A", 1.0, None, None), ("C", 1.5, None, None)], {"H1": None})
    bought = purchases([("H1", "A", 10, "2026-02-01"), ("H1", "A", 5, "2026-01-31"), ("H1", pd.NA, 7, "2026-01-02"),
                        ("H1", "A", 9, None)])  # no supplier, no date: neither can count
    r = replan_disruption(inp, plan, "A", "2026-02-01", bought, PlanSettings())
    assert r.remaining["remaining_volume"].tolist() == [45.0]
    assert moved_to(r, "C") == 45


def test_unknown_supplier_is_an_input_error():
    inp = inp_of([("A", 1.0, None, None)], {"H1": None})
    with pytest.raises(InputError) as err:
        replan_disruption(inp, plan_of([("H1", "A", 5)], PRICES), "Z", "2026-01-01")
    assert "Z" in str(err.value)


def test_other_drugs_are_left_alone():
    plan = plan_of([("H1", "A", 50)], PRICES)
    other = pd.DataFrame([{"hospital_id": "H1", "generic_name": "二甲双胍", "specification": "0.5g",
                           "supplier": "C", "volume": 7.0, "unit_price": 3.0, "switched": False}])
    plan.allocations = pd.concat([plan.allocations, other], ignore_index=True)
    inp = inp_of([("A", 1.0, None, None), ("C", 1.5, None, None)], {"H1": None})
    r = replan_disruption(inp, plan, "A", "2026-01-01")
    pa = r.plan_allocations
    assert pa[pa["generic_name"] == "二甲双胍"]["volume"].tolist() == [7.0]
    assert r.cost_change == pytest.approx(50 * 0.5)


# --- invariants on random instances ---------------------------------------------------------


@st.composite
def instances(draw):
    """Random drug: 2-4 winners with capacities/regions, 2-6 hospitals on a feasible K=1 plan."""
    n_s = draw(st.integers(2, 4))
    n_h = draw(st.integers(2, 6))
    regions = ["N", "S"]
    sups = [f"S{j}" for j in range(n_s)]
    price = {s: draw(st.integers(1, 9)) / 2 for s in sups}
    served = {s: draw(st.sampled_from([None, "N", "S"])) for s in sups}
    h_region = {f"H{i}": draw(st.sampled_from(regions)) for i in range(n_h)}
    rows, load = [], dict.fromkeys(sups, 0.0)
    for h, reg in h_region.items():
        ok = [s for s in sups if served[s] in (None, reg)]
        if not ok:
            continue
        s = draw(st.sampled_from(ok))
        v = draw(st.integers(1, 50))
        rows.append((h, s, v))
        load[s] += v
    cap = {s: (None if draw(st.booleans()) else load[s] + draw(st.integers(0, 40))) for s in sups}
    failed = draw(st.sampled_from(sups))
    bought = [(h, s, draw(st.integers(0, v + 5)), draw(st.sampled_from(["2026-01-10", "2026-03-10"])))
              for h, s, v in rows if s == failed]
    k = draw(st.integers(1, 2))
    return sups, price, served, cap, h_region, rows, failed, bought, k


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_disruption_invariants(case):
    sups, price, served, cap, h_region, rows, failed, bought, k = case
    inp = inp_of([(s, price[s], cap[s], served[s]) for s in sups], h_region)
    plan = plan_of(rows, price)
    r = replan_disruption(inp, plan, failed, "2026-02-01", purchases(bought) if bought else None,
                          PlanSettings(max_suppliers=k))
    pa = r.plan_allocations
    # no new volume on the failed supplier: it keeps at most what each hospital bought before the date
    early = {}
    for h, _s, q, d in bought:
        if pd.Timestamp(d) < pd.Timestamp("2026-02-01"):
            early[h] = early.get(h, 0) + q
    planned = {h: v for h, s, v in rows if s == failed}
    on_failed = pa[pa["supplier"] == failed].set_index("hospital_id")["volume"]
    for h, v in on_failed.items():
        assert v <= min(early.get(h, 0), planned[h]) + 1e-6
    assert (r.moves["to_supplier"] != failed).all()
    # every affected hospital's remaining volume is reallocated or short, exactly
    short = r.shortages.set_index("hospital_id")["volume"].to_dict()
    for rec in r.remaining.itertuples():
        moved = r.moves[(r.moves["hospital_id"] == rec.hospital_id) & (r.moves["from_supplier"] == failed)]
        assert moved["volume"].sum() + short.get(rec.hospital_id, 0.0) == pytest.approx(rec.remaining_volume, abs=1e-5)
    # every hospital's total is kept (minus shortage): nothing lost, nothing invented
    before = pd.Series({h: v for h, _, v in rows}).groupby(level=0).sum()
    after = pa.groupby("hospital_id")["volume"].sum()
    for h, v in before.items():
        assert after.get(h, 0.0) + short.get(h, 0.0) == pytest.approx(v, abs=1e-5)
    # capacity and regions respected by every winner
    for s in sups:
        load = pa.loc[pa["supplier"] == s, "volume"].sum()
        if cap[s] is not None:
            assert load <= cap[s] + 1e-5
        if s != failed and served[s] is not None:
            hs = pa.loc[(pa["supplier"] == s) & (pa["volume"] > 0), "hospital_id"]
            assert all(h_region[h] == served[s] for h in hs)
    # at most K suppliers per hospital from the date on (the failed one's past deliveries aside)
    live = pa[pa["supplier"] != failed]
    assert (live.groupby("hospital_id")["supplier"].nunique() <= k).all()


def test_region_mode_moves_a_region_together():
    # H1, H2 in region N on A (fails, nothing bought). B (1.0) has 60 spare, C (1.5) unlimited.
    # Per hospital: H1 (50) -> B, H2 (50) -> C (50·1 + 50·1.5 = 125; 60 spare fits only one).
    # Region mode: one supplier for the region: both to C (150), none short.
    plan = plan_of([("H1", "A", 50), ("H2", "A", 50), ("H9", "B", 40)], {"A": 1.0, "B": 1.0, "C": 1.5})
    inp = inp_of([("A", 1.0, None, None), ("B", 1.0, 100, None), ("C", 1.5, None, None)],
                 {"H1": "N", "H2": "N", "H9": "S"})
    per_h = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings())
    assert moved_to(per_h, "B") == 50 and moved_to(per_h, "C") == 50
    regional = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings(region_mode=True))
    assert moved_to(regional, "C") == 100 and moved_to(regional, "B") == 0
    assert regional.extra_cost == pytest.approx(50.0) and per_h.extra_cost == pytest.approx(25.0)


def test_result_is_json_ready():
    import json

    inp = inp_of([("A", 1.0, 1000, None), ("B", 2.0, None, None), ("C", 1.5, 500, None)],
                 {"H1": None, "H2": None, "H3": None})
    out = replan_disruption(inp, PLAN, "A", "2026-03-01", BOUGHT, PlanSettings()).to_json()
    text = json.dumps(out, ensure_ascii=False, allow_nan=False)
    back = json.loads(text)
    assert back["from_date"] == "2026-03-01" and back["hospitals_switched"] == 2
    assert {m["to_supplier"] for m in back["moves"]} == {"C"}
    caps = {row["supplier"]: row["capacity"] for row in back["suppliers"]}
    assert caps == {"A": 1000, "B": None, "C": 500}


def test_on_a_real_core_plan():
    # The core plans 0.6 × 100 = 60 per hospital (2 winners); A (1.0, cap 100) can take one hospital
    # whole and B (2.0) the other (K=1). A fails with nothing bought: its 60 must go to B.
    from optimizer import allocate

    inp = inp_of([("A", 1.0, 100, None), ("B", 2.0, None, None)], {"H1": "N", "H2": "S"})
    inp.demand["declared_volume"] = 100.0
    plan = allocate(inp, PlanSettings(workers=1))
    on_a = plan.allocations.loc[plan.allocations["supplier"] == "A", "hospital_id"].tolist()
    assert len(on_a) == 1
    r = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings())
    assert moved_to(r, "B") == pytest.approx(60) and r.shortages.empty
    assert r.suppliers.set_index("supplier").loc["B", "load"] == pytest.approx(120)
    assert r.cost_change == pytest.approx(60.0)
    assert "region" in r.plan_allocations.columns


def test_backup_supply_regions_and_enterprises():
    # H1 (North) loses A's 60. C (1.5, all regions) has no spare; B (1.2) serves South only.
    # Without backups: 60 short. B naming North as a backup region: 60 -> B (extra 60·0.2 = 12).
    # A non-winner backup D (3.0, cap 100) instead: 60 -> D.
    plan = plan_of([("H1", "A", 60), ("H3", "C", 100)], {"A": 1.0, "B": 1.2, "C": 1.5})
    inp = inp_of([("A", 1.0, None, None), ("B", 1.2, None, "South"), ("C", 1.5, 100, None)],
                 {"H1": "North", "H3": "North"})
    plain = replan_disruption(inp, plan, "A", "2026-01-01")
    assert plain.shortage_volume == pytest.approx(60)
    b_backup = offers([("B", math.nan, None, "North")])
    r = replan_disruption(inp, plan, "A", "2026-01-01", backups=b_backup)
    assert moved_to(r, "B") == 60 and r.extra_cost == pytest.approx(12.0)
    d_backup = offers([("D", 3.0, 100, None)])
    r2 = replan_disruption(inp, plan, "A", "2026-01-01", backups=d_backup)
    assert moved_to(r2, "D") == 60 and r2.extra_cost == pytest.approx(120.0)
    assert r2.suppliers.set_index("supplier").loc["D", "spare"] == pytest.approx(40)


def test_unlimited_supplier_has_no_spare_figure():
    # The first case again: A (cap 1000) keeps 70, C (cap 500) carries 330, B is unlimited.
    # Spare = capacity − load where there is a capacity: A 930, C 170; B none (NaN, not infinity).
    inp = inp_of([("A", 1.0, 1000, None), ("B", 2.0, None, None), ("C", 1.5, 500, None)],
                 {"H1": None, "H2": None, "H3": None})
    r = replan_disruption(inp, PLAN, "A", "2026-03-01", BOUGHT, PlanSettings())
    sup = r.suppliers.set_index("supplier")
    assert sup.loc["A", "spare"] == 930 and sup.loc["C", "spare"] == 170
    assert math.isnan(sup.loc["B", "capacity"]) and math.isnan(sup.loc["B", "spare"])


def test_affected_hospital_keeps_its_other_suppliers_volume():
    # K = 2: H1 splits 50 on A (fails, nothing bought) and 50 on B (2.0). C (1.2) is unlimited.
    # Only A's 50 moves (to C, the cheapest): H1's 50 on B stays although C is cheaper than B,
    # because a hospital's volume on a winner that still delivers is not re-planned. Extra 50 × 0.2.
    plan = plan_of([("H1", "A", 50), ("H1", "B", 50)], {"A": 1.0, "B": 2.0})
    inp = inp_of([("A", 1.0, None, None), ("B", 2.0, None, None), ("C", 1.2, None, None)], {"H1": None})
    r = replan_disruption(inp, plan, "A", "2026-01-01", None, PlanSettings(max_suppliers=2))
    got = {(row.hospital_id, row.from_supplier, row.to_supplier): row.volume for row in r.moves.itertuples()}
    assert got == {("H1", "A", "C"): 50}
    pa = r.plan_allocations
    assert dict(zip(pa["supplier"], pa["volume"], strict=True)) == {"B": 50, "C": 50}
    assert r.extra_cost == pytest.approx(10.0)


def test_allowed_pairs_hold_in_the_re_plan():
    # H1 loses A's 60; C (1.5) would be cheapest, but the allowed pairs give H1 only A and B: 60 -> B,
    # extra 60 × (2.0 − 1.0) = 60. Without the pairs it goes to C (extra 30).
    plan = plan_of([("H1", "A", 60)], PRICES)
    inp = inp_of([("A", 1.0, None, None), ("B", 2.0, None, None), ("C", 1.5, None, None)], {"H1": None})
    free = replan_disruption(inp, plan, "A", "2026-01-01")
    assert moved_to(free, "C") == 60 and free.extra_cost == pytest.approx(30.0)
    inp.allowed = pd.DataFrame({"hospital_id": "H1", "generic_name": G, "specification": S, "supplier": ["A", "B"]})
    r = replan_disruption(inp, plan, "A", "2026-01-01")
    got = {(row.hospital_id, row.from_supplier, row.to_supplier): row.volume for row in r.moves.itertuples()}
    assert got == {("H1", "A", "B"): 60}
    assert r.extra_cost == pytest.approx(60.0)
