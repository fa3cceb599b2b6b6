"""The tie-break of allocation-model.md "Ties": at equal cost, keep each hospital with its current supplier.

Applied to a solved part rather than added to the objective as a tiny penalty: a penalty small enough to
keep the cost optimal within the MIP gap is also small enough for the solver's tolerances to ignore, so
it would keep hospitals only sometimes. Here a hospital's volume moves from the winner the solver chose
back to its current winner only when that winner charges exactly the same price, serves the hospital,
has the spare capacity, and the move breaks neither the chosen winner's minimum share nor K. Cost and
objective are unchanged by construction (same price, and only when the switch penalty is 0: with a
penalty the objective already prefers the current supplier).
"""

from __future__ import annotations

import numpy as np

from optimizer.inputs import DrugData, PlanSettings

EPS = 1e-9


def same_price(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def keep_current_on_ties(drug: DrugData, x: np.ndarray, settings: PlanSettings) -> np.ndarray:
    """``x`` (units by arc) with tied switches undone; the input array is not modified."""
    if settings.region_mode or settings.switch_penalty != 0 or not len(x):
        return x
    x = x.copy()
    arc_of = {(int(h), int(s)): a for a, (h, s) in enumerate(zip(drug.arc_h, drug.arc_s, strict=True))}
    arcs_of_h: dict[int, list[int]] = {}
    for a, h in enumerate(drug.arc_h):
        arcs_of_h.setdefault(int(h), []).append(a)
    load = np.bincount(drug.arc_s, weights=x, minlength=len(drug.suppliers))
    total = float(drug.agreed.sum())
    for a in np.flatnonzero(x > EPS):
        h, s = int(drug.arc_h[a]), int(drug.arc_s[a])
        c = int(drug.current[h])
        if c < 0 or c == s or (h, c) not in arc_of or not same_price(drug.price[c], drug.price[s]):
            continue
        v = float(x[a])
        if load[c] + v > drug.capacity[c] + EPS or load[s] - v < drug.min_share[s] * total - EPS:
            continue
        used = {int(drug.arc_s[k]) for k in arcs_of_h[h] if x[k] > EPS}
        if len((used - {s}) | {c}) > settings.max_suppliers:
            continue
        x[arc_of[(h, c)]] += v
        x[a] = 0.0
        load[c] += v
        load[s] -= v
    return x
