"""Local accounts (账户): who may sign in to the app and what each may see.

Three roles: ``coordinator`` (联盟办公室, everything), ``hospital`` (药剂科, its own hospital only)
and ``leadership`` (领导, read-only, all hospitals). Passwords are stored only as bcrypt hashes, in a
``users`` table of the store's database. There is never a default password: the first coordinator
comes from the command line (``python -m procurement users add``) or from ``VBP_ADMIN_PASSWORD``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import bcrypt
import pandas as pd
from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

Role = Literal["coordinator", "hospital", "leadership"]
ROLES: tuple[Role, ...] = ("coordinator", "hospital", "leadership")
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "coordinator": ("联盟办公室", "Coordinator"),
    "hospital": ("医疗机构", "Hospital"),
    "leadership": ("领导", "Leadership"),
}
MIN_PASSWORD_LENGTH = 8
# bcrypt cost; tests lower it through this module attribute to stay fast.
BCRYPT_ROUNDS = 12

metadata = MetaData()
users_table = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("hospital_id", String(64), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("region", String(64), nullable=True),  # 所属地区 a leadership account is limited to (None: all)
)

_created: set[str] = set()


class AccountError(ValueError):
    """A request about accounts the user must correct; the message is Chinese / English."""


@dataclass(frozen=True)
class User:
    """A signed-in person: the role decides the pages, ``hospital_id`` the rows they may see."""

    username: str
    role: Role
    hospital_id: str | None = None
    region: str | None = None

    @property
    def region_scope(self) -> str | None:
        """The region (所属地区) every read of a leadership account is limited to (None: all regions)."""
        return self.region if self.role == "leadership" else None

    @property
    def scope(self) -> str | None:
        """The hospital every read must be limited to (None: all hospitals)."""
        return self.hospital_id if self.role == "hospital" else None


def _ensure_table(engine: Engine) -> None:
    """Create ``users`` on first use; remembered per engine so it costs one check per process."""
    key = str(engine.url)
    if key not in _created:
        metadata.create_all(engine, checkfirst=True)
        from procurement.account_regions import add_region_column  # late: that module imports this one

        add_region_column(engine)
        _created.add(key)


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password.encode("utf-8")) > 72:
        raise AccountError("密码不能超过 72 字节 / password must not exceed 72 bytes")


def _check_username(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 64:
        raise AccountError("用户名须为 1–64 个字符 / username must be 1-64 characters")
    return name


def create_user(
    engine: Engine, username: str, password: str, role: str, hospital_id: str | None = None
) -> User:
    """Add an account; a hospital account must name its hospital, other roles must not."""
    _ensure_table(engine)
    name = _check_username(username)
    if role not in ROLES:
        raise AccountError(f"未知的角色 {role} / unknown role {role} (coordinator, hospital, leadership)")
    hospital = (hospital_id or "").strip() or None
    if role == "hospital" and hospital is None:
        raise AccountError("医疗机构账户须指定机构编码 / a hospital account needs a hospital id")
    if role != "hospital":
        hospital = None
    _check_password_rules(password)
    with engine.begin() as conn:
        exists = conn.execute(select(users_table.c.username).where(users_table.c.username == name)).first()
        if exists:
            raise AccountError(f"用户 {name} 已存在 / user {name} already exists")
        conn.execute(
            insert(users_table).values(
                username=name,
                password_hash=_hash(password),
                role=role,
                hospital_id=hospital,
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    return User(name, role, hospital)  # type: ignore[arg-type]


# A valid hash to compare against when the user does not exist, so both paths take bcrypt's time.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=4))


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The account when the password matches, else None (same answer for unknown user and bad password)."""
    _ensure_table(engine)
    name = (username or "").strip()
    with engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == name)).mappings().first()
    raw = (password or "").encode("utf-8")
    if row is None or len(raw) > 72:
        bcrypt.checkpw(b"x", _DUMMY_HASH)
        return None
    if not bcrypt.checkpw(raw, row["password_hash"].encode("ascii")):
        return None
    return User(row["username"], row["role"], row["hospital_id"], row.get("region"))


def list_users(engine: Engine) -> pd.DataFrame:
    """Accounts without their hashes: username, role, hospital_id, created_at."""
    _ensure_table(engine)
    cols = [users_table.c.username, users_table.c.role, users_table.c.hospital_id, users_table.c.created_at]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(users_table.c.username)).all()
    return pd.DataFrame(rows, columns=["username", "role", "hospital_id", "created_at"])


