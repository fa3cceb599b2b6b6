"""The column-wise (ADBC/Arrow) read of the daily totals gives exactly the cursor path's frame."""

from __future__ import annotations

import pandas as pd
import pytest

from procurement import store
from procurement.model import conform

pytest.importorskip("adbc_driver_sqlite")


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


def _both(engine, hospital_id: str | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    with engine.connect() as conn, conn.begin():
        slow = store._fetch_purchase_daily_cursor(conn, hospital_id)
        path = store._sqlite_file(conn)
    assert path is not None
    return slow, store._arrow_purchase_daily(path, hospital_id)


@pytest.mark.parametrize("hospital_id", [None, "H2"])
def test_arrow_read_equals_cursor_read(tmp_path, hospital_id):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.import_tables(engine, {"purchases": _lines()}, source_name="t", file_hash="t")
    slow, fast = _both(engine, hospital_id)
    engine.dispose()
    assert fast is not None
    # by hand: H1 has 2 daily rows (01-02 P1 15 units, 01-03 non-winning), H2 has 2 (P2, the blank spec)
    assert len(slow) == (4 if hospital_id is None else 2)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    blank = fast[fast["generic_name"] == "二甲双胍"]
    assert blank["specification"].isna().all() and blank["product_id"].isna().all()
    assert blank["quantity"].tolist() == [3.5]


def test_empty_table_falls_back(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    slow, fast = _both(engine, None)
    engine.dispose()
    assert fast is None and slow.empty


def test_load_dataset_in_memory_uses_the_cursor(tmp_path):
    engine = store.get_engine("sqlite://")
    store.import_tables(engine, {"purchases": _lines()}, source_name="t", file_hash="t")
    purchases = store.load_dataset(engine).purchases
    engine.dispose()
    assert sorted(purchases["quantity"].tolist()) == [3.0, 3.5, 7.0, 15.0]
