"""What the optimizer reads: the planning input, its settings, and the agreed-volume rule (约定采购量)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from procurement.model import Dataset, conform

DrugKey = tuple[str, str]


@dataclass(frozen=True)
class PlanSettings:
    """Knobs of one allocation run; frozen so a run can be cached and compared side by side."""

    ratio: float | None = None  # overrides every drug's agreed ratio
    max_suppliers: int = 1  # K
    switch_penalty: float = 0.0  # w, yuan per unit moved off the current supplier
    shortage_penalty: float = 1000.0  # M
    time_limit: float = 60.0  # seconds, per drug part
    gap: float = 1e-4
    solver: str = "highs"  # "highs" | "cbc"
    workers: int = 2  # processes for the per-drug parts
    region_mode: bool = False  # one supplier per region and drug instead of per hospital


@dataclass
class PlanInput:
    """Canonical frames the plan is made from.

    ``agreed`` gives A directly (scenarios pass remaining volume there); otherwise A = ceil(α·q).
    ``allowed`` (hospital_id, generic_name, specification, supplier) restricts which winner may
    supply which hospital, on top of the regions; capacities already committed elsewhere are
    expressed by passing offers with reduced capacity.
    """

    demand: pd.DataFrame
    offers: pd.DataFrame
    hospitals: pd.DataFrame
    baseline: pd.DataFrame | None = None  # generic_name, specification, baseline_price
    agreed: pd.DataFrame | None = None  # hospital_id, generic_name, specification, agreed_volume
    allowed: pd.DataFrame | None = None  # hospital_id, generic_name, specification, supplier
    backups: pd.DataFrame | None = None  # offers-shaped rows marked 备选企业: used only to re-plan a disruption

    @classmethod
    def from_dataset(cls, ds: Dataset) -> PlanInput:
        """Planning input of a dataset; the drug's baseline price is the mean over its products."""
        products = ds.products
        baseline = None
        if len(products) and products["baseline_price"].notna().any():
            baseline = (
                products.dropna(subset=["baseline_price"])
                .groupby(["generic_name", "specification"], as_index=False)["baseline_price"]
                .mean()
            )
        offers = ds.offers
        backup = offers["backup"].fillna(False).astype(bool) if "backup" in offers else None
        if backup is None or not backup.any():
            return cls(demand=ds.demand, offers=offers, hospitals=ds.hospitals, baseline=baseline)
        return cls(demand=ds.demand, offers=offers[~backup].reset_index(drop=True), hospitals=ds.hospitals,
                   baseline=baseline, backups=offers[backup].reset_index(drop=True))

    def normalised(self) -> PlanInput:
        """The same input with canonical columns and types, so later steps need not guard."""
        return PlanInput(
            demand=conform("demand", self.demand),
            offers=conform("offers", self.offers),
            hospitals=conform("hospitals", self.hospitals),
            baseline=self.baseline,
            agreed=self.agreed,
            allowed=self.allowed,
            backups=self.backups,
        )


_RATIO_BY_WINNERS = {1: 0.5, 2: 0.6, 3: 0.7}


def agreed_ratio(n_winners: int) -> float:
    """National rule since the 7th batch: 1 winner 50%, 2 60%, 3 70%, 4 or more 80%."""
    if n_winners < 1:
        raise ValueError("a drug needs at least one winner / 至少需要一个中选企业")
    return _RATIO_BY_WINNERS.get(n_winners, 0.8)


def ceil_units(values: np.ndarray | pd.Series) -> np.ndarray:
    """Round up to whole units, ignoring float noise (0.7 × 10 must give 7, not 8)."""
    arr = np.asarray(values, dtype=float)
    return np.ceil(np.round(arr, 9))


def drug_ratios(offers: pd.DataFrame, settings: PlanSettings) -> dict[DrugKey, float]:
    """α per drug: the setting overrides, else the offers' agreed ratio, else the winner-count rule."""
    ratios: dict[DrugKey, float] = {}
    for (g, s), grp in offers.groupby(["generic_name", "specification"], sort=False):
        if settings.ratio is not None:
            ratios[(g, s)] = float(settings.ratio)
            continue
        given = grp["agreed_ratio"].dropna()
        if len(given):
            ratios[(g, s)] = float(given.iloc[0])
        else:
            ratios[(g, s)] = agreed_ratio(int(grp["supplier"].nunique()))
    return ratios


