"""Scenarios on top of an allocation: supply disruption (断供) re-planning and what-if comparison.

The disruption re-plan needs two things the core model lacks: a priority order between goals
(shortage first, then hospitals moved, then cost) and a penalty per *hospital* moved rather than
per unit. So it builds its own small per-drug MILP here and solves it lexicographically with HiGHS;
the what-if comparison simply runs the core ``allocate`` once per scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from optimizer.inputs import PlanInput, PlanSettings, split_regions
from procurement.model import conform
from procurement.problems import InputError, Problem

DRUG = ["generic_name", "specification"]
PAIR = ["hospital_id", "generic_name", "specification"]
_TOL = 1e-6

# ---------------------------------------------------------------------------------------------
# A tiny MILP wrapper: enough to state the re-plan and to solve it in stages.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Milp:
    """Columns and sparse rows, re-solved with a different objective per lexicographic stage."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)

    def var(self, lb: float = 0.0, ub: float = math.inf, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.lb) - 1

    def row(self, coefs: Mapping[int, float], lo: float, hi: float) -> None:
        idx = list(coefs)
        self.rows.append((idx, [float(coefs[i]) for i in idx], lo, hi))

    def solve(self, cost: Mapping[int, float], time_limit: float, gap: float) -> tuple[bool, np.ndarray]:
        """Minimise ``cost``; returns (proven optimal, values). Always feasible by construction."""
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("threads", 1)
        n = len(self.lb)
        inf = h.getInfinity()
        lb = np.array(self.lb, dtype=float)
        ub = np.array([inf if math.isinf(u) else u for u in self.ub], dtype=float)
        h.addVars(n, lb, ub)
        idx = np.array(list(cost), dtype=np.int32)
        if len(idx):
            h.changeColsCost(len(idx), idx, np.array([cost[i] for i in cost], dtype=float))
        ints = np.flatnonzero(self.integer).astype(np.int32)
        if len(ints):
            h.changeColsIntegrality(
                len(ints), ints, np.array([highspy.HighsVarType.kInteger] * len(ints))
            )
        if self.rows:
            starts, indices, values = [], [], []
            for r_idx, r_val, _, _ in self.rows:
                starts.append(len(indices))
                indices.extend(r_idx)
                values.extend(r_val)
            lo = np.array([-inf if math.isinf(r[2]) else r[2] for r in self.rows], dtype=float)
            hi = np.array([inf if math.isinf(r[3]) else r[3] for r in self.rows], dtype=float)
            h.addRows(
                len(self.rows), lo, hi, len(indices), np.array(starts, dtype=np.int32),
                np.array(indices, dtype=np.int32), np.array(values, dtype=float),
            )
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal and h.getInfo().primal_solution_status != 2:
            raise RuntimeError(f"断供重排求解失败 / disruption re-plan solve failed: {h.modelStatusToString(status)}")
        return status == highspy.HighsModelStatus.kOptimal, np.asarray(h.getSolution().col_value, dtype=float)

    def solve_lexicographic(
        self, stages: list[Mapping[int, float]], time_limit: float, gap: float, slack: list[float]
    ) -> tuple[bool, np.ndarray]:
        """Optimise each stage in turn, holding earlier stages at their optimum (plus ``slack``)."""
        optimal, values = True, np.zeros(len(self.lb))
        for k, cost in enumerate(stages):
            ok, values = self.solve(cost, time_limit, gap)
            optimal = optimal and ok
            if k + 1 < len(stages):
                best = sum(c * values[i] for i, c in cost.items())
                self.row(cost, -math.inf, best + slack[k])
        return optimal, values


# ---------------------------------------------------------------------------------------------
# Supply disruption
# ---------------------------------------------------------------------------------------------


