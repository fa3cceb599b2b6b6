"""Daily purchase totals as load_dataset returns them, with answers worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from procurement import store
from procurement.model import conform


def _lines() -> pd.DataFrame:
    """Winning and non-winning lines, a blank specification, a missing amount, two hospitals."""
    return conform(
        "purchases",
        pd.DataFrame(
            {
                "order_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
                "date": pd.to_datetime(
                    ["2024-01-02", "2024-01-02", "2024-01-03", "2024-02-29", "2024-03-01", "2024-03-01"]
                ),
                "hospital_id": ["H1", "H1", "H1", "H2", "H2", "H2"],
                "product_id": ["P1", "P1", None, "P2", None, None],
                "generic_name": ["阿莫西林", "阿莫西林", "阿莫西林", "氨氯地平", "二甲双胍", "二甲双胍"],
                "specification": ["0.25g", "0.25g", "0.25g", "5mg", None, None],
                "supplier": ["甲", "甲", "非中选乙", "丙", "丁", "丁"],
                "quantity": [10.0, 5.0, 7.0, 3.0, 2.5, 1.0],
                "amount": [12.5, 6.25, None, 9.0, 4.0, 1.5],
                "winning": [True, True, False, True, False, False],
            }
        ),
    )


@pytest.mark.parametrize("hospital_id", [None, "H2"])
def test_daily_totals_load_by_hand(tmp_path, hospital_id):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.import_tables(engine, {"purchases": _lines()}, source_name="t", file_hash="t")
    daily = store.load_dataset(engine, hospital_id, aggregated=True).purchases
    engine.dispose()
    # by hand: H1 has 2 daily rows (01-02 P1 15 units, 01-03 non-winning), H2 has 2 (P2, the blank spec)
    assert len(daily) == (4 if hospital_id is None else 2)
    assert daily["order_id"].isna().all()
    blank = daily[daily["generic_name"] == "二甲双胍"]
    assert blank["specification"].isna().all() and blank["product_id"].isna().all()
    assert blank["quantity"].tolist() == [3.5]
    assert blank["amount"].tolist() == [5.5]
    if hospital_id is None:
        p1 = daily[daily["product_id"] == "P1"]
        assert p1["quantity"].tolist() == [15.0] and p1["amount"].tolist() == [18.75]
