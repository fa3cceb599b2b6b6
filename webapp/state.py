"""The one place per-user state is read and written (st.session_state), so pages never poke keys."""

from __future__ import annotations

from typing import Any

import streamlit as st

from procurement.auth import User
from webapp import i18n

_USER = "vbp_user"
_LANG = "vbp_lang"


def current_user() -> User | None:
    """The signed-in account, or None before sign-in."""
    user = st.session_state.get(_USER)
    return user if isinstance(user, User) else None


def sign_in(user: User) -> None:
    st.session_state[_USER] = user


def sign_out() -> None:
    """Forget the account and everything computed for it (plans, uploads)."""
    for key in list(st.session_state.keys()):
        if key != _LANG:
            del st.session_state[key]


def scope() -> str | None:
    """The hospital every read must be limited to; None for coordinators and leadership."""
    user = current_user()
    return None if user is None else user.scope


def language() -> str:
    lang = st.session_state.get(_LANG, "zh")
    return lang if lang in i18n.LANGS else "zh"


def set_language(lang: str) -> None:
    st.session_state[_LANG] = lang if lang in i18n.LANGS else "zh"


def tr(key: str, **fmt: object) -> str:
    """Interface text in the current language."""
    return i18n.t(key, language(), **fmt)


def get(key: str, default: Any = None) -> Any:
    """Page-level results kept between reruns (a computed plan, an import summary)."""
    return st.session_state.get(f"vbp_{key}", default)


def put(key: str, value: Any) -> None:
    st.session_state[f"vbp_{key}"] = value


def drop(key: str) -> None:
    st.session_state.pop(f"vbp_{key}", None)
