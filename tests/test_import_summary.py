"""The import summary: what each sheet was taken for, and every row that was left out and why.

Every expected count below is worked out by hand from the rows written in the test.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from import_fixtures import reference, xlsx

from procurement import store
from procurement.cli import main
from procurement.ingest.importer import parse_files

HEAD = ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"]


def test_a_column_the_tool_does_not_use_never_crashes_the_import():
    # Regression: an unused 备注 column whose every data row had all used cells filled made
    # extract() do ``bool_array[[]] |= []`` (a float array) -> TypeError, exit 1.
    rows = [HEAD + ["备注"], ["D1", "2020-03-01", "H001", "P001", 1, None], ["D2", "2020-03-01", "H001", "P001", 2, "急"]]
    result = parse_files([("a.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    # P001 is boxes of 14 片 but the quantity has no unit: 1 + 2 minimum units
    assert result.tables["purchases"]["quantity"].sum() == 3.0


def test_unused_columns_are_listed_once_and_totals_are_counted():
    rows = [
        ["序号", "订单编号", "入库日期", "机构编码", "产品编码", "商品名", "入库数量", "批准文号", "备注"],
        [1, "D1", "2020-03-01", "H001", "P001", "立普妥", 2, "国药准字H20051408", None],
        [2, "D2", "2020-03-02", "H001", "P001", "立普妥", 3, "国药准字H20051408", "补货"],
        ["合计", None, None, None, None, None, 5, None, None],
    ]
    result = parse_files([("u.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    summary = result.sheets[0].to_json()
    assert summary["columns_not_used"] == ["序号", "商品名", "批准文号", "备注"]
    assert summary["rows"] == 3 and summary["imported"] == 2 and summary["left_out"] == {"total_rows": 1}
    assert result.tables["purchases"]["quantity"].sum() == 5.0  # 2 + 3, the 合计 row not again


def test_rows_read_are_imported_left_out_or_problems():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "订单状态"],
        ["D1", "2020-03-01", "H001", "P001", 1, "已入库"],     # imported
        ["D2", "2020-03-01", "H001", "P001", 1, "已取消"],     # left out
        ["D3", "2020-03-01", "H001", "X-9", 1, "已入库"],      # outside the procurement
        ["D4", "2020-13-01", "H001", "P001", 1, "已入库"],     # a problem (bad date)
        ["小计", None, None, None, 4, None],                   # total row
    ]
    summary = parse_files([("r.xlsx", xlsx({"S": rows}))], reference=reference()).sheets[0].to_json()
    assert summary["rows"] == 5
    assert summary["imported"] == 1
    assert summary["left_out"] == {"total_rows": 1, "cancelled": 1, "outside_procurement": 1}
    assert summary["rows_with_problems"] == 1
    assert summary["problems"] == 1


def test_an_unrecognised_sheet_next_to_a_good_one_is_a_note_naming_what_it_lacks():
    content = xlsx({
        "采购": [HEAD, ["D1", "2020-03-01", "H001", "P001", 3]],
        "对账": [["单号", "机构编码", "产品编码", "日期", "说明"], ["X", "H001", "P001", "2020-03-01", "..."]],
    })
    result = parse_files([("two.xlsx", content)], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    note = {s.sheet: s for s in result.sheets}["对账"].note
    # closest kind: purchases (机构编码, 产品编码, 日期 match) lacking only the quantity
    assert "最接近「采购记录」表" in note and "缺少必填列：入库数量" in note
    assert "单号、机构编码、产品编码、日期、说明" in note and "closest to purchases" in note


def test_a_file_whose_sheets_match_nothing_says_why_for_each_sheet():
    content = xlsx({"A": [["说明", "内容"], ["x", 1]], "B": [["机构编码", "约定量2"], ["H001", 3]]})
    result = parse_files([("none.xlsx", content)], reference=reference())
    assert [(p.file, p.sheet) for p in result.problems] == [("none.xlsx", "A"), ("none.xlsx", "B")]
    a, b = result.problems
    assert "说明、内容" in a.message_zh and "没有一个表头" in a.message_zh
    assert "最接近「医疗机构」表" in b.message_zh and "机构名称" in b.message_zh  # hospitals lack the name


EXECUTION = ["医疗机构", "医疗机构编码", "地区", "批次名称", "批次开始时间", "批次结束时间", "序时进度", "签约产品总数",
             "零采购产品数", "零采购产品数占比", "低于序时进度产品数", "低于序时进度产品数占比"]


def test_the_national_execution_report_is_refused_saying_what_it_is():
    content = xlsx({"国采医疗机构带量执行报表": [
        ["国采医疗机构带量执行报表"], EXECUTION, ["第一人民医院", "H001", "东区", "第五批", "2021-01-01",
                                          "2021-12-31", "50%", 10, 1, "10%", 2, "20%"]]})
    result = parse_files([("exec.xlsx", content)], reference=reference())
    assert len(result.problems) == 1
    p = result.problems[0]
    assert (p.sheet, p.row) == ("国采医疗机构带量执行报表", 2)
    assert "国采医疗机构带量执行报表" in p.message_zh and "不是导入数据" in p.message_zh
    assert "hospitals" not in result.tables  # its institution list is not taken either


_FILLER = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    # text starting with = is a formula once openpyxl writes it (the guard refuses formulas
                    # without a cached value: tests/test_hostile_uploads.py), not a cell of content
                    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6).filter(
                        lambda s: not s.startswith("=")),
                    st.sampled_from(["合计", "", " ", "备注", "total"]))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 5), st.data())
def test_unused_columns_anywhere_with_any_content_never_change_a_total(where, data):
    # The used columns give 1 + 2 + 4 = 7; an extra column named 备注 with any content, at any
    # position, must give 7 again and never crash (the bitwise_or crash was exactly this).
    base = [HEAD, ["D1", "2020-03-01", "H001", "P001", 1], ["D2", "2020-03-02", "H001", "P001", 2],
            ["D3", "2020-03-03", "H001", "P001", 4]]
    cells = data.draw(st.lists(_FILLER, min_size=3, max_size=3))
    rows = [row[:where] + [extra] + row[where:] for row, extra in zip(base, ["备注", *cells], strict=True)]
    result = parse_files([("p.xlsx", xlsx({"S": rows}))], reference=reference())
    if result.ok:
        assert result.tables["purchases"]["quantity"].sum() == 7.0
    else:  # a filler that reads as a total label leaves a row out on purpose: it must say so
        assert result.sheets[0].to_json()["left_out"].get("total_rows")


def _catalogue_book(folder: Path) -> Path:
    """H1 and one product P1 (阿莫西林胶囊 0.25g, 甲药业, 0.5 yuan a 粒), as a workbook."""
    book = folder / "catalogue.xlsx"
    book.write_bytes(xlsx({
        "医疗机构": [["机构编码", "机构名称"], ["H1", "第一医院"]],
        "中选产品": [["产品编码", "集采批次", "通用名", "规格", "中选企业", "中选单价"],
                     ["P1", "第一批", "阿莫西林胶囊", "0.25g", "甲药业", 0.5]],
    }))
    return book


def test_cli_import_json_prints_the_summary_per_file_and_sheet(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VBP_DB_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    book = _catalogue_book(tmp_path)
    own = tmp_path / "own.xlsx"  # a hospital's own stock-in export: no hospital column
    own.write_bytes(xlsx({"入库": [
        ["序号", "入库单号", "入库日期", "药品编码", "入库数量", "订单状态"],
        [1, "R1", "2020-03-01", "P1", 100, "已入库"],   # 100
        [2, "R1", "2020-03-01", "P1", 40, "已入库"],    # second line of R1: R1#2, 40
        [3, "R2", "2020-03-02", "P1", 70, "已取消"],    # left out
        [4, "R3", "2020-03-02", "Z9", 5, "已入库"],     # outside the procurement
    ]}))
    code = main(["import", str(book), str(own), "--hospital", "H1", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(out)
    assert payload["ok"] is True and payload["added"]["purchases"] == 2
    assert [f["file"] for f in payload["files"]] == ["catalogue.xlsx", "own.xlsx"]
    assert [s["kind"] for s in payload["files"][0]["sheets"]] == ["hospitals", "products"]
    sheet = payload["files"][1]["sheets"][0]
    assert (sheet["sheet"], sheet["kind"], sheet["rows"], sheet["imported"]) == ("入库", "purchases", 4, 2)
    assert sheet["left_out"] == {"cancelled": 1, "outside_procurement": 1}
    assert sheet["outside_procurement_top"] == [{"code": "Z9", "name": None, "rows": 1}]
    assert sheet["quantity_column"] == "入库数量" and sheet["columns_not_used"] == ["序号"]
    assert sheet["hospital_supplied"] == "H1" and sheet["warnings"] == []
    stored = store.load_dataset(store.get_engine(None), aggregated=False).purchases.sort_values("order_id")
    assert stored["order_id"].tolist() == ["R1", "R1#2"] and stored["quantity"].sum() == 140.0
    # the same files again add nothing
    assert main(["import", str(book), str(own), "--hospital", "H1", "--json"]) == 0
    again = json.loads(capsys.readouterr()[0])
    assert sum(again["added"].values()) == 0 and again["unchanged"]["purchases"] == 2


def test_cli_import_without_hospital_exits_2_naming_the_column(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VBP_DB_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    book = _catalogue_book(tmp_path)
    own = tmp_path / "own.xlsx"
    own.write_bytes(xlsx({"入库": [["入库日期", "药品编码", "入库数量"], ["2020-03-01", "P1", 1]]}))
    code = main(["import", str(book), str(own), "--json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "own.xlsx › 入库" in err and "机构编码" in err and "--hospital" in err
    assert json.loads(out)["ok"] is False
    assert store.is_empty(store.get_engine(None))


def test_identical_payments_without_an_id_are_two_payments():
    rows = [["机构编码", "配送企业", "回款金额", "回款日期"],
            ["H001", "国药控股", 100, "2020-04-01"], ["H001", "国药控股", 100, "2020-04-01"]]
    pay = parse_files([("p.xlsx", xlsx({"回款": rows}))], reference=reference()).tables["payments"]
    assert pay["amount"].sum() == 200.0  # two payments of 100, not one
    first, second = pay["payment_id"].tolist()
    assert first.startswith("h:") and second == first + "#2"


def test_the_upload_page_table_shows_what_was_left_out_and_taken():
    from procurement.workflow import check as check_uploads
    from webapp.upload import sheets_frame

    rows = [["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "入库数量", "订单状态", "备注"],
            ["D1", "2020-03-01", "H001", "P001", 5, 4, "已入库", None],
            ["D2", "2020-03-01", "H001", "P001", 5, 0, "已取消", None]]
    check = check_uploads([("p.xlsx", xlsx({"采购": rows}))], reference(), None)
    frame = sheets_frame(check, "zh")
    row = frame.iloc[0]
    assert (row["读取行数"], row["行数"], row["未计入（原因）"]) == (2, 1, "已取消/作废/拒收 1")
    assert (row["数量列"], row["未使用的列"]) == ("入库数量", "备注")
    assert sheets_frame(check, "en").iloc[0]["Left out (why)"] == "cancelled 1"


_STATUS = st.sampled_from(["已入库", "已取消", "退货", "待配送", "作废", "", None, "挂起", "已配送"])
_FLAG = st.sampled_from(["是", "否", "1", "0", "", None, "可能"])
_QTY = st.one_of(st.integers(-5, 50), st.none(), st.sampled_from(["abc", "3盒", "1,000"]))
_CODE = st.sampled_from(["P001", "P002", "X-1", "", None])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(_CODE, _QTY, _STATUS, _FLAG), min_size=1, max_size=8))
def test_every_row_read_is_imported_left_out_or_a_problem(lines):
    # Whatever the cells, nothing vanishes: rows = imported + left out + rows with problems, and
    # the summary is plain JSON.
    rows = [["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "订单状态", "是否集采"]]
    rows += [[f"D{i}", "2020-03-01", "H001", code, qty, status, flag]
             for i, (code, qty, status, flag) in enumerate(lines)]
    result = parse_files([("f.xlsx", xlsx({"S": rows}))], reference=reference())
    summary = result.sheets[0].to_json()
    json.dumps(summary, allow_nan=False)
    assert summary["rows_with_problems"] >= 0
    assert summary["rows"] == summary["imported"] + sum(summary["left_out"].values()) + summary["rows_with_problems"]
    assert (summary["rows_with_problems"] > 0) <= (not result.ok)


def test_a_report_workbook_is_refused_once_not_once_per_sheet():
    body = ["第一人民医院", "H001", "东区", "第五批", "2021-01-01", "2021-12-31", "50%", 10, 1, "10%", 2, "20%"]
    content = xlsx({"按医疗机构": [EXECUTION, body], "国采医疗机构带量执行报表": [EXECUTION, body]})
    result = parse_files([("report.xlsx", content)], reference=reference())
    assert [(p.sheet, p.row) for p in result.problems] == [("按医疗机构", 1)]
    assert all(s.note and "执行报表" in s.note for s in result.sheets)
