"""parse_files on messy workbooks and CSVs built by hand, with answers worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from import_fixtures import by_row, reference, xlsx

from procurement.ingest.importer import parse_files

HEAD_TRAD = ["訂單編號", "入庫日期", "醫療機構名稱", "產品編碼", "採購數量", "單位", "採購金額"]


def messy_purchases() -> bytes:
    rows = [
        ["2020年采购入库明细"],
        [],
        HEAD_TRAD,
        ["D1", dt.datetime(2020, 3, 5), "第一人民医院", "P001", 10, "盒", None],  # 10 boxes of 14
        ["D2", "2020/3/6", "第二人民医院", "P002", "1,000", "片", "¥600.00"],
        [],
        ["D3", 43900, "第一人民医院", "P003", "１２", "盒", None],  # serial 43900 = 2020-03-10
        ["合计", None, None, None, 1022, None, None],
        ["注：数据来源于省平台"],
    ]
    return xlsx({"采购": rows}, merge={"采购": "A1:G1"})


def test_messy_purchases_import_cleanly():
    result = parse_files([("buy.xlsx", messy_purchases())], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    sheet = result.sheets[0]
    assert (sheet.kind, sheet.header_row) == ("purchases", 3)
    assert sheet.frame["_row"].tolist() == [4, 5, 7]
    t = result.tables["purchases"]
    assert t["order_id"].tolist() == ["D1", "D2", "D3"]
    assert t["hospital_id"].tolist() == ["H001", "H002", "H001"]
    assert t["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05", "2020-03-06", "2020-03-10"]
    assert t["quantity"].tolist() == [140.0, 1000.0, 336.0]
    # missing amounts are quantity (minimum units) x winning price; a given amount is kept
    assert t["amount"].tolist() == pytest.approx([70.0, 600.0, 33.6])
    assert t["winning"].tolist() == [True, True, True]
    assert t["generic_name"].tolist() == ["阿托伐他汀钙片", "阿托伐他汀钙片", "氨氯地平片"]
    assert "_row" not in t.columns


def test_every_bad_row_is_reported_with_its_cell():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位"],
        ["D1", "2020-02-30", "H001", "P001", 5, "盒"],  # impossible date
        ["D2", "2020-03-01", "H999", "P001", 5, "盒"],  # unknown hospital
        ["D3", "2020-03-01", "H001", "P999", 5, "盒"],  # outside the procurement: left out, no problem
        ["D4", "2020-03-01", "H001", "P001", -5, "片"],  # negative quantity: a return, no problem
        ["D5", "2020-03-01", "H001", "P001", "五", "片"],  # not a number
        ["D6", "2020-03-01", "H001", "P001", 5, "粒"],  # unit neither 片 nor a pack
        ["D7", "2020-03-01", "H001", "P001", 5, "盒"],  # fine
    ]
    result = parse_files([("bad.xlsx", xlsx({"Sheet1": rows}))], reference=reference())
    assert not result.ok
    rows_hit = by_row(result.problems)
    assert sorted(rows_hit) == [2, 3, 6, 7]
    assert all(len(v) == 1 for v in rows_hit.values())
    date_p = rows_hit[2][0]
    assert (date_p.file, date_p.sheet, date_p.column) == ("bad.xlsx", "Sheet1", "入库日期")
    assert "'2020-02-30' 不是有效日期" in date_p.message_zh and "2020-03-05" in date_p.message_en
    assert "H999" in rows_hit[3][0].message_zh and rows_hit[3][0].column == "机构编码"
    summary = result.sheets[0].to_json()
    assert summary["left_out"] == {"outside_procurement": 1}
    assert summary["outside_procurement_top"][0]["code"] == "P999"
    assert "不是有效数字" in rows_hit[6][0].message_zh
    assert "无法换算的单位" in rows_hit[7][0].message_zh and rows_hit[7][0].column == "单位"
    assert result.tables["purchases"]["order_id"].tolist() == ["D4", "D7"]
    assert result.tables["purchases"]["quantity"].tolist() == [-5.0, 70.0]  # 5 片 returned; 5 盒 x 14


def test_missing_required_column_is_one_sheet_problem():
    rows = [["订单编号", "机构编码", "产品编码", "采购数量"], ["D1", "H001", "P001", 3]]
    result = parse_files([("nodate.xlsx", xlsx({"采购": rows}))], reference=reference())
    assert not result.ok
    assert len(result.problems) == 1
    p = result.problems[0]
    assert p.sheet == "采购" and "入库日期" in p.message_zh and "采购日期" in p.message_zh
    assert "date" in p.message_en


def test_instruction_sheet_is_skipped_with_a_note():
    content = xlsx({
        "填表说明": [["请按模板填写"], ["日期格式 2020-03-05"]],
        "采购": [["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"], ["D1", "2020-03-01", "H001", "P001", 3]],
    })
    result = parse_files([("x.xlsx", content)], reference=reference())
    assert result.ok
    notes = {s.sheet: s.note for s in result.sheets}
    assert notes["填表说明"] and notes["采购"] is None
    assert result.tables["purchases"]["quantity"].tolist() == [3.0]


def test_file_with_no_table_is_a_problem():
    result = parse_files([("x.xlsx", xlsx({"说明": [["hello"]]}))], reference=reference())
    assert not result.ok and result.problems[0].file == "x.xlsx"


def test_unreadable_file_is_a_problem_not_a_crash():
    result = parse_files([("x.xlsx", b"not a zip at all")], reference=reference())
    assert not result.ok and result.problems[0].file == "x.xlsx"


def test_gbk_csv_with_names_and_packs():
    text = (
        "入库日期,医院名称,通用名,规格,生产企业,数量(盒)\n"
        "2020年3月5日,第二人民医院,氨氯地平片,5mg,企业C,2\n"
        "20200306,第二人民医院,阿托伐他汀钙片,10mg,企业B,3\n"
        "合计,,,,,5\n"
    )
    result = parse_files([("buy.csv", text.encode("gbk"))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["product_id"].tolist() == ["P003", "P002"]
    assert t["quantity"].tolist() == [56.0, 21.0]  # 2 x 28 and 3 x 7
    assert t["date"].dt.day.tolist() == [5, 6]
    assert t["order_id"].str.startswith("h:").all() and t["order_id"].nunique() == 2
    assert result.sheets[0].frame["_row"].tolist() == [2, 3]


def test_utf8_bom_csv():
    text = "\ufeff机构编码,机构名称,所属地区\nH001,第一人民医院,东区\n"
    result = parse_files([("h.csv", text.encode("utf-8"))])
    assert result.ok
    assert result.tables["hospitals"]["region"].tolist() == ["东区"]


def test_non_winning_purchase_kept_with_pack_of_the_drug():
    rows = [
        ["入库日期", "机构编码", "通用名", "规格", "生产企业", "采购数量", "单位"],
        ["2020-03-01", "H001", "氨氯地平片", "5mg", "企业X", 2, "盒"],  # not a winner: 2 x 28
        ["2020-03-01", "H001", "阿托伐他汀钙片", "10MG", "企业A", 1, "盒"],  # a winner, spelt loosely
        ["2020-03-01", "H001", "阿托伐他汀钙片", "10mg", "企业X", 1, "盒"],  # winners' packs differ
        ["2020-03-01", "H001", "布洛芬片", "0.2g", "企业Y", 1, "片"],  # not a tendered drug
    ]
    result = parse_files([("nw.xlsx", xlsx({"采购": rows}))], reference=reference())
    problems = by_row(result.problems)
    assert sorted(problems) == [4]
    assert "无法换算的单位" in problems[4][0].message_zh
    summary = result.sheets[0].to_json()  # 布洛芬片 was never tendered: left out, named in the summary
    assert summary["left_out"] == {"outside_procurement": 1}
    assert summary["outside_procurement_top"] == [{"code": None, "name": "布洛芬片 0.2g 企业Y", "rows": 1}]
    t = result.tables["purchases"]
    assert t["winning"].tolist() == [False, True]
    assert pd.isna(t["product_id"].iloc[0]) and t["product_id"].iloc[1] == "P001"
    assert t["quantity"].tolist() == [56.0, 14.0]
    assert t["supplier"].tolist() == ["企业X", "企业A"]
    assert pd.isna(t["amount"].iloc[0]) and t["amount"].iloc[1] == pytest.approx(7.0)


def test_one_workbook_with_catalogues_and_activity():
    content = xlsx({
        "医疗机构": [["机构编码", "机构名称", "地区", "等级"], ["H1", "县医院", "甲县", "二级"], ["H2", "乡卫生院", "甲县", "一级"]],
        "中选产品": [
            ["集采批次", "通用名", "规格", "包装数量", "最小单位", "中选企业", "中选单价(元/片)", "集采前价格", "协议期起"],
            ["第一批", "恩替卡韦片", "0.5mg", 28, "片", "企业甲", "0.2", "1.5", "2020/1/1"],
        ],
        "约定量": [["医院名称", "通用名", "规格", "中选企业", "约定采购量", "单位"], ["县医院", "恩替卡韦片", "0.5mg", "企业甲", 10, "盒"]],
        "采购": [
            ["订单号", "采购日期", "机构编码", "通用名", "规格", "企业名称", "采购数量"],
            ["O1", "2020-02-01", "H1", "恩替卡韦片", "0.5mg", "企业甲", 100],
        ],
        "回款": [["回款单号", "订单编号", "机构编码", "中选企业", "回款金额", "回款日期"], ["R1", "O1", "H1", "企业甲", "20", "2020-02-20"]],
    })
    result = parse_files([("all.xlsx", content)])
    assert result.ok, [str(p) for p in result.problems]
    pid = "第一批|恩替卡韦片|0.5mg|企业甲"
    assert result.tables["products"]["product_id"].tolist() == [pid]
    assert result.tables["products"]["pack_size"].tolist() == [28.0]
    assert result.tables["products"]["agreement_start"].iloc[0] == pd.Timestamp("2020-01-01")
    ag = result.tables["agreements"]
    assert ag[["hospital_id", "product_id"]].values.tolist() == [["H1", pid]]
    assert ag["agreed_volume"].tolist() == [280.0]
    pur = result.tables["purchases"]
    assert pur["amount"].tolist() == pytest.approx([20.0])
    pay = result.tables["payments"]
    assert pay["order_date"].iloc[0] == pd.Timestamp("2020-02-01")
    assert pay["amount"].tolist() == [20.0]
    assert {s.sheet: s.kind for s in result.sheets} == {
        "医疗机构": "hospitals", "中选产品": "products", "约定量": "agreements", "采购": "purchases", "回款": "payments"
    }


def test_an_order_id_repeated_in_one_file_is_numbered_and_conflicts_only_across_files():
    # A repeated id within one file and hospital is a multi-line order (model.py, order_id):
    # D1, D1#2 are two purchases (5 + 5 = 10), D2, D2#2 too (5 + 6 = 11).
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"],
        ["D1", "2020-03-01", "H001", "P001", 5],
        ["D1", "2020-03-01", "H001", "P001", 5],
        ["D2", "2020-03-01", "H001", "P001", 5],
        ["D2", "2020-03-01", "H001", "P001", 6],
    ]
    result = parse_files([("d.xlsx", xlsx({"采购": rows}))], reference=reference())
    assert result.ok
    t = result.tables["purchases"]
    assert t["order_id"].tolist() == ["D1", "D1#2", "D2", "D2#2"]
    assert t["quantity"].sum() == 21.0
    # the same file twice: identical keys and rows, counted once; another file's D2#2 of 7 conflicts
    other = [rows[0], rows[3], ["D2", "2020-03-01", "H001", "P001", 7]]
    result = parse_files([("d.xlsx", xlsx({"采购": rows})), ("d.xlsx", xlsx({"采购": rows})),
                          ("e.xlsx", xlsx({"采购": other}))], reference=reference())
    assert sorted((p.file, p.row) for p in result.problems) == [("d.xlsx", 5), ("e.xlsx", 3)]
    assert all("D2#2" in p.message_zh for p in result.problems)


def test_duplicates_across_two_files_are_found():
    a = xlsx({"采购": [["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"], ["D1", "2020-03-01", "H001", "P001", 5]]})
    b = xlsx({"采购": [["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"], ["D1", "2020-03-02", "H001", "P001", 5]]})
    result = parse_files([("a.xlsx", a), ("b.xlsx", b)], reference=reference())
    assert sorted(p.file for p in result.problems) == ["a.xlsx", "b.xlsx"]


def test_hospital_scope_rejects_other_hospitals_rows():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"],
        ["D1", "2020-03-01", "H001", "P001", 5],
        ["D2", "2020-03-01", "H002", "P001", 5],
    ]
    result = parse_files([("s.xlsx", xlsx({"采购": rows}))], reference=reference(), hospital_scope="H001")
    assert [p.row for p in result.problems] == [3]
    assert "H002" in result.problems[0].message_zh
    assert parse_files([("s.xlsx", xlsx({"采购": rows[:2]}))], reference=reference(), hospital_scope="H001").ok


def test_forced_kind_and_leading_blank_columns(tmp_path):
    rows = [[None, None], [None, "机构编码", "机构名称"], [None, "H9", "新医院"]]
    path = tmp_path / "h.xlsx"
    path.write_bytes(xlsx({"S": rows}))
    result = parse_files([path], kind="hospitals")
    assert result.ok and result.sheets[0].header_row == 2
    assert result.sheets[0].frame["_row"].tolist() == [3]
    assert result.tables["hospitals"]["hospital_name"].tolist() == ["新医院"]


def test_demand_and_offers_for_planning():
    content = xlsx({
        "报量": [["医疗机构编码", "通用名", "规格", "上年度用量", "在用厂家"], ["H001", "氨氯地平片", "5mg", "1,200", "企业C"]],
        "供应": [["通用名", "规格", "中选企业", "中选价", "产能", "供应地区", "约定比例"], ["氨氯地平片", "5mg", "企业C", 0.1, None, "东区,西区", "60%"]],
    })
    result = parse_files([("plan.xlsx", content)], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["demand"]["declared_volume"].tolist() == [1200.0]
    offers = result.tables["offers"]
    assert offers["agreed_ratio"].tolist() == [0.6] and offers["min_share"].tolist() == [0.0]
    assert pd.isna(offers["capacity"].iloc[0])
