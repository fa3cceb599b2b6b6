"""Cell values and headers: hand cases and properties (every written form reads back the same)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from import_fixtures import reference

from procurement.ingest import values as V
from procurement.ingest.headers import FIELDS, detect_kind, match_headers, promoted, split_header
from procurement.ingest.importer import parse_files
from procurement.ingest.packaging import Packaging

FULL = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234.50", 1234.5), ("¥1,234.50", 1234.5), ("￥ 88", 88.0), ("１２３", 123.0), ("12盒", 12.0),
     ("60%", 0.6), ("  7 ", 7.0), (3, 3.0), (2.5, 2.5), ("(5)", -5.0), ("1.2e3", 1200.0), ("100元", 100.0)],
)
def test_numbers_as_typed(text, expected):
    assert V.parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["abc", "1.2.3", "五", "12-3", True])
def test_not_numbers(text):
    assert V.parse_number(text) is V.BAD


def test_number_keeps_the_unit_written_after_it():
    assert V.parse_number_unit("12 盒") == (12.0, "盒")
    assert V.parse_number_unit("¥12.5") == (12.5, None)


@pytest.mark.parametrize(("text", "expected"), [("60%", 0.6), (0.6, 0.6), (60, 0.6), ("0.7", 0.7), (1, 1.0)])
def test_ratios(text, expected):
    assert V.parse_ratio(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["2020-02-30", "2021/2/29", "2020年13月1日", "20201332", "soon", -3])
def test_impossible_dates_are_bad(text):
    assert V.parse_date(text) is V.BAD


def test_date_forms_by_hand():
    day = dt.date(2020, 3, 5)
    for form in ["2020-03-05", "2020/3/5", "2020.3.5", "20200305", 20200305, "2020年3月5日", 43895, 43895.75,
                 "2020-03-05 14:30:00", dt.datetime(2020, 3, 5, 9), "２０２０－０３－０５"]:
        assert V.parse_date(form) == day, form
    assert V.parse_date("") is None and V.parse_date(None) is None


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_separators_full_width_and_currency_read_back(value):
    x = float(value)
    written = f"{x:,.2f}"
    for form in (written, written.translate(FULL), "¥" + written, written + "元", f"{x:.2f}", written + " 盒"):
        assert V.parse_number(form) == pytest.approx(x, rel=1e-12, abs=1e-9), form


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_date_form_is_the_same_day(day):
    serial = (day - dt.date(1899, 12, 30)).days
    forms = [
        day, dt.datetime(day.year, day.month, day.day, 13, 5), serial, float(serial) + 0.5,
        day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}.{day.month}.{day.day}",
        day.strftime("%Y%m%d"), int(day.strftime("%Y%m%d")), f"{day.year}年{day.month}月{day.day}日",
        str(serial),
    ]
    for form in forms:
        assert V.parse_date(form) == day, form


def test_date_column_maps_unique_values():
    cells = np.array(["2020-03-05", 43895, "", "bad", dt.date(2020, 3, 5)], dtype=object)
    days, blank, bad = V.date_column(cells)
    assert blank.tolist() == [False, False, True, False, False]
    assert bad.tolist() == [False, False, False, True, False]
    assert str(days[0])[:10] == str(days[1])[:10] == str(days[4])[:10] == "2020-03-05"


@given(st.integers(1, 500), st.sampled_from(["盒", "瓶", "袋"]))
def test_pack_factor_is_the_pack_size(pack, word):
    # A catalogue row with 最小单位 片 and 包装转换比 n but no 包装单位: the sales-pack words are that pack.
    pkg = Packaging(min_unit="片", pack_size=float(pack))
    assert pkg.factor(word) == pack
    assert pkg.factor("片") == 1.0
    assert pkg.factor(None) == 1.0
    assert pkg.factor("粒") is None


@given(st.integers(1, 500), st.sampled_from(["板", "箱", "件", "提"]))
def test_cases_and_boards_the_packaging_does_not_define_are_refused(pack, word):
    # Before issue 10 these were all taken as one pack: 1 箱 of 20 盒 counted as 1 盒.
    assert Packaging(min_unit="片", pack_size=float(pack)).factor(word) is None


def test_pack_word_that_is_the_minimum_unit_counts_as_is():
    assert Packaging(min_unit="支", pack_size=10.0).factor("支") == 1.0
    assert Packaging(min_unit="支", pack_unit="盒", pack_size=10.0).factor("盒") == 10.0


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10**6), st.booleans(), st.sampled_from(["P001", "P002", "P003"]))
def test_packs_round_trip_through_parse_files(count, in_packs, product):
    pack = {"P001": 14, "P002": 7, "P003": 28}[product]
    unit = "盒" if in_packs else "片"
    text = f"入库日期,机构编码,产品编码,采购数量,单位\n2020-03-01,H001,{product},\"{count:,}\",{unit}\n"
    result = parse_files([("p.csv", text.encode())], reference=reference())
    assert result.ok
    stored = result.tables["purchases"]["quantity"].iloc[0]
    assert stored == count * (pack if in_packs else 1)
    assert (stored / pack if in_packs else stored) == count


def test_header_normalisation():
    assert split_header("中选单价(元/最小单位)") == ("中选单价", "元/最小单位")
    assert split_header("数量（盒）") == ("数量", "盒")
    assert split_header(" 醫療機構 名稱 ") == ("医疗机构名称", None)
    assert split_header("Hospital_ID") == ("hospitalid", None)


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["机构编码", "机构名称", "地区", "等级"], "hospitals"),
        (["醫療機構編碼", "醫療機構名稱"], "hospitals"),
        (["hospital_id", "hospital_name", "region"], "hospitals"),
        (["集采批次", "通用名", "规格", "中选企业", "中选单价(元/片)", "包装转换比"], "products"),
        (["订单编号", "入库日期", "机构编码", "产品编码", "采购数量", "单位"], "purchases"),
        (["ORDER_ID", "Date", "hospital_id", "product_id", "Quantity"], "purchases"),
        (["入庫日期", "醫院名稱", "藥品名稱", "規格", "生產廠家", "數量(盒)"], "purchases"),
        (["机构编码", "产品编码", "约定采购量"], "agreements"),
        (["回款单号", "机构编码", "中选企业", "回款金额", "回款日期"], "payments"),
        (["机构编码", "通用名", "规格", "报量"], "demand"),
        (["通用名", "规格", "中选企业", "中选单价", "产能"], "offers"),
        (["填表说明"], None),
        ([], None),
        (["序号", "备注"], None),
    ],
)
def test_detect_kind(headers, kind):
    assert detect_kind(headers) == kind


def test_a_sheet_missing_one_column_is_still_recognised():
    # no date: still purchases, so the importer can say which column is missing
    assert detect_kind(["订单编号", "机构编码", "机构名称", "产品编码", "采购数量"]) == "purchases"


_S2T = opencc.OpenCC("s2t")
_ALIASES = [(kind, f.name, a) for kind, flds in FIELDS.items() for f in flds for a in (f.zh, *f.aliases)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_ALIASES), st.booleans(), st.booleans(), st.sampled_from(["", "(盒)", "（元/片）", "[单位]"]))
def test_every_alias_survives_traditional_spaces_and_units(alias, traditional, spaced, unit):
    kind, field, text = alias
    if traditional:
        text = _S2T.convert(text)
    if spaced:
        text = " ".join(text)
    # alone, an ordered quantity or order date is the quantity or date (订单数量 of an order list)
    assert match_headers(kind, [text + unit]) == {0: promoted(kind, field)}
