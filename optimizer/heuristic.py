"""A fast single-sourcing plan and a lower bound that certifies it (K = 1, or region mode).

Tight capacities make single sourcing a generalised assignment problem: the LP bound is very close
to the optimum, but branch and bound needs a long time to find plans that fill every cheap winner
to the last unit. So big parts start here: the transportation LP (x and u only, a valid relaxation
of the model) gives a lower bound and flows; owners (hospitals, or region groups) go to the winner
carrying most of their LP flow; then relocations and pairwise swaps repair capacity and fill the
cheap winners. When that plan is within the requested gap of the LP bound it is proven good
enough; otherwise it is the starting incumbent of the full MIP.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from optimizer.build import DrugModel, arc_costs, build_drug_model
from optimizer.inputs import DrugData, PlanSettings

MAX_SWEEPS = 60
PAIR_LIMIT = 400  # candidates per side of a swap, the cheapest to move first


@dataclass
class Bound:
    """The LP relaxation: its optimum (a lower bound on the MILP) and the flows per arc."""

    objective: float
    x: np.ndarray
    u: np.ndarray
    reduced_cost: np.ndarray  # of x, per arc: what moving a unit onto an unused arc costs at least


def lp_bound(drug: DrugData, settings: PlanSettings, time_limit: float) -> Bound | None:
    """Solve the transportation LP (no binaries: valid for any K and for region mode)."""
    model = build_drug_model(drug, settings, with_choices=False)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(time_limit, 1e-3))
    h.passModel(model.n_col, model.n_row, len(model.a_index), 2, 1, 0.0, model.cost, model.col_lower,
                model.col_upper, model.row_lower, model.row_upper, model.a_start, model.a_index, model.a_value,
                model.integrality)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    col = np.asarray(solution.col_value, dtype=float)
    dual = np.asarray(solution.col_dual, dtype=float)
    return Bound(float(h.getInfo().objective_function_value), col[: model.n_x], col[model.n_x:], dual[: model.n_x])


def applies(drug: DrugData, settings: PlanSettings) -> bool:
    """Single sourcing without minimum shares: every owner goes to one winner or is left short."""
    return (settings.region_mode or settings.max_suppliers == 1) and not (drug.min_share > 0).any()


class _State:
    """Owner assignment with supplier loads; column n_s of the cost matrix is 'left short'."""

    def __init__(self, drug: DrugData, settings: PlanSettings, bound: Bound):
        n_s = len(drug.suppliers)
        self.owner_of_h = drug.group if settings.region_mode else np.arange(len(drug.hospital_ids))
        n_o = int(self.owner_of_h.max()) + 1 if len(self.owner_of_h) else 0
        self.volume = np.bincount(self.owner_of_h, weights=drug.agreed, minlength=n_o)
        members = np.bincount(self.owner_of_h, minlength=n_o)
        arc_o = self.owner_of_h[drug.arc_h]
        cost = arc_costs(drug, settings) * drug.agreed[drug.arc_h]
        total = np.zeros((n_o, n_s + 1))
        count = np.zeros((n_o, n_s + 1), dtype=np.int64)
        np.add.at(total, (arc_o, drug.arc_s), cost)
        np.add.at(count, (arc_o, drug.arc_s), 1)
        # an owner may use a winner only if the winner may serve every one of its hospitals
        self.cost = np.where(count == members[:, None], total, np.inf)
        self.cost[:, n_s] = settings.shortage_penalty * self.volume
        self.cap = np.append(drug.capacity, np.inf)
        self.pen = np.append(np.maximum(settings.shortage_penalty - drug.price, 0.0), 0.0)
        flow = np.zeros((n_o, n_s + 1))
        np.add.at(flow, (arc_o, drug.arc_s), bound.x)
        np.add.at(flow[:, n_s], self.owner_of_h, bound.u)
        flow[~np.isfinite(self.cost)] = -1.0
        self.assign = np.argmax(flow, axis=1)
        self.load = np.bincount(self.assign, weights=self.volume, minlength=n_s + 1)

    def penalty(self, s: np.ndarray | int, load: np.ndarray) -> np.ndarray:
        """Overflow above capacity turns into shortage: M minus the price saved, per unit."""
        return self.pen[s] * np.maximum(load - self.cap[s], 0.0)

    def move(self, o: int, s: int) -> None:
        self.load[self.assign[o]] -= self.volume[o]
        self.load[s] += self.volume[o]
        self.assign[o] = s

    def relocate(self, max_moves: int) -> int:
        """Best single-owner moves until none improves."""
        n_o = len(self.volume)
        idx = np.arange(n_o)
        cols = np.arange(self.cost.shape[1])
        moves = 0
        while moves < max_moves:
            cur = self.assign
            v = self.volume[:, None]
            delta = (self.cost - self.cost[idx, cur][:, None]
                     + self.penalty(cols, self.load + v) - self.penalty(cols, self.load)
                     + (self.penalty(cur, self.load[cur] - self.volume) - self.penalty(cur, self.load[cur]))[:, None])
            delta[idx, cur] = np.inf
            best = int(np.argmin(delta))
            o, s = divmod(best, self.cost.shape[1])
            if not delta[o, s] < -1e-9:
                break
            self.move(o, s)
            moves += 1
        return moves

    def swap_sweep(self) -> int:
        """For each pair of winners, the best exchange of two owners between them, if it improves."""
        n_cols = self.cost.shape[1]
        swaps = 0
        for s1 in range(n_cols):
            for s2 in range(s1 + 1, n_cols):
                xs = np.flatnonzero((self.assign == s1) & np.isfinite(self.cost[:, s2]))
                ys = np.flatnonzero((self.assign == s2) & np.isfinite(self.cost[:, s1]))
                if not len(xs) or not len(ys):
                    continue
                dx = self.cost[xs, s2] - self.cost[xs, s1]
                dy = self.cost[ys, s1] - self.cost[ys, s2]
                if len(xs) > PAIR_LIMIT:
                    keep = np.argsort(dx / self.volume[xs], kind="stable")[:PAIR_LIMIT]
                    xs, dx = xs[keep], dx[keep]
                if len(ys) > PAIR_LIMIT:
                    keep = np.argsort(dy / self.volume[ys], kind="stable")[:PAIR_LIMIT]
                    ys, dy = ys[keep], dy[keep]
                shift = self.volume[ys][None, :] - self.volume[xs][:, None]  # load change at s1
                l1, l2 = self.load[s1], self.load[s2]
                delta = (dx[:, None] + dy[None, :]
                         + self.penalty(s1, l1 + shift) - self.penalty(s1, np.asarray(l1))
                         + self.penalty(s2, l2 - shift) - self.penalty(s2, np.asarray(l2)))
                best = int(np.argmin(delta))
                i, j = divmod(best, len(ys))
                if delta[i, j] < -1e-9:
                    self.move(int(xs[i]), s2)
                    self.move(int(ys[j]), s1)
                    swaps += 1
        return swaps


def single_source_plan(
    drug: DrugData, settings: PlanSettings, bound: Bound
) -> tuple[np.ndarray, np.ndarray, float]:
    """x by arc, u by hospital and the exact objective of a repaired single-sourcing plan."""
    state = _State(drug, settings, bound)
    budget = 50 * len(state.volume) + 100
    state.relocate(budget)
    for _ in range(MAX_SWEEPS):
        if not state.swap_sweep():
            break
        state.relocate(budget)
    return _volumes(drug, settings, state)


def _volumes(drug: DrugData, settings: PlanSettings, state: _State) -> tuple[np.ndarray, np.ndarray, float]:
    """Whole volumes on the chosen arcs; overflow above capacity cut from the dearest units first."""
    n_s = len(drug.suppliers)
    chosen = state.assign[state.owner_of_h[drug.arc_h]] == drug.arc_s
    x = np.where(chosen, drug.agreed[drug.arc_h], 0.0)
    cost = arc_costs(drug, settings)
    for s in range(n_s):
        over = x[drug.arc_s == s].sum() - drug.capacity[s]
        if over <= 1e-9:
            continue
        arcs = np.flatnonzero((drug.arc_s == s) & (x > 0))
        arcs = arcs[np.argsort(-cost[arcs], kind="stable")]
        cut = np.minimum(x[arcs], np.maximum(over - np.concatenate([[0.0], np.cumsum(x[arcs])[:-1]]), 0.0))
        x[arcs] -= cut
    supplied = np.bincount(drug.arc_h, weights=x, minlength=len(drug.hospital_ids))
    u = np.maximum(drug.agreed - supplied, 0.0)
    objective = float(cost @ x + settings.shortage_penalty * u.sum())
    return x, u, objective


def start_vector(model: DrugModel, drug: DrugData, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The plan as a full column vector of the MILP (y = 1 on every arc in use)."""
    y = np.zeros(model.n_y)
    used = (x > 0) & (model.y_of_arc >= 0)
    y[model.y_of_arc[used]] = 1.0
    return np.concatenate([x, y, u])


