"""Accounts facing an alliance (issue 15 item 6): throttled sign-in, no name enumeration, password
policy, every account change recorded, CLI imports logged under a person.

Time is a fake clock passed as ``now``: no test sleeps. Timing equality is shown by counting bcrypt
checks and the cost of the hash each one used, not by timing.
"""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine

from procurement import auth, store
from procurement.cli import main

T0 = datetime(2026, 3, 2, 9, 0, 0)
GOOD = "Blue-Harbor-71"


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.delenv("VBP_TRUST_PROXY", raising=False)


@pytest.fixture
def engine(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'acc.sqlite'}")
    auth.create_user(eng, "office", GOOD, "coordinator", actor="setup")
    auth.create_user(eng, "h1", GOOD, "hospital", "H001", actor="setup")
    return eng


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- throttling ------------------------------------------------------------------------------------


def test_delay_grows_with_failures() -> None:
    # hand-worked from the constants: 3 free failures, then 1 s doubling, capped at 300 s
    assert [auth.delay_after(n) for n in range(0, 7)] == [0, 0, 0, 1, 2, 4, 8]
    assert auth.delay_after(12) == 300 and auth.delay_after(40) == 300


def test_an_account_waits_longer_after_each_failure(engine) -> None:
    statuses = [auth.sign_in(engine, "h1", "wrong-guess-1", now=T0).status for _ in range(3)]
    assert statuses == ["bad", "bad", "bad"]  # the free failures
    held = auth.sign_in(engine, "h1", GOOD, now=at(0.5))  # even the right password waits
    assert (held.status, held.user, held.retry_after) == ("wait", None, 0.5)
    assert "0.5" not in held.message and "1 秒" in held.message
    assert auth.sign_in(engine, "h1", "wrong-guess-2", now=at(1)).status == "bad"  # 4th failure at t=1
    assert auth.sign_in(engine, "h1", GOOD, now=at(2.5)).retry_after == 0.5  # 4 failures: 2 s after t=1
    ok = auth.sign_in(engine, "h1", GOOD, now=at(3))
    assert ok.status == "ok" and ok.user == auth.User("h1", "hospital", "H001")
    # a success clears the account's count: three free failures again
    assert [auth.sign_in(engine, "h1", "x-wrong-pw", now=at(4)).status for _ in range(4)] == \
        ["bad", "bad", "bad", "wait"]


def test_failures_are_forgotten_after_an_hour(engine) -> None:
    for _ in range(3):
        auth.sign_in(engine, "h1", "wrong-guess", now=T0)
    assert auth.sign_in(engine, "h1", "wrong-guess", now=at(3599)).status == "bad"  # 4th, within the hour
    later = at(3599 + 3600)
    assert [auth.sign_in(engine, "h1", "wrong-guess", now=later).status for _ in range(4)] == \
        ["bad", "bad", "bad", "wait"]


def fail_until_locked(engine, name: str | None, address: str | None = None, limit: int = 60) -> int:
    """Wrong passwords, each as soon as allowed (name None: another name each time); returns how many
    failures it took to lock."""
    now, failures = T0, 0
    for i in range(limit):
        answer = auth.sign_in(engine, name or f"spray{i}", "wrong-guess", address=address, now=now)
        if answer.status == "locked":
            return failures
        if answer.status == "wait":
            now += timedelta(seconds=answer.retry_after)
            continue
        failures += 1
    raise AssertionError("never locked")


def test_an_account_locks_after_ten_failures_until_a_coordinator_lifts_it(engine) -> None:
    assert fail_until_locked(engine, "h1") == auth.ACCOUNT_LOCKOUT == 10
    days_later = at(10 * 24 * 3600)  # a lock does not expire by itself
    assert auth.sign_in(engine, "h1", GOOD, now=days_later).status == "locked"
    assert "联系联盟办公室" in auth.sign_in(engine, "h1", GOOD, now=days_later).message
    assert auth.lockouts(engine)[["kind", "name", "failures"]].values.tolist() == [["user", "h1", 10]]
    assert auth.unlock(engine, "h1", actor="office") is True
    assert auth.sign_in(engine, "h1", GOOD, now=days_later).status == "ok"
    assert auth.unlock(engine, "h1", actor="office") is False  # nothing left to lift
    log = auth.account_events(engine, "h1")
    assert log[["actor", "action"]].values.tolist()[:2] == [["office", "unlock"], ["system", "lockout"]]


