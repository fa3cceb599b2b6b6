"""Accounts: hashed passwords, roles, the first coordinator, and the users command."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from procurement import auth


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def engine(tmp_path):
    return create_engine(f"sqlite:///{tmp_path / 'vbp.sqlite'}")


def test_create_and_authenticate(engine) -> None:
    assert not auth.has_users(engine)
    auth.create_user(engine, "h1", "secret-pass", "hospital", "H001")
    assert auth.has_users(engine)
    user = auth.authenticate(engine, "h1", "secret-pass")
    assert user == auth.User("h1", "hospital", "H001")
    assert user.scope == "H001"
    assert auth.authenticate(engine, "h1", "wrong-pass") is None
    assert auth.authenticate(engine, "nobody", "secret-pass") is None


def test_password_is_stored_hashed(engine) -> None:
    auth.create_user(engine, "boss", "leadership-pw", "leadership")
    with engine.connect() as conn:
        stored = conn.execute(text("select password_hash from users")).scalar_one()
    assert "leadership-pw" not in stored
    assert stored.startswith("$2")


def test_roles_and_scope(engine) -> None:
    lead = auth.create_user(engine, "lead", "Blue-Harbor-71", "leadership", "H001")
    assert lead.hospital_id is None and lead.scope is None
    with pytest.raises(auth.AccountError):
        auth.create_user(engine, "h2", "Blue-Harbor-71", "hospital")
    with pytest.raises(auth.AccountError):
        auth.create_user(engine, "x", "Blue-Harbor-71", "admin")
    with pytest.raises(auth.AccountError):
        auth.create_user(engine, "short", "1234567", "leadership")
    with pytest.raises(auth.AccountError):
        auth.create_user(engine, "lead", "Green-Valley-82", "leadership")


def test_set_password_and_delete(engine) -> None:
    auth.create_user(engine, "c1", "Blue-Harbor-71", "coordinator")
    auth.create_user(engine, "h1", "Blue-Harbor-71", "hospital", "H001")
    auth.set_password(engine, "h1", "Green-Valley-82")
    assert auth.authenticate(engine, "h1", "Blue-Harbor-71") is None
    assert auth.authenticate(engine, "h1", "Green-Valley-82") is not None
    with pytest.raises(auth.AccountError):
        auth.set_password(engine, "ghost", "Green-Valley-82")
    with pytest.raises(auth.AccountError):
        auth.delete_user(engine, "c1")  # the last coordinator stays
    auth.delete_user(engine, "h1")
    assert list(auth.list_users(engine)["username"]) == ["c1"]
    assert "password_hash" not in auth.list_users(engine).columns


def test_coordinator_from_env(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VBP_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("VBP_ADMIN_USER", raising=False)
    assert auth.ensure_coordinator_from_env(engine) is None
    assert not auth.has_users(engine)
    monkeypatch.setenv("VBP_ADMIN_PASSWORD", "Alliance-Office-1")
    assert auth.ensure_coordinator_from_env(engine) == "admin"
    assert auth.authenticate(engine, "admin", "Alliance-Office-1").role == "coordinator"
    monkeypatch.setenv("VBP_ADMIN_USER", "other")
    assert auth.ensure_coordinator_from_env(engine) is None  # one exists already


def test_users_command(engine, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from procurement.cli import main

    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("VBP_NEW_PASSWORD", "hospital-pw")
    assert main(["users", "add", "h9", "--role", "hospital", "--hospital", "H009", "--db", url]) == 0
    assert auth.authenticate(engine, "h9", "hospital-pw").hospital_id == "H009"
    assert main(["users", "--db", url, "add", "h9", "--role", "hospital", "--hospital", "H009"]) == 2
    assert "已存在" in capsys.readouterr().err
