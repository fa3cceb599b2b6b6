"""账户管理 (coordinator only): create accounts, reset passwords, delete accounts.

Every change asks first and says what it did: an account is a key to the alliance's data. The role is
chosen first and has no default, so nobody becomes a coordinator by leaving a box untouched; a hospital
account cannot be created without its hospital.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from procurement import auth, sessions
from webapp import data, state, widgets
from webapp.tables import for_display

NEW_FORM = {"acc_new_name": "", "acc_new_password": "", "acc_new_password2": "", "acc_new_role": None,
            "acc_new_hospital": None}


def _flash() -> None:
    """The result of the last change, kept across the rerun that redraws the list."""
    message = state.get("acc_flash")
    if message:
        st.success(message)
        state.drop("acc_flash")


def _done(message: str, clear: dict[str, Any]) -> None:
    state.put("acc_flash", message)
    state.reset_widgets(clear)
    st.rerun()


def _hospital_text(hospitals: Mapping[str, str], hospital_id: str | None) -> str:
    return f"{hospitals.get(hospital_id, hospital_id)} ({hospital_id})" if hospital_id else ""


def new_account_problems(name: str, password: str, again: str, role: str | None, hospital: str | None,
                         lang: str) -> list[str]:
    """What must be fixed before an account can be created (checked before asking to confirm)."""
    tr = state.tr
    problems = []
    if role not in auth.ROLES:
        problems.append(tr("acc_need_role"))
    if role == "hospital" and not hospital:
        problems.append(tr("acc_need_hospital"))
    if not (name or "").strip():
        problems.append(tr("acc_need_name"))
    if password != again:
        problems.append(tr("acc_password_differs"))
    return problems


def _create(engine: Engine, hospitals: Mapping[str, str]) -> None:
    tr = state.tr
    role_names = {r: tr(f"role_{r}") for r in auth.ROLES}  # resolved now, not when the widget is drawn
    role = st.selectbox(tr("acc_role"), auth.ROLES, index=None, format_func=role_names.__getitem__,
                        placeholder=tr("acc_pick_role"), key="acc_new_role")
    if role is None:
        st.caption(tr("acc_role_first"))
        return
    st.caption(tr(f"acc_role_help_{role}"))
    hospital = None
    if role == "hospital":
        hospital = st.selectbox(tr("acc_hospital"), list(hospitals), index=None, key="acc_new_hospital",
                                placeholder=tr("acc_pick_hospital"),
                                format_func=lambda h: _hospital_text(hospitals, h))
    pending: dict[str, Any] | None = state.get("acc_pending")
    if pending and (pending["role"], pending["hospital"]) != (role, hospital):
        state.drop("acc_pending")  # the choice above changed: confirm again
        pending = None
    with st.form("acc_new_form"):
        name = st.text_input(tr("username"), key="acc_new_name")
        password = st.text_input(tr("password"), type="password", key="acc_new_password")
        again = st.text_input(tr("acc_password_again"), type="password", key="acc_new_password2")
        if st.form_submit_button(tr("acc_review"), type="primary"):
            problems = new_account_problems(name, password, again, role, hospital, state.language())
            for problem in problems:
                st.error(problem)
            pending = None if problems else {"name": name.strip(), "password": password, "role": role,
                                              "hospital": hospital}
            if pending is None:
                state.drop("acc_pending")
            else:
                state.put("acc_pending", pending)
    if pending:
        _confirm_create(engine, pending, hospitals)


def _confirm_create(engine: Engine, pending: dict[str, Any], hospitals: Mapping[str, str]) -> None:
    tr = state.tr
    where = _hospital_text(hospitals, pending["hospital"])
    st.warning(tr("acc_confirm_create", user=pending["name"], role=tr(f"role_{pending['role']}"))
               + (f" · {where}" if where else ""))
    yes, no = st.columns(2)
    if yes.button(tr("acc_confirm"), type="primary", key="acc_new_confirm"):
        try:
            created = auth.create_user(engine, pending["name"], pending["password"], pending["role"],
                                       pending["hospital"], actor=_actor())
        except auth.AccountError as exc:  # e.g. the password rules: the form keeps what was typed
            state.drop("acc_pending")
            st.error(str(exc))
            return
        state.drop("acc_pending")
        role = tr(f"role_{created.role}")
        _done(tr("acc_created", user=created.username, role=role) + (f" · {where}" if where else ""),
              NEW_FORM)
    if no.button(tr("acc_cancel"), key="acc_new_cancel"):
        state.drop("acc_pending")
        st.rerun()


def _reset(engine: Engine, usernames: list[str]) -> None:
    tr = state.tr
    me = state.current_user()
    with st.form("acc_reset_form"):
        st.subheader(tr("acc_reset"))
        who = st.selectbox(tr("acc_pick"), usernames, index=None, placeholder=tr("acc_pick"),
                           key="acc_reset_user")
        new_password = st.text_input(tr("acc_new_password"), type="password", key="acc_reset_password")
        if st.form_submit_button(tr("acc_reset")):
            if not who:
                st.error(tr("acc_need_account"))
                return
            try:
                auth.set_password(engine, who, new_password, actor=_actor())
            except auth.AccountError as exc:
                st.error(str(exc))
                return
            sessions.end_all_sessions(engine, who)  # a new password signs the account out everywhere
            if me is not None and who == me.username:  # ... except this browser, which just proved it
                state.sign_in(me, sessions.start_session(engine, me))
            _done(tr("acc_password_set", user=who), {"acc_reset_user": None, "acc_reset_password": ""})


def _delete(engine: Engine, usernames: list[str]) -> None:
    tr = state.tr
    me = state.current_user()
    st.subheader(tr("acc_delete"))
    others = [u for u in usernames if me is None or u != me.username]
    victim = st.selectbox(tr("acc_pick"), others, index=None, placeholder=tr("acc_pick"), key="acc_delete_user")
    if st.button(tr("acc_delete"), key="acc_delete_ask", disabled=victim is None):
        state.put("acc_delete_pending", victim)
    pending = state.get("acc_delete_pending")
    if not pending or pending != victim:
        state.drop("acc_delete_pending")
        return
    st.warning(tr("acc_confirm_delete", user=pending))
    yes, no = st.columns(2)
    if yes.button(tr("acc_confirm_delete_button"), type="primary", key="acc_delete_confirm"):
        state.drop("acc_delete_pending")
        try:
            auth.delete_user(engine, pending, actor=_actor())
        except auth.AccountError as exc:
            st.error(str(exc))
            return
        sessions.end_all_sessions(engine, pending)
        _done(tr("acc_deleted", user=pending), {"acc_delete_user": None})
    if no.button(tr("acc_cancel"), key="acc_delete_cancel"):
        state.drop("acc_delete_pending")
        st.rerun()


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_accounts"))
    if user.role != "coordinator":  # the navigation hides it; this guards a hand-typed URL
        st.error(tr("no_access"))
        return
    state.apply_widget_resets()
    _flash()
    ctx = data.context(None)
    engine = ctx.engine()
    users = auth.list_users(engine)
    hospitals = ctx.options()["hospitals"]
    st.subheader(tr("acc_list"))
    shown = users.assign(role=users["role"].map(lambda r: tr(f"role_{r}")),
                         hospital_name=users["hospital_id"].map(lambda h: hospitals.get(h, h) if h else None))
    widgets.dataframe(for_display(shown, ["username", "role", "hospital_name", "hospital_id", "created_at"], lang),
                      key="acc_table")
    st.subheader(tr("acc_new"))
    _create(engine, hospitals)
    left, right = st.columns(2)
    usernames = users["username"].tolist()
    with left:
        _reset(engine, usernames)
    with right:
        _delete(engine, usernames)


def _actor() -> str | None:
    """Who makes an account change, for the account log (the signed-in coordinator)."""
    me = state.current_user()
    return None if me is None else me.username
