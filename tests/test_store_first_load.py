"""The first import into an empty table (bulk load in (hospital, day) order, indexes rebuilt after)
stores exactly what the staged path of a later import stores, blanks included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_fixtures import BACKENDS, make_engine

from procurement import store
from procurement.model import conform

NA = None
# (order_id, date, hospital_id, product_id, generic_name, specification, supplier, quantity, amount, winning)
AWKWARD = [
    ("O9", "2020-01-06", "H2", "P1", "甲", "5mg", "企业甲", 3.0, 1.5, True),
    ("O1", "2020-01-05", "H2", "P1", "甲", "5mg", "企业甲", 2.0, NA, True),  # blank amount
    ("O5", NA, "H1", "P2", "乙", NA, "企业乙", NA, 7.0, False),  # no date, blank spec and quantity
    ("O3", "2020-01-05", "H3", NA, "丙", "1g", NA, 1.0, 2.0, False),  # no product, no supplier; H3: stored last
    ("O2", "2020-01-06", "H1", "P2", "乙", "", "企业乙", 4.0, 8.0, True),  # '' stays '' (not blank)
    ("O4", "2020-01-05", "H1", "P2", "乙", "10mg", "企业乙", 5.0, 10.0, True),
    ("O7", "2020-01-06", "H1", "P1", "甲", "5mg", "企业甲", 6.0, 12.0, True),  # same bucket as O2, after it
]
# worked out by hand: hospital H1 < H2 < H3, then day (blank last), then the input order
# (a line without a hospital is refused: tests/test_store_basic.py)
STORAGE_ORDER = ["O4", "O2", "O7", "O5", "O1", "O9", "O3"]


def lines(rows: list[tuple]) -> pd.DataFrame:
    cols = ["order_id", "date", "hospital_id", "product_id", "generic_name", "specification", "supplier",
            "quantity", "amount", "winning"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["date"] = pd.to_datetime(frame["date"])
    return conform("purchases", frame)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def stored(engine) -> pd.DataFrame:
    return store.load_dataset(engine, aggregated=False).purchases.sort_values("order_id").reset_index(drop=True)


def test_first_import_round_trips_every_blank(engine):
    summary = store.import_tables(engine, {"purchases": lines(AWKWARD)}, source_name="a", file_hash="a")
    assert summary.added == {"purchases": len(AWKWARD)}
    want = lines(AWKWARD).sort_values("order_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(stored(engine), want)


def test_first_import_stores_what_a_staged_import_stores(engine, tmp_path):
    rows = AWKWARD
    store.import_tables(engine, {"purchases": lines(rows[:1])}, source_name="a", file_hash="a")
    store.import_tables(engine, {"purchases": lines(rows)}, source_name="b", file_hash="b")  # staged
    staged, staged_days = stored(engine), store.load_dataset(engine).purchases
    other = store.get_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    store.import_tables(other, {"purchases": lines(rows)}, source_name="b", file_hash="b")  # bulk
    pd.testing.assert_frame_equal(stored(other), staged)
    pd.testing.assert_frame_equal(store.load_dataset(other).purchases, staged_days)
    other.dispose()


def test_first_import_stores_rows_by_hospital_then_day(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    store.import_tables(engine, {"purchases": lines(AWKWARD)}, source_name="a", file_hash="a")
    with engine.connect() as conn:
        order = [r[0] for r in conn.exec_driver_sql("SELECT order_id FROM purchases ORDER BY rowid")]
        nulls = conn.exec_driver_sql(
            "SELECT order_id FROM purchases WHERE amount IS NULL OR quantity IS NULL ORDER BY order_id"
        ).all()
    assert order == STORAGE_ORDER
    assert [r[0] for r in nulls] == ["O1", "O5"]  # NaN is stored as NULL, not as a number
    assert list(store.load_dataset(engine, aggregated=False).purchases["order_id"]) == STORAGE_ORDER
    engine.dispose()


def test_bucket_order_with_times_of_day_and_blanks():
    hospital = np.array([1, 0, -1, 0, 1, 0])
    dates = pd.Series(pd.to_datetime(["2020-01-02 08:00", "2020-01-02 09:00", "2020-01-01 00:00", None,
                                      "2020-01-02 07:00", "2020-01-02 08:30"]))
    assert store.bulk.bucket_order(hospital, dates).tolist() == [5, 1, 3, 4, 0, 2]


def test_bucket_order_of_ordered_rows_is_none():
    dates = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-02", None]))
    assert store.bulk.bucket_order(np.array([0, 0, 1, 1]), dates) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.one_of(st.none(), st.integers(0, 40))), min_size=2, max_size=40))
def test_bucket_order_is_a_stable_sort_with_blanks_last(rows):
    hospital = np.array([h for h, _ in rows])
    days = pd.Series(pd.to_datetime([None if d is None else pd.Timestamp("2020-01-01") + pd.Timedelta(days=d)
                                     for _, d in rows]))
    frame = pd.DataFrame({"h": np.where(hospital < 0, np.nan, hospital), "d": days})
    want = frame.sort_values(["h", "d"], kind="stable", na_position="last").index.to_numpy()
    got = store.bulk.bucket_order(hospital, days)
    assert (np.arange(len(rows)) if got is None else got).tolist() == want.tolist()


def test_coded_and_plain_bulk_loads_store_the_same(tmp_path, monkeypatch):
    """SQLite's first load binds day and key codes joined back in SQL; the plain load binds every value."""
    got = {}
    for name in ("coded", "plain"):
        if name == "plain":
            monkeypatch.setattr(store.bulk, "_sqlite_coded_load", lambda *args: False)
        engine = store.get_engine(f"sqlite:///{tmp_path / f'{name}.sqlite'}")
        store.import_tables(engine, {"purchases": lines(AWKWARD)}, source_name="a", file_hash="a")
        with engine.connect() as conn:
            got[name] = conn.exec_driver_sql("SELECT * FROM purchases ORDER BY rowid").all()
            temps = conn.exec_driver_sql("SELECT name FROM sqlite_temp_master").all()
        assert temps == []  # the lookup tables are gone
        engine.dispose()
    assert got["coded"] == got["plain"]
    assert [r[0] for r in got["coded"]] == STORAGE_ORDER
    o3 = next(r for r in got["coded"] if r[0] == "O3")
    assert o3[1:7] == ("2020-01-05", "H3", None, "丙", "1g", None)  # blanks are NULL, not ''
    o2 = next(r for r in got["coded"] if r[0] == "O2")
    assert o2[5] == ""  # '' stays ''
