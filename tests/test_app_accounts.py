"""The accounts page and sign-in sessions in Streamlit's AppTest, against a small temporary database.

Accounts: the role comes first with no default, a hospital account needs its hospital, every change is
confirmed and reported, a password error keeps the form. Sessions: the token in the address brings a
refresh back signed in, with its language; sign-out, a password reset and idle time end it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_helpers import APP, PASSWORD, ok, sign_in
from streamlit.testing.v1 import AppTest

from procurement import auth, sessions, store
from procurement.synthetic import generate_alliance

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def app_alliance():
    return generate_alliance(seed=7, n_hospitals=4, n_products=4, purchases_per_year=200)


def accounts_page(at: AppTest) -> AppTest:
    return ok(at.switch_page("webapp/pages/accounts.py").run())


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def fill_new(at: AppTest, name: str, password: str, again: str | None = None) -> None:
    at.text_input(key="acc_new_name").input(name)
    at.text_input(key="acc_new_password").input(password)
    at.text_input(key="acc_new_password2").input(password if again is None else again)


def test_role_has_no_default_and_comes_first(app_db) -> None:
    at = accounts_page(sign_in("coord"))
    role = at.selectbox(key="acc_new_role")
    assert role.value is None  # nobody becomes a coordinator by leaving the box alone
    assert not [t for t in at.text_input if t.key == "acc_new_name"]  # the form waits for the role


@pytest.mark.parametrize(("role", "name"), [("coordinator", "coord_new"), ("leadership", "lead_new"),
                                            ("hospital", "hosp_new")])
def test_each_role_is_created_as_chosen(app_db, app_alliance, role, name) -> None:
    hospital = app_alliance.hospitals["hospital_id"].iloc[2]
    at = accounts_page(sign_in("coord"))
    ok(at.selectbox(key="acc_new_role").set_value(role).run())
    if role == "hospital":
        ok(at.selectbox(key="acc_new_hospital").set_value(hospital).run())
    fill_new(at, name, "a-good-password")
    ok(button(at, "检查并创建…").click().run())
    assert auth.get_user(store.get_engine(app_db), name) is None  # asks first
    assert any(name in w.value for w in at.warning)
    ok(button(at, "确认创建").click().run())
    created = auth.get_user(store.get_engine(app_db), name)
    assert created == auth.User(name, role, hospital if role == "hospital" else None)
    assert any(f"已创建账户 {name}" in s.value for s in at.success)
    assert name in set(at.dataframe[0].value["用户名"])
    assert at.selectbox(key="acc_new_role").value is None  # the form is ready for the next one


def test_hospital_account_needs_its_hospital(app_db) -> None:
    at = accounts_page(sign_in("coord"))
    ok(at.selectbox(key="acc_new_role").set_value("hospital").run())
    assert at.selectbox(key="acc_new_hospital").value is None
    fill_new(at, "nohosp", "a-good-password")
    ok(button(at, "检查并创建…").click().run())
    assert "医疗机构账户须选择所属机构" in [e.value for e in at.error]
    assert not [b for b in at.button if b.label == "确认创建"]
    assert auth.get_user(store.get_engine(app_db), "nohosp") is None


def test_password_error_keeps_the_form(app_db) -> None:
    at = accounts_page(sign_in("coord"))
    ok(at.selectbox(key="acc_new_role").set_value("leadership").run())
    fill_new(at, "shortpw", "short")  # under auth.MIN_PASSWORD_LENGTH
    ok(button(at, "检查并创建…").click().run())
    ok(button(at, "确认创建").click().run())
    assert at.error and "密码" in at.error[0].value
    assert at.text_input(key="acc_new_name").value == "shortpw"
    assert at.selectbox(key="acc_new_role").value == "leadership"
    assert auth.get_user(store.get_engine(app_db), "shortpw") is None
    fill_new(at, "shortpw", "long-enough-now", again="different-one")
    ok(button(at, "检查并创建…").click().run())
    assert "两次输入的密码不一致" in [e.value for e in at.error]


def test_delete_asks_first_and_reports(app_db) -> None:
    engine = store.get_engine(app_db)
    auth.create_user(engine, "to_delete", PASSWORD, "leadership")
    at = accounts_page(sign_in("coord"))
    ok(at.selectbox(key="acc_delete_user").set_value("to_delete").run())
    ok(button(at, "删除账户").click().run())
    assert auth.get_user(engine, "to_delete") is not None
    assert any("确定删除账户 to_delete" in w.value for w in at.warning)
    ok(button(at, "取消").click().run())
    assert auth.get_user(engine, "to_delete") is not None
    ok(button(at, "删除账户").click().run())
    ok(button(at, "确认删除").click().run())
    assert auth.get_user(engine, "to_delete") is None
    assert any("已删除账户 to_delete" in s.value for s in at.success)


def test_refresh_with_the_token_keeps_the_session_and_language(app_db) -> None:
    at = sign_in("lead", query={"lang": "en"})
    assert at.title[0].value == "Savings"
    token = at.query_params["s"]
    assert at.query_params["lang"] == "en"
    fresh = AppTest.from_file(APP, default_timeout=60)  # a new tab: nothing but the address
    fresh.query_params["s"] = token
    fresh.query_params["lang"] = "en"
    ok(fresh.run())
    assert fresh.title[0].value == "Savings"
    ok(fresh.button(key="sign_out").click().run())
    assert "s" not in fresh.query_params
    again = AppTest.from_file(APP, default_timeout=60)
    again.query_params["s"] = token  # the bookmark after sign-out: dead
    ok(again.run())
    assert again.text_input(key="signin_user") is not None
    assert sessions.resume_session(store.get_engine(app_db), token) is None


def test_password_reset_ends_the_accounts_sessions(app_db) -> None:
    engine = store.get_engine(app_db)
    auth.create_user(engine, "reset_me", PASSWORD, "leadership")
    user = auth.get_user(engine, "reset_me")
    token = sessions.start_session(engine, user)
    assert sessions.resume_session(engine, token) == user
    at = accounts_page(sign_in("coord"))
    at.selectbox(key="acc_reset_user").set_value("reset_me")  # in a form: sent with the button
    at.text_input(key="acc_reset_password").input("brand-new-password")
    ok([b for b in at.button if b.label == "重置密码"][0].click().run())
    assert any("已重置 reset_me 的密码" in s.value for s in at.success)
    assert sessions.resume_session(engine, token) is None


def test_session_rules(app_db) -> None:
    engine = store.get_engine(app_db)
    user = auth.get_user(engine, "lead")
    token = sessions.start_session(engine, user)
    assert sessions.resume_session(engine, token) == user
    head, expiry, sig = token.split(".")
    assert sessions.resume_session(engine, f"{head}.{int(expiry) + 3600}.{sig}") is None  # altered expiry
    assert sessions.resume_session(engine, f"{head}x.{expiry}.{sig}") is None
    assert sessions.resume_session(engine, "nonsense") is None
    later = sessions._now() + timedelta(minutes=sessions.idle_minutes() + 1)
    assert sessions.resume_session(engine, token, now=later) is None  # idle too long
    assert sessions.resume_session(engine, token) is None  # and removed on the way
    token = sessions.start_session(engine, user)
    assert sessions.end_all_sessions(engine, "lead") >= 1
    assert sessions.resume_session(engine, token) is None
