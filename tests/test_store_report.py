"""The same report from daily totals as from order lines, on a hand-made alliance."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from store_fixtures import (
    BACKENDS,
    agreements,
    hospitals,
    make_engine,
    payments,
    products,
    purchases,
)

from procurement import report as report_mod
from procurement import store

LINES = [
    ("O1", "2020-01-05", "H1", "P1", 100.0, 50.0),
    ("O2", "2020-01-05", "H1", "P1", 40.0, 20.0),  # same day: merged into one daily row
    ("O3", "2020-02-10", "H1", "P1", 60.0, 30.0),
    ("O4", "2020-01-06", "H1", "P2", 10.0, 1.0),
    ("O5", "2020-01-05", "H2", "P1", 7.0, 3.5),
    ("O6", "2020-01-05", "H1", None, 30.0, 45.0),  # 非中选
    ("O7", "2020-03-01", "H2", "P2", 20.0, 2.0),
]
PAYMENTS = [
    ("PAY1", "O1", "H1", 50.0, "2020-01-20"),  # within 30 days of its order
    ("PAY2", "O2", "H1", 20.0, "2020-03-20"),  # 75 days late
    ("PAY3", None, "H2", 3.5, "2020-01-10"),  # no order id: pays the oldest delivery
    ("PAY4", "O3", "H1", 10.0, "2020-02-15"),  # part of O3
]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def assert_same(a, b, path=""):
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        if a and isinstance(a[0], dict):
            ids = ("batch", "hospital_id", "product_id", "supplier", "医疗机构编码", "批次名称")
            a, b = (sorted(x, key=lambda d: tuple(str(d.get(i)) for i in ids)) for x in (a, b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    else:
        assert a == b, (path, a, b)


def test_daily_totals_give_the_same_report_as_order_lines(engine):
    store.import_tables(
        engine,
        {
            "hospitals": hospitals("H1", "H2"),
            "products": products(),
            "agreements": agreements([("H1", "P1", 1000.0), ("H1", "P2", 100.0), ("H2", "P1", 500.0)]),
            "purchases": purchases(LINES),
            "payments": payments(PAYMENTS),
        },
        source_name="hand.xlsx",
        file_hash="x",
    )
    as_of = date(2020, 3, 31)
    detail = report_mod.build_report(store.load_dataset(engine, aggregated=False), as_of=as_of).to_json()
    daily = report_mod.build_report(store.load_dataset(engine, aggregated=True), as_of=as_of).to_json()
    assert_same(detail, daily)
    total = daily["total"]
    assert total["agreed_volume"] == 1600  # 1000 + 100 + 500
    assert total["purchased_volume"] == 237  # winning lines only: 100+40+60+10+7+20
    assert total["paid_amount"] == pytest.approx(83.5)
    scoped = report_mod.build_report(store.load_dataset(engine, "H2"), as_of=as_of).to_json()
    assert scoped["total"]["purchased_volume"] == 27  # 7 + 20


def test_purchases_outside_the_period_are_listed_alike_from_daily_totals(engine):
    # P1's agreement year starts 6 Jan here: O1 and O2 (H1, 5 Jan, 100 + 40) and O5 (H2, 5 Jan, 7)
    # are outside it. The app reads daily totals (O1 and O2 merged into one row), the CLI order
    # lines: both list H1 P1 on 1 day with 140 units and H2 P1 on 1 day with 7, and warn alike
    late_start = products()
    late_start.loc[late_start["product_id"] == "P1", "agreement_start"] = pd.Timestamp("2020-01-06")
    store.import_tables(
        engine,
        {"hospitals": hospitals("H1", "H2"), "products": late_start,
         "agreements": agreements([("H1", "P1", 1000.0), ("H1", "P2", 100.0), ("H2", "P1", 500.0)]),
         "purchases": purchases(LINES), "payments": payments(PAYMENTS)},
        source_name="hand.xlsx", file_hash="x",
    )
    as_of = date(2020, 3, 31)
    detail = report_mod.build_report(store.load_dataset(engine, aggregated=False), as_of=as_of).to_json()
    daily = report_mod.build_report(store.load_dataset(engine, aggregated=True), as_of=as_of).to_json()
    assert_same(detail, daily)
    assert [(r["hospital_id"], r["product_id"], r["days"], r["quantity"]) for r in daily["outside_period"]] == [
        ("H1", "P1", 1, 140.0), ("H2", "P1", 1, 7.0)]
    assert any("147 units of winning purchases (2 hospital x product pairs)" in w for w in daily["warnings"])
