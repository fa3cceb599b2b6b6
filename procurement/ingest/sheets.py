"""From a raw sheet to typed columns: find the header row, drop what is not data, convert cells.

Everything here works on whole columns; problems are built only for the rows that have them, and
each distinct problem is capped per column so a file that is wrong everywhere stays readable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from procurement.ingest import values as V
from procurement.ingest.headers import (
    best_kind,
    closest_kind,
    describe_group,
    is_execution_report,
    kind_label,
    match_headers,
    missing_required,
    score,
    split_header,
)
from procurement.ingest.reader import RawSheet
from procurement.problems import Problem

HEADER_SCAN_ROWS = 20
MAX_PROBLEMS_PER_CHECK = 200

TEXT_FIELDS = frozenset(
    ["hospital_id", "hospital_name", "region", "level", "product_id", "batch", "generic_name", "dosage_form", "specification", "unit", "supplier", "order_id", "payment_id", "current_supplier", "regions", "backup",
     "other_ids", "other_codes", "distributor", "status", "invoice_id", "vbp_flag", "payer", "alt_product_id",
     "agreement_year"]
)
NUMBER_FIELDS = frozenset(
    ["pack_size", "unit_price", "baseline_price", "agreed_volume", "quantity", "amount", "declared_volume", "capacity",
     "ordered_quantity"]
)
# Numbers that may be negative: a return (退货, 冲红) is a purchase line with a negative quantity and amount.
SIGNED_FIELDS: dict[str, frozenset[str]] = {"purchases": frozenset(["quantity", "amount", "ordered_quantity"])}
DATE_FIELDS = frozenset(["date", "agreement_start", "agreement_end", "order_date"])
RATIO_FIELDS = frozenset(["min_share", "agreed_ratio"])
TEXT_FIELDS = TEXT_FIELDS | frozenset(["substitute"])  # 可替代产品: a product code or a generic name
TEXT_FIELDS = TEXT_FIELDS | frozenset(["transfer_id", "kind", "shortage_id", "category"])
NUMBER_FIELDS = NUMBER_FIELDS | frozenset(["prepay_amount", "offset_amount", "direct_amount", "orders"])
DATE_FIELDS = DATE_FIELDS | frozenset(["start_date", "end_date"])
# an offset (冲抵) is often written as a negative amount, a reversed prepayment too
SIGNED_FIELDS = {**SIGNED_FIELDS, "fund_transfers": frozenset(["amount", "prepay_amount", "offset_amount",
                                                                "direct_amount"])}
# Packaging and pack prices (procurement/ingest/packaging.py)
TEXT_FIELDS = TEXT_FIELDS | {"pack_unit", "min_unit", "pack_text"}
NUMBER_FIELDS = NUMBER_FIELDS | {"pack_price"}


@dataclass
class SheetData:
    """A located sheet: its kind, header, and data cells by field, before domain rules."""

    file: str
    sheet: str
    kind: str
    header_row: int  # Excel row number
    raw: dict[str, V.Factorized]  # field -> cells, one per kept data row
    headers: dict[str, str]  # field -> header text as written
    header_units: dict[str, str | None]
    rows: np.ndarray  # Excel row number of each kept data row
    problems: list[Problem] = field(default_factory=list)
    # Not errors, but a person must see them (price differs from the winning price, a product
    # resolved by name only): shown in the import summary, never block the import.
    warnings: list[Problem] = field(default_factory=list)
    # Headers of the columns no field took (序号, 备注, 商品名...): listed once in the summary.
    unused: list[str] = field(default_factory=list)
    # Rows left out on purpose, by reason (total_rows, cancelled, not_vbp, outside_procurement,
    # unpaid), and the details a person needs to check them (top codes of drugs left out...).
    left_out: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    # The hospital of a file without a hospital column (--hospital, the uploading account).
    supplied_hospital: str | None = None

    def header(self, name: str) -> str:
        return self.headers.get(name, name)

    def problem(self, row: int | None, name: str | None, zh: str, en: str) -> Problem:
        col = self.header(name) if name else None
        return Problem(self.file, self.sheet, row, col, zh, en)

    def report(
        self,
        mask: np.ndarray,
        name: str | None,
        message: Callable[[int], tuple[str, str]],
        *,
        into: list[Problem] | None = None,
    ) -> None:
        """Add one problem per row in ``mask`` (capped), worded by ``message(row_position)``."""
        out = self.problems if into is None else into
        where = np.flatnonzero(mask)
        for pos in where[:MAX_PROBLEMS_PER_CHECK]:
            zh, en = message(int(pos))
            out.append(self.problem(int(self.rows[pos]), name, zh, en))
        if len(where) > MAX_PROBLEMS_PER_CHECK:
            rest = len(where) - MAX_PROBLEMS_PER_CHECK
            zh, en = message(int(where[-1]))
            out.append(
                self.problem(
                    None, name, f"另有 {rest} 行同类问题（如：{zh}）", f"{rest} more rows with the same kind of problem (e.g. {en})"
                )
            )


    def warn(self, mask: np.ndarray, name: str | None, message: Callable[[int], tuple[str, str]]) -> None:
        """Like ``report``, into ``warnings``: the rows are imported, the person is told."""
        self.report(mask, name, message, into=self.warnings)


def show(value: Any) -> str:
    """A cell as the user typed it, for messages."""
    text = V.clean_text(value)
    return "" if text is None else text


def locate_header(rows: list[list[Any]], kind: str | None) -> tuple[int | None, str | None]:
    """(index of the header row, its kind) among the first rows; title and blank rows are skipped."""
    best: tuple[float, int | None, str | None] = (0.0, None, None)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for c in row if not V.is_blank(c)) < 2:
            continue
        if kind is None:
            found, top = best_kind(row)
        else:
            found, top = kind, score(kind, row)
            if top < 1:
                found = None
        if found is not None and top > best[0]:
            best = (top, i, found)
    return best[1], best[2]


def execution_report_row(rows: list[list[Any]]) -> int | None:
    """Index of the header row of a national execution report among the first rows, if any."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if is_execution_report(row):
            return i
    return None


