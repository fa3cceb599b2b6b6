"""A marked-up copy of a bad file: each bad cell filled red with the problem as a comment.

Users fix files in Excel, so the most useful error report is their own file with the cells to
fix highlighted; everything else in the workbook is left as it was, but for formulas: an uploaded
file is untrusted, and the copy goes back to whoever downloads it. A formula cell keeps the value
Excel stored for it (what the import read), or its formula as text when none was stored, and text
that would turn into a formula stays text (:mod:`procurement.excel_safety`).
"""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from procurement.excel_safety import keep_as_text
from procurement.ingest.headers import normalize_header
from procurement.ingest.reader import RawSheet, ReadError, Source, read_source, source_bytes, source_name
from procurement.problems import Problem

RED = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
AUTHOR = "导入检查 / import check"
HEADER_SCAN_ROWS = 30


def _workbook(source: Source) -> Workbook | None:
    """The file as an openpyxl workbook: .xlsx kept as is, .xls and .csv copied cell by cell.

    None for a file the import guard refuses (a bomb, a damaged or encrypted file): openpyxl runs
    in the server's own process, so it only ever opens what passed the guard's checks.
    """
    data = source_bytes(source)
    try:
        sheets: list[RawSheet] = read_source((source_name(source), data))  # the guarded worker
    except ReadError:
        return None
    if data[:4] == b"PK\x03\x04":
        try:
            wb = load_workbook(io.BytesIO(data), keep_links=False)  # no external links in the copy
        except Exception:  # an .xlsb or .ods is a zip too: fall back to a copy of the values
            pass
        else:
            _defuse(wb, data)
            return wb
    wb = Workbook()
    wb.remove(wb.active)
    for raw in sheets:
        ws = wb.create_sheet(raw.name[:31] or "Sheet")
        for r, row in enumerate(raw.rows):
            for c, value in enumerate(row):
                if value not in ("", None):
                    keep_as_text(ws.cell(raw.first_row + r, raw.first_col + c + 1, value))
    return wb


def _defuse(wb: Workbook, data: bytes) -> None:
    """Formulas become the values Excel cached for them (the formula's text when none was cached);
    formula-like text is kept as text. The cached values are read only when there are formulas."""
    formulas: list[tuple[str, int, int]] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append((ws.title, cell.row, cell.column))
                elif cell.data_type == "s":
                    keep_as_text(cell)
    if not formulas:
        return
    cached = load_workbook(io.BytesIO(data), data_only=True)
    for title, row, col in formulas:
        cell = wb[title].cell(row, col)
        value = cached[title].cell(row, col).value
        if value is None:
            keep_as_text(cell)  # the formula itself, as text
        else:
            cell.value = value
            keep_as_text(cell)


def _column_of(ws: Worksheet, header: str, below: int | None) -> int | None:
    """Column number of the header cell reading ``header`` (nearest header row above ``below``)."""
    want = normalize_header(header)
    best: tuple[int, int] | None = None
    last = min(ws.max_row, HEADER_SCAN_ROWS if below is None else min(below - 1, HEADER_SCAN_ROWS))
    for row in ws.iter_rows(min_row=1, max_row=max(last, 1)):
        for cell in row:
            if cell.value is not None and (str(cell.value).strip() == header.strip()
                                           or normalize_header(cell.value) == want):
                best = (cell.row, cell.column)
                break
    return best[1] if best else None


def _writable(ws: Worksheet, row: int, col: int):
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def _target(ws: Worksheet, p: Problem) -> tuple[int, int]:
    col = _column_of(ws, p.column, p.row) if p.column else None
    if p.row is None:  # a sheet-level problem: the header cell when the column exists, else A1
        if col is not None:
            for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, HEADER_SCAN_ROWS), min_col=col, max_col=col):
                cell = row[0]
                if cell.value is not None and normalize_header(cell.value) == normalize_header(p.column):
                    return cell.row, col
        return 1, 1
    if col is None:  # the column is unknown: the first filled cell of the row
        col = next((c.column for c in ws[p.row] if c.value is not None), 1)
    return p.row, col


def mark_problems(source: Source, problems: list[Problem]) -> bytes:
    """.xlsx bytes of ``source`` with each problem's cell filled red and commented (zh and en)."""
    wb = _workbook(source)
    name = source_name(source)
    if wb is None:
        return _problem_list(name, problems)
    notes: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for p in problems:
        if p.file != name:
            continue
        title = p.sheet if p.sheet in wb.sheetnames else wb.sheetnames[0]
        ws = wb[title]
        row, col = _target(ws, p)
        notes[(title, row, col)].append(f"{p.message_zh}\n{p.message_en}")
    for (title, row, col), texts in notes.items():
        cell = _writable(wb[title], row, col)
        cell.fill = RED
        text = "\n\n".join(dict.fromkeys(texts))
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(texts), 400)
        cell.comment = comment
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _problem_list(name: str, problems: list[Problem]) -> bytes:
    """For a file that cannot be opened: its problems as a list, every cell written as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题 Problems"
    ws.append(["文件 File", "工作表 Sheet", "行 Row", "列 Column", "问题", "Problem"])
    for p in problems:
        if p.file == name:
            ws.append([p.file, p.sheet, p.row, p.column, p.message_zh, p.message_en])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a file named "=HYPERLINK(...)" stays text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
