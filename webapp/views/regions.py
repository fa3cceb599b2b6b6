"""地区 (coordinators and leadership): totals by region (所属地区) and completion against time elapsed.

A region-scoped leader sees its own region only: the context reads through the account's region.
The Excel report's 按地区 sheet is this table.
"""

from __future__ import annotations

import streamlit as st

from webapp import charts, data, formats, periods, state, widgets

COLUMNS = ["region", "n_agreements", "agreed_volume", "purchased_volume", "completion_rate", "time_elapsed",
           "projected_completion", "n_zero_purchase", "n_below_schedule", "purchase_amount", "savings_realized",
           "collection_rate", "overdue_amount", "winning_share", "open_shortages"]

COUNTS = {"n_agreements": {"zh": "签约产品数", "en": "Signed pairs"},
          "n_zero_purchase": {"zh": "零采购产品数", "en": "Zero purchase"},
          "n_below_schedule": {"zh": "低于序时进度产品数", "en": "Below schedule"}}


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_regions"))
    if user.scope is not None:  # hidden from hospital accounts; this guards a hand-typed URL
        st.error(tr("no_access"))
        return
    ctx = data.context(None, widgets.policy_settings())
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    filters = widgets.filter_sidebar(opts, allow_hospital=True, key="regions")
    rep = ctx.report(filters)
    st.caption(tr("as_of_caption", date=formats.day(rep.as_of), elapsed=formats.pct(rep.total.get("time_elapsed"))))
    regions = periods.region_names(rep.regions, lang)
    widgets.chart(charts.region_completion_chart(regions, lang), "regions_completion")
    st.subheader(tr("reg_table"))
    st.caption(tr("reg_note"))
    widgets.dataframe(formats.table(regions.head(5_000), COLUMNS, lang, text={k: v[lang] for k, v in COUNTS.items()},
                                    kinds=dict.fromkeys(COUNTS, formats.COUNT_FORMAT)), key="regions_table")
    widgets.download(tr("download_report"), lambda: ctx.report_xlsx(filters),
                     f"带量采购执行报表_{rep.as_of}.xlsx", key="regions_download")
