"""The marked-up copy: bad cells red with a comment, everything else as it was."""

from __future__ import annotations

import io

from import_fixtures import reference, xlsx
from openpyxl import load_workbook

from procurement.ingest.importer import parse_files
from procurement.ingest.marking import mark_problems

ROWS = [
    ["采购明细"],
    ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"],
    ["D1", "2020-02-30", "H001", "P001", 5],
    ["D2", "2020-03-01", "H001", "P001", 5],
    ["D3", "2020-03-01", "H999", "P001", 5],
]


def _red(cell) -> bool:
    return cell.fill is not None and cell.fill.fill_type == "solid" and cell.fill.start_color.rgb.endswith("FFC7CE")


def test_bad_cells_red_with_comment_others_untouched():
    content = xlsx({"采购": ROWS}, merge={"采购": "A1:E1"})
    result = parse_files([("bad.xlsx", content)], reference=reference())
    assert len(result.problems) == 2
    wb = load_workbook(io.BytesIO(mark_problems(("bad.xlsx", content), result.problems)))
    ws = wb["采购"]
    assert _red(ws["B3"]) and "2020-02-30" in ws["B3"].comment.text and "valid date" in ws["B3"].comment.text
    assert _red(ws["C5"]) and "H999" in ws["C5"].comment.text
    marked = {c.coordinate for row in ws.iter_rows() for c in row if _red(c) or c.comment}
    assert marked == {"B3", "C5"}
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == ROWS[1:]
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}


def test_csv_is_marked_as_a_new_xlsx_and_sheet_problems_on_the_header():
    text = "订单编号,机构编码,产品编码,采购数量\nD1,H001,P001,3\n"
    source = ("nodate.csv", text.encode("gbk"))
    result = parse_files([source], reference=reference())
    assert len(result.problems) == 1 and result.problems[0].row is not None
    wb = load_workbook(io.BytesIO(mark_problems(source, result.problems)))
    ws = wb.worksheets[0]
    assert ws["A2"].value == "D1" and ws["D2"].value == "3"
    commented = [c.coordinate for row in ws.iter_rows() for c in row if c.comment]
    assert len(commented) == 1 and ws[commented[0]].row == 1
    assert "入库日期" in ws[commented[0]].comment.text


def test_problems_of_other_files_are_ignored():
    content = xlsx({"采购": ROWS})
    result = parse_files([("bad.xlsx", content)], reference=reference())
    wb = load_workbook(io.BytesIO(mark_problems(("other.xlsx", content), result.problems)))
    assert not any(c.comment for row in wb["采购"].iter_rows() for c in row)
