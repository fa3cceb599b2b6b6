"""Blank templates: canonical headers, required marks, 说明 sheet, validations, and they import."""

from __future__ import annotations

import io
from functools import cache, lru_cache

import openpyxl
import pytest

from procurement.excel import write_template
from procurement.ingest.headers import FIELDS
from procurement.ingest.importer import parse_files
from procurement.model import TABLE_KINDS, Dataset


@cache
def _template(kind: str) -> bytes:
    buf = io.BytesIO()
    write_template(kind, buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_headers_and_instructions(kind):
    wb = openpyxl.load_workbook(io.BytesIO(_template(kind)))
    assert wb.sheetnames[1] == "说明"
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == [f.zh for f in FIELDS[kind]]
    assert ws.freeze_panes == "A2"
    # two example rows, nothing more
    assert ws.cell(row=2, column=1).value is not None or ws.cell(row=2, column=2).value is not None
    assert all(c.value is None for c in ws[4])
    notes = wb["说明"]
    listed = [notes.cell(row=r, column=2).value for r in range(5, 5 + len(FIELDS[kind]))]
    assert listed == [f.name for f in FIELDS[kind]]


def test_required_columns_are_marked():
    ws = openpyxl.load_workbook(io.BytesIO(_template("purchases"))).worksheets[0]
    by_header = {c.value: c for c in ws[1]}
    assert by_header["入库日期"].font.color.rgb == "FFC00000" and "必填" in by_header["入库日期"].comment.text
    assert by_header["入库数量"].comment is not None  # the received quantity (data-templates.md)
    assert by_header["采购金额"].comment is None  # optional
    notes = openpyxl.load_workbook(io.BytesIO(_template("purchases")))["说明"]
    rows = {notes.cell(row=r, column=2).value: notes.cell(row=r, column=4).value for r in range(5, 20)}
    assert rows["date"].startswith("是") and rows["amount"].startswith("否") and rows["hospital_id"].startswith("二选一")


def test_unit_dropdown_and_date_format():
    ws = openpyxl.load_workbook(io.BytesIO(_template("purchases"))).worksheets[0]
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("盒" in f and "片" in f for f in formulas)
    headers = [c.value for c in ws[1]]
    date_col = headers.index("入库日期") + 1
    assert ws.cell(row=2, column=date_col).is_date
    assert ws.cell(row=2, column=date_col).number_format == "yyyy-mm-dd"
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(date_col)].number_format == "yyyy-mm-dd"
    levels = openpyxl.load_workbook(io.BytesIO(_template("hospitals"))).worksheets[0].data_validations.dataValidation
    assert any("三级" in dv.formula1 for dv in levels)


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_filled_template_is_recognised_as_its_kind(kind):
    result = parse_files([(f"{kind}.xlsx", _template(kind))])
    kinds = {s.sheet: s.kind for s in result.sheets}
    assert list(kinds.values()).count(kind) == 1
    assert kinds["说明"] is None  # the instructions sheet is skipped, not imported


@lru_cache(maxsize=1)
def _reference() -> Dataset:
    res = parse_files([("h.xlsx", _template("hospitals")), ("p.xlsx", _template("products"))])
    assert res.ok, [str(p) for p in res.problems]
    return Dataset(hospitals=res.tables["hospitals"], products=res.tables["products"])


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_example_rows_import_cleanly(kind):
    # payments: the second example names only the supplier, which data-templates.md allows
    res = parse_files([(f"{kind}.xlsx", _template(kind))], reference=_reference())
    assert res.ok, [str(p) for p in res.problems]
    assert len(res.tables[kind]) == 2


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown template kind"):
        write_template("invoices", io.BytesIO())
