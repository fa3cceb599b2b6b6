"""The report workbook, read back: sheets, Chinese headers, values, formats, laggard fills."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from test_report_build import AS_OF, alliance

from procurement.excel import FMT_RATE, FMT_VOLUME, FMT_YUAN, LAGGARD_FILL, write_report_xlsx
from procurement.model import Dataset
from procurement.report import EXECUTION_COLUMNS, build_report

SHEETS = ["汇总", "按批次", "按医疗机构", "按产品", "按企业", "国采医疗机构带量执行报表", "明细", "逾期回款"]


@pytest.fixture(scope="module")
def workbook():
    buf = io.BytesIO()
    write_report_xlsx(build_report(alliance(), AS_OF), buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def _rows(ws):
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, [c for c in row], strict=False)) for row in ws.iter_rows(min_row=2)]


def test_sheet_names(workbook):
    assert workbook.sheetnames[: len(SHEETS)] == SHEETS


def test_headers_are_chinese_and_frozen(workbook):
    ws = workbook["按批次"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["集采批次", "开始日期", "结束日期", "约定采购量"]
    assert "采购完成率" in header and "逾期未回款金额" in header and "结余留用(估算)" in header
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    assert [c.value for c in workbook["国采医疗机构带量执行报表"][1]] == list(EXECUTION_COLUMNS)


def test_known_values_and_formats(workbook):
    _, rows = _rows(workbook["按批次"])
    first = next(r for r in rows if r["集采批次"].value == "第一批")
    assert first["约定采购量"].value == 1700 and first["约定采购量"].number_format == FMT_VOLUME
    assert first["采购完成率"].value == pytest.approx(700 / 1700)
    assert first["采购完成率"].number_format == FMT_RATE
    assert first["回款金额"].number_format == FMT_YUAN
    assert first["进度状态"].value == "低于序时进度"


def test_laggard_rows_are_red_and_others_not(workbook):
    _, rows = _rows(workbook["明细"])
    by_pair = {(r["机构编码"].value, r["产品编码"].value): r for r in rows}
    zero = by_pair[("H1", "P2")]
    assert zero["进度状态"].value == "零采购"
    assert zero["机构编码"].fill.start_color.rgb == LAGGARD_FILL.start_color.rgb
    normal = by_pair[("H1", "P1")]
    assert normal["机构编码"].fill.fill_type is None
    # overdue amounts stand out even on a normal row
    assert normal["逾期未回款金额"].value == pytest.approx(100)
    assert normal["逾期未回款金额"].fill.fill_type == "solid"


def test_summary_and_overdue_sheets(workbook):
    ws = workbook["汇总"]
    cells = {row[2].value: row[1] for row in ws.iter_rows(min_row=3, max_row=40) if len(row) >= 3 and row[2].value}
    assert cells["agreed_volume"].value == 1900
    assert cells["paid_vs_agreed"].value == pytest.approx(0.3) and cells["paid_vs_agreed"].number_format == FMT_RATE
    assert ws["A1"].value.endswith("2020-06-30）")
    assert ws.freeze_panes == "A3"
    header, rows = _rows(workbook["逾期回款"])
    assert header == ["机构编码", "中选企业", "产品编码", "账龄", "金额"]
    assert sorted((r["账龄"].value, r["金额"].value) for r in rows) == [("31-60", 300), (">90", 100)]


def test_execution_sheet_rates_are_percent(workbook):
    _, rows = _rows(workbook["国采医疗机构带量执行报表"])
    row = next(r for r in rows if r["医疗机构编码"].value == "H1" and r["批次名称"].value == "第一批")
    assert row["零采购产品数占比"].value == 0.5 and row["零采购产品数占比"].number_format == FMT_RATE
    assert row["批次开始时间"].is_date


def test_empty_report_still_writes(tmp_path):
    out = tmp_path / "empty.xlsx"
    write_report_xlsx(build_report(Dataset(), date(2020, 1, 1)), out)
    assert openpyxl.load_workbook(out).sheetnames[: len(SHEETS)] == SHEETS