def neighbourhood_bounds(
    model: DrugModel, drug: DrugData, bound: Bound, start: np.ndarray, n_free: int
) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds fixing the choices (y) of owners the plan and the LP agree on.

    Left free: owners whose plan differs from their LP flow, and the ``n_free`` owners cheapest to
    move by LP reduced cost. The plan stays feasible, so a short MIP over the rest can only improve it.
    """
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    if model.n_y == 0:
        return lower, upper
    y = start[model.n_x: model.n_x + model.n_y]
    n_owner = int(model.y_owner.max()) + 1
    linked = np.flatnonzero(model.y_of_arc >= 0)
    flow_y = np.bincount(model.y_of_arc[linked], weights=bound.x[linked], minlength=model.n_y)
    volume = np.bincount(drug.arc_h[linked], weights=drug.agreed[drug.arc_h[linked]], minlength=len(drug.agreed))
    owner_volume = np.zeros(n_owner)
    hospital_owner = np.full(len(drug.agreed), -1)
    hospital_owner[drug.arc_h[linked]] = model.y_owner[model.y_of_arc[linked]]
    has_owner = hospital_owner >= 0
    np.add.at(owner_volume, hospital_owner[has_owner], drug.agreed[has_owner] * (volume[has_owner] > 0))
    agree = np.bincount(model.y_owner, weights=flow_y * (y > 0.5), minlength=n_owner)
    free = agree < owner_volume * (1 - 1e-6)
    rc = bound.reduced_cost[linked] * drug.agreed[drug.arc_h[linked]]
    unused = y[model.y_of_arc[linked]] < 0.5
    move = np.full(model.n_y, np.inf)
    np.minimum.at(move, model.y_of_arc[linked][unused], np.maximum(rc[unused], 0.0))
    score = np.full(n_owner, np.inf)
    np.minimum.at(score, model.y_owner, move)
    free[np.argsort(score, kind="stable")[:n_free]] = True
    fix = ~free[model.y_owner]
    cols = model.n_x + np.flatnonzero(fix)
    lower[cols] = upper[cols] = np.round(y[fix])
    return lower, upper
