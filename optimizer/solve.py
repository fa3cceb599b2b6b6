"""Solve the per-drug parts (in parallel when big enough) and assemble the Plan.

The status is read from the solver, not from PuLP's summary: a time-limited HiGHS or CBC run is
"feasible" with its achieved gap, never "optimal".
"""

from __future__ import annotations

import multiprocessing
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from optimizer import heuristic
from optimizer.build import DrugModel, build_drug_model, build_pulp_model
from optimizer.checks import CheckIssue, blocking, check_drug, check_hospitals, check_settings
from optimizer.inputs import DrugData, PlanInput, PlanSettings, split_by_drug
from optimizer.plan import Plan, PlanStatus, worst_status
from optimizer.result import assemble_plan
from optimizer.ties import keep_current_on_ties

# Below this many arcs in all, process start-up costs more than it saves.
PARALLEL_MIN_ARCS = 40_000
# Single-sourcing parts with more arcs than this start from optimizer.heuristic (see _solve_highs).
HEURISTIC_MIN_ARCS = 200
NEIGHBOURHOOD_FREE = 30  # owners freed beyond those the LP disagrees with, in the short MIP

INFEASIBLE_ZH = "最低份额等约束无法同时满足"
INFEASIBLE_EN = "the minimum shares cannot all be met together"


@dataclass
class DrugResult:
    """A solved part: status, objective, gap, and x by arc and u by hospital (rounded to 6 places)."""

    key: tuple[str, str]
    status: PlanStatus
    reason: str | None
    objective: float
    gap: float
    build_time: float
    solve_time: float
    x: np.ndarray
    u: np.ndarray


def solve_drug(drug: DrugData, settings: PlanSettings) -> DrugResult:
    """Build and solve one drug's part with the solver the settings name."""
    if len(drug.hospital_ids) == 0:
        return DrugResult(drug.key, PlanStatus.OPTIMAL, None, 0.0, 0.0, 0.0, 0.0, np.zeros(0), np.zeros(0))
    if settings.solver == "cbc":
        return _solve_cbc(drug, settings)
    try:
        return _solve_highs(drug, settings)
    except Exception as exc:  # noqa: BLE001 - HiGHS failing on one part must not lose the plan
        result = _solve_cbc(drug, settings)
        note = f"HiGHS 出错，已改用 CBC / HiGHS failed ({type(exc).__name__}: {exc}); solved with CBC"
        result.reason = f"{result.reason}; {note}" if result.reason else note
        return result


@dataclass
class _Run:
    """One HiGHS run: its model status, objective, MIP gap and column values (and LP reduced costs)."""

    status: highspy.HighsModelStatus
    status_text: str
    has_solution: bool
    objective: float
    gap: float
    col: np.ndarray
    reduced_cost: np.ndarray | None


