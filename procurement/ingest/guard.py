"""Untrusted files are read in a forked worker process with memory, time and size limits.

Why a separate process: python-calamine aborts the whole process (Rust's allocation-failure handler
calls ``abort()``, which no ``except`` can catch) when a sheet declares or uses a huge range
(``<dimension ref="A1:XFD1048576"/>`` asks for 512 GiB). One 5 KB upload must not take the app
down, so every parse runs in a child forked for it, under ``RLIMIT_AS`` and ``RLIMIT_CPU``, with a
wall-clock deadline enforced by the parent; a child that dies or overruns becomes one problem
naming the file.

Before forking, cheap checks of what the file declares refuse the known bombs with a precise
message (zip member sizes and compression ratio, entity declarations, declared sheet dimensions,
number of members and sheets), and while the child parses, a thread of the parent streams through
the workbook's XML once more for entity declarations or references and for formulas without a
cached value (calamine reads both as silently blank cells).

The rows come back over a pipe in chunks of ``CHUNK_ROWS`` rows, each column factorized (codes
plus distinct values) so a million rows of repeating hospital codes, dates and units cost a few
megabytes of pickle instead of millions of pickled objects. The parent never turns them back into
rows: ``ColumnsBuilder`` joins a sheet's chunks into columns (``reader.Column``), which the
conversion takes as they are (``values.Factorized.of_column``). Why not pickle the rows as they
are: on a 200,000-row purchases workbook, pickling the row lists cost 0.9 s + 0.5 s against a
2.2 s bare parse (0.6x more); the factorized chunks cost about 0.25x, and repeated values come back
as one shared object each, which also keeps the server's memory down (``benchmarks/bench_guard.py``).

Measured (2 shared cores, load average ~10, so CPU seconds; best of 3): on that 200,000-row file,
bare calamine 2.11 s, ``parse_files`` reading in the worker 2.84 s (1.34x), the former in-process
read 3.10 s (1.30x - 1.60x over its runs): the worker costs no more than reading in-process did.
Every hostile file of tests/hostile_files.py: refused in at most 1.6 s, the server's peak resident
memory at most 223 MB (the 52 MB upload included), the worker's growth at most 99 MB. A valid
100 MB CSV (1,022,664 purchase lines): server peak 739-744 MB over 3 runs (the 100 MB upload
included; 1.26 GB when the chunks were turned back into rows and a clean sheet copied three more
times), under the 1 GB bound that ``make bench-guard`` checks.
"""

from __future__ import annotations

import contextlib
import faulthandler
import itertools
import os
import pickle
import re
import resource
import select
import signal
import struct
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from procurement.ingest import reader as R
from procurement.problems import Problem

# ---------------------------------------------------------------------------------------------
# Limits. One constant per limit; .streamlit/config.toml's maxUploadSize must equal MAX_UPLOAD_MB
# (tests/test_server_config.py checks it), so a file the app accepts is a file the worker reads.

MAX_UPLOAD_MB = 200
MAX_FILE_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ROWS = 1_048_576  # Excel's own row limit: a longer CSV cannot be opened in Excel to fix it
MAX_COLUMNS = 1_024  # real exports carry tens of columns; Excel's 16,384 is a bomb's width
MAX_CELLS = 20_000_000  # rows x columns of one file (the 1M-row benchmark is 6M cells)
MAX_FIELD_CHARS = 32_767  # Excel's limit for one cell: a longer CSV field is no spreadsheet cell
MAX_SHEETS = 256
MAX_ZIP_MEMBERS = 10_000
MAX_UNZIPPED_BYTES = 2 * 1024**3  # all members together, as the zip declares them
MAX_COMPRESSION_RATIO = 100  # for members over RATIO_FLOOR_BYTES; sheet XML is 5-20x, bombs 1000x
RATIO_FLOOR_BYTES = 4 * 1024 * 1024
MAX_PROLOG_BYTES = 64 * 1024  # XML declaration and comments before the root element
WORKER_MEMORY_BYTES = 1536 * 1024**2  # address space the worker may add to what it inherits
TIME_BASE_S = 20.0  # wall-clock budget: 20 s plus 2 s per MB of file
TIME_PER_MB_S = 2.0
CHUNK_ROWS = 65_536
CHUNK_CELLS = 1_048_576  # a wide sheet sends fewer rows per message: each stays a few MB


