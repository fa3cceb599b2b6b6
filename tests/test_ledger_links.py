"""What a payment's invoice, order or distributor names (procurement/ledger.py ``link_payments`` and the
helpers it reads lines through), on parsed frames, per payment row: the day is a day (NaT where the
hospital has no such line) and each answer lands on the payment that asked, whatever its row.

The lines (the hand case of tests/test_payment_matching.py):
  A  order O1  H1  2020-01-01  P1 (甲)  invoice I1  distributor D1
  B  order O2  H1  2020-02-01  P1 (甲)  invoice I2  distributor D1
  C  order O3  H1  2020-01-15  P2 (甲)  invoice I2  distributor D3
  E  order O4  H1  2019-12-20  P3 (乙)  invoice I3  distributor D3
     order O9  H2  2020-01-01  P2 (甲)  invoice I9  distributor D1
     order O5  H1  2020-01-20  P1 (甲)  invoice I5  distributor D5
     order O6  H1  2020-01-21  P1 (no supplier named)  invoice I6  distributor D5
"""

from __future__ import annotations

import pandas as pd

from procurement import ledger as lg
from procurement.model import conform

T = pd.Timestamp
LINES = [  # order, hospital, date, product, supplier, invoice, distributor
    ("O1", "H1", "2020-01-01", "P1", "甲", "I1", "D1"),
    ("O2", "H1", "2020-02-01", "P1", "甲", "I2", "D1"),
    ("O3", "H1", "2020-01-15", "P2", "甲", "I2", "D3"),
    ("O4", "H1", "2019-12-20", "P3", "乙", "I3", "D3"),
    ("O9", "H2", "2020-01-01", "P2", "甲", "I9", "D1"),
    ("O5", "H1", "2020-01-20", "P1", "甲", "I5", "D5"),
    ("O6", "H1", "2020-01-21", "P1", None, "I6", "D5"),
]
PURCHASES = conform(
    "purchases",
    pd.DataFrame(
        {
            "order_id": [r[0] for r in LINES],
            "hospital_id": [r[1] for r in LINES],
            "date": pd.to_datetime([r[2] for r in LINES]),
            "product_id": [r[3] for r in LINES],
            "supplier": [r[4] for r in LINES],
            "invoice_id": [r[5] for r in LINES],
            "distributor": [r[6] for r in LINES],
            "quantity": [100.0] * len(LINES),
            "amount": [100.0] * len(LINES),
        }
    ),
)


def _named(id_col: str, pairs: list[tuple[str, str]], index: list[int]) -> pd.DataFrame:
    """Payments' (hospital, id) as link_payments hands them over: a slice of the payments, so its
    index is the payments' rows (not 0..n-1)."""
    return pd.DataFrame(
        {"hospital_id": [h for h, _ in pairs], id_col: [v for _, v in pairs]}, index=index, dtype="string"
    )


def test_named_lines_give_the_invoices_earliest_day_as_a_day():
    """By hand: H1's I2 is B (1 Feb, P1) and C (15 Jan, P2), both 甲: its earliest day 15 Jan, no one
    product, supplier 甲. H1 has no I9 line (that is H2's): NaT and blanks. H2's I9 is O9: 1 Jan, P2, 甲."""
    named = _named("invoice_id", [("H1", "I2"), ("H1", "I9"), ("H2", "I9")], index=[10, 20, 30])
    out = lg._named_lines(named, PURCHASES, "invoice_id")
    assert out.index.tolist() == [10, 20, 30]
    assert out["date"].dtype == "datetime64[ns]"  # a day, not its text
    assert out["date"].tolist()[0::2] == [T("2020-01-15"), T("2020-01-01")] and pd.isna(out["date"].iloc[1])
    assert out["product_id"].isna().tolist() == [True, True, False] and out["product_id"].iloc[2] == "P2"
    assert out["supplier"].isna().tolist() == [False, True, False]
    assert out["supplier"].iloc[0] == "甲" and out["supplier"].iloc[2] == "甲"


def test_distributor_suppliers_answer_each_payment_on_its_own_row():
    """By hand: D1 delivered only 甲's goods to H1 (A, B): 甲. D3 delivered 甲's C and 乙's E to H1:
    blank. D1 delivered O9 (甲) to H2: 甲. H2 has no D3 line: blank. D5 delivered to H1 one line of 甲
    and one naming no supplier: blank (one value, but not on every line)."""
    named = _named(
        "distributor",
        [("H1", "D1"), ("H1", "D3"), ("H2", "D1"), ("H2", "D3"), ("H1", "D5")],
        index=[7, 3, 12, 5, 9],
    )
    out = lg._distributor_suppliers(named, PURCHASES)
    expected = pd.Series(["甲", pd.NA, "甲", pd.NA, pd.NA], index=[7, 3, 12, 5, 9], dtype="string")
    pd.testing.assert_series_equal(out, expected)


def test_a_distributor_link_lands_on_the_payment_that_names_it():
    """Two H1 payments: row 0 names order O2 (B: 1 Feb, P1, 甲), row 1 only distributor D1, which
    delivered only 甲's goods to H1 (A, B): row 1 gets supplier 甲 by its distributor, row 0 keeps
    its order link."""
    payments = conform(
        "payments",
        pd.DataFrame(
            {
                "payment_id": ["R1", "R2"],
                "hospital_id": ["H1", "H1"],
                "order_id": ["O2", None],
                "distributor": [None, "D1"],
                "amount": [100.0, 100.0],
                "date": [T("2020-03-01"), T("2020-03-01")],
            }
        ),
    )
    out = lg.link_payments(payments, PURCHASES)
    assert out["link_by"].tolist() == ["order", "distributor"]
    assert out["order_date"].iloc[0] == T("2020-02-01") and pd.isna(out["order_date"].iloc[1])
    assert out["product_id"].iloc[0] == "P1" and pd.isna(out["product_id"].iloc[1])
    assert out["supplier"].tolist() == ["甲", "甲"]


def test_a_linked_payment_keeps_the_product_it_names():
    """By hand: an H1 payment naming product P2 and invoice I2 (B: 1 Feb P1 and C: 15 Jan P2, both 甲),
    no order_date: linked by invoice, it takes the invoice's earliest day (15 Jan) and supplier 甲, but
    keeps its own product P2 (the invoice has no one product to give, and what a payment names itself
    is never replaced: only blanks are filled)."""
    payments = conform(
        "payments",
        pd.DataFrame(
            {
                "payment_id": ["R1"],
                "hospital_id": ["H1"],
                "product_id": ["P2"],
                "invoice_id": ["I2"],
                "amount": [100.0],
                "date": [T("2020-03-01")],
            }
        ),
    )
    out = lg.link_payments(payments, PURCHASES)
    assert out["link_by"].tolist() == ["invoice"]
    assert out["order_date"].tolist() == [T("2020-01-15")]
    assert out["product_id"].fillna("").tolist() == ["P2"] and out["supplier"].tolist() == ["甲"]
