"""The payment ledger (FIFO matching) on small cases worked out by hand, and its invariants.

Moved from test_metrics_functions.py with the ledger itself (procurement/ledger.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement import ledger as lg

T = pd.Timestamp


# --- payment ledger ------------------------------------------------------------------------------


def _deliveries(rows):
    return pd.DataFrame(rows, columns=["hospital_id", "product_id", "supplier", "date", "amount"]).astype(
        {"hospital_id": "string", "product_id": "string", "supplier": "string", "date": "datetime64[ns]", "amount": "float64"})


def _payments(rows):
    return pd.DataFrame(rows, columns=["hospital_id", "product_id", "supplier", "order_date", "amount", "date"]).astype(
        {"hospital_id": "string", "product_id": "string", "supplier": "string",
         "order_date": "datetime64[ns]", "date": "datetime64[ns]", "amount": "float64"})


def test_fifo_pays_oldest_first():
    d = _deliveries([
        ("H1", "P1", "S", T("2020-01-01"), 100.0),
        ("H1", "P1", "S", T("2020-02-01"), 200.0),
    ])
    p = _payments([("H1", "P1", None, pd.NaT, 150.0, T("2020-02-15"))])
    led = lg.match_payments(d, p)
    paid = led[led["pay_date"].notna()].sort_values("delivery_date")
    assert list(paid["amount"]) == [100.0, 50.0]
    assert list(paid["delivery_date"]) == [T("2020-01-01"), T("2020-02-01")]
    unpaid = led[led["pay_date"].isna()]
    assert list(unpaid["amount"]) == [150.0] and unpaid["delivery_date"].iloc[0] == T("2020-02-01")


def test_targeted_payment_pays_its_delivery_day_first():
    d = _deliveries([
        ("H1", "P1", "S", T("2020-01-01"), 100.0),
        ("H1", "P1", "S", T("2020-02-01"), 200.0),
    ])
    p = _payments([("H1", "P1", None, T("2020-02-01"), 200.0, T("2020-02-10"))])
    led = lg.match_payments(d, p)
    paid = led[led["pay_date"].notna()]
    assert list(paid["delivery_date"]) == [T("2020-02-01")] and list(paid["amount"]) == [200.0]
    assert led.loc[led["pay_date"].isna(), "delivery_date"].tolist() == [T("2020-01-01")]


def test_supplier_only_payment_spreads_over_the_suppliers_products_oldest_first():
    d = _deliveries([
        ("H1", "P1", "S", T("2020-01-10"), 100.0),
        ("H1", "P2", "S", T("2020-01-05"), 50.0),
        ("H1", "P3", "X", T("2020-01-01"), 70.0),  # another supplier: untouched
    ])
    p = _payments([("H1", None, "S", pd.NaT, 120.0, T("2020-02-01"))])
    led = lg.match_payments(d, p)
    paid = led[led["pay_date"].notna()].set_index("product_id")["amount"]
    assert paid.to_dict() == {"P2": 50.0, "P1": 70.0}
    assert led.loc[(led["product_id"] == "P3"), "pay_date"].isna().all()


def test_excess_payment_stays_with_its_payer():
    d = _deliveries([("H1", "P1", "S", T("2020-01-01"), 100.0)])
    p = _payments([("H1", "P1", None, pd.NaT, 130.0, T("2020-01-20")), ("H2", None, "S", pd.NaT, 5.0, T("2020-01-20"))])
    led = lg.match_payments(d, p)
    excess = led[led["delivery_date"].isna()].sort_values("amount")
    assert excess["amount"].tolist() == [5.0, 30.0]
    assert excess["hospital_id"].tolist() == ["H2", "H1"]


def test_payment_figures_on_time_overdue_and_days():
    d = _deliveries([
        ("H1", "P1", "S", T("2020-01-01"), 100.0),
        ("H1", "P1", "S", T("2020-03-01"), 100.0),
        ("H1", "P1", "S", T("2020-05-01"), 100.0),
    ])
    # 100 paid after 20 days (on time), 50 after 41 days (late)
    p = _payments([("H1", "P1", None, pd.NaT, 100.0, T("2020-01-21")), ("H1", "P1", None, pd.NaT, 50.0, T("2020-04-11"))])
    led = lg.match_payments(d, p)
    f = lg.payment_figures(led, date(2020, 6, 15), 30).sum()
    assert f["paid_amount"] == 150.0 and f["paid_on_time"] == 100.0
    assert f["amount_days"] / f["matched_paid"] == pytest.approx((100 * 20 + 50 * 41) / 150)
    # unpaid at 15 June: 50 delivered 1 Mar (106 days) -> >90; 100 delivered 1 May (45 days) -> 31-60
    assert f["overdue_over_90"] == 50.0 and f["overdue_31_60"] == 100.0 and f["overdue_61_90"] == 0.0
    assert f["overdue_amount"] == 150.0


def test_empty_inputs_give_an_empty_ledger():
    led = lg.match_payments(_deliveries([]), _payments([]))
    assert led.empty and {"delivery_date", "pay_date", "amount"} <= set(led.columns)


cents = st.integers(min_value=0, max_value=50_000).map(lambda c: c / 100)
day = st.integers(min_value=0, max_value=90).map(lambda n: T("2020-01-01") + pd.Timedelta(days=n))


@settings(max_examples=30, deadline=None)
@given(
    deliveries=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2", "P3"]), day, cents), max_size=15),
    payments=st.lists(
        st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2", None]), st.sampled_from(["S1", "S2", None]),
                  st.one_of(st.none(), day), cents, day),
        max_size=10),
)
def test_ledger_conserves_every_cent(deliveries, payments):
    sup = {"P1": "S1", "P2": "S1", "P3": "S2"}
    d = _deliveries([(h, p, sup[p], t, a) for h, p, t, a in deliveries])
    p = _payments([(h, pr, sup[pr] if pr else s, od if pr else None, a, t) for h, pr, s, od, a, t in payments])
    led = lg.match_payments(d, p)
    delivered = led[led["delivery_date"].notna()]
    paid = led[led["pay_date"].notna()]
    assert round(delivered["amount"].sum(), 2) == round(d["amount"].sum(), 2)
    assert round(paid["amount"].sum(), 2) == round(p["amount"].sum(), 2)
    # per hospital x product, what is delivered is matched or unpaid, never more
    got = delivered.groupby(["hospital_id", "product_id"])["amount"].sum().round(2)
    want = d.groupby(["hospital_id", "product_id"])["amount"].sum().round(2)
    pd.testing.assert_series_equal(got[got > 0], want[want > 0], check_names=False)
    # no empty or negative pieces
    assert (led["amount"] > 0).all()


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["P1", "P2"]), day, cents), min_size=1, max_size=12),
       pay=st.lists(st.tuples(st.sampled_from(["P1", "P2"]), cents, day), max_size=6))
def test_ledger_same_for_order_lines_and_daily_totals(rows, pay):
    sup = {"P1": "S1", "P2": "S1"}
    lines = _deliveries([("H1", p, sup[p], t, a) for p, t, a in rows])
    daily = lines.groupby(["hospital_id", "product_id", "supplier", "date"], as_index=False)["amount"].sum()
    payments = _payments([("H1", p, None, None, a, t) for p, a, t in pay])
    as_of = date(2020, 6, 1)
    a = lg.payment_figures(lg.match_payments(lines, payments), as_of).sum()
    b = lg.payment_figures(lg.match_payments(daily, payments), as_of).sum()
    pd.testing.assert_series_equal(a.round(6), b.round(6))


@settings(max_examples=30, deadline=None)
@given(
    deliveries=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2"]), day, cents), max_size=12),
    payments=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2"]), cents, day), max_size=8),
)
def test_fifo_never_leaves_an_older_delivery_unpaid_while_paying_a_newer_one(deliveries, payments):
    d = _deliveries([(h, p, "S1", t, a) for h, p, t, a in deliveries])
    pay = _payments([(h, p, None, None, a, t) for h, p, a, t in payments])
    led = lg.match_payments(d, pay)
    for (_h, _p), g in led[led["delivery_date"].notna()].groupby(["hospital_id", "product_id"]):
        unpaid = g.loc[g["pay_date"].isna(), "delivery_date"]
        paid = g.loc[g["pay_date"].notna(), "delivery_date"]
        if len(unpaid) and len(paid):
            assert paid.max() <= unpaid.min()


# --- the FIFO stage summed per payment (_fifo_summary), called directly ----------------------------


def _ints(*values):
    return np.array(values, dtype=np.int64)


def test_fifo_summary_of_nothing_is_empty():
    """No delivery and no payment: no group at all (n_groups 0), every output empty, no error."""
    none = _ints()
    outputs = lg._fifo_summary(none, none, none, none, none, none, 30)
    assert [o.size for o in outputs] == [0, 0, 0, 0, 0]


def test_fifo_summary_leaves_a_group_no_payment_names_unpaid():
    """Group 1 (the highest code) has a delivery but no payment: it must stay unpaid. By hand, in cents
    and day numbers: group 0 delivers 100 on day 10, its one payment of 150 on day 20 pays those 100
    (matched 100, 100 x 10 days = 1000, on time within 30 days, first delivery 0); group 1's 100 of
    day 12 is paid 0."""
    matched, amount_days, on_time, first, d_paid = lg._fifo_summary(
        _ints(0, 1), _ints(100, 100), _ints(10, 12), _ints(0), _ints(150), _ints(20), 30
    )
    assert matched.tolist() == [100] and amount_days.tolist() == [1000] and on_time.tolist() == [100]
    assert first.tolist() == [0]
    assert d_paid.tolist() == [100, 0]


def test_fifo_summary_cent_days_are_exact_integers_up_to_its_guard():
    """_fifo_summary promises exact integer arithmetic, and its caller's guard (_summable) lets cents x
    days reach 2**62. By hand: one group, 1 cent delivered on day 0 and 2**52 + 1 cents on day 999, one
    payment of all of it on day 1000: 1 x 1000 + (2**52 + 1) x 1 = 2**52 + 1001 cent-days, which the
    code works out as 1000 x (2**52 + 2) - 999 x (2**52 + 1): two numbers near 2**62, where float64
    values are 512 apart. On time within 30 days: the day-999 delivery only."""
    big = 2**52 + 1
    matched, amount_days, on_time, first, d_paid = lg._fifo_summary(
        _ints(0, 0), _ints(1, big), _ints(0, 999), _ints(0), _ints(big + 1), _ints(1000), 30
    )
    assert matched.tolist() == [big + 1] and first.tolist() == [0] and d_paid.tolist() == [1, big]
    assert amount_days.tolist() == [2**52 + 1001]
    assert on_time.tolist() == [big]


def test_summarised_ledger_with_one_delivery_and_a_payment_for_a_product_never_delivered():
    """FIFO by product, summed per payment (payment_days set), over a single delivery row: H1's P1, 100
    on 1 Jan. By hand: a P1 payment of 50 on 11 Jan pays 50 of it 10 days later (50 x 10 = 500
    yuan-days, on time within 30); a P2 payment of 70 that day finds no P2 delivery (its group comes
    after the one delivery's): it stays unmatched, whole. Left unpaid: 50 of 1 Jan."""
    d = _deliveries([("H1", "P1", "S", T("2020-01-01"), 100.0)])
    p1 = ("H1", "P1", None, None, 50.0, T("2020-01-11"))
    p2 = ("H1", "P2", None, None, 70.0, T("2020-01-11"))
    p = _payments([p1, p2])
    ledger, _ = lg.match_payments_coded(d, p, payment_days=30)
    matched = ledger[ledger["delivery_date"].notna() & ledger["pay_date"].notna()]
    assert matched["amount"].tolist() == [50.0] and matched["amount_days"].tolist() == [500.0]
    assert matched["paid_on_time"].tolist() == [50.0]
    unpaid = ledger[ledger["pay_date"].isna()]
    assert unpaid["product_id"].tolist() == ["P1"] and unpaid["amount"].tolist() == [50.0]
    unmatched = ledger[ledger["delivery_date"].isna()]
    assert unmatched["product_id"].tolist() == ["P2"] and unmatched["amount"].tolist() == [70.0]


@pytest.mark.parametrize(
    ("group_cents", "summable"),
    [(2**60 - 2**8, True), (2**60, False), (2**60 + 2**8, False)],
)
def test_summable_guard_refuses_cent_days_from_2_to_the_62(group_cents, summable):
    """_summable's guard, pinned at its bound: one group of one supplier, two deliveries of half the
    group's cents on day numbers 0 and 1: largest group x (day span 1 + 3) = 4 x group_cents, which is
    2**62 - 2**10, 2**62 and 2**62 + 2**10 (exact in float64, whose values there are 2**10 apart); only
    the first is below 2**62 and may be summed."""
    half = group_cents // 2
    assert lg._summable(_ints(0, 0), _ints(0, 0), _ints(half, half), _ints(0, 1)) is summable


def test_fifo_summary_gives_no_first_delivery_to_a_payment_that_pays_nothing():
    """By hand, in cents and day numbers: group 0 delivers 100 on day 10; its first payment (150, day 20)
    pays all 100 (first delivery 0), its second (70, day 21) finds nothing left: matched 0, first -1
    (none), as the docstring promises, not the position after the group's deliveries."""
    matched, amount_days, on_time, first, d_paid = lg._fifo_summary(
        _ints(0), _ints(100), _ints(10), _ints(0, 0), _ints(150, 70), _ints(20, 21), 30
    )
    assert matched.tolist() == [100, 0] and amount_days.tolist() == [1000, 0] and on_time.tolist() == [100, 0]
    assert first.tolist() == [0, -1]
    assert d_paid.tolist() == [100]


def test_deliveries_at_the_same_time_of_day_are_paid_by_product():
    """Dates with a time of day (no whole-day radix sort): 40 products of 1 yuan each, P00..P39, the
    even ones delivered on 1 Jan 08:00, the odd ones on 2 Jan 08:00. A hospital-level payment of 5 pays
    the oldest first and, within the same time, by product: P00, P02, P04, P06 and P08 (20 equal
    times: enough for an unstable sort to mix them)."""
    rows = [
        ("H1", f"P{i:02d}", "S", T("2020-01-01 08:00") + pd.Timedelta(days=i % 2), 1.0) for i in range(40)
    ]
    pay = _payments([("H1", None, None, None, 5.0, T("2020-02-01"))])
    led = lg.match_payments(_deliveries(rows), pay)
    paid = led[led["pay_date"].notna() & led["delivery_date"].notna()]
    assert sorted(paid["product_id"]) == ["P00", "P02", "P04", "P06", "P08"]
    assert paid["amount"].sum() == 5.0


def test_date_argsort_puts_a_blank_date_last():
    """A delivery with no date is the newest, never the oldest: numpy's stable argsort puts NaT last,
    also when the int64 view (NaT is its smallest value) looks sorted."""
    dates = pd.to_datetime([None, "2020-01-01", "2020-01-02"]).to_numpy(dtype="datetime64[ns]")
    assert lg._date_argsort(dates).tolist() == [1, 2, 0]


@pytest.mark.parametrize("in_key_order", [True, False], ids=["key order", "date order"])
def test_a_product_no_payment_names_does_not_split_the_summed_row(in_key_order):
    """FIFO by product summed per payment (payment_days set): P2, delivered by two suppliers (a group a
    summary cannot take), is named by no payment, so it is left out and P1's payment stays one summed
    row. By hand: P1's 100 of 1 Jan and 100 of 10 Jan, a P1 payment of 150 on 21 Jan: one row of 150
    from 1 Jan, 100 x 20 + 50 x 11 = 2550 yuan-days. Rows in key order (the store's daily totals) or in
    date order (as a file gives them)."""
    rows = [
        ("H1", "P1", "S", T("2020-01-01"), 100.0),
        ("H1", "P1", "S", T("2020-01-10"), 100.0),
        ("H1", "P2", "S1", T("2020-01-02"), 10.0),
        ("H1", "P2", "S2", T("2020-01-03"), 10.0),
    ]
    if not in_key_order:
        rows = sorted(rows, key=lambda r: r[3])
    pay = _payments([("H1", "P1", None, None, 150.0, T("2020-01-21"))])
    ledger, _ = lg.match_payments_coded(_deliveries(rows), pay, payment_days=30)
    paid = ledger[ledger["pay_date"].notna()]
    assert paid["amount"].tolist() == [150.0] and paid["delivery_date"].tolist() == [T("2020-01-01")]
    assert paid["amount_days"].tolist() == [2550.0]


def test_daily_totals_in_key_order_give_summed_rows_in_key_order():
    """Daily totals in key order (hospital, product, supplier, day), a product over several days, take
    the key-order path: the summed rows come group by group in key order. By hand: P1 delivered 100 on
    5 and 6 Jan, P2 100 on 1 and 2 Jan; a payment of 150 for each on 21 Jan: P1's row (from 5 Jan)
    before P2's (from 1 Jan), though P2 was delivered first."""
    rows = [
        ("H1", "P1", "S", T("2020-01-05"), 100.0),
        ("H1", "P1", "S", T("2020-01-06"), 100.0),
        ("H1", "P2", "S", T("2020-01-01"), 100.0),
        ("H1", "P2", "S", T("2020-01-02"), 100.0),
    ]
    pay = _payments([("H1", product, None, None, 150.0, T("2020-01-21")) for product in ("P2", "P1")])
    ledger, _ = lg.match_payments_coded(_deliveries(rows), pay, payment_days=30)
    paid = ledger[ledger["pay_date"].notna()]
    assert paid["product_id"].tolist() == ["P1", "P2"]
    assert paid["delivery_date"].tolist() == [T("2020-01-05"), T("2020-01-01")]
    assert paid["amount"].tolist() == [150.0, 150.0]


def test_a_supplier_payment_naming_a_day_pays_that_days_delivery_of_its_supplier():
    """A payment naming a day and a supplier but no product (an invoice over several products of one
    supplier) pays that day's delivery of its supplier first, not the supplier's oldest. By hand: 甲
    delivered P1 100 on 1 Jan and P2 100 on 15 Jan; the payment of 100 names 甲 and 15 Jan: P2 is paid,
    P1's 100 of 1 Jan is left unpaid."""
    rows = [("H1", "P1", "甲", T("2020-01-01"), 100.0), ("H1", "P2", "甲", T("2020-01-15"), 100.0)]
    pay = _payments([("H1", None, "甲", T("2020-01-15"), 100.0, T("2020-03-01"))])
    led = lg.match_payments(_deliveries(rows), pay)
    paid = led[led["pay_date"].notna() & led["delivery_date"].notna()]
    assert paid["product_id"].tolist() == ["P2"] and paid["amount"].tolist() == [100.0]
    unpaid = led[led["pay_date"].isna()]
    assert unpaid["product_id"].tolist() == ["P1"] and unpaid["delivery_date"].tolist() == [T("2020-01-01")]