@dataclass
class DisruptionResult:
    """What a supplier's failure changes, for the coordinator's notice to hospitals and suppliers.

    ``remaining``: per affected hospital-drug, planned / purchased-before-the-date / remaining volume.
    ``allocations``: from ``from_date`` on, who supplies every hospital-drug the re-plan touched.
    ``moves``: volume moved (from_supplier -> to_supplier); ``affected`` is False for a hospital that
    was not on the failed supplier but had to give way. ``shortages``: remaining volume nobody can
    supply. ``suppliers``: per winner of an affected drug, load before / after against capacity.
    ``plan_allocations``: the whole plan after the re-plan (failed supplier keeps what it delivered).
    ``cost_change`` = cost after − cost before over the whole plan (shortage lowers it);
    ``extra_cost`` = Σ (new price − old price) × moved volume, the price of the disruption.
    """

    supplier: str
    from_date: pd.Timestamp
    status: str
    remaining: pd.DataFrame
    allocations: pd.DataFrame
    moves: pd.DataFrame
    shortages: pd.DataFrame
    suppliers: pd.DataFrame
    plan_allocations: pd.DataFrame
    cost_before: float
    cost_after: float
    cost_change: float
    extra_cost: float
    hospitals_switched: int
    unaffected_moved: int

    @property
    def shortage_volume(self) -> float:
        return float(self.shortages["volume"].sum()) if len(self.shortages) else 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN -> null), mirroring the plan object's style."""
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = frame.astype(object).where(frame.notna(), None)
            return [{k: _plain(v) for k, v in row.items()} for row in out.to_dict("records")]

        return {
            "supplier": self.supplier,
            "from_date": self.from_date.date().isoformat(),
            "status": self.status,
            "cost_before": _plain(self.cost_before),
            "cost_after": _plain(self.cost_after),
            "cost_change": _plain(self.cost_change),
            "extra_cost": _plain(self.extra_cost),
            "shortage_volume": _plain(self.shortage_volume),
            "hospitals_switched": self.hospitals_switched,
            "unaffected_moved": self.unaffected_moved,
            "remaining": records(self.remaining),
            "allocations": records(self.allocations),
            "moves": records(self.moves),
            "shortages": records(self.shortages),
            "suppliers": records(self.suppliers),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else round(f, 6)
    return value


@dataclass
class _DrugCase:
    """One affected drug: the plan's hospitals and winners, as plain dicts keyed by name."""

    drug: tuple[str, str]
    failed: str
    kept: dict[str, dict[str, float]]  # hospital -> supplier (not failed) -> planned volume
    remaining: dict[str, float]  # hospital -> volume the failed supplier no longer delivers
    price: dict[str, float]  # supplier (not failed) -> unit price
    capacity: dict[str, float]  # supplier -> capacity, inf = unlimited
    eligible: dict[str, list[str]]  # hospital -> suppliers it may take volume from
    group: dict[str, str]  # hospital -> its K-group (itself, or its region in region mode)


@dataclass
class _DrugOutcome:
    new: dict[str, dict[str, float]]  # hospital -> supplier -> volume from from_date on
    shortage: dict[str, float]
    optimal: bool


def replan_disruption(
    inp: PlanInput,
    plan: Any,
    supplier: str,
    from_date: str | pd.Timestamp,
    purchases: pd.DataFrame | None = None,
    settings: PlanSettings | None = None,
    *,
    backups: pd.DataFrame | None = None,
) -> DisruptionResult:
    """Move a failing supplier's remaining agreed volume to the drug's other winners and backups.

    Remaining volume of each hospital on the failed supplier = its planned volume from it minus what
    it bought from it before ``from_date`` (later purchases do not count: they cannot have happened).
    Goals, in strict (lexicographic) order, each solved to optimality with the earlier ones held:

    1. least shortage: keeping patients supplied outranks any price, so no yuan-per-unit shortage
       penalty is traded against cost here (``shortage_penalty`` is not used);
    2. fewest hospitals moved among those not on the failed supplier: each moved hospital means new
       contracts, deliveries and notices, whatever its volume, so the count (not the volume) is what
       is minimised; such a hospital moves only when spare capacity is short for a lower shortage;
    3. least cost of the whole drug at the winners' prices.

    A weighted sum with "large" penalties would need weights that depend on the data to stay
    lexicographic; solving in stages gives the order exactly. If the affected hospitals alone can be
    fully re-supplied from spare capacity (capacity minus the load already carried in the plan), the
    others are never put in the model at all. ``max_suppliers`` (K) and regions (and the input's
    ``allowed`` pairs) still hold; in region mode the K limit applies per region, as in the plan.
    ``switch_penalty`` does not apply either: who moves is counted per hospital in goal 2.

    ``backups`` (offers-shaped rows) name backup supply (备供): a row for one of the drug's winners adds
    its backup regions to the regions it serves; a row for another enterprise adds it as a supplier
    with its own price, capacity and regions, for this re-plan only.
    """
    settings = settings or PlanSettings()
    from_ts = pd.Timestamp(from_date).normalize()
    offers = conform("offers", inp.offers).drop_duplicates(["generic_name", "specification", "supplier"])
    alloc = plan.allocations
    alloc = alloc[alloc["volume"].astype(float) > _TOL]
    supplier = str(supplier)
    if supplier not in set(offers["supplier"].astype(str)) and supplier not in set(alloc["supplier"].astype(str)):
        raise InputError([Problem("offers", None, None, "supplier",
                                  f"未知的中选企业 {supplier}", f"unknown supplier {supplier}")])
    backup = conform("offers", backups) if backups is not None else offers.iloc[0:0]
    purchased = _purchased_before(purchases, supplier, from_ts)
    cases = _drug_cases(inp, offers, backup, alloc, supplier, purchased, settings)
    outcomes = {c.drug: _replan_drug(c, settings) for c in cases}
    return _assemble(plan, pd.concat([offers, backup], ignore_index=True), cases, outcomes, supplier, from_ts,
                     purchased)


def _purchased_before(purchases: pd.DataFrame | None, supplier: str, from_ts: pd.Timestamp) -> dict:
    """(hospital, generic, spec) -> quantity bought from ``supplier`` strictly before ``from_ts``."""
    if purchases is None or len(purchases) == 0:
        return {}
    p = purchases
    dates = pd.to_datetime(p["date"], errors="coerce")
    p = p[((p["supplier"].astype("string") == supplier) & (dates < from_ts)).fillna(False).astype(bool)]
    if len(p) == 0:
        return {}
    grouped = p.assign(quantity=p["quantity"].astype(float)).groupby(PAIR, observed=True)["quantity"].sum()
    return {tuple(str(v) for v in k): float(q) for k, q in grouped.items()}


def _drug_cases(
    inp: PlanInput, offers: pd.DataFrame, backup: pd.DataFrame, alloc: pd.DataFrame, failed: str, purchased: dict,
    settings: PlanSettings,
) -> list[_DrugCase]:
    """Cut the plan into the drugs the failed supplier carries, with eligibility worked out."""
    hospitals = conform("hospitals", inp.hospitals)
    region_of = {str(h): (None if pd.isna(r) else str(r)) for h, r in zip(hospitals["hospital_id"], hospitals["region"], strict=True)}
    allowed = None
    if getattr(inp, "allowed", None) is not None:
        allowed = {tuple(str(v) for v in row) for row in
                   inp.allowed[["hospital_id", "generic_name", "specification", "supplier"]].itertuples(index=False, name=None)}
    failed_drugs = alloc.loc[alloc["supplier"].astype(str) == failed, DRUG].drop_duplicates()
    cases = []
    for g, s in failed_drugs.itertuples(index=False, name=None):
        g, s = str(g), str(s)
        a = alloc[(alloc["generic_name"].astype(str) == g) & (alloc["specification"].astype(str) == s)]
        o = offers[(offers["generic_name"].astype(str) == g) & (offers["specification"].astype(str) == s)]
        price = {str(r.supplier): float(r.unit_price) for r in o.itertuples() if str(r.supplier) != failed}
        capacity = {str(r.supplier): (math.inf if pd.isna(r.capacity) else float(r.capacity)) for r in o.itertuples()}
        served = {str(r.supplier): split_regions(r.regions) for r in o.itertuples()}
        b = backup[(backup["generic_name"].astype(str) == g) & (backup["specification"].astype(str) == s)]
        for r in b.itertuples():
            sup, extra = str(r.supplier), split_regions(r.regions)
            if sup == failed:
                continue
            if sup in price:  # a winner's backup regions widen where it may deliver
                served[sup] = None if served[sup] is None or extra is None else served[sup] | extra
            elif not pd.isna(r.unit_price):
                price[sup] = float(r.unit_price)
                capacity[sup] = math.inf if pd.isna(r.capacity) else float(r.capacity)
                served[sup] = extra
        kept: dict[str, dict[str, float]] = {}
        remaining: dict[str, float] = {}
        for h, sup, vol, unit_price in a[["hospital_id", "supplier", "volume", "unit_price"]].itertuples(index=False, name=None):
            h, sup, vol = str(h), str(sup), float(vol)
            if sup == failed:
                bought = min(purchased.get((h, g, s), 0.0), vol)
                remaining[h] = remaining.get(h, 0.0) + vol - bought
            else:
                kept.setdefault(h, {})
                kept[h][sup] = kept[h].get(sup, 0.0) + vol
                if sup not in price:  # a supplier in the plan but not the offers: keep it usable
                    price[sup] = float(unit_price)
                    capacity.setdefault(sup, math.inf)
        hs = list(dict.fromkeys([*kept, *remaining]))
        eligible = {}
        for h in hs:
            r = region_of.get(h)
            ok = [sup for sup in price
                  if (served.get(sup) is None or (r is not None and r in served[sup]))
                  and (allowed is None or (h, g, s, sup) in allowed)]
            eligible[h] = list(dict.fromkeys([*ok, *kept.get(h, {})]))
        group = {h: (region_of.get(h) or "@" + h) if settings.region_mode else h for h in hs}
        cases.append(_DrugCase((g, s), failed, kept, remaining, price, capacity, eligible, group))
    return cases


def _replan_drug(case: _DrugCase, settings: PlanSettings) -> _DrugOutcome:
    """Phase A: only affected hospitals, others fixed. Phase B (if still short): everyone movable."""
    affected = [h for h, r in case.remaining.items() if r > _TOL]
    if not affected:
        return _DrugOutcome({h: dict(v) for h, v in case.kept.items()}, {}, True)
    outcome = _solve_scope(case, affected, movable=False, settings=settings)
    if sum(outcome.shortage.values()) <= _TOL:
        return outcome
    everyone = list(dict.fromkeys([*case.kept, *affected]))
    return _solve_scope(case, everyone, movable=True, settings=settings)


def _solve_scope(case: _DrugCase, scope: list[str], movable: bool, settings: PlanSettings) -> _DrugOutcome:
    """Build and solve the re-plan over ``scope``; hospitals outside keep their plan as fixed load."""
    m = _Milp()
    in_scope = set(scope)
    fixed_load = {sup: 0.0 for sup in case.price}
    for h, sups in case.kept.items():
        if h not in in_scope:
            for sup, v in sups.items():
                fixed_load[sup] = fixed_load.get(sup, 0.0) + v
    x: dict[tuple[str, str], int] = {}
    y: dict[tuple[str, str], int] = {}
    u: dict[str, int] = {}
    z: dict[str, int] = {}
    k = int(settings.max_suppliers)
    for h in scope:
        kept = case.kept.get(h, {})
        total = sum(kept.values()) + case.remaining.get(h, 0.0)
        rem = max(case.remaining.get(h, 0.0), 0.0)
        u[h] = m.var(0.0, rem)
        can_move = movable and sum(kept.values()) > _TOL
        if can_move:
            z[h] = m.var(0.0, 1.0, integer=True)
        balance = {u[h]: 1.0}
        for sup in case.eligible[h]:
            x0 = kept.get(sup, 0.0)
            lb = 0.0 if can_move else x0  # not movable: keeps at least its planned volume there
            x[h, sup] = m.var(lb, total)
            balance[x[h, sup]] = 1.0
            if can_move and x0 > _TOL:  # x >= x0·(1 − z): unmoved keeps its planned volume
                m.row({x[h, sup]: 1.0, z[h]: x0}, x0, math.inf)
            key = (case.group[h], sup)
            if key not in y:
                y[key] = m.var(0.0, 1.0, integer=True)
            m.row({x[h, sup]: 1.0, y[key]: -total}, -math.inf, 0.0)
        m.row(balance, total, total)
    per_group: dict[str, dict[int, float]] = {}
    for (grp, _), col in y.items():
        per_group.setdefault(grp, {})[col] = 1.0
    for ys in per_group.values():
        m.row(ys, -math.inf, float(k))
    per_supplier: dict[str, dict[int, float]] = {}
    for (_, sup), col in x.items():
        per_supplier.setdefault(sup, {})[col] = 1.0
    for sup, cap in case.capacity.items():
        cols = per_supplier.get(sup)
        if cols and not math.isinf(cap):
            scoped_load = sum(case.kept.get(h, {}).get(sup, 0.0) for h in scope)
            # never tighter than the plan itself already was, so the kept plan stays feasible
            m.row(cols, -math.inf, max(cap - fixed_load.get(sup, 0.0), scoped_load))
    total_volume = sum(sum(case.kept.get(h, {}).values()) + case.remaining.get(h, 0.0) for h in scope)
    stages: list[Mapping[int, float]] = [{u[h]: 1.0 for h in scope}]
    slack = [1e-7 * total_volume + _TOL]
    if z:
        stages.append({zh: 1.0 for zh in z.values()})
        slack.append(0.5)
    cost = {col: case.price[sup] for (_, sup), col in x.items()}
    # shortage stays in the cost stage at more than any price, so the solver never buys a few
    # yuan of cost with the tolerance left on stage 1
    heavy = 10.0 * max([*case.price.values(), 1.0]) + 1.0
    cost.update({col: heavy for col in u.values()})
    stages.append(cost)
    optimal, values = m.solve_lexicographic(stages, settings.time_limit, settings.gap, slack)
    new: dict[str, dict[str, float]] = {h: dict(v) for h, v in case.kept.items() if h not in in_scope}
    for (h, sup), col in x.items():
        v = float(values[col])
        if v > _TOL:
            new.setdefault(h, {})[sup] = round(v, 6)
    shortage = {h: round(float(values[col]), 6) for h, col in u.items() if values[col] > _TOL}
    return _DrugOutcome(new, shortage, optimal)


def _moves(before: dict[str, float], after: dict[str, float], failed: str) -> list[tuple[str, str, float]]:
    """Pair decreases with increases (failed supplier first) into from -> to volumes."""
    dec = {s: before.get(s, 0.0) - after.get(s, 0.0) for s in before}
    inc = {s: after.get(s, 0.0) - before.get(s, 0.0) for s in after}
    dec_list = sorted(((s, v) for s, v in dec.items() if v > _TOL), key=lambda t: (t[0] != failed, t[0]))
    inc_list = sorted(((s, v) for s, v in inc.items() if v > _TOL), key=lambda t: t[0])
    out, i = [], 0
    for src, amount in dec_list:
        while amount > _TOL and i < len(inc_list):
            dst, room = inc_list[i]
            take = min(amount, room)
            out.append((src, dst, round(take, 6)))
            amount -= take
            room -= take
            if room <= _TOL:
                i += 1
            else:
                inc_list[i] = (dst, room)
    return out


def _assemble(
    plan: Any,
    offers: pd.DataFrame,
    cases: list[_DrugCase],
    outcomes: dict[tuple[str, str], _DrugOutcome],
    failed: str,
    from_ts: pd.Timestamp,
    purchased: dict,
) -> DisruptionResult:
    """Turn per-drug outcomes into the result frames and figures."""
    price_of: dict[tuple[str, str, str], float] = {}
    for g, s, sup, p in offers[["generic_name", "specification", "supplier", "unit_price"]].itertuples(
        index=False, name=None
    ):
        if not pd.isna(p):  # first wins: a winner's own price over its backup row
            price_of.setdefault((str(g), str(s), str(sup)), float(p))
    base = plan.allocations.copy()
    for g, s, sup, p in base[["generic_name", "specification", "supplier", "unit_price"]].itertuples(index=False, name=None):
        price_of.setdefault((str(g), str(s), str(sup)), float(p))
    remaining_rows, alloc_rows, move_rows, short_rows, sup_rows = [], [], [], [], []
    new_plan_rows = []
    moved_unaffected = 0
    optimal = True
    affected_drugs = set()
    for case in cases:
        g, s = case.drug
        affected_drugs.add(case.drug)
        out = outcomes[case.drug]
        optimal = optimal and out.optimal
        planned_failed = _planned_on(plan.allocations, g, s, failed)
        for h, rem in case.remaining.items():
            planned = planned_failed.get(h, 0.0)
            remaining_rows.append((h, g, s, planned, planned - rem, rem))
        for h in dict.fromkeys([*case.kept, *case.remaining]):
            before = dict(case.kept.get(h, {}))
            if case.remaining.get(h, 0.0) > _TOL:
                before[failed] = case.remaining[h]
            after = out.new.get(h, {})
            moves = _moves(before, after, failed)
            for src, dst, vol in moves:
                move_rows.append((h, g, s, src, dst, vol, price_of[(g, s, src)], price_of[(g, s, dst)],
                                  h in case.remaining))
            touched = bool(moves) or h in out.shortage
            if h not in case.remaining and moves:
                moved_unaffected += 1
            for sup, vol in after.items():
                row = (h, g, s, sup, vol, price_of[(g, s, sup)], bool(sup not in before or vol > before.get(sup, 0.0) + _TOL))
                new_plan_rows.append(row)
                if touched:
                    alloc_rows.append(row[:6])
            delivered = planned_failed.get(h, 0.0) - case.remaining.get(h, 0.0)
            if delivered > _TOL:
                new_plan_rows.append((h, g, s, failed, round(delivered, 6), price_of[(g, s, failed)], False))
            if out.shortage.get(h, 0.0) > _TOL:
                short_rows.append((h, g, s, out.shortage[h]))
    key = base[DRUG].astype(str).apply(tuple, axis=1) if len(base) else pd.Series([], dtype=object)
    untouched = base[~key.isin(affected_drugs)] if len(base) else base
    new_frame = pd.DataFrame(new_plan_rows, columns=[*PAIR, "supplier", "volume", "unit_price", "switched"])
    if "region" in base.columns and len(new_frame):
        region_of = dict(zip(base["hospital_id"].astype(str), base["region"], strict=False))
        new_frame["region"] = new_frame["hospital_id"].map(region_of)
    plan_allocations = pd.concat([untouched, new_frame], ignore_index=True) if len(new_frame) else untouched.reset_index(drop=True)
    plan_allocations = plan_allocations.sort_values([*PAIR, "supplier"], ignore_index=True)
    for case in cases:
        g, s = case.drug
        before_load = _loads(base, g, s)
        after_load = _loads(plan_allocations, g, s)
        for sup in dict.fromkeys([*case.capacity, *before_load]):
            cap = case.capacity.get(sup, math.inf)
            load = after_load.get(sup, 0.0)
            sup_rows.append((g, s, sup, before_load.get(sup, 0.0), load,
                             np.nan if math.isinf(cap) else cap, np.nan if math.isinf(cap) else cap - load))
    moves = pd.DataFrame(move_rows, columns=[*PAIR, "from_supplier", "to_supplier", "volume",
                                             "from_price", "to_price", "affected"])
    cost_before = float((base["volume"].astype(float) * base["unit_price"].astype(float)).sum()) if len(base) else 0.0
    cost_after = float((plan_allocations["volume"].astype(float) * plan_allocations["unit_price"].astype(float)).sum()) if len(plan_allocations) else 0.0
    extra = float(((moves["to_price"] - moves["from_price"]) * moves["volume"]).sum()) if len(moves) else 0.0
    return DisruptionResult(
        supplier=failed,
        from_date=from_ts,
        status="optimal" if optimal else "feasible",
        remaining=pd.DataFrame(remaining_rows, columns=[*PAIR, "planned_volume", "purchased_volume", "remaining_volume"]),
        allocations=pd.DataFrame(alloc_rows, columns=[*PAIR, "supplier", "volume", "unit_price"]).sort_values(
            [*PAIR, "supplier"], ignore_index=True),
        moves=moves,
        shortages=pd.DataFrame(short_rows, columns=[*PAIR, "volume"]),
        suppliers=pd.DataFrame(sup_rows, columns=[*DRUG, "supplier", "load_before", "load", "capacity", "spare"]),
        plan_allocations=plan_allocations,
        cost_before=cost_before,
        cost_after=cost_after,
        cost_change=cost_after - cost_before,
        extra_cost=extra,
        hospitals_switched=int(moves["hospital_id"].nunique()) if len(moves) else 0,
        unaffected_moved=moved_unaffected,
    )


def _planned_on(alloc: pd.DataFrame, g: str, s: str, supplier: str) -> dict[str, float]:
    a = alloc[(alloc["generic_name"].astype(str) == g) & (alloc["specification"].astype(str) == s)
              & (alloc["supplier"].astype(str) == supplier)]
    return {str(h): float(v) for h, v in a.groupby("hospital_id")["volume"].sum().items()}


def _loads(alloc: pd.DataFrame, g: str, s: str) -> dict[str, float]:
    a = alloc[(alloc["generic_name"].astype(str) == g) & (alloc["specification"].astype(str) == s)]
    return {str(k): float(v) for k, v in a.groupby("supplier")["volume"].sum().items()}


# ---------------------------------------------------------------------------------------------
# What-if comparison
# ---------------------------------------------------------------------------------------------

ScenarioSpec = PlanSettings | tuple[PlanInput, PlanSettings]

COMPARISON_COLUMNS = [
    "scenario", "status", "total_cost", "objective", "shortage_volume", "switches", "suppliers_used",
    "savings", "gap", "cost_change",
]


@dataclass
class ScenarioComparison:
    """What-if plans side by side; the first scenario is the reference for differences.

    ``table``: one row per scenario (COMPARISON_COLUMNS); ``switches`` counts hospital-drug pairs
    that change supplier, ``suppliers_used`` winner-drug pairs with load. ``drug_costs``: long, one
    row per scenario and drug (cost, shortage, cost_diff against the first scenario).
    """

    table: pd.DataFrame
    drug_costs: pd.DataFrame
    plans: dict[str, Any]

    def drug_cost_table(self) -> pd.DataFrame:
        """Wide per-drug costs: one column per scenario, then one Δ column per other scenario."""
        if self.drug_costs.empty:
            return pd.DataFrame(columns=DRUG)
        wide = self.drug_costs.pivot_table(index=DRUG, columns="scenario", values="cost", sort=False)
        names = list(self.plans)
        wide = wide.reindex(columns=names)
        for name in names[1:]:
            wide[f"Δ {name}"] = wide[name] - wide[names[0]]
        wide.columns.name = None
        return wide.reset_index()


def compare_scenarios(
    inp: PlanInput,
    scenarios: Mapping[str, ScenarioSpec],
    allocate_fn: Callable[..., Any] | None = None,
) -> ScenarioComparison:
    """Run one plan per scenario (settings alone, or its own input with modified offers).

    ``allocate_fn`` defaults to the core's ``allocate``; tests may pass a stand-in.
    """
    if allocate_fn is None:
        from optimizer import allocate as allocate_fn  # late: the core imports nothing from here
    plans: dict[str, Any] = {}
    for name, spec in scenarios.items():
        own_inp, settings = (spec if isinstance(spec, tuple) else (inp, spec))
        plans[name] = allocate_fn(own_inp, settings)
    rows, drug_rows = [], []
    for name, plan in plans.items():
        rows.append(_summary_row(name, plan))
        drug_rows.extend(_drug_rows(name, plan))
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    if len(table):
        table["cost_change"] = table["total_cost"] - table["total_cost"].iloc[0]
    drug_costs = pd.DataFrame(drug_rows, columns=[*DRUG, "scenario", "cost", "shortage"])
    if len(drug_costs) and plans:
        first = next(iter(plans))
        ref = drug_costs[drug_costs["scenario"] == first].set_index(DRUG)["cost"]
        idx = pd.MultiIndex.from_frame(drug_costs[DRUG])
        drug_costs["cost_diff"] = drug_costs["cost"].to_numpy() - ref.reindex(idx).fillna(0.0).to_numpy()
    else:
        drug_costs["cost_diff"] = pd.Series(dtype=float)
    return ScenarioComparison(table=table, drug_costs=drug_costs, plans=plans)


def _summary_row(name: str, plan: Any) -> list[Any]:
    alloc, short = plan.allocations, plan.shortages
    switched = alloc.loc[alloc["switched"].astype(bool), PAIR].drop_duplicates() if len(alloc) else alloc
    sup = plan.suppliers
    used = int((sup["load"].astype(float) > _TOL).sum()) if len(sup) else 0
    savings = getattr(plan, "savings", None)
    saved = float(savings["savings"].sum(min_count=1)) if savings is not None and "savings" in savings and len(savings) else np.nan
    status = getattr(plan.status, "value", plan.status)
    return [name, status, float(plan.total_cost), float(plan.objective),
            float(short["volume"].sum()) if len(short) else 0.0, len(switched), used, saved, float(plan.gap), 0.0]


def _drug_rows(name: str, plan: Any) -> list[tuple[Any, ...]]:
    alloc, short = plan.allocations, plan.shortages
    cost = (alloc.assign(cost=alloc["volume"].astype(float) * alloc["unit_price"].astype(float))
            .groupby(DRUG)["cost"].sum()) if len(alloc) else pd.Series(dtype=float)
    short_by = short.groupby(DRUG)["volume"].sum() if len(short) else pd.Series(dtype=float)
    keys = list(dict.fromkeys([*cost.index, *short_by.index]))
    return [(g, s, name, float(cost.get((g, s), 0.0)), float(short_by.get((g, s), 0.0))) for g, s in keys]


def with_capacity(inp: PlanInput, factor: float, supplier: str | None = None) -> PlanInput:
    """The same input with capacities scaled (one supplier's, or all): a what-if on supply."""
    offers = conform("offers", inp.offers)
    mask = offers["supplier"] == supplier if supplier is not None else pd.Series(True, index=offers.index)
    offers.loc[mask, "capacity"] = offers.loc[mask, "capacity"] * float(factor)
    return PlanInput(demand=inp.demand, offers=offers, hospitals=inp.hospitals, baseline=inp.baseline,
                     agreed=inp.agreed, allowed=getattr(inp, "allowed", None))
