"""月报 (coordinators and hospitals): per hospital and product, this month's purchases against last month's
and against the monthly pace needed to finish on time; the workbook a coordinator sends out as it is.

A hospital sees and downloads its own rows only (the context is scoped to its hospital). The month is the
as-of date's, up to that day; the file is the one ``procurement report --monthly [--by-region]`` writes.
"""

from __future__ import annotations

import streamlit as st

from webapp import data, formats, periods, state, widgets

COLUMNS = ["region", "hospital_id", "hospital_name", "generic_name", "specification", "supplier", "agreed_volume",
           "this_month", "last_month", "month_change", "required_pace", "completion_change", "completion_rate",
           "time_elapsed", "progress_status"]


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_monthly"))
    ctx = data.context(user.scope, widgets.policy_settings())
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    filters = widgets.filter_sidebar(opts, allow_hospital=user.scope is None, key="monthly")
    rep = ctx.report(filters)
    frame = periods.monthly_frame(ctx.dataset(), rep.detail, rep.as_of)
    day = rep.as_of
    st.caption(tr("mon_caption", year=day.year, month=day.month, date=formats.day(day)))
    totals = periods.monthly_totals(frame)
    cols = st.columns(3)
    # no delta arrow: this month runs to the as-of day, last month is whole, so a red arrow early in the
    # month would read as a fall that has not happened (the caption and the table's 环比增减 say what it is)
    cols[0].metric(tr("mon_this_month"), formats.num(totals["this_month"]))
    cols[1].metric(tr("mon_last_month"), formats.num(totals["last_month"]))
    cols[2].metric(tr("mon_pace"), formats.num(totals["required_pace"]))
    # a hospital's own table leads with the drugs: its id and name would fill the first screen width
    widgets.dataframe(periods.shown(frame, COLUMNS if user.scope is None else COLUMNS[3:], lang), key="mon_rows")
    by_region = False
    if user.scope is None:
        layouts = {False: tr("mon_one_sheet"), True: tr("mon_by_region")}
        by_region = st.radio(tr("mon_layout"), list(layouts), format_func=layouts.__getitem__, horizontal=True,
                             key="mon_by_region")
    widgets.download(tr("mon_download"), lambda: periods.monthly_xlsx(frame, day, bool(by_region)),
                     f"带量采购执行月报_{day:%Y-%m}.xlsx", key="mon_download")
