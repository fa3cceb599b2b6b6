"""Files to raw sheets, by their bytes, never their name.

A workbook (zip: .xlsx/.xlsm/.xlsb/.ods, or OLE2: .xls) goes through python-calamine, whatever its
extension says (Java exports name .xlsx files .xls); an HTML table saved as .xls is read with a
real HTML parser (lxml); anything else must be text: CSV or tab-separated, in UTF-8 (with or
without BOM), GB18030 (a superset of GBK) or UTF-16 (Excel's "Unicode text"). A file that is none
of these is refused with one message naming it.

A raw sheet is a rectangle of cell values as Python objects plus the Excel row number of its
first row, so every later message can point at the row the user sees.

``read_source`` is the one way in, and it goes through ``guard.read_untrusted``: every upload and
every CLI file is parsed in a worker process with memory, time and size limits. The generators
here (``iter_sheets``) are what that worker runs; they yield rows in chunks so neither side holds
more than one chunk of Python objects beyond the rows themselves.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Source = str | os.PathLike | tuple[str, bytes]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Column:
    """One column of a sheet as read: ``values[codes]`` (code -1 is a missing cell, read as None), or,
    with ``codes`` None, the cells themselves (mostly distinct columns such as order ids).

    Why columns: a million rows of repeating hospital codes, dates and units are a few hundred
    distinct values plus integer codes, which the conversion works on anyway (``values.Factorized``);
    turning them back into a million row lists cost the server about 1 s and 250 MB on the 1M-row
    benchmark, only to be split into columns again.
    """

    codes: np.ndarray | None
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values) if self.codes is None else len(self.codes)

    def _table(self) -> np.ndarray:
        table = np.empty(len(self.values) + 1, dtype=object)
        table[:-1] = self.values
        table[-1] = None
        return table

    def cells(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The cells of rows ``start:stop`` as an object array."""
        if self.codes is None:
            return self.values[start:stop]
        return self._table()[self.codes[start:stop]]

    def take(self, idx: np.ndarray) -> np.ndarray:
        """The cells of the rows at positions ``idx``."""
        if self.codes is None:
            return self.values[idx]
        return self._table()[self.codes[idx]]


class RawSheet:
    """Cell values of one sheet; ``first_row`` is the Excel row number of its first row.

    Held either as row lists (``rows``, as small readers and tests build it) or as ``columns`` (as
    the guarded worker's transfer arrives); each form is derived from the other on demand, so
    ``rows`` of a columnar sheet is a fresh list (``head`` reads only the first rows).
    """

    def __init__(self, name: str, rows: list[list[Any]] | None = None, first_row: int = 1, first_col: int = 0,
                 hidden: bool = False, *, columns: list[Column] | None = None):
        self.name = name
        self.first_row = first_row
        self.first_col = first_col  # 0-based column of rows[i][0] in the sheet
        self.hidden = hidden  # hidden sheets (lookup lists, old copies) are not the user's data
        self._rows = rows if rows is not None or columns is not None else []
        self._columns = columns

    @property
    def rows(self) -> list[list[Any]]:
        if self._rows is not None:
            return self._rows
        return [list(r) for r in zip(*(c.cells().tolist() for c in self.columns), strict=True)]

    @property
    def columns(self) -> list[Column]:
        if self._columns is None:
            rows = self._rows or []
            grid = np.empty((len(rows), self.width), dtype=object)
            if rows:
                grid[:, :] = rows  # rows are rectangular (padded by the readers)
            self._columns = [Column(None, grid[:, j].copy()) for j in range(self.width)]
        return self._columns

    @property
    def width(self) -> int:
        if self._columns is not None:
            return len(self._columns)
        return max(map(len, self._rows or []), default=0)

    @property
    def height(self) -> int:
        if self._columns is not None:
            return len(self._columns[0]) if self._columns else 0
        return len(self._rows or [])

    def head(self, n: int) -> list[list[Any]]:
        """The first ``n`` rows as lists (header detection looks at no more)."""
        if self._rows is not None:
            return self._rows[:n]
        return [list(r) for r in zip(*(c.cells(0, n).tolist() for c in self._columns or []), strict=True)]


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


def read_source(source: Source) -> list[RawSheet]:
    """Every sheet of a file, read by content in a limited worker process (see ``guard``)."""
    from procurement.ingest.guard import read_untrusted

    return read_untrusted(source)


