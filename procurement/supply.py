"""Supply monitoring (供应监测): delivery rate, 48-hour deliveries and shortages (metrics.md).

Pure functions over the order lines that carry an ordered quantity or an order date (``Dataset.
order_lines``; from files, the purchase lines themselves) and the shortage register. Hospitals rank
supply problems first among their complaints about volume-based procurement, and a supplier with open
shortages is where a disruption re-plan (``optimizer replan``) starts.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from procurement.metrics import ratio

DELIVERY_COLUMNS = ("ordered_quantity", "delivered_quantity", "delivered_48h", "delivery_rate", "delivered_48h_share")
_48H_DAYS = 2  # dates carry no time of day: delivered on the order's day or the next two counts as 48 hours


def delivery_rate(delivered: float | np.ndarray, ordered: float | np.ndarray) -> float | np.ndarray:
    """配送率: delivered / ordered quantity, over order lines that carry both."""
    return ratio(delivered, ordered)


def delivered_48h_share(delivered_48h: float | np.ndarray, ordered: float | np.ndarray) -> float | np.ndarray:
    """48小时配送率: the share of the ordered quantity delivered within 48 hours of its order date."""
    return ratio(delivered_48h, ordered)


def is_open(start: pd.Series, end: pd.Series, as_of: date | pd.Timestamp) -> np.ndarray:
    """Shortages open on ``as_of``: started on or before it and not closed on or before it."""
    day = pd.Timestamp(as_of).normalize()
    started = (start <= day).to_numpy(dtype=bool, na_value=False)
    closed = (end <= day).to_numpy(dtype=bool, na_value=False)
    return started & ~closed


def failing_suppliers(shortages: pd.DataFrame | None, as_of: date | pd.Timestamp) -> list[str]:
    """Suppliers with a shortage open on ``as_of`` (:func:`is_open`), sorted: the failing winners that a
    disruption re-plan starts from (domain.md), by the rule of the open_shortages count."""
    if shortages is None or len(shortages) == 0:
        return []
    mask = is_open(pd.to_datetime(shortages["start_date"]), pd.to_datetime(shortages["end_date"]), as_of)
    return sorted(set(shortages.loc[mask, "supplier"].dropna().astype(str)))


def delivery_lines(lines: pd.DataFrame, as_of: date | pd.Timestamp) -> pd.DataFrame:
    """Per line up to ``as_of``: ordered, delivered and delivered-within-48-hours quantities.

    A line with an ordered quantity counts that as ordered; a line with only an order date counts
    what it received as ordered (it was delivered in full, perhaps late). Lines with neither say
    nothing about delivery and are dropped.
    """
    cols = ["ordered_quantity", "order_date"]
    if len(lines) == 0 or not all(c in lines.columns for c in cols):
        return pd.DataFrame(columns=["hospital_id", "product_id", "supplier", "distributor", *DELIVERY_COLUMNS[:3]])
    day = pd.Timestamp(as_of).normalize()
    ordered = lines["ordered_quantity"].astype("float64")
    order_date = pd.to_datetime(lines["order_date"])
    keep = (ordered.notna() | order_date.notna()) & (pd.to_datetime(lines["date"]) <= day)
    lines = lines[keep.to_numpy(dtype=bool)]
    received = lines["quantity"].astype("float64").fillna(0.0)
    ordered = lines["ordered_quantity"].astype("float64").fillna(received)
    waited = (pd.to_datetime(lines["date"]) - pd.to_datetime(lines["order_date"])).dt.days
    in_time = (waited <= _48H_DAYS).to_numpy(dtype=bool, na_value=False)
    dated = lines["order_date"].notna().to_numpy()
    return pd.DataFrame({
        "hospital_id": lines["hospital_id"].astype("string").to_numpy(),
        "product_id": lines["product_id"].astype("string").to_numpy(),
        "supplier": lines["supplier"].astype("string").to_numpy(),
        "distributor": lines["distributor"].astype("string").to_numpy() if "distributor" in lines else pd.NA,
        "ordered_quantity": ordered.to_numpy(),
        "delivered_quantity": received.to_numpy(),
        # the 48-hour share counts only lines with an order date; others add to neither side of it
        "ordered_dated": np.where(dated, ordered.to_numpy(), 0.0),
        "delivered_48h": np.where(in_time, received.to_numpy(), 0.0),
    })


def delivery_figures(lines: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``delivery_lines`` summed by ``by`` (empty ``by``: one row in total), with the two rates."""
    if len(lines) == 0:
        return pd.DataFrame(columns=[*by, *DELIVERY_COLUMNS])
    sums = ["ordered_quantity", "delivered_quantity", "ordered_dated", "delivered_48h"]
    g = lines.groupby(by, dropna=True)[sums].sum().reset_index() if by else lines[sums].sum().to_frame().T
    g["delivery_rate"] = delivery_rate(g["delivered_quantity"].to_numpy(), g["ordered_quantity"].to_numpy())
    share = delivered_48h_share(g["delivered_48h"].to_numpy(), g["ordered_dated"].to_numpy())
    g["delivered_48h_share"] = share
    return g.drop(columns="ordered_dated")


def open_shortages(shortages: pd.DataFrame, as_of: date | pd.Timestamp, by: list[str]) -> pd.DataFrame:
    """缺货数: shortages open on ``as_of``, counted by ``by`` (empty: one row in total)."""
    if len(shortages) == 0:
        return pd.DataFrame(columns=[*by, "open_shortages"])
    mask = is_open(pd.to_datetime(shortages["start_date"]), pd.to_datetime(shortages["end_date"]), as_of)
    rows = shortages[mask]
    if not by:
        return pd.DataFrame({"open_shortages": [len(rows)]})
    return rows.groupby(by, dropna=True).size().rename("open_shortages").reset_index()


def days_short(shortages: pd.DataFrame, as_of: date | pd.Timestamp, by: list[str]) -> pd.DataFrame:
    """Days each shortage was open up to ``as_of`` (start day and last open day both counted), summed."""
    if len(shortages) == 0:
        return pd.DataFrame(columns=[*by, "days_short"])
    day = pd.Timestamp(as_of).normalize()
    start = pd.to_datetime(shortages["start_date"])
    end = pd.to_datetime(shortages["end_date"])
    last = end.where(end.notna() & (end <= day), day + pd.Timedelta(days=1)) - pd.Timedelta(days=1)
    days = ((last - start).dt.days + 1).clip(lower=0).fillna(0)
    frame = shortages.assign(days_short=days.to_numpy())
    return frame.groupby(by, dropna=True)["days_short"].sum().reset_index()
