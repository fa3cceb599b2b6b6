"""The accounts page's section that limits a leadership account to one region (所属地区).

Only leadership accounts are offered, and only the regions of the hospitals table, so a region that no
hospital has (a typo) cannot be set from here. A change takes effect on the leader's next click: the app
reads the account on every run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from procurement import account_regions
from webapp import state

ALL = ""


def region_column(users: pd.DataFrame, engine: Engine) -> pd.Series:
    """Each leadership account's region, blank for the others (a region left on an account whose role
    was changed since limits nothing, so the list does not show it)."""
    regions = account_regions.account_regions(engine)
    leaders = users["role"] == "leadership"
    return users["username"].map(lambda u: regions.get(u, "")).where(leaders, "")


def render(engine: Engine, users: pd.DataFrame, regions: list[str]) -> None:
    tr = state.tr
    st.subheader(tr("acc_region_title"))
    st.caption(tr("acc_region_help"))
    leaders = users.loc[users["role"] == "leadership", "username"].tolist()
    if not leaders:
        st.caption(tr("acc_region_none"))
        return
    current = account_regions.account_regions(engine)
    with st.form("acc_region_form"):
        c1, c2 = st.columns(2)
        who = c1.selectbox(tr("acc_region_account"), leaders, key="acc_region_user",
                           format_func=lambda u: f"{u} ({current[u]})" if u in current else u)
        choices = [ALL, *regions]
        where = c2.selectbox(tr("acc_region_pick"), choices, key="acc_region_value",
                             format_func=lambda r: r or tr("acc_region_all"))
        if st.form_submit_button(tr("acc_region_apply")):
            try:
                account_regions.set_region(engine, who, where or None)
            except account_regions.auth.AccountError as exc:
                st.error(str(exc))
                return
            state.put("acc_flash", tr("acc_region_set", user=who, region=where) if where
                      else tr("acc_region_cleared", user=who))
            st.rerun()
