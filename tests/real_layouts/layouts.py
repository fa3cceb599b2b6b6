"""Real export layouts, one function each, written at test time with hand-checked totals.

Every function writes its file(s) into ``folder`` and returns a ``Layout``: the files to import
(after the corpus catalogue of ``catalogue.py``, unless ``catalogue`` says otherwise), the hospital
to supply with ``--hospital`` where the layout has no hospital column, and the figures the import
and the report must give, each worked out by hand in the comment beside the rows.

Sources (header texts, their order and the sheet shape; values are invented):
- national winners list: the fields of published national 中选结果 as served by a public pharma data
  API description (code search, file id 67029782671: 药品名称, 中选企业, 剂型, 规格包装, 中选前价格(元),
  中选价格（元）, 单位制剂价格（元）, 转换系数, 批准文号, 供应地区, 集采批次, 执行日期, 截止日期);
- provincial winners list: a VBP tracking front end that shows 中选价（元） beside 中选单价（元）
  (code search, file id 8090215913) and data-templates.md;
- drug-use monitoring stock-in (药品入库情况): the national drug-use monitoring upload template as
  checked by a public data-QC platform (cn.iocoder.yudao ... FileExtractService, file id 26606532700:
  header on row 3 under two rows of metadata, REQUIRED_FIELDS_CONFIG for DRUG_INBOUND);
- Shanghai GPO delivery (配送单, interface YY003) and invoice query (YY007): gfz1103/yb,
  src/main/java/com/buit/his/gpo/ws/response/PsdYY003RespStruct.java and FpYY007RespStruct.java
  (上海市医药采购服务与监管信息系统医院接口规范);
- HRP pharmacy stock-in (药库入库): rw-bsoft/his, ssdev-platform/src/main/java/phis/application/sto/
  schemas/YK_RK01.sc and YK_RK02.sc (visible columns of the 入库 detail grid);
- SPD purchase record: WebSmileS/FullStackDevelopment-0920-, yrt-main/ant_update/src/views/
  commonPage/buyManage/purchaseRecord/purchaseRecordColumns.js;
- shortage list (集采缺货药品): jsdcdzkj/ybpt, ybpt-model/.../pur/PurStockoutDetail.java and
  ybpt-vue/src/views/pur (labels of the list and detail form);
- execution report (国采医疗机构带量执行报表): jsdcdzkj/ybpt, ybpt-web/src/main/resources/templates/
  (copy in shared/reference/), metrics.md;
- provincial platform order list: no public file of this exact layout was found; its headers are the
  provincial-platform wordings collected in data-templates.md (订单明细编号, 配送企业, 入库数量,
  订单状态, 是否集采, 发票号...), in the order such order-detail exports use, with a merged title
  row, a blank row, a total row and a note row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from .catalogue import AGREED_AMOUNT, AGREED_VOLUME, PRODUCTS, write_agreements, write_agreements_by_name


@dataclass
class Layout:
    """One rebuilt export and what importing it must give."""

    name: str
    files: list[Path]
    hospital: str | None = None  # --hospital, for layouts without a hospital column
    before: list[Path] = field(default_factory=list)  # imported after the catalogue, before `files`
    # (with the same --hospital)
    catalogue: str = "full"  # "full": hospitals+products+agreements; "hospitals": winners list test
    after: list[Path] = field(default_factory=list)  # imported after `files` (agreements by name)
    # Expected figures of `report --json` "total" (None: not checked).
    purchased_volume: float | None = None
    purchase_amount: float | None = None
    paid_amount: float | None = None
    agreed_volume: float | None = None
    agreed_amount: float | None = None
    other_totals: dict[str, float] = field(default_factory=dict)  # any other key of "total"
    # (hospital_id, product_id) -> purchased volume in minimum units
    product_volume: dict[tuple[str, str], float] = field(default_factory=dict)
    # rows left out by reason, as import --json must count them
    left_out: dict[str, int] = field(default_factory=dict)
    purchases_added: int | None = None
    exit_codes: tuple[int, ...] = (0,)  # acceptable exit codes of the import
    refused_row: int | None = None  # Excel row the refusal must name
    refused_sheet: str | None = None  # sheet a refusal must name
    refusal_mentions: tuple[str, ...] = ()  # words the refusal must contain (the missing column...)


def _xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]], merges: dict[str, list[str]] | None = None) -> Path:
    """Write rows as they are (None leaves a cell empty), merging the given ranges."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str, delimiter: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in rows]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _ypid(code: str) -> str:
    return PRODUCTS[code][0]


# ---------------------------------------------------------------------------------------------
# Winners lists (products)


