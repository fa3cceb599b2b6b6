"""Smaller rules of the import: totals, caps, names for codes, payments, products, hashing."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
from import_fixtures import by_row, reference, xlsx
from openpyxl import load_workbook

from procurement.ingest.importer import file_sha256, parse_files
from procurement.ingest.sheets import MAX_PROBLEMS_PER_CHECK

HEAD = ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"]


def test_traditional_and_english_totals_anywhere_in_the_row_are_left_out():
    rows = [
        HEAD,
        ["D1", "2020-03-01", "H001", "P001", 1],
        [None, "小計", None, None, 1],
        ["D2", "2020-03-02", "H001", "P001", 2],
        ["Total", None, None, None, 3],
        [None, None, "總計", None, 3],
    ]
    result = parse_files([("t.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].sum() == 3.0


def test_a_name_in_the_code_column_still_resolves_and_blank_code_uses_the_name():
    rows = [
        ["入库日期", "机构编码", "机构名称", "产品编码", "采购数量"],
        ["2020-03-01", "第二人民医院", None, "P001", 1],
        ["2020-03-01", None, "第一人民医院", "P001", 1],
        ["2020-03-01", None, None, "P001", 1],
    ]
    result = parse_files([("n.xlsx", xlsx({"S": rows}))], reference=reference())
    assert [p.row for p in result.problems] == [4]
    assert "缺少机构编码或机构名称" in result.problems[0].message_zh
    assert result.tables["purchases"]["hospital_id"].tolist() == ["H002", "H001"]


def test_many_bad_rows_are_capped_with_a_summary():
    n = MAX_PROBLEMS_PER_CHECK + 30
    rows = [HEAD] + [[f"D{i}", "2020-13-01", "H001", "P001", 1] for i in range(n)]
    result = parse_files([("many.xlsx", xlsx({"S": rows}))], reference=reference())
    assert len(result.problems) == MAX_PROBLEMS_PER_CHECK + 1
    summary = [p for p in result.problems if p.row is None]
    assert len(summary) == 1 and "另有 30 行" in summary[0].message_zh


def test_payments_resolve_products_and_need_amount_and_date():
    rows = [
        ["回款单号", "订单编号", "机构编码", "产品编码", "回款金额", "回款日期"],
        ["R1", "O9", "H001", "P002", "1,000.50", "2020/4/1"],
        ["R2", None, "H001", "P404", 5, "2020/4/1"],
        ["R3", None, "H001", "P001", None, "2020/4/1"],
        [None, None, "H002", "P001", 7, "2020/4/2"],
    ]
    result = parse_files([("pay.xlsx", xlsx({"回款": rows}))], reference=reference())
    problems = by_row(result.problems)
    # P404 is a drug outside the procurement: left out and counted (data-templates.md), not an error
    assert sorted(problems) == [4]
    assert "回款金额" in problems[4][0].message_zh
    sheet = result.sheets[0].to_json()
    assert sheet["left_out"] == {"outside_procurement": 1}
    assert sheet["outside_procurement_top"] == [{"code": "P404", "name": None, "rows": 1}]
    pay = result.tables["payments"]
    assert pay["payment_id"].iloc[0] == "R1" and pay["payment_id"].iloc[1].startswith("h:")
    assert pay["supplier"].tolist() == ["企业B", "企业A"]
    assert pay["amount"].tolist() == [1000.5, 7.0]
    assert pay["order_date"].isna().all()  # O9 is not in this call: the store resolves it


def test_products_sheet_defaults_and_errors():
    rows = [
        ["产品编码", "集采批次", "药品通用名", "规格型号", "包装转换比", "生产企业", "中选单价(元)"],
        ["X1", "第三批", "二甲双胍片", "0.5g", None, "企业M", "0.08"],
        ["X2", "第三批", "二甲双胍片", "0.5g", 0, "企业N", "0.09"],
        ["X3", "第三批", "二甲双胍片", "0.5g", 30, "企业O", None],
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    problems = by_row(result.problems)
    assert sorted(problems) == [3, 4]
    assert "包装转换比" in problems[3][0].message_zh and problems[4][0].column == "中选单价(元)"
    products = result.tables["products"]
    assert products["product_id"].tolist() == ["X1"] and products["pack_size"].tolist() == [1.0]


def test_row_hash_key_is_stable_and_identical_rows_without_an_id_are_two_purchases():
    rows = [["入库日期", "机构编码", "产品编码", "采购数量"], ["2020-03-01", "H001", "P001", 1], ["2020-03-01", "H001", "P001", 1]]
    a = parse_files([("a.xlsx", xlsx({"S": rows}))], reference=reference())
    b = parse_files([("b.xlsx", xlsx({"S": rows[:2]}))], reference=reference())
    assert a.ok and len(a.tables["purchases"]) == 2 and a.tables["purchases"]["quantity"].sum() == 2.0
    first, second = a.tables["purchases"]["order_id"].tolist()
    assert first.startswith("h:") and second == first + "#2"  # the occurrence is part of the key
    assert b.tables["purchases"]["order_id"].tolist() == [first]


def test_file_sha256(tmp_path):
    content = b"abc"
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    expected = hashlib.sha256(content).hexdigest()
    assert file_sha256(path) == file_sha256(("x.csv", content)) == expected


def test_hospitals_from_the_same_call_resolve_purchases_without_reference():
    content = xlsx({
        "采购": [HEAD, ["D1", "2020-03-01", "新医院", "P001", 1]],
        "机构": [["机构编码", "机构名称"], ["H777", "新医院"]],
    })
    ref = reference()
    result = parse_files([("x.xlsx", content)], reference=ref.with_table("hospitals", ref.hospitals.iloc[:0]))
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["hospital_id"].tolist() == ["H777"]
    assert isinstance(result.tables["hospitals"], pd.DataFrame)


def test_agreement_with_a_losing_maker_is_an_error_naming_it():
    rows = [["机构编码", "通用名", "规格", "中选企业", "约定采购量"], ["H001", "氨氯地平片", "5mg", "企业Z", 100]]
    result = parse_files([("a.xlsx", xlsx({"约定": rows}))], reference=reference())
    assert len(result.problems) == 1
    p = result.problems[0]
    assert p.row == 2 and p.column == "中选企业" and "企业Z 不是 氨氯地平片 5mg 的中选企业" in p.message_zh


def test_payment_with_blank_product_code_but_a_supplier_is_fine():
    rows = [
        ["回款单号", "机构编码", "产品编码", "中选企业", "回款金额", "回款日期"],
        ["R1", "H001", None, "企业C", 10, "2020-04-01"],
        ["R2", "H001", None, None, 10, "2020-04-01"],
    ]
    result = parse_files([("pay.xlsx", xlsx({"回款": rows}))], reference=reference())
    # a payment may name no product, supplier or distributor: matched to the hospital's oldest deliveries
    assert result.ok
    pay = result.tables["payments"]
    assert pay["supplier"].iloc[0] == "企业C" and pay["supplier"].isna().iloc[1] and pay["product_id"].isna().all()


def test_amount_in_ten_thousands_of_yuan():
    rows = [["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "采购金额(万元)"], ["D1", "2020-03-01", "H001", "P001", 1, "1.5"]]
    result = parse_files([("w.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.tables["purchases"]["amount"].tolist() == [15000.0]


def test_quantity_in_ten_thousands_of_tablets():
    rows = [["订单编号", "入库日期", "机构编码", "产品编码", "采购数量(万片)"], ["D1", "2020-03-01", "H001", "P001", "0.5"]]
    result = parse_files([("w.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok and result.tables["purchases"]["quantity"].tolist() == [5000.0]


def test_a_row_with_two_bad_cells_gets_two_problems():
    rows = [HEAD, ["D1", "2020-02-30", "H999", "P001", -1], ["D2", "2020-02-30", "H001", "P001", "x"]]
    result = parse_files([("two.xlsx", xlsx({"S": rows}))], reference=reference())
    # -1 is a return, not a problem; a bad date keeps the row a problem whatever else it says
    assert sorted((p.row, p.column) for p in result.problems) == [
        (2, "入库日期"), (2, "机构编码"), (3, "入库日期"), (3, "采购数量")]


def test_tab_separated_text_with_unit_after_a_slash():
    text = "入库日期\t机构编码\t产品编码\t数量/盒\n2020-03-01\tH001\tP003\t2\n"
    result = parse_files([("t.csv", text.encode("utf-8"))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [56.0]


def test_demand_without_any_catalogue_keeps_codes_as_written():
    rows = [["机构编码", "通用名", "规格", "报量"], ["H100", "氨氯地平片", "5mg", 300], ["H101", "氨氯地平片", "5mg", "1,000"]]
    result = parse_files([("d.csv", "\n".join(",".join(f'"{c}"' for c in map(str, r)) for r in rows).encode())])
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["demand"]["hospital_id"].tolist() == ["H100", "H101"]
    assert result.tables["demand"]["declared_volume"].tolist() == [300.0, 1000.0]


def test_pack_with_its_content_in_brackets():
    rows = [HEAD + ["单位"], ["D1", "2020-03-01", "H001", "P001", 2, "盒(14片)"]]
    result = parse_files([("b.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok and result.tables["purchases"]["quantity"].tolist() == [28.0]


def test_hidden_sheets_are_skipped_with_a_note():
    content = xlsx({"采购": [HEAD, ["D1", "2020-03-01", "H001", "P001", 1]],
                    "旧数据": [HEAD, ["D1", "2019-03-01", "H404", "P001", 1]]})
    wb = load_workbook(io.BytesIO(content))
    wb["旧数据"].sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    result = parse_files([("h.xlsx", buf.getvalue())], reference=reference())
    assert result.ok and len(result.tables["purchases"]) == 1
    assert "hidden" in next(s.note for s in result.sheets if s.sheet == "旧数据")


def test_a_winner_written_with_its_legal_form_is_still_the_winner():
    rows = [
        ["入库日期", "机构编码", "通用名", "规格", "生产企业", "采购数量"],
        ["2020-03-01", "H001", "氨氯地平片", "5mg", "企业C有限公司", 5],  # the winner 企业C
        ["2020-03-01", "H001", "阿托伐他汀钙片", "10mg", "企业有限公司", 5],  # matches neither A nor B alone
    ]
    result = parse_files([("c.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["product_id"].iloc[0] == "P003" and t["winning"].tolist() == [True, False]
