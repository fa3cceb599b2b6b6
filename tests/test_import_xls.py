"""Legacy .xls exports (Excel 97-2003), as older hospital systems still write them, read by calamine."""

from __future__ import annotations

import datetime as dt
import io

import xlwt  # requirements-dev.txt: writes the .xls fixture (nothing in the app writes .xls)
from import_fixtures import reference

from procurement.ingest.importer import parse_files


def _xls(rows: list[list]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("採購明細")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write_merge(0, 0, 0, 5, rows[0][0])  # the merged title row of real exports
    for r, row in enumerate(rows[1:], start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xls_with_title_traditional_headers_packs_and_total():
    rows = [
        ["2020年入庫明細"],
        [None],
        ["訂單編號", "入庫日期", "醫療機構編碼", "產品編碼", "採購數量", "單位"],
        ["X1", dt.datetime(2020, 3, 5), "H001", "P001", 2, "盒"],  # 2 boxes of 14
        ["X2", "2020/3/6", "H002", "P003", "1,000", "片"],
        ["總計", None, None, None, 1002, None],
    ]
    result = parse_files([("legacy.xls", _xls(rows))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    sheet = result.sheets[0]
    assert (sheet.kind, sheet.header_row) == ("purchases", 3)
    t = result.tables["purchases"]
    assert t["order_id"].tolist() == ["X1", "X2"]
    assert t["quantity"].tolist() == [28.0, 1000.0]
    assert t["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05", "2020-03-06"]


def test_xls_bad_cell_is_located_by_excel_row():
    rows = [
        ["入库明细"],
        ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位"],
        ["X1", "2020-02-30", "H001", "P001", 2, "盒"],
    ]
    result = parse_files([("legacy.xls", _xls(rows))], reference=reference())
    assert not result.ok
    assert [(p.row, p.column) for p in result.problems] == [(3, "入库日期")]
