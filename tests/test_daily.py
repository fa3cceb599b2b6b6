"""Daily purchase series (procurement.daily) and how the store keeps them, with answers by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement import daily, store
from procurement.model import conform


def lines(rows: list[tuple]) -> pd.DataFrame:
    """(order_id, date, hospital, product or None, supplier, quantity, amount or None) order lines."""
    frame = pd.DataFrame(
        rows, columns=["order_id", "date", "hospital_id", "product_id", "supplier", "quantity", "amount"]
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["generic_name"] = "阿莫西林"
    frame["specification"] = np.where(frame["product_id"].isna(), None, "0.25g")
    frame["winning"] = frame["product_id"].notna()
    return conform("purchases", frame)


def as_dict(totals: daily.DayTotals) -> dict[tuple, tuple[float, float]]:
    """{(hospital, product, supplier, day): (quantity, amount)}, NaN amounts as None."""
    keys = totals.keys
    out = {}
    for k, d, q, a in zip(totals.key, totals.day, totals.quantity, totals.amount, strict=True):
        row = keys.iloc[k]
        day = str(np.datetime64("1970-01-01") + np.timedelta64(int(d), "D"))
        out[(row["hospital_id"], row["product_id"], row["supplier"], day)] = (q, None if math.isnan(a) else a)
    return out


def test_from_lines_sums_by_key_and_day_like_sql():
    totals = daily.from_lines(
        lines(
            [
                ("O1", "2024-01-02", "H1", "P1", "甲", 10.0, 12.5),
                ("O2", "2024-01-02", "H1", "P1", "甲", 5.0, None),  # SQL SUM skips the blank amount
                ("O3", "2024-01-03", "H1", "P1", "甲", 1.0, 2.0),
                ("O4", "2024-01-02", "H1", None, "乙", 7.0, None),  # all blank: stays blank
                ("O5", "2024-01-02", "H2", "P1", "甲", 3.0, 3.0),
            ]
        )
    )
    assert as_dict(totals) == {
        ("H1", "P1", "甲", "2024-01-02"): (15.0, 12.5),
        ("H1", "P1", "甲", "2024-01-03"): (1.0, 2.0),
        ("H1", "", "乙", "2024-01-02"): (7.0, None),
        ("H2", "P1", "甲", "2024-01-02"): (3.0, 3.0),
    }
    hospitals, days = totals.buckets()
    assert sorted(zip(hospitals, days, strict=True)) == [("H1", 19724), ("H1", 19725), ("H2", 19724)]


def test_rows_round_trip_and_purchases_frame():
    totals = daily.from_lines(
        lines([("O1", "2024-01-02", "H1", "P1", "甲", 10.0, 12.5), ("O2", "2024-03-01", "H2", None, "乙", 2.0, None)])
    )
    rows = daily.to_rows(totals)
    assert len(rows) == 2 and all(isinstance(r[-1], bytes) for r in rows)
    back = daily.from_rows(rows)
    assert as_dict(back) == as_dict(totals)
    frame = daily.to_purchases(back).sort_values("date").reset_index(drop=True)
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-02", "2024-03-01"]
    assert frame["product_id"].isna().tolist() == [False, True]  # '' back to a blank
    assert frame["specification"].isna().tolist() == [False, True]
    assert frame["winning"].tolist() == [True, False]
    assert frame["order_id"].isna().all()
    assert frame["amount"].isna().tolist() == [False, True]


def test_splice_replaces_touched_buckets_only():
    stored = daily.from_lines(
        lines(
            [
                ("O1", "2024-01-02", "H1", "P1", "甲", 10.0, 10.0),
                ("O2", "2024-01-02", "H1", "P2", "甲", 4.0, 4.0),  # bucket (H1, 01-02) loses P2 below
                ("O3", "2024-01-03", "H1", "P1", "甲", 1.0, 1.0),
                ("O4", "2024-01-02", "H2", "P1", "甲", 3.0, 3.0),
            ]
        )
    )
    fresh = daily.from_lines(lines([("O1", "2024-01-02", "H1", "P1", "甲", 6.0, 6.0)]))
    merged = daily.splice(stored, np.array(["H1"], dtype=object), np.array([19724]), fresh)
    assert as_dict(merged) == {
        ("H1", "P1", "甲", "2024-01-02"): (6.0, 6.0),
        ("H1", "P1", "甲", "2024-01-03"): (1.0, 1.0),
        ("H2", "P1", "甲", "2024-01-02"): (3.0, 3.0),
    }


day_lines = st.lists(
    st.tuples(
        st.integers(0, 3),  # day
        st.sampled_from(["H1", "H2"]),
        st.sampled_from(["P1", "P2", None]),
        st.integers(1, 9).map(float),
        st.one_of(st.none(), st.integers(1, 90).map(float)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=day_lines, second=day_lines, data=st.data())
def test_store_series_equal_totals_counted_from_the_lines(tmp_path_factory, first, second, data):
    """After a first import and a second one re-stating some orders, the stored day totals are the
    totals of the lines now stored, counted directly in pandas."""
    def frame(rows, start):
        return lines([(f"O{start + i}", f"2024-01-0{d + 1}", h, p, "甲" if p else "乙", q, a)
                      for i, (d, h, p, q, a) in enumerate(rows)])

    overlap = data.draw(st.integers(0, len(first)))
    a, b = frame(first, 0), frame(second, len(first) - overlap)  # b re-states `overlap` of a's orders
    engine = store.get_engine(f"sqlite:///{tmp_path_factory.mktemp('s') / 'd.sqlite'}")
    store.import_tables(engine, {"purchases": a}, source_name="a", file_hash="a")
    store.import_tables(engine, {"purchases": b}, source_name="b", file_hash="b")
    got = store.load_dataset(engine).purchases
    engine.dispose()

    now = pd.concat([a, b]).drop_duplicates(["hospital_id", "order_id"], keep="last")  # the natural key
    key = ["hospital_id", "product_id", "supplier", "date"]
    want = now.fillna({"product_id": "-"}).groupby(key)[["quantity", "amount"]].sum(min_count=1)
    got = got.astype({c: "string" for c in ("hospital_id", "product_id", "supplier")})
    got = got.fillna({"product_id": "-"}).groupby(key)[["quantity", "amount"]].sum(min_count=1)
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_exact=False, rtol=1e-12)


def test_upgrade_rebuilds_series_of_an_older_database(tmp_path):
    """A database written before the series existed gets them from its order lines on start."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.get_engine(url)
    store.import_tables(
        engine, {"purchases": lines([("O1", "2024-01-02", "H1", "P1", "甲", 10.0, 12.5)])},
        source_name="a", file_hash="a",
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM purchase_series")
        conn.exec_driver_sql("DROP TABLE alembic_version")  # written before Alembic, too
    engine.dispose()
    again = store.get_engine(url)
    frame = store.load_dataset(again).purchases
    again.dispose()
    assert frame["quantity"].tolist() == [10.0] and frame["amount"].tolist() == [12.5]


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single(n):
    totals = daily.from_lines(lines([("O1", "2024-01-02", "H1", "P1", "甲", 1.0, 1.0)][:n]))
    assert len(daily.to_purchases(daily.from_rows(daily.to_rows(totals)))) == n


def test_lines_without_a_date_belong_to_no_day():
    frame = lines([("O1", "2024-01-02", "H1", "P1", "甲", 1.0, 1.0), ("O2", None, "H1", "P1", "甲", 5.0, 5.0)])
    assert as_dict(daily.from_lines(frame)) == {("H1", "P1", "甲", "2024-01-02"): (1.0, 1.0)}
