"""Hand-made catalogues and messy workbooks shared by the importer tests."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook

from procurement.model import Dataset, conform


def reference() -> Dataset:
    """Two hospitals; atorvastatin from two winners (boxes of 14 and 7), amlodipine from one (28)."""
    hospitals = pd.DataFrame(
        {"hospital_id": ["H001", "H002"], "hospital_name": ["第一人民医院", "第二人民医院"]}
    )
    products = pd.DataFrame(
        {
            "product_id": ["P001", "P002", "P003"],
            "batch": ["第一批", "第一批", "第二批"],
            "generic_name": ["阿托伐他汀钙片", "阿托伐他汀钙片", "氨氯地平片"],
            "specification": ["10mg", "10mg", "5mg"],
            "pack_size": [14.0, 7.0, 28.0],
            "unit": ["片", "片", "片"],
            "supplier": ["企业A", "企业B", "企业C"],
            "unit_price": [0.5, 0.6, 0.1],
        }
    )
    return Dataset(hospitals=conform("hospitals", hospitals), products=conform("products", products))


def xlsx(sheets: dict[str, Sequence[Sequence[Any]]], merge: dict[str, str] | None = None) -> bytes:
    """An .xlsx with the given rows per sheet (None leaves a cell empty)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        if merge and name in merge:
            ws.merge_cells(merge[name])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def by_row(problems: list) -> dict[int | None, list]:
    """Problems grouped by Excel row."""
    out: dict[int | None, list] = {}
    for p in problems:
        out.setdefault(p.row, []).append(p)
    return out