def national_winners_list(folder: Path) -> Layout:
    """全国药品集中采购中选结果 as published: merged title, no product codes, pack AND unit price.

    Source: the national 中选结果 fields (药品名称, 剂型, 规格包装, 转换系数, 中选企业, 中选前价格(元),
    中选价格（元）, 单位制剂价格（元）, 集采批次, 执行日期, 截止日期, 供应地区, 批准文号) as served by a
    public pharma data API description (code search file id 67029782671); 序号 first, as printed.
    No codes: agreements name products by generic name + specification + supplier.
    """
    header = ["序号", "药品名称", "剂型", "规格包装", "转换系数", "中选企业", "中选前价格(元)", "中选价格（元）",
              "单位制剂价格（元）", "集采批次", "执行日期", "截止日期", "供应地区", "批准文号"]
    rows: list[list[Any]] = [["全国药品集中采购中选结果（第五批）"] + [None] * 13, header]
    for i, code in enumerate(PRODUCTS, start=1):
        _, name, form, spec, size, _, _, supplier, unit_price, pack_price = PRODUCTS[code]
        # 中选价格 is per pack (3.50 per 盒 of 7) and 单位制剂价格 per tablet (0.50): they agree.
        rows.append([str(i), name, form, spec, str(size), supplier, f"{pack_price * 3:.2f}", f"{pack_price:.2f}",
                     f"{unit_price:.4f}", "第五批", "2021-01-01", "2021-12-31", "江苏、浙江、安徽", f"国药准字H2020{i:04d}"])
    path = _xlsx(folder / "全国药品集中采购中选结果.xlsx", {"中选结果": rows}, {"中选结果": ["A1:N1"]})
    # Agreed amount at the unit price = 1590 (catalogue.py); at the pack price it would be 22590.
    return Layout("national_winners_list", [path], catalogue="hospitals",
                  after=[write_agreements_by_name(folder / "agreements")], agreed_volume=AGREED_VOLUME, agreed_amount=AGREED_AMOUNT)


def _provincial_winners_rows(unit_price_of: dict[str, float] | None = None) -> list[list[Any]]:
    header = ["序号", "产品编码", "通用名", "剂型", "规格", "包装单位", "最小制剂单位", "包装转换比", "中选企业",
              "中选价（元）", "中选单价（元）", "集采批次", "协议期起", "协议期止"]
    rows: list[list[Any]] = [["江苏省第五批国家组织药品集中采购中选产品目录"] + [None] * 13, header]
    for i, code in enumerate(PRODUCTS, start=1):
        _, name, form, spec, size, unit, pack, supplier, unit_price, pack_price = PRODUCTS[code]
        unit_price = (unit_price_of or {}).get(code, unit_price)
        rows.append([i, code, name, form, spec, pack, unit, size, supplier, pack_price, unit_price, "第五批",
                     "2021-01-01", "2021-12-31"])
    return rows


def provincial_winners_list(folder: Path) -> Layout:
    """A provincial platform's winning-product list, exported by a Java system as .xls that is .xlsx.

    Source: 中选价（元） per pack beside 中选单价（元） per minimum unit, as a VBP tracking front end shows
    them (code search file id 8090215913), with the packaging columns of data-templates.md.
    """
    path = folder / "中选产品目录.xls"  # an .xlsx body under an .xls name, as Java exports send it
    _xlsx(path, {"Sheet1": _provincial_winners_rows()}, {"Sheet1": ["A1:N1"]})
    # Agreed amount 1590 at the unit price (never 22590 from the pack price): catalogue.py.
    return Layout("provincial_winners_list", [path], catalogue="hospitals",
                  after=[write_agreements(folder / "agreements")], agreed_volume=AGREED_VOLUME, agreed_amount=AGREED_AMOUNT)


def provincial_winners_list_prices_disagree(folder: Path) -> Layout:
    """The same list where one row's pack and unit prices disagree by more than 0.5%.

    XA02: 中选价 2.80 per 盒 of 28 is 0.10 per tablet, but 中选单价 says 0.11 (10% apart): data-templates.md
    makes that an error on that row. Title on row 1, header on row 2, XA01 on row 3, XA02 on row 4.
    """
    path = folder / "中选产品目录_价格不一致.xlsx"
    _xlsx(path, {"Sheet1": _provincial_winners_rows({"XA02": 0.11})}, {"Sheet1": ["A1:N1"]})
    return Layout("provincial_winners_list_prices_disagree", [path], catalogue="hospitals",
                  exit_codes=(2,), refused_row=4, refused_sheet="Sheet1")


# ---------------------------------------------------------------------------------------------
# Purchases


_MONITORING_HEADER = ["数据上报日期", "省级行政区划代码", "组织机构代码", "医疗机构代码", "组织机构名称",
                      "国家药品编码（YPID）", "院内药品唯一码", "省级药品集中采购平台药品编码", "产品名称",
                      "入库总金额（元）", "入库数量（最小销售包装单位）", "入库数量（最小制剂单位）"]


