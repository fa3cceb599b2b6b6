"""Local accounts (账户): who may sign in to the app and what each may see.

Three roles: ``coordinator`` (联盟办公室, everything), ``hospital`` (药剂科, its own hospital only)
and ``leadership`` (领导, read-only, all hospitals). Passwords are stored only as bcrypt hashes
(cost ``BCRYPT_ROUNDS``), in a ``users`` table of the store's database (``db_schema.users_table``). There is never a default
password: the first coordinator comes from the command line (``python -m procurement users add``) or
from ``VBP_ADMIN_PASSWORD``.

The app faces every hospital of an alliance, so (issue 15 item 6):

- sign-in is throttled per account name and per client address (table ``signin_throttle``): after
  ``FREE_FAILURES`` failures each further attempt waits ``BASE_DELAY * 2**k`` seconds (at most
  ``MAX_DELAY``); ``ACCOUNT_LOCKOUT`` failures lock the name, ``ADDRESS_LOCKOUT`` the address, until a
  coordinator lifts it (``unlock``). Failures are forgotten after ``FAILURE_MEMORY`` without one.
  Names that do not exist are throttled alike, and always cost one bcrypt check against a dummy hash
  of the same cost, so no answer and no timing tells whether a name exists;
- passwords that are common (``COMMON_PASSWORDS``, also with digits appended), one repeated
  character, equal to the user name or containing it are refused;
- every account change (create, delete, role change, password change, lockout, lockout lifted) is
  recorded with who did it and when (table ``account_events``, ``account_events()``).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import bcrypt
import pandas as pd
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from procurement.db_schema import events_table, throttle_table, users_table

Role = Literal["coordinator", "hospital", "leadership"]
ROLES: tuple[Role, ...] = ("coordinator", "hospital", "leadership")
MIN_PASSWORD_LENGTH = 8
# bcrypt cost: 2**12 rounds, about 0.2-0.3 s per check on a server core (a guess costs an attacker the
# same). Stated in the README; tests lower it through this module attribute to stay fast.
BCRYPT_ROUNDS = 12

# Sign-in throttling, per account name and per client address (see the module docstring).
FREE_FAILURES = 3  # failures answered at once; then a wait before each further attempt
BASE_DELAY = 1.0  # seconds after the first failure beyond the free ones, doubling with each further one
MAX_DELAY = 300.0  # the wait never grows beyond five minutes
ACCOUNT_LOCKOUT = 10  # failures that lock an account name until a coordinator lifts it
ADDRESS_LOCKOUT = 30  # failures that lock a client address until a coordinator lifts it
FAILURE_MEMORY = timedelta(hours=1)  # a name or address with no failure for this long starts afresh

# Refused as passwords (compared in lower case, also with trailing digits removed): the most common
# passwords of public leak lists, Chinese favourites among them. Short on purpose: the length rule and
# throttling do the rest.
COMMON_PASSWORDS: frozenset[str] = frozenset({
    "12345678", "123456789", "1234567890", "0123456789", "87654321", "11111111", "00000000", "88888888",
    "66666666", "12341234", "11223344", "12121212", "123123123", "147258369", "5201314", "woaini1314",
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwerty123", "qwertyuiop", "1qaz2wsx",
    "1q2w3e4r", "1q2w3e4r5t", "qwe123", "qweasdzxc", "asdfghjkl", "zxcvbnm", "abc12345", "abcd1234",
    "abcdefgh", "a1234567", "aa123456", "admin", "admin123", "administrator", "root", "changeme",
    "welcome", "letmein", "iloveyou", "sunshine", "football", "baseball", "trustno1", "dragon", "monkey",
    "princess", "superman", "master", "secret", "test", "guest", "default", "hospital", "yiyuan",
})

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


def ensure_schema(engine: Engine) -> None:
    """The database at the current schema (Alembic head), for engines not opened through
    ``store.get_engine``; remembered per engine so it costs one check per process."""
    key = str(engine.url)
    if key not in _created:
        from procurement.store.database import upgrade  # late: the store is not needed to check a password

        upgrade(engine)
        _created.add(key)



@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that takes SQLite's write lock up front (the store's engines honour
    ``sqlite_begin``): a read upgraded to a write can fail at once when another writer got in first."""
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused for ``username`` (Chinese / English), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / "
                f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > 72:  # bcrypt reads no further
        return "密码不能超过 72 字节 / password must not exceed 72 bytes"
    lowered = password.strip().lower()
    if lowered in COMMON_PASSWORDS or lowered.rstrip("0123456789!.@#") in COMMON_PASSWORDS:
        return "密码过于常见，容易被猜中 / this password is too common and easy to guess"
    if len(set(password)) == 1:
        return "密码不能是同一字符的重复 / password must not repeat one character"
    name = (username or "").strip().lower()
    # a name of one or two characters is inside too many good passwords to forbid containing it
    if name and (lowered == name or (len(name) >= 3 and name in lowered)):
        return "密码不能与用户名相同或包含用户名 / password must not equal or contain the user name"
    return None


