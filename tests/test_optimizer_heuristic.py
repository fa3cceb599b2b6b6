"""The single-sourcing heuristic and its LP bound, checked constraint by constraint on random parts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import PlanInput, PlanSettings, PlanStatus, allocate
from optimizer.heuristic import lp_bound, single_source_plan
from optimizer.inputs import CURRENT_NOT_WINNER, NO_CURRENT, split_by_drug


def random_part(seed: int, n_h: int, region_mode: bool) -> tuple:
    rng = np.random.default_rng(seed)
    n_s = int(rng.integers(2, 6))
    regions = ["东", "西", "南", "北"]
    hosp = pd.DataFrame({"hospital_id": [f"H{i}" for i in range(n_h)], "hospital_name": "x",
                         "region": rng.choice(regions, n_h)})
    q = rng.integers(1, 400, n_h).astype(float)
    sup = [f"S{j}" for j in range(n_s)]
    dem = pd.DataFrame({"hospital_id": hosp["hospital_id"], "generic_name": "药", "specification": "1",
                        "declared_volume": q, "current_supplier": rng.choice([*sup, "X", None], n_h)})
    total = np.ceil(0.8 * q).sum()
    caps = np.ceil(rng.dirichlet(np.ones(n_s)) * total * rng.uniform(0.9, 1.15))
    off = pd.DataFrame({"generic_name": "药", "specification": "1", "supplier": sup,
                        "unit_price": rng.uniform(1, 3, n_s).round(2), "capacity": caps,
                        "regions": [None] + [",".join(rng.choice(regions, 3, replace=False)) for _ in sup[1:]],
                        "agreed_ratio": 0.8})
    s = PlanSettings(switch_penalty=float(rng.choice([0.0, 0.1])), region_mode=region_mode,
                     shortage_penalty=float(rng.choice([1000.0, 2.0])))
    inp = PlanInput(dem, off, hosp).normalised()
    [drug] = split_by_drug(inp, s)
    return drug, s


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n_h=st.integers(2, 60), region_mode=st.booleans())
def test_heuristic_plan_is_feasible_and_its_objective_exact(seed: int, n_h: int, region_mode: bool) -> None:
    drug, s = random_part(seed, n_h, region_mode)
    bound = lp_bound(drug, s, 10.0)
    assert bound is not None
    x, u, objective = single_source_plan(drug, s, bound)
    assert (x >= 0).all() and (u >= 0).all()
    supplied = np.bincount(drug.arc_h, weights=x, minlength=len(drug.agreed))
    np.testing.assert_allclose(supplied + u, drug.agreed, atol=1e-6)
    load = np.bincount(drug.arc_s, weights=x, minlength=len(drug.suppliers))
    assert (load <= drug.capacity + 1e-6).all()
    # one supplier per hospital, or per region group in region mode
    used = x > 0
    owner = drug.group[drug.arc_h] if region_mode else drug.arc_h
    pairs = set(zip(owner[used].tolist(), drug.arc_s[used].tolist(), strict=True))
    assert len(pairs) == len({o for o, _ in pairs})
    # the objective recomputed from scratch, and never below the LP bound
    cur = drug.current[drug.arc_h]
    switch = (cur != NO_CURRENT) & ((cur == CURRENT_NOT_WINNER) | (cur != drug.arc_s))
    cost = float(((drug.price[drug.arc_s] + s.switch_penalty * switch) * x).sum() + s.shortage_penalty * u.sum())
    assert objective == pytest.approx(cost, rel=1e-9, abs=1e-6)
    assert objective >= bound.objective - 1e-6 * max(1.0, abs(objective))


def test_big_tight_part_is_proven_within_gap_by_the_lp_bound() -> None:
    drug, s = random_part(7, 1500, False)
    inp_settings = PlanSettings(switch_penalty=s.switch_penalty, shortage_penalty=s.shortage_penalty)
    bound = lp_bound(drug, inp_settings, 10.0)
    x, u, objective = single_source_plan(drug, inp_settings, bound)
    assert (objective - bound.objective) / objective <= 1e-4


def test_allocate_uses_it_and_reports_the_proven_gap() -> None:
    rng = np.random.default_rng(3)
    n_h = 800
    dem = pd.DataFrame({"hospital_id": [f"H{i}" for i in range(n_h)], "generic_name": "药", "specification": "1",
                        "declared_volume": rng.integers(10, 2000, n_h).astype(float)})
    total = np.ceil(0.7 * dem["declared_volume"]).sum()
    off = pd.DataFrame({"generic_name": "药", "specification": "1", "supplier": ["A", "B", "C"],
                        "unit_price": [1.0, 1.2, 1.5], "capacity": [0.4 * total, 0.4 * total, 0.25 * total]})
    plan = allocate(PlanInput(dem, off, pd.DataFrame({"hospital_id": []})))
    assert plan.status == PlanStatus.OPTIMAL and 0 <= plan.gap <= 1e-4
    assert (plan.allocations.groupby("hospital_id")["supplier"].nunique() == 1).all()
    loads = dict(zip(plan.suppliers["supplier"], plan.suppliers["load"], strict=True))
    caps = dict(zip(off["supplier"], off["capacity"], strict=True))
    assert all(loads[k] <= caps[k] + 1e-6 for k in caps)


def just_above_the_heuristic_threshold(capacity_a: float | None = None) -> PlanInput:
    """101 hospitals x 2 winners = 202 arcs (> HEURISTIC_MIN_ARCS = 200), K = 1: the heuristic runs first.

    Each hospital declares 200 at ratio 0.5: agreed 100. A costs 1.00, B 2.00, both serve everywhere.
    Unlimited A: everything on A, optimum = LP bound = 101 x 100 x 1.00 = 10 100.
    """
    n_h = 101
    dem = pd.DataFrame({"hospital_id": [f"H{i:03d}" for i in range(n_h)], "generic_name": "药", "specification": "1",
                        "declared_volume": 200.0})
    off = pd.DataFrame({"generic_name": "药", "specification": "1", "supplier": ["A", "B"], "unit_price": [1.0, 2.0],
                        "capacity": [capacity_a, None]})
    return PlanInput(dem, off, pd.DataFrame({"hospital_id": []}))


def test_a_heuristic_plan_proven_by_the_bound_is_returned_as_is() -> None:
    # The LP bound equals the heuristic's 10 100: gap 0, optimal without building the MIP (build time
    # exactly 0) and without any fallback note.
    plan = allocate(just_above_the_heuristic_threshold(), PlanSettings(ratio=0.5))
    [drug] = plan.drugs
    assert drug.status == PlanStatus.OPTIMAL and drug.reason is None and plan.reason is None
    assert drug.objective == 10_100.0 and drug.gap == 0.0 and drug.build_time == 0.0
    assert set(plan.allocations["supplier"]) == {"A"}


@pytest.mark.parametrize("steps_above, trusted", [(0, True), (1, False)])
def test_heuristic_objective_below_the_bound_is_trusted_only_within_1e_7(
    monkeypatch: pytest.MonkeyPatch, steps_above: int, trusted: bool
) -> None:
    """The heuristic's objective may sit below the LP bound by float noise only: 1e-7 x max(|objective|, 1).

    The bound is raised by hand so the heuristic's exact 10 100 sits at that tolerance (1.01e-3) below
    it (trusted: returned, no MIP built), then one float further (not trusted: the MIP is built).
    """
    import optimizer.solve as solve
    from optimizer import heuristic

    objective = 10_100.0
    raised = objective + 1e-7 * objective
    for _ in range(steps_above):
        raised = float(np.nextafter(raised, np.inf))
    # the boundary as _solve_highs computes it, checked here so the two cases are what they claim
    assert (objective >= raised - 1e-7 * objective) is trusted
    real_bound = heuristic.lp_bound
    monkeypatch.setattr(heuristic, "lp_bound", lambda *a: dataclasses.replace(real_bound(*a), objective=raised))
    built = []
    real_build = solve.build_drug_model
    monkeypatch.setattr(solve, "build_drug_model", lambda *a, **k: built.append(1) or real_build(*a, **k))
    plan = allocate(just_above_the_heuristic_threshold(), PlanSettings(ratio=0.5))
    [drug] = plan.drugs
    assert drug.status == PlanStatus.OPTIMAL and drug.objective == objective
    assert (not built) is trusted


def _runs_from_the_worst_heuristic_plan(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """(start given, run) of each HiGHS MIP run of a part whose heuristic plan is the worst feasible one.

    A (1.00) can take 150 of the 101 x 100: the LP bound splits a hospital and puts 150 on A
    (150 x 1.00 + 9 950 x 2.00 = 20 050), one supplier per hospital only 100 (100 x 1.00 + 10 000 x 2.00
    = 20 100): gap 50 / 20 100 = 2.5e-3 > 1e-4, so no plan is proven by the bound and the full MIP
    runs. The heuristic is replaced by the worst feasible plan (all short, 1000 x 10 100): the
    neighbourhood MIP (every owner free) improves it to 20 100.
    """
    import optimizer.solve as solve
    from optimizer import heuristic

    def all_short(drug, settings, bound):
        return np.zeros(len(drug.arc_h)), drug.agreed.copy(), float(settings.shortage_penalty * drug.agreed.sum())

    monkeypatch.setattr(heuristic, "single_source_plan", all_short)
    runs = []
    real_run = solve._run_highs

    def spy(model, **kwargs):
        run = real_run(model, **kwargs)
        runs.append((kwargs.get("start"), run))
        return run

    monkeypatch.setattr(solve, "_run_highs", spy)
    plan = allocate(just_above_the_heuristic_threshold(capacity_a=150.0), PlanSettings(ratio=0.5))
    assert plan.drugs[0].objective == pytest.approx(20_100.0) and plan.status == PlanStatus.OPTIMAL
    return runs


def test_the_full_mip_starts_from_the_neighbourhood_plan_when_that_improved(monkeypatch: pytest.MonkeyPatch) -> None:
    """The best plan found so far is the full MIP's starting incumbent (what makes a time-limited stop
    return at least that plan as HiGHS's own answer)."""
    [(_, near), (start, _)] = _runs_from_the_worst_heuristic_plan(monkeypatch)
    assert near.objective == pytest.approx(20_100.0)
    assert start is not None and np.array_equal(start, near.col)