def agreed_volumes(inp: PlanInput, settings: PlanSettings) -> pd.DataFrame:
    """A[h,d] per hospital and drug, duplicate demand rows summed.

    A drug without winners has no rule to apply: it gets the override ratio when given, else A = q
    (the checks report it as unplannable anyway).
    """
    cols = ["hospital_id", "generic_name", "specification", "agreed_volume"]
    if inp.agreed is not None:
        out = inp.agreed[cols].copy()
        out["agreed_volume"] = out["agreed_volume"].astype(float)
        return out.groupby(cols[:3], as_index=False, sort=False)["agreed_volume"].sum()
    demand = conform("demand", inp.demand)
    offers = conform("offers", inp.offers)
    q = demand.groupby(cols[:3], as_index=False, sort=False)["declared_volume"].sum(min_count=1)
    q["declared_volume"] = q["declared_volume"].fillna(0.0)
    ratios = drug_ratios(offers, settings)
    default = settings.ratio if settings.ratio is not None else 1.0
    ratio_frame = pd.DataFrame(
        [(g, s, r) for (g, s), r in ratios.items()], columns=["generic_name", "specification", "alpha"]
    ).astype({"generic_name": "string", "specification": "string", "alpha": float})
    q = q.astype({"generic_name": "string", "specification": "string"}).merge(
        ratio_frame, on=["generic_name", "specification"], how="left"
    )
    alpha = q["alpha"].fillna(default).to_numpy(dtype=float)
    q["agreed_volume"] = ceil_units(alpha * q["declared_volume"].to_numpy(dtype=float))
    return q[cols].astype({"agreed_volume": float})




NO_CURRENT = -1  # no current supplier given: no unit counts as a switch
CURRENT_NOT_WINNER = -2  # current supplier is no winner: every unit is a switch


@dataclass
class DrugData:
    """One drug's part of the model as plain arrays: cheap to pickle to a worker process.

    Hospitals with A = 0 are left out (nothing to allocate). ``arc_h``/``arc_s`` list the
    hospital-supplier pairs allowed by regions (and ``allowed``); ``group`` maps each hospital
    to its region group (region mode), hospitals without a region forming their own group.
    """

    generic_name: str
    specification: str
    hospital_ids: np.ndarray  # (n_h,) str
    regions: np.ndarray  # (n_h,) object, None when unknown
    agreed: np.ndarray  # (n_h,) float, A[h]
    current: np.ndarray  # (n_h,) int: supplier index, NO_CURRENT or CURRENT_NOT_WINNER
    suppliers: np.ndarray  # (n_s,) str
    price: np.ndarray  # (n_s,) float
    capacity: np.ndarray  # (n_s,) float, inf = unlimited
    min_share: np.ndarray  # (n_s,) float
    served_regions: list[frozenset[str] | None]  # (n_s,), None = all regions
    arc_h: np.ndarray  # (n_arc,) int
    arc_s: np.ndarray  # (n_arc,) int
    group: np.ndarray  # (n_h,) int
    group_names: np.ndarray  # (n_g,) str
    ratio: float = float("nan")  # α used for A (NaN when A was given directly or there is no winner)

    @property
    def key(self) -> DrugKey:
        return (self.generic_name, self.specification)

    @property
    def total_agreed(self) -> float:
        return float(self.agreed.sum())