def get_user(engine: Engine, username: str) -> User | None:
    """The account named ``username`` (to refresh a session after an admin change)."""
    _ensure_table(engine)
    with engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
    return None if row is None else User(row["username"], row["role"], row["hospital_id"], row.get("region"))


def set_password(engine: Engine, username: str, password: str) -> None:
    """Replace a password; an unknown user is an error rather than a silent no-op."""
    _ensure_table(engine)
    _check_password_rules(password)
    with engine.begin() as conn:
        done = conn.execute(
            update(users_table).where(users_table.c.username == username).values(password_hash=_hash(password))
        ).rowcount
    if not done:
        raise AccountError(f"用户 {username} 不存在 / no user {username}")


def delete_user(engine: Engine, username: str) -> None:
    """Remove an account, but never the last coordinator: someone must be able to manage the rest."""
    _ensure_table(engine)
    with engine.begin() as conn:
        row = conn.execute(select(users_table.c.role).where(users_table.c.username == username)).first()
        if row is None:
            raise AccountError(f"用户 {username} 不存在 / no user {username}")
        if row[0] == "coordinator":
            n = conn.execute(select(users_table.c.username).where(users_table.c.role == "coordinator")).all()
            if len(n) <= 1:
                raise AccountError(
                    "不能删除最后一个联盟办公室账户 / cannot delete the last coordinator account"
                )
        conn.execute(delete(users_table).where(users_table.c.username == username))


def has_users(engine: Engine) -> bool:
    """Whether anyone can sign in yet (if not, the app explains how to create the first account)."""
    _ensure_table(engine)
    with engine.connect() as conn:
        return conn.execute(select(users_table.c.username).limit(1)).first() is not None


def has_coordinator(engine: Engine) -> bool:
    """Whether anyone can manage accounts yet."""
    _ensure_table(engine)
    with engine.connect() as conn:
        q = select(users_table.c.username).where(users_table.c.role == "coordinator").limit(1)
        return conn.execute(q).first() is not None


def ensure_coordinator_from_env(engine: Engine) -> str | None:
    """Create the first coordinator from ``VBP_ADMIN_USER``/``VBP_ADMIN_PASSWORD`` when none exists.

    Returns the username created, or None when nothing was done (a coordinator exists, or no
    password is set: there is no default password).
    """
    _ensure_table(engine)
    password = os.environ.get("VBP_ADMIN_PASSWORD")
    if not password or has_coordinator(engine):
        return None
    username = os.environ.get("VBP_ADMIN_USER") or "admin"
    create_user(engine, username, password, "coordinator")
    return username


def read_new_password() -> str:
    env = os.environ.get("VBP_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("密码 / password: ")
    second = getpass.getpass("再次输入 / again: ")
    if first != second:
        raise AccountError("两次输入的密码不一致 / the passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m procurement users", description="账户管理 / accounts")
    p.add_argument("--db", default=None, help="database URL (default: the app's database)")
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add an account (password from VBP_NEW_PASSWORD or prompted)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--hospital", default=None, help="hospital id, for --role hospital")
    pw = sub.add_parser("passwd", help="set a new password")
    pw.add_argument("name")
    rm = sub.add_parser("delete", help="delete an account")
    rm.add_argument("name")
    sub.add_parser("list", help="list accounts")
    for sp in (add, pw, rm, sub.choices["list"]):
        sp.add_argument("--db", default=argparse.SUPPRESS, help="database URL")
    return p


def users_main(argv: Sequence[str] | None = None) -> int:
    """``python -m procurement users add NAME --role R [--hospital H]`` (also passwd, delete, list).

    Exit 0 on success, 2 on a request the user must correct (message on stderr).
    """
    args = _parser().parse_args(list(argv) if argv is not None else None)
    from procurement import store  # late: the store is only needed when the command runs

    engine = store.get_engine(args.db)
    try:
        if args.action == "add":
            user = create_user(engine, args.name, read_new_password(), args.role, args.hospital)
            sys.stdout.write(f"已创建账户 / created account: {user.username} ({user.role})\n")
        elif args.action == "passwd":
            set_password(engine, args.name, read_new_password())
            sys.stdout.write(f"已修改密码 / password changed: {args.name}\n")
        elif args.action == "delete":
            delete_user(engine, args.name)
            sys.stdout.write(f"已删除账户 / deleted account: {args.name}\n")
        else:
            frame = list_users(engine)
            sys.stdout.write(frame.to_string(index=False) + "\n" if len(frame) else "(无账户 / no accounts)\n")
    except AccountError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0