def test_the_neighbourhood_mip_starts_from_the_heuristic_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The short MIP around the heuristic plan is given that plan as its incumbent: 202 x and 202 y
    (two winners per hospital, K = 1) all 0, then every hospital's 100 short."""
    [(near_start, _), _] = _runs_from_the_worst_heuristic_plan(monkeypatch)
    assert near_start is not None
    assert near_start.tolist() == [0.0] * 404 + [100.0] * 101


def three_hospitals() -> tuple:
    """H0, H1, H2 agree 30, 1, 20 (ratio 0.5 of 60, 2, 40); A 1.00 and B 2.00 unlimited; K = 1.

    Arcs in order (H0,A) (H0,B) (H1,A) (H1,B) (H2,A) (H2,B) = x columns 0-5; each hospital has two
    winners for K = 1, so one y per arc (columns 6-11, owners 0 0 1 1 2 2), then u (columns 12-14).
    The LP puts everyone on A; moving a unit to B costs 2.00 − 1.00 = 1.00 (its reduced cost).
    """
    from optimizer.build import build_drug_model

    dem = pd.DataFrame({"hospital_id": ["H0", "H1", "H2"], "generic_name": "药", "specification": "1",
                        "declared_volume": [60.0, 2.0, 40.0]})
    off = pd.DataFrame({"generic_name": "药", "specification": "1", "supplier": ["A", "B"],
                        "unit_price": [1.0, 2.0]})
    s = PlanSettings(ratio=0.5)
    [drug] = split_by_drug(PlanInput(dem, off, pd.DataFrame({"hospital_id": []})).normalised(), s)
    model = build_drug_model(drug, s)
    assert (model.n_x, model.n_y, model.n_u) == (6, 6, 3)
    assert model.y_of_arc.tolist() == [0, 1, 2, 3, 4, 5] and model.y_owner.tolist() == [0, 0, 1, 1, 2, 2]
    return drug, s, model


