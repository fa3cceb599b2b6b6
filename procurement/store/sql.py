"""Driver-level helpers every part of the store shares: which database, the writers' lock, cheap
existence checks and reads through the raw driver cursor."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Any fixed number: the advisory lock every writer of a PostgreSQL store takes (see ``write_lock``).
_PG_WRITE_LOCK = 0x56425001


def write_lock(conn: Connection) -> None:
    """Serialise writers, as SQLite's ``BEGIN IMMEDIATE`` does, for the rest of the transaction.

    An import recounts the daily series of the buckets it touches from the stored lines: two imports
    doing that at once under PostgreSQL's READ COMMITTED each write totals that miss the other's
    lines (lost updates), and both insert the same new series rows (unique violations). Imports take
    seconds, so one writer at a time costs little; readers are never blocked.
    """
    if not is_sqlite(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def has_rows(conn: Connection, table: sa.FromClause) -> bool:
    return bool(conn.execute(sa.select(sa.exists(sa.select(sa.literal(1)).select_from(table)))).scalar_one())


def raw_rows(conn: Connection, stmt: sa.Select) -> list[Any]:
    """All rows of ``stmt`` as the driver's plain tuples (no SQLAlchemy row objects: millions of them cost seconds)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(str(compiled), params)
        return cur.fetchall()
    finally:
        cur.close()


IN_CHUNK = 500  # hospitals per IN (...) list: far below every driver's bound-parameter limit