def read_in_process(name: str, kind: str, data: bytes) -> list[RawSheet]:
    """The same sheets without the worker: for platforms without fork, and to test the worker against."""
    out = []
    for sheet in iter_sheets(name, kind, data, 65_536):
        raw = RawSheet(sheet.name, [], sheet.first_row, sheet.first_col, sheet.hidden)
        for rows, _width in sheet.chunks:
            raw.rows.extend(rows)
        width = max(map(len, raw.rows), default=0)
        for r in raw.rows:
            if len(r) < width:
                r.extend([""] * (width - len(r)))
        out.append(raw)
    return out


# ---------------------------------------------------------------------------------------------
# What the bytes are


def _text_head(data: bytes, size: int = 4096) -> str:
    head = data[:size]
    enc = _utf16_encoding(head)
    if enc:
        return head[: len(head) // 2 * 2].decode(enc, errors="replace").lstrip("\ufeff")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def sniff(data: bytes) -> str:
    """"zip", "ole2", "html", "xml" (other XML, not read) or "text" (CSV or not a table at all)."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:8] == OLE2_MAGIC:
        return "ole2"
    head = _text_head(data).lstrip().lower()
    if head.startswith("<?xml"):
        return "html" if ("<html" in head or "<table" in head) else "xml"
    if head.startswith(("<!doctype html", "<html", "<table", "<head", "<body", "<meta", "<style", "<title")):
        return "html"
    if head.startswith("<") and "<table" in head:
        return "html"
    return "text"


def _utf16_encoding(head: bytes) -> str | None:
    """UTF-16 by BOM, or by the zero bytes ASCII characters leave in every other position."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _valid(data: bytes, encoding: str) -> bool:
    """Whether all of ``data`` decodes, without holding the decoded text (1 MB at a time)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    try:
        for i in range(0, len(view), 1 << 20):
            decoder.decode(view[i:i + (1 << 20)], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def text_encoding(data: bytes) -> str:
    """The encoding of a text table: BOM, UTF-16 pattern, then UTF-8, then GB18030 (GBK's superset)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    enc = _utf16_encoding(data[:4096])
    if enc:
        return enc
    if b"\x00" in data[:65536]:
        raise _not_a_table()
    for enc in ("utf-8", "gb18030"):
        if _valid(data, enc):
            return enc
    raise _not_a_table("无法识别文字编码（应为 UTF-8、GBK 或 UTF-16）", "unknown text encoding (expected UTF-8, GBK or UTF-16)")


def _not_a_table(zh: str = "", en: str = "") -> ReadError:
    from procurement.ingest.guard import Refused

    detail_zh = f"：{zh}" if zh else ""
    detail_en = f": {en}" if en else ""
    return Refused(
        f"无法识别的文件：不是 Excel 工作簿（.xlsx/.xls）、HTML 表格或 CSV/制表符分隔的文本{detail_zh}",
        f"unrecognised file: not an Excel workbook (.xlsx/.xls), an HTML table or CSV/tab-separated text{detail_en}")


def _delimiter(head: str) -> str:
    lines = head.splitlines()[:30]
    return max(",\t;", key=lambda d: sum(line.count(d) for line in lines))


# ---------------------------------------------------------------------------------------------
# Streams of rows, one per sheet


@dataclass
class SheetStream:
    """One sheet as it is read: its place in the workbook and an iterator of (row chunk, width)."""

    name: str
    first_row: int
    first_col: int
    hidden: bool
    chunks: Iterator[tuple[list[list[Any]], int]]


def iter_sheets(name: str, kind: str, data: bytes, chunk_rows: int) -> Iterator[SheetStream]:
    """The sheets of a file whose type ``guard.precheck`` found."""
    if kind in ("zip", "ole2"):
        yield from _workbook_sheets(data, chunk_rows)
    elif kind == "html":
        yield from _html_sheets(name, data, chunk_rows)
    else:
        yield SheetStream(Path(name).stem, 1, 0, False, _csv_chunks(data, chunk_rows))


def _workbook_sheets(data: bytes, chunk_rows: int) -> Iterator[SheetStream]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    from procurement.ingest.guard import Refused, _encrypted, check_extent

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = wb.sheets_metadata
    except PasswordError as exc:
        raise _encrypted() from exc
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise ReadError(str(exc)) from exc
    try:
        for i, meta in enumerate(metas):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart sheets hold no cells
            if meta.visible != SheetVisibleEnum.Visible:
                yield SheetStream(meta.name, 1, 0, True, iter(()))
                continue
            try:
                sheet = wb.get_sheet_by_index(i)
            except PasswordError as exc:
                raise _encrypted() from exc
            except Exception as exc:
                raise Refused(f"工作表 {meta.name} 无法读取：{exc}", f"sheet {meta.name} cannot be read: {exc}",
                              sheet=meta.name) from exc
            check_extent(meta.name, sheet.height, sheet.width)
            start = sheet.start or (0, 0)
            yield SheetStream(meta.name, start[0] + 1, start[1], False, _calamine_chunks(sheet, start[0], chunk_rows))
    finally:
        wb.close()


def _calamine_chunks(sheet: Any, skip: int, chunk_rows: int) -> Iterator[tuple[list[list[Any]], int]]:
    """Rows as ``to_python(skip_empty_area=True)`` gives them, a chunk at a time.

    ``iter_rows`` starts at the sheet's first row (leading empty rows included) but already at its
    first used column, so only the rows above the used range are skipped here.
    """
    from procurement.ingest.guard import CHUNK_CELLS

    width = sheet.width
    chunk_rows = max(64, min(chunk_rows, CHUNK_CELLS // max(width, 1)))
    chunk: list[list[Any]] = []
    for i, row in enumerate(sheet.iter_rows()):
        if i < skip:
            continue
        chunk.append(row)
        if len(chunk) == chunk_rows:
            yield chunk, width
            chunk = []
    if chunk:
        yield chunk, width


class _RawBytes(io.RawIOBase):
    """Bytes as a raw stream without a copy, for TextIOWrapper."""

    def __init__(self, data: bytes):
        self._mv = memoryview(data)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), len(self._mv) - self._pos)
        b[:n] = self._mv[self._pos:self._pos + n]
        self._pos += n
        return n


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _csv_chunks(data: bytes, chunk_rows: int) -> Iterator[tuple[list[list[Any]], int]]:
    """CSV rows under the row, column, cell and field-size limits; a refusal names the line."""
    from procurement.ingest.guard import (
        CHUNK_CELLS,
        MAX_CELLS,
        MAX_COLUMNS,
        MAX_FIELD_CHARS,
        MAX_ROWS,
        Refused,
    )

    encoding = text_encoding(data)
    head = _text_stream(data, encoding).read(65536)
    if len(_CONTROL.findall(head)) > max(2, len(head) // 100):
        raise _not_a_table("内容含有大量控制字符（二进制文件）", "it holds control characters (a binary file)")
    delimiter = _delimiter(head[:20000])
    lines = _text_stream(data, encoding)  # from the start again: the head was only for sniffing
    previous = csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(lines, delimiter=delimiter)
    done = cells = width = 0
    try:
        while True:
            take = 1024 if not done else max(64, min(chunk_rows, CHUNK_CELLS // max(width, 1)))
            try:
                chunk = list(itertools.islice(reader, take))  # the rows of a chunk without a Python loop
            except csv.Error as exc:
                raise _csv_refusal(exc, reader.line_num, MAX_FIELD_CHARS) from exc
            if not chunk:
                return
            wide = max(map(len, chunk))
            if wide > MAX_COLUMNS:
                at = done + next(i for i, r in enumerate(chunk) if len(r) == wide) + 1
                raise Refused(f"第 {at} 行有 {wide} 列，超过上限 {MAX_COLUMNS} 列",
                              f"line {at} has {wide} columns, over the limit of {MAX_COLUMNS}", row=at)
            done += len(chunk)
            if done > MAX_ROWS:
                raise Refused(f"文件超过 {MAX_ROWS} 行（Excel 的上限），请拆分后上传",
                              f"the file has over {MAX_ROWS} lines (Excel's limit); split it", row=MAX_ROWS + 1)
            cells += sum(map(len, chunk))
            if cells > MAX_CELLS:
                raise Refused(f"文件超过 {MAX_CELLS} 个单元格，请拆分后上传",
                              f"the file has over {MAX_CELLS} cells; split it", row=done)
            width = max(width, wide)
            yield _padded(chunk, width), width
    except UnicodeDecodeError as exc:
        raise _not_a_table("无法识别文字编码", "unknown text encoding") from exc
    finally:
        csv.field_size_limit(previous)


def _csv_refusal(exc: csv.Error, line: int, limit: int) -> ReadError:
    from procurement.ingest.guard import Refused

    if "field larger" in str(exc):
        return Refused(f"第 {line} 行有单元格超过 {limit} 个字符（Excel 单元格的上限），已拒绝",
                       f"line {line} holds a field over {limit} characters (Excel's cell limit); refused", row=line)
    return Refused(f"第 {line} 行格式不正确：{exc}", f"line {line} is malformed: {exc}", row=line)


def _text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    """Decoded lines of ``data`` as read, 1 MB of bytes at a time (the text is never whole in memory)."""
    return io.TextIOWrapper(io.BufferedReader(_RawBytes(data), 1 << 20), encoding=encoding, newline="")


def _padded(chunk: list[list[Any]], width: int) -> list[list[Any]]:
    for r in chunk:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return chunk


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)


def html_encoding(data: bytes) -> str:
    """BOM, then the page's own <meta charset>, then UTF-8 if it decodes, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    enc = _utf16_encoding(data[:4096])
    if enc:
        return "utf-16le" if enc in ("utf-16", "utf-16-le") and not data.startswith(b"\xfe\xff") else "utf-16be"
    m = _META_CHARSET.search(data[:8192]) or _XML_ENCODING.search(data[:1024])
    if m:
        name = m.group(1).decode("ascii").lower()
        if name in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936"):
            return "gb18030"
        try:
            return codecs.lookup(name).name
        except LookupError:
            pass
    return "utf-8" if _valid(data, "utf-8") else "gb18030"


def _html_sheets(name: str, data: bytes, chunk_rows: int) -> Iterator[SheetStream]:
    """Each <table> of an HTML page as a sheet: the first named after the file, others numbered.

    Merged cells (colspan/rowspan) keep their value in the top-left cell and leave the others
    blank, as an .xlsx with merged cells reads; Excel's own HTML keeps the raw number in ``x:num``.
    """
    tables = _html_tables(data)
    stem = Path(name).stem
    for i, rows in enumerate(tables):
        title = stem if i == 0 else f"{stem}-{i + 1}"
        width = max(map(len, rows), default=0)
        chunks = ((_padded(rows[k:k + chunk_rows], width), width) for k in range(0, len(rows), chunk_rows))
        yield SheetStream(title, 1, 0, False, chunks)
    if not tables:
        raise _not_a_table("HTML 中没有表格", "the HTML page holds no table")


def _html_tables(data: bytes) -> list[list[list[Any]]]:
    from lxml import etree

    from procurement.ingest.guard import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Refused

    encoding = html_encoding(data)
    tables: list[list[list[Any]]] = []
    stack: list[tuple[list[list[Any]], dict[int, int]]] = []
    cells = 0
    parser = etree.iterparse(io.BytesIO(data), events=("start", "end"), tag=("table", "tr"), html=True,
                             encoding=encoding, no_network=True, resolve_entities=False, huge_tree=False)
    try:
        for event, el in parser:
            if el.tag == "table":
                if event == "start":
                    stack.append(([], {}))
                else:
                    rows, _ = stack.pop()
                    if rows:
                        tables.append(rows)
                    el.clear()
                continue
            if event != "end" or not stack:
                continue
            rows, pending = stack[-1]
            row = _html_row(el, pending, MAX_COLUMNS)
            rows.append(row)
            cells += len(row)
            if len(rows) > MAX_ROWS or cells > MAX_CELLS or len(row) > MAX_COLUMNS:
                raise Refused(f"HTML 表格过大（第 {len(rows)} 行，{len(row)} 列），请拆分后上传",
                              f"the HTML table is too large (row {len(rows)}, {len(row)} columns); split it",
                              row=len(rows))
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    except etree.LxmlError as exc:
        raise _not_a_table(f"HTML 无法解析：{exc}", f"the HTML cannot be parsed: {exc}") from exc
    return tables


def _html_row(tr: Any, pending: dict[int, int], max_cols: int) -> list[Any]:
    """Cells of one <tr>, with blanks where a rowspan from above or a colspan covers them."""
    row: list[Any] = []
    col = 0

    def fill_pending() -> None:
        nonlocal col
        while pending.get(col, 0) > 0 and col <= max_cols:
            pending[col] -= 1
            row.append("")
            col += 1

    for cell in tr:
        if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
            continue
        fill_pending()
        raw = cell.get("x:num")
        text = " ".join("".join(cell.itertext()).replace("\xa0", " ").split())
        value: Any = text
        if raw is not None:
            try:
                value = float(raw) if raw.strip() else text
            except ValueError:
                value = text
        span = _span(cell.get("colspan"), max_cols)
        down = _span(cell.get("rowspan"), 65_534)
        for k in range(span):
            row.append(value if k == 0 else "")
            if down > 1:
                pending[col] = down - 1
            col += 1
        if col > max_cols:
            break
    fill_pending()
    return row


def _span(text: str | None, cap: int) -> int:
    try:
        return max(1, min(int(text or 1), cap + 1))
    except ValueError:
        return 1
