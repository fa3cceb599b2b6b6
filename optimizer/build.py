"""One drug's allocation model (allocation-model.md), built two ways.

``build_drug_model`` assembles the arrays HiGHS takes directly (fast path: no Python loop per
variable); ``build_pulp_model`` writes the same model readably with PuLP (reference path, CBC).
Tests hold both to the same optimum, and both to an independent scipy model.

Columns: x[a] for each eligible arc a = (h, s), then y (binary), then u[h] (shortage).
y exists only where a choice is to be limited: per hospital with more than K eligible winners,
or in region mode per region group with more than one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.inputs import NO_CURRENT, DrugData, PlanSettings


@dataclass
class DrugModel:
    """A MILP in HiGHS's row-wise array form, plus the maps back to x, y and u."""

    n_x: int
    n_y: int
    n_u: int
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray  # int32, 1 = integer
    row_lower: np.ndarray
    row_upper: np.ndarray
    a_start: np.ndarray  # int32, (n_row + 1,)
    a_index: np.ndarray  # int32
    a_value: np.ndarray
    y_of_arc: np.ndarray  # y column offset (within y) limiting each arc, -1 when none
    y_owner: np.ndarray  # the hospital (region mode: region group) each y belongs to
    build_time: float = 0.0

    @property
    def n_col(self) -> int:
        return self.n_x + self.n_y + self.n_u

    @property
    def n_row(self) -> int:
        return len(self.row_lower)


def arc_costs(drug: DrugData, settings: PlanSettings) -> np.ndarray:
    """p[s] plus w per unit where the hospital's current supplier is given and is not s."""
    cur = drug.current[drug.arc_h]
    switched = (cur != NO_CURRENT) & (cur != drug.arc_s)
    return drug.price[drug.arc_s] + settings.switch_penalty * switched


def choice_groups(drug: DrugData, settings: PlanSettings) -> tuple[np.ndarray, np.ndarray, int]:
    """Which y limits each arc, and which choice row (hospital or region group) each y sits in.

    Returns (y_of_arc, y_owner, limit): y_of_arc[a] = -1 where the arc needs no binary.
    """
    n_arc = len(drug.arc_h)
    if n_arc == 0:
        return np.full(0, -1, dtype=np.int64), np.zeros(0, dtype=np.int64), 1
    if settings.region_mode:
        owner, limit = drug.group[drug.arc_h], 1
    else:
        owner, limit = drug.arc_h, settings.max_suppliers
    # one y per (owner, supplier); an owner needs y only when it has more suppliers than the limit
    pair = owner * len(drug.suppliers) + drug.arc_s
    uniq, pair_idx = np.unique(pair, return_inverse=True)
    uniq_owner = uniq // len(drug.suppliers)
    n_choices = np.bincount(uniq_owner)
    needs = n_choices[uniq_owner] > limit
    y_id = np.full(len(uniq), -1, dtype=np.int64)
    y_id[needs] = np.arange(int(needs.sum()))
    return y_id[pair_idx], uniq_owner[needs], limit