def _monitoring_rows() -> list[list[Any]]:
    hosp = ["320300", "466000001", "Y32030200101", "市第一人民医院"]  # H001 by its insurance code + name
    return [
        ["药品入库情况"] + [None] * 11,
        ["填报说明：数量填写整数，金额保留两位小数；入库数量（最小制剂单位）= 入库数量（最小销售包装单位）× 转换系数"]
        + [None] * 11,
        _MONITORING_HEADER,
        # XA01: 3 boxes of 7 = 21 tablets, 10.50 yuan; the same line twice (a daily aggregate reported
        # twice is two deliveries: no order id, so the occurrence keeps them apart) -> 42 tablets, 21.00
        ["20210331", *hosp, _ypid("XA01"), "YN0001", "XA01", "阿托伐他汀钙片", "10.50", "3", "21"],
        ["20210331", *hosp, _ypid("XA01"), "YN0001", "XA01", "阿托伐他汀钙片", "10.50", "3", "21"],
        # XA02: 2 boxes of 28 = 56 tablets, 5.60 yuan
        ["20210331", *hosp, _ypid("XA02"), "YN0002", "XA02", "氨氯地平片", "5.60", "2", "56"],
        # a drug outside the procurement (unknown codes and name): left out and counted, not an error
        ["20210331", *hosp, "86900009999999", "YN0099", "ZZ99", "布洛芬缓释胶囊", "8.00", "1", "20"],
        # the total row the template ends with: left out
        ["合计", None, None, None, None, None, None, None, None, "34.60", "9", "118"],
    ]


# Monitoring: 42 + 56 = 98 tablets; 21.00 + 5.60 = 26.60 yuan; 1 outside, 1 total row.
_MONITORING_EXPECT = dict(
    purchased_volume=98, purchase_amount=26.60,
    product_volume={("H001", "XA01"): 42, ("H001", "XA02"): 56},
    left_out={"outside": 1, "total": 1}, purchases_added=3,
)


def monitoring_inbound(folder: Path) -> Layout:
    """National drug-use monitoring 药品入库情况 (.xlsx): two rows of metadata above the header (row 3).

    Source: the DRUG_INBOUND fields a public drug-monitoring QC platform requires
    (cn.iocoder.yudao.module.drug ... FileExtractService, code search file id 26606532700: 数据上报日期,
    省级行政区划代码, 组织机构代码, 医疗机构代码, 国家药品编码（YPID）, 院内药品唯一码, 产品名称,
    入库总金额（元）, 入库数量（最小销售包装单位）, 入库数量（最小制剂单位）; header row 3, "前两行元数据"),
    with 组织机构名称 and 省级药品集中采购平台药品编码 where its InboundVO places them. Numbers are
    text cells, as the template is filled. The hospital is named by its insurance code, not its id.
    """
    path = _xlsx(folder / "药品入库情况.xlsx", {"入库": _monitoring_rows()}, {"入库": ["A1:L1", "A2:L2"]})
    return Layout("monitoring_inbound", [path], **_MONITORING_EXPECT)


def monitoring_inbound_unicode_text(folder: Path) -> Layout:
    """The same monitoring sheet saved as Excel "Unicode text" (UTF-16, tab-separated) under .xls."""
    path = _csv(folder / "药品入库情况.xls", _monitoring_rows(), "utf-16", delimiter="\t")
    return Layout("monitoring_inbound_unicode_text", [path], **_MONITORING_EXPECT)


def gpo_delivery_yy003(folder: Path) -> Layout:
    """Shanghai GPO delivery list (配送单, interface YY003) as CSV in GBK; no hospital column.

    Source: gfz1103/yb, src/main/java/com/buit/his/gpo/ws/response/PsdYY003RespStruct.java, fields in
    its order. 配送数量 is in the pack unit named by 包装单位名称 ("按药品基础信息中包装单位名称所界定
    的货品配送数量"), 用药单位名称 is the minimum unit and 包装内含数量 the pack size. One delivery
    (配送单号) carries several lines; 配送明细编号 is unique per line.
    """
    header = ["配送单号", "药企编码", "配送点编码", "配送单创建日期", "配送明细编号", "配送单条码", "装箱类型",
              "采购类型", "商品类型", "药品类型", "商品统编代码", "产品名", "药品剂型", "规格", "包装材质",
              "包装单位名称", "用药单位名称", "包装内含数量", "生产企业名称", "生产批号", "生产日期", "有效日期",
              "计划单号", "销售订单号", "关联订单明细编号", "顺序号", "配送数量"]

    def line(psd: str, mx: str, code: str, qty: int, seq: int) -> list[Any]:
        _, name, form, spec, size, unit, pack, supplier, *_ = PRODUCTS[code]
        return [psd, "QY0101", "PSD01", "2021-03-15", mx, f"TM{mx}", "1", "1", "1", "1", code, name, form, spec,
                "1", pack, unit, size, supplier, "B2103", "2021-01-10", "2023-01-09", "JH0315", "XS" + psd,
                "DDMX" + mx, seq, qty]

    rows = [
        header,
        line("PS2103001", "MX001", "XA01", 5, 1),  # 5 盒 x 7 = 35 tablets
        line("PS2103001", "MX002", "XA02", 2, 2),  # 2 盒 x 28 = 56 tablets (same delivery, another line)
        line("PS2103002", "MX003", "XA01", 1, 1),  # 1 盒 x 7 = 7 tablets
    ]
    path = _csv(folder / "配送单明细.csv", rows, "gbk")
    # H002 (supplied): XA01 35 + 7 = 42 tablets, XA02 56 tablets; 98 in all.
    # Amounts (no amount column): 42 x 0.50 + 56 x 0.10 = 21.00 + 5.60 = 26.60 yuan.
    return Layout("gpo_delivery_yy003", [path], hospital="H002", purchased_volume=98, purchase_amount=26.60,
                  product_volume={("H002", "XA01"): 42, ("H002", "XA02"): 56}, purchases_added=3)


