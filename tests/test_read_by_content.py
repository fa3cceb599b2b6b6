"""A file's type comes from its bytes, never its name (data-templates.md), through the worker.

Each real export form is written here by hand with the same two purchase lines, so every form must
give the same table: X1 = 2 boxes of P001 (14 片 a box, import_fixtures.reference) = 28 片, and
X2 = 1,000 片 of P003 given in 片 directly; 28 + 1000 = 1028 in all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlwt  # requirements-dev.txt
from hypothesis import given, settings
from hypothesis import strategies as st
from import_fixtures import reference, xlsx

from procurement.ingest import guard
from procurement.ingest import reader as R
from procurement.ingest.importer import parse_files

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位"]
LINES = [["X1", "2020-03-05", "H001", "P001", "2", "盒"], ["X2", "2020-03-06", "H002", "P003", "1,000", "片"]]


def _check_two_lines(sources) -> None:
    result = parse_files(sources, reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["order_id"].tolist() == ["X1", "X2"]
    assert t["quantity"].tolist() == [28.0, 1000.0]
    assert t["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05", "2020-03-06"]


def _text(sep: str) -> str:
    """As Excel saves it: CRLF line ends, "1,000" quoted where the separator is a comma."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows([HEADER, *LINES])
    return buf.getvalue()


def _html(encoding: str) -> bytes:
    """An HTML table saved as .xls the way web systems export: a merged title row above the header."""
    cells = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in row)}</tr>" for row in LINES)
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}"></head>'
            f'<body><table border="1"><tr><td colspan="6">2020年入库明细</td></tr>'
            f"<tr>{''.join(f'<th>{h}</th>' for h in HEADER)}</tr>{cells}</table></body></html>")
    return page.encode(encoding)


