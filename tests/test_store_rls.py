"""Row-level security on PostgreSQL: connected as the application role (no superuser, not the tables'
owner), the database itself keeps a scoped transaction to its hospital's (or region's) rows, whatever
SQL runs; the store sets the scope of every transaction from the account's.

Data by hand: H001 (东区) has order lines D1 10 and D2 20, payment F1; H002 (西区) has D3 30 and payment
F2; so H001 sees 2 lines (30 units), 东区 the same, the coordinator 3 lines (60 units).
"""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
import sqlalchemy as sa
from store_fixtures import PG_URL, hospitals, make_engine, payments, products, purchases

from procurement import store
from procurement.store import scope

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="VBP_TEST_PG_URL not set")]


@pytest.fixture
def owner(tmp_path):
    """The store as its owner made it (migrations run, a coordinator's import)."""
    for engine in make_engine("postgres", tmp_path):
        region = hospitals("H001", "H002")
        region["region"] = pd.array(["东区", "西区"], dtype="string")
        store.import_tables(engine, {
            "hospitals": region, "products": products(),
            "purchases": purchases([("D1", "2020-01-05", "H001", "P1", 10.0, 5.0),
                                    ("D2", "2020-01-06", "H001", "P1", 20.0, 10.0),
                                    ("D3", "2020-01-06", "H002", "P1", 30.0, 15.0)]),
            "payments": payments([("F1", "D1", "H001", 5.0, "2020-02-01"), ("F2", "D3", "H002", 15.0, "2020-02-01")]),
        }, source_name="seed", file_hash="seed")
        yield engine


@pytest.fixture
def app(owner):
    """An engine connected as a fresh application role: DML on the store's tables, nothing more."""
    role = f"vbp_app_{uuid.uuid4().hex[:10]}"
    with owner.begin() as conn:
        schema_name = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'app-test-pw'")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema_name} TO {role}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_name} TO {role}")
        conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema_name} TO {role}")
    url = owner.url.set(username=role, password="app-test-pw")
    engine = store.get_engine(url.render_as_string(hide_password=False))  # at head already: no DDL
    yield engine
    engine.dispose()
    with owner.begin() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")


def _rows(engine, sql: str, hospital_id: str | None = None, region: str | None = None, *, unscoped=False):
    with engine.connect() as conn, conn.begin():
        if not unscoped:
            scope.apply(conn, hospital_id, region)
        return conn.exec_driver_sql(sql).all()


