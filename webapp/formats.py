"""One number format for every page, table, chart and workbook (see README "Number formats")."""

from __future__ import annotations

import pandas as pd


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """A table ready for st.dataframe: timestamps as dates, missing values blank."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").fillna("")
    return out
