"""Cell values as users type them: numbers, dates, codes (units: ``packaging.py``).

Columns are converted by mapping their *unique* values and broadcasting the result back, because a
million-row export holds only a few hundred distinct dates, codes and units; the per-value parsing
can then afford to be forgiving (full-width digits, ``¥1,234.50``, ``2020年3月5日``) without costing
per-row Python work.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from procurement.ingest.headers import to_simplified
from procurement.ingest.reader import Column

BAD = object()  # marks a value that could not be understood

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*(%?)\s*([^\d\s.%+-][^\d]*)?$")
_DATE_SEP = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ t]+\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}(?:\.\d+)?)?秒?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CURRENCY = re.compile(r"^(?:¥|\$|rmb|cny)\s*|\s*(?:元|rmb|cny)$")
_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|总合计|汇总|total|subtotal|grandtotal|sum)")

def is_blank(value: Any) -> bool:
    """Empty cell: None, NaN, or a string of only spaces."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return value is pd.NA or value is pd.NaT


@dataclass
class Factorized:
    """A column as codes into its distinct values (-1 for missing): the unit of all conversion."""

    codes: np.ndarray
    uniques: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray | Factorized) -> Factorized:
        if isinstance(values, Factorized):
            return values
        values = np.asarray(values, dtype=object)
        if len(values) > 5000 and len(pd.unique(values[:2000])) > 1000:
            # Mostly distinct (order ids, amounts): hashing buys nothing, keep the cells as they are.
            return cls(np.arange(len(values)), values)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return cls(codes, np.asarray(uniques, dtype=object))

    @classmethod
    def of_column(cls, column: Column, start: int = 0) -> Factorized:
        """``of(column.cells(start))``, without making the cells of a column that came factorized.

        The same codes and distinct values, in the same order: the column's distinct values were
        hashed without merging any two (``guard.ColumnsBuilder``), so re-numbering its codes by first
        appearance from ``start`` on is what factorizing the cells would give.
        """
        if column.codes is None:
            return cls.of(column.values[start:])
        codes = column.codes[start:]
        if len(codes) > 5000 and len(pd.unique(column.cells(start, start + 2000))) > 1000:
            return cls(np.arange(len(codes)), column.cells(start))
        new, order = pd.factorize(codes)  # order: the column's codes by first appearance
        missing = np.flatnonzero(order < 0)
        if len(missing):  # code -1 (a missing cell) stays -1, as factorizing the cells gives
            k = int(missing[0])
            order = np.delete(order, k)
            new = np.where(new == k, -1, new - (new > k))
        return cls(new, column.values[order])

    def take(self, idx: np.ndarray) -> Factorized:
        return Factorized(self.codes[idx], self.uniques)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, pos: int) -> Any:
        """The cell of row ``pos`` as read (None when missing)."""
        code = self.codes[pos]
        return None if code < 0 else self.uniques[code]

    @property
    def mostly_distinct(self) -> bool:
        """Order ids and the like: per-value work costs as much as per-row work."""
        return len(self.codes) > 5000 and len(self.uniques) > len(self.codes) // 2

    def map(self, convert: Callable[[Any], Any]) -> np.ndarray:
        """``convert`` of each distinct value, plus a final None slot that code -1 indexes."""
        out = np.empty(len(self.uniques) + 1, dtype=object)
        for i, u in enumerate(self.uniques):
            out[i] = convert(u)
        out[-1] = None
        return out

    def blank(self) -> np.ndarray:
        """Rows whose cell is empty."""
        if self.mostly_distinct:
            blank_u = (self.uniques == "") | pd.isna(self.uniques)
        else:
            blank_u = np.fromiter((is_blank(u) for u in self.uniques), dtype=bool, count=len(self.uniques))
        return np.append(blank_u, True)[self.codes]


