"""带量采购管理平台: the Streamlit entry point. It only routes: sign-in gate, then the role's pages.

Every page has its own address (/track, /plan, ...). Opened before sign-in, the address shows the
sign-in form and, once signed in, the page itself; opened by a role that may not see it, a translated
"not available" page. The session token and language ride in the address (webapp.state), so a refresh
or a bookmark keeps both.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from procurement import sessions
from procurement.auth import User
from webapp import data, state
from webapp.views import signin

PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "coordinator": ("track", "payments", "supply", "savings", "upload", "plan", "accounts"),
    "hospital": ("track", "payments", "supply", "savings", "upload"),
    "leadership": ("savings", "track", "payments", "supply"),
}
ALL_PAGES = PAGES_BY_ROLE["coordinator"]
ICONS = {"track": ":material/trending_up:", "payments": ":material/payments:", "savings": ":material/savings:",
         "supply": ":material/local_shipping:",
         "upload": ":material/upload_file:", "plan": ":material/account_tree:", "accounts": ":material/group:"}


def _not_available() -> None:
    """What a role sees at the address of a page it may not open (instead of Streamlit's English error)."""
    st.title(state.tr("no_access_title"))
    st.info(state.tr("no_access"))


def pages_for(role: str) -> list[st.Page]:
    """The pages a role may open; the first is its home (leadership lands on savings). The other pages'
    addresses stay known but hidden, and say they are not available."""
    names = PAGES_BY_ROLE.get(role, ())
    pages = [
        st.Page(f"webapp/pages/{name}.py", title=state.tr(f"page_{name}"), icon=ICONS[name], url_path=name,
                default=(i == 0))
        for i, name in enumerate(names)
    ]
    pages += [st.Page(_not_available, title=state.tr("no_access_title"), url_path=name, visibility="hidden")
              for name in ALL_PAGES if name not in names]
    return pages


def gate_pages() -> list[st.Page]:
    """Before sign-in every page address shows the sign-in form; the same address opens the page after."""
    title = state.tr("sign_in")
    return [st.Page(signin.render, title=title, url_path="signin", default=True)] + [
        st.Page(signin.render, title=title, url_path=name, visibility="hidden") for name in ALL_PAGES
    ]


def signed_in_user(engine: Engine) -> User | None:
    """The account of a live session (this tab's, or the address's after a refresh), checked on every
    run so that a sign-out elsewhere, an idle timeout or a password or role change takes effect at once."""
    held = state.current_user()
    token = state.token() if held is not None else state.url_token()
    if token is None:
        return None
    user = sessions.resume_session(engine, token)
    if user is None:
        state.sign_out()
        state.put("session_ended", True)
        return None
    if user != held:
        state.sign_in(user, token)
    return user


def sidebar_account(engine: Engine) -> None:
    user = state.current_user()
    tr = state.tr
    with st.sidebar:
        st.caption(tr("signed_in_as", user=user.username, role=tr(f"role_{user.role}")))
        if user.scope:
            st.caption(tr("hospital_scope", hospital=user.scope))
        if st.button(tr("sign_out"), key="sign_out"):
            sessions.end_session(engine, state.token())
            state.sign_out()
            st.rerun()


def run() -> None:
    st.set_page_config(page_title="带量采购管理平台", page_icon=":material/medication:", layout="wide")
    signin.language_switch()
    engine = data.engine(data.db_url())
    user = signed_in_user(engine)
    state.keep_in_url()
    if user is None:
        st.navigation(gate_pages(), position="hidden").run()
        return
    data.ensure_sample_data(data.db_url())
    sidebar_account(engine)
    st.navigation(pages_for(user.role)).run()


run()