def time_limit(size: int) -> float:
    """Seconds a file of ``size`` bytes may take to read: generous for real files, short for 5 KB bombs."""
    return TIME_BASE_S + TIME_PER_MB_S * size / 1e6


class Refused(R.ReadError):
    """A file refused by a limit or as malformed; ``zh`` and ``en`` are the whole message."""

    def __init__(self, zh: str, en: str, sheet: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.zh, self.en = zh, en
        self.sheet, self.row, self.column = sheet, row, column
        super().__init__(f"{zh} / {en}")


# ---------------------------------------------------------------------------------------------
# Cheap checks in the parent, before any parser sees the file


_BLANK = re.compile(rb"[\s\x00]*")  # one character class: no backtracking state per byte


def _is_blank(data: bytes) -> bool:
    """Nothing but blanks after any byte-order mark; checked in place, without a copy."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 2 if data[:2] in (b"\xff\xfe", b"\xfe\xff") else 0
    return _BLANK.fullmatch(data, start) is not None


def precheck(name: str, data: bytes) -> str:
    """The file's type by its bytes (see ``reader.sniff``), after refusing what it declares too big."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"文件大小 {len(data) / 2**20:.0f} MB，超过上限 {MAX_UPLOAD_MB} MB，请拆分后上传",
                      f"file is {len(data) / 2**20:.0f} MB, over the {MAX_UPLOAD_MB} MB limit; split it")
    if _is_blank(data):
        raise Refused("文件是空的", "the file is empty")
    kind = R.sniff(data)
    if kind == "zip":
        check_zip(data)
    elif kind == "ole2":
        check_ole2(data)
    elif kind == "text":
        check_lines(data)
    elif kind == "xml":
        raise Refused("文件是 XML（如 Excel 2003 XML 表格），不支持；请在 Excel 中另存为 .xlsx 后上传",
                      "the file is XML (such as Excel 2003 XML), which is not supported; save it as .xlsx")
    return kind


def check_lines(data: bytes) -> None:
    """More physical lines than Excel has rows: refused before any row is parsed (a newline bomb).

    A quoted field may hold a line break, so rows can only be fewer than lines; the message says
    lines. UTF-16 text is counted by its encoded line feed.
    """
    lines = data.count(b"\n\x00") if R._utf16_encoding(data[:4096]) else data.count(b"\n")
    if lines > MAX_ROWS:
        raise Refused(f"文件有 {lines} 行，超过上限 {MAX_ROWS} 行（Excel 的上限），请拆分后上传",
                      f"the file has {lines} lines, over the limit of {MAX_ROWS} (Excel's); split it")


