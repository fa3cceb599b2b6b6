"""The one place per-user state is read and written (st.session_state, the URL), so pages never poke keys.

The URL carries two things so that a refresh or a bookmark finds the user where they were:
``?s=<session token>`` (procurement.sessions: signed, expiring, revocable) and ``?lang=zh|en``. Page
results (a computed plan, a comparison) are kept server-side per session token, so a refresh does not
lose a plan that took a minute to solve.
"""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

from procurement.auth import User
from webapp import i18n

_USER = "vbp_user"
_LANG = "vbp_lang"
_TOKEN = "vbp_token"
TOKEN_PARAM = "s"
LANG_PARAM = "lang"
MAX_KEPT_SESSIONS = 64


@st.cache_resource(show_spinner=False)
def _results() -> dict[str, dict[str, Any]]:
    """Page results by session token, shared by the server's browser tabs of that session."""
    return {}


_results_lock = threading.Lock()


def current_user() -> User | None:
    """The signed-in account, or None before sign-in."""
    user = st.session_state.get(_USER)
    return user if isinstance(user, User) else None


def token() -> str | None:
    """The session token of this browser tab (None before sign-in)."""
    value = st.session_state.get(_TOKEN)
    return value if isinstance(value, str) else None


def url_token() -> str | None:
    """The session token in the address (a refresh, a bookmark), if any."""
    return st.query_params.get(TOKEN_PARAM) or None


def sign_in(user: User, session_token: str) -> None:
    """Remember the account for this tab and put its token in the address, so a refresh keeps it."""
    st.session_state[_USER] = user
    st.session_state[_TOKEN] = session_token
    keep_in_url()


def keep_in_url() -> None:
    """Write the token and the language into the address (Streamlit drops the query on page change)."""
    wanted = {LANG_PARAM: language()}
    if token():
        wanted[TOKEN_PARAM] = token()
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def sign_out() -> None:
    """Forget the account and everything computed for it (plans, uploads); the language stays."""
    old = token()
    if old:
        with _results_lock:
            _results().pop(old, None)
    for key in list(st.session_state.keys()):
        if key != _LANG:
            del st.session_state[key]
    if TOKEN_PARAM in st.query_params:
        del st.query_params[TOKEN_PARAM]


def scope() -> str | None:
    """The hospital every read must be limited to; None for coordinators and leadership."""
    user = current_user()
    return None if user is None else user.scope


def language() -> str:
    """The language chosen in this tab, else the one in the address (a refresh), else Chinese."""
    lang = st.session_state.get(_LANG)
    if lang is None:
        lang = st.query_params.get(LANG_PARAM, "zh")
        st.session_state[_LANG] = lang if lang in i18n.LANGS else "zh"
    return lang if lang in i18n.LANGS else "zh"


def set_language(lang: str) -> None:
    st.session_state[_LANG] = lang if lang in i18n.LANGS else "zh"
    st.query_params[LANG_PARAM] = language()


def tr(key: str, **fmt: object) -> str:
    """Interface text in the current language."""
    return i18n.t(key, language(), **fmt)


def _bucket() -> dict[str, Any]:
    """Where page results live: server-side under the session token when signed in, else the tab."""
    key = token()
    if key is None:
        return st.session_state
    with _results_lock:
        results = _results()
        if key not in results and len(results) >= MAX_KEPT_SESSIONS:  # sessions that ended without sign-out
            del results[next(iter(results))]
        return results.setdefault(key, {})


def get(key: str, default: Any = None) -> Any:
    """Page-level results kept between reruns and refreshes (a computed plan, an import summary)."""
    return _bucket().get(f"vbp_{key}", default)


def put(key: str, value: Any) -> None:
    _bucket()[f"vbp_{key}"] = value


def drop(key: str) -> None:
    _bucket().pop(f"vbp_{key}", None)


_RESETS = "vbp_widget_resets"


def reset_widgets(values: dict[str, Any]) -> None:
    """Give the named widgets these values on the next run (after a form did its job). Assigned, not
    deleted: a deleted key resets the server's value but the browser keeps showing the old choice."""
    st.session_state[_RESETS] = {**st.session_state.get(_RESETS, {}), **values}


def apply_widget_resets() -> None:
    """Called at the top of a page, before its widgets exist (Streamlit refuses the change after)."""
    for key, value in st.session_state.pop(_RESETS, {}).items():
        st.session_state[key] = value
