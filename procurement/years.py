"""Agreement years (协议年度): each year of a multi-year agreement period is a period of its own.

domain.md, "The whole agreement period": agreed volumes are set per agreement year; each year is its
own period for time elapsed, completion, grading and retained savings; a purchase counts toward the
year whose period contains its delivery date; a later year with no agreed volume takes the previous
year's (``Settings.carry_agreed_volume``).

Year k of a product whose agreement runs ``start`` .. ``end`` is ``start + (k-1) years`` ..
``start + k years - 1 day``, capped at ``end``; the product has as many years as start days up to its
end (a 2-year period 2025-04-15 .. 2027-04-14 has years 1 and 2; a period 2025-01-01 .. 2025-12-31
has one). A start on 29 February steps to 28 February in other years (pandas' DateOffset).

The report shows one year per product at a time, "the year in view": the one asked for, else the
one that contains as-of (before the first year: year 1; after the last: the last).
"""

from __future__ import annotations

import pandas as pd

YEAR_COLUMNS = ("agreement_year", "year_start", "year_end", "n_years")


def year_period(start: pd.Timestamp, end: pd.Timestamp, year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of agreement year ``year`` (1, 2, ...) of the period ``start`` .. ``end``."""
    first = start + pd.DateOffset(years=year - 1)
    last = start + pd.DateOffset(years=year) - pd.Timedelta(days=1)
    return first, min(last, end)


def n_years(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """How many agreement years the period has (each starts on or before ``end``); 0 when end < start."""
    if end < start:
        return 0
    k = max(end.year - start.year + 1, 1)
    while k > 1 and start + pd.DateOffset(years=k - 1) > end:
        k -= 1
    return k


def year_in_view(start: pd.Timestamp, end: pd.Timestamp, as_of: pd.Timestamp) -> int:
    """The agreement year containing ``as_of``: before the start year 1, after the end the last year."""
    last = n_years(start, end)
    if last <= 1 or as_of <= start:
        return 1
    k = min(max(as_of.year - start.year + 1, 1), last)
    while k > 1 and start + pd.DateOffset(years=k - 1) > as_of:
        k -= 1
    return k


def products_in_view(products: pd.DataFrame, as_of: pd.Timestamp, year: int | None = None) -> pd.DataFrame:
    """Per product (index product_id): the agreement year in view, its first and last day, the number
    of years. A product without a whole period (start or end blank): year ``year`` or 1, no days (NaT).
    A year asked for beyond a product's last year: that year, no days (the product has no such year).
    """
    rows = []
    for pid, start, end in products[["product_id", "agreement_start", "agreement_end"]].itertuples(index=False):
        if pd.isna(start) or pd.isna(end):
            rows.append((pid, year or 1, pd.NaT, pd.NaT, 0))
            continue
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        count = n_years(start, end)
        k = year if year is not None else year_in_view(start, end, as_of)
        first, last = year_period(start, end, k) if 1 <= k <= count else (pd.NaT, pd.NaT)
        rows.append((pid, k, first, last, count))
    out = pd.DataFrame(rows, columns=["product_id", *YEAR_COLUMNS])
    out["year_start"] = pd.to_datetime(out["year_start"]).astype("datetime64[ns]")
    out["year_end"] = pd.to_datetime(out["year_end"]).astype("datetime64[ns]")
    return out.drop_duplicates("product_id", keep="last").set_index("product_id")


def agreements_in_view(
    agreements: pd.DataFrame, view: pd.Series, carry: bool = True, years: pd.Series | None = None
) -> pd.DataFrame:
    """The agreement rows of each product's year in view (``view``: product_id -> year).

    A hospital x product with no row for that year takes its latest earlier year's rows when
    ``carry`` (domain.md: a later year with no agreed volume given takes the previous year's).
    Rows of one hospital, product and year are all kept (the report sums them). A blank year is 1.
    The rows keep their own ``agreement_year``; ``view_year`` says which year they stand for.
    ``years``: product_id -> its number of years; a year in view beyond them has no agreed volume
    (nothing carries into a year the period does not have).
    """
    ag = agreements.copy()
    ag["agreement_year"] = ag["agreement_year"].astype("float64").fillna(1.0)
    ag["view_year"] = ag["product_id"].map(view).astype("float64").fillna(1.0)
    if years is not None:
        count = ag["product_id"].map(years).astype("float64")
        ag = ag[~((count > 0) & (ag["view_year"] > count))]
    ag = ag[(ag["agreement_year"] <= ag["view_year"]) if carry else (ag["agreement_year"] == ag["view_year"])]
    if ag.empty:
        return ag.reset_index(drop=True)
    latest = ag.groupby(["hospital_id", "product_id"], dropna=False)["agreement_year"].transform("max")
    return ag[ag["agreement_year"] == latest].reset_index(drop=True)