def hrp_stock_in(folder: Path) -> Layout:
    """An HRP pharmacy stock-in detail (药库入库明细), one hospital's own export: no hospital column.

    Source: rw-bsoft/his, ssdev-platform/src/main/java/phis/application/sto/schemas/YK_RK02.sc (visible
    columns of the 入库 detail grid: 发票号码, 药品通用名 (YPMC), 规格, 单位, 产地简称, 入库数量,
    进货价格, 进货合计, 零售价格, 零售合计, 差价, 批号, 效期, 随货号, 批准文号) led by 入库单号 and
    入库日期 of its header table YK_RK01, as the query export joins them. Title row merged above.
    """
    header = ["入库单号", "入库日期", "发票号码", "药品通用名", "规格", "单位", "产地简称", "入库数量", "进货价格",
              "进货合计", "零售价格", "零售合计", "差价", "批号", "效期", "随货号", "批准文号"]
    rows: list[list[Any]] = [
        ["药库入库明细"] + [None] * 16,
        header,
        # 4 盒 of 7 = 28 tablets at 3.50 per 盒 = 14.00
        ["RK2103001", "2021-03-20", "FP101", "阿托伐他汀钙片", "20mg*7片", "盒", "甲制药", 4, 3.50, 14.00, 4.20, 16.80,
         2.80, "B01", "2023-02-28", "SH01", "国药准字H20200001"],
        # 3 板 of 12 = 36 tablets (板 defined by 0.25g×12片×2板/盒) at 3.00 per 板 = 9.00
        ["RK2103001", "2021-03-20", "FP101", "头孢呋辛酯片", "0.25g×12片×2板/盒", "板", "丙药业", 3, 3.00, 9.00, 3.60,
         10.80, 1.80, "B02", "2023-03-31", "SH01", "国药准字H20200003"],
        # 15 支 (the minimum unit) at 2.00 = 30.00
        ["RK2103002", "2021-03-25", "FP102", "注射用头孢曲松钠", "1.0g*10支", "支", "丁制药", 15, 2.00, 30.00, 2.40,
         36.00, 6.00, "B03", "2023-05-31", "SH02", "国药准字H20200004"],
    ]
    path = _xlsx(folder / "药库入库明细.xlsx", {"入库明细": rows}, {"入库明细": ["A1:Q1"]})
    # H001: 28 + 36 + 15 = 79 minimum units; 14.00 + 9.00 + 30.00 = 53.00 yuan.
    return Layout("hrp_stock_in", [path], hospital="H001", purchased_volume=79, purchase_amount=53.00,
                  product_volume={("H001", "XA01"): 28, ("H001", "XA03"): 36, ("H001", "XA04"): 15},
                  purchases_added=3)


def spd_purchase_record(folder: Path) -> Layout:
    """An SPD purchase record: ordered 数量, then 到货数量, 合格数量, 不合格数量 and 入库数量.

    Source: WebSmileS/FullStackDevelopment-0920-, yrt-main/ant_update/src/views/commonPage/buyManage/
    purchaseRecord/purchaseRecordColumns.js (columns in that order). 单位 is the row's unit (盒).
    Completion counts what was stocked in: 入库数量, never the ordered 数量.
    """
    header = ["订单编号", "相关机构", "产品", "规格型号", "厂商", "单位", "价格", "数量", "采购日期", "采购员", "仓库",
              "批号", "到货数量", "合格数量", "不合格数量", "入库数量"]
    rows = [
        header,
        # ordered 10 盒, 10 arrived, 1 rejected, 9 stocked in: 9 x 7 = 63 tablets (never 70)
        ["CG2103001", "甲配送", "阿托伐他汀钙片", "20mg*7片", "甲制药", "盒", 3.50, 10, "2021-03-10", "王五", "中心药库",
         "B01", 10, 9, 1, 9],
        # ordered 5 盒, nothing arrived yet: 0 stocked in
        ["CG2103002", "甲配送", "氨氯地平片", "5mg*28片", "乙药业", "盒", 2.80, 5, "2021-03-10", "王五", "中心药库",
         None, 0, 0, 0, 0],
    ]
    path = _xlsx(folder / "采购记录.xlsx", {"采购记录": rows})
    # H002: 63 tablets of XA01 at 0.50 = 31.50 yuan; XA02 nothing.
    return Layout("spd_purchase_record", [path], hospital="H002", purchased_volume=63, purchase_amount=31.50,
                  product_volume={("H002", "XA01"): 63})


