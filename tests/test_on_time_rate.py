"""按时回款率 at its boundaries (metrics.md): of the purchase amount due by as-of (delivered 30 or more
days before it) or already paid, the share paid within 30 days of its delivery; a delivery neither
due nor paid counts neither way. Worked out by hand.

One hospital H1 as of 2020-06-30, one product per delivery (so each payment pays its own), 1 yuan a unit:
  d1  P1  2020-05-31   100  unpaid                    30 days before as-of: due, not paid on time
  d2  P2  2020-06-01   200  unpaid                    29 days: not due, counts neither way
  d3  P3  2020-03-01   400  paid 2020-03-31 (O3)      day 30: on time
  d4  P4  2020-04-01   800  paid 2020-05-02 (O4)      day 31 (April has 30 days): late
  d5  P5  2020-06-10  1600  paid 2020-06-30 (O5)      on the as-of day, day 20: paid, on time
on time 400 + 1600 = 2000; due or paid 100 + 400 + 800 + 1600 = 2900 (d2 left out); rate 2000 / 2900.
Paid 2800; nothing overdue (overdue is older than 30 days: d1 is 30).
Each boundary moved by one gives another figure: d1 not due 2000/2800, d2 counted 2000/3100, d3 late
1600/2900, the as-of day's payment left out 400/1300 (d5 then unpaid and not due) with 1200 paid.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from store_fixtures import BACKENDS, make_engine

from procurement import metrics as m
from procurement import store
from procurement.ledger import match_payments, match_payments_coded, payment_figures
from procurement.model import Dataset, conform
from procurement.report import build_report

T = pd.Timestamp
AS_OF = date(2020, 6, 30)
DELIVERIES = [  # product, delivered, amount, paid on (None: unpaid)
    ("P1", "2020-05-31", 100.0, None),
    ("P2", "2020-06-01", 200.0, None),
    ("P3", "2020-03-01", 400.0, "2020-03-31"),
    ("P4", "2020-04-01", 800.0, "2020-05-02"),
    ("P5", "2020-06-10", 1600.0, "2020-06-30"),
]
WANT = {"paid_amount": 2800.0, "paid_on_time": 2000.0, "due_or_paid": 2900.0, "overdue_amount": 0.0}

PRODUCTS = conform("products", pd.DataFrame({
    "product_id": [d[0] for d in DELIVERIES], "batch": ["第一批"] * 5, "generic_name": [f"药{i}" for i in range(5)],
    "specification": ["1g"] * 5, "supplier": ["甲"] * 5, "unit_price": [1.0] * 5, "baseline_price": [2.0] * 5,
    "agreement_start": [T("2020-01-01")] * 5, "agreement_end": [T("2020-12-31")] * 5,
}))
PURCHASES = conform("purchases", pd.DataFrame({
    "order_id": [f"O{p[1:]}" for p, *_ in DELIVERIES], "hospital_id": ["H1"] * 5,
    "date": pd.to_datetime([d for _, d, _, _ in DELIVERIES]), "product_id": [p for p, *_ in DELIVERIES],
    "generic_name": [f"药{i}" for i in range(5)], "specification": ["1g"] * 5, "supplier": ["甲"] * 5,
    "quantity": [a for *_, a, _ in DELIVERIES], "amount": [a for *_, a, _ in DELIVERIES], "winning": [True] * 5,
}))


def payments(by: str) -> pd.DataFrame:
    """The three payments, naming their order (paid day by day) or their product (FIFO, summarised)."""
    rows = [dict(payment_id=f"PAY{p}", hospital_id="H1", amount=a, date=T(paid),
                 **({"order_id": f"O{p[1:]}"} if by == "order" else {"product_id": p}))
            for p, _, a, paid in DELIVERIES if paid]
    return conform("payments", pd.DataFrame(rows))


def dataset(by: str) -> Dataset:
    hospitals = conform("hospitals", pd.DataFrame({"hospital_id": ["H1"], "hospital_name": ["一院"]}))
    return Dataset(hospitals=hospitals, products=PRODUCTS, purchases=PURCHASES, payments=payments(by))


def test_on_time_rate_is_paid_on_time_over_due_or_paid():
    assert m.on_time_rate(2000.0, 2900.0) == pytest.approx(2000 / 2900)
    assert m.on_time_rate(0.0, 0.0) is None  # nothing due and nothing paid: undefined, not 0 or 100%


@pytest.mark.parametrize("summarised", [False, True])
def test_ledger_figures_at_the_boundaries(summarised):
    deliveries = PURCHASES[["hospital_id", "product_id", "supplier", "date", "amount"]]
    pay = payments("product").assign(supplier="甲")
    if summarised:  # FIFO by product summed per payment (the report's path)
        ledger, _ = match_payments_coded(deliveries, pay, payment_days=30)
    else:  # a piece per delivery day
        ledger = match_payments(deliveries, pay)
    figures = payment_figures(ledger, AS_OF, 30).sum()
    assert {k: figures[k] for k in WANT} == pytest.approx(WANT)
    # a day later d1 is 31 days old: overdue; d2 is 30: due (on time: still 2000)
    later = payment_figures(ledger, date(2020, 7, 1), 30).sum()
    assert later["overdue_amount"] == 100.0 and later["due_or_paid"] == 3100.0


@pytest.mark.parametrize("by", ["order", "product"])
def test_report_on_time_rate_at_the_boundaries(by):
    report = build_report(dataset(by), AS_OF)
    t = report.total
    assert t["paid_amount"] == pytest.approx(2800.0)  # the payment on the as-of day counts
    assert t["on_time_rate"] == pytest.approx(2000 / 2900)
    assert t["overdue_amount"] == 0
    p = report.products.set_index("product_id")["on_time_rate"]
    # per product: d1 due and unpaid 0; d2 neither due nor paid: undefined; d3 and d5 on time; d4 late
    assert p["P1"] == 0 and pd.isna(p["P2"]) and p["P3"] == 1 and p["P4"] == 0 and p["P5"] == 1


def test_payment_after_as_of_does_not_count():
    t = build_report(dataset("order"), AS_OF).total
    before = build_report(dataset("order"), date(2020, 6, 29)).total
    # as of 29 June d5's payment is in the future: d5 unpaid and 19 days old (not due); d1 is 29 days
    # old (not due) and d2 28: on time 400 of due or paid 400 + 800
    assert before["paid_amount"] == pytest.approx(1200.0)
    assert before["on_time_rate"] == pytest.approx(400 / 1200)
    assert t["on_time_rate"] == pytest.approx(2000 / 2900)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def test_store_gives_the_same_on_time_rate(engine):
    data = dataset("order")
    store.import_tables(engine, {k: data.table(k) for k in ("hospitals", "products", "purchases", "payments")},
                        source_name="hand.xlsx", file_hash="h")
    t = build_report(store.load_dataset(engine), AS_OF).total
    assert t["on_time_rate"] == pytest.approx(2000 / 2900) and t["paid_amount"] == pytest.approx(2800.0)
