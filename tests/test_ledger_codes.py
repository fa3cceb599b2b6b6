"""The ledger's integer codes (procurement/ledger.py ``match_payments_coded``): numbered in sorted order
with blanks last, and codes handed in by the caller in another order pay exactly what plain matching pays.

Moved from test_perf_report.py, which mixed them with the report's summed-days path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from procurement import ledger as lg


def test_ledger_codes_follow_sorted_values_with_blanks_last():
    deliveries = pd.DataFrame({
        "hospital_id": pd.array(["H2", "H1"], dtype="string"), "product_id": pd.array(["P9", "P1"], dtype="string"),
        "supplier": pd.array(["乙", "甲"], dtype="string"), "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        "amount": [10.0, 20.0],
    })
    payments = pd.DataFrame({  # pays nothing it can match: a supplier-only payment of an unknown supplier
        "hospital_id": pd.array(["H3"], dtype="string"), "product_id": pd.array([None], dtype="string"),
        "supplier": pd.array(["丙"], dtype="string"), "order_date": pd.to_datetime([None]),
        "amount": [5.0], "date": pd.to_datetime(["2024-01-03"]),
    })
    ledger, coded = lg.match_payments_coded(deliveries, payments)
    # rows: the two unpaid deliveries (oldest first: H2 then H1), then the unmatched payment
    assert ledger["hospital_id"].tolist() == ["H2", "H1", "H3"]
    assert coded["hospital_id"][0].tolist() == [1, 0, 2] and coded["hospital_id"][1] == 3
    assert coded["product_id"][0].tolist() == [1, 0, 2] and coded["product_id"][1] == 2  # blank: 2


def test_known_delivery_codes_give_the_same_ledger():
    """Codes numbered in another order (as the report's are) must not change which payment pays what."""
    deliveries = pd.DataFrame({
        "hospital_id": pd.array(["H2", "H1", "H2", "H1"], dtype="string"),
        "product_id": pd.array(["P1", "P1", "P2", "P2"], dtype="string"),
        "supplier": pd.array(["甲", "甲", "乙", "乙"], dtype="string"),
        "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02"]),
        "amount": [10.0, 20.0, 30.0, 40.0],
    })
    payments = pd.DataFrame({  # hospital-only and supplier-only payments, one hospital never delivered to
        "hospital_id": pd.array(["H1", "H2", "H3", "H1"], dtype="string"),
        "product_id": pd.array([None, None, None, None], dtype="string"),
        "supplier": pd.array([None, None, None, "乙"], dtype="string"),
        "order_date": pd.to_datetime([None, None, None, None]),
        "amount": [25.0, 5.0, 7.0, 15.0], "date": pd.to_datetime(["2024-02-01"] * 4),
    })
    plain, _ = lg.match_payments_coded(deliveries, payments)
    known = {
        "hospital_id": (pd.Series([1, 0, 1, 0]).to_numpy(), pd.Index(["H1", "H2"], dtype="string")),
        "supplier": (pd.Series([1, 1, 0, 0]).to_numpy(), pd.Index(["乙", "甲"], dtype="string")),
    }
    coded, _ = lg.match_payments_coded(deliveries, payments, known)
    pd.testing.assert_frame_equal(coded, plain, check_exact=True)
    # by hand: H1 pays 15 to its 乙 delivery (40 -> 25) and 25 FIFO to its oldest (P1, 20) then 5 of P2;
    # H2 pays 5 of its P1 delivery; H3's 7 matches nothing
    paid = coded[coded["pay_date"].notna() & coded["delivery_date"].notna()]
    assert paid.groupby("hospital_id")["amount"].sum().to_dict() == {"H1": 40.0, "H2": 5.0}
    assert coded.loc[coded["delivery_date"].isna(), "amount"].tolist() == [7.0]


def test_joint_codes_number_every_array_alike_with_blank_as_its_own_last_code():
    """Codes shared across several arrays (three here, as the docstring allows any number), numbered in
    order of first appearance over the arrays laid end to end, blank (None) as ``len(uniques)``.
    By hand: a b a None c -> a=0, b=1, c=2, blank=3; split back as 1, 2 and 2 values."""
    first, second, third = (np.array(v, dtype=object) for v in (["a"], ["b", "a"], [None, "c"]))
    codes, uniques = lg._joint_codes_and_uniques(first, second, third)
    assert list(uniques) == ["a", "b", "c"]
    assert [c.tolist() for c in codes] == [[0], [1, 0], [3, 2]]
    # two arrays (as the ledger calls it), a blank in the first: its code is 2, after a and b
    blank_first, other = np.array(["a", None], dtype=object), np.array(["b", "a"], dtype=object)
    codes, uniques = lg._joint_codes_and_uniques(blank_first, other)
    assert list(uniques) == ["a", "b"]
    assert [c.tolist() for c in codes] == [[0, 2], [1, 0]]


def test_known_codes_kept_as_they_are_turn_only_blanks_into_the_last_code():
    """_joint_with_known without renumbering: deliveries coded 0 (A), -1 (blank), 1 (B) against the
    known values [A, B]; payments B, a new C, blank. By hand: C is appended (code 2), so blank is 3:
    deliveries [0, 3, 1] (code 0 is a value, not a blank), payments [1, 2, 3]."""
    (d, p), uniques = lg._joint_with_known(
        np.array([0, -1, 1]), ["A", "B"], np.array(["B", "C", None], dtype=object), renumber=False
    )
    assert d.tolist() == [0, 3, 1] and p.tolist() == [1, 2, 3]
    assert list(uniques) == ["A", "B", "C"]


def test_known_codes_with_a_blank_give_the_same_summarised_ledger():
    """The caller's codes kept as they are (payment_days set: no renumbering), one delivery's supplier
    blank (code -1, written as the last code). By hand: H1's hospital-level payment of 25 on 1 Feb pays
    the oldest first: P1's 10 of 1 Jan (甲), then 15 of P2's 20 of 2 Jan (no supplier); 5 of P2 is left
    unpaid, its supplier blank."""
    deliveries = pd.DataFrame(
        {
            "hospital_id": pd.array(["H1", "H1"], dtype="string"),
            "product_id": pd.array(["P1", "P2"], dtype="string"),
            "supplier": pd.array(["甲", None], dtype="string"),
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [10.0, 20.0],
        }
    )
    payments = pd.DataFrame(
        {
            "hospital_id": pd.array(["H1"], dtype="string"),
            "product_id": pd.array([None], dtype="string"),
            "supplier": pd.array([None], dtype="string"),
            "order_date": pd.to_datetime([None]),
            "amount": [25.0],
            "date": pd.to_datetime(["2024-02-01"]),
        }
    )
    plain, _ = lg.match_payments_coded(deliveries, payments, payment_days=30)
    known = {"supplier": (np.array([0, -1]), pd.Index(["甲"], dtype="string"))}
    coded, _ = lg.match_payments_coded(deliveries, payments, known, payment_days=30)
    pd.testing.assert_frame_equal(coded, plain, check_exact=True)
    paid = coded[coded["pay_date"].notna() & coded["delivery_date"].notna()]
    assert paid.groupby("product_id")["amount"].sum().to_dict() == {"P1": 10.0, "P2": 15.0}
    unpaid = coded[coded["pay_date"].isna()]
    assert unpaid["product_id"].tolist() == ["P2"] and unpaid["amount"].tolist() == [5.0]
    assert unpaid["supplier"].isna().all()