def diagnose(rows: list[list[Any]]) -> tuple[str, str] | None:
    """Why a sheet matches no table, in Chinese and English: the closest kind, the required columns
    it lacks and the headers it has. None for an empty sheet."""
    scan = [row for row in rows[:HEADER_SCAN_ROWS] if any(not V.is_blank(c) for c in row)]
    if not scan:
        return None
    best: tuple[int, float, str | None, list[Any]] = (0, 0.0, None, scan[0])  # (matched, score, kind, row)
    for row in scan:
        kind, top = closest_kind(row)
        matched = len(match_headers(kind, row)) if kind else 0
        if (matched, top) > (best[0], best[1]) and matched:
            best = (matched, top, kind, row)
    kind, row = best[2], best[3]
    if kind is None:  # nothing matched: show the fullest of the first rows
        row = max(scan, key=lambda r: sum(1 for c in r if not V.is_blank(c)))
    heads = [show(c) for c in row if not V.is_blank(c)]
    shown = "、".join(heads[:30]) + ("…" if len(heads) > 30 else "")
    if kind is None:
        return (f"未识别为任何数据表（没有一个表头是本工具认识的列名）；该表的表头为：{shown}",
                f"not recognised as a data table (no header is a column name the tool knows); its headers: {shown}")
    lacking = [describe_group(kind, g) for g in missing_required(kind, set(match_headers(kind, row).values()))]
    miss_zh = "；".join(z for z, _ in lacking) or "无"
    miss_en = "; ".join(e for _, e in lacking) or "none"
    return (f"未识别为任何数据表：最接近「{kind_label(kind)}」表，缺少必填列：{miss_zh}；该表的表头为：{shown}",
            f"not recognised as a data table: closest to {kind}, missing required columns: {miss_en}; "
            f"its headers: {shown}")


def _total_mask(col: V.Factorized, candidates: np.ndarray) -> np.ndarray:
    """Rows whose cell reads like a total label (合计, 總計, Total...).

    Columns are checked by their distinct values; mostly-distinct ones (order ids) only on
    ``candidates``, the rows with a blank cell, since a total row never fills every column.
    """
    if col.mostly_distinct:
        out = np.zeros(len(col), bool)
        idx = np.flatnonzero(candidates)
        out[idx] = [V.is_total_label(col[i]) for i in idx]
        return out
    flags = np.fromiter((V.is_total_label(u) for u in col.uniques), bool, len(col.uniques))
    return np.append(flags, False)[col.codes]