def test_the_app_role_is_subject_to_row_level_security(app):
    who = _rows(app, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    assert who == [(False, False)]


@pytest.mark.parametrize("table", ["purchases", "payments", "purchase_series"])
def test_a_hospital_scope_sees_no_other_hospital_without_any_where_clause(app, table):
    assert _rows(app, f"SELECT DISTINCT hospital_id FROM {table}", "H001") == [("H001",)]


def test_a_plain_select_sees_exactly_its_own_lines(app):
    assert _rows(app, "SELECT order_id, quantity FROM purchases ORDER BY order_id", "H001") == [
        ("D1", 10.0), ("D2", 20.0)]
    assert _rows(app, "SELECT count(*) FROM purchases", "H002") == [(1,)]


def test_no_scope_set_sees_nothing(app):
    assert _rows(app, "SELECT count(*) FROM purchases", unscoped=True) == [(0,)]
    assert _rows(app, "SELECT count(*) FROM payments", unscoped=True) == [(0,)]


def test_the_coordinator_scope_sees_everything(app):
    assert _rows(app, "SELECT count(*), sum(quantity) FROM purchases") == [(3, 60.0)]


def test_a_region_scope_sees_its_hospitals(app):
    assert _rows(app, "SELECT DISTINCT hospital_id FROM purchases", region="东区") == [("H001",)]
    assert _rows(app, "SELECT DISTINCT hospital_id FROM payments", region="西区") == [("H002",)]


def test_the_hospitals_list_stays_readable(app):
    assert _rows(app, "SELECT hospital_id FROM hospitals ORDER BY 1", "H001") == [("H001",), ("H002",)]


def test_inserting_another_hospitals_row_is_refused_by_the_database(app):
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        _rows(app, "INSERT INTO purchases (order_id, hospital_id, date, quantity, import_id) "
                   "VALUES ('X1', 'H002', '2020-01-07', 1, 9) RETURNING order_id", "H001")


def test_updating_another_hospitals_row_changes_nothing(app, owner):
    with app.connect() as conn, conn.begin():
        scope.apply(conn, "H001")
        assert conn.exec_driver_sql("UPDATE purchases SET quantity = 0 WHERE order_id = 'D3'").rowcount == 0
        assert conn.exec_driver_sql("DELETE FROM payments WHERE hospital_id = 'H002'").rowcount == 0
    assert _rows(owner, "SELECT quantity FROM purchases WHERE order_id = 'D3'") == [(30.0,)]


def test_moving_an_own_row_to_another_hospital_is_refused(app):
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        _rows(app, "UPDATE purchases SET hospital_id = 'H002' WHERE order_id = 'D1'", "H001")


def test_the_store_reads_and_writes_through_the_app_role(app, owner):
    """The data layer's own calls work under the policies and give the same figures."""
    own = store.load_dataset(app, hospital_id="H001", aggregated=False)
    assert sorted(own.purchases["order_id"]) == ["D1", "D2"] and list(own.payments["payment_id"]) == ["F1"]
    assert store.load_dataset(app, region="西区").purchases["quantity"].sum() == 30.0
    assert store.load_dataset(app).purchases["quantity"].sum() == 60.0
    new = purchases([("D4", "2020-01-08", "H001", "P1", 4.0, 2.0)])
    summary = store.import_tables(app, {"purchases": new}, source_name="h1.xlsx", file_hash="h1",
                                  hospital_scope="H001")
    assert summary.added == {"purchases": 1}
    daily = store.load_dataset(owner)  # the series of H001 recounted under the policies: 10 + 20 + 4
    by = daily.purchases.groupby(daily.purchases["hospital_id"].astype(str))["quantity"].sum().to_dict()
    assert by == {"H001": 34.0, "H002": 30.0}


def test_a_hospitals_first_lines_load_without_owning_the_table(app, owner):
    """H003 has no lines yet (its import sees an empty table): loaded as they are, indexes untouched."""
    store.import_tables(owner, {"hospitals": hospitals("H003")}, source_name="h", file_hash="h")
    first = purchases([("E1", "2020-01-09", "H003", "P1", 7.0, 3.5)])
    store.import_tables(app, {"purchases": first}, source_name="h3.xlsx", file_hash="h3", hospital_scope="H003")
    assert _rows(owner, "SELECT count(*), sum(quantity) FROM purchases") == [(4, 67.0)]
    indexes = {r[0] for r in _rows(owner, "SELECT indexname FROM pg_indexes WHERE tablename = 'purchases'")}
    assert {"ux_purchases_natural_key", "ix_purchases_hospital_id_date"} <= indexes


def test_report_snapshots_are_for_unscoped_transactions_only(app, owner):
    """The whole alliance's report (webapp.snapshots) is not a scoped account's to read or write."""
    with owner.begin() as conn:
        conn.exec_driver_sql("INSERT INTO report_snapshots VALUES (1, now(), '\\x00')")
    assert _rows(app, "SELECT count(*) FROM report_snapshots", "H001") == [(0,)]
    assert _rows(app, "SELECT count(*) FROM report_snapshots", region="东区") == [(0,)]
    assert _rows(app, "SELECT count(*) FROM report_snapshots") == [(1,)]
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        _rows(app, "INSERT INTO report_snapshots VALUES (2, now(), '\\x00') RETURNING data_version", "H001")