def _eocd_entries(data: bytes) -> int | None:
    """Members the zip's end-of-central-directory record announces, read before zipfile builds them all."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if pos < 0 or pos + 22 > len(data):
        return None
    total = struct.unpack_from("<H", data, pos + 10)[0]
    if total == 0xFFFF:
        loc = data.rfind(b"PK\x06\x06", max(0, pos - 1024), pos)
        if loc >= 0 and loc + 40 <= len(data):
            total = struct.unpack_from("<Q", data, loc + 32)[0]
    return total


def _damaged(detail: str, detail_en: str | None = None) -> Refused:
    return Refused(f"文件已损坏（不完整或不是有效的 Excel 文件）：{detail}",
                   f"the file is damaged (truncated or not a valid Excel file): {detail_en or detail}")


def check_zip(data: bytes) -> None:
    """Member count, declared sizes and ratios, encryption, entity declarations, sheet dimensions."""
    entries = _eocd_entries(data)
    if entries is None:
        raise _damaged("缺少 zip 目录（文件不完整？）", "no zip directory (truncated?)")
    if entries > MAX_ZIP_MEMBERS:
        raise Refused(f"压缩包内有 {entries} 个文件，超过上限 {MAX_ZIP_MEMBERS}",
                      f"the zip holds {entries} members, over the limit of {MAX_ZIP_MEMBERS}")
    try:
        zf = zipfile.ZipFile(_BytesView(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise _damaged(str(exc)) from exc
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names and "mimetype" not in names:
        raise Refused("文件是压缩包（zip），不是 Excel 工作簿", "the file is a zip archive, not an Excel workbook")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _encrypted()
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise Refused(
                f"文件内 {info.filename} 压缩比 {info.file_size // max(info.compress_size, 1)}:1，疑似压缩炸弹，已拒绝",
                f"member {info.filename} inflates {info.file_size // max(info.compress_size, 1)}:1, "
                f"a likely zip bomb; refused")
    if total > MAX_UNZIPPED_BYTES:
        raise Refused(f"解压后共 {total / 2**30:.1f} GB，超过上限 {MAX_UNZIPPED_BYTES / 2**30:.0f} GB",
                      f"the workbook inflates to {total / 2**30:.1f} GB, over the "
                      f"{MAX_UNZIPPED_BYTES / 2**30:.0f} GB limit")
    sheets = [i for i in infos if _is_sheet_member(i.filename)]
    if len(sheets) > MAX_SHEETS:
        raise Refused(f"工作簿有 {len(sheets)} 个工作表，超过上限 {MAX_SHEETS}",
                      f"the workbook has {len(sheets)} sheets, over the limit of {MAX_SHEETS}")
    titles = sheet_titles(zf)
    try:
        for info in infos:
            if _is_xml_member(info.filename):
                head = _head(zf, info, MAX_PROLOG_BYTES)
                check_prolog(head, info.filename)
            if _is_sheet_member(info.filename) or info.filename in titles:
                check_dimension(_head(zf, info, 1024 * 1024), titles.get(info.filename, info.filename))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _damaged(str(exc)) from exc


class _BytesView:
    """A read-only file over bytes without copying them (io.BytesIO copies on construction)."""

    def __init__(self, data: bytes):
        self._mv = memoryview(data)
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        end = len(self._mv) if n is None or n < 0 else min(len(self._mv), self._pos + n)
        out = self._mv[self._pos:end].tobytes()
        self._pos = end
        return out

    def seek(self, pos: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._mv)}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True


def _encrypted() -> Refused:
    return Refused("工作簿已加密（设有打开密码），请在 Excel 中取消密码后另存再上传",
                   "the workbook is encrypted (password to open); remove the password and save it again")


def _is_xml_member(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _is_sheet_member(name: str) -> bool:
    low = name.lower()
    return low.startswith("xl/worksheets/") and low.endswith(".xml") and low.count("/") == 2


def _head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
    with zf.open(info) as f:
        return f.read(size)


_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)


def _as_utf8(head: bytes) -> bytes:
    """XML head bytes in a form the byte patterns below can read (UTF-16 members re-encoded)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-le" if head[0] == 0x3C else "utf-16-be")
        return head[: len(head) // 2 * 2].decode(enc, errors="replace").encode("utf-8")
    return head[3:] if head.startswith(b"\xef\xbb\xbf") else head


def check_prolog(head: bytes, member: str) -> None:
    """Refuse a DOCTYPE (and with it any ENTITY: billion laughs, external entities) before the root."""
    text = _as_utf8(head)
    pos = 0
    while pos < len(text):
        m = _PROLOG_ITEM.match(text, pos)
        if m is None:
            break
        pos = m.end()
    if text[pos:pos + 2] == b"<!":
        raise Refused(f"文件内 {member} 含有 DOCTYPE/ENTITY 声明，文件格式不正确，已拒绝",
                      f"member {member} declares a DOCTYPE/ENTITY; the file is malformed and refused")
    if pos >= MAX_PROLOG_BYTES - 16:
        raise Refused(f"文件内 {member} 的开头过长，文件格式不正确", f"member {member} has an overlong prolog; malformed")


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]{0,3})(\d*)(?::([A-Za-z]{1,3})(\d+))?\"")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def check_dimension(head: bytes, sheet: str) -> None:
    """Refuse a sheet whose declared range is beyond the row, column or cell limits."""
    text = _as_utf8(head)
    cut = text.find(b"sheetData")
    m = _DIMENSION.search(text, 0, cut if cut >= 0 else len(text))
    if m is None:
        return
    c1, r1, c2, r2 = m.groups()
    col_a, row_a = _col_number(c1 or b"A"), int(r1 or 1)
    col_b, row_b = (_col_number(c2), int(r2)) if c2 else (col_a, row_a)
    check_extent(sheet, abs(row_b - row_a) + 1, abs(col_b - col_a) + 1, declared=True)


