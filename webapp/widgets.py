"""Small Streamlit pieces shared by the pages: the filter sidebar, metric cards, tables, downloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from procurement.settings import Settings
from webapp import formats, state
from webapp.filters import Filters
from webapp.i18n import label
from webapp.tables import for_display

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filter_sidebar(opts: Mapping[str, Any], *, allow_hospital: bool, key: str) -> Filters:
    """Batch, region, hospital, supplier and as-of filters; a hospital user gets no hospital choice.
    Nothing chosen means all (the placeholder says 全部), so Streamlit's English "Select all" is hidden."""
    tr = state.tr
    with st.sidebar:
        st.subheader(tr("filters"))
        batches = st.multiselect(tr("f_batch"), opts["batches"], key=f"{key}_batch", placeholder=tr("all"), select_all=False)
        regions: list[str] = []
        hospitals: list[str] = []
        if allow_hospital:
            regions = st.multiselect(tr("f_region"), opts["regions"], key=f"{key}_region", placeholder=tr("all"), select_all=False)
            names = opts["hospitals"]
            hospitals = st.multiselect(tr("f_hospital"), list(names), key=f"{key}_hospital",
                                       format_func=lambda h: f"{names.get(h, h)} ({h})", placeholder=tr("all"), select_all=False)
        suppliers = st.multiselect(tr("f_supplier"), opts["suppliers"], key=f"{key}_supplier",
                                   placeholder=tr("all"), select_all=False)
        as_of: date | None = None
        if opts.get("max_date"):
            picked = st.date_input(tr("f_as_of"), value=opts["max_date"], min_value=opts["min_date"],
                                   max_value=opts["max_date"], key=f"{key}_as_of", format="YYYY-MM-DD")
            as_of = None if picked == opts["max_date"] else picked
        year: int | None = None
        if len(opts.get("years") or []) > 1:  # multi-year agreements: each year is its own period
            picked_year = st.selectbox(tr("f_year"), [None, *opts["years"]], key=f"{key}_year",
                                       format_func=lambda y: tr("year_current") if y is None else tr("year_n", n=y))
            year = None if picked_year is None else int(picked_year)
    return Filters(tuple(batches), tuple(regions), tuple(hospitals), tuple(suppliers), as_of, year)


def policy_settings() -> Settings:
    """The local rules behind the figures (payment term, warning threshold, fund share), per session."""
    tr = state.tr
    default = Settings()
    with st.sidebar.expander(tr("rules")):
        days = st.number_input(tr("rule_payment_days"), 1, 365, default.payment_days, 1, key="rule_payment_days")
        factor = st.number_input(tr("rule_warning_factor"), 0.1, 1.0, default.warning_factor, 0.05,
                                 key="rule_warning_factor")
        share = st.number_input(tr("rule_fund_share"), 0.0, 1.0, default.fund_share, 0.05, key="rule_fund_share")
    return replace(default, payment_days=int(days), warning_factor=float(factor), fund_share=float(share))


def metric_cards(total: Mapping[str, Any], keys: Sequence[str], per_row: int = 4,
                 deltas: Mapping[str, str] | None = None) -> None:
    """The headline figures, formatted by what they are (webapp.formats); 万元 cards say the exact yuan
    in their help. On a phone Streamlit stacks the columns, one card a row."""
    lang = state.language()
    for start in range(0, len(keys), per_row):
        cols = st.columns(per_row)
        for col, key in zip(cols, keys[start:start + per_row], strict=False):
            value = total.get(key)
            col.metric(label(key, lang), formats.metric(key, value, lang), help=formats.metric_help(key, value, lang),
                       delta=(deltas or {}).get(key), delta_color="normal")


def table(frame: pd.DataFrame, columns: Sequence[str], *, height: int | str = "auto", key: str | None = None) -> None:
    """A read-only table with translated headers; large tables are cut to what a screen can hold."""
    shown = for_display(frame.head(5_000), columns, state.language())
    dataframe(shown, key=None if key is None else f"table_{key}", height=height)
    if len(frame) > 5_000:
        st.caption(state.tr("first_rows", n=f"{len(frame):,}"))


def dataframe(shown: pd.DataFrame, *, key: str | None = None, height: int | str = "auto") -> None:
    """st.dataframe of a frame from webapp.formats.table: numbers stay numbers (they sort as numbers)
    and are drawn with the app's format (thousands separators, % sign, yuan)."""
    if "formats" not in shown.attrs:
        shown = formats.table(shown, None, state.language(), text={c: str(c) for c in shown.columns})
    config: dict[str, Any] = {name: st.column_config.NumberColumn(format=fmt)
                              for name, fmt in shown.attrs["formats"].items()}
    config.update({name: st.column_config.TextColumn(alignment="right")
                   for name in shown.attrs.get("text_numbers", [])})
    st.dataframe(shown, hide_index=True, height=height, key=key, column_config=config)


def chart(fig: go.Figure, key: str) -> None:
    """A plotly chart without its toolbar: on a phone the toolbar covered the titles, and every figure is in
    the Excel report anyway."""
    st.plotly_chart(fig, key=f"chart_{key}", theme=None, config={"displaylogo": False, "displayModeBar": False})


def download(label_text: str, data: bytes | Callable[[], bytes], file_name: str, key: str,
             mime: str = XLSX) -> None:
    """A download built on click when given a function, so a page render never waits for a workbook."""
    st.download_button(label_text, data=data, file_name=file_name, mime=mime, key=key, on_click="ignore")