def spd_order_summary(folder: Path) -> Layout:
    """An SPD order list (order header and detail in one sheet) that names no maker: refused, clearly.

    Source: snackfayadehong/WorkloadQuery, src/src/model/purchaseSummary.js (PurchaseSummaryFileds then
    PurchaseSummaryDetailFileds, in that order). 供货公司 is the company that delivers (the
    distributor): it must never be read as the winner/maker (data-templates.md), so products cannot be
    resolved by name + specification + maker and the sheet is refused naming what it lacks.
    """
    header = ["订单ID", "订单号", "订单金额", "入库科室", "订单状态", "开单人员", "订单审核时间", "订单物流状态",
              "供货公司", "订单备注", "(明细)订单ID", "院内代码", "产品名称", "院内规格", "供货公司", "单价", "规格",
              "数量", "到货数量", "关闭数量", "未到货数量", "明细备注"]
    rows = [header,
            ["1001", "CG2103001", 35.00, "药剂科", "已完成", "李四", "2021-03-02 10:00:00", "已到货", "甲配送", None,
             "1001", "YN0001", "阿托伐他汀钙片", "20mg*7片/盒", "甲配送", 3.50, "20mg*7片", 10, 10, 0, 0, None]]
    path = _xlsx(folder / "采购订单.xlsx", {"采购订单": rows})
    return Layout("spd_order_summary", [path], hospital="H001", exit_codes=(2,), refused_sheet="采购订单",
                  refusal_mentions=("企业",))


def monitoring_usage(folder: Path) -> Layout:
    """Drug-use monitoring 药品使用情况 (sales to patients): its quantities are use, never purchases.

    Source: the DRUG_USAGE fields of the same QC platform (code search file id 26606532700: 数据上报日期,
    省级行政区划代码, 组织机构代码, 医疗机构代码, 国家药品编码（YPID）, 院内药品唯一码, 产品名称,
    销售总金额（元）, 销售数量（最小销售包装单位）, 销售数量（最小制剂单位）), header on row 3.
    """
    header = ["数据上报日期", "省级行政区划代码", "组织机构代码", "医疗机构代码", "国家药品编码（YPID）",
              "院内药品唯一码", "产品名称", "销售总金额（元）", "销售数量（最小销售包装单位）", "销售数量（最小制剂单位）"]
    rows = [["药品使用情况"] + [None] * 9, ["填报说明：按月汇总"] + [None] * 9, header,
            ["20210331", "320300", "466000001", "Y32030200101", _ypid("XA01"), "YN0001", "阿托伐他汀钙片", "70.00", "20",
             "140"]]
    path = _xlsx(folder / "药品使用情况.xlsx", {"使用": rows}, {"使用": ["A1:J1", "A2:J2"]})
    return Layout("monitoring_usage", [path], exit_codes=(0, 2), refused_sheet="使用", purchased_volume=0,
                  agreed_volume=AGREED_VOLUME)


_ORDER_HEADER = ["序号", "订单编号", "订单明细编号", "医疗机构编码", "医疗机构名称", "产品编码", "通用名", "剂型",
                 "规格", "生产企业", "配送企业", "单位", "采购单价(元)", "采购数量", "入库数量", "入库金额(元)",
                 "订单状态", "是否集采", "发票号", "下单时间", "入库日期", "备注"]


def _order_rows(extra: list[Any] | None = None) -> list[list[Any]]:
    """The order list; ``extra`` is one more line placed last before the total row (Excel row 13)."""
    h1, h2 = ["H001", "市第一人民医院"], ["H002", "县人民医院"]
    a = ["XA01", "阿托伐他汀钙片", "片剂", "20mg*7片", "甲制药"]
    b = ["XA02", "氨氯地平片", "片剂", "5mg*28片", "乙药业"]
    c = ["XA03", "头孢呋辛酯片", "片剂", "0.25g×12片×2板/盒", "丙药业"]
    return [
        ["江苏省药品集中采购平台 订单明细查询"] + [None] * 21,
        [None] * 22,
        _ORDER_HEADER,
        # 10 盒 ordered and stocked in: 70 tablets, 35.00
        ["1", "DD2103001", "DD2103001-1", *h1, *a, "甲配送", "盒", "3.50", "10", "10", "35.00", "已入库", "是", "FP001",
         "2021-03-01 09:12:00", "2021-03-03", None],
        # 5 盒 ordered, 3 stocked in: 3 x 28 = 84 tablets, 8.40 (received, never ordered)
        ["2", "DD2103001", "DD2103001-2", *h1, *b, "甲配送", "盒", "2.80", "5", "3", "8.40", "已入库", "是", "FP001",
         "2021-03-01 09:12:00", "2021-03-03", "部分到货"],
        # cancelled: left out
        ["3", "DD2103002", "DD2103002-1", *h1, *c, "甲配送", "盒", "6.00", "4", "0", None, "已取消", "是", None,
         "2021-03-02 10:00:00", None, None],
        # 2 盒 of 24 = 48 tablets, 12.00
        ["4", "DD2103003", "DD2103003-1", *h1, *c, "甲配送", "盒", "6.00", "2", "2", "12.00", "已入库", "是", "FP002",
         "2021-03-05 15:30:00", "2021-03-06", None],
        # a return of 1 盒: -7 tablets, -3.50
        ["5", "DD2103004", "DD2103004-1", *h1, *a, "甲配送", "盒", "3.50", "-1", "-1", "-3.50", "退货", "是", None,
         "2021-03-08 11:00:00", "2021-03-09", "破损退货"],
        # H002: 20 盒 = 140 tablets, 70.00
        ["6", "DD2103005", "DD2103005-1", *h2, *a, "乙配送", "盒", "3.50", "20", "20", "70.00", "已入库", "是", "FP003",
         "2021-03-10 08:00:00", "2021-03-11", None],
        # flagged not VBP: left out
        ["7", "DD2103006", "DD2103006-1", *h2, *b, "乙配送", "盒", "2.80", "10", "10", "28.00", "已入库", "否", None,
         "2021-03-10 08:00:00", "2021-03-11", None],
        # a drug outside the procurement: left out, counted
        ["8", "DD2103007", "DD2103007-1", *h1, "YP9999", "布洛芬缓释胶囊", "胶囊剂", "0.3g*20粒", "己药业", "甲配送", "盒",
         "8.00", "1", "1", "8.00", "已入库", None, None, "2021-03-12 08:00:00", "2021-03-13", None],
        # atorvastatin 20mg of another maker: non-winning, kept but never in completion or purchase_amount
        ["9", "DD2103008", "DD2103008-1", *h1, "YP8888", "阿托伐他汀钙片", "片剂", "20mg*7片", "戊药业", "甲配送", "盒",
         "10.00", "2", "2", "20.00", "已入库", None, None, "2021-03-12 08:00:00", "2021-03-13", None],
        *([extra] if extra else []),
        ["合计", None, None, None, None, None, None, None, None, None, None, None, None, "43", "37", "149.90", None,
         None, None, None, None, None],
        [None] * 22,
        ["制表人：张三    导出时间：2021-04-01 10:00:00"] + [None] * 21,
    ]