def check_extent(sheet: str, rows: int, cols: int, declared: bool = False) -> None:
    """The row, column and cell limits for one sheet (declared or as read)."""
    what_zh, what_en = ("声明的范围", "declares") if declared else ("有", "has")
    if cols > MAX_COLUMNS:
        raise Refused(f"工作表 {sheet} {what_zh} {cols} 列，超过上限 {MAX_COLUMNS} 列",
                      f"sheet {sheet} {what_en} {cols} columns, over the limit of {MAX_COLUMNS}", sheet=sheet)
    if rows > MAX_ROWS:
        raise Refused(f"工作表 {sheet} {what_zh} {rows} 行，超过上限 {MAX_ROWS} 行",
                      f"sheet {sheet} {what_en} {rows} rows, over the limit of {MAX_ROWS}", sheet=sheet)
    if rows * cols > MAX_CELLS:
        raise Refused(f"工作表 {sheet} {what_zh} {rows}×{cols} 个单元格，超过上限 {MAX_CELLS}",
                      f"sheet {sheet} {what_en} {rows}x{cols} cells, over the limit of {MAX_CELLS}", sheet=sheet)


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"[^>]*?\br(?:\w*):id=\"([^\"]*)\"")
_REL_TAG = re.compile(rb"<Relationship\b[^>]*?\bId=\"([^\"]*)\"[^>]*?\bTarget=\"([^\"]*)\"|"
                      rb"<Relationship\b[^>]*?\bTarget=\"([^\"]*)\"[^>]*?\bId=\"([^\"]*)\"")


def sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Member name -> sheet title from workbook.xml and its relationships (empty when unreadable)."""
    try:
        book = _as_utf8(_head(zf, zf.getinfo("xl/workbook.xml"), 4 * 1024 * 1024))
        rels = _as_utf8(_head(zf, zf.getinfo("xl/_rels/workbook.xml.rels"), 4 * 1024 * 1024))
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        return {}
    targets = {}
    for m in _REL_TAG.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        t = target.decode("utf-8", "replace").lstrip("/")
        targets[rid] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in _SHEET_TAG.finditer(book):
        member = targets.get(m.group(2))
        if member:
            out[member] = _unescape(m.group(1).decode("utf-8", "replace"))
    return out


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def check_ole2(data: bytes) -> None:
    """An OLE2 container holding an 'EncryptedPackage' is an encrypted .xlsx, not an .xls."""
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise _encrypted()


# ---------------------------------------------------------------------------------------------
# The full scan of the workbook's XML, in a parent thread while the worker parses


_ENTITY_SPAN = 12  # the longest allowed reference, &#x10FFFF;, with room to spare
_ENTITY_REF = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)")
_UNCACHED = re.compile(rb"(?:<(?:\w+:)?f\b[^>]*/>|</(?:\w+:)?f>)\s*(?:</(?:\w+:)?c>|<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})(\d+)\"")
_OVERLAP = 512


def scan_xml(data: bytes) -> Refused | None:
    """Entity declarations or references anywhere, and formula cells without a cached value.

    Calamine reads an unknown entity reference (``&e;``) and a formula without a cached value as
    an empty cell, which would silently change a figure; both are refused. One streaming pass per
    member, 1 MB at a time (the inflate itself runs without the GIL).
    """
    try:
        zf = zipfile.ZipFile(_BytesView(data))
        titles = sheet_titles(zf)
        for info in zf.infolist():
            if not _is_xml_member(info.filename):
                continue
            sheet = titles.get(info.filename) or (info.filename if _is_sheet_member(info.filename) else None)
            found = _scan_member(zf, info, sheet)
            if found is not None:
                return found
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        return _damaged(str(exc))
    return None


def _scan_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str | None) -> Refused | None:
    tail = b""
    with zf.open(info) as f:
        first = True
        while True:
            block = f.read(1 << 20)
            if not block:  # the end: the last block's tail is whole now
                if b"&" in tail and _ENTITY_REF.search(tail):
                    return Refused(f"文件内 {info.filename} 引用了未定义的实体（&...;），文件格式不正确，已拒绝",
                                   f"member {info.filename} references an undefined entity (&...;); malformed, refused")
                return None
            if first and block[:2] in (b"\xff\xfe", b"\xfe\xff"):
                return None  # UTF-16 members: their prolog was checked; calamine does not read them
            first = False
            chunk = tail + block
            # "!" first: a memchr for a byte sheet XML hardly holds, where each "<!D" search stops at
            # every "<" (four of them cost about 1 s on the 1M-row workbook's 321 MB of XML)
            if b"!" in chunk and (b"<!D" in chunk or b"<!E" in chunk or b"<!d" in chunk or b"<!e" in chunk):
                return Refused(f"文件内 {info.filename} 含有 DOCTYPE/ENTITY 声明，文件格式不正确，已拒绝",
                               f"member {info.filename} declares a DOCTYPE/ENTITY; the file is malformed and refused")
            # an entity cut by the block's end (…&am|p;…) is looked at again with the next block
            bad = _ENTITY_REF.search(chunk) if b"&" in chunk else None
            whole = len(block) < (1 << 20)  # a short read is the member's last block
            if bad is not None and (whole or bad.start() < len(chunk) - _ENTITY_SPAN):
                return Refused(f"文件内 {info.filename} 引用了未定义的实体（&...;），文件格式不正确，已拒绝",
                               f"member {info.filename} references an undefined entity (&...;); malformed, refused")
            if sheet is not None and b"f" in chunk:
                m = _UNCACHED.search(chunk)
                if m is not None:
                    refs = list(_CELL_REF.finditer(chunk, 0, m.start()))
                    cell = (refs[-1].group(1) + refs[-1].group(2)).decode() if refs else None
                    row = int(refs[-1].group(2)) if refs else None
                    col = refs[-1].group(1).decode() if refs else None
                    where = f"单元格 {cell} " if cell else ""
                    return Refused(
                        f"工作表 {sheet} {where}是公式但没有保存计算结果，请在 Excel 中打开并保存后再上传",
                        f"sheet {sheet} {('cell ' + cell + ' ') if cell else ''}holds a formula without a saved "
                        f"value; open the file in Excel, save it and upload again", sheet=sheet, row=row, column=col)
            tail = chunk[-_OVERLAP:]


# ---------------------------------------------------------------------------------------------
# Compact transfer of rows: each chunk column factorized, decoded back into row lists


def encode_chunk(rows: list[list[Any]], width: int) -> tuple[int, int, list[tuple]]:
    """(rows, width, one part per column): ("f", codes, distinct values) or ("raw", values).

    A column goes raw when factorizing would not pay (mostly distinct: order ids, told by its first
    rows) or would merge values Python calls equal but the user typed differently (True, 1 and 1.0
    hash alike).
    """
    n = len(rows)
    grid = _grid(rows, width)
    parts: list[tuple] = []
    for j in range(width):
        col = grid[:, j]
        if n >= _SAMPLE_FROM and len(pd.unique(col[:_SAMPLE])) > _SAMPLE // 2:
            parts.append(("raw", col.copy()))  # an id column: hashing every cell would buy nothing
            continue
        if not _factorizable(col):
            parts.append(("raw", col.copy()))
            continue
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
        if len(uniques) > n // 2:
            parts.append(("raw", col.copy()))
        else:
            parts.append(("f", codes.astype(np.int32), uniques))
    return n, width, parts


_SAMPLE, _SAMPLE_FROM = 1024, 4096


def _grid(rows: list[list[Any]], width: int) -> np.ndarray:
    """Rows as an (n, width) object array. Rows of exactly ``width`` cells (calamine's, padded CSV)
    go through one flat ``fromiter``, twice as fast as numpy's nested-sequence assignment."""
    n = len(rows)
    if n and width and min(map(len, rows)) == width == max(map(len, rows)):
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=n * width)
        return flat.reshape(n, width)
    grid = np.empty((n, width), dtype=object)
    if n:
        grid[:, :] = rows
    return grid


