"""The frame of daily totals that load_dataset(aggregated=True) returns, pinned exactly: columns,
dtypes (categorical codes included), values and row order, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from procurement import daily, store
from procurement.model import conform

NAN = float("nan")
COLUMNS = ["order_id", "date", "hospital_id", "product_id", "generic_name", "specification", "supplier",
           "quantity", "amount", "winning"]


def categorical(values: list, categories: list[str]) -> pd.Categorical:
    return pd.Categorical(values, categories=pd.Index(categories, dtype=object))


def expected(rows: list[tuple]) -> pd.DataFrame:
    """rows: (date, hospital, product, generic, spec, supplier, quantity, amount, winning); None blank."""
    cols = list(zip(*rows, strict=True))
    frame = {"order_id": categorical([None] * len(rows), []), "date": pd.to_datetime(list(cols[0])).as_unit("ns")}
    for i, name in enumerate(COLUMNS[2:7], start=1):
        frame[name] = categorical(list(cols[i]), sorted({v for v in cols[i] if v is not None}))
    frame["quantity"] = np.array(cols[6], dtype="float64")
    frame["amount"] = np.array(cols[7], dtype="float64")
    frame["winning"] = np.array(cols[8], dtype=bool)
    return pd.DataFrame(frame)


def check(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == COLUMNS
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for col in COLUMNS[:7]:
        if col != "date":
            assert got[col].cat.codes.dtype == np.int8, col  # what pandas itself picks for few categories
            assert got[col].cat.categories.dtype == object, col


def test_to_purchases_keeps_the_totals_order_and_dtypes():
    keys = pd.DataFrame(
        [("H2", "P1", "甲", "5mg", "企业A", True), ("H1", "", "乙", "", "企业B", False)], columns=list(daily.KEY_COLUMNS)
    )
    totals = daily.DayTotals(keys, np.array([0, 0, 1]), np.array([19724, 19725, 19724]),
                             np.array([1.0, 2.0, 3.0]), np.array([1.5, NAN, 3.0]))
    got = daily.to_purchases(totals)
    check(got, expected([
        ("2024-01-02", "H2", "P1", "甲", "5mg", "企业A", 1.0, 1.5, True),
        ("2024-01-03", "H2", "P1", "甲", "5mg", "企业A", 2.0, NAN, True),
        ("2024-01-02", "H1", None, "乙", None, "企业B", 3.0, 3.0, False),
    ]))
    got.loc[1, "amount"] = 4.0  # columns are writable arrays, not views of read-only bytes
    got.loc[0, "quantity"] += 1.0
    assert got["amount"].tolist()[1] == 4.0 and got["quantity"].tolist()[0] == 2.0


def test_to_purchases_of_nothing():
    got = daily.to_purchases(daily.DayTotals.empty())
    assert list(got.columns) == COLUMNS and got.empty
    assert str(got["date"].dtype) == "datetime64[ns]" and got["winning"].dtype == bool


@pytest.mark.parametrize("hospital_id", [None, "H2"])
def test_aggregated_load_is_exactly_the_daily_totals(tmp_path, hospital_id):
    lines = conform("purchases", pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5"],
        "date": pd.to_datetime(["2024-01-03", "2024-01-02", "2024-01-02", "2024-01-02", "2024-01-02"]),
        "hospital_id": ["H2", "H2", "H2", "H1", "H2"],
        "product_id": ["P1", "P1", "P1", None, None],
        "generic_name": ["甲", "甲", "甲", "乙", "甲"],
        "specification": ["5mg", "5mg", "5mg", None, "5mg"],
        "supplier": ["企业A", "企业A", "企业A", "企业B", "企业C"],
        "quantity": [1.0, 2.0, 3.0, 4.0, 5.0],
        "amount": [1.0, None, 3.0, None, 5.0],
        "winning": [True, True, True, False, False],
    }))
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.import_tables(engine, {"purchases": lines}, source_name="t", file_hash="t")
    got = store.load_dataset(engine, hospital_id, aggregated=True).purchases
    engine.dispose()
    # by hand: one row per key (hospital, product with '' first, generic, spec, supplier, winning),
    # its days ascending; O2 and O3 share a day (amount: the one given), O4's amount stays blank
    rows = [
        ("2024-01-02", "H1", None, "乙", None, "企业B", 4.0, NAN, False),
        ("2024-01-02", "H2", None, "甲", "5mg", "企业C", 5.0, 5.0, False),
        ("2024-01-02", "H2", "P1", "甲", "5mg", "企业A", 5.0, 3.0, True),
        ("2024-01-03", "H2", "P1", "甲", "5mg", "企业A", 1.0, 1.0, True),
    ]
    check(got, expected(rows if hospital_id is None else rows[1:]))