# Winning, counted: 70 + 84 + 48 - 7 + 140 = 335 tablets; 35 + 8.40 + 12 - 3.50 + 70 = 121.90 yuan.
# H001 XA01: 70 - 7 = 63; H001 XA02: 84; H001 XA03: 48; H002 XA01: 140.
# Left out: 1 cancelled, 1 not VBP, 1 outside, 1 total row. Purchases kept: 6 winning + 1 non-winning.
_ORDER_EXPECT = dict(
    purchased_volume=335, purchase_amount=121.90,
    product_volume={("H001", "XA01"): 63, ("H001", "XA02"): 84, ("H001", "XA03"): 48, ("H002", "XA01"): 140},
    left_out={"cancelled": 1, "not_vbp": 1, "outside": 1, "total": 1},
)


def provincial_order_list(folder: Path) -> Layout:
    """A provincial platform's order detail export (.xlsx): title, blank row, header, total and note rows.

    Source: data-templates.md's provincial-platform wordings (订单明细编号, 配送企业, 采购数量 beside
    入库数量, 入库金额, 订单状态, 是否集采, 发票号, 下单时间, 入库日期); no public file of this exact
    layout was found. Numbers are text cells, as such exports write them.
    """
    path = _xlsx(folder / "订单明细查询.xlsx", {"订单明细": _order_rows()}, {"订单明细": ["A1:V1"]})
    return Layout("provincial_order_list", [path], **_ORDER_EXPECT)


def provincial_order_list_unit_box(folder: Path) -> Layout:
    """The order list with one line counted in 箱 (cases), which the packaging does not define.

    20mg*7片 with 盒 = 7 片 says nothing of a case: data-templates.md makes it an error on that row
    (Excel row 13, column 单位), never a guess; nothing of the file is written.
    """
    line = ["10", "DD2103009", "DD2103009-1", "H001", "市第一人民医院", "XA01", "阿托伐他汀钙片", "片剂", "20mg*7片",
            "甲制药", "甲配送", "箱", "350.00", "1", "1", "350.00", "已入库", "是", None, "2021-03-15 08:00:00",
            "2021-03-16", None]
    path = _xlsx(folder / "订单明细查询_箱.xlsx", {"订单明细": _order_rows(line)}, {"订单明细": ["A1:V1"]})
    return Layout("provincial_order_list_unit_box", [path], exit_codes=(2,), refused_row=13,
                  refused_sheet="订单明细", refusal_mentions=("箱",))


def provincial_order_list_packs_as_tablets(folder: Path) -> Layout:
    """The order list with one line whose unit says 片 while its amount says boxes.

    10 "片" of XA01 with 入库金额 35.00: 10 x 0.50 = 5.00 does not match, 10 boxes x 3.50 = 35.00 does,
    so the quantity is packs read as tablets: data-templates.md makes it an error on that row (13).
    """
    line = ["10", "DD2103009", "DD2103009-1", "H001", "市第一人民医院", "XA01", "阿托伐他汀钙片", "片剂", "20mg*7片",
            "甲制药", "甲配送", "片", "3.50", "10", "10", "35.00", "已入库", "是", None, "2021-03-15 08:00:00",
            "2021-03-16", None]
    path = _xlsx(folder / "订单明细查询_片.xlsx", {"订单明细": _order_rows(line)}, {"订单明细": ["A1:V1"]})
    return Layout("provincial_order_list_packs_as_tablets", [path], exit_codes=(2,), refused_row=13,
                  refused_sheet="订单明细")