def _xls() -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("采购")
    for r, row in enumerate([HEADER, *LINES]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


FORMS = {
    "xlsx named .xls (Java exports)": ("export.xls", lambda: xlsx({"采购": [HEADER, *LINES]})),
    "real .xls (OLE2) named .xlsx": ("export.xlsx", _xls),
    "HTML table saved as .xls (UTF-8)": ("export.xls", lambda: _html("utf-8")),
    "HTML table saved as .xls (GBK meta charset)": ("export.xls", lambda: _html("gbk")),
    "CSV UTF-8": ("export.csv", lambda: _text(",").encode("utf-8")),
    "CSV UTF-8 with BOM": ("export.csv", lambda: _text(",").encode("utf-8-sig")),
    "CSV GBK": ("export.csv", lambda: _text(",").encode("gbk")),
    "CSV GB18030 named .txt": ("export.txt", lambda: _text(",").encode("gb18030")),
    "UTF-16 tab-separated (Excel's Unicode text)": ("export.txt", lambda: _text("\t").encode("utf-16")),
    "UTF-16 LE without BOM, named .csv": ("export.csv", lambda: _text("\t").encode("utf-16-le")),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_real_form_reads_by_content(form):
    name, build = FORMS[form]
    _check_two_lines([(name, build())])


def test_html_merged_cells_keep_the_value_top_left():
    """colspan/rowspan: the value in the first cell, blanks under the span, as merged .xlsx cells read."""
    page = (b"<table><tr><td rowspan=2>A</td><td colspan=2>B</td></tr><tr><td>c</td><td>d</td></tr>"
            b"<tr><td>1&nbsp;2</td><td x:num='1234.5'>1,234.50</td><td></td></tr></table>")
    [sheet] = R.read_source(("t.xls", page))
    assert sheet.name == "t"
    assert sheet.rows == [["A", "B", ""], ["", "c", "d"], ["1 2", 1234.5, ""]]


def test_xlsx_named_xls_through_the_cli(tmp_path):
    """The whole command, on a fresh database seeded with the reference catalogue."""
    from procurement import store

    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = store.get_engine(url)
    ref = reference()
    store.import_tables(engine, {"hospitals": ref.hospitals, "products": ref.products},
                        source_name="ref", file_hash="ref")
    engine.dispose()
    path = tmp_path / "平台导出.xls"
    path.write_bytes(xlsx({"采购": [HEADER, *LINES]}))
    done = subprocess.run([sys.executable, "-m", "procurement", "import", str(path), "--db", url, "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"purchases": 2' in done.stdout


# --- the worker gives exactly what an in-process read gives ---------------------------------

def _same_as_in_process(name: str, data: bytes) -> list[R.RawSheet]:
    through_worker = R.read_source((name, data))
    direct = R.read_in_process(name, guard.precheck(name, data), data)
    assert [(s.name, s.first_row, s.first_col, s.hidden) for s in through_worker] == \
        [(s.name, s.first_row, s.first_col, s.hidden) for s in direct]
    for a, b in zip(through_worker, direct, strict=True):
        assert a.rows == b.rows
        assert [[type(v) for v in r] for r in a.rows] == [[type(v) for v in r] for r in b.rows]
    return through_worker


def test_workbook_offset_ragged_and_typed_cells_survive_the_worker():
    """A used range starting at C3 (calamine's start), a bool next to 1.0, dates, a hidden sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["C3"], ws["D3"], ws["E3"] = "订单", "日期", "数量"
    ws["C4"], ws["D4"], ws["E4"] = True, dt.datetime(2020, 3, 5), 1.0
    ws["C5"], ws["D5"], ws["E5"] = 1.0, dt.datetime(2020, 3, 6, 14, 22, 1), "1"
    hidden = wb.create_sheet("旧")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    sheets = _same_as_in_process("a.xlsx", buf.getvalue())
    data, old = sheets
    assert (data.first_row, data.first_col) == (3, 2)  # Excel row 3, column C
    assert data.rows[1][0] is True and type(data.rows[2][0]) is float  # True and 1.0 kept apart
    assert old.hidden and old.rows == []


def test_csv_longer_than_one_chunk_and_ragged_rows():
    """70,000 lines cross the 65,536-row chunk; a later row wider than the first pads every row."""
    lines = ["a,b"] + [f"{i},{i % 7}" for i in range(70_000)] + ["x,y,z"]
    [sheet] = _same_as_in_process("long.csv", "\n".join(lines).encode())
    assert len(sheet.rows) == 70_002
    assert sheet.rows[0] == ["a", "b", ""] and sheet.rows[-1] == ["x", "y", "z"]
    assert sheet.rows[65_537] == ["65536", str(65_536 % 7), ""]


cell = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                 st.text(max_size=3), st.dates(), st.datetimes())


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(cell, min_size=w, max_size=w), min_size=1, max_size=40)))
def test_chunk_encoding_round_trips_values_and_types(rows):
    """Whatever the cells, decode(encode(rows)) is the same cells of the same types (None for None)."""
    width = len(rows[0])
    back = guard.decode_chunk(*guard.encode_chunk([list(r) for r in rows], width))
    assert back == rows
    assert [[type(v) for v in r] for r in back] == [[type(v) for v in r] for r in rows]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_chunks_joined_into_columns_read_as_the_padded_rows(data):
    """The parent keeps the worker's chunks as columns: whatever the cells, however the rows are
    split into chunks, and with later chunks wider (ragged CSV), ``rows`` is every row padded with
    "" to the widest, each cell of the same type (True, 1 and 1.0 in one column stay apart)."""
    shapes = data.draw(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 12)), min_size=1, max_size=5))
    widths = sorted(w for w, _ in shapes)
    chunks = [data.draw(st.lists(st.lists(cell, min_size=w, max_size=w), min_size=n, max_size=n))
              for w, (_, n) in zip(widths, shapes, strict=True)]
    builder = guard.ColumnsBuilder()
    for rows in chunks:
        builder.add(*guard.encode_chunk([list(r) for r in rows], len(rows[0])))
    sheet = R.RawSheet("s", columns=builder.columns())
    expected = [r + [""] * (widths[-1] - len(r)) for rows in chunks for r in rows]
    assert sheet.rows == expected
    assert [[type(v) for v in r] for r in sheet.rows] == [[type(v) for v in r] for r in expected]
    assert sheet.head(3) == expected[:3]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["", "H1", "H2", "合计"]), st.none(), st.sampled_from([1.0, 2.0])),
                min_size=1, max_size=60), st.integers(1, 3), st.integers(0, 10))
def test_a_factorized_column_converts_as_its_cells_would(cells, n_chunks, start):
    """``Factorized.of_column`` (no cells made) gives the same codes and the same distinct values, in
    the same order, as factorizing the cells below the header (``Factorized.of``)."""
    from procurement.ingest.values import Factorized

    size = -(-len(cells) // n_chunks)
    builder = guard.ColumnsBuilder()
    for k in range(0, len(cells), size):
        builder.add(*guard.encode_chunk([[c] for c in cells[k:k + size]], 1))
    [column] = builder.columns()
    start = min(start, len(cells))
    got, want = Factorized.of_column(column, start), Factorized.of(np.array(cells[start:], dtype=object))
    assert got.codes.tolist() == want.codes.tolist()
    assert [(type(v), v) for v in got.uniques] == [(type(v), v) for v in want.uniques]


def test_a_mostly_distinct_factorized_column_is_kept_as_cells_as_before():
    """Over 5,000 rows with over 1,000 distinct values in the first 2,000: cells, as ``of`` decides."""
    from procurement.ingest.values import Factorized

    cells = [f"D{i % 3000}" for i in range(8000)]
    column = R.Column(*[np.asarray(x) for x in pd.factorize(np.array(cells, dtype=object))])
    column = R.Column(column.codes.astype(np.int32), column.values.astype(object))
    got = Factorized.of_column(column, 1)
    assert got.codes.tolist() == list(range(7999)) and got.uniques.tolist() == cells[1:]


def test_repeating_columns_travel_as_codes():
    """The point of the encoding: 1,000 rows of 3 hospitals cost 3 values plus int32 codes."""
    rows = [[f"H{i % 3}", float(i)] for i in range(1000)]
    n, width, parts = guard.encode_chunk(rows, 2)
    assert parts[0][0] == "f" and len(parts[0][2]) == 3 and parts[0][1].dtype == np.int32
    assert parts[1][0] == "raw"  # all distinct: codes would buy nothing


def test_an_entity_cut_by_the_scanners_block_is_not_an_undefined_one():
    """The guard scans XML a megabyte at a time: an &amp; cut by the block's end is valid (the 1M-row
    benchmark workbook was refused for it), an undefined &foo; is not."""
    import zipfile

    from procurement.ingest.guard import _scan_member

    def member(body: bytes) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("xl/sharedStrings.xml", body)
        zf = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        return zf, zf.getinfo("xl/sharedStrings.xml")

    head = b"<sst>"
    for cut in range(1, 5):  # the block ends 1..4 bytes into "&amp;"
        body = head + b"a" * ((1 << 20) - len(head) - cut) + b"&amp;" + b"b" * 100 + b"</sst>"
        assert _scan_member(*member(body), None) is None, cut
    bad = head + b"a" * 1000 + b"&foo;" + b"</sst>"
    assert _scan_member(*member(bad), None) is not None
