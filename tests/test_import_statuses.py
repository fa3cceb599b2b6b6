"""Purchases and payments with their real meaning: status, returns, VBP flag, received vs ordered
quantity, delivery vs order date, distributor, invoice, payer (data-templates.md).

The reference catalogue (import_fixtures.reference) has P001 = 阿托伐他汀钙片 10mg 企业A, boxes of 14 片
at 0.5 yuan a 片. Quantities below carry no unit, so they are 片 as written; every expected total
is added up by hand in the comment next to it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from import_fixtures import reference, xlsx

from procurement.ingest.importer import parse_files


def _parse(rows, name="s.xlsx", sheet="S", **kw):
    return parse_files([(name, xlsx({sheet: rows}))], reference=reference(), **kw)


def test_cancelled_lines_are_left_out_and_returns_subtract():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "订单状态"],
        ["D1", "2020-03-01", "H001", "P001", 10, "已入库"],   # +10
        ["D2", "2020-03-01", "H001", "P001", 5, "已取消"],    # left out (cancelled)
        ["D3", "2020-03-01", "H001", "P001", 7, "作废"],      # left out (cancelled)
        ["D4", "2020-03-02", "H001", "P001", 3, "退货"],      # return written positive: -3
        ["D5", "2020-03-02", "H001", "P001", -2, "冲红"],     # return written negative: -2
        ["D6", "2020-03-03", "H001", "P001", 4, None],        # no status: counts, +4
        ["D7", "2020-03-03", "H001", "P001", 9, "拒收"],      # left out (cancelled)
        ["D8", "2020-03-03", "H001", "P001", 6, "已撤单"],    # left out (cancelled)
    ]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["order_id"].tolist() == ["D1", "D4", "D5", "D6"]
    assert t["quantity"].tolist() == [10.0, -3.0, -2.0, 4.0]  # 10 - 3 - 2 + 4 = 9
    # amounts at 0.5 yuan a 片: 5 - 1.5 - 1 + 2 = 4.5
    assert t["amount"].sum() == pytest.approx(4.5)
    summary = result.sheets[0].to_json()
    assert summary["rows"] == 8 and summary["imported"] == 4
    assert summary["left_out"] == {"cancelled": 4}
    assert summary["returns"] == 2
    assert summary["rows_with_problems"] == 0


def test_a_return_amount_is_subtracted_whatever_its_sign():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "入库金额", "状态"],
        ["D1", "2020-03-01", "H001", "P001", 20, 10, "已完成"],  # +10 yuan
        ["D2", "2020-03-02", "H001", "P001", 4, 2, "退货"],      # -2 yuan
        ["D3", "2020-03-02", "H001", "P001", -6, -3, None],      # a negative line is a return: -3 yuan
    ]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["amount"].tolist() == [10.0, -2.0, -3.0]
    assert t["quantity"].sum() == 10.0  # 20 - 4 - 6


def test_an_unknown_status_is_one_problem_listing_the_distinct_values():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "订单状态"],
        ["D1", "2020-03-01", "H001", "P001", 1, "已入库"],
        ["D2", "2020-03-01", "H001", "P001", 1, "挂起"],
        ["D3", "2020-03-01", "H001", "P001", 1, "待审批"],
        ["D4", "2020-03-01", "H001", "P001", 1, "挂起"],
    ]
    result = _parse(rows)
    assert len(result.problems) == 1
    p = result.problems[0]
    assert p.column == "订单状态" and p.row == 3
    assert "'挂起'、'待审批'" in p.message_zh and "3 行" in p.message_zh and "已取消" in p.message_zh
    assert "挂起" in p.message_en and "3 rows" in p.message_en


def test_rows_flagged_not_vbp_are_left_out_and_counted():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "是否集采"],
        ["D1", "2020-03-01", "H001", "P001", 1, "是"],
        ["D2", "2020-03-01", "H001", "P001", 2, "否"],
        ["D3", "2020-03-01", "H001", "P001", 4, "N"],
        ["D4", "2020-03-01", "H001", "P001", 8, 0],
        ["D5", "2020-03-01", "H001", "P001", 16, 1],
        ["D6", "2020-03-01", "H001", "P001", 32, None],
    ]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].sum() == 49.0  # 1 + 16 + 32
    assert result.sheets[0].to_json()["left_out"] == {"not_vbp": 3}


def test_received_quantity_is_taken_when_an_ordered_one_is_also_given():
    rows = [
        ["订单编号", "下单时间", "到货日期", "机构编码", "产品编码", "采购数量", "入库数量", "配送企业"],
        ["D1", "2020-03-01 09:00:00", "2020-03-02", "H001", "P001", 10, 8, "国药控股"],
        ["D2", "2020-03-01 09:00:00", "2020-03-04", "H001", "P001", 5, 5, "华润医药"],
    ]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["quantity"].tolist() == [8.0, 5.0]  # what arrived
    assert t["ordered_quantity"].tolist() == [10.0, 5.0]
    assert t["date"].dt.day.tolist() == [2, 4]  # delivery date, not the order date
    assert t["order_date"].dt.day.tolist() == [1, 1]
    assert t["distributor"].tolist() == ["国药控股", "华润医药"]
    assert t["supplier"].tolist() == ["企业A", "企业A"]  # the maker comes from the product, never the distributor
    summary = result.sheets[0].to_json()
    assert summary["quantity_column"] == "入库数量"
    assert summary["columns_taken"] == {"quantity": "入库数量", "ordered_quantity": "采购数量",
                                        "date": "到货日期", "order_date": "下单时间"}


def test_an_ordered_quantity_and_order_date_alone_are_the_quantity_and_date():
    rows = [["订单号", "订单日期", "医院编码", "药品编码", "订单数量"], ["D1", "2020-03-01", "H001", "P001", 3]]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["quantity"].tolist() == [3.0] and math.isnan(t["ordered_quantity"].iloc[0])
    assert t["date"].dt.day.tolist() == [1] and t["order_date"].isna().all()
    assert result.sheets[0].to_json()["quantity_column"] == "订单数量"


def test_pending_lines_count_only_what_arrived():
    rows = [
        ["订单编号", "入库日期", "机构编码", "产品编码", "订单数量", "到货数量", "配送状态"],
        ["D1", "2020-03-01", "H001", "P001", 10, 0, "待配送"],     # nothing arrived: left out
        ["D2", "2020-03-01", "H001", "P001", 10, None, "已发货"],  # nothing received yet: left out
        ["D3", "2020-03-01", "H001", "P001", 10, 6, "配送中"],     # 6 arrived: counts
        ["D4", "2020-03-01", "H001", "P001", 10, 10, "已配送"],    # counts
    ]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [6.0, 10.0]
    assert result.sheets[0].to_json()["left_out"] == {"not_delivered": 2}


def test_pending_lines_of_an_order_list_without_received_quantity_are_left_out():
    rows = [
        ["订单编号", "订单日期", "机构编码", "产品编码", "采购数量", "订单状态"],
        ["D1", "2020-03-01", "H001", "P001", 10, "待配送"],  # ordered only: never counted as bought
        ["D2", "2020-03-01", "H001", "P001", 4, "已完成"],
    ]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["purchases"]["quantity"].tolist() == [4.0]
    assert result.sheets[0].to_json()["left_out"] == {"not_delivered": 1}


def test_invoice_numbers_are_kept_on_purchases():
    rows = [["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "发票号码"],
            ["D1", "2020-03-01", "H001", "P001", 1, "04400123"]]
    result = _parse(rows)
    assert result.tables["purchases"]["invoice_id"].tolist() == ["04400123"]


def test_payments_only_paid_rows_count_and_the_payer_is_read():
    # a provincial platform's invoice list: 药企名称 is the distributor that invoiced, no product
    rows = [
        ["发票号", "药企名称", "医院编码", "发票含税总金额", "支付时间", "支付状态", "结算方式", "带量采购标志"],
        ["F1", "国药控股", "H001", 100, "2020-04-01 10:00:00", "已支付", "医保基金直接结算", "1"],  # fund, 100
        ["F2", "国药控股", "H001", 50, "2020-04-02", "待支付", "医院", "1"],      # unpaid: left out
        ["F3", "华润医药", "H001", 30, "2020-04-02", "已退回", "医院", "1"],      # unpaid: left out
        ["F4", "华润医药", "H001", 20, "2020-04-03", "支付成功", "医院", "1"],    # hospital, 20
        ["F5", "华润医药", "H001", 70, "2020-04-03", "已支付", "医院", "0"],      # not VBP: left out
    ]
    result = _parse(rows, sheet="发票")
    assert result.ok, [str(p) for p in result.problems]
    pay = result.tables["payments"]
    assert pay["invoice_id"].tolist() == ["F1", "F4"]
    assert pay["amount"].sum() == 120.0  # 100 + 20
    assert pay["payer"].tolist() == ["fund", "hospital"]
    assert pay["distributor"].tolist() == ["国药控股", "华润医药"]
    assert pay["supplier"].isna().all() and pay["product_id"].isna().all()
    assert pay["date"].dt.day.tolist() == [1, 3]
    assert result.sheets[0].to_json()["left_out"] == {"not_vbp": 1, "unpaid": 2}


def test_unknown_payment_status_or_payer_is_an_error():
    rows = [
        ["回款单号", "机构编码", "回款金额", "回款日期", "支付状态", "支付方"],
        ["R1", "H001", 10, "2020-04-01", "已付款", "商业保险"],
        ["R2", "H001", 10, "2020-04-01", "部分退款", "医院"],
    ]
    result = _parse(rows)
    assert sorted((p.row, p.column) for p in result.problems) == [(2, "支付方"), (3, "支付状态")]
    assert "商业保险" in result.problems[0].message_zh or "商业保险" in result.problems[1].message_zh


def test_distributor_is_never_read_as_the_maker():
    # names + spec + 配送企业 only: the maker is unknown, so the product cannot be told apart (an error)
    rows = [["入库日期", "机构编码", "通用名", "规格", "配送企业", "入库数量"],
            ["2020-03-01", "H001", "阿托伐他汀钙片", "10mg", "企业A", 1]]
    result = _parse(rows)
    assert not result.ok
    assert "中选企业" in result.problems[0].message_zh


def test_a_blank_status_and_a_blank_flag_count():
    rows = [["订单编号", "入库日期", "机构编码", "产品编码", "入库数量", "订单状态", "带量采购标志"],
            ["D1", "2020-03-01", "H001", "P001", 2, "", ""]]
    result = _parse(rows)
    assert result.ok and result.tables["purchases"]["quantity"].tolist() == [2.0]
    assert isinstance(result.tables["purchases"], pd.DataFrame)


def test_what_was_stocked_in_wins_over_what_was_dispatched():
    # a platform delivery list: 配送数量 (dispatched) before 入库数量 (stocked in); 3 of 5 arrived
    rows = [["订单编号", "配送日期", "验收日期", "机构编码", "产品编码", "配送数量", "入库数量"],
            ["D1", "2020-03-01", "2020-03-03", "H001", "P001", 5, 3]]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert t["quantity"].tolist() == [3.0] and t["date"].dt.day.tolist() == [3]
    summary = result.sheets[0].to_json()
    assert summary["quantity_column"] == "入库数量"
    assert summary["columns_not_used"] == ["配送日期", "配送数量"]


def test_an_hrp_record_s_supplier_is_the_distributor_not_the_maker():
    # HRP purchase records name the company the hospital bought from 供货单位 and the maker 生产厂家
    rows = [["入库单号", "入库日期", "机构编码", "通用名", "规格", "生产厂家", "供货单位", "入库数量", "是否集采"],
            ["R1", "2020-03-01", "H001", "阿托伐他汀钙片", "10mg", "企业B", "国药控股", 7, "国采"]]
    result = _parse(rows)
    assert result.ok, [str(p) for p in result.problems]
    t = result.tables["purchases"]
    assert (t["product_id"].iloc[0], t["supplier"].iloc[0], t["distributor"].iloc[0]) == ("P002", "企业B", "国药控股")


def test_the_backup_flag_of_offers_reads_the_yes_no_words_and_refuses_others():
    header = ["通用名", "规格", "中选企业", "中选单价", "备选企业"]
    rows = [header,
            ["甲药", "10mg", "A", 1.0, "是"],  # yes
            ["甲药", "10mg", "B", 1.1, None],  # blank: no
            ["甲药", "10mg", "C", 1.2, "备供"],  # the offers' own word for yes
            ["甲药", "10mg", "D", 1.3, "否"],  # no
            ["甲药", "10mg", "E", 1.4, " Y "]]  # yes, however it is spaced and cased
    result = _parse(rows, kind="offers")
    assert result.ok, [str(p) for p in result.problems]
    assert result.tables["offers"]["backup"].tolist() == [True, False, True, False, True]
    refused = _parse([header, ["甲药", "10mg", "A", 1.0, "也许"]], kind="offers")
    assert not refused.ok and "也许" in refused.problems[0].message_zh
