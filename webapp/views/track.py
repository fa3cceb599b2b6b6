"""执行进度: completion against time elapsed by batch, hospital and product, with what is behind flagged."""

from __future__ import annotations

import streamlit as st

from webapp import charts, data, formats, state, widgets
from webapp.tables import lagging_batches, with_names

DETAIL_COLUMNS = ["hospital_name", "hospital_id", "batch", "generic_name", "specification", "supplier",
                  "agreed_volume", "purchased_volume", "completion_rate", "progress_status",
                  "projected_completion"]


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_track"))
    ctx = data.context(user.scope, widgets.policy_settings())
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    filters = widgets.filter_sidebar(opts, allow_hospital=user.scope is None, key="track")
    rep = ctx.report(filters)
    ds = ctx.names()
    total = rep.total
    st.caption(tr("as_of_caption", date=formats.day(rep.as_of), elapsed=formats.pct(total.get("time_elapsed"))))
    widgets.metric_cards(total, ["agreed_volume", "purchased_volume", "completion_rate", "time_elapsed",
                                 "projected_completion", "agreed_amount", "purchase_amount", "winning_share"])
    for _, row in lagging_batches(rep.batches).iterrows():
        st.warning(tr("lagging_batch", batch=row["batch"], rate=formats.pct(row["completion_rate"]),
                      elapsed=formats.pct(row["time_elapsed"])))

    detail = with_names(rep.detail, ds.hospitals, ds.products)
    tab_names = [tr("by_batch"), tr("by_product"), tr("execution_report")]
    if user.scope is None:
        tab_names.insert(1, tr("by_hospital"))
    tabs = dict(zip(tab_names, st.tabs(tab_names), strict=True))
    with tabs[tr("by_batch")]:
        left, right = st.columns(2)
        with left:
            widgets.chart(charts.completion_bars(rep.batches, "batch", lang, title=tr("by_batch")), "track_batch")
        with right:
            widgets.chart(charts.status_counts_chart(detail, lang), "track_status")
        widgets.chart(charts.monthly_chart(rep.monthly, lang), "track_monthly")
    if user.scope is None:
        with tabs[tr("by_hospital")]:
            hospitals = with_names(rep.hospitals, ds.hospitals, ds.products)
            widgets.chart(charts.completion_bars(hospitals, "hospital_name", lang, title=tr("by_hospital"),
                                                 time_elapsed=total.get("time_elapsed")), "track_hospitals")
            widgets.table(hospitals, ["hospital_name", "hospital_id", "region", "agreed_volume", "purchased_volume",
                                      "completion_rate", "projected_completion", "purchase_amount",
                                      "winning_share"], key="track_hosp_table")
    with tabs[tr("by_product")]:
        products = with_names(rep.products, ds.hospitals, ds.products)
        widgets.chart(charts.completion_bars(products, "product_label", lang, title=tr("by_product"),
                                             time_elapsed=total.get("time_elapsed")), "track_products")
        widgets.table(products, ["batch", "generic_name", "specification", "supplier", "agreed_volume",
                                 "purchased_volume", "completion_rate", "projected_completion",
                                 "winning_share"], key="track_prod_table")
    with tabs[tr("execution_report")]:
        widgets.dataframe(formats.execution_table(rep.execution), key="track_execution")

    st.subheader(tr("laggards"))
    laggards = detail[detail["warning"].fillna(False).astype(bool)] if "warning" in detail else detail.iloc[0:0]
    widgets.table(laggards.sort_values("completion_rate"), DETAIL_COLUMNS, key="track_laggards")
    left, right = st.columns(2)
    with left:
        st.subheader(tr("zero_purchases"))
        widgets.table(detail[detail["progress_status"] == "zero_purchase"], DETAIL_COLUMNS, key="track_zero")
    with right:
        st.subheader(tr("over_purchases"))
        widgets.table(detail[detail["progress_status"] == "over_purchase"], DETAIL_COLUMNS, key="track_over")

    widgets.download(tr("download_report"), lambda: ctx.report_xlsx(filters),
                     f"带量采购执行报表_{rep.as_of}.xlsx", key="track_download")
