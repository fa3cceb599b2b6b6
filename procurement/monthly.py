"""The monthly report (月报) coordinators send to hospitals: this month against last month and the pace.

Per hospital and signed product: what it bought this month (the month of the as-of date, up to that
day), what it bought last month (the whole previous month), the monthly volume it must buy from this
month on to finish its agreed volume by the period's end, and how much this month moved its
completion. One workbook, one sheet for all or one per region, sent as it is.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from procurement.excel_safety import keep_as_text
from procurement.labels import MONTHLY_LABELS_ZH
from procurement.metrics import ratio

_RATES = {"completion_change", "completion_rate", "time_elapsed"}
_VOLUMES = {"agreed_volume", "this_month", "last_month", "month_change", "required_pace"}


def month_bounds(as_of: date | pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """(first day of last month, first day of this month, as-of): this month runs to the as-of day."""
    day = pd.Timestamp(as_of).normalize()
    this = day.replace(day=1)
    return this - pd.DateOffset(months=1), this, day


def months_left(this_month: pd.Timestamp, period_end: pd.Series) -> np.ndarray:
    """Months from this month to the period's end, both counted (at least 1: the pace of a period that
    has ended is what is still missing, all at once)."""
    end = pd.to_datetime(period_end)
    n = (end.dt.year - this_month.year) * 12 + (end.dt.month - this_month.month) + 1
    return n.fillna(1).clip(lower=1).to_numpy(dtype=float)


def monthly_report(detail: pd.DataFrame, purchases: pd.DataFrame, as_of: date | pd.Timestamp,
                   period_end: pd.Series) -> pd.DataFrame:
    """Per signed hospital x product (``detail`` rows of the report), this and last month's purchases.

    ``purchases``: winning purchase lines or daily totals (hospital_id, product_id, date, quantity);
    ``period_end``: the agreement end of each detail row's product.
    """
    last, this, day = month_bounds(as_of)
    p = purchases[purchases["winning"].astype(bool).to_numpy()] if "winning" in purchases else purchases
    dates = pd.to_datetime(p["date"])
    key = ["hospital_id", "product_id"]

    def bought(start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        rows = p[((dates >= start) & (dates <= end)).to_numpy()]
        return rows.astype({"hospital_id": "string", "product_id": "string"}).groupby(
            key, observed=True)["quantity"].sum()

    now = bought(this, day)
    before = bought(last, this - pd.Timedelta(days=1))
    out = detail.copy()
    pair = pd.MultiIndex.from_arrays([out["hospital_id"].astype("string"), out["product_id"].astype("string")])
    out["this_month"] = now.reindex(pair).fillna(0.0).to_numpy()
    out["last_month"] = before.reindex(pair).fillna(0.0).to_numpy()
    out["month_change"] = out["this_month"] - out["last_month"]
    agreed = out["agreed_volume"].to_numpy(dtype=float)
    before_this = out["purchased_volume"].to_numpy(dtype=float) - out["this_month"].to_numpy(dtype=float)
    remaining = np.clip(agreed - before_this, 0.0, None)
    out["required_pace"] = remaining / months_left(this, period_end.reset_index(drop=True))
    out["completion_change"] = ratio(out["this_month"].to_numpy(dtype=float), agreed)
    return out[[c for c in MONTHLY_LABELS_ZH if c in out.columns]].reset_index(drop=True)


def write_monthly_xlsx(frame: pd.DataFrame, as_of: date | pd.Timestamp, path_or_buffer: Any,
                       by_region: bool = False, status_zh: dict[str, str] | None = None) -> None:
    """The monthly report as a workbook: one sheet for all, or one per region (by_region)."""
    wb = Workbook()
    wb.remove(wb.active)
    day = pd.Timestamp(as_of).date()
    groups = [("全部", frame)] if not by_region else [
        (str(r) if isinstance(r, str) and r else "未分地区", g)
        for r, g in frame.groupby(frame["region"].fillna(""), sort=True)]
    for name, rows in groups:
        ws = wb.create_sheet(_sheet_title(name))
        ws.append([f"带量采购执行月报（{day.year}年{day.month}月，截至 {day.isoformat()}）/ monthly report"])
        ws["A1"].font = Font(bold=True)
        cols = [c for c in MONTHLY_LABELS_ZH if c in rows.columns]
        ws.append([MONTHLY_LABELS_ZH[c] for c in cols])
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
        for record in rows[cols].itertuples(index=False):
            ws.append([_cell(c, v, status_zh) for c, v in zip(cols, record, strict=True)])
        for cells in ws.iter_rows(min_row=3):
            for cell in cells:
                keep_as_text(cell)  # user text (hospital and product names) never becomes a formula
        for i, c in enumerate(cols, start=1):
            fmt = "0.00%" if c in _RATES else "#,##0" if c in _VOLUMES else None
            if fmt:
                for (cell,) in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                    cell.number_format = fmt
    wb.save(path_or_buffer)


def _sheet_title(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:31] or "未分地区"


def _cell(column: str, value: Any, status_zh: dict[str, str] | None) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if column == "progress_status" and status_zh:
        return status_zh.get(str(value), value)
    if isinstance(value, np.generic):
        return value.item()
    return value
