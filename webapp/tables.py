"""Tables as users read them: names on ids, Chinese headers, the app's one number format. Pure pandas."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from procurement.metrics import behind_schedule
from webapp import formats
from webapp.charts import product_label
from webapp.i18n import t


def with_names(frame: pd.DataFrame, hospitals: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Add hospital and product names to a frame keyed by ids, so nobody reads codes on screen."""
    out = frame
    if "hospital_id" in out and "hospital_name" not in out and not hospitals.empty:
        names = hospitals[["hospital_id", "hospital_name", "region"]].drop_duplicates("hospital_id")
        out = out.merge(names, on="hospital_id", how="left")
    if "product_id" in out and "generic_name" not in out and not products.empty:
        cols = ["product_id", "batch", "generic_name", "specification", "supplier"]
        keep = [c for c in cols if c == "product_id" or c not in out]
        out = out.merge(products[keep].drop_duplicates("product_id"), on="product_id", how="left")
    if "hospital_name" in out:
        out = out.assign(hospital_name=out["hospital_name"].fillna(out["hospital_id"]))
    if "product_id" in out and "generic_name" in out:
        out = out.assign(product_label=product_label(out))
    return out


def for_display(frame: pd.DataFrame, columns: Sequence[str], lang: str = "zh") -> pd.DataFrame:
    """Pick ``columns`` (those present) and make them readable: translated headers with their unit,
    statuses in words, numbers left numeric with their format in ``.attrs`` (webapp.formats.table)."""
    out = frame
    if "progress_status" in frame.columns:
        out = frame.assign(progress_status=frame["progress_status"].map(
            lambda s: t(f"status_{s}", lang) if isinstance(s, str) else s))
    return formats.table(out, columns, lang)


def problems_frame(problems: Sequence[object], lang: str = "zh") -> pd.DataFrame:
    """Every problem of an upload, one row each, where it is and what to do (the message says how)."""
    rows = [
        {
            t("col_file", lang): p.file,
            t("col_sheet", lang): p.sheet or "",
            t("col_row", lang): p.row,
            t("col_column", lang): p.column or "",
            t("col_problem", lang): p.message_zh if lang == "zh" else p.message_en,
        }
        for p in problems
    ]
    cols = [t(k, lang) for k in ("col_file", "col_sheet", "col_row", "col_column", "col_problem")]
    frame = pd.DataFrame(rows, columns=cols)
    frame[t("col_row", lang)] = frame[t("col_row", lang)].astype("Int64")
    return frame


def lagging_batches(batches: pd.DataFrame) -> pd.DataFrame:
    """Batches whose completion is behind their time elapsed (:func:`procurement.metrics.behind_schedule`):
    the headline a coordinator must see. A batch with no completion (no agreed volume) reads as 0 here,
    so a batch nobody signed is shown behind once its period has begun."""
    if batches.empty or "time_elapsed" not in batches:
        return batches.iloc[0:0]
    completion = batches["completion_rate"].astype("float64").fillna(0.0)
    return batches[np.asarray(behind_schedule(completion, batches["time_elapsed"]), dtype=bool)]


def price_drop_rows(batches: pd.DataFrame, total: dict, all_label: str) -> pd.DataFrame:
    """Per batch and overall: the mean price drop beside the savings rate, for the comparison chart."""
    cols = ["batch", "mean_price_drop", "savings_rate"]
    overall = pd.DataFrame([{"batch": all_label, "mean_price_drop": total.get("mean_price_drop"),
                             "savings_rate": total.get("savings_rate")}])
    return pd.concat([batches[cols], overall], ignore_index=True)