def map_unique(values: np.ndarray | Factorized, convert: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``convert`` to each distinct value; return (codes, converted uniques + None slot)."""
    f = Factorized.of(values)
    return f.codes, f.map(convert)


def clean_text(value: Any) -> str | None:
    """A cell as text: codes typed as numbers lose their '.0', blanks become None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass
class TextCol:
    """A text column as codes into its cleaned distinct values (None = blank, last slot for -1)."""

    codes: np.ndarray
    values: np.ndarray

    def blank(self) -> np.ndarray:
        """Rows with no text."""
        return np.fromiter((v is None for v in self.values), bool, len(self.values))[self.codes]

    def map(self, convert: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """``convert`` of each distinct value (None slot included), to broadcast with ``codes``."""
        return np.array([convert(v) for v in self.values], dtype=dtype)

    def series(self) -> pd.Series:
        return pd.Series(pd.array(self.values, dtype="string").take(self.codes))


def text_col(values: np.ndarray | Factorized) -> TextCol:
    """Clean a column's distinct values as text (codes typed as numbers lose their '.0')."""
    f = Factorized.of(values)
    if f.mostly_distinct and pd.api.types.infer_dtype(f.uniques, skipna=False) == "string":
        # Order ids: cleaning a million distinct values costs as much as the rows themselves,
        # so only the empty string is cleared (exports do not pad ids with spaces).
        out = np.append(f.uniques, None)
        out[out == ""] = None
    else:
        out = f.map(clean_text)
    return TextCol(f.codes, out)


def norm_key(value: Any) -> str | None:
    """Comparable form of a name or specification: simplified, half-width, lower case, no spaces."""
    text = clean_text(value)
    if text is None:
        return None
    text = to_simplified(text).lower()
    text = text.replace("×", "x").replace("*", "x").replace("：", ":")
    return re.sub(r"\s+", "", text)


def norm_key_column(series: pd.Series) -> pd.Series:
    """``norm_key`` over a column, mapped on unique values."""
    codes, out = map_unique(series.to_numpy(dtype=object, na_value=None), norm_key)
    return pd.Series(out[codes], index=series.index, dtype="string")


def is_total_label(value: Any) -> bool:
    """True for the text of a total row (合计, 總計, 小计, Total...)."""
    if not isinstance(value, str):
        return False
    key = norm_key(value)
    return bool(key) and bool(_TOTAL.match(key))


def parse_number(value: Any) -> float | None | object:
    """A number from a cell: floats as is; text with separators, full-width digits, ¥, %, a unit."""
    parsed = parse_number_unit(value)
    return parsed if parsed is None or parsed is BAD else parsed[0]  # type: ignore[index]


def parse_number_unit(value: Any) -> tuple[float, str | None] | None | object:
    """(number, unit written after it) from a cell, None when blank, BAD when not a number."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return BAD
    if isinstance(value, int | float):
        return (float(value), None) if math.isfinite(value) else BAD
    if not isinstance(value, str):
        return BAD
    text = unicodedata.normalize("NFKC", value).strip().lower()
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    text = _CURRENCY.sub("", text).strip()
    text = text.replace(",", "").replace("，", "").replace(" ", "").replace("'", "")
    match = _NUMBER.match(text)
    if not match:
        return BAD
    sign, digits, exp, pct, unit = match.groups()
    number = float(digits + (f"e{exp}" if exp else ""))
    if sign == "-" or negative:
        number = -number
    if pct:
        number /= 100
    unit = unit.strip() if unit else None
    if unit and (_CURRENCY.sub("", unit) == "" or unit in {"元", "yuan"}):
        unit = None
    return number, unit


def parse_ratio(value: Any) -> float | None | object:
    """A share or ratio: ``60%``, ``0.6`` and ``60`` all mean 0.6."""
    number = parse_number(value)
    if number is None or number is BAD:
        return number
    assert isinstance(number, float)
    if number > 1 and number <= 100:
        number /= 100
    return number if 0 <= number <= 1 else BAD


def _make_date(year: int, month: int, day: int) -> dt.date | object:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return BAD


def parse_date(value: Any) -> dt.date | None | object:
    """A day from an Excel date, an Excel serial number, or text in the usual Chinese forms."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, bool):
        return BAD
    if isinstance(value, int | float):
        if not math.isfinite(value) or value <= 0:
            return BAD
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            n = int(value)
            return _make_date(n // 10000, n // 100 % 100, n % 100)
        if value < 2958466:  # Excel's last day, 9999-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return BAD
    if not isinstance(value, str):
        return BAD
    text = unicodedata.normalize("NFKC", value).strip().lower()
    match = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        return parse_date(float(text))
    return BAD


def convert_column(
    values: np.ndarray | Factorized, convert: Callable[[Any], Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(converted object array, blank mask, bad mask) of ``convert`` over unique values."""
    codes, out = map_unique(values, convert)
    bad_u = np.fromiter((o is BAD for o in out), dtype=bool, count=len(out))
    none_u = np.fromiter((o is None for o in out), dtype=bool, count=len(out))
    return out[codes], none_u[codes], bad_u[codes]


def number_column(values: np.ndarray | Factorized) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series]:
    """(floats with NaN, blank mask, bad mask, unit written in the cell or NA) for a numeric column.

    Plain numbers are converted in one vectorised pass; only the distinct values that are not
    (``1,234``, ``¥5``, ``12盒``) go through the forgiving parser.
    """
    f = Factorized.of(values)
    n = len(f.uniques) + 1
    uniq = np.append(f.uniques, None)
    nums = pd.to_numeric(pd.Series(uniq, dtype=object), errors="coerce").to_numpy(dtype=float)
    nums[np.isinf(nums)] = np.nan  # 'inf' typed as text is not a quantity: let the parser refuse it
    units = np.empty(n, dtype=object)
    bad_u = np.zeros(n, bool)
    blank_u = np.zeros(n, bool)
    blank_u[-1] = True
    for i in np.flatnonzero(np.isnan(nums[:-1])):
        o = parse_number_unit(uniq[i])
        if o is None:
            blank_u[i] = True
        elif o is BAD:
            bad_u[i] = True
        else:
            nums[i], units[i] = o
    codes = f.codes
    return nums[codes], blank_u[codes], bad_u[codes], pd.Series(pd.array(units, dtype="string").take(codes))


def ratio_column(values: np.ndarray | Factorized) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(floats in [0, 1] with NaN, blank mask, bad mask) for a share or ratio column."""
    conv, blank, bad = convert_column(values, parse_ratio)
    floats = np.array([np.nan if (c is None or c is BAD) else c for c in conv], dtype=float)
    return floats, blank, bad


def date_column(values: np.ndarray | Factorized) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(datetime64[ns] with NaT, blank mask, bad mask) for a date column."""
    f = Factorized.of(values)
    if len(f.uniques) > 5000 and pd.api.types.infer_dtype(f.uniques, skipna=True) in ("date", "datetime"):
        days = pd.to_datetime(pd.Series(f.uniques), errors="coerce").dt.normalize().to_numpy()
        days = np.append(days, np.datetime64("NaT"))
        blank = np.append(pd.isna(f.uniques), True)
        return days[f.codes], blank[f.codes], np.zeros(len(f.codes), bool)
    codes, out = map_unique(f, parse_date)
    n = len(out)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    bad_u = np.zeros(n, bool)
    blank_u = np.zeros(n, bool)
    for i, o in enumerate(out):
        if o is None:
            blank_u[i] = True
        elif o is BAD:
            bad_u[i] = True
        else:
            days[i] = np.datetime64(o, "ns")
    return days[codes], blank_u[codes], bad_u[codes]
