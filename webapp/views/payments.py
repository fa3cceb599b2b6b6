"""回款监测: collection, on-time payment, overdue aging by hospital and supplier, days to pay."""

from __future__ import annotations

import streamlit as st

from webapp import charts, data, state, widgets
from webapp.tables import with_names


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_payments"))
    ctx = data.context(user.scope, widgets.policy_settings())
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    filters = widgets.filter_sidebar(opts, allow_hospital=user.scope is None, key="payments")
    rep = ctx.report(filters)
    ds = ctx.names()
    widgets.metric_cards(rep.total, ["purchase_amount", "paid_amount", "collection_rate", "on_time_rate",
                                     "overdue_amount", "avg_days_to_pay", "agreed_amount", "paid_vs_agreed"])
    names = ds.hospitals.dropna(subset=["hospital_id"]).set_index("hospital_id")["hospital_name"]
    hospitals = with_names(rep.hospitals, ds.hospitals, ds.products)
    left, right = st.columns(2)
    with left:
        if user.scope is None:
            widgets.chart(charts.overdue_aging_chart(rep.overdue, "hospital_id", lang, names=names), "pay_age_h")
        else:
            widgets.chart(charts.overdue_aging_chart(rep.overdue, "supplier", lang), "pay_age_s")
    with right:
        if user.scope is None:
            widgets.chart(charts.collection_chart(hospitals, "hospital_name", lang), "pay_coll_h")
        else:
            widgets.chart(charts.collection_chart(rep.suppliers, "supplier", lang,
                                                  title=tr("collection_by_supplier")), "pay_coll_s")
    if user.scope is None:
        left, right = st.columns(2)
        with left:
            widgets.chart(charts.overdue_aging_chart(rep.overdue, "supplier", lang), "pay_age_s")
        with right:
            widgets.chart(charts.collection_chart(rep.suppliers, "supplier", lang,
                                                  title=tr("collection_by_supplier")), "pay_coll_s")
        widgets.table(hospitals, ["hospital_name", "hospital_id", "purchase_amount", "paid_amount",
                                  "collection_rate", "on_time_rate", "overdue_amount", "avg_days_to_pay"],
                      key="pay_hosp_table")
    widgets.table(rep.suppliers, ["supplier", "purchase_amount", "paid_amount", "collection_rate", "on_time_rate",
                                  "overdue_amount", "avg_days_to_pay"], key="pay_sup_table")
    st.subheader(tr("overdue_detail"))
    overdue = with_names(rep.overdue, ds.hospitals, ds.products)
    widgets.table(overdue.sort_values("amount", ascending=False),
                  ["hospital_name", "supplier", "generic_name", "specification", "bucket", "amount"],
                  key="pay_overdue")
    _fund_section(rep, user.scope is None)


def _fund_section(rep, all_hospitals: bool) -> None:
    """The insurance fund's prepayment, offset and direct settlement (医保预付, 冲抵, 直接结算)."""
    tr = state.tr
    st.subheader(tr("fund_section"))
    if rep.total.get("prepaid_amount") is None:
        st.caption(tr("fund_none"))
    widgets.metric_cards(rep.total, ["prepaid_amount", "prepay_offset", "prepay_balance", "prepaid_share",
                                     "direct_settled_share"], per_row=5)
    if all_hospitals:
        widgets.table(rep.hospitals, ["hospital_name", "hospital_id", "agreed_amount", "prepaid_amount",
                                      "prepay_offset", "prepay_balance", "prepaid_share", "paid_amount",
                                      "direct_settled_share"], key="pay_fund")
