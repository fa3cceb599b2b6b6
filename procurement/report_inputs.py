"""The report's inputs: what every level of the execution report is computed from, prepared once.

:func:`prepare` turns a dataset and an as-of date into :class:`ReportInputs`: the catalogue in the
agreement year in view (indexed by product code once, :class:`Catalogue`), the payment ledger,
purchases summed per key and month, and what the warnings need. It is the fast half of the report:
millions of purchase days go through integer codes here, so the levels of :mod:`procurement.report`
only ever see a few thousand summed rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procurement import funds
from procurement import metrics as m
from procurement.arrays import Coded, first_seen, mixed_radix, sorted_groups
from procurement.ledger import link_payments, match_payments_coded
from procurement.model import Dataset
from procurement.settings import Settings
from procurement.years import agreements_in_view, products_in_view

Codes = tuple[np.ndarray, pd.Index]  # codes of the rows (-1: blank) and the distinct values
# winning purchases dated outside every agreement year, per hospital and product (Report.outside_period)
# (``days``: the days with such purchases, not the purchase lines: the store keeps daily totals, which
# the app reads, and lines of one day would count once there and several times read from files)
OUTSIDE_COLUMNS = ("hospital_id", "product_id", "days", "quantity", "first_date", "last_date")


@dataclass(frozen=True)
class Catalogue:
    """The winning products in view, one row per product (``table``), and the same rows indexed by
    product code (``by_id``), made once for every lookup of the report."""

    table: pd.DataFrame
    by_id: pd.DataFrame

    @classmethod
    def of(cls, table: pd.DataFrame) -> Catalogue:
        return cls(table, table.set_index("product_id"))

    @property
    def blank_ids(self) -> bool:
        """Whether some catalogue row has no product code (the lookups then take pandas' general path)."""
        return bool(self.by_id.index.hasnans)

    def listed(self, uniques: Any) -> np.ndarray:
        """Per distinct product code, whether the catalogue lists it; then one more entry, False, so
        that indexing with the rows' codes (-1: blank) answers for a blank code too: not listed."""
        return np.append(np.asarray(pd.Index(uniques).isin(self.by_id.index), dtype=bool), False)


@dataclass(frozen=True)
class ReportInputs:
    """Everything the levels of the report read, for one as-of date and agreement year."""

    as_of: pd.Timestamp
    settings: Settings
    dataset: Dataset  # direct settlements among the payments; agreements of the year in view
    all_agreements: pd.DataFrame  # every year's, for the warnings
    view: pd.DataFrame  # per product: its agreement year in view (:func:`years.products_in_view`)
    catalogue: Catalogue
    ledger: pd.DataFrame  # deliveries of the year in view and the payments that paid them
    coded: dict[str, Coded] | None  # the ledger's sorted key codes (None: matched the general way)
    other_years_overdue: float  # overdue on deliveries of other years, left out of the ledger
    outside: pd.DataFrame  # winning purchases dated outside every agreement year (OUTSIDE_COLUMNS)
    runs: pd.DataFrame  # purchase rows summed per key and month, after as_of too (:func:`_month_runs`)
    run_codes: Codes  # the runs' product codes and the codes' values
    purchases: pd.DataFrame  # the runs up to as_of with catalogue names and prices (:func:`_purchases`)
    product: Codes | None  # their product codes (None on the general path)
    summed: pd.DataFrame  # purchases summed over months per hospital and drug row (:func:`_collapse`)
    unknown: int  # purchase rows up to as_of whose product code is not in the catalogue


def prepare(
    dataset: Dataset, as_of: date | None = None, settings: Settings | None = None, year: int | None = None
) -> ReportInputs:
    """The report's inputs as of a date (default: the latest date in the data), for agreement year
    ``year`` of each product (default: the year that contains as_of)."""
    settings = settings or Settings()
    ts = pd.Timestamp(as_of or _default_as_of(dataset)).normalize()
    dataset = _with_direct_settlements(dataset)
    view = products_in_view(dataset.products, ts, year)
    all_agreements = dataset.agreements
    dataset = dataset.with_table("agreements", agreements_in_view(all_agreements, view["agreement_year"],
                                                                  settings.carry_agreed_volume, view["n_years"]))
    cat = Catalogue.of(_in_view(_catalogue(dataset), view))
    all_codes = codes_of(dataset.purchases["product_id"].array)  # hashed once for the whole report
    # payments are matched to delivery days; every other figure reads purchases summed per key and month
    kept = _up_to(dataset.purchases, ts)
    deliveries, known = _deliveries(dataset.purchases, kept, cat, all_codes)
    ledger, coded = match_payments_coded(deliveries, _payments(dataset, cat, ts), known, categorical=True,
                                         payment_days=settings.payment_days)
    ledger, coded, other_years_overdue = _ledger_in_year(ledger, coded, cat, ts, settings)
    in_year = _in_year(dataset.purchases, kept, all_codes, cat)
    runs, run_codes = _month_runs(dataset.purchases, in_year, all_codes)
    purchases, product = _purchases(runs, cat, run_codes, all_codes[1])
    return ReportInputs(
        as_of=ts, settings=settings, dataset=dataset, all_agreements=all_agreements, view=view, catalogue=cat,
        ledger=ledger, coded=coded, other_years_overdue=other_years_overdue,
        outside=_outside_period(dataset.purchases, kept, all_codes, cat),
        runs=runs, run_codes=(run_codes, all_codes[1]), purchases=purchases, product=product,
        summed=_collapse(purchases, product, codes_of(purchases["hospital_id"].array)),
        unknown=_unknown_rows(kept, all_codes, cat),
    )


def _default_as_of(dataset: Dataset) -> date:
    """Latest purchase or payment date; without any, the latest agreement start, else today."""
    latest = [d.max() for d in (dataset.purchases["date"], dataset.payments["date"]) if d.notna().any()]
    if latest:
        return pd.Timestamp(max(latest)).date()
    starts = dataset.products["agreement_start"].dropna()
    return pd.Timestamp(starts.max()).date() if len(starts) else date.today()


def _catalogue(dataset: Dataset) -> pd.DataFrame:
    """One row per product with its price drop (a re-imported product keeps its last row).

    ``signed_drop``: the drop of products with an agreed volume (NaN for the others), what every
    level's mean and max price drop are taken over (metrics.md: products with an agreed volume in scope).
    """
    p = dataset.products.drop_duplicates("product_id", keep="last").copy()
    p["drop"] = np.asarray(m.price_drop(p["unit_price"], p["baseline_price"]), dtype="float64")
    ag = dataset.agreements
    agreed = ag["agreed_volume"].groupby(ag["product_id"].astype("string")).sum()
    signed = p["product_id"].astype("string").map(agreed).fillna(0.0).to_numpy(dtype="float64") > 0
    p["signed_drop"] = np.where(signed, p["drop"].to_numpy(), np.nan)
    p["drug"] = drug_key(p)
    return p.reset_index(drop=True)


def _up_to(purchases: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Which purchase rows are dated no later than as_of (undated: not), worked out once per report."""
    return purchases["date"].to_numpy(dtype="datetime64[ns]") <= np.datetime64(as_of, "ns")  # NaT: False


def _month_runs(purchases: pd.DataFrame, keep: np.ndarray, all_codes: Codes) -> tuple[pd.DataFrame, np.ndarray]:
    """Purchase rows summed over each run of consecutive rows with the same key and month.

    Every figure but payment matching needs purchases per hospital, drug and month at the finest,
    so the report sums them here once instead of carrying millions of days through every step.
    Rows read from the store come sorted by key and day, so a run is a whole key-month; other
    rows (files, in their own order) make shorter runs, summed all the same. Rows not in ``keep``
    (:func:`_up_to`: after as_of, or undated) form runs of their own per key, marked ``kept``
    False: only the non-winning products known to the tool look at them.

    Quantities are summed with blanks as 0; amounts with blanks left out, and ``unpriced`` holds
    the quantity of rows without an amount, which :func:`_purchases` prices as a row would be.
    Returns the runs and each run's first row's product code.
    """
    n = len(purchases)
    dates = purchases["date"].to_numpy(dtype="datetime64[ns]")
    month = np.full(n, -1, dtype=np.int64)
    month[keep] = month_numbers(dates[keep])
    quantity = np.nan_to_num(purchases["quantity"].to_numpy(dtype="float64"))
    amount = purchases["amount"].to_numpy(dtype="float64")
    blank = np.isnan(amount)
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
        columns = [month, all_codes[0], *(_comparable(purchases[c].array) for c in _RUN_KEYS)]
        for values in columns:
            change[1:] |= values[1:] != values[:-1]
    starts = np.flatnonzero(change)
    out = pd.DataFrame({c: purchases[c].array.take(starts) for c in purchases.columns if c != "order_id"})
    if starts.size == n:  # nothing to sum: no reduceat pass over every row
        out["quantity"], out["amount"] = quantity, np.where(blank, 0.0, amount)
        out["unpriced"] = np.where(blank, quantity, 0.0)
    else:
        out["quantity"] = np.add.reduceat(quantity, starts)
        out["amount"] = np.add.reduceat(np.where(blank, 0.0, amount), starts)
        out["unpriced"] = np.add.reduceat(np.where(blank, quantity, 0.0), starts)
    out["kept"] = keep[starts]
    return out, all_codes[0][starts]


_RUN_KEYS = ("hospital_id", "generic_name", "specification", "supplier")  # with product_id and month


def _comparable(values: Any) -> np.ndarray:
    """A column as an array whose neighbours compare equal exactly when the values are (blanks too):
    a Categorical's codes, else the values as objects with None for blank (comparing neighbours is
    one pass; hashing millions of strings is a few)."""
    if isinstance(values, pd.Categorical):
        return values.codes
    return np.asarray(values.to_numpy(dtype=object, na_value=None), dtype=object)


def _purchases(
    runs: pd.DataFrame, cat: Catalogue, run_codes: np.ndarray, uniques: Any
) -> tuple[pd.DataFrame, Codes | None]:
    """Purchase runs up to as_of (:func:`_month_runs`), winning flag from the catalogue, drug names
    and amounts filled; unknown products left out.

    No ``drug`` column: :func:`_collapse` adds it to the far fewer summed rows. Also the rows'
    product codes (None on the general path), so later steps need not hash the ids again.
    ``run_codes``: product codes of the runs into ``uniques``.
    """
    keep = runs["kept"].to_numpy(dtype=bool)
    pu = runs[keep]
    info = cat.by_id
    if cat.blank_ids:  # a catalogue row without a code: keep the general (slow) lookups
        return _purchases_general(pu.drop(columns="kept"), info), None
    # every lookup on the few distinct product codes, then spread to the rows by code
    codes = run_codes[keep]
    known = cat.listed(uniques)[codes]
    rows = np.flatnonzero(known | (codes < 0))
    out = pd.DataFrame({c: pu[c].array.take(rows) for c in pu.columns if c not in ("kept", "unpriced")})
    codes, known = codes[rows], known[rows]
    picked = info.reindex(uniques.astype(object))
    filled = codes[known]
    for col in ("generic_name", "specification", "supplier"):
        out[col] = _set_known(out[col].array, known, picked[col], filled)
    out["winning"] = known
    price = np.full(len(out), np.nan)
    price[known] = picked["unit_price"].to_numpy(dtype="float64")[filled]
    out["amount"] = _priced(out["amount"].to_numpy(), pu["unpriced"].to_numpy()[rows], price)
    return out, (codes, uniques)


def _priced(amount: np.ndarray, unpriced: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Amounts plus the unpriced quantity at the unit price (no price: as a blank amount, nothing)."""
    extra = unpriced * price
    return amount + np.where(np.isnan(extra), 0.0, extra)


def _unknown_rows(keep: np.ndarray, all_codes: Codes, cat: Catalogue) -> int:
    """Purchase rows up to as_of (``keep``) whose product code is not in the catalogue (left out, warned)."""
    codes, uniques = all_codes
    unknown = ~cat.listed(uniques)
    unknown[-1] = False  # code -1 (blank): no code, so not an unknown one
    return int((unknown[codes] & keep).sum())


def _deliveries(
    purchases: pd.DataFrame, keep: np.ndarray, cat: Catalogue, all_codes: Codes
) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, Any]]]:
    """Winning purchase days up to as_of (``keep``) for payment matching: date and amount (blank:
    volume x unit price), with codes of their hospital, product and supplier (:func:`_delivery_codes`)."""
    dates = purchases["date"].to_numpy(dtype="datetime64[ns]")
    info = cat.by_id
    if cat.blank_ids:  # general path: every row looked up by pandas
        rows = np.flatnonzero(keep)
        pu = _purchases_general(pd.DataFrame({c: purchases[c].array.take(rows) for c in purchases.columns}), info)
        pu = pu[pu["winning"]]
        known = _delivery_codes(np.arange(len(pu)), pu["hospital_id"].array, None, cat)
        return pd.DataFrame({c: pu[c].array for c in ("product_id", "supplier", "date", "amount")}), known
    codes, uniques = all_codes
    win = cat.listed(uniques)[codes] & keep
    rows = np.flatnonzero(win)
    amount = purchases["amount"].to_numpy(dtype="float64")[rows]
    blank = np.flatnonzero(np.isnan(amount))
    if blank.size:
        price = info["unit_price"].reindex(uniques.astype(object)).to_numpy(dtype="float64")
        amount[blank] = purchases["quantity"].to_numpy(dtype="float64")[rows[blank]] * price[codes[rows[blank]]]
    known = _delivery_codes(rows, purchases["hospital_id"].array, all_codes, cat)
    return pd.DataFrame({"date": dates[rows], "amount": amount}), known


