"""Where the store lives and how it is opened: the engine (SQLite tuned for one writer beside many
readers, or PostgreSQL), and the schema created or brought up to date on opening."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from procurement import db_schema as schema
from procurement.store import links, series
from procurement.store.sql import has_rows, write_lock

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_url() -> str:
    """``VBP_DB_URL`` when set, else the embedded SQLite file the app and the CLI share."""
    url = os.environ.get("VBP_DB_URL")
    if url:
        return url
    folder = REPO_ROOT / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'vbp.sqlite'}"


def get_engine(url: str | None = None) -> Engine:
    """An engine with the schema in place; SQLite tuned for one writer beside many readers."""
    url = url or default_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        configure_sqlite(engine)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    present = set(sa.inspect(engine).get_table_names())
    if any(t.name not in present for t in schema.metadata.sorted_tables):
        with engine.connect() as conn:  # two processes starting at once must not both create a table
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                write_lock(conn)
                schema.metadata.create_all(conn)  # checks again, under the lock
    _upgrade(engine)
    return engine


def _upgrade(engine: Engine) -> None:
    """Bring a database written by an earlier version up to date (idempotent, cheap when current).

    Looked at without a lock (the usual case: nothing to do); any change is decided again and made
    under the write lock, so two processes starting at once never apply it twice.
    """
    if _upgrade_in(engine, None):
        with engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                write_lock(conn)
                _upgrade_in(conn, conn)


def _upgrade_in(bind: Engine | Connection, conn: Connection | None) -> bool:
    """Whether ``bind``'s schema is out of date; with ``conn`` (a locked transaction), bring it up to date."""
    inspector = sa.inspect(bind)
    retired = [t for t in schema.RETIRED_TABLES if inspector.has_table(t)]
    indexes = {ix["name"] for ix in inspector.get_indexes("purchases")}
    stale_indexes = [ix for ix in schema.RETIRED_INDEXES if ix in indexes]
    missing_columns: list[tuple[str, sa.Column]] = []
    stale_keys: list[sa.Index] = []
    for kind, table in schema.KIND_TABLES.items():
        present = {c["name"] for c in inspector.get_columns(kind)}
        missing_columns += [(kind, c) for c in table.c if c.name not in present]
        stored = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(kind)}
        for index in table.indexes:
            if index.unique and index.name in stored and stored[index.name] != [c.name for c in index.columns]:
                stale_keys.append(index)  # a natural key that gained a column (ids scoped by hospital)
            elif index.name not in stored:
                stale_keys.append(index)  # an index added since (DROP IF EXISTS, then CREATE, below)
    present_log = {c["name"] for c in inspector.get_columns("imports")}
    missing_columns += [("imports", c) for c in schema.imports.c if c.name not in present_log]
    missing_links = [c for kind, c in missing_columns if kind == "payments" and c.name.startswith("link_")]
    if conn is None:
        with bind.connect() as reader:
            needs_series = _series_missing(reader)
    else:
        needs_series = _series_missing(conn)
    if conn is None or not (retired or stale_indexes or needs_series or missing_columns or stale_keys):
        return bool(retired or stale_indexes or needs_series or missing_columns or stale_keys)
    for name in retired:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    for name in stale_indexes:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    for table_name, column in missing_columns:
        sql_type = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {column.name} {sql_type}")
        if (table_name, column.name) == ("agreements", "agreement_year"):  # written before years: year 1
            conn.exec_driver_sql("UPDATE agreements SET agreement_year = 1 WHERE agreement_year IS NULL")
    for index in stale_keys:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        index.create(conn)
    if missing_links:
        links.relink_payments(conn, "payments", None)
    if needs_series:
        series.rebuild_series(conn)
    return True


def _series_missing(conn: Connection) -> bool:
    """Order lines stored without their daily series (a database written before the series existed)."""
    return has_rows(conn, schema.KIND_TABLES["purchases"]) and not has_rows(conn, schema.purchase_series)


def configure_sqlite(engine: Engine) -> None:
    """WAL so readers never block the importer; explicit BEGIN so DDL on staging tables is transactional."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # pysqlite's implicit transactions skip DDL: we BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in (
            # a new file only (no effect once a table exists): 16 KiB pages, a quarter of the page
            # and WAL-frame headers of 4 KiB ones; a first import of 1M order lines commits faster
            "page_size=16384",
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "synchronous=NORMAL",
            "temp_store=MEMORY",
            "cache_size=-131072",
            # reads straight from the mapped file, no copy through read(): a report's load reads
            # megabytes of series blobs; writes still go through the journal (durability unchanged)
            "mmap_size=2147418112",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # writers take the lock up front: a deferred transaction upgrading to write can fail at once
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())
