"""User text is written to workbooks as text, never as a formula (issue 15 item 5).

A hospital or product name such as ``=HYPERLINK("http://…","click")`` is data typed by someone else;
openpyxl would store any string starting with ``=`` as a live formula, and Excel turns text starting
with ``+``, ``-``, ``@``, a tab or a carriage return into one as soon as the cell is edited or the sheet
is saved as CSV and opened again (OWASP, "CSV Injection"). Every workbook the tool writes (report,
templates, plan, marked copies) passes its cells through :func:`keep_as_text`: such a string stays a
string cell and gets Excel's quote prefix (the ``'`` a user would type: shown as written, kept as text
when edited). The text itself is not changed, and numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

from typing import Any

# What makes Excel (or a spreadsheet reading the CSV it saves) take text for a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "{=")


def is_formula_text(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet could take for a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def keep_as_text(cell: Any) -> Any:
    """Make an openpyxl cell (normal or write-only) that holds formula-like text hold it as text.

    Call it after the cell's value and style are set (a style assigned later would drop the quote
    prefix). A cell that is a formula already (a user's own workbook) becomes the formula's text.
    Returns the cell, so writers can wrap their ``ws.cell(...)`` calls.
    """
    value = cell._value
    if cell.data_type == "f" and not isinstance(value, str):  # ArrayFormula / DataTableFormula objects
        value = getattr(value, "text", None) or ""
        cell._value = value
    if cell.data_type == "f" or is_formula_text(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
