"""Track-page filters (batch, region, hospital, supplier, as-of) applied to a Dataset, without Streamlit.

Filtering the tables before the report (rather than the report's rows after) keeps every figure,
total and download consistent with what the filters say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from procurement.ingest.values import norm_key_column
from procurement.model import Dataset


@dataclass(frozen=True)
class Filters:
    """An empty tuple means "all"; frozen and hashable so it can key the report cache."""

    batches: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    hospitals: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    as_of: date | None = None
    year: int | None = None  # agreement year (协议年度); None: the year that contains the as-of date

    @property
    def narrows(self) -> bool:
        return bool(self.batches or self.regions or self.hospitals or self.suppliers)


def _keep(series: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    return series.isin(allowed) if allowed else pd.Series(True, index=series.index)


def _text(series: pd.Series) -> list[str]:
    """Values as text with blanks as '', the same for string and categorical columns."""
    return series.astype(object).where(series.notna(), "").astype(str).tolist()


def _listed_substitute(pur: pd.DataFrame, substitutes: pd.DataFrame) -> pd.Series:
    """Non-winning lines whose generic name is on the substitutes list: the execution report counts
    them as substitutes bought (采购可替代产品数), so a filter must not drop them (names compared as
    the report compares them)."""
    if substitutes.empty:
        return pd.Series(False, index=pur.index)
    listed = set(norm_key_column(substitutes["substitute"].astype("string")).dropna())
    name = norm_key_column(pur["generic_name"].astype("string"))
    return pur["product_id"].isna() & name.isin(listed).to_numpy()


def filter_dataset(ds: Dataset, f: Filters) -> Dataset:
    """The part of ``ds`` the filters select; planning tables (demand, offers) are left whole.

    Non-winning purchases have no product: they are kept when their generic name and specification
    belong to a selected product, so the winning share stays meaningful under a batch filter.
    """
    if not f.narrows:
        return ds
    hospitals = ds.hospitals[_keep(ds.hospitals["region"], f.regions) & _keep(ds.hospitals["hospital_id"], f.hospitals)]
    products = ds.products[_keep(ds.products["batch"], f.batches) & _keep(ds.products["supplier"], f.suppliers)]
    hosp_ids = set(hospitals["hospital_id"].dropna())
    if not (f.regions or f.hospitals):
        # hospitals named in other tables but missing from the hospitals table stay in
        hosp_ids |= set(ds.agreements["hospital_id"].dropna()) | set(ds.purchases["hospital_id"].dropna())
    prod_ids = set(products["product_id"].dropna())
    drugs = set(zip(_text(products["generic_name"]), _text(products["specification"]), strict=True))

    agreements = ds.agreements[ds.agreements["hospital_id"].isin(hosp_ids) & ds.agreements["product_id"].isin(prod_ids)]
    pur = ds.purchases
    in_hosp = pur["hospital_id"].isin(hosp_ids)
    winning = pur["product_id"].isin(prod_ids)
    drug_keys = pd.Series(list(zip(_text(pur["generic_name"]), _text(pur["specification"]), strict=True)),
                          index=pur.index, dtype=object)
    non_winning = pur["product_id"].isna() & drug_keys.isin(drugs)
    purchases = pur[in_hosp & (winning | non_winning | _listed_substitute(pur, ds.substitutes))]
    pay = ds.payments
    pay_ok = pay["hospital_id"].isin(hosp_ids) & (
        pay["product_id"].isin(prod_ids) | (pay["product_id"].isna() & _keep(pay["supplier"], f.suppliers))
    )
    if f.batches:
        pay_ok &= pay["product_id"].isin(prod_ids) | pay["order_id"].isin(set(purchases["order_id"].dropna()))
    lines = ds.order_lines
    short = ds.shortages
    funds = ds.fund_transfers
    fund_ok = funds["hospital_id"].isin(hosp_ids)
    if f.batches:  # a transfer for all batches (no batch) is no batch's
        fund_ok &= funds["batch"].isin(f.batches)
    changes = {
        "hospitals": hospitals,
        "products": products,
        "agreements": agreements,
        "purchases": purchases,
        "payments": pay[pay_ok],
        "order_lines": lines[lines["hospital_id"].isin(hosp_ids) & lines["product_id"].isin(prod_ids)],
        "shortages": short[short["hospital_id"].isin(hosp_ids) & short["product_id"].isin(prod_ids)],
        "fund_transfers": funds[fund_ok],
    }
    for kind, frame in changes.items():
        ds = ds.with_table(kind, frame.reset_index(drop=True))
    return ds


def options(ds: Dataset) -> dict[str, object]:
    """The choices the filter widgets offer, from the (already scoped) data."""
    dates = pd.concat([ds.purchases["date"], ds.payments["date"]]).dropna()
    names = ds.hospitals.dropna(subset=["hospital_id"]).set_index("hospital_id")["hospital_name"]
    return {
        "batches": sorted(ds.products["batch"].dropna().unique().tolist()),
        "regions": sorted(ds.hospitals["region"].dropna().unique().tolist()),
        "hospitals": {str(k): str(v) if v is not pd.NA else str(k) for k, v in names.fillna(names.index.to_series()).items()},
        "suppliers": sorted(ds.products["supplier"].dropna().unique().tolist()),
        "years": sorted(int(y) for y in pd.unique(ds.agreements["agreement_year"].dropna()))
        if "agreement_year" in ds.agreements.columns else [],
        "min_date": None if dates.empty else dates.min().date(),
        "max_date": None if dates.empty else dates.max().date(),
    }
