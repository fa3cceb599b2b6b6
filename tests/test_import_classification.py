"""Classification instead of refusal: a product by any of its codes, by name + specification + maker
(with a warning), non-winning (kept), outside the procurement (left out, counted, named); hospitals by
any of their codes; a file without a hospital column takes the supplied hospital.

Reference catalogue (import_fixtures.reference): P001 阿托伐他汀钙片 10mg 企业A (14 片/盒, 0.5 yuan/片),
P002 the same drug by 企业B (7 片/盒), P003 氨氯地平片 5mg 企业C (28 片/盒); hospitals H001, H002.
"""

from __future__ import annotations

import pandas as pd
from import_fixtures import reference, xlsx

from procurement.ingest.importer import parse_files
from procurement.model import conform
from procurement.workflow import check as check_uploads

BUY = ["订单编号", "入库日期", "机构编码", "产品编码", "入库数量"]


def _with_other_codes():
    ref = reference()
    products = ref.products.copy()
    products["other_codes"] = pd.array(["YP001，33010001", None, "YP003"], dtype="string")
    hospitals = ref.hospitals.copy()
    hospitals["other_ids"] = pd.array(["12330000ABCDEFGH,H-ins-1", None], dtype="string")
    return ref.with_table("products", conform("products", products)).with_table(
        "hospitals", conform("hospitals", hospitals))


def test_any_code_of_a_product_and_of_a_hospital_resolves():
    rows = [
        BUY,
        ["D1", "2020-03-01", "H001", "P001", 1],
        ["D2", "2020-03-01", "12330000ABCDEFGH", "YP001", 2],  # credit code; first other code
        ["D3", "2020-03-01", "H-ins-1", "33010001", 4],        # insurance code; second other code
        ["D4", "2020-03-01", "H002", "YP003", 8],
    ]
    result = parse_files([("c.xlsx", xlsx({"S": rows}))], reference=_with_other_codes())
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["product_id"].tolist() == ["P001", "P001", "P001", "P003"]
    assert t["hospital_id"].tolist() == ["H001", "H001", "H001", "H002"]
    assert not result.sheets[0].warnings


def test_other_codes_read_from_catalogue_sheets_in_the_same_call():
    content = xlsx({
        "产品": [["产品编码", "省级药品集中采购平台药品编码", "集采批次", "通用名", "规格", "中选企业", "中选单价"],
                 ["X1", "ZJ-1; ZJ-2", "第五批", "二甲双胍片", "0.5g", "企业M", 0.1]],
        "机构": [["机构编码", "机构名称", "统一社会信用代码"], ["H9", "新医院", "91330000XYZ"]],
        "采购": [BUY, ["D1", "2020-03-01", "91330000XYZ", "ZJ-2", 30]],
    })
    result = parse_files([("all.xlsx", content)])
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["products"]["other_codes"].tolist() == ["ZJ-1,ZJ-2"]
    assert result.tables["hospitals"]["other_ids"].tolist() == ["91330000XYZ"]
    t = result.tables["purchases"]
    assert (t["product_id"].tolist(), t["hospital_id"].tolist()) == (["X1"], ["H9"])


