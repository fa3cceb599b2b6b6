"""Each metric function on small cases worked out by hand, and the payment ledger's invariants."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement import metrics as m
from procurement.settings import Settings

T = pd.Timestamp


def test_ratio_zero_denominator_is_none_never_inf():
    assert m.ratio(5, 0) is None
    assert m.ratio(0, 0) is None
    assert m.ratio(1, 4) == 0.25
    out = m.ratio(pd.Series([1.0, 2.0, 3.0]), pd.Series([0.0, 4.0, np.nan]))
    assert np.isnan(out[0]) and out[1] == 0.5 and np.isnan(out[2])
    assert not np.isinf(out).any()


def test_completion_rate_county_batches():
    # published: 877,800 of 873,000 -> 100.55%; 658,100 of 1,464,900 -> 44.92%
    assert round(m.completion_rate(877_800, 873_000), 4) == 1.0055
    assert round(m.completion_rate(658_100, 1_464_900), 4) == 0.4492


def test_time_elapsed_counts_both_ends_and_caps():
    # 2020 has 366 days; 1 Jan .. 31 Jan is 31 days
    assert m.time_elapsed(date(2020, 1, 31), T("2020-01-01"), T("2020-12-31")) == pytest.approx(31 / 366)
    assert m.time_elapsed(date(2020, 12, 31), T("2020-01-01"), T("2020-12-31")) == 1.0
    assert m.time_elapsed(date(2021, 6, 1), T("2020-01-01"), T("2020-12-31")) == 1.0
    assert m.time_elapsed(date(2019, 6, 1), T("2020-01-01"), T("2020-12-31")) == 0.0
    assert m.time_elapsed(date(2020, 1, 1), T("2020-01-01"), T("2020-01-10")) == pytest.approx(0.1)
    assert m.time_elapsed(date(2020, 1, 1), pd.NaT, T("2020-01-10")) is None
    vec = m.time_elapsed(date(2020, 1, 5), pd.Series([T("2020-01-01"), T("2020-01-03")]),
                         pd.Series([T("2020-01-10"), T("2020-01-12")]))
    assert list(vec) == pytest.approx([0.5, 0.3])


@pytest.mark.parametrize(
    ("purchased", "completion", "elapsed", "expected"),
    [
        (0, 0.0, 0.5, "zero_purchase"),
        (10, 0.1, 0.5, "below_schedule"),
        (10, 0.5, 0.5, "normal"),  # exactly on schedule is not below
        (10, 0.9, 0.5, "normal"),
        (10, 1.0, 1.0, "normal"),  # exactly 100% is not over
        (10, 1.01, 0.5, "over_purchase"),
        (10, 0.1, None, "normal"),  # no period: cannot be below
    ],
)
def test_progress_status(purchased, completion, elapsed, expected):
    assert m.progress_status(purchased, completion, elapsed) == expected
    vec = m.progress_status(np.array([purchased]), np.array([completion]), np.array([np.nan if elapsed is None else elapsed]))
    assert vec[0] == expected


def test_warning_only_from_the_third_month():
    start = T("2020-01-01")
    assert not m.warning_window_open(date(2020, 2, 29), start, 3)
    assert m.warning_window_open(date(2020, 3, 1), start, 3)
    # completion 0.1 vs 0.8 x 0.5 = 0.4 -> warns once the window is open
    assert m.warning(0.1, 0.5, True, 0.8) is True
    assert m.warning(0.1, 0.5, False, 0.8) is False
    assert m.warning(0.41, 0.5, True, 0.8) is False
    assert m.warning(None, 0.5, True, 0.8) is False


def test_projected_completion_is_run_rate():
    assert m.projected_completion(0.3, 0.5) == pytest.approx(0.6)
    assert m.projected_completion(0.3, 0.0) is None


def test_money_ratios():
    # published: 52.53万 paid of 60.57万 agreed (both rounded) -> 86.72%; 525,300 / 605,740 = 0.86720...
    assert round(m.paid_vs_agreed(525_300, 605_740), 4) == 0.8672
    assert m.collection_rate(70, 100) == 0.7
    assert m.on_time_rate(30, 120) == 0.25
    assert m.avg_days_to_pay(100 * 10 + 300 * 30, 400) == 25.0


def test_overdue_buckets():
    assert m.overdue_bucket(30) is None
    assert m.overdue_bucket(31) == "31-60"
    assert m.overdue_bucket(60) == "31-60"
    assert m.overdue_bucket(61) == "61-90"
    assert m.overdue_bucket(91) == ">90"
    assert m.overdue_bucket(50, payment_days=45) == "31-60"  # 46..75 is the first bucket of a 45-day term
    assert list(m.overdue_bucket(np.array([10, 45, 70, 200]))) == [None, "31-60", "61-90", ">90"]


def test_savings_and_price_drops_differ_when_big_products_fall_less():
    # two products: a big one falling 10%, a small one falling 70%
    drops = [m.price_drop(9.0, 10.0), m.price_drop(0.3, 1.0)]
    assert drops == pytest.approx([0.1, 0.7])
    assert m.mean_price_drop(drops) == pytest.approx(0.4)
    assert m.max_price_drop(drops) == pytest.approx(0.7)
    saved = m.savings(1000, 10.0, 9.0) + m.savings(100, 1.0, 0.3)  # 1000 + 70
    assert saved == pytest.approx(1070)
    assert m.savings_rate(saved, 1000 * 10.0 + 100 * 1.0) == pytest.approx(1070 / 10100)
    assert m.savings(10, None, 1.0) is None
    assert m.mean_price_drop([np.nan]) is None


def test_winning_share():
    assert m.winning_share(300, 400) == 0.75
    assert m.winning_share(0, 0) is None


def test_retention_grades_and_amounts():
    s = Settings()
    assert m.retention_grade(1.0, 0.95, s) == "A"
    assert m.retention_grade(1.2, 0.9, s) == "B"  # complete but paid late
    assert m.retention_grade(0.9, 1.0, s) == "B"
    assert m.retention_grade(0.85, 1.0, s) == "C"
    assert m.retention_grade(0.5, 1.0, s) == "D"
    assert m.retention_grade(None, None, s) == "D"
    assert m.retained_savings(1000.0, "A", s) == pytest.approx(350.0)  # 1000 x 0.7 x 0.5
    assert m.retained_savings(1000.0, "C", s) == pytest.approx(210.0)
    assert m.retained_savings(1000.0, "D", s) == 0.0
    custom = Settings(fund_share=0.5, grade_shares=(("A", 0.6), ("B", 0.4), ("C", 0.2), ("D", 0.0)))
    assert m.retained_savings(1000.0, "A", custom) == pytest.approx(300.0)
    assert list(m.retention_grade(np.array([1.0, 0.95, 0.8, np.nan]), np.array([1.0, 1.0, 1.0, 1.0]), s)) == ["A", "B", "C", "D"]


def test_settings_are_frozen_and_hashable():
    s = Settings()
    with pytest.raises(AttributeError):
        s.payment_days = 10  # type: ignore[misc]
    assert hash(s) == hash(Settings())
    assert s.grade_share("B") == 0.4


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
    led = m.match_payments(d, p)
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
    led = m.match_payments(d, p)
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
    led = m.match_payments(d, p)
    paid = led[led["pay_date"].notna()].set_index("product_id")["amount"]
    assert paid.to_dict() == {"P2": 50.0, "P1": 70.0}
    assert led.loc[(led["product_id"] == "P3"), "pay_date"].isna().all()


def test_excess_payment_stays_with_its_payer():
    d = _deliveries([("H1", "P1", "S", T("2020-01-01"), 100.0)])
    p = _payments([("H1", "P1", None, pd.NaT, 130.0, T("2020-01-20")), ("H2", None, "S", pd.NaT, 5.0, T("2020-01-20"))])
    led = m.match_payments(d, p)
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
    led = m.match_payments(d, p)
    f = m.payment_figures(led, date(2020, 6, 15), 30).sum()
    assert f["paid_amount"] == 150.0 and f["paid_on_time"] == 100.0
    assert f["amount_days"] / f["matched_paid"] == pytest.approx((100 * 20 + 50 * 41) / 150)
    # unpaid at 15 June: 50 delivered 1 Mar (106 days) -> >90; 100 delivered 1 May (45 days) -> 31-60
    assert f["overdue_over_90"] == 50.0 and f["overdue_31_60"] == 100.0 and f["overdue_61_90"] == 0.0
    assert f["overdue_amount"] == 150.0


def test_empty_inputs_give_an_empty_ledger():
    led = m.match_payments(_deliveries([]), _payments([]))
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
    led = m.match_payments(d, p)
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
    a = m.payment_figures(m.match_payments(lines, payments), as_of).sum()
    b = m.payment_figures(m.match_payments(daily, payments), as_of).sum()
    pd.testing.assert_series_equal(a.round(6), b.round(6))


def test_nonwinning_over():
    assert m.nonwinning_over(200, 100) is True
    assert m.nonwinning_over(100, 100) is False  # equal is not more
    assert m.nonwinning_over(0, 0) is False
    assert m.nonwinning_over(200, 100, share=0.7) is False  # 66.7% of use
    assert m.nonwinning_over(300, 100, share=0.7) is True  # 75%
    assert list(m.nonwinning_over(np.array([5.0, 1.0]), np.array([0.0, 2.0]))) == [True, False]


@settings(max_examples=30, deadline=None)
@given(
    deliveries=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2"]), day, cents), max_size=12),
    payments=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2"]), cents, day), max_size=8),
)
def test_fifo_never_leaves_an_older_delivery_unpaid_while_paying_a_newer_one(deliveries, payments):
    d = _deliveries([(h, p, "S1", t, a) for h, p, t, a in deliveries])
    pay = _payments([(h, p, None, None, a, t) for h, p, a, t in payments])
    led = m.match_payments(d, pay)
    for (_h, _p), g in led[led["delivery_date"].notna()].groupby(["hospital_id", "product_id"]):
        unpaid = g.loc[g["pay_date"].isna(), "delivery_date"]
        paid = g.loc[g["pay_date"].notna(), "delivery_date"]
        if len(unpaid) and len(paid):
            assert paid.max() <= unpaid.min()
