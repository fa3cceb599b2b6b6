"""A payment's link to the order it names (delivery day, product, supplier) is kept on the payment by
every import, whichever side arrives first or changes later; worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from store_fixtures import BACKENDS, make_engine, payments, purchases

from procurement import store


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def linked(engine) -> dict[str, tuple]:
    """{hospital: (order_date, product_id, supplier)} of the aggregated payments (one per hospital here)."""
    pay = store.load_dataset(engine).payments
    return {
        h: (None if pd.isna(d) else d.strftime("%m-%d"), None if pd.isna(p) else p, None if pd.isna(s) else s)
        for h, d, p, s in zip(pay["hospital_id"], pay["order_date"], pay["product_id"], pay["supplier"], strict=True)
    }


def test_payment_before_its_order_is_linked_when_the_order_arrives(engine):
    pay = payments([("PAY1", "O1", "H1", 50.0, "2020-02-01"), ("PAY2", "O9", "H2", 5.0, "2020-02-02")])
    store.import_tables(engine, {"payments": pay}, source_name="p", file_hash="p")
    assert linked(engine) == {"H1": (None, None, None), "H2": (None, None, None)}  # no orders yet

    store.import_tables(engine, {"purchases": purchases([("O1", "2020-01-05", "H1", "P1", 100.0, 50.0)])},
                        source_name="o", file_hash="o")
    assert linked(engine)["H1"] == ("01-05", "P1", "甲药业")
    assert linked(engine)["H2"] == (None, None, None)  # O9 still unknown

    # the order is corrected to another day: the payment follows
    store.import_tables(engine, {"purchases": purchases([("O1", "2020-01-07", "H1", "P1", 100.0, 50.0)])},
                        source_name="o2", file_hash="o2")
    assert linked(engine)["H1"] == ("01-07", "P1", "甲药业")


def test_one_import_of_lines_and_payments_links_earlier_and_own_payments(engine):
    # PAY1 (H1, order O1) is stored before any order. One import then brings order O1 of H1 (01-05, P1)
    # and of H2 (01-09, P2: the same order id in another hospital) with H2's payment PAY2 naming O1.
    # By hand: PAY1 takes H1's line (the purchases pass), PAY2 H2's line (the payments pass), neither
    # the other hospital's.
    store.import_tables(engine, {"payments": payments([("PAY1", "O1", "H1", 50.0, "2020-02-01")])},
                        source_name="p", file_hash="p")
    store.import_tables(
        engine,
        {"purchases": purchases([("O1", "2020-01-05", "H1", "P1", 100.0, 50.0),
                                 ("O1", "2020-01-09", "H2", "P2", 10.0, 1.0)]),
         "payments": payments([("PAY2", "O1", "H2", 1.0, "2020-02-03")])},
        source_name="both", file_hash="both",
    )
    assert linked(engine) == {"H1": ("01-05", "P1", "甲药业"), "H2": ("01-09", "P2", "乙药业")}


def test_restated_payment_naming_no_order_loses_its_link(engine):
    store.import_tables(
        engine,
        {"purchases": purchases([("O1", "2020-01-05", "H1", "P1", 100.0, 50.0)]),
         "payments": payments([("PAY1", "O1", "H1", 50.0, "2020-02-01")])},
        source_name="a", file_hash="a",
    )
    assert linked(engine)["H1"] == ("01-05", "P1", "甲药业")
    store.import_tables(engine, {"payments": payments([("PAY1", None, "H1", 50.0, "2020-02-01")])},
                        source_name="b", file_hash="b")
    assert linked(engine)["H1"] == (None, None, None)


def test_older_database_gets_its_links_on_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.get_engine(url)
    store.import_tables(
        engine,
        {"purchases": purchases([("O1", "2020-01-05", "H1", "P1", 100.0, 50.0)]),
         "payments": payments([("PAY1", "O1", "H1", 50.0, "2020-02-01")])},
        source_name="a", file_hash="a",
    )
    with engine.begin() as conn:  # as written by a version without the copied link
        for column in ("link_date", "link_product_id", "link_supplier"):
            conn.exec_driver_sql(f"ALTER TABLE payments DROP COLUMN {column}")
        conn.exec_driver_sql("DROP TABLE alembic_version")  # and before Alembic
    engine.dispose()
    again = store.get_engine(url)
    assert linked(again)["H1"] == ("01-05", "P1", "甲药业")
    again.dispose()