def build_drug_model(drug: DrugData, settings: PlanSettings, *, with_choices: bool = True) -> DrugModel:
    """The drug's MILP as arrays: one numpy pass per constraint family.

    ``with_choices=False`` leaves out y and its rows: the transportation LP, a valid relaxation.
    """
    t0 = time.perf_counter()
    n_h, n_s, n_arc = len(drug.hospital_ids), len(drug.suppliers), len(drug.arc_h)
    agreed = drug.agreed
    if with_choices:
        y_of_arc, y_owner, limit = choice_groups(drug, settings)
    else:
        y_of_arc, y_owner, limit = np.full(n_arc, -1, dtype=np.int64), np.zeros(0, dtype=np.int64), 1
    n_y = len(y_owner)
    x0, y0, u0 = 0, n_arc, n_arc + n_y
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    n_row = 0

    def add(r: np.ndarray, c: np.ndarray, v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        nonlocal n_row
        rows.append(r + n_row)
        cols.append(c)
        vals.append(v)
        lo.append(lower)
        hi.append(upper)
        n_row += len(lower)

    # every hospital gets its agreed volume: sum_s x + u = A
    add(np.concatenate([drug.arc_h, np.arange(n_h)]), np.concatenate([x0 + np.arange(n_arc), u0 + np.arange(n_h)]),
        np.ones(n_arc + n_h), agreed, agreed)
    # x <= A y where a binary limits the arc
    linked = np.flatnonzero(y_of_arc >= 0)
    if len(linked):
        r = np.arange(len(linked))
        add(np.concatenate([r, r]), np.concatenate([x0 + linked, y0 + y_of_arc[linked]]),
            np.concatenate([np.ones(len(linked)), -agreed[drug.arc_h[linked]]]),
            np.full(len(linked), -np.inf), np.zeros(len(linked)))
    # at most K suppliers per hospital (region mode: one per region group)
    if n_y:
        owners, row_of_y = np.unique(y_owner, return_inverse=True)
        add(row_of_y, y0 + np.arange(n_y), np.ones(n_y), np.full(len(owners), -np.inf),
            np.full(len(owners), float(limit)))
    # capacity and minimum share on each supplier's load
    load_rows = [j for j in range(n_s) if np.isfinite(drug.capacity[j]) or drug.min_share[j] > 0]
    if load_rows:
        row_of_s = np.full(n_s, -1, dtype=np.int64)
        row_of_s[load_rows] = np.arange(len(load_rows))
        on = np.flatnonzero(row_of_s[drug.arc_s] >= 0)
        total = float(agreed.sum())
        add(row_of_s[drug.arc_s[on]], x0 + on, np.ones(len(on)),
            np.array([drug.min_share[j] * total for j in load_rows]),
            np.array([drug.capacity[j] for j in load_rows]))

    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.zeros(0)
    order = np.argsort(r, kind="stable")
    start = np.zeros(n_row + 1, dtype=np.int32)
    np.cumsum(np.bincount(r, minlength=n_row), out=start[1:])
    cost = np.concatenate([arc_costs(drug, settings), np.zeros(n_y), np.full(n_h, settings.shortage_penalty)])
    upper = np.concatenate([agreed[drug.arc_h], np.ones(n_y), agreed])
    integrality = np.concatenate([np.zeros(n_arc), np.ones(n_y), np.zeros(n_h)]).astype(np.int32)
    return DrugModel(
        n_x=n_arc, n_y=n_y, n_u=n_h, cost=cost, col_lower=np.zeros(len(cost)), col_upper=upper,
        integrality=integrality,
        row_lower=np.concatenate(lo) if lo else np.zeros(0), row_upper=np.concatenate(hi) if hi else np.zeros(0),
        a_start=start, a_index=c[order].astype(np.int32), a_value=v[order].astype(float),
        y_of_arc=y_of_arc, y_owner=y_owner, build_time=time.perf_counter() - t0,
    )


def build_pulp_model(
    drug: DrugData, settings: PlanSettings
) -> tuple[pulp.LpProblem, dict[int, pulp.LpVariable], dict[int, pulp.LpVariable]]:
    """The same model written constraint by constraint, as the spec reads (reference path).

    Returns the problem, x by arc index and u by hospital index.
    """
    prob = pulp.LpProblem("allocation", pulp.LpMinimize)
    n_h = len(drug.hospital_ids)
    arcs = list(zip(drug.arc_h.tolist(), drug.arc_s.tolist(), strict=True))
    x = {a: prob.add_variable(f"x_{h}_{s}", lowBound=0) for a, (h, s) in enumerate(arcs)}
    u = {h: prob.add_variable(f"u_{h}", lowBound=0) for h in range(n_h)}
    if settings.region_mode:
        owner_of = {a: int(drug.group[h]) for a, (h, _) in enumerate(arcs)}
        limit = 1
    else:
        owner_of = {a: h for a, (h, _) in enumerate(arcs)}
        limit = settings.max_suppliers
    y = {}
    for a, (_, s) in enumerate(arcs):
        key = (owner_of[a], s)
        if key not in y:
            y[key] = prob.add_variable(f"y_{key[0]}_{s}", cat=pulp.LpBinary)

    switch = {a: drug.current[h] != NO_CURRENT and drug.current[h] != s for a, (h, s) in enumerate(arcs)}
    prob += (
        pulp.lpSum(float(drug.price[s]) * x[a] for a, (_, s) in enumerate(arcs))
        + settings.switch_penalty * pulp.lpSum(x[a] for a in x if switch[a])
        + settings.shortage_penalty * pulp.lpSum(u.values())
    )
    arcs_of_h: dict[int, list[int]] = {h: [] for h in range(n_h)}
    arcs_of_s: dict[int, list[int]] = {s: [] for s in range(len(drug.suppliers))}
    for a, (h, s) in enumerate(arcs):
        arcs_of_h[h].append(a)
        arcs_of_s[s].append(a)
    for h in range(n_h):
        prob += pulp.lpSum(x[a] for a in arcs_of_h[h]) + u[h] == float(drug.agreed[h]), f"agreed_volume_{h}"
    for a, (h, s) in enumerate(arcs):
        prob += x[a] <= float(drug.agreed[h]) * y[(owner_of[a], s)], f"link_{a}"
    y_of_owner: dict[int, list[pulp.LpVariable]] = {}
    for (o, _), var in y.items():
        y_of_owner.setdefault(o, []).append(var)
    for owner, ys in y_of_owner.items():
        prob += pulp.lpSum(ys) <= limit, f"max_suppliers_{owner}"
    total = float(drug.agreed.sum())
    for s in range(len(drug.suppliers)):
        load = pulp.lpSum(x[a] for a in arcs_of_s[s])
        if np.isfinite(drug.capacity[s]):
            prob += load <= float(drug.capacity[s]), f"capacity_{s}"
        if drug.min_share[s] > 0:
            prob += load >= float(drug.min_share[s]) * total, f"min_share_{s}"
    return prob, x, u
