"""Where the store lives and how it is opened: the engine (SQLite tuned for one writer beside many
readers, or PostgreSQL), and the schema created or brought up to date on opening (the Alembic
migrations in ``procurement/migrations``)."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from procurement import db_schema as schema
from procurement.store import legacy
from procurement.store.sql import write_lock

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


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
    upgrade(engine)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic head); cheap when it is there already.

    Looked at without a lock (the usual case: nothing to do); any change is decided again and made
    under the write lock, so two processes starting at once never apply it twice. A database made
    before Alembic (store tables, no ``alembic_version``) is first brought to the baseline by
    :mod:`procurement.store.legacy` and stamped at it; then every later revision runs.
    """
    head = _head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            write_lock(conn)
            current = MigrationContext.configure(conn).get_current_revision()  # again, under the lock
            if current == head:
                return
            config = _alembic_config(conn)
            if current is None and set(sa.inspect(conn).get_table_names()) & set(schema.metadata.tables):
                legacy.bring_to_baseline(conn)
                command.stamp(config, legacy.BASELINE)
            command.upgrade(config, "head")


def _alembic_config(conn: Connection) -> Config:
    """Alembic's configuration, built in code: the migrations run on ``conn`` (see migrations/env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


@functools.cache
def _head() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revision in {MIGRATIONS}")
    return head


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
