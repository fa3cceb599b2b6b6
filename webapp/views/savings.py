"""节约成效 (leadership's page): savings, price drops, completion at a glance, as charts."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from webapp import charts, data, formats, state, widgets
from webapp.tables import price_drop_rows, with_names


def month_change(monthly: pd.DataFrame, as_of: date, realised: float | None) -> tuple[float | None, float | None]:
    """Realised savings in the as-of date's month so far, and the cumulative figure at the end of the
    month before (what leadership compares against last month's report)."""
    if realised is None or realised != realised or monthly.empty or "savings_realized" not in monthly:
        return None, None
    start = pd.Timestamp(as_of).to_period("M").to_timestamp()
    this_month = float(monthly.loc[pd.to_datetime(monthly["month"]) >= start, "savings_realized"].sum())
    return this_month, float(realised) - this_month


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_savings"))
    ctx = data.context(user.scope, widgets.policy_settings())
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    filters = widgets.filter_sidebar(opts, allow_hospital=user.scope is None, key="savings")
    rep = ctx.report(filters)
    ds = ctx.names()
    month, before = month_change(rep.monthly, rep.as_of, rep.total.get("savings_realized"))
    st.caption(tr("savings_as_of", date=formats.day(rep.as_of), month=formats.wan(month, lang),
                  before=formats.wan(before, lang)))
    delta = None if month is None else f"+{formats.wan(month, lang)} {tr('this_month')}"
    widgets.metric_cards(rep.total, ["savings_agreed", "savings_realized", "savings_rate", "mean_price_drop",
                                     "max_price_drop", "completion_rate", "collection_rate", "retained_savings"],
                         deltas={"savings_realized": delta} if delta else None)
    left, right = st.columns(2)
    with left:
        widgets.chart(charts.savings_by_batch_chart(rep.batches, lang), "savings_batch")
    with right:
        widgets.chart(charts.savings_over_time_chart(rep.monthly, lang), "savings_time")
    left, right = st.columns(2)
    with left:
        rows = price_drop_rows(rep.batches, rep.total, tr("all"))
        widgets.chart(charts.price_drop_chart(rows, lang), "savings_drop")
        st.caption(tr("price_drop_note"))
    hospitals = with_names(rep.hospitals, ds.hospitals, ds.products)
    with right:
        widgets.chart(charts.retained_chart(hospitals, lang), "savings_retained")
        st.caption(tr("retained_note"))
    products = with_names(rep.products, ds.hospitals, ds.products)
    widgets.chart(charts.top_products_chart(products, lang, n=10), "savings_top")
    detail = with_names(rep.detail, ds.hospitals, ds.products)
    widgets.chart(charts.completion_heatmap(detail, lang), "savings_heatmap")
    st.caption(tr("heat_note"))
    if "grade_basis" in hospitals.columns:  # 实际 once the agreement year has ended, 预计 mid-year
        hospitals = hospitals.assign(grade_basis=hospitals["grade_basis"].map(
            lambda b: tr(b) if isinstance(b, str) and b in ("actual", "projected") else b))
    widgets.table(hospitals, ["hospital_name", "region", "completion_rate", "on_time_rate", "grade", "grade_basis",
                              "savings_realized", "retained_savings"], key="savings_hosp_table")
