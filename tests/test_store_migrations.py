"""Schema migrations (Alembic): a new database is created by the revisions, an existing one is brought
to head on opening and keeps its rows, and head matches ``db_schema.metadata`` exactly, on SQLite and
PostgreSQL.

The pre-Alembic database is a dump of one made by the store's own code at commit c29b328
(tests/data/pre_alembic_c29b328.sql): order lines D1 (H001, 10), D2 (H001, 20), D3 (H002, 30),
payment F1 of D1 (delivered 2026-01-05), accounts boss (leadership, region 东区) and h1 (H001).
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from store_fixtures import BACKENDS, PG_URL, make_engine

from procurement import auth, db_schema, store
from procurement.store import database, legacy

DUMP = Path(__file__).parent / "data" / "pre_alembic_c29b328.sql"


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _diff(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db_schema.metadata)


def test_head_on_an_empty_database_is_the_metadata(engine):
    assert _revision(engine) == database._head()
    assert _diff(engine) == []
    names = set(sa.inspect(engine).get_table_names())
    assert {"users", "signin_throttle", "account_events", "user_sessions", "app_secrets", "purchases"} <= names


def test_opening_again_changes_nothing(engine):
    store.import_tables(engine, {}, source_name="x", file_hash="x")
    store.get_engine(str(engine.url.render_as_string(hide_password=False))).dispose()
    assert _revision(engine) == database._head() and store.data_version(engine) == 1


def _pre_alembic_sqlite(path: Path, *statements: str) -> str:
    conn = sqlite3.connect(path)
    conn.executescript(DUMP.read_text(encoding="utf-8"))
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def _check_rows_kept(engine: sa.Engine) -> None:
    data = store.load_dataset(engine, aggregated=False)
    assert sorted(zip(data.purchases["order_id"], data.purchases["quantity"], strict=True)) == [
        ("D1", 10.0), ("D2", 20.0), ("D3", 30.0)]
    daily = store.load_dataset(engine)  # the daily series: 10 + 20 for H001, 30 for H002
    totals = daily.purchases.groupby(daily.purchases["hospital_id"].astype(str))["quantity"].sum().to_dict()
    assert totals == {"H001": 30.0, "H002": 30.0}
    assert str(data.payments.loc[0, "order_date"].date()) == "2026-01-05"  # F1 follows its order D1
    assert auth.get_user(engine, "boss").region == "东区"
    assert auth.get_user(engine, "h1").hospital_id == "H001"


def test_a_database_made_before_alembic_is_stamped_and_keeps_its_rows(tmp_path):
    engine = store.get_engine(_pre_alembic_sqlite(tmp_path / "old.sqlite"))
    assert _revision(engine) == database._head()
    _check_rows_kept(engine)
    assert auth.sign_in(engine, "h1", "Kx7#long-pass").status == "ok"  # its password hash still checks
    assert _diff(engine) == []
    engine.dispose()


def test_an_older_shape_is_patched_before_the_stamp(tmp_path):
    """Before payment links, account regions and daily series: the columns come back, links and series
    are worked out again from the order lines."""
    url = _pre_alembic_sqlite(
        tmp_path / "older.sqlite",
        "ALTER TABLE payments DROP COLUMN link_date", "ALTER TABLE payments DROP COLUMN link_by",
        "ALTER TABLE users DROP COLUMN region", "DELETE FROM purchase_series",
    )
    engine = store.get_engine(url)
    assert _diff(engine) == []
    data = store.load_dataset(engine, aggregated=False)
    assert str(data.payments.loc[0, "order_date"].date()) == "2026-01-05"
    daily = store.load_dataset(engine)
    assert daily.purchases["quantity"].sum() == 60.0
    assert auth.get_user(engine, "boss").region is None  # the column is back, empty: not limited
    engine.dispose()


def test_a_plan_log_made_on_first_use_is_kept(tmp_path):
    """plan_events was created by plan_log itself before revision 0003: the revision keeps it and its row."""
    url = _pre_alembic_sqlite(
        tmp_path / "plans.sqlite",
        "CREATE TABLE plan_events (id INTEGER NOT NULL, at DATETIME NOT NULL, user_name VARCHAR(128) NOT NULL, "
        "action VARCHAR(16) NOT NULL, source VARCHAR(16) NOT NULL, input_hash VARCHAR(64) NOT NULL, "
        "output_hash VARCHAR(64) NOT NULL, file_hash VARCHAR(64), detail TEXT, PRIMARY KEY (id))",
        "INSERT INTO plan_events VALUES (1, '2026-12-01 09:00:00', 'chief', 'run', 'app', 'in', 'out', NULL, NULL)",
    )
    engine = store.get_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT user_name, input_hash FROM plan_events").all() == [("chief", "in")]
    assert _diff(engine) == []
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="VBP_TEST_PG_URL not set")
def test_a_postgres_database_made_before_alembic_keeps_its_rows():
    """On PostgreSQL the store made its tables with ``metadata.create_all``: the same here, rows written
    by hand, no daily series (rebuilt on opening)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{name}"
    try:
        old = sa.create_engine(url)
        with old.begin() as conn:
            db_schema.metadata.create_all(conn, tables=legacy._baseline_tables())  # no later revision's tables
            lines = db_schema.KIND_TABLES["purchases"]
            conn.execute(sa.insert(lines), [
                {"order_id": o, "date": d, "hospital_id": h, "product_id": "P1", "generic_name": "阿莫西林",
                 "specification": "0.25g", "supplier": "甲药业", "quantity": q, "amount": q / 2, "winning": True,
                 "import_id": 1}
                for o, d, h, q in [("D1", "2026-01-05", "H001", 10.0), ("D2", "2026-01-06", "H001", 20.0),
                                   ("D3", "2026-01-06", "H002", 30.0)]])
        old.dispose()
        engine = store.get_engine(url)
        assert _revision(engine) == database._head()
        assert _diff(engine) == []
        daily = store.load_dataset(engine)
        totals = daily.purchases.groupby(daily.purchases["hospital_id"].astype(str))["quantity"].sum().to_dict()
        assert totals == {"H001": 30.0, "H002": 30.0}
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()
