"""Sign-in sessions (登录会话): what lets a refresh or a bookmark stay signed in, kept in the store's database.

A session is a row in ``user_sessions``; the browser holds only a token ``<id>.<expiry>.<signature>``.
The signature (HMAC-SHA256 with a key that never leaves the server) makes a guessed or altered token
worthless before the database is even asked; the row makes the token revocable: signing out deletes it,
and ``end_all_sessions`` deletes every session of an account (a password reset, a deleted account).

A session also ends by itself:
- after ``idle_minutes()`` without use (``VBP_SESSION_IDLE_MINUTES``, default 30);
- ``MAX_HOURS`` after sign-in, however busy;
- as soon as the account's password, role or hospital changes, whichever code path changed it: each row
  holds a fingerprint of those fields and a token whose fingerprint no longer matches is refused.

Only a hash of the session id is stored, so a copy of the database does not hand out live sessions.
This module is separate from ``auth`` (accounts, passwords) so that the two can change independently.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from procurement import auth
from procurement.auth import User
from procurement.db_schema import secrets_table, sessions_table

DEFAULT_IDLE_MINUTES = 30
MAX_HOURS = 12
# Writing last_seen on every click would make each rerun a write; a minute's precision is plenty.
TOUCH_EVERY = timedelta(seconds=60)

_created: set[str] = set()
_keys: dict[str, bytes] = {}


def idle_minutes() -> float:
    """Minutes without use after which a session ends (setting ``VBP_SESSION_IDLE_MINUTES``)."""
    try:
        value = float(os.environ.get("VBP_SESSION_IDLE_MINUTES") or DEFAULT_IDLE_MINUTES)
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return value if value > 0 else DEFAULT_IDLE_MINUTES


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ensure_tables(engine: Engine) -> None:
    key = str(engine.url)
    if key not in _created:
        auth.ensure_schema(engine)
        _created.add(key)


def _signing_key(engine: Engine) -> bytes:
    """``VBP_SESSION_SECRET`` when set, else a random key made once and kept in the database, so that
    sessions survive a server restart and every server process on the same database agrees."""
    env = os.environ.get("VBP_SESSION_SECRET")
    if env:
        return env.encode("utf-8")
    url = str(engine.url)
    if url not in _keys:
        _ensure_tables(engine)
        with engine.begin() as conn:
            row = conn.execute(select(secrets_table.c.value).where(secrets_table.c.name == "session_key")).first()
            if row is None:
                value = secrets.token_hex(32)
                conn.execute(insert(secrets_table).values(name="session_key", value=value))
            else:
                value = row[0]
        _keys[url] = value.encode("ascii")
    return _keys[url]


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def _fingerprint(engine: Engine, username: str) -> str | None:
    """A digest of what a session was granted on: password hash, role and hospital (None: no such user)."""
    users = auth.users_table
    with engine.connect() as conn:
        row = conn.execute(select(users.c.password_hash, users.c.role, users.c.hospital_id)
                           .where(users.c.username == username)).first()
    if row is None:
        return None
    return hashlib.sha256("\x1f".join(str(v) for v in row).encode("utf-8")).hexdigest()


def start_session(engine: Engine, user: User, now: datetime | None = None) -> str:
    """Record a new session for ``user`` (just authenticated) and return its token for the browser."""
    _ensure_tables(engine)
    now = now or _now()
    fingerprint = _fingerprint(engine, user.username)
    if fingerprint is None:
        raise auth.AccountError(f"用户 {user.username} 不存在 / no user {user.username}")
    session_id = secrets.token_urlsafe(24)
    expires = now + timedelta(hours=MAX_HOURS)
    with engine.begin() as conn:
        conn.execute(insert(sessions_table).values(
            id_hash=_id_hash(session_id), username=user.username, fingerprint=fingerprint, created_at=now,
            last_seen=now, expires_at=expires))
    payload = f"{session_id}.{int(expires.replace(tzinfo=UTC).timestamp())}"
    return f"{payload}.{_sign(_signing_key(engine), payload)}"


def _parse(engine: Engine, token: str | None) -> tuple[str, datetime] | None:
    """The session id and expiry of a well-formed, correctly signed token; None for anything else."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(_signing_key(engine), payload), parts[2]):
        return None
    try:
        expires = datetime.fromtimestamp(int(parts[1]), UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None
    return parts[0], expires


def resume_session(engine: Engine, token: str | None, now: datetime | None = None) -> User | None:
    """The account behind a live token, refreshed from the database; None when the token is bad, ended,
    idle too long, past its expiry, or the account changed (password, role, hospital) or is gone.
    A dead session's row is removed on the way."""
    parsed = _parse(engine, token)
    if parsed is None:
        return None
    session_id, expires = parsed
    now = now or _now()
    _ensure_tables(engine)
    key = _id_hash(session_id)
    with engine.connect() as conn:
        row = conn.execute(select(sessions_table).where(sessions_table.c.id_hash == key)).mappings().first()
    if row is None:
        return None
    user = auth.get_user(engine, row["username"])
    idle = timedelta(minutes=idle_minutes())
    alive = (now < min(expires, row["expires_at"]) and now - row["last_seen"] <= idle and user is not None
             and hmac.compare_digest(row["fingerprint"], _fingerprint(engine, row["username"]) or ""))
    with engine.begin() as conn:
        if not alive:
            conn.execute(delete(sessions_table).where(sessions_table.c.id_hash == key))
            return None
        if now - row["last_seen"] >= TOUCH_EVERY:
            conn.execute(update(sessions_table).where(sessions_table.c.id_hash == key).values(last_seen=now))
    return user


def end_session(engine: Engine, token: str | None) -> None:
    """Sign-out: the token stops working at once, wherever it was copied to."""
    parsed = _parse(engine, token)
    if parsed is None:
        return
    _ensure_tables(engine)
    with engine.begin() as conn:
        conn.execute(delete(sessions_table).where(sessions_table.c.id_hash == _id_hash(parsed[0])))


def end_all_sessions(engine: Engine, username: str) -> int:
    """End every session of ``username`` (password reset, role change, deleted account); how many ended."""
    _ensure_tables(engine)
    with engine.begin() as conn:
        return conn.execute(delete(sessions_table).where(sessions_table.c.username == username)).rowcount


def purge_expired(engine: Engine, now: datetime | None = None) -> int:
    """Remove rows of sessions that can no longer be resumed (housekeeping; called at sign-in)."""
    _ensure_tables(engine)
    now = now or _now()
    idle_cut = now - timedelta(minutes=idle_minutes())
    with engine.begin() as conn:
        gone = conn.execute(delete(sessions_table).where(
            (sessions_table.c.expires_at <= now) | (sessions_table.c.last_seen < idle_cut)))
        return gone.rowcount