def test_an_unknown_code_with_a_winner_s_names_resolves_with_a_warning():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "通用名", "规格", "生产企业", "入库数量"],
        ["D1", "2020-03-01", "H001", "NEW-77", "阿托伐他汀钙片", "10mg", "企业B", 7],
    ]
    result = parse_files([("w.xlsx", xlsx({"S": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["product_id"].tolist() == ["P002"]
    warnings = result.sheets[0].warnings
    assert len(warnings) == 1 and warnings[0].row == 2 and "NEW-77" in warnings[0].message_zh
    assert "P002" in result.sheets[0].to_json()["warnings"][0]


def test_monthly_export_keeps_winning_and_non_winning_and_leaves_out_other_drugs():
    rows = [
        ["入库日期", "机构编码", "药品编码", "通用名", "规格", "生产企业", "入库数量"],
        ["2020-03-01", "H001", "P001", "阿托伐他汀钙片", "10mg", "企业A", 14],  # winning
        ["2020-03-01", "H001", None, "氨氯地平片", "5mg", "企业X", 28],         # non-winning: kept
        ["2020-03-01", "H001", "Y-IBU", "布洛芬片", "0.2g", "企业Y", 10],       # outside
        ["2020-03-02", "H001", "Y-IBU", "布洛芬片", "0.2g", "企业Y", 10],       # outside
        ["2020-03-03", "H001", "Y-IBU", "布洛芬片", "0.2g", "企业Y", 10],       # outside
        ["2020-03-03", "H001", None, "头孢克肟胶囊", "0.1g", "企业Z", 6],       # outside
    ]
    result = parse_files([("month.xlsx", xlsx({"入库明细": rows}))], reference=reference())
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["winning"].tolist() == [True, False]
    assert t["quantity"].tolist() == [14.0, 28.0]
    summary = result.sheets[0].to_json()
    assert summary["rows"] == 6 and summary["imported"] == 2
    assert summary["left_out"] == {"outside_procurement": 4}
    assert summary["outside_procurement_top"] == [
        {"code": "Y-IBU", "name": "布洛芬片 0.2g 企业Y", "rows": 3},
        {"code": None, "name": "头孢克肟胶囊 0.1g 企业Z", "rows": 1},
    ]


def test_an_agreement_outside_the_catalogue_is_still_an_error():
    # agreements are signed on winning products only: an unknown code there is a mistake, not noise
    rows = [["机构编码", "产品编码", "约定采购量"], ["H001", "P404", 100]]
    result = parse_files([("a.xlsx", xlsx({"约定": rows}))], reference=reference())
    assert [p.column for p in result.problems] == ["产品编码"]


NO_HOSPITAL = [["订单编号", "入库日期", "产品编码", "入库数量"], ["D1", "2020-03-01", "P001", 5]]


def test_a_file_without_hospital_takes_the_supplied_hospital():
    result = parse_files([("own.xlsx", xlsx({"S": NO_HOSPITAL}))], reference=reference(), hospital="H002")
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["hospital_id"].tolist() == ["H002"]
    assert result.sheets[0].to_json()["hospital_supplied"] == "H002"
    by_name = parse_files([("own.xlsx", xlsx({"S": NO_HOSPITAL}))], reference=reference(), hospital="第一人民医院")
    assert by_name.tables["purchases"]["hospital_id"].tolist() == ["H001"]


def test_a_file_without_hospital_and_none_supplied_is_refused_naming_the_column():
    result = parse_files([("own.xlsx", xlsx({"S": NO_HOSPITAL}))], reference=reference())
    assert len(result.problems) == 1
    p = result.problems[0]
    assert "机构编码" in p.message_zh and "--hospital" in p.message_zh and "hospital_id" in p.message_en


def test_an_unknown_supplied_hospital_is_one_problem():
    result = parse_files([("own.xlsx", xlsx({"S": NO_HOSPITAL}))], reference=reference(), hospital="H404")
    assert len(result.problems) == 1 and "H404" in result.problems[0].message_zh
    assert "purchases" not in result.tables or result.tables["purchases"].empty


def test_the_hospital_account_supplies_its_hospital_in_the_app():
    check = check_uploads([("own.xlsx", xlsx({"S": NO_HOSPITAL}))], reference(), hospital_scope="H001")
    assert check.ok
    assert check.result.tables["purchases"]["hospital_id"].tolist() == ["H001"]


def test_a_file_with_a_hospital_column_ignores_the_supplied_hospital():
    rows = [BUY, ["D1", "2020-03-01", "H001", "P001", 1]]
    result = parse_files([("x.xlsx", xlsx({"S": rows}))], reference=reference(), hospital="H002")
    assert result.tables["purchases"]["hospital_id"].tolist() == ["H001"]


def test_a_stock_in_report_with_two_code_columns_resolves_by_either():
    # Layout of the national drug-use monitoring stock-in report (药品入库情况: 医疗机构代码,
    # 组织机构名称, 国家药管平台药品编码(YPID), 院内药品唯一码, 省级药品集中采购平台药品编码, 产品名称,
    # 入库日期, 入库数量（最小制剂单位）, 入库总金额（元）), as listed by public monitoring-system code.
    ref = _with_other_codes()  # P001 has YP001 and 33010001, P003 has YP003
    rows = [
        ["医疗机构代码", "组织机构名称", "国家药管平台药品编码(YPID)", "院内药品唯一码", "省级药品集中采购平台药品编码",
         "产品名称", "入库日期", "入库数量（最小制剂单位）", "入库总金额（元）"],
        ["H001", "第一人民医院", "YP999", "HIS-1", "33010001", "阿托伐他汀钙片", "2020-03-01", 28, 14],  # by 2nd code
        ["H001", "第一人民医院", "YP003", "HIS-2", None, "氨氯地平片", "2020-03-01", 56, 5.6],          # by YPID
        ["H001", "第一人民医院", "YP404", "HIS-3", "ZJ404", "布洛芬片", "2020-03-01", 10, 2],           # outside
    ]
    result = parse_files([("monitor.xlsx", xlsx({"入库": rows}))], reference=ref)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["product_id"].tolist() == ["P001", "P003"] and t["quantity"].tolist() == [28.0, 56.0]
    summary = result.sheets[0].to_json()
    assert summary["left_out"] == {"outside_procurement": 1}
    assert summary["outside_procurement_top"][0]["code"] == "YP404"
    assert summary["columns_not_used"] == ["院内药品唯一码"]
