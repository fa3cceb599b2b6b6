"""Accounts from the command line: `procurement users ...` and the first coordinator at bootstrap."""

from __future__ import annotations

import pytest

from procurement import auth, store
from procurement.cli import main


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.delenv("VBP_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("VBP_ADMIN_USER", raising=False)


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'vbp.sqlite'}"


def test_users_add_through_the_procurement_command(db_url, monkeypatch, capsys):
    monkeypatch.setenv("VBP_NEW_PASSWORD", "Pharmacy-2026")
    assert main(["users", "--db", db_url, "add", "h001", "--role", "hospital", "--hospital", "H001"]) == 0
    user = auth.authenticate(store.get_engine(db_url), "h001", "Pharmacy-2026")
    assert user is not None and user.role == "hospital" and user.hospital_id == "H001"
    assert auth.authenticate(store.get_engine(db_url), "h001", "wrong-password") is None


def test_users_add_with_a_bad_role_is_bad_input(db_url, monkeypatch):
    monkeypatch.setenv("VBP_NEW_PASSWORD", "Pharmacy-2026")
    assert main(["users", "--db", db_url, "add", "x", "--role", "king"]) == 2
    assert not auth.has_users(store.get_engine(db_url))


def test_bootstrap_creates_the_first_coordinator_from_the_environment(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VBP_ADMIN_PASSWORD", "Coordinator-2026")
    monkeypatch.setenv("VBP_ADMIN_USER", "chief")
    empty = tmp_path / "no-sample"
    empty.mkdir()
    main(["bootstrap", "--db", db_url, "--from", str(empty)])
    engine = store.get_engine(db_url)
    user = auth.authenticate(engine, "chief", "Coordinator-2026")
    assert user is not None and user.role == "coordinator"


def test_bootstrap_without_a_password_creates_nobody_and_says_how(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    empty = tmp_path / "no-sample"
    empty.mkdir()
    main(["bootstrap", "--db", db_url, "--from", str(empty)])
    assert not auth.has_users(store.get_engine(db_url))
    assert "VBP_ADMIN_PASSWORD" in capsys.readouterr().out
