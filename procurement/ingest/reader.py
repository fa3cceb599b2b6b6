"""Files to raw sheets: .xlsx and .xls through calamine, .csv in UTF-8 or GBK.

A raw sheet is a rectangle of cell values as Python objects plus the Excel row number of its
first row, so every later message can point at the row the user sees.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

Source = str | os.PathLike | tuple[str, bytes]

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass
class RawSheet:
    """Cell values of one sheet; ``first_row`` is the Excel row number of ``rows[0]``."""

    name: str
    rows: list[list[Any]]
    first_row: int = 1
    first_col: int = 0  # 0-based column of rows[i][0] in the sheet
    hidden: bool = False  # hidden sheets (lookup lists, old copies) are not the user's data


class ReadError(Exception):
    """A file that cannot be opened at all (not a spreadsheet, corrupt, password-protected)."""


def source_name(source: Source) -> str:
    """The file name shown to the user."""
    if isinstance(source, tuple):
        return source[0]
    return Path(source).name


def source_bytes(source: Source) -> bytes:
    """The whole content of ``source``."""
    if isinstance(source, tuple):
        return source[1]
    return Path(source).read_bytes()


def _suffix(source: Source) -> str:
    name = source[0] if isinstance(source, tuple) else os.fspath(source)
    return Path(name).suffix.lower()


def _sniff_excel(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")


def decode_text(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(f"unknown text encoding: {exc}") from exc


def read_csv_text(text: str) -> list[list[Any]]:
    """Rows of a CSV (comma, tab or semicolon separated), padded to a rectangle."""
    head = text[:20000].splitlines()[:30]
    delimiter = max(",\t;", key=lambda d: sum(line.count(d) for line in head))
    rows: list[list[Any]] = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return rows


def _read_workbook(source: Source) -> list[RawSheet]:
    try:
        if isinstance(source, tuple):
            wb = CalamineWorkbook.from_filelike(io.BytesIO(source[1]))
        else:
            wb = CalamineWorkbook.from_path(os.fspath(source))
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise ReadError(str(exc)) from exc
    sheets = []
    try:
        for i, meta in enumerate(wb.sheets_metadata):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart sheets hold no cells
            if meta.visible != SheetVisibleEnum.Visible:
                sheets.append(RawSheet(meta.name, [], hidden=True))
                continue
            sheet = wb.get_sheet_by_index(i)
            rows = sheet.to_python(skip_empty_area=True)
            start = sheet.start or (0, 0)
            sheets.append(RawSheet(meta.name, rows, first_row=start[0] + 1, first_col=start[1]))
    except Exception as exc:
        raise ReadError(str(exc)) from exc
    finally:
        wb.close()
    return sheets


def read_source(source: Source) -> list[RawSheet]:
    """Every sheet of a file; a CSV is one sheet named after the file."""
    suffix = _suffix(source)
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(source)
    data = source_bytes(source)
    if _sniff_excel(data[:8]):
        return _read_workbook(source if isinstance(source, tuple) else (source_name(source), data))
    if suffix not in (".csv", ".txt", ".tsv", ""):
        raise ReadError(f"unsupported file type {suffix}")
    rows = read_csv_text(decode_text(data))
    return [RawSheet(Path(source_name(source)).stem, rows, first_row=1)]
