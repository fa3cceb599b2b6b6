"""账户管理 (coordinator only): create accounts, reset passwords, delete accounts."""

from __future__ import annotations

import streamlit as st

from procurement import auth
from webapp import data, state
from webapp.tables import for_display


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_accounts"))
    if user.role != "coordinator":  # the navigation hides it; this guards a hand-typed URL
        st.error(tr("page_accounts"))
        return
    ctx = data.context(None)
    engine = ctx.engine()
    users = auth.list_users(engine)
    st.subheader(tr("acc_list"))
    shown = users.assign(role=users["role"].map(lambda r: tr(f"role_{r}")))
    st.dataframe(for_display(shown, ["username", "role", "hospital_id", "created_at"], lang), hide_index=True,
                 key="acc_table")
    hospitals = ctx.options()["hospitals"]

    st.subheader(tr("acc_new"))
    with st.form("acc_new_form", clear_on_submit=True):
        name = st.text_input(tr("username"), key="acc_new_name")
        password = st.text_input(tr("password"), type="password", key="acc_new_password")
        role_names = {r: tr(f"role_{r}") for r in auth.ROLES}  # resolved now, not when the widget is drawn
        role = st.selectbox(tr("acc_role"), auth.ROLES, format_func=role_names.__getitem__, key="acc_new_role")
        hospital = st.selectbox(tr("acc_hospital"), [""] + list(hospitals), key="acc_new_hospital",
                                format_func=lambda h: f"{hospitals.get(h, h)} ({h})" if h else "—")
        if st.form_submit_button(tr("acc_create"), type="primary"):
            try:
                created = auth.create_user(engine, name, password, role, hospital or None)
            except auth.AccountError as exc:
                st.error(str(exc))
            else:
                st.success(tr("acc_created", user=created.username))
                st.rerun()

    left, right = st.columns(2)
    with left, st.form("acc_reset_form", clear_on_submit=True):
        st.subheader(tr("acc_reset"))
        who = st.selectbox(tr("acc_pick"), users["username"].tolist(), key="acc_reset_user")
        new_password = st.text_input(tr("acc_new_password"), type="password", key="acc_reset_password")
        if st.form_submit_button(tr("acc_reset")):
            try:
                auth.set_password(engine, who, new_password)
            except auth.AccountError as exc:
                st.error(str(exc))
            else:
                st.success(tr("acc_done"))
    with right, st.form("acc_delete_form"):
        st.subheader(tr("acc_delete"))
        others = [u for u in users["username"].tolist() if u != user.username]
        victim = st.selectbox(tr("acc_pick"), others, key="acc_delete_user")
        if st.form_submit_button(tr("acc_delete")) and victim:
            try:
                auth.delete_user(engine, victim)
            except auth.AccountError as exc:
                st.error(str(exc))
            else:
                st.rerun()