def provincial_order_list_html(folder: Path) -> Layout:
    """The same order list as many platforms really send it: an HTML table saved as .xls."""
    rows = _order_rows()
    cells = []
    for i, row in enumerate(rows):
        if i == 0:
            cells.append(f'<tr><td colspan="22">{row[0]}</td></tr>')
            continue
        tag = "th" if i == 2 else "td"
        cells.append("<tr>" + "".join(f"<{tag}>{'' if v is None else v}</{tag}>" for v in row) + "</tr>")
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
            '<table border="1">' + "".join(cells) + "</table></body></html>")
    path = folder / "订单明细查询.xls"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(html.encode("utf-8"))
    return Layout("provincial_order_list_html", [path], **_ORDER_EXPECT)


# ---------------------------------------------------------------------------------------------
# Payments


def gpo_invoice_payments(folder: Path) -> Layout:
    """Shanghai GPO invoice query (YY007) with the payment status and time of each invoice.

    Source: gfz1103/yb, src/main/java/com/buit/his/gpo/ws/response/FpYY007RespStruct.java (发票ID, 发票号,
    药企编码, 药企名称, 发票日期, 发票含税总金额, 医院编码, 配送点编码, 带量采购标志, 发票备注,
    是否无配送发票, 无配送发票说明, 发票状态), followed by 支付状态 and 支付时间 as the payment view adds
    them (data-templates.md). 药企名称 is the distributor that invoiced. Imported after the provincial
    order list, whose lines carry the invoice numbers FP001-FP003.
    """
    before = provincial_order_list(folder / "orders").files
    header = ["发票ID", "发票号", "药企编码", "药企名称", "发票日期", "发票含税总金额", "医院编码", "配送点编码",
              "带量采购标志", "发票备注", "是否无配送发票", "无配送发票说明", "发票状态", "支付状态", "支付时间"]
    rows = [
        header,
        # FP001 (H001's two delivered lines of DD2103001, 35.00 + 8.40 = 43.40) not yet paid: not a payment
        ["F0001", "FP001", "QY0101", "甲配送", "2021-03-05", "43.40", "H001", "PSD01", "1", None, "0", None, "2", "待支付",
         None],
        # FP002 pays H001's DD2103003 (12.00, stocked in 2021-03-06) on 2021-04-10: 35 days
        ["F0002", "FP002", "QY0101", "甲配送", "2021-03-08", "12.00", "H001", "PSD01", "1", None, "0", None, "2", "已支付",
         "2021-04-10 10:00:00"],
        # FP003 pays H002's 70.00 (stocked in 2021-03-11) on 2021-04-20: 40 days
        ["F0003", "FP003", "QY0102", "乙配送", "2021-03-12", "70.00", "H002", "PSD02", "1", None, "0", None, "2", "已支付",
         "2021-04-20 16:30:00"],
        # an invoice outside the VBP (带量采购标志 0): left out
        ["F0004", "FP009", "QY0101", "甲配送", "2021-03-12", "5.00", "H001", "PSD01", "0", None, "0", None, "2", "已支付",
         "2021-04-20 16:30:00"],
    ]
    path = _xlsx(folder / "发票查询.xlsx", {"发票": rows})
    # paid_amount = 12.00 + 70.00 = 82.00; purchases as in the order list (335 tablets, 121.90 yuan).
    # By invoice: avg_days_to_pay = (12 x 35 + 70 x 40) / 82 = 3220 / 82 = 39.2683 days. Paid to H001's
    # oldest deliveries instead (FIFO, the 03-03 lines) it would be (12 x 38 + 70 x 40) / 82 = 39.7073.
    return Layout("gpo_invoice_payments", [path], before=before, paid_amount=82.00,
                  purchased_volume=335, purchase_amount=121.90, left_out={"not_vbp": 1, "unpaid": 1},
                  other_totals={"avg_days_to_pay": 3220 / 82})