def _run_highs(
    model: DrugModel,
    *,
    integral: bool,
    time_limit: float,
    gap: float,
    col_lower: np.ndarray | None = None,
    col_upper: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> _Run:
    """Pass the arrays to HiGHS and run it; time limit and gap always set."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 1e-3))
    h.setOptionValue("mip_rel_gap", float(gap))
    integrality = model.integrality if integral else np.zeros_like(model.integrality)
    h.passModel(
        model.n_col, model.n_row, len(model.a_index), 2, 1, 0.0,
        model.cost, model.col_lower if col_lower is None else col_lower,
        model.col_upper if col_upper is None else col_upper, model.row_lower, model.row_upper,
        model.a_start, model.a_index, model.a_value, integrality,
    )
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start.tolist()
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    solution = h.getSolution()
    has_solution = info.primal_solution_status == 2
    mip = integral and model.n_y > 0
    return _Run(
        status=status,
        status_text=h.modelStatusToString(status),
        has_solution=has_solution,
        objective=float(info.objective_function_value) if has_solution else float("nan"),
        gap=float(info.mip_gap) if mip else 0.0,
        col=np.asarray(solution.col_value, dtype=float) if has_solution else np.zeros(model.n_col),
        reduced_cost=None if integral else np.asarray(solution.col_dual, dtype=float),
    )


def _relative_gap(objective: float, bound: float) -> float:
    """HiGHS's definition: |primal - dual| / |primal|."""
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _solve_highs(drug: DrugData, settings: PlanSettings) -> DrugResult:
    """HiGHS on the array model; status and gap read from HiGHS (or proven by the LP bound).

    Big single-sourcing parts go through optimizer.heuristic first: a repaired plan within the
    requested gap of the LP bound is optimal in the sense of the gap; otherwise it is the MIP's
    starting incumbent and the MIP runs for the rest of the time limit.
    """
    t0 = time.perf_counter()
    deadline = t0 + settings.time_limit
    bound, found, start = None, None, None
    if len(drug.arc_h) > HEURISTIC_MIN_ARCS and heuristic.applies(drug, settings):
        bound = heuristic.lp_bound(drug, settings, settings.time_limit)
        if bound is not None:
            x, u, objective = heuristic.single_source_plan(drug, settings, bound)
            gap = _relative_gap(objective, bound.objective)
            found = (x, u, objective)
            if gap <= settings.gap and objective >= bound.objective - 1e-7 * max(abs(objective), 1.0):
                return DrugResult(drug.key, PlanStatus.OPTIMAL, None, objective, gap, 0.0,
                                  time.perf_counter() - t0, _clean(x), _clean(u))
    t_build = time.perf_counter()
    model = build_drug_model(drug, settings)
    build_time = time.perf_counter() - t_build
    if found is not None:
        start = heuristic.start_vector(model, drug, found[0], found[1])
        # a short MIP around the plan (owners the LP disagrees with, and the cheapest to move)
        lower, upper = heuristic.neighbourhood_bounds(model, drug, bound, start, NEIGHBOURHOOD_FREE)
        near = _run_highs(model, integral=True, gap=settings.gap, col_lower=lower, col_upper=upper, start=start,
                          time_limit=min(deadline - time.perf_counter(), max(1.0, 0.05 * settings.time_limit)))
        if near.has_solution and near.objective < found[2]:
            gap = _relative_gap(near.objective, bound.objective)
            start = near.col
            found = (near.col[: model.n_x], near.col[model.n_x + model.n_y:], near.objective)
            if gap <= settings.gap:
                return _result(drug, model, near, PlanStatus.OPTIMAL, None, gap, build_time,
                               time.perf_counter() - t0 - build_time)
    elif not (drug.min_share > 0).any():
        start = _all_short(model, drug)
    run = _run_highs(model, integral=True, time_limit=deadline - time.perf_counter(), gap=settings.gap,
                     start=start)
    solve_time = time.perf_counter() - t0 - build_time
    if run.status == highspy.HighsModelStatus.kInfeasible:
        return _infeasible(drug, build_time, solve_time, f"{INFEASIBLE_ZH} / {INFEASIBLE_EN}")
    if not run.has_solution and found is None:
        return _infeasible(drug, build_time, solve_time,
                           f"时间限制（{settings.time_limit:g} 秒）内未找到可行解 / no feasible solution within the "
                           f"time limit ({settings.time_limit:g} s): {run.status_text}")
    gap = run.gap if run.has_solution else float("inf")
    if run.has_solution and bound is not None:
        gap = min(gap, _relative_gap(run.objective, bound.objective))
    if run.has_solution and run.status == highspy.HighsModelStatus.kOptimal and gap <= settings.gap + 1e-12:
        return _result(drug, model, run, PlanStatus.OPTIMAL, None, gap, build_time, solve_time)
    if not run.has_solution or (found is not None and found[2] < run.objective):
        x, u, objective = found
        gap = _relative_gap(objective, bound.objective)
        run = _Run(run.status, run.status_text, True, objective, gap, heuristic.start_vector(model, drug, x, u), None)
    reason = (f"求解在达到要求的间隙前停止（{run.status_text}，间隙 {gap:.2e}）/ solve stopped "
              f"before the requested gap ({run.status_text}, gap {gap:.2e})")
    return _result(drug, model, run, PlanStatus.FEASIBLE, reason, gap, build_time, solve_time)


def _all_short(model: DrugModel, drug: DrugData) -> np.ndarray:
    """Everything short: always feasible without minimum shares, so a time-limited stop has an answer."""
    return np.concatenate([np.zeros(model.n_x + model.n_y), drug.agreed])


def _result(drug: DrugData, model: DrugModel, run: _Run, status: PlanStatus, reason: str | None, gap: float,
            build_time: float, solve_time: float) -> DrugResult:
    return DrugResult(drug.key, status, reason, run.objective, gap, build_time, solve_time,
                      _clean(run.col[: model.n_x]), _clean(run.col[model.n_x + model.n_y:]))


def _solve_cbc(drug: DrugData, settings: PlanSettings) -> DrugResult:
    """CBC on the readable PuLP model; sol_status tells a time-limited stop from an optimum."""
    t0 = time.perf_counter()
    prob, x, u = build_pulp_model(drug, settings)
    build_time = time.perf_counter() - t0
    t1 = time.perf_counter()
    with warnings.catch_warnings():  # PuLP 3.3 announces PULP_CBC_CMD's removal in 4.0
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=settings.time_limit, gapRel=settings.gap))
    solve_time = time.perf_counter() - t1
    if prob.sol_status == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
        return _infeasible(drug, build_time, solve_time, f"{INFEASIBLE_ZH} / {INFEASIBLE_EN}")
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return _infeasible(drug, build_time, solve_time,
                           f"时间限制（{settings.time_limit:g} 秒）内未找到可行解 / no feasible solution within the "
                           f"time limit ({settings.time_limit:g} s)")
    if prob.sol_status == pulp.LpSolutionOptimal:
        # CBC stops once within gapRel; PuLP does not report the achieved gap, so we report the bound
        plan_status, reason, gap = PlanStatus.OPTIMAL, None, float(settings.gap)
    else:
        plan_status, gap = PlanStatus.FEASIBLE, float("nan")
        reason = "CBC 在时间限制内停止，间隙未知 / CBC stopped at the time limit, gap unknown"
    xs = np.array([x[a].value() or 0.0 for a in range(len(drug.arc_h))], dtype=float)
    us = np.array([u[h].value() or 0.0 for h in range(len(drug.hospital_ids))], dtype=float)
    return DrugResult(drug.key, plan_status, reason, float(pulp.value(prob.objective) or 0.0), gap,
                      build_time, solve_time, _clean(xs), _clean(us))