def extract(raw: RawSheet, file: str, kind: str | None) -> SheetData | None:
    """The data part of a sheet as cells by field, or None when no table kind is recognised."""
    h, found = locate_header(raw.head(HEADER_SCAN_ROWS), kind)
    if h is None or found is None:
        return None
    header = raw.head(h + 1)[h]
    mapping = match_headers(found, header)
    n = raw.height - (h + 1)
    width = len(header)
    columns = raw.columns
    cols = {i: V.Factorized.of_column(columns[i], h + 1) for i in mapping}
    rows = np.arange(n) + raw.first_row + h + 1
    filled = np.zeros(n, dtype=np.int64)
    some_blank = np.zeros(n, dtype=bool)
    for col in cols.values():
        blank = col.blank()
        filled += ~blank
        some_blank |= blank
    keep = filled > 0
    solid = np.flatnonzero(filled >= 2)
    tail = np.zeros(n, dtype=bool)  # notes below the data: lone cells after it
    tail[(solid[-1] + 1 if len(solid) else 0) :] = True
    tail &= keep
    total = np.zeros(n, dtype=bool)
    unused = [show(header[i]) for i in range(width) if i not in mapping and not V.is_blank(header[i])]
    for i in range(width):
        if i not in mapping:
            # fromiter, not a list: an empty list is a float array, and bool |= float raises
            idx = np.flatnonzero(some_blank & keep)
            total[idx] |= np.fromiter((V.is_total_label(v) for v in columns[i].take(idx + h + 1)), bool, len(idx))
        else:
            total |= _total_mask(cols[i], some_blank)
    total_rows = int((total & keep).sum())  # 合计 rows, also below the data
    notes_below = int((tail & ~total).sum())
    keep &= ~(tail | total)
    idx = np.flatnonzero(keep) if not keep.all() else None
    fields = {name: cols[i] if idx is None else cols[i].take(idx) for i, name in mapping.items()}
    return SheetData(
        file=file,
        sheet=raw.name,
        kind=found,
        header_row=raw.first_row + h,
        raw=fields,
        headers={name: show(header[i]) for i, name in mapping.items()},
        header_units={name: split_header(header[i])[1] for i, name in mapping.items()},
        rows=rows if idx is None else rows[idx],
        unused=unused,
        left_out={k: n for k, n in (("total_rows", total_rows), ("notes_below", notes_below)) if n},
    )


@dataclass
class Typed:
    """Converted columns of a sheet (pandas Series aligned on data rows) and their masks."""

    cols: dict[str, pd.Series]
    units_in_cells: dict[str, pd.Series]
    bad: dict[str, np.ndarray]  # cells that were present but unreadable (already reported)
    text: dict[str, V.TextCol] = field(default_factory=dict)  # text columns by distinct value


def convert(sd: SheetData) -> Typed:
    """Convert every recognised column to its type; unreadable cells become problems and NA."""
    cols: dict[str, pd.Series] = {}
    units: dict[str, pd.Series] = {}
    bads: dict[str, np.ndarray] = {}
    texts: dict[str, V.TextCol] = {}
    signed = SIGNED_FIELDS.get(sd.kind, frozenset())
    for name, cells in sd.raw.items():
        head = sd.header(name)
        if name in TEXT_FIELDS:
            texts[name] = V.text_col(cells)
            cols[name] = texts[name].series()
            bad = np.zeros(len(cells), bool)
        elif name in NUMBER_FIELDS:
            nums, _blank_m, bad, cell_units = V.number_column(cells)
            sd.report(bad, name, lambda p, c=cells, h=head: (
                f"{h} '{show(c[p])}' 不是有效数字", f"'{show(c[p])}' is not a valid number"))
            negative = nums < 0 if name not in signed else np.zeros(len(nums), bool)
            sd.report(negative, name, lambda p, c=cells, h=head: (
                f"{h} '{show(c[p])}' 不能为负数", f"'{show(c[p])}' must not be negative"))
            nums = np.where(negative, np.nan, nums)
            if (sd.header_units.get(name) or "").startswith("万"):  # 金额(万元), 数量(万片)
                nums = nums * 10000
            bad = bad | negative
            cols[name] = pd.Series(nums, dtype="float64")
            units[name] = cell_units
        elif name in DATE_FIELDS:
            days, _blank_m, bad = V.date_column(cells)
            sd.report(bad, name, lambda p, c=cells, h=head: (
                f"{h} '{show(c[p])}' 不是有效日期，请使用 2020-03-05 格式",
                f"'{show(c[p])}' is not a valid date; use 2020-03-05"))
            cols[name] = pd.Series(days, dtype="datetime64[ns]")
        elif name in RATIO_FIELDS:
            ratios, _blank_m, bad = V.ratio_column(cells)
            sd.report(bad, name, lambda p, c=cells, h=head: (
                f"{h} '{show(c[p])}' 不是有效比例，请填写 0 到 1 之间的小数或百分数（如 60%）",
                f"'{show(c[p])}' is not a valid ratio; use a fraction between 0 and 1 or a percentage like 60%"))
            cols[name] = pd.Series(ratios, dtype="float64")
        else:
            continue
        bads[name] = bad
    return Typed(cols, units, bads, texts)
