"""The region (所属地区) a leadership account is limited to: a leader responsible for one region of a
multi-city alliance or a province sees that region's hospitals and nothing of the others (issue 11).

Held in the ``region`` column of the accounts table (procurement.auth); the data layer enforces it
(``store.load_dataset(engine, region=...)``), the app reads every figure of such an account through it.
Kept apart from auth.py so the account rules there stay as they are: only leadership accounts take a
region; a coordinator sees everything by definition and a hospital account its own hospital.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from procurement import auth


def account_regions(engine: Engine) -> dict[str, str]:
    """username -> region, for the accounts that have one."""
    auth.ensure_schema(engine)
    users = auth.users_table
    with engine.connect() as conn:
        rows = conn.execute(select(users.c.username, users.c.region).where(users.c.region.is_not(None))).all()
    return {name: region for name, region in rows}


def set_region(engine: Engine, username: str, region: str | None) -> None:
    """Limit a leadership account to ``region`` (None or blank: all regions again).

    Any other role is refused: a coordinator must see every region and a hospital its own hospital, so a
    region there would either be ignored (silently wrong) or contradict the role.
    """
    auth.ensure_schema(engine)
    users = auth.users_table
    value = (region or "").strip() or None
    if value is not None and len(value) > 64:
        raise auth.AccountError("地区名称不能超过 64 个字符 / a region name has at most 64 characters")
    with engine.begin() as conn:
        row = conn.execute(select(users.c.role).where(users.c.username == username)).first()
        if row is None:
            raise auth.AccountError(f"用户 {username} 不存在 / no user {username}")
        if row[0] != "leadership" and value is not None:
            raise auth.AccountError("只有领导账户可限定地区 / only a leadership account can be limited to a region")
        conn.execute(update(users).where(users.c.username == username).values(region=value))