def _clean(values: np.ndarray) -> np.ndarray:
    """Volumes rounded to 6 decimals, solver noise below zero removed."""
    return np.maximum(np.round(values, 6), 0.0) + 0.0


def _infeasible(drug: DrugData, build_time: float, solve_time: float, reason: str) -> DrugResult:
    return DrugResult(drug.key, PlanStatus.INFEASIBLE, reason, float("nan"), float("nan"), build_time,
                      solve_time, np.zeros(len(drug.arc_h)), np.zeros(len(drug.hospital_ids)))


def solve_parts(
    drugs: list[DrugData],
    settings: PlanSettings,
    progress: Callable[[int, int], None] | None = None,
) -> list[DrugResult]:
    """Solve every part, in worker processes when the instance is big enough to pay for them."""
    total = len(drugs)
    results: list[DrugResult | None] = [None] * total
    n_arcs = sum(len(d.arc_h) for d in drugs)
    if settings.workers <= 1 or total <= 1 or n_arcs < PARALLEL_MIN_ARCS:
        for i, drug in enumerate(drugs):
            results[i] = solve_drug(drug, settings)
            if progress:
                progress(i + 1, total)
        return [r for r in results if r is not None]
    ctx = multiprocessing.get_context("spawn")  # HiGHS threads and fork do not mix
    # biggest parts first, so the pool does not wait on one large straggler at the end
    order = sorted(range(total), key=lambda i: -len(drugs[i].arc_h))
    with ProcessPoolExecutor(max_workers=min(settings.workers, total), mp_context=ctx) as pool:
        futures = {pool.submit(solve_drug, drugs[i], settings): i for i in order}
        for done, fut in enumerate(as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            if progress:
                progress(done, total)
    return [r for r in results if r is not None]


def allocate(
    inp: PlanInput,
    settings: PlanSettings = PlanSettings(),  # noqa: B008 - frozen, safe as a default
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Allocate every drug's agreed volume among its winners at least cost (see allocation-model.md).

    Checks run first; a drug whose checks fail is reported infeasible with the reason and is not
    solved, and never hides the other drugs' plans.
    """
    t0 = time.perf_counter()
    inp = inp.normalised()
    issues: list[CheckIssue] = check_settings(settings)
    if issues:
        drugs = split_by_drug(inp, PlanSettings(ratio=None))
        return assemble_plan(inp, drugs, [_blocked(d, issues) for d in drugs], issues, settings,
                             {"read": 0.0, "build": time.perf_counter() - t0, "solve": 0.0})
    issues += check_hospitals(inp)
    drugs = split_by_drug(inp, settings)
    to_solve, results_by_key = [], {}
    for drug in drugs:
        found = check_drug(drug, settings)
        issues += found
        if blocking(found):
            results_by_key[drug.key] = _blocked(drug, blocking(found))
        else:
            to_solve.append(drug)
    prep = time.perf_counter() - t0
    for res in solve_parts(to_solve, settings, progress):
        results_by_key[res.key] = res
    results = [results_by_key[d.key] for d in drugs]
    for drug, res in zip(drugs, results, strict=True):
        res.x = keep_current_on_ties(drug, res.x, settings)
    timings = {
        "read": 0.0,
        "build": prep + sum(r.build_time for r in results),
        "solve": sum(r.solve_time for r in results),
    }
    plan = assemble_plan(inp, drugs, results, issues, settings, timings)
    plan.timings["total"] = time.perf_counter() - t0
    return plan


def _blocked(drug: DrugData, issues: list[CheckIssue]) -> DrugResult:
    reason = "; ".join(str(i) for i in issues)
    return _infeasible(drug, 0.0, 0.0, reason)


__all__ = ["DrugResult", "allocate", "solve_drug", "solve_parts", "worst_status"]
