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
from webapp import data, state, streamlit_text
from webapp.views import signin

PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "coordinator": ("track", "payments", "supply", "savings", "regions", "monthly", "renewal", "upload", "plan",
                    "accounts"),
    "hospital": ("track", "payments", "supply", "savings", "monthly", "upload"),
    "leadership": ("savings", "track", "regions", "payments", "supply"),
}
ALL_PAGES = PAGES_BY_ROLE["coordinator"]
ICONS = {"track": ":material/trending_up:", "payments": ":material/payments:", "savings": ":material/savings:",
         "supply": ":material/local_shipping:", "regions": ":material/map:",
         "monthly": ":material/calendar_month:", "renewal": ":material/autorenew:",
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
    """Before sign-in every page address shows the sign-in form; the same address opens the page after.
    An address that names no page shows it too (and, once signed in, leads to the home page)."""
    title = state.tr("sign_in")
    pages = [st.Page(signin.render, title=title, url_path="signin", default=True)] + [
        st.Page(signin.render, title=title, url_path=name, visibility="hidden") for name in ALL_PAGES
    ]
    unknown = unknown_address({"signin", *ALL_PAGES})
    if unknown:
        pages.append(st.Page(signin.render, title=title, url_path=unknown, visibility="hidden"))
    return pages


def unknown_address(known: set[str]) -> str | None:
    """The address this tab opened when it names no page of the app (a typo, an old bookmark), else None.

    Streamlit answers such an address with its own English "Page not found" dialog and no way to
    translate it; registering the address as a hidden page of ours avoids the dialog. It stays
    registered for the tab, since the reruns of that page (the sign-in form's submit) name it by its
    hash only. The requested name is known only to Streamlit's page manager (no public API in 1.67):
    if that changes, this returns None and Streamlit's dialog comes back, nothing worse.
    """
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        manager = get_script_run_ctx().pages_manager
        name = "" if manager.intended_page_script_hash else (manager.intended_page_name or "").strip().strip("/")
    except Exception:  # noqa: BLE001 - no run context, or Streamlit's internals moved
        return None
    if name and name not in known and "/" not in name:
        st.session_state[_UNKNOWN] = name
    remembered = st.session_state.get(_UNKNOWN)
    return remembered if isinstance(remembered, str) and remembered not in known else None


_UNKNOWN = "vbp_unknown_address"


def _to_home(home: st.Page, address: str) -> None:
    """An address that names no page: the home page, with a note in the user's language."""
    state.put("unknown_address", address)
    st.switch_page(home)


def with_unknown_address(pages: list[st.Page]) -> list[st.Page]:
    """The role's pages, plus the address just opened when it names none of them (see unknown_address)."""
    unknown = unknown_address({p.url_path for p in pages} | set(ALL_PAGES))
    if unknown:
        home = pages[0]
        pages = [*pages, st.Page(lambda: _to_home(home, unknown), title=state.tr("page_not_found_title"),
                                 url_path=unknown, visibility="hidden")]
    return pages


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
        if user.region_scope:
            st.caption(tr("region_scope", region=user.region_scope))
        if st.button(tr("sign_out"), key="sign_out"):
            sessions.end_session(engine, state.token())
            state.sign_out()
            st.rerun()


def run() -> None:
    st.set_page_config(page_title="带量采购管理平台", page_icon=":material/medication:", layout="wide")
    signin.language_switch()
    streamlit_text.apply(state.language())
    engine = data.engine(data.db_url())
    user = signed_in_user(engine)
    state.keep_in_url()
    if user is None:
        st.navigation(gate_pages(), position="hidden").run()
        return
    data.ensure_sample_data(data.db_url())
    sidebar_account(engine)
    address = state.get("unknown_address")
    if address:
        state.drop("unknown_address")
        st.toast(state.tr("page_not_found", address=address), icon=":material/info:")
    st.navigation(with_unknown_address(pages_for(user.role))).run()


run()
