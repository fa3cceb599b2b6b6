"""带量采购管理平台: the Streamlit entry point. It only routes: sign-in gate, then the role's pages."""

from __future__ import annotations

import streamlit as st

from procurement import auth
from webapp import data, state
from webapp.views import signin

PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "coordinator": ("track", "payments", "savings", "upload", "plan", "accounts"),
    "hospital": ("track", "payments", "savings", "upload"),
    "leadership": ("savings", "track", "payments"),
}
ICONS = {"track": ":material/trending_up:", "payments": ":material/payments:", "savings": ":material/savings:",
         "upload": ":material/upload_file:", "plan": ":material/account_tree:", "accounts": ":material/group:"}


def pages_for(role: str) -> list[st.Page]:
    """The pages a role may open; the first is its home (leadership lands on savings)."""
    names = PAGES_BY_ROLE.get(role, ())
    return [
        st.Page(f"webapp/pages/{name}.py", title=state.tr(f"page_{name}"), icon=ICONS[name], url_path=name,
                default=(i == 0))
        for i, name in enumerate(names)
    ]


def sidebar_account() -> None:
    user = state.current_user()
    tr = state.tr
    with st.sidebar:
        st.caption(tr("signed_in_as", user=user.username, role=tr(f"role_{user.role}")))
        if user.scope:
            st.caption(tr("hospital_scope", hospital=user.scope))
        if st.button(tr("sign_out"), key="sign_out"):
            state.sign_out()
            st.rerun()


def run() -> None:
    st.set_page_config(page_title="带量采购管理平台", page_icon=":material/medication:", layout="wide")
    signin.language_switch()
    user = state.current_user()
    if user is None:
        st.navigation([st.Page(signin.render, title=state.tr("sign_in"), url_path="signin")],
                      position="hidden").run()
        return
    current = auth.get_user(data.engine(data.db_url()), user.username)
    if current != user:  # deleted, or role/hospital changed by a coordinator: sign in again
        state.sign_out()
        st.rerun()
    data.ensure_sample_data(data.db_url())
    sidebar_account()
    st.navigation(pages_for(user.role)).run()


run()