def split_regions(value: object) -> frozenset[str] | None:
    """Offer regions as a set; blank means every region."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    parts = [p.strip() for p in str(value).replace("，", ",").replace("、", ",").replace(";", ",").split(",")]
    parts = [p for p in parts if p]
    return frozenset(parts) or None


def split_by_drug(inp: PlanInput, settings: PlanSettings) -> list[DrugData]:
    """Cut the normalised input into independent per-drug parts (drugs share nothing)."""
    keys3 = ["hospital_id", "generic_name", "specification"]
    agreed = agreed_volumes(inp, settings)
    agreed = agreed[agreed["agreed_volume"] > 0].astype({c: "string" for c in keys3})
    offers = inp.offers.drop_duplicates(["generic_name", "specification", "supplier"])
    regions = inp.hospitals[["hospital_id", "region"]].astype("string").drop_duplicates("hospital_id")
    regions["region"] = regions["region"].str.strip().replace("", pd.NA)
    current = inp.demand[[*keys3, "current_supplier"]].astype("string")
    current["current_supplier"] = current["current_supplier"].str.strip().replace("", pd.NA)
    current = current.dropna(subset=["current_supplier"]).drop_duplicates(keys3)
    agreed = agreed.merge(regions, on="hospital_id", how="left").merge(current, on=keys3, how="left")
    allowed_of: dict[DrugKey, set[tuple[str, str]]] | None = None
    if inp.allowed is not None:
        allowed_of = {}
        for h, g, s, sup in inp.allowed[["hospital_id", "generic_name", "specification", "supplier"]].itertuples(
            index=False, name=None
        ):
            allowed_of.setdefault((str(g), str(s)), set()).add((str(h), str(sup)))

    offer_groups = dict(iter(offers.groupby(["generic_name", "specification"], sort=False)))
    demand_groups = dict(iter(agreed.groupby(["generic_name", "specification"], sort=False)))
    ratios = drug_ratios(offers, settings) if inp.agreed is None else {}
    parts = []
    for key in dict.fromkeys([*demand_groups, *offer_groups]):
        g, s = str(key[0]), str(key[1])
        dem = demand_groups.get(key, agreed.iloc[0:0])
        off = offer_groups.get(key, offers.iloc[0:0])
        part = _drug_part(g, s, dem, off, None if allowed_of is None else allowed_of.get((g, s), set()))
        part.ratio = ratios.get(key, float("nan"))
        parts.append(part)
    return parts


def _drug_part(g: str, s: str, dem: pd.DataFrame, off: pd.DataFrame, allowed: set[tuple[str, str]] | None) -> DrugData:
    """Arrays of one drug: eligible arcs from regions (and the allowed pairs), region groups."""
    hospital_ids = dem["hospital_id"].to_numpy(dtype=object)
    region_series = dem["region"].reset_index(drop=True)
    regions = region_series.to_numpy(dtype=object, na_value=None)
    suppliers = np.array([str(x) for x in off["supplier"]], dtype=object)
    sup_index = {name: i for i, name in enumerate(suppliers)}
    cur_names = dem["current_supplier"].reset_index(drop=True)
    cur_index = cur_names.map(sup_index).to_numpy(dtype=float, na_value=np.nan)
    current = np.where(cur_names.isna().to_numpy(), NO_CURRENT,
                       np.where(np.isnan(cur_index), CURRENT_NOT_WINNER, np.nan_to_num(cur_index))).astype(np.int64)
    served = [split_regions(v) for v in off["regions"]]
    arc_h_parts, arc_s_parts = [], []
    for j, reg in enumerate(served):
        mask = np.ones(len(hospital_ids), dtype=bool) if reg is None else region_series.isin(reg).to_numpy()
        if allowed is not None:
            mask &= np.array([(h, suppliers[j]) in allowed for h in hospital_ids], dtype=bool)
        on = np.flatnonzero(mask)
        arc_h_parts.append(on)
        arc_s_parts.append(np.full(len(on), j, dtype=np.int64))
    arc_h = np.concatenate(arc_h_parts) if arc_h_parts else np.zeros(0, dtype=np.int64)
    arc_s = np.concatenate(arc_s_parts) if arc_s_parts else np.zeros(0, dtype=np.int64)
    order = np.lexsort((arc_s, arc_h))
    group_key = np.where(region_series.isna().to_numpy(), "@" + pd.Series(hospital_ids, dtype=object),
                         region_series.fillna("").to_numpy(dtype=object))
    group, group_names = pd.factorize(pd.Series(group_key, dtype=object), sort=True)
    capacity = off["capacity"].to_numpy(dtype=float, na_value=np.nan)
    return DrugData(
        generic_name=g,
        specification=s,
        hospital_ids=hospital_ids,
        regions=regions,
        agreed=dem["agreed_volume"].to_numpy(dtype=float),
        current=current,
        suppliers=suppliers,
        price=off["unit_price"].to_numpy(dtype=float, na_value=np.nan),
        capacity=np.where(np.isnan(capacity), np.inf, capacity),
        min_share=np.nan_to_num(off["min_share"].to_numpy(dtype=float, na_value=np.nan), nan=0.0),
        served_regions=served,
        arc_h=arc_h[order].astype(np.int64),
        arc_s=arc_s[order].astype(np.int64),
        group=np.asarray(group, dtype=np.int64),
        group_names=np.asarray(group_names, dtype=object),
    )
