"""Past 5,000 rows the importer takes its vectorised paths (distinct ids, amounts and times are not
mapped value by value): the same rules must hold there, checked on a sheet built by hand."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from import_fixtures import reference
from openpyxl import Workbook

from procurement.ingest.importer import parse_files

N = 7000


def _sheet() -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("采购")
    ws.append(["大批量采购明细"])
    ws.append(["订单编号", "入库时间", "机构编码", "产品编码", "采购数量", "单位", "采购金额"])
    start = dt.datetime(2020, 1, 1, 8, 0, 0)
    for i in range(N):
        ws.append([f"D{i:06d}", start + dt.timedelta(minutes=7 * i), "H001" if i % 2 else "H002",
                   "P001", 1 + i % 3, "盒" if i % 5 == 0 else "片", round(100 + i * 0.01, 2)])  # never 0.5 x a reading: see the cross-check
    ws.append(["D000010", start, "H002", "P001", 99, "片", 1.0])  # H002's D000010 again: its line 2, D000010#2
    ws.append(["", start, "H001", "P001", 1, "片", "abc"])  # no order id, bad amount
    ws.append(["合计", None, None, None, 12345, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def result():
    return parse_files([("big.xlsx", _sheet())], reference=reference())


def test_problems_are_exactly_the_planted_ones(result):
    rows = sorted((p.row, p.column) for p in result.problems)
    # the planted rows follow the data (which starts at Excel row 3); a repeated id is no problem
    assert rows == [(N + 4, "采购金额")]
    assert "abc" in next(p for p in result.problems if p.row == N + 4).message_zh


def test_values_on_the_vectorised_paths(result):
    t = result.tables["purchases"]
    assert len(t) == N + 1  # D000010#2 is a purchase of its own, the bad row is out, the total is not data
    expected_qty = sum((1 + i % 3) * (14 if i % 5 == 0 else 1) for i in range(N)) + 99
    assert t["quantity"].sum() == expected_qty
    assert t["amount"].sum() == pytest.approx(sum(round(100 + i * 0.01, 2) for i in range(N)) + 1.0)
    assert t["order_id"].iloc[-1] == "D000010#2" and t["hospital_id"].iloc[-1] == "H002"
    assert result.sheets[0].to_json()["left_out"] == {"total_rows": 1}
    last = dt.datetime(2020, 1, 1, 8) + dt.timedelta(minutes=7 * (N - 1))
    assert t["date"].max().to_pydatetime() == dt.datetime(last.year, last.month, last.day)
    assert (t["date"].dt.hour == 0).all()
    assert t["order_id"].is_unique and t["order_id"].iloc[-2] == f"D{N - 1:06d}"
