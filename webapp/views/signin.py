"""The sign-in gate, and the first-run explanation when no account exists yet."""

from __future__ import annotations

import streamlit as st

from procurement import auth, sessions
from webapp import data, i18n, state


def language_switch() -> None:
    """中文 by default; the choice stays for the session."""
    current = state.language()
    picked = st.sidebar.radio(state.tr("language"), ["zh", "en"], index=["zh", "en"].index(current),
                              format_func=lambda x: "中文" if x == "zh" else "English", horizontal=True,
                              key="lang_radio")
    if picked != current:
        state.set_language(picked)
        st.rerun()


def _both_languages(key: str) -> str:
    """Set-up instructions in both languages: whoever installs the tool may not read the default one."""
    return f"{i18n.t(key, 'zh')}  \n{i18n.t(key, 'en')}"


def _client_address() -> str | None:
    """The browser's address for sign-in throttling (the proxy's X-Forwarded-For with VBP_TRUST_PROXY=1)."""
    try:
        return auth.client_address(st.context.ip_address, dict(st.context.headers or {}))
    except Exception:  # noqa: BLE001 - no request context (tests, scripts): throttle by account only
        return None


def render() -> None:
    """Ask for a name and password; explain how to create the first coordinator when there is none."""
    tr = state.tr
    engine = data.engine(data.db_url())
    auth.ensure_coordinator_from_env(engine)
    st.title(tr("app_title"))
    if not auth.has_users(engine):
        both = _both_languages
        st.warning(both("no_accounts_title"))
        st.markdown(both("no_accounts_body"))
        st.code("python -m procurement users add admin --role coordinator", language="bash")
        st.markdown(both("no_accounts_env"))
        st.code("VBP_ADMIN_PASSWORD='…' make run", language="bash")
        return
    if state.get("session_ended"):
        st.info(tr("session_ended"))
    with st.form("sign_in"):
        username = st.text_input(tr("username"), key="signin_user")
        password = st.text_input(tr("password"), type="password", key="signin_password")
        submitted = st.form_submit_button(tr("sign_in"), type="primary")
    if submitted:
        answer = auth.sign_in(engine, username, password, address=_client_address())
        user = answer.user
        if user is None:
            st.error(tr("bad_login") if answer.status == "bad" else answer.message)  # throttled: why, how long
        else:
            sessions.purge_expired(engine)
            state.drop("session_ended")
            state.sign_in(user, sessions.start_session(engine, user))
            st.rerun()  # the same address now opens the page it names