_ONE_KIND = frozenset(["string", "floating", "integer", "boolean", "date", "datetime", "time", "timedelta",
                       "empty", "bytes", "decimal"])
_NUMBERS = (bool, int, float, np.bool_)


def _factorizable(col: np.ndarray) -> bool:
    """Whether hashing keeps every cell as it was: False, 0 and 0.0 are one key to a hash table.

    One kind of value (what CSV, HTML and nearly every workbook column hold) is decided by pandas'
    C-level type inference; only mixed columns pay for a look at each cell's type.
    """
    if pd.api.types.infer_dtype(col, skipna=True) in _ONE_KIND:
        return True
    return sum(1 for t in set(map(type, col)) if issubclass(t, _NUMBERS)) <= 1


def decode_chunk(n: int, width: int, parts: list[tuple]) -> list[list[Any]]:
    """The chunk as a list of row lists, as calamine's ``to_python`` gives them."""
    grid = np.empty((n, width), dtype=object)
    for j, part in enumerate(parts):
        grid[:, j] = _part_cells(part)
    return grid.tolist()


def _part_cells(part: tuple) -> np.ndarray:
    if part[0] == "raw":
        return part[1]
    _, codes, uniques = part
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = uniques
    table[-1] = None  # code -1: a missing cell (calamine and CSV give "", so never in practice)
    return table[codes]


class ColumnsBuilder:
    """A sheet's chunks as they arrive, joined into ``reader.Column``s at the end of the sheet.

    Nothing is turned back into rows: a column factorized in every chunk stays codes into its
    distinct values (the chunks' values joined, when that merges no values typed differently),
    anything else becomes one object array of the cells. A chunk narrower than a later one (CSV
    rows of different lengths) reads as "" in the columns it lacks, as the readers pad rows.
    """

    def __init__(self) -> None:
        self.chunks: list[tuple[int, int, list[tuple]]] = []

    def add(self, n: int, width: int, parts: list[tuple]) -> None:
        self.chunks.append((n, width, parts))

    def columns(self) -> list[R.Column]:
        width = max((w for _, w, _ in self.chunks), default=0)
        out = []
        for j in range(width):
            parts = [p[j] if j < w else ("f", np.zeros(n, np.int32), np.array([""], dtype=object))
                     for n, w, p in self.chunks]
            for _, _, p in self.chunks:  # the chunk's own copy is not needed once joined
                if j < len(p):
                    p[j] = None
            out.append(_join_parts(parts))
        self.chunks = []
        return out


def _join_parts(parts: list[tuple]) -> R.Column:
    if all(p[0] == "f" for p in parts):
        if len(parts) == 1:
            return R.Column(parts[0][1], parts[0][2])
        joined = np.concatenate([p[2] for p in parts])
        if _factorizable(joined):
            global_codes, uniques = pd.factorize(joined, use_na_sentinel=True)
            global_codes = global_codes.astype(np.int32)
            codes, at = [], 0
            for _, chunk_codes, chunk_uniques in parts:
                remap = np.append(global_codes[at:at + len(chunk_uniques)], np.int32(-1))
                codes.append(remap[chunk_codes])  # code -1 indexes the appended -1
                at += len(chunk_uniques)
            return R.Column(np.concatenate(codes), np.asarray(uniques, dtype=object))
    return R.Column(None, np.concatenate([_part_cells(p) for p in parts]))