def test_start_vector_sets_y_on_every_arc_in_use_even_a_single_unit() -> None:
    # everyone on A, H1 with its single unit: y = 1 on (H0,A), (H1,A), (H2,A), nothing short
    from optimizer.heuristic import start_vector

    drug, _, model = three_hospitals()
    x = np.array([30.0, 0.0, 1.0, 0.0, 20.0, 0.0])
    start = start_vector(model, drug, x, np.zeros(3))
    assert start.tolist() == [30, 0, 1, 0, 20, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0]


@pytest.mark.parametrize("n_free, fixed_owners", [(0, [0, 1, 2]), (1, [0, 2]), (2, [0]), (3, [])])
def test_neighbourhood_fixes_only_the_y_of_owners_the_plan_and_the_lp_agree_on(n_free: int,
                                                                               fixed_owners: list[int]) -> None:
    # Plan = LP (all on A): nobody disagrees, so only the n_free cheapest to move are freed. Moving an
    # owner to B costs its volume x 1.00: H1 1, H2 20, H0 30, so H1 goes first, then H2, then H0.
    # A fixed owner's y columns get lower = upper = its plan's y (1 on A, 0 on B); x, u and the freed
    # owners' y keep the model's bounds.
    from optimizer.heuristic import neighbourhood_bounds, start_vector

    drug, s, model = three_hospitals()
    bound = lp_bound(drug, s, 10.0)
    start = start_vector(model, drug, np.array([30.0, 0.0, 1.0, 0.0, 20.0, 0.0]), np.zeros(3))
    lower, upper = neighbourhood_bounds(model, drug, bound, start, n_free)
    want_lower, want_upper = model.col_lower.copy(), model.col_upper.copy()
    for o in fixed_owners:
        want_lower[6 + 2 * o: 8 + 2 * o] = want_upper[6 + 2 * o: 8 + 2 * o] = [1.0, 0.0]
    assert lower.tolist() == want_lower.tolist() and upper.tolist() == want_upper.tolist()
    assert model.col_lower[6:12].tolist() == [0] * 6 and model.col_upper[6:12].tolist() == [1] * 6


@pytest.mark.parametrize("asked, passed", [(0.0005, 1e-3), (1e-3, 1e-3), (0.002, 0.002), (0.5, 0.5), (60.0, 60.0)])
def test_lp_bound_gives_highs_the_time_limit_asked_never_less_than_a_millisecond(
    monkeypatch: pytest.MonkeyPatch, asked: float, passed: float
) -> None:
    """The LP runs within the part's time limit (a short limit must stay short), floored at 1 ms so that
    HiGHS never gets a zero or negative limit. Recorded from the option HiGHS is given."""
    import highspy

    seen = []

    class Recording(highspy.Highs):
        def setOptionValue(self, name, value):  # noqa: N802 - HiGHS's name
            if name == "time_limit":
                seen.append(value)
            return super().setOptionValue(name, value)

    drug, s, _ = three_hospitals()
    monkeypatch.setattr(highspy, "Highs", Recording)
    lp_bound(drug, s, asked)
    assert seen == [passed]