def _set_known(values: Any, known: np.ndarray, per_product: pd.Series, filled: np.ndarray) -> Any:
    """``values`` with each known row's value replaced by its product's (``filled``: product codes).

    Categorical columns are changed on their codes: setting millions of items of a Categorical
    checks each one against the categories (a second per column). Catalogue values not among the
    categories are appended to them, so the existing codes stay as they are.
    """
    if isinstance(values, pd.Categorical):
        wanted = per_product.to_numpy(dtype=object, na_value=None)
        categories = values.categories
        extra = pd.unique(np.asarray([v for v in wanted if v is not None and v not in categories], dtype=object))
        if len(extra):
            categories = categories.append(pd.Index(extra, dtype=categories.dtype))
        codes = values.codes.astype(np.int64)
        codes[known] = categories.get_indexer(wanted)[filled]  # -1 (blank) where the catalogue has none
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories, ordered=values.ordered))
    values = values.copy()
    values[known] = per_product.astype("string").array.take(filled)
    return values


def as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as ``string`` dtype: the general (slow) paths and small results use strings."""
    cats = {c: frame[c].astype("string") for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.assign(**cats) if cats else frame


def _purchases_general(pu: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """:func:`_purchases` by plain pandas lookups (any catalogue, however odd); purchase rows (with
    ``amount`` blank where unknown) or runs (with ``unpriced``) alike."""
    pu = as_strings(pu)
    known = pu["product_id"].isin(info.index)
    pu["winning"] = known.to_numpy()
    for col in ("generic_name", "specification", "supplier"):
        pu[col] = pu[col].mask(known, pu["product_id"].map(info[col]))
    price = pu["product_id"].map(info["unit_price"]).astype("float64")
    if "unpriced" in pu.columns:
        pu["amount"] = _priced(pu["amount"].to_numpy(), pu.pop("unpriced").to_numpy(), price.to_numpy())
    else:
        pu["amount"] = pu["amount"].fillna(pu["quantity"] * price)
    pu["quantity"] = pu["quantity"].fillna(0.0)
    return pu[known | pu["product_id"].isna()].reset_index(drop=True)


_EXACT_INT = 2.0**53  # float64 adds whole numbers below this exactly, in any order


def _collapse(
    purchases: pd.DataFrame, product: Codes | None = None, hospital: Codes | None = None
) -> pd.DataFrame:
    """Purchases summed over days per hospital and drug row (winning: per product), with ``drug``.

    Volume-share and cell figures only need these sums. Exact: a winning product's rows all fall in
    one group, summed in row order as a direct groupby would, and the volumes regrouped later are
    whole numbers (else the rows are returned unsummed, as before).
    """
    q = purchases["quantity"].to_numpy(dtype="float64")
    if len(q) == 0 or not (np.all(np.floor(q) == q) and np.abs(q).sum() < _EXACT_INT):
        return as_strings(purchases).assign(drug=drug_key(purchases))
    win = purchases["winning"].to_numpy(dtype=bool)
    hosp, hosps = hospital if hospital is not None else pd.factorize(purchases["hospital_id"])
    prod, prods = product if product is not None else pd.factorize(purchases["product_id"])
    key = np.where(win, mixed_radix((hosp, len(hosps)), (prod, len(prods))), -1)
    other = np.flatnonzero(~win)
    if other.size:
        # any codes that tell the values apart will do (a Categorical's own: nothing to hash)
        parts = [codes_of(purchases[c].array.take(other)) for c in ("generic_name", "specification", "supplier")]
        drug_row = first_seen((hosp[other], len(hosps)), *((codes, len(values)) for codes, values in parts))
        key[other] = -2 - drug_row
    group, first = sorted_groups(key - key.min())
    # renumber the groups in order of first appearance (the order a factorisation of ``key`` gives)
    order = np.argsort(first)
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    group, first = rank[group], first[order]
    amount = pd.Series(purchases["amount"].to_numpy(dtype="float64"))
    amount = amount.groupby(by_codes(group, first.size), sort=True, observed=True).sum()
    cols = ["hospital_id", "product_id", "generic_name", "specification", "supplier"]
    out = as_strings(pd.DataFrame({c: purchases[c].array.take(first) for c in cols}))
    out["quantity"] = np.bincount(group, weights=q, minlength=first.size)  # whole numbers: exact in any order
    out["amount"] = amount.to_numpy()
    out["winning"] = win[first]
    out["drug"] = drug_key(out)
    return out


def by_codes(group: np.ndarray, k: int) -> pd.Categorical:
    """A groupby key for rows numbered 0..k-1 already: pandas reads the numbers instead of hashing
    them (with observed=True); the groups, their order and their sums are those of ``group``."""
    return pd.Categorical.from_codes(group, categories=pd.RangeIndex(k))


def _delivery_codes(
    rows: np.ndarray, hospital: Any, product: Codes | None, cat: Catalogue
) -> dict[str, tuple[np.ndarray, Any]]:
    """Codes of the winning rows (positions ``rows``) of hospital, product and supplier for payment
    matching; ``hospital``: the column's values.

    A winning row's supplier is its product's catalogue supplier, so it is coded per product, not
    per row. A Categorical's codes are taken at the rows in their small integer type first.
    """
    if isinstance(hospital, pd.Categorical):
        h = (hospital.codes.take(rows).astype(np.int64), hospital.categories)
    else:
        codes, uniques = pd.factorize(hospital.take(rows))
        h = (codes, uniques)
    out: dict[str, tuple[np.ndarray, Any]] = {"hospital_id": h}
    if product is not None:
        codes, uniques = product
        picked = codes.take(rows)
        out["product_id"] = (picked, uniques)
        supplier = cat.by_id["supplier"].astype("string").reindex(uniques)
        by_product, suppliers = pd.factorize(supplier.to_numpy(dtype=object, na_value=None))
        out["supplier"] = (np.append(by_product, -1).take(picked), suppliers)  # product -1 (blank): -1
    return out


def _payments(dataset: Dataset, cat: Catalogue, as_of: pd.Timestamp) -> pd.DataFrame:
    """Payments on or before as_of, with delivery day, product and supplier taken from the invoice,
    order or distributor they name in their own hospital (:func:`ledger.link_payments`)."""
    pay = dataset.payments
    pay = link_payments(pay[pay["date"].notna() & (pay["date"] <= as_of)], dataset.purchases)
    info = cat.by_id["supplier"]
    codes, uniques = pd.factorize(pay["product_id"])  # each distinct product looked up once
    listed = cat.listed(uniques)[codes]
    their = np.append(pd.Series(uniques.map(info)).astype("string").to_numpy(), pd.NA)[codes]
    pay["supplier"] = pay["supplier"].mask(listed, their)
    return pay.reset_index(drop=True)


def drug_key(frame: pd.DataFrame) -> pd.Series:
    """One key per drug (generic name + specification); NA when either is missing."""
    g = frame["generic_name"].to_numpy(dtype=object, na_value=None)
    sp = frame["specification"].to_numpy(dtype=object, na_value=None)
    missing = pd.isna(g) | pd.isna(sp)
    keys = np.where(missing, "", g) + "\x1f" + np.where(missing, "", sp)  # object arrays add elementwise
    keys[missing] = None
    return pd.Series(keys, index=frame.index, dtype=object)


def _in_view(catalogue: pd.DataFrame, view: pd.DataFrame) -> pd.DataFrame:
    """The catalogue on each product's agreement year in view: ``agreement_start``/``agreement_end``
    become that year's first and last day (what time elapsed, warnings and periods read), the whole
    period kept as ``period_first``/``period_last``, and ``agreement_year`` the year."""
    out = catalogue.copy()
    out["period_first"] = out["agreement_start"]
    out["period_last"] = out["agreement_end"]
    by = out["product_id"]
    out["agreement_year"] = by.map(view["agreement_year"]).fillna(1).astype("int64")
    out["agreement_start"] = by.map(view["year_start"]).astype("datetime64[ns]")
    out["agreement_end"] = by.map(view["year_end"]).astype("datetime64[ns]")
    # a year asked for that the product does not have (its period is shorter): nothing counts toward it
    out["no_year"] = out["period_first"].notna() & out["period_last"].notna() & out["agreement_start"].isna()
    return out


_NO_LOW, _NO_HIGH = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def _bounds(cat: Catalogue, uniques: Any, first: str, last: str, others: tuple[int, int]
            ) -> tuple[np.ndarray, np.ndarray]:
    """Per product code (``uniques``, then one more for blank and unknown codes: ``others``) the first
    and last day (int64 ns) of ``first``..``last``; no bound where the catalogue has none."""
    info = cat.by_id
    at = pd.Index(pd.Index(uniques).astype(object))
    lo = info[first].reindex(at).to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    hi = info[last].reindex(at).to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    known = cat.listed(at)[:-1]
    lo[~known | (lo == _NO_LOW)] = _NO_LOW
    hi[~known | (hi == _NO_LOW)] = _NO_HIGH
    if first == "agreement_start" and "no_year" in info.columns:  # no such year: an empty period
        none = info["no_year"].reindex(at, fill_value=False).to_numpy(dtype=bool)
        lo[none], hi[none] = _NO_HIGH, _NO_LOW
    lo[~known], hi[~known] = others
    return np.append(lo, others[0]), np.append(hi, others[1])  # code -1 (blank): the last


def _dated(purchases: pd.DataFrame, keep: np.ndarray, codes: np.ndarray, lo: np.ndarray, hi: np.ndarray
           ) -> np.ndarray:
    """Rows of ``keep`` dated within their product's [lo, hi] (one gather per bound; none at all when
    every kept date lies within every bound, the usual single-year case)."""
    day = purchases["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    if not keep.any():
        return keep
    kept_days = day[keep]
    if kept_days.min() >= lo.max() and kept_days.max() <= hi.min():
        return keep
    return keep & (day >= lo[codes]) & (day <= hi[codes])


def _in_year(purchases: pd.DataFrame, keep: np.ndarray, all_codes: Codes, cat: Catalogue) -> np.ndarray:
    """Purchase rows up to as_of (``keep``) dated in their product's agreement year in view.

    Exact to the day, on the rows themselves (two integer gathers), before they are summed per month:
    a month that a year boundary splits (a period starting 2026-04-15) gives two runs, one per side.
    Non-winning rows (no product, so no period of their own) are held to the span of all products'
    years in view, exact when the products of a drug share their period (a batch).
    """
    years = cat.table.dropna(subset=["agreement_start", "agreement_end"])
    absent = bool(cat.table["no_year"].any())
    if years.empty and not absent:
        return keep
    others = ((int(years["agreement_start"].min().value), int(years["agreement_end"].max().value))
              if len(years) else (_NO_HIGH, _NO_LOW))  # every product outside its years: nothing
    lo, hi = _bounds(cat, all_codes[1], "agreement_start", "agreement_end", others)
    return _dated(purchases, keep, all_codes[0], lo, hi)


def _outside_period(purchases: pd.DataFrame, keep: np.ndarray, all_codes: Codes, cat: Catalogue
                    ) -> pd.DataFrame:
    """Winning purchases up to as_of dated before their product's agreement start or after its end:
    counted for no year's completion (domain.md), listed per hospital and product with the number of
    days they fall on (order lines or daily totals: the same list)."""
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in OUTSIDE_COLUMNS[:2]}
                         | {"days": pd.Series(dtype="int64"), "quantity": pd.Series(dtype="float64"),
                            "first_date": pd.Series(dtype="datetime64[ns]"),
                            "last_date": pd.Series(dtype="datetime64[ns]")})
    lo, hi = _bounds(cat, all_codes[1], "period_first", "period_last", (_NO_LOW, _NO_HIGH))
    inside = _dated(purchases, keep, all_codes[0], lo, hi)
    rows = np.flatnonzero(keep & ~inside)
    if rows.size == 0:
        return empty
    out = pd.DataFrame({
        "hospital_id": pd.array(purchases["hospital_id"].array.take(rows), dtype="string"),
        "product_id": pd.array(purchases["product_id"].array.take(rows), dtype="string"),
        "quantity": np.nan_to_num(purchases["quantity"].to_numpy(dtype="float64")[rows]),
        "date": purchases["date"].to_numpy(dtype="datetime64[ns]")[rows],
    })
    g = out.groupby(["hospital_id", "product_id"], sort=True)
    return pd.DataFrame({"days": g["date"].nunique(), "quantity": g["quantity"].sum(), "first_date": g["date"].min(),
                         "last_date": g["date"].max()}).reset_index()[list(OUTSIDE_COLUMNS)]


def _ledger_in_year(
    ledger: pd.DataFrame, coded: dict[str, Coded], cat: Catalogue, as_of: pd.Timestamp, settings: Settings,
) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, int]], float]:
    """The ledger rows of deliveries in their product's year in view (and payments that paid no
    delivery): a year's on-time rate and overdue amounts are those of its own deliveries. The ledger
    itself is matched over every delivery, so last year's payments pay last year's deliveries first.
    Also the overdue amount left out (deliveries of other years or outside the period), for a warning.
    """
    if ledger.empty:
        return ledger, coded, 0.0
    codes, uniques = codes_of(ledger["product_id"].array)
    lo, hi = _bounds(cat, uniques, "agreement_start", "agreement_end", (_NO_LOW, _NO_HIGH))
    day = ledger["delivery_date"].to_numpy(dtype="datetime64[ns]")
    undated = np.isnat(day)
    d = day.view(np.int64)
    dated = d[~undated]
    if dated.size == 0 or (dated.min() >= lo.max() and dated.max() <= hi.min()):  # all in every year: as is
        return ledger, coded, 0.0
    keep = undated | ((d >= lo[codes]) & (d <= hi[codes]))
    if keep.all():
        return ledger, coded, 0.0
    dropped = ~keep & ledger["pay_date"].isna().to_numpy()
    age = (np.datetime64(as_of, "ns") - day[dropped]) / np.timedelta64(1, "D")
    overdue = float(ledger["amount"].to_numpy(dtype="float64")[dropped][age > settings.payment_days].sum())
    rows = np.flatnonzero(keep)
    out = ledger.take(rows).reset_index(drop=True)
    return out, {k: (c[rows], n) for k, (c, n) in coded.items()}, overdue


def _with_direct_settlements(dataset: Dataset) -> Dataset:
    """The fund's direct settlements (直接结算) are payments: they pay deliveries like any other."""
    direct = funds.as_payments(dataset.fund_transfers) if len(dataset.fund_transfers) else None
    if direct is None or direct.empty:
        return dataset
    return dataset.with_table("payments", pd.concat([dataset.payments, direct], ignore_index=True))


def month_numbers(dates: np.ndarray) -> np.ndarray:
    """Months since 1970 of dates (datetime64[ns], no NaT), looked up per distinct day.

    Casting millions of dates to months works out a calendar date for each; dates span few days.
    """
    if dates.size == 0:
        return np.zeros(0, dtype=np.int64)
    day = dates.view(np.int64) // np.timedelta64(1, "D").astype("timedelta64[ns]").astype(np.int64)
    low, high = int(day.min()), int(day.max())
    if high - low > 1_000_000:
        return dates.astype("datetime64[M]").astype(np.int64)
    table = np.arange(low, high + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return table[day - low]


def codes_of(values: Any) -> tuple[np.ndarray, Any]:
    """Codes (-1: blank) and the values they number: a Categorical's own, else by factorising."""
    if isinstance(values, pd.Categorical):
        return values.codes.astype(np.int64), values.categories
    return pd.factorize(values)