# ---------------------------------------------------------------------------------------------
# The worker


@dataclass
class _Job:
    name: str
    kind: str
    data: bytes


def _send(fd: int, message: tuple) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(struct.pack("<Q", len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _worker_main(job: _Job, fd: int, deadline_s: float) -> None:
    """In the child: limits first, then the sheets as framed messages; never returns."""
    code = 0
    start_rss = _rss()
    try:
        faulthandler.disable()  # an abort here is expected and worded by the parent, not dumped
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # Rust's "memory allocation failed" goes nowhere; the parent words it
        _limit_resources(deadline_s)
        for sheet in R.iter_sheets(job.name, job.kind, job.data, CHUNK_ROWS):
            _send(fd, ("sheet", sheet.name, sheet.first_row, sheet.first_col, sheet.hidden))
            for rows, width in sheet.chunks:
                _send(fd, ("chunk", *encode_chunk(rows, width)))
        _send(fd, ("end",))
    except Refused as exc:
        _safe_send(fd, ("refused", exc.zh, exc.en, exc.sheet, exc.row, exc.column))
    except R.ReadError as exc:
        _safe_send(fd, ("error", str(exc)))
    except MemoryError:
        _safe_send(fd, ("memory",))
    except BaseException as exc:  # noqa: BLE001 - anything else is one problem, never a crash
        _safe_send(fd, ("error", f"{type(exc).__name__}: {exc}"))
        code = 3
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        _safe_send(fd, ("stats", start_rss, usage))
        os._exit(code)


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        return 0


# Memory of the last worker: (resident bytes when forked, peak resident bytes), for measurements.
last_worker_memory: tuple[int, int] = (0, 0)


def _safe_send(fd: int, message: tuple) -> None:
    with contextlib.suppress(BaseException):  # the parent then reports the worker's death
        _send(fd, message)


def _limit_resources(deadline_s: float) -> None:
    """Address space: what the fork inherited (the server's own, mostly shared) plus the budget."""
    try:
        with open("/proc/self/statm") as f:
            inherited = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:  # no /proc (macOS): the time limit and the prechecks still hold
        inherited = None
    if inherited is not None:
        limit = inherited + WORKER_MEMORY_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = int(deadline_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class _Framer:
    """Length-prefixed messages out of a byte stream."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> Iterator[tuple]:
        self.buf += data
        while len(self.buf) >= 8:
            size = struct.unpack_from("<Q", self.buf)[0]
            if len(self.buf) < 8 + size:
                return
            message = pickle.loads(memoryview(self.buf)[8:8 + size])
            del self.buf[:8 + size]
            yield message


def _died(status: int, limit_s: float) -> Refused:
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if sig == signal.SIGXCPU:
        return _too_slow(limit_s)
    return Refused(
        "读取此文件所需内存超过上限（表格范围过大、压缩炸弹或文件损坏），已拒绝",
        "reading this file needs more memory than allowed (an oversized range, a compression bomb or a "
        "damaged file); refused")


def _too_slow(limit_s: float) -> Refused:
    return Refused(f"读取此文件超过 {limit_s:.0f} 秒，已停止（文件过大或结构异常），请拆分后上传",
                   f"reading this file took over {limit_s:.0f} s and was stopped (too large or abnormal); split it")


def read_untrusted(source: R.Source) -> list[R.RawSheet]:
    """Every sheet of ``source``, read by content in a limited worker; ``Refused`` on any failure."""
    name = R.source_name(source)
    if not isinstance(source, tuple):
        size = os.stat(source).st_size
        if size > MAX_FILE_BYTES:
            raise Refused(f"文件大小 {size / 2**20:.0f} MB，超过上限 {MAX_UPLOAD_MB} MB，请拆分后上传",
                          f"file is {size / 2**20:.0f} MB, over the {MAX_UPLOAD_MB} MB limit; split it")
        data = Path(source).read_bytes()
    else:
        data = source[1]
    kind = precheck(name, data)
    if not hasattr(os, "fork"):  # not on Linux/macOS: the checks above still hold, the parse runs here
        return R.read_in_process(name, kind, data)
    limit_s = time_limit(len(data))
    return _run_worker(_Job(name, kind, data), limit_s)


def _run_worker(job: _Job, limit_s: float) -> list[R.RawSheet]:
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise Refused("服务器繁忙，暂时无法读取文件，请稍后再试", f"the server is busy ({exc}); try again later") from exc
    if pid == 0:  # the child
        os.close(read_fd)
        _worker_main(job, write_fd, limit_s)
    os.close(write_fd)
    scan: list[Refused | None] = []
    scanner = None
    if job.kind == "zip":
        scanner = threading.Thread(target=lambda: scan.append(scan_xml(job.data)), daemon=True)
        scanner.start()
    try:
        sheets, outcome = _collect(read_fd, pid, limit_s)
    finally:
        os.close(read_fd)
    if scanner is not None:
        scanner.join(max(1.0, limit_s))
        if scanner.is_alive():  # never let a check still running pass as a clean file
            raise _too_slow(limit_s)
        if scan and scan[0] is not None:
            raise scan[0]
    if isinstance(outcome, Refused):
        raise outcome
    return sheets


def _collect(fd: int, pid: int, limit_s: float) -> tuple[list[R.RawSheet], Refused | None]:
    """Read the worker's messages until it ends, dies or overruns its time; always reaps it."""
    global last_worker_memory
    deadline = time.monotonic() + limit_s
    framer = _Framer()
    sheets: list[R.RawSheet] = []
    outcome: Refused | None = None
    finished = False
    status = None
    building = ColumnsBuilder()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return [], _too_slow(limit_s)
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                break
            for message in framer.feed(data):
                tag = message[0]
                if tag == "sheet":
                    _finish(sheets, building)
                    sheets.append(R.RawSheet(message[1], first_row=message[2], first_col=message[3],
                                             hidden=message[4], columns=[]))
                    building = ColumnsBuilder()
                elif tag == "chunk":
                    building.add(*message[1:])
                elif tag == "end":
                    finished = True
                elif tag == "refused":
                    outcome = Refused(*message[1:])
                elif tag == "stats":
                    last_worker_memory = (message[1], message[2])
                elif tag == "memory":
                    outcome = _died(0, limit_s)
                else:
                    outcome = R.ReadError(message[1])  # type: ignore[assignment]
    finally:
        status = _reap(pid)
    if outcome is not None:
        if not isinstance(outcome, Refused):
            outcome = Refused(f"无法读取文件：{outcome}", f"cannot read the file: {outcome}")
        return [], outcome
    if not finished:
        return [], _died(status or 0, limit_s)
    _finish(sheets, building)
    return sheets, None


def _finish(sheets: list[R.RawSheet], building: ColumnsBuilder) -> None:
    """The last sheet's columns, joined from its chunks."""
    if sheets:
        sheets[-1]._columns = building.columns()


def _reap(pid: int) -> int:
    try:
        _, status = os.waitpid(pid, 0)
        return status
    except ChildProcessError:
        return 0




def read_problem(name: str, exc: Exception) -> Problem:
    """The one problem for a file that could not be read: the refusal's own words, located."""
    if isinstance(exc, Refused):
        return Problem(name, exc.sheet, exc.row, exc.column, exc.zh, exc.en)
    return Problem(name, None, None, None, f"无法读取文件：{exc}", f"cannot read the file: {exc}")


if __name__ == "__main__":  # python -m procurement.ingest.guard FILE: what the worker reads, or why not
    for path in sys.argv[1:]:
        try:
            print(path, [(s.name, len(s.rows)) for s in read_untrusted(path)])
        except R.ReadError as err:
            print(path, err)