def test_an_address_guessing_many_names_is_held_back_and_locked(engine) -> None:
    """Password spraying: one wrong guess per name from one address. Each name alone is fine, the
    address is not; another address is unaffected."""
    answers = [auth.sign_in(engine, f"user{i}", "Spring-2026", address="10.0.0.9", now=T0).status
               for i in range(5)]
    assert answers == ["bad", "bad", "bad", "wait", "wait"]
    assert auth.sign_in(engine, "h1", GOOD, address="10.0.0.7", now=T0).status == "ok"
    assert auth.sign_in(engine, "h1", GOOD, address="10.0.0.9", now=T0).status == "wait"
    assert fail_until_locked(engine, None, "10.0.0.9", limit=400) == auth.ADDRESS_LOCKOUT - 3 == 27
    assert auth.sign_in(engine, "h1", GOOD, address="10.0.0.9", now=at(10**6)).status == "locked"
    assert auth.unlock(engine, "10.0.0.9", address=True, actor="office")
    assert auth.sign_in(engine, "h1", GOOD, address="10.0.0.9", now=at(10**6)).status == "ok"


def test_attempts_allowed_in_the_first_minute_and_hour(engine) -> None:
    """The figure for the closing note: as many wrong guesses as the throttle lets through."""
    now, allowed = T0, []
    while now < at(3600):
        answer = auth.sign_in(engine, "h1", "wrong-guess", address="10.0.0.1", now=now)
        if answer.status == "locked":
            break
        if answer.status == "wait":
            now += timedelta(seconds=answer.retry_after)
            continue
        allowed.append(now)
    # free 3 at t=0, then at t=1, 3, 7, 15, 31: 8 in the first minute; 2 more (63, 127) and the lock
    assert sum(t < at(60) for t in allowed) == 8
    assert len(allowed) == 10


# --- no name enumeration ---------------------------------------------------------------------------


def test_unknown_and_known_names_cost_one_bcrypt_check_of_the_same_cost(engine, monkeypatch) -> None:
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 5)  # not the cost the old dummy hash had (4)
    auth.create_user(engine, "h5", GOOD, "hospital", "H005")
    calls: list[int] = []
    real = auth.bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        calls.append(int(hashed.split(b"$")[2]))  # $2b$05$...: the cost
        return real(password, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", counting)
    for name, password in (("h5", GOOD), ("h5", "wrong-guess"), ("nobody", "wrong-guess"), ("h5", "x" * 80)):
        calls.clear()
        auth.sign_in(engine, name, password, now=T0)
        assert calls == [5], (name, password)


def test_unknown_names_are_answered_and_throttled_alike(engine) -> None:
    def run(name: str) -> list[tuple[str, float, str]]:
        answers = [auth.sign_in(engine, name, "wrong-guess", now=at(s)) for s in (0, 0, 0, 0, 1, 1)]
        return [(a.status, a.retry_after, a.message) for a in answers]

    assert run("h1") == run("no-such-user")


def test_client_address_trusts_the_proxy_only_when_told() -> None:
    headers = {"X-Forwarded-For": "203.0.113.5, 10.0.0.2"}
    assert auth.client_address("127.0.0.1", headers, trust_proxy=False) == "127.0.0.1"
    assert auth.client_address("127.0.0.1", headers, trust_proxy=True) == "10.0.0.2"  # the proxy's own entry
    assert auth.client_address("127.0.0.1", {}, trust_proxy=True) == "127.0.0.1"
    assert auth.client_address(None, None) is None


# --- password policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "password"), [
    ("h7", "12345678"), ("h7", "password"), ("h7", "PassWord"), ("h7", "qwerty123"), ("h7", "11111111"),
    ("h7", "password1"), ("h7", "admin123"), ("h7", "zzzzzzzzzz"), ("zhangwei", "zhangwei"),
    ("zhangwei", "ZhangWei-2026"), ("pharmacy01", "my-pharmacy01-pw"), ("h7", "short7!"),
])
def test_weak_passwords_are_refused(engine, name, password) -> None:
    with pytest.raises(auth.AccountError):
        auth.create_user(engine, name, password, "leadership")
    assert auth.get_user(engine, name) is None
    auth.create_user(engine, name, GOOD, "leadership")
    with pytest.raises(auth.AccountError):
        auth.set_password(engine, name, password)
    assert auth.sign_in(engine, name, GOOD, now=T0).status == "ok"


