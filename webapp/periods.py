"""Glue between the renewal, monthly and region pages and procurement (issue 11), kept out of the pages
so tests can call it without Streamlit. The files are built exactly as the command line builds them
(``procurement renew``, ``procurement report --monthly [--by-region]``): one code path, one file."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from procurement.labels import MONTHLY_LABELS_ZH, PERIOD_LABELS_EN, PROGRESS_STATUS_ZH, RENEWAL_LABELS_ZH
from procurement.model import Dataset
from procurement.monthly import monthly_report, write_monthly_xlsx
from procurement.renewal import Renewal, renew, write_renewal_xlsx
from procurement.settings import Settings
from webapp import formats
from webapp.i18n import t

# Column headers: Chinese as the workbooks write them (one wording), with their English.
COLUMN_TEXT: dict[str, dict[str, str]] = {
    key: {"zh": zh, "en": PERIOD_LABELS_EN.get(key, "")}
    for key, zh in {**RENEWAL_LABELS_ZH, **MONTHLY_LABELS_ZH}.items()
}
KINDS = {
    **dict.fromkeys(("declared_volume", "winning_use", "nonwinning_use", "renewal_volume", "agreed_volume",
                     "this_month", "last_month", "month_change", "required_pace"), formats.VOLUME_FORMAT),
    **dict.fromkeys(("ratio", "completion_change", "completion_rate", "time_elapsed"), formats.PERCENT_FORMAT),
}
UNASSIGNED_REGION = {"zh": "未分地区", "en": "No region"}


def renewal(ds: Dataset, batch: str, ratio: float | None = None, as_of: date | None = None) -> Renewal:
    """The next cycle's declarations of ``batch`` (ratio None: by the number of winners)."""
    return renew(ds, batch, Settings(renewal_ratio=ratio), as_of=as_of)


def renewal_xlsx(result: Renewal) -> bytes:
    """The declaration file, byte for byte what ``procurement renew --out`` writes for the same data."""
    buffer = io.BytesIO()
    write_renewal_xlsx(result, buffer)
    return buffer.getvalue()


def monthly_frame(ds: Dataset, detail: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The monthly report rows of ``detail`` (the report's hospital x product rows), as the CLI builds them."""
    ends = ds.products.drop_duplicates("product_id", keep="last").set_index("product_id")["agreement_end"]
    return monthly_report(detail, ds.purchases, as_of, detail["product_id"].map(ends))


def monthly_xlsx(frame: pd.DataFrame, as_of: date, by_region: bool) -> bytes:
    """The 月报 workbook: one sheet for all, or one per region."""
    buffer = io.BytesIO()
    write_monthly_xlsx(frame, as_of, buffer, by_region=by_region, status_zh=PROGRESS_STATUS_ZH)
    return buffer.getvalue()


def monthly_totals(frame: pd.DataFrame) -> dict[str, float]:
    """The month in three figures: bought this month, last month, and the monthly pace still needed."""
    return {key: float(frame[key].sum()) if len(frame) else 0.0
            for key in ("this_month", "last_month", "required_pace")}


def shown(frame: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """A renewal or monthly table ready for widgets.dataframe: headers as in the workbook (or English),
    volumes and rates in the app's one format, statuses in words."""
    out = frame
    if "progress_status" in out.columns:
        out = out.assign(progress_status=out["progress_status"].map(
            lambda s: t(f"status_{s}", lang) if isinstance(s, str) else s))
    text = {c: COLUMN_TEXT[c][lang] or COLUMN_TEXT[c]["zh"] for c in columns if c in COLUMN_TEXT}
    return formats.table(out, columns, lang, text=text, kinds={c: KINDS[c] for c in columns if c in KINDS})


def region_names(regions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Hospitals without a 所属地区 are a row of their own, named so (a blank bar label reads as a bug)."""
    if "region" not in regions.columns:
        return regions
    filled = regions["region"].astype("string").fillna("").str.strip()
    return regions.assign(region=filled.mask(filled == "", UNASSIGNED_REGION[lang]).astype(object))