def hrp_payments(folder: Path) -> Layout:
    """An HRP pharmacy payment record (药库付款记录): each payment names the stock-in it pays.

    Source: rw-bsoft/his, ssdev-platform/src/main/java/phis/application/sto/schemas/YK_FK01.sc (付款记录,
    凭证号码, 付款工号, 付款时间, 付款金额) joined with YK_FKJL.sc (入库单号, 药品产地, 本次付款, 已付金额)
    as the payment query lists them. One hospital's own export: no hospital column. Every payment here
    is paid in full (本次付款 = 付款金额), so the two amount columns cannot disagree. Imported after the
    HRP stock-in, whose 入库单号 RK2103001 (14.00 + 9.00) and RK2103002 (30.00) it may pay: a payment
    pays the deliveries of its order before any other (data-templates.md, payments).
    """
    before = hrp_stock_in(folder / "stock_in").files
    header = ["付款记录", "凭证号码", "付款时间", "入库单号", "药品产地", "付款金额", "本次付款", "已付金额", "付款工号"]
    rows = [
        ["药库付款记录"] + [None] * 8,
        header,
        # RK2103002 (30.00, stocked in 2021-03-25) paid in full on 2021-04-15; RK2103001 (23.00) not yet
        ["FK001", "PZ0415", "2021-04-15 09:30:00", "RK2103002", "丁制药", "30.00", "30.00", "30.00", "0101"],
    ]
    path = _xlsx(folder / "药库付款记录.xlsx", {"付款记录": rows}, {"付款记录": ["A1:I1"]})
    # paid_amount = 30.00. It pays its own stock-in, so 30.00 waited 21 days (03-25 -> 04-15):
    # avg_days_to_pay = 21. Paid to the oldest deliveries instead (FIFO) it would be
    # (23 x 26 + 7 x 21) / 30 = 745 / 30 = 24.83 days.
    return Layout("hrp_payments", [path], hospital="H001", before=before, paid_amount=30.00,
                  purchased_volume=79, purchase_amount=53.00, other_totals={"avg_days_to_pay": 21.0})


# ---------------------------------------------------------------------------------------------
# Files that are not purchases


def shortage_list(folder: Path) -> Layout:
    """A 集采缺货药品 register (shortage list): its 数量 and 金额 must never become purchases.

    Source: jsdcdzkj/ybpt, ybpt-model/src/main/java/com/jsdc/ybpt/pur/PurStockoutDetail.java and the
    labels of ybpt-vue/src/views/pur (list: 医药机构名称, 医药机构省平台编码, 统筹区, 缺货分类, 线索类型;
    detail: 药品(耗材)名称, 规格, 省阳光采购平台产品编码, 缺货开始采购日期, 缺货后最近一次采购订单日期,
    缺货订单提交次数, 数量, 金额, 生产企业, 配送公司).
    """
    header = ["序号", "医药机构名称", "医药机构省平台编码", "统筹区", "缺货分类", "药品(耗材)名称", "规格",
              "省阳光采购平台产品编码", "缺货开始采购日期", "缺货后最近一次采购订单日期", "缺货订单提交次数", "数量",
              "金额", "生产企业", "配送公司", "线索类型"]
    rows = [header,
            [1, "市第一人民医院", "Y32030200101", "市辖区", "药品", "阿托伐他汀钙片", "20mg*7片", "XA01", "2021-03-01",
             "2021-03-20", 3, 50, 175.00, "甲制药", "甲配送", "未按合同约定及时供应产品"]]
    path = _xlsx(folder / "集采缺货药品.xlsx", {"缺货登记": rows})
    return Layout("shortage_list", [path], exit_codes=(0, 2), refused_sheet="缺货登记", purchased_volume=0,
                  agreed_volume=AGREED_VOLUME)


def execution_report(folder: Path) -> Layout:
    """The national execution report a bureau receives (国采医疗机构带量执行报表): an output, not an input.

    Source: jsdcdzkj/ybpt, ybpt-web/src/main/resources/templates/国采地区带量执行报表.xlsx (sheet name
    and the 23 headers, metrics.md). Its counts must never become purchases or agreements.
    """
    header = ["医疗机构", "医疗机构编码", "地区", "批次名称", "批次开始时间", "批次结束时间", "序时进度", "签约产品总数",
              "零采购产品数", "零采购产品数占比", "低于序时进度产品数", "低于序时进度产品数占比", "超量采购产品数",
              "超量采购产品数占比", "正常采购产品数", "正常采购产品数占比", "对应非中选产品总数", "采购非中选产品数",
              "非中选超量产品数", "非中选超额产品数", "对应可替代产品总数", "采购可替代产品数",
              "低于序时进度且非中选超量的产品数"]
    rows = [header,
            ["市第一人民医院", "H001", "市辖区", "第五批", "2021-01-01", "2021-12-31", "25.00%", 4, 1, "25.00%", 2, "50.00%",
             0, "0.00%", 1, "25.00%", 3, 1, 0, 0, 0, 0, 0]]
    path = _xlsx(folder / "国采地区带量执行报表.xlsx", {"国采医疗机构带量执行报表": rows})
    return Layout("execution_report", [path], exit_codes=(0, 2), refused_sheet="国采医疗机构带量执行报表",
                  purchased_volume=0, agreed_volume=AGREED_VOLUME)


ALL = [
    national_winners_list,
    provincial_winners_list,
    provincial_winners_list_prices_disagree,
    monitoring_inbound,
    monitoring_inbound_unicode_text,
    gpo_delivery_yy003,
    hrp_stock_in,
    spd_purchase_record,
    provincial_order_list,
    provincial_order_list_html,
    provincial_order_list_unit_box,
    provincial_order_list_packs_as_tablets,
    spd_order_summary,
    monitoring_usage,
    gpo_invoice_payments,
    hrp_payments,
    shortage_list,
    execution_report,
]
