"""供应监测: the supplier scorecard, deliveries by distributor and the open shortages (issue 12).

A coordinator sees which winners deliver late or short and which are failing (open shortages), the
start of a disruption re-plan; a hospital sees its own deliveries and shortages only.
"""

from __future__ import annotations

import streamlit as st

from procurement import supply
from webapp import data, state, widgets


def render() -> None:
    user = state.current_user()
    tr = state.tr
    st.title(tr("page_supply"))
    ctx = data.context(user.scope, widgets.policy_settings())
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    filters = widgets.filter_sidebar(opts, allow_hospital=user.scope is None, key="supply")
    rep = ctx.report(filters)
    widgets.metric_cards(rep.total, ["delivery_rate", "delivered_48h_share", "open_shortages", "on_time_rate"])
    if rep.total.get("delivery_rate") is None:
        st.caption(tr("supply_no_orders"))
    st.subheader(tr("supply_scorecard"))
    st.caption(tr("supply_scorecard_help"))
    widgets.table(rep.scorecard, ["supplier", "agreed_volume", "agreed_share", "purchased_volume",
                                  "ordered_quantity", "delivered_quantity", "delivery_rate", "delivered_48h_share",
                                  "open_shortages", "days_short", "on_time_rate"], key="supply_card")
    if len(rep.distributors):
        st.subheader(tr("supply_distributors"))
        widgets.table(rep.distributors, ["distributor", "ordered_quantity", "delivered_quantity", "delivery_rate",
                                         "delivered_48h_share"], key="supply_dist")
    shortages = ctx.dataset().shortages
    open_now = shortages[supply.is_open(shortages["start_date"], shortages["end_date"], rep.as_of)]
    st.subheader(tr("supply_open"))
    if len(open_now):
        failing = sorted(open_now["supplier"].dropna().astype(str).unique())
        if user.scope is None:
            st.warning(tr("supply_replan_hint", suppliers="、".join(failing)))
        widgets.table(open_now.sort_values("start_date"), ["hospital_id", "generic_name", "specification",
                                                           "supplier", "distributor", "start_date", "orders"],
                      key="supply_open")
    else:
        st.caption("—")