@pytest.mark.parametrize(("name", "password"), [("h7", GOOD), ("h7", "correct horse battery"),
                                                ("h1", "h1h1-river-stone")])  # a two-letter name inside is fine
def test_reasonable_passwords_are_accepted(engine, name, password) -> None:
    assert auth.password_problem(password, name) is None


# --- every account change recorded -----------------------------------------------------------------


def test_every_account_change_is_recorded_with_who_and_when(engine) -> None:
    auth.create_user(engine, "lead", GOOD, "leadership", actor="office")
    auth.set_password(engine, "lead", "Green-Valley-82", actor="office")
    auth.set_role(engine, "lead", "hospital", "H002", actor="office")
    auth.delete_user(engine, "lead", actor="office")
    log = auth.account_events(engine, "lead")
    assert log[["actor", "action", "detail"]].values.tolist() == [
        ["office", "delete", "hospital"],
        ["office", "role_change", "leadership -> hospital H002"],
        ["office", "password_change", None],
        ["office", "create", "leadership"],
    ]
    assert log["at"].notna().all()


def test_the_last_coordinator_keeps_its_role(engine) -> None:
    with pytest.raises(auth.AccountError):
        auth.set_role(engine, "office", "leadership", actor="office")
    with pytest.raises(auth.AccountError):
        auth.set_role(engine, "h1", "hospital", None, actor="office")  # a hospital account needs its hospital
    assert auth.get_user(engine, "office").role == "coordinator"


def test_changes_without_a_named_actor_are_the_os_users(engine) -> None:
    auth.create_user(engine, "lead", GOOD, "leadership")
    assert auth.account_events(engine, "lead")["actor"].tolist() == [f"os:{getpass.getuser()}"]


def test_users_command_logs_under_the_os_user_or_user(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("VBP_NEW_PASSWORD", GOOD)
    assert main(["users", "--db", url, "add", "c1", "--role", "coordinator"]) == 0
    assert main(["users", "--db", url, "--user", "chief", "add", "h9", "--role", "hospital", "--hospital", "H9"]) == 0
    assert main(["users", "--db", url, "role", "h9", "--role", "leadership", "--user", "chief"]) == 0
    assert main(["users", "--db", url, "unlock", "h9"]) == 0
    assert "未锁定" in capsys.readouterr().out
    log = auth.account_events(store.get_engine(url))
    assert log[["actor", "action", "username"]].values.tolist() == [
        ["chief", "role_change", "h9"], ["chief", "create", "h9"], [f"os:{getpass.getuser()}", "create", "c1"]]
    assert main(["users", "--db", url, "log"]) == 0
    assert "role_change" in capsys.readouterr().out


def test_cli_imports_are_logged_under_the_os_user_or_user(tmp_path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("机构编码,机构名称,所属地区\nH001,第一人民医院,东区\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'imp.sqlite'}"
    assert main(["import", str(path), "--db", url]) == 0
    path.write_text("机构编码,机构名称,所属地区\nH001,第一人民医院,西区\n", encoding="utf-8")
    assert main(["import", str(path), "--db", url, "--user", "li.ming"]) == 0
    users = store.list_imports(store.get_engine(url))["user"].tolist()
    assert users == ["li.ming", f"os:{getpass.getuser()}"]


def test_a_weak_admin_password_from_the_environment_creates_nobody_and_says_why(tmp_path, monkeypatch,
                                                                                  capsys) -> None:
    eng = create_engine(f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("VBP_ADMIN_PASSWORD", "admin123")
    monkeypatch.delenv("VBP_ADMIN_USER", raising=False)
    assert auth.ensure_coordinator_from_env(eng) is None
    assert not auth.has_users(eng)
    assert "too common" in capsys.readouterr().err
    monkeypatch.setenv("VBP_ADMIN_PASSWORD", GOOD)
    assert auth.ensure_coordinator_from_env(eng) == "admin"
    assert auth.account_events(eng)["actor"].tolist() == ["env:VBP_ADMIN_PASSWORD"]
