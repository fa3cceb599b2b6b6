"""The summarised payment ledger (``match_payments_coded(..., payment_days=N)``) against the ledger
of pieces: by hand on one product, and a property test that every figure the report reads is the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from procurement import ledger as lg

T = pd.Timestamp
KEYS = ["hospital_id", "product_id", "supplier"]


def _deliveries(rows):
    return pd.DataFrame(rows, columns=[*KEYS, "date", "amount"]).astype(
        {"hospital_id": "string", "product_id": "string", "supplier": "string", "date": "datetime64[ns]",
         "amount": "float64"})


def _payments(rows):
    return pd.DataFrame(rows, columns=[*KEYS, "order_date", "amount", "date"]).astype(
        {"hospital_id": "string", "product_id": "string", "supplier": "string",
         "order_date": "datetime64[ns]", "date": "datetime64[ns]", "amount": "float64"})


@pytest.mark.parametrize(
    ("pay_day", "payment_days", "amount_days", "on_time"),
    [
        # 100 delivered 1 Jan paid after 20 days, 50 of 10 Jan's after 11 days: 2,000 + 550
        ("2020-01-21", 30, 2550.0, 150.0),
        # on time within 15 days: only deliveries of 6 Jan or later, i.e. the 50 of 10 Jan
        ("2020-01-21", 15, 2550.0, 50.0),
        # paid on 6 Jan: 100 after 5 days; the 50 of 10 Jan is a prepayment, 0 days
        ("2020-01-06", 30, 500.0, 150.0),
        # exactly 11 days after 10 Jan's delivery: on time within 11 days, the 100 of 1 Jan (20 days) not
        ("2020-01-21", 11, 2550.0, 50.0),
    ],
)
def test_one_payment_over_two_delivery_days_by_hand(pay_day, payment_days, amount_days, on_time):
    d = _deliveries([("H1", "P1", "S", T("2020-01-01"), 100.0), ("H1", "P1", "S", T("2020-01-10"), 100.0)])
    p = _payments([("H1", "P1", None, pd.NaT, 150.0, T(pay_day))])
    ledger, _ = lg.match_payments_coded(d, p, payment_days=payment_days)
    paid = ledger[ledger["pay_date"].notna()]
    assert len(paid) == 1  # one row for the payment, not one per delivery day
    assert paid["amount"].tolist() == [150.0] and paid["delivery_date"].tolist() == [T("2020-01-01")]
    f = lg.payment_figures(ledger, T("2020-03-01"), payment_days).sum()
    assert f["amount_days"] == amount_days and f["paid_on_time"] == on_time
    assert f["matched_paid"] == 150.0 and f["overdue_amount"] == 50.0  # 50 of 10 Jan left unpaid
    with pytest.raises(ValueError):  # the ledger's on-time split was made for its own payment_days
        lg.payment_figures(ledger, T("2020-03-01"), payment_days + 1)


def test_a_product_from_two_suppliers_stays_in_pieces():
    d = _deliveries([("H1", "P1", "S1", T("2020-01-01"), 100.0), ("H1", "P1", "S2", T("2020-01-02"), 100.0)])
    p = _payments([("H1", "P1", None, pd.NaT, 150.0, T("2020-01-21"))])
    ledger, _ = lg.match_payments_coded(d, p, payment_days=30)
    paid = ledger[ledger["pay_date"].notna()]
    assert paid.groupby("supplier")["amount"].sum().to_dict() == {"S1": 100.0, "S2": 50.0}
    assert paid["amount_days"].sum() == 100 * 20 + 50 * 19


@pytest.mark.parametrize("rows", [[0, 1, 2], [2, 1, 0], [1, 2, 0]])
def test_deliveries_of_one_day_are_paid_by_product_whatever_the_row_order(rows):
    # S1 delivered P2 (1.00) and P1 (1.00) on 31 Jan, P1 (5.00) on 1 Jan; a supplier payment of
    # 6.50 pays 1 Jan's 5.00, then 31 Jan's deliveries, P1 before P2 (by value): P1 1.00, P2 0.50
    all_rows = [("H1", "P2", "S1", T("2020-01-31"), 1.0), ("H1", "P1", "S1", T("2020-01-31"), 1.0),
                ("H1", "P1", "S1", T("2020-01-01"), 5.0)]
    d = _deliveries([all_rows[i] for i in rows])
    p = _payments([("H1", None, "S1", pd.NaT, 6.5, T("2020-02-10"))])
    for ledger in (lg.match_payments(d, p), lg.match_payments_coded(d, p, payment_days=30)[0]):
        paid = ledger[ledger["pay_date"].notna()]
        assert paid.groupby("product_id")["amount"].sum().to_dict() == {"P1": 6.0, "P2": 0.5}


@pytest.mark.parametrize("rows", [[0, 1], [1, 0]])
def test_deliveries_of_one_day_are_paid_by_product_before_supplier(rows):
    # H1 got P1 from S2 (4.00) and P2 from S1 (4.00) on 31 Jan; a hospital payment of 5.00 pays that
    # day by product first: P1 (S2) 4.00, then P2 (S1) 1.00; by supplier first it would be P2 4.00
    all_rows = [("H1", "P2", "S1", T("2020-01-31"), 4.0), ("H1", "P1", "S2", T("2020-01-31"), 4.0)]
    d = _deliveries([all_rows[i] for i in rows])
    p = _payments([("H1", None, None, pd.NaT, 5.0, T("2020-02-10"))])
    for ledger in (lg.match_payments(d, p), lg.match_payments_coded(d, p, payment_days=30)[0]):
        paid = ledger[ledger["pay_date"].notna()]
        assert paid.groupby("product_id")["amount"].sum().to_dict() == {"P1": 4.0, "P2": 1.0}


def test_a_product_from_two_suppliers_is_paid_oldest_first_in_key_order():
    # daily totals in key order (S1 before S2) although S2 delivered first: a payment of 100 for P1
    # pays S2's delivery of 1 Jan (the oldest), not S1's of 10 Jan; then 10 days, all on time
    daily = _deliveries([("H1", "P1", "S1", T("2020-01-10"), 100.0), ("H1", "P1", "S2", T("2020-01-01"), 100.0)])
    codes = {k: pd.factorize(daily[k].to_numpy(dtype=object), sort=True) for k in KEYS}
    p = _payments([("H1", "P1", None, pd.NaT, 100.0, T("2020-01-11"))])
    ledger, _ = lg.match_payments_coded(daily, p, codes, payment_days=30)
    paid = ledger[ledger["pay_date"].notna()]
    assert paid[["supplier", "delivery_date", "amount"]].values.tolist() == [["S2", T("2020-01-01"), 100.0]]
    assert paid["amount_days"].sum() == 100 * 10
    unpaid = ledger[ledger["pay_date"].isna()]
    assert unpaid[["supplier", "amount"]].values.tolist() == [["S1", 100.0]]


money = st.integers(min_value=1, max_value=50_000).map(lambda c: c / 100)
day = st.integers(min_value=0, max_value=40).map(lambda n: T("2020-01-01") + pd.Timedelta(days=n))  # few days: N-day boundaries get hit
SUPPLIER = {"P1": "S1", "P2": "S1", "P3": "S2"}


ORDER_DAY = st.one_of(st.none(), st.none(), st.none(), day)  # most payments name no delivery day


def _check_same_figures(d, p, payment_days, as_of):
    """Every figure the report reads is the same from the summarised ledger and from the pieces."""
    pieces, _ = lg.match_payments_coded(d, p)
    summary, _ = lg.match_payments_coded(d, p, payment_days=payment_days)
    # as the report calls it: daily totals sorted by key and day, with codes that follow the values
    daily = d.groupby([*KEYS, "date"], as_index=False)["amount"].sum()
    codes = {k: pd.factorize(daily[k].to_numpy(dtype=object), sort=True) for k in KEYS}
    keyed, _ = lg.match_payments_coded(daily, p, codes, payment_days=payment_days)
    _same_figures(summary, pieces, payment_days, as_of)
    _same_figures(keyed, pieces, payment_days, as_of)
    return len(summary), len(pieces), _in_key_order(daily, codes)


def _in_key_order(daily, codes):
    """Whether the ledger can keep these daily totals in the order they come (the report's fast path)."""
    days = daily["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    return lg._strictly_increasing(*(codes[k][0] for k in KEYS), days)


def _same_figures(summary, pieces, payment_days, as_of):

    def by_key(ledger):
        figures = lg.payment_figures(ledger, as_of, payment_days)
        return figures.groupby([ledger[k].fillna("-") for k in KEYS]).sum().sort_index()

    pd.testing.assert_frame_equal(by_key(summary), by_key(pieces), check_exact=False, rtol=1e-12, atol=1e-9)
    # what the report reads row by row: unpaid deliveries and unmatched payments (in another order:
    # a summarised ledger keeps daily totals sorted by key, as the store gives them), and paid by month
    cols = [*KEYS, "delivery_date", "pay_date", "amount"]
    for rows in (lambda x: x["pay_date"].isna(), lambda x: x["delivery_date"].isna()):
        a, b = (x.loc[rows(x), cols].sort_values(cols, kind="stable").reset_index(drop=True) for x in (summary, pieces))
        pd.testing.assert_frame_equal(a, b)

    def paid_by_month(ledger):
        paid = ledger[ledger["pay_date"].notna()]
        return paid.groupby([paid["pay_date"].dt.to_period("M"), paid["product_id"].fillna("-")])["amount"].sum()

    pd.testing.assert_series_equal(paid_by_month(summary), paid_by_month(pieces), rtol=1e-12)
    assert np.isclose(summary["amount"].sum(), pieces["amount"].sum())


@settings(max_examples=100, deadline=None)
@given(
    deliveries=st.lists(st.tuples(st.sampled_from(["H1", "H2", "H3"]), st.sampled_from(["P1", "P2", "P3"]), day, money),
                        min_size=3, max_size=30),
    payments=st.lists(
        st.tuples(st.sampled_from(["H1", "H2", "H3"]), st.sampled_from(["P1", "P2", "P3", None]),
                  st.sampled_from(["S1", "S2", None]), ORDER_DAY, money.map(lambda a: 3 * a), day),
        max_size=15),
    payment_days=st.integers(min_value=0, max_value=15),
    as_of=day,
)
@example(  # found failing: the supplier payment's 3 cents went to P2 (first row of 31 Jan) in pieces, to P1 keyed
    deliveries=[*[("H1", "P1", T("2020-01-01"), 0.01)] * 6, ("H1", "P2", T("2020-01-31"), 0.01),
                ("H1", "P1", T("2020-01-01"), 0.01), ("H1", "P1", T("2020-01-31"), 24.23)],
    payments=[*[("H1", "P1", "S1", None, 0.03, T("2020-01-01"))] * 4, ("H1", None, "S1", None, 0.03, T("2020-01-01"))],
    payment_days=0,
    as_of=T("2020-01-01"),
)
def test_summary_gives_the_figures_of_the_pieces(deliveries, payments, payment_days, as_of):
    # a delivery of P3 for less than a yuan comes from S1 too: a product from two suppliers, whose
    # daily totals in key order come by supplier first (FIFO must still pay the oldest day first)
    d = _deliveries([(h, p, "S1" if p == "P3" and a < 1 else SUPPLIER[p], t, a) for h, p, t, a in deliveries])
    p = _payments([(h, pr, SUPPLIER[pr] if pr else s, od if pr else None, a, t) for h, pr, s, od, a, t in payments])
    _check_same_figures(d, p, payment_days, as_of)


@pytest.mark.parametrize("seed", range(12))
def test_summary_on_random_months_of_deliveries(seed):
    """Bigger random cases than hypothesis draws: many delivery days per payment, so summaries are used."""
    rng = np.random.default_rng(seed)
    n_d, n_p = 200, 30
    start = T("2020-01-01")
    d = _deliveries([
        (f"H{rng.integers(3)}", p, SUPPLIER[p], start + pd.Timedelta(days=int(rng.integers(60))), float(rng.integers(1, 50_000)) / 100)
        for p in rng.choice(["P1", "P2", "P3"], n_d)])
    kinds = rng.choice(["product", "target", "supplier", "hospital"], n_p, p=[0.7, 0.1, 0.1, 0.1])
    rows = []
    for kind in kinds:
        product = str(rng.choice(["P1", "P2", "P3"]))
        pay = start + pd.Timedelta(days=int(rng.integers(80)))
        amount = float(rng.integers(1, 1_000_000)) / 100
        target = start + pd.Timedelta(days=int(rng.integers(60)))
        rows.append({
            "product": (f"H{rng.integers(3)}", product, SUPPLIER[product], None, amount, pay),
            "target": (f"H{rng.integers(3)}", product, SUPPLIER[product], target, amount, pay),
            "supplier": (f"H{rng.integers(3)}", None, str(rng.choice(["S1", "S2"])), None, amount, pay),
            "hospital": (f"H{rng.integers(3)}", None, None, None, amount, pay),
        }[kind])
    n_summary, n_pieces, key_order = _check_same_figures(d, _payments(rows), int(rng.integers(0, 45)),
                                                         start + pd.Timedelta(days=90))
    assert n_summary < n_pieces and key_order  # both summarised paths were taken


def test_unpaid_age_is_whole_days_and_only_for_unpaid_deliveries() -> None:
    # delivered 2024-01-01, as of 2024-03-01: 31 (January) + 29 (February, a leap year) = 60 days;
    # a row paid, or one without a delivery (a payment beyond every delivery), has no age
    ledger = pd.DataFrame({
        "delivery_date": pd.to_datetime(["2024-01-01", "2024-01-01", None, "2024-02-29"]),
        "pay_date": pd.to_datetime([None, "2024-01-20", "2024-01-05", None]),
    })
    age = lg.unpaid_age_days(ledger, pd.Timestamp("2024-03-01 17:30"))  # the time of day does not count
    assert age[0] == 60 and np.isnan(age[1]) and np.isnan(age[2]) and age[3] == 1


def test_unpaid_age_reads_a_date_column_of_any_resolution() -> None:
    # the same dates as above held in seconds (datetime64[s], as pandas keeps a frame built from such an
    # array): delivered 2024-01-01, as of 2024-03-01 is still 31 + 29 = 60 days, 2024-02-29 is 1 day;
    # the age is counted on nanoseconds, so the column must be converted to them, not reinterpreted
    ledger = pd.DataFrame({
        "delivery_date": pd.to_datetime(["2024-01-01", "2024-02-29", None]).as_unit("s"),
        "pay_date": pd.to_datetime([None, None, None]),
    })
    assert ledger["delivery_date"].dtype == "datetime64[s]"
    age = lg.unpaid_age_days(ledger, pd.Timestamp("2024-03-01"))
    assert age[0] == 60 and age[1] == 1 and np.isnan(age[2])


def test_named_day_pieces_of_daily_totals_come_in_key_order():
    # daily totals in key order (hospital, product, supplier, day), payment_days set: P1 on 5 and 9 Jan,
    # P2 on 1 and 3 Jan, each 10. Order links name P1's 9 Jan (10), P2's 3 Jan (10) and P1's 5 Jan (4).
    # By hand: the named-day stage pays each named day in full or in part, and its pieces come in the
    # deliveries' key order (P1 5 Jan 4, P1 9 Jan 10, P2 3 Jan 10), not in date order; then the unpaid
    # rest: P1 5 Jan 6, P2 1 Jan 10. Amount-days to 1 Feb: 4 x 27, 10 x 23, 10 x 29.
    deliveries = pd.DataFrame(
        [
            ("H1", "P1", "S1", T("2020-01-05"), 10.0),
            ("H1", "P1", "S1", T("2020-01-09"), 10.0),
            ("H1", "P2", "S1", T("2020-01-01"), 10.0),
            ("H1", "P2", "S1", T("2020-01-03"), 10.0),
        ],
        columns=[*KEYS, "date", "amount"],
    ).astype({"hospital_id": "string", "product_id": "string", "supplier": "string"})
    pay = T("2020-02-01")
    payments = pd.DataFrame(
        [
            ("H1", "P1", "S1", T("2020-01-09"), 10.0, pay, "order"),
            ("H1", "P2", "S1", T("2020-01-03"), 10.0, pay, "order"),
            ("H1", "P1", "S1", T("2020-01-05"), 4.0, pay, "order"),
        ],
        columns=[*KEYS, "order_date", "amount", "date", "link_by"],
    ).astype({"hospital_id": "string", "product_id": "string", "supplier": "string", "link_by": "string"})
    ledger, _ = lg.match_payments_coded(deliveries, payments, payment_days=30)
    rows = [(r.product_id, r.delivery_date.day, r.amount) for r in ledger.itertuples()]
    assert rows == [("P1", 5, 4.0), ("P1", 9, 10.0), ("P2", 3, 10.0), ("P1", 5, 6.0), ("P2", 1, 10.0)]
    assert ledger["amount_days"].tolist() == [108.0, 230.0, 290.0, 0.0, 0.0]
