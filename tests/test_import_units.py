"""Units and prices through the whole import: read where the file says what they are, else refused.

Every expected figure is worked out by hand in the comment beside it, from the packaging text
(``20mg*7片/盒``: 盒 = 7 片) and the prices of the winners list below.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from import_fixtures import by_row, xlsx

from procurement.ingest.importer import parse_files
from procurement.model import Dataset

# A winners list as provincial platforms publish it: 中选价（元） per pack beside 中选单价（元） per tablet.
WINNERS = [
    ["产品编码", "集采批次", "通用名", "规格包装", "中选企业", "中选价（元）", "中选单价（元）", "集采前价格"],
    ["A", "第九批", "阿托伐他汀钙片", "20mg*7片/盒", "企业A", 3.50, 0.50, 3.2],  # 3.50 / 7 = 0.50
    ["B", "第九批", "头孢呋辛酯片", "0.25g×12片×2板/盒", "企业B", 7.20, 0.30, 2.0],  # 7.20 / 24 = 0.30
    ["C", "第九批", "左氧氟沙星注射液", "10ml:0.5g*5支/盒", "企业C", 15.00, None, 9.0],  # 15 / 5 = 3.00
    ["D", "第九批", "头孢曲松钠", "1.0g*10支", "企业D", 25.00, None, 8.0],  # 25 / 10 = 2.50
]
HOSPITALS = [["机构编码", "机构名称"], ["H1", "第一医院"]]


def _catalogue() -> Dataset:
    result = parse_files([("catalogue.xlsx", xlsx({"中选结果": WINNERS, "机构": HOSPITALS}))])
    assert result.ok, [str(p) for p in result.problems]
    return Dataset(hospitals=result.tables["hospitals"], products=result.tables["products"])


def test_pack_price_beside_unit_price_gives_prices_per_tablet():
    p = _catalogue().products.set_index("product_id")
    assert p["unit_price"].tolist() == pytest.approx([0.50, 0.30, 3.00, 2.50])
    assert p["pack_size"].tolist() == [7.0, 24.0, 5.0, 10.0]
    assert p["unit"].tolist() == ["片", "片", "支", "支"]
    assert p["pack_unit"].tolist()[:3] == ["盒", "盒", "盒"] and pd.isna(p["pack_unit"].iloc[3])
    # the sheet has a unit price column, so the baseline is per unit too
    assert p["baseline_price"].tolist() == pytest.approx([3.2, 2.0, 9.0, 8.0])


def test_pack_prices_only_and_the_baseline_on_their_basis():
    rows = [
        ["集采批次", "通用名", "规格包装", "中选企业", "中选价格", "集采前价格"],
        ["第一批", "阿托伐他汀钙片", "20mg*7片/盒", "企业A", 3.50, 22.40],  # 3.50/7 = 0.50; 22.40/7 = 3.20
        ["第一批", "氨氯地平片", "5mg", "企业C", 2.80, 14.0],  # no pack size anywhere: refused
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    problems = by_row(result.problems)
    assert sorted(problems) == [3]
    assert problems[3][0].column == "中选价格" and "包装转换比" in problems[3][0].message_zh
    p = result.tables["products"]
    assert p["unit_price"].tolist() == pytest.approx([0.50]) and p["baseline_price"].tolist() == pytest.approx([3.20])


def test_header_units_set_the_basis():
    rows = [
        ["集采批次", "通用名", "规格", "包装转换比", "最小单位", "中选企业", "中选价格(元/片)", "集采前价格(元/盒)"],
        ["第一批", "阿托伐他汀钙片", "20mg", 14, "片", "企业A", 0.5, 28.0],  # 28 / 14 = 2.0 per 片
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    assert result.ok, [str(p) for p in result.problems]
    p = result.tables["products"]
    assert p["unit_price"].tolist() == [0.5] and p["baseline_price"].tolist() == [2.0]


def test_unit_and_pack_prices_must_agree_within_half_a_percent():
    rows = [
        ["集采批次", "通用名", "规格包装", "中选企业", "中选单价", "中选价"],
        ["第一批", "甲片", "20mg*7片/盒", "企业A", 0.50, 3.517],  # 3.517/7 = 0.50243: 0.49% off, accepted
        ["第一批", "乙片", "20mg*7片/盒", "企业A", 0.50, 3.52],  # 3.52/7 = 0.50286: 0.57% off, refused
        ["第一批", "丙片", "20mg*7片/盒", "企业A", 0.50, 4.00],  # 4.00/7 = 0.571: refused
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    problems = by_row(result.problems)
    assert sorted(problems) == [3, 4]
    assert all(p.column == "中选价" for rows_ in problems.values() for p in rows_)
    assert result.tables["products"]["unit_price"].tolist() == [0.5]  # the unit price is what is stored


def test_a_catalogue_column_wins_over_the_packaging_text_with_a_warning():
    rows = [
        ["集采批次", "通用名", "规格包装", "包装转换比", "中选企业", "中选价"],
        ["第一批", "甲片", "20mg*7片/盒", 14, "企业A", 7.0],  # the column says 14: 7.0/14 = 0.5
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    assert result.ok
    assert result.tables["products"]["unit_price"].tolist() == [0.5]
    warnings = result.sheets[0].warnings
    assert len(warnings) == 1 and warnings[0].column == "规格包装"


def _purchases(rows, header=("订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位")):
    return parse_files([("buy.xlsx", xlsx({"采购": [list(header), *rows]}))], reference=_catalogue())


def test_quantities_in_every_unit_the_packaging_defines():
    result = _purchases([
        ["O1", "2026-03-01", "H1", "A", 2, "盒"],  # 2 x 7 = 14
        ["O2", "2026-03-01", "H1", "A", 10, "片"],  # 10
        ["O3", "2026-03-01", "H1", "B", 3, "板"],  # 板 = 12 片: 36
        ["O4", "2026-03-01", "H1", "B", 1, "盒"],  # 盒 = 2 板 = 24
        ["O5", "2026-03-01", "H1", "D", 5, "支"],  # 支 is the minimum unit: 5, not 50
        ["O6", "2026-03-01", "H1", "D", 2, "盒"],  # the unnamed pack of 10 支: 20
        ["O7", "2026-03-01", "H1", "C", 4, None],  # no unit: the minimum unit, 4 支
    ])
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [14, 10, 36, 24, 5, 20, 4]
    # amounts from the winning unit prices: 14x0.5, 10x0.5, 36x0.3, 24x0.3, 5x2.5, 20x2.5, 4x3
    assert result.tables["purchases"]["amount"].tolist() == pytest.approx([7, 5, 10.8, 7.2, 12.5, 50, 12])


def test_units_the_packaging_does_not_define_are_row_errors():
    result = _purchases([
        ["O1", "2026-03-01", "H1", "A", 1, "箱"],  # a case: how many 盒 is not said anywhere
        ["O2", "2026-03-01", "H1", "A", 1, "板"],  # 20mg*7片/盒 says nothing of 板
        ["O3", "2026-03-01", "H1", "B", 1, "件"],
        ["O4", "2026-03-01", "H1", "A", 1, "提"],
        ["O5", "2026-03-01", "H1", "A", 1, "粒"],  # another minimum unit
        ["O6", "2026-03-01", "H1", "A", 1, "盒"],  # fine: 7
    ])
    problems = by_row(result.problems)
    assert sorted(problems) == [2, 3, 4, 5, 6]
    assert all("无法换算的单位" in p[0].message_zh and p[0].column == "单位" for p in problems.values())
    assert "箱" in problems[2][0].message_zh and "盒=7片" in problems[2][0].message_zh


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("入库数量（最小制剂单位）", 2.0),  # 2 片
        ("采购数量(盒)", 14.0),  # 2 x 7
        ("入库数量（最小销售包装单位）", 14.0),  # packs: 2 x 7
        ("入库数量", 2.0),  # no unit anywhere: the minimum unit
    ],
)
def test_the_header_states_the_unit_where_the_row_does_not(header, expected):
    result = _purchases([["O1", "2026-03-01", "H1", "A", 2]], ("订单编号", "入库日期", "机构编码", "产品编码", header))
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [expected]


def test_the_row_unit_wins_over_the_header():
    result = _purchases([["O1", "2026-03-01", "H1", "B", 2, "板"]],
                        ("订单编号", "入库日期", "机构编码", "产品编码", "采购数量(盒)", "单位"))
    assert result.ok and result.tables["purchases"]["quantity"].tolist() == [24.0]  # 2 x 12, not 2 x 24


_AMOUNT_HEAD = ("订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位", "采购金额")


def test_amount_cross_check_catches_packs_read_as_tablets_and_the_reverse():
    result = _purchases([
        ["O1", "2026-03-01", "H1", "A", 2, "盒", 7.00],  # 14 x 0.50 = 7.00: as taken
        ["O2", "2026-03-01", "H1", "A", 10, None, 35.00],  # taken 10 片 (5.00); 10 盒 = 70 x 0.5 = 35: error
        ["O3", "2026-03-01", "H1", "A", 2, "盒", 1.00],  # taken 14 片 (7.00); 2 片 = 1.00: error
        ["O4", "2026-03-01", "H1", "B", 3, "板", 10.80],  # 36 x 0.30 = 10.80: as taken
    ], _AMOUNT_HEAD)
    problems = by_row(result.problems)
    assert sorted(problems) == [3, 4]
    assert problems[3][0].column == "采购数量" and "70" in problems[3][0].message_zh
    assert "2 读作 2 最小单位" in problems[4][0].message_zh
    assert not result.ok


def test_amount_matching_neither_reading_is_a_warning_and_the_row_counts():
    result = _purchases([
        ["O1", "2026-03-01", "H1", "A", 10, "片", 6.00],  # 5.00 as taken, 35.00 as packs: neither
        ["O2", "2026-03-01", "H1", "A", 10, "片", 5.05],  # within 1% of 5.00: fine
        ["O3", "2026-03-01", "H1", "A", 10, "片", 5.06],  # 1.2% off, and not 35: warning
        ["O4", "2026-03-01", "H1", "B", 1, "片", 0.31],  # 0.30: within 0.01 yuan
        ["O5", "2026-03-01", "H1", "B", 1, "片", 0.32],  # 0.02 yuan off (more than 1% too): warning
    ], _AMOUNT_HEAD)
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [10, 10, 10, 1, 1]
    assert result.tables["purchases"]["amount"].tolist() == pytest.approx([6.00, 5.05, 5.06, 0.31, 0.32])
    warned = sorted(w.row for w in result.sheets[0].warnings)
    assert warned == [2, 4, 6]
    assert all("differs from the winning price" in w.message_en for w in result.sheets[0].warnings)


def test_agreements_quantities_and_their_amount_check():
    rows = [
        ["机构编码", "产品编码", "约定采购量", "单位", "约定采购金额"],
        ["H1", "A", 100, "盒", 350.0],  # 700 片 x 0.5 = 350: as taken
        ["H1", "B", 50, "板", None],  # 600 片
        ["H1", "C", 30, None, 450.0],  # taken 30 支 = 90; 30 盒 = 150 支 x 3 = 450: error
    ]
    result = parse_files([("ag.xlsx", xlsx({"约定量": rows}))], reference=_catalogue())
    problems = by_row(result.problems)
    assert sorted(problems) == [4]
    ok = parse_files([("ag.xlsx", xlsx({"约定量": rows[:3]}))], reference=_catalogue())
    assert ok.ok and ok.tables["agreements"]["agreed_volume"].tolist() == [700.0, 600.0]


def test_demand_in_packs_uses_the_drug_packaging():
    rows = [
        ["机构编码", "通用名", "规格", "申报量", "单位"],
        ["H1", "头孢呋辛酯片", "0.25g×12片×2板/盒", 10, "盒"],  # the catalogue's drug: 10 x 24 = 240
        ["H1", "甲片", "5mg*28片/瓶", 3, "瓶"],  # not in the catalogue: the row's own text, 3 x 28 = 84
        ["H1", "乙片", "5mg", 3, "盒"],  # nothing says how many: refused
        ["H1", "丙片", "5mg", 300, None],  # minimum units
    ]
    result = parse_files([("d.xlsx", xlsx({"报量": rows}))], reference=_catalogue())
    problems = by_row(result.problems)
    assert sorted(problems) == [4]
    ok = parse_files([("d.xlsx", xlsx({"报量": [rows[0], rows[1], rows[2], rows[4]]}))], reference=_catalogue())
    assert ok.tables["demand"]["declared_volume"].tolist() == [240.0, 84.0, 300.0]


def test_offers_pack_prices_are_per_unit():
    rows = [
        ["通用名", "规格", "中选企业", "中选价格", "包装转换比"],
        ["阿托伐他汀钙片", "20mg*7片/盒", "企业A", 3.5, None],  # the text: 3.5 / 7 = 0.5
        ["氨氯地平片", "5mg", "企业C", 2.8, 28],  # the column: 2.8 / 28 = 0.1
        ["头孢曲松钠", "1.0g", "企业E", 25, None],  # nothing in the row: the catalogue's 10 支, 2.5
        ["格列美脲片", "2mg", "企业F", 3.0, None],  # nothing anywhere: refused
    ]
    # a catalogue whose pack size is in columns, not in its specification text
    products = [["集采批次", "通用名", "规格", "包装转换比", "最小单位", "中选企业", "中选单价"],
                ["第九批", "头孢曲松钠", "1.0g", 10, "支", "企业E", 2.5]]
    result = parse_files([("o.xlsx", xlsx({"产品": products, "中选企业": rows}))])
    problems = by_row(result.problems)
    assert sorted(problems) == [5]
    assert problems[5][0].column == "中选价格"
    ok = parse_files([("o.xlsx", xlsx({"产品": products, "中选企业": rows[:4]}))])
    assert ok.tables["offers"]["unit_price"].tolist() == pytest.approx([0.5, 0.1, 2.5])


def test_a_pack_unit_column_is_not_the_quantity_unit_and_is_pointed_out():
    result = _purchases([
        ["O1", "2026-03-01", "H1", "A", 3, "盒"],  # 3 片: read in minimum units, with one warning
        ["O2", "2026-03-01", "H1", "A", 4, "盒"],  # 4 片
    ], ("订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "包装单位"))
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [3.0, 4.0]
    warnings = result.sheets[0].warnings
    assert len(warnings) == 1 and warnings[0].row == 2 and "2 rows" in warnings[0].message_en
    stated = _purchases([["O1", "2026-03-01", "H1", "A", 3, "盒"]],
                        ("订单编号", "入库日期", "机构编码", "产品编码", "采购数量(盒)", "包装单位"))
    assert stated.tables["purchases"]["quantity"].tolist() == [21.0] and not stated.sheets[0].warnings


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 30), st.integers(1, 5), st.integers(0, 500), st.sampled_from(["片", "板", "盒", None]))
def test_boards_and_boxes_round_trip(per_board, boards, count, unit):
    # 规格包装 'n片×b板/盒': 板 = n 片, 盒 = n x b 片; the price per 盒 is n x b x 0.1.
    winners = [["集采批次", "通用名", "规格包装", "中选企业", "中选价"],
               ["第一批", "甲片", f"10mg×{per_board}片×{boards}板/盒", "企业A", round(per_board * boards * 0.1, 4)]]
    buy = [["入库日期", "机构编码", "通用名", "规格包装", "中选企业", "入库数量", "单位"],
           ["2026-03-01", "H1", "甲片", f"10mg×{per_board}片×{boards}板/盒", "企业A", count, unit]]
    result = parse_files([("all.xlsx", xlsx({"中选": winners, "机构": HOSPITALS, "采购": buy}))])
    assert result.ok, [str(p) for p in result.problems]
    factor = {"片": 1, None: 1, "板": per_board, "盒": per_board * boards}[unit]
    assert result.tables["products"]["unit_price"].tolist() == pytest.approx([0.1])
    assert result.tables["purchases"]["quantity"].tolist() == [count * factor]
    assert result.tables["purchases"]["amount"].tolist() == pytest.approx([count * factor * 0.1])


def test_a_rows_own_packaging_where_the_catalogue_says_nothing_or_the_maker_did_not_win():
    products = [["集采批次", "通用名", "规格", "中选企业", "中选单价"],
                ["第一批", "乙片", "5mg", "企业E", 0.2],  # no pack size anywhere in the catalogue
                ["第一批", "甲片", "20mg*7片/盒", "企业A", 0.5]]
    buy = [
        ["入库日期", "机构编码", "通用名", "规格", "中选企业", "采购数量", "单位", "转换系数"],
        ["2026-03-01", "H1", "乙片", "5mg", "企业E", 3, "盒", 10],  # the row says 10 per 盒: 30
        ["2026-03-01", "H1", "乙片", "5mg", "企业E", 3, "盒", None],  # nothing says: refused
        ["2026-03-01", "H1", "甲片", "20mg*7片/盒", "企业X", 2, "盒", 14],  # another maker's box of 14: 28
        ["2026-03-01", "H1", "甲片", "20mg*7片/盒", "企业Y", 2, "盒", None],  # its own text: 7 per 盒, 14
        ["2026-03-01", "H1", "甲片", "20mg*7片/盒", "企业A", 2, "盒", 14],  # a winner: the catalogue's 7, 14
    ]
    result = parse_files([("all.xlsx", xlsx({"产品": products, "机构": HOSPITALS, "采购": buy}))])
    problems = by_row(result.problems)
    assert sorted(problems) == [3] and "无法换算的单位" in problems[3][0].message_zh
    ok = parse_files([("all.xlsx", xlsx({"产品": products, "机构": HOSPITALS, "采购": [buy[0], buy[1], *buy[3:]]}))])
    assert ok.ok, [str(p) for p in ok.problems]
    assert ok.tables["purchases"]["quantity"].tolist() == [30.0, 28.0, 14.0, 14.0]
    assert ok.tables["purchases"]["winning"].tolist() == [True, False, False, True]
    # the non-winning row with a 转换系数 that contradicts its text is pointed out; none borrowed a pack
    sheet = next(s for s in ok.sheets if s.kind == "purchases")
    assert [(w.row, w.column) for w in sheet.warnings] == [(3, "规格")]


def test_a_separate_packaging_column_is_read_as_packaging_text():
    rows = [
        ["集采批次", "通用名", "规格", "包装", "中选企业", "中选价格"],
        ["第一批", "甲片", "0.25g", "12片×2板/盒", "企业A", 7.2],  # 7.2 / 24 = 0.3
        ["第一批", "乙片", "5mg", "铝塑板", "企业B", 2.8],  # a material: says nothing, so the pack price is refused
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    assert sorted(by_row(result.problems)) == [3]
    p = result.tables["products"]
    assert p["unit_price"].tolist() == pytest.approx([0.3])
    assert p[["pack_size", "unit", "pack_unit"]].values.tolist() == [[24.0, "片", "盒"]]


def test_a_winning_rows_own_text_defines_a_board_the_catalogue_does_not():
    # the catalogue's A is 20mg*7片/盒 (no 板); the export's own 规格包装 says 7片×2板/盒: 板 = 7
    result = _purchases([["O1", "2026-03-01", "H1", "A", 3, "板", "20mg×7片×2板/盒"],
                         ["O2", "2026-03-01", "H1", "A", 3, "板", "20mg"],  # says nothing of 板: refused
                         ["O3", "2026-03-01", "H1", "A", 3, "板", "20mg×7粒×2板/盒"]],  # 粒, not A's 片: refused
                        ("订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位", "规格包装"))
    assert sorted(by_row(result.problems)) == [3, 4]
    assert result.tables["purchases"]["quantity"].tolist() == [21.0]


def test_a_price_per_unit_the_packaging_does_not_define_is_refused_and_a_low_baseline_warned():
    rows = [
        ["集采批次", "通用名", "规格包装", "中选企业", "中选价格(元/箱)", "集采前价格(元/盒)"],
        ["第一批", "甲片", "20mg*7片/盒", "企业A", 350.0, None],  # how many 盒 to a 箱 is not said: refused
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    assert [(p.row, p.column) for p in result.problems] == [(2, "中选价格(元/箱)")]
    assert "计价单位无法换算" in result.problems[0].message_zh
    rows = [
        ["集采批次", "通用名", "规格包装", "中选企业", "中选单价", "集采前价格(元/盒)"],
        ["第一批", "甲片", "20mg*7片/盒", "企业A", 0.5, 2.8],  # 2.8 / 7 = 0.4 per 片, below 0.5: warned
    ]
    result = parse_files([("p.xlsx", xlsx({"产品": rows}))])
    assert result.ok and result.tables["products"]["baseline_price"].tolist() == pytest.approx([0.4])
    assert [w.column for w in result.sheets[0].warnings] == ["集采前价格(元/盒)"]