def _check_password_rules(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)


def _check_username(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 64:
        raise AccountError("用户名须为 1–64 个字符 / username must be 1-64 characters")
    return name


def default_actor() -> str:
    """Who is changing accounts when no signed-in account is named: the operating-system user."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "os:unknown"


def _record(conn: Connection, actor: str | None, action: str, username: str, detail: str | None = None,
            at: datetime | None = None) -> None:
    conn.execute(insert(events_table).values(at=at or _now(), actor=actor or default_actor(), action=action,
                                             username=username, detail=detail))


def _role_detail(role: str, hospital: str | None) -> str:
    return role if hospital is None else f"{role} {hospital}"


def _checked_role(role: str, hospital_id: str | None) -> str | None:
    """The hospital an account of ``role`` keeps: required for a hospital account, dropped otherwise."""
    if role not in ROLES:
        raise AccountError(f"未知的角色 {role} / unknown role {role} (coordinator, hospital, leadership)")
    hospital = (hospital_id or "").strip() or None
    if role == "hospital" and hospital is None:
        raise AccountError("医疗机构账户须指定机构编码 / a hospital account needs a hospital id")
    return hospital if role == "hospital" else None


def create_user(
    engine: Engine, username: str, password: str, role: str, hospital_id: str | None = None,
    *, actor: str | None = None,
) -> User:
    """Add an account; a hospital account must name its hospital, other roles must not.

    ``actor``: who creates it (the signed-in coordinator; default the operating-system user).
    """
    ensure_schema(engine)
    name = _check_username(username)
    hospital = _checked_role(role, hospital_id)
    _check_password_rules(password, name)
    with _writing(engine) as conn:
        exists = conn.execute(select(users_table.c.username).where(users_table.c.username == name)).first()
        if exists:
            raise AccountError(f"用户 {name} 已存在 / user {name} already exists")
        conn.execute(
            insert(users_table).values(
                username=name, password_hash=_hash(password), role=role, hospital_id=hospital, created_at=_now()
            )
        )
        _record(conn, actor, "create", name, _role_detail(role, hospital))
    return User(name, role, hospital)  # type: ignore[arg-type]


# --- sign-in ---------------------------------------------------------------------------------------

_DUMMY_HASHES: dict[int, bytes] = {}


def _dummy_hash() -> bytes:
    """A hash of the current cost to check against when the name is unknown: the same bcrypt work
    as for a real account, so the answer's time does not tell whether the name exists."""
    if BCRYPT_ROUNDS not in _DUMMY_HASHES:
        _DUMMY_HASHES[BCRYPT_ROUNDS] = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
    return _DUMMY_HASHES[BCRYPT_ROUNDS]


@dataclass(frozen=True)
class SignIn:
    """The answer to one sign-in attempt.

    ``status``: "ok" (``user`` set), "bad" (wrong name or password, never said which), "wait" (too
    many failures: try again in ``retry_after`` seconds) or "locked" (a coordinator must lift it).
    """

    status: Literal["ok", "bad", "wait", "locked"]
    user: User | None = None
    retry_after: float = 0.0

    @property
    def message(self) -> str:
        """What to tell the person, Chinese / English (the same for unknown names and bad passwords)."""
        if self.status == "ok":
            return ""
        if self.status == "wait":
            seconds = max(1, round(self.retry_after))
            return f"尝试次数过多，请 {seconds} 秒后再试 / too many attempts: try again in {seconds} s"
        if self.status == "locked":
            return ("登录失败次数过多，已锁定，请联系联盟办公室解除 / "
                    "locked after too many failed sign-ins: ask a coordinator to lift the lock")
        return "用户名或密码错误 / wrong user name or password"


def throttle_keys(username: str, address: str | None) -> list[str]:
    """The counters a sign-in attempt is held against: its account name and its client address."""
    keys = [f"user:{(username or '').strip().lower()[:100]}"]
    if address:
        keys.append(f"address:{address.strip()[:100]}")
    return keys


def delay_after(failures: int) -> float:
    """Seconds to wait before the next attempt after ``failures`` consecutive failures."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2.0 ** (failures - FREE_FAILURES))


def _held(conn: Connection, keys: list[str], now: datetime) -> SignIn | None:
    """Whether any counter holds this attempt back (a lock, or a wait not yet over)."""
    rows = conn.execute(select(throttle_table).where(throttle_table.c.key.in_(keys))).mappings().all()
    wait = 0.0
    for row in rows:
        if row["locked"]:
            return SignIn("locked")
        if now - row["last_failure"] >= FAILURE_MEMORY:
            continue
        ready = row["last_failure"] + timedelta(seconds=delay_after(row["failures"]))
        wait = max(wait, (ready - now).total_seconds())
    return SignIn("wait", retry_after=wait) if wait > 0 else None


def _count_failure(conn: Connection, keys: list[str], now: datetime) -> None:
    """One more failure on each counter; a counter reaching its lockout locks (recorded as an event)."""
    for key in keys:
        row = conn.execute(select(throttle_table).where(throttle_table.c.key == key)).mappings().first()
        fresh = row is None or now - row["last_failure"] >= FAILURE_MEMORY
        failures = 1 if fresh else row["failures"] + 1
        limit = ACCOUNT_LOCKOUT if key.startswith("user:") else ADDRESS_LOCKOUT
        locked = failures >= limit
        values = {"failures": failures, "last_failure": now, "locked": locked}
        if row is None:
            conn.execute(insert(throttle_table).values(key=key, **values))
        else:
            conn.execute(update(throttle_table).where(throttle_table.c.key == key).values(**values))
        if locked and not (row is not None and row["locked"]):
            _record(conn, "system", "lockout", key.split(":", 1)[1],
                    f"{key.split(':', 1)[0]} locked after {failures} failed sign-ins", at=now)


def sign_in(
    engine: Engine, username: str, password: str, *, address: str | None = None, now: datetime | None = None
) -> SignIn:
    """Check a password with throttling per account name and per client address (see the module doc).

    Every attempt not held back costs exactly one bcrypt check, against the account's hash or a dummy
    of the same cost, so unknown names and wrong passwords look alike in answer and time. ``now`` is
    for tests (a fake clock); ``address`` is the client's, when known.
    """
    ensure_schema(engine)
    now = now or _now()
    name = (username or "").strip()
    keys = throttle_keys(name, address)
    with engine.connect() as conn:
        held = _held(conn, keys, now)
        row = None if held else conn.execute(
            select(users_table).where(users_table.c.username == name)
        ).mappings().first()
    if held:
        return held
    raw = (password or "").encode("utf-8")
    stored = row["password_hash"].encode("ascii") if row is not None and len(raw) <= 72 else None
    matched = bcrypt.checkpw(raw[:72] if stored else b"x", stored or _dummy_hash()) and stored is not None
    with _writing(engine) as conn:
        if matched:
            conn.execute(delete(throttle_table).where(throttle_table.c.key == keys[0]))  # the address keeps its count
        else:
            _count_failure(conn, keys, now)
    if not matched:
        return SignIn("bad")
    return SignIn("ok", User(row["username"], row["role"], row["hospital_id"], row.get("region")))


def authenticate(engine: Engine, username: str, password: str, *, address: str | None = None,
                 now: datetime | None = None) -> User | None:
    """The account when the password matches, else None (same answer for unknown user and bad password,
    and for an attempt held back by throttling: use ``sign_in`` to tell the person why)."""
    return sign_in(engine, username, password, address=address, now=now).user


def client_address(remote_ip: str | None, headers: Mapping[str, str] | None = None,
                   trust_proxy: bool | None = None) -> str | None:
    """The address to throttle a sign-in by.

    Behind a reverse proxy every request comes from the proxy, so with ``trust_proxy`` (default: the
    environment variable ``VBP_TRUST_PROXY=1``) the proxy's ``X-Forwarded-For`` is used: its last
    entry, the one the proxy itself wrote. Without a proxy that header is the client's to forge and is
    ignored.
    """
    if trust_proxy is None:
        trust_proxy = os.environ.get("VBP_TRUST_PROXY") == "1"
    if trust_proxy and headers:
        forwarded = next((v for k, v in headers.items() if k.lower() == "x-forwarded-for"), None)
        if forwarded and forwarded.split(",")[-1].strip():
            return forwarded.split(",")[-1].strip()
    return remote_ip or None


def lockouts(engine: Engine) -> pd.DataFrame:
    """Locked account names and addresses (kind, name, failures, last_failure), for a coordinator."""
    ensure_schema(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(throttle_table).where(throttle_table.c.locked.is_(True))
                            .order_by(throttle_table.c.key)).mappings().all()
    records = [{"kind": r["key"].split(":", 1)[0], "name": r["key"].split(":", 1)[1], "failures": r["failures"],
                "last_failure": r["last_failure"]} for r in rows]
    return pd.DataFrame.from_records(records, columns=["kind", "name", "failures", "last_failure"])


def unlock(engine: Engine, name: str, *, address: bool = False, actor: str | None = None) -> bool:
    """Lift the lock (and forget the failures) of an account name, or with ``address`` of a client
    address; recorded as an account event. Returns whether there was anything to lift."""
    ensure_schema(engine)
    key = throttle_keys("", name)[1] if address else throttle_keys(name, None)[0]
    with _writing(engine) as conn:
        done = conn.execute(delete(throttle_table).where(throttle_table.c.key == key)).rowcount
        if done:
            _record(conn, actor, "unlock", key.split(":", 1)[1], key.split(":", 1)[0])
    return bool(done)


# --- accounts --------------------------------------------------------------------------------------


def list_users(engine: Engine) -> pd.DataFrame:
    """Accounts without their hashes: username, role, hospital_id, created_at."""
    ensure_schema(engine)
    cols = [users_table.c.username, users_table.c.role, users_table.c.hospital_id, users_table.c.created_at]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(users_table.c.username)).all()
    return pd.DataFrame(rows, columns=["username", "role", "hospital_id", "created_at"])


def get_user(engine: Engine, username: str) -> User | None:
    """The account named ``username`` (to refresh a session after an admin change)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
    return None if row is None else User(row["username"], row["role"], row["hospital_id"], row.get("region"))


def set_password(engine: Engine, username: str, password: str, *, actor: str | None = None) -> None:
    """Replace a password; an unknown user is an error rather than a silent no-op."""
    ensure_schema(engine)
    _check_password_rules(password, username)
    with _writing(engine) as conn:
        done = conn.execute(
            update(users_table).where(users_table.c.username == username).values(password_hash=_hash(password))
        ).rowcount
        if done:
            _record(conn, actor, "password_change", username)
    if not done:
        raise AccountError(f"用户 {username} 不存在 / no user {username}")


def _coordinators(conn: Connection) -> int:
    return len(conn.execute(select(users_table.c.username).where(users_table.c.role == "coordinator")).all())


def set_role(engine: Engine, username: str, role: str, hospital_id: str | None = None, *,
             actor: str | None = None) -> User:
    """Change an account's role (and hospital); never demote the last coordinator."""
    ensure_schema(engine)
    hospital = _checked_role(role, hospital_id)
    with _writing(engine) as conn:
        row = conn.execute(select(users_table).where(users_table.c.username == username)).mappings().first()
        if row is None:
            raise AccountError(f"用户 {username} 不存在 / no user {username}")
        if row["role"] == "coordinator" and role != "coordinator" and _coordinators(conn) <= 1:
            raise AccountError("不能更改最后一个联盟办公室账户的角色 / cannot change the last coordinator's role")
        if (row["role"], row["hospital_id"]) != (role, hospital):
            conn.execute(update(users_table).where(users_table.c.username == username)
                         .values(role=role, hospital_id=hospital))
            _record(conn, actor, "role_change", username,
                    f"{_role_detail(row['role'], row['hospital_id'])} -> {_role_detail(role, hospital)}")
    return User(username, role, hospital)  # type: ignore[arg-type]


def delete_user(engine: Engine, username: str, *, actor: str | None = None) -> None:
    """Remove an account, but never the last coordinator: someone must be able to manage the rest."""
    ensure_schema(engine)
    with _writing(engine) as conn:
        row = conn.execute(select(users_table.c.role).where(users_table.c.username == username)).first()
        if row is None:
            raise AccountError(f"用户 {username} 不存在 / no user {username}")
        if row[0] == "coordinator" and _coordinators(conn) <= 1:
            raise AccountError(
                "不能删除最后一个联盟办公室账户 / cannot delete the last coordinator account"
            )
        conn.execute(delete(users_table).where(users_table.c.username == username))
        _record(conn, actor, "delete", username, row[0])


def account_events(engine: Engine, username: str | None = None) -> pd.DataFrame:
    """The account log, newest first: at, actor, action, username, detail (one account's with ``username``)."""
    ensure_schema(engine)
    stmt = select(events_table).order_by(events_table.c.id.desc())
    if username is not None:
        stmt = stmt.where(events_table.c.username == username)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    cols = ["at", "actor", "action", "username", "detail"]
    return pd.DataFrame.from_records([{c: r[c] for c in cols} for r in rows], columns=cols)


def has_users(engine: Engine) -> bool:
    """Whether anyone can sign in yet (if not, the app explains how to create the first account)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        return conn.execute(select(users_table.c.username).limit(1)).first() is not None


def has_coordinator(engine: Engine) -> bool:
    """Whether anyone can manage accounts yet."""
    ensure_schema(engine)
    with engine.connect() as conn:
        q = select(users_table.c.username).where(users_table.c.role == "coordinator").limit(1)
        return conn.execute(q).first() is not None


def ensure_coordinator_from_env(engine: Engine) -> str | None:
    """Create the first coordinator from ``VBP_ADMIN_USER``/``VBP_ADMIN_PASSWORD`` when none exists.

    Returns the username created, or None when nothing was done (a coordinator exists, or no
    password is set: there is no default password). A password the policy refuses creates nobody;
    the reason goes to stderr (the server log, or the terminal of ``make run``).
    """
    ensure_schema(engine)
    password = os.environ.get("VBP_ADMIN_PASSWORD")
    if not password or has_coordinator(engine):
        return None
    username = os.environ.get("VBP_ADMIN_USER") or "admin"
    try:
        create_user(engine, username, password, "coordinator", actor="env:VBP_ADMIN_PASSWORD")
    except AccountError as exc:
        sys.stderr.write(f"VBP_ADMIN_PASSWORD / VBP_ADMIN_USER: {exc}\n")
        return None
    return username
