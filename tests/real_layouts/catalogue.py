"""The corpus catalogue: two hospitals, four winning products of one batch, six agreements.

Written in the canonical headers of data-templates.md so that it means one thing only; the real
layouts in ``layouts.py`` are then checked against it. Every price is given twice, per minimum unit
(中选单价) and per pack (中选价), and the two agree exactly, so a reading that takes the pack price
for the unit price is off by the pack size (7, 28, 24 or 10 times), never by a rounding.

| code | generic name        | specification       | pack            | supplier | 中选单价 | 中选价 |
|------|---------------------|---------------------|-----------------|----------|---------|-------|
| XA01 | 阿托伐他汀钙片        | 20mg*7片            | 盒 = 7 片        | 甲制药    | 0.50    | 3.50  |
| XA02 | 氨氯地平片            | 5mg*28片            | 盒 = 28 片       | 乙药业    | 0.10    | 2.80  |
| XA03 | 头孢呋辛酯片          | 0.25g×12片×2板/盒     | 板 = 12, 盒 = 24 片 | 丙药业 | 0.25    | 6.00  |
| XA04 | 注射用头孢曲松钠      | 1.0g*10支           | 盒 = 10 支       | 丁制药    | 2.00    | 20.00 |

Each product also has a national drug code (YPID, column 其他编码) that resolves to it; each
hospital a medical-insurance code (医保机构编码) that resolves to it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

BATCH = "第五批"
START, END = date(2021, 1, 1), date(2021, 12, 31)

HOSPITALS = {
    # id: (name, region, level, medical-insurance code)
    "H001": ("市第一人民医院", "市辖区", "三级", "Y32030200101"),
    "H002": ("县人民医院", "丰县", "二级", "Y32030200202"),
}

PRODUCTS = {
    # code: (YPID, generic name, dosage form, specification, pack size, unit, pack unit, supplier,
    #        price per minimum unit, price per pack)
    "XA01": ("86900000000011", "阿托伐他汀钙片", "片剂", "20mg*7片", 7, "片", "盒", "甲制药", 0.50, 3.50),
    "XA02": ("86900000000028", "氨氯地平片", "片剂", "5mg*28片", 28, "片", "盒", "乙药业", 0.10, 2.80),
    "XA03": ("86900000000035", "头孢呋辛酯片", "片剂", "0.25g×12片×2板/盒", 24, "片", "盒", "丙药业", 0.25, 6.00),
    "XA04": ("86900000000042", "注射用头孢曲松钠", "注射剂", "1.0g*10支", 10, "支", "盒", "丁制药", 2.00, 20.00),
}

# Agreed volumes in minimum units.
AGREEMENTS = {
    ("H001", "XA01"): 1000,
    ("H001", "XA02"): 2800,
    ("H001", "XA03"): 480,
    ("H001", "XA04"): 100,
    ("H002", "XA01"): 700,
    ("H002", "XA02"): 1400,
}

# 1000 + 2800 + 480 + 100 + 700 + 1400 = 6480 minimum units agreed in all.
AGREED_VOLUME = 6480
# H001: 1000 x 0.50 + 2800 x 0.10 + 480 x 0.25 + 100 x 2.00 = 500 + 280 + 120 + 200 = 1100
# H002:  700 x 0.50 + 1400 x 0.10 = 350 + 140 = 490;  in all 1100 + 490 = 1590 yuan.
AGREED_AMOUNT = 1590.0
# The same agreements priced at the pack price as if it were per tablet (the bug of issue 10):
# 1000 x 3.5 + 2800 x 2.8 + 480 x 6 + 100 x 20 + 700 x 3.5 + 1400 x 2.8 = 22590 yuan.
AGREED_AMOUNT_IF_PACK_PRICE_PER_UNIT = 22590.0


def hospital_rows() -> list[list[object]]:
    """Header and rows of the hospitals sheet."""
    rows: list[list[object]] = [["机构编码", "机构名称", "所属地区", "机构级别", "医保机构编码"]]
    rows += [[hid, name, region, level, code] for hid, (name, region, level, code) in HOSPITALS.items()]
    return rows


def product_rows() -> list[list[object]]:
    """Header and rows of the winning products sheet (both prices, explicit packaging)."""
    rows: list[list[object]] = [
        ["产品编码", "其他编码", "集采批次", "通用名", "剂型", "规格", "包装转换比", "最小单位", "包装单位",
         "中选企业", "中选单价", "中选价", "协议期起", "协议期止"]
    ]
    for code, (ypid, name, form, spec, size, unit, pack, supplier, unit_price, pack_price) in PRODUCTS.items():
        rows.append([code, ypid, BATCH, name, form, spec, size, unit, pack, supplier, unit_price, pack_price,
                     START, END])
    return rows


def agreement_rows() -> list[list[object]]:
    """Header and rows of the agreements sheet, by product code, in minimum units."""
    rows: list[list[object]] = [["机构编码", "产品编码", "约定采购量"]]
    rows += [[hid, code, volume] for (hid, code), volume in AGREEMENTS.items()]
    return rows


def write_catalogue(folder: Path, *, with_products: bool = True) -> Path:
    """The catalogue workbook: hospitals, and unless told otherwise winning products and agreements."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {"医疗机构": hospital_rows()}
    if with_products:
        sheets["中选产品"] = product_rows()
        sheets["约定采购量"] = agreement_rows()
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = folder / ("00_目录.xlsx" if with_products else "00_医疗机构.xlsx")
    wb.save(path)
    return path


def write_agreements(folder: Path) -> Path:
    """The agreements alone, by product code (imported after a winners list)."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "约定采购量"
    for row in agreement_rows():
        ws.append(row)
    path = folder / "01_约定采购量.xlsx"
    wb.save(path)
    return path


def write_agreements_by_name(folder: Path) -> Path:
    """The agreements naming each product by generic name + specification + supplier (no codes)."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "约定采购量"
    ws.append(["机构编码", "通用名", "规格", "中选企业", "约定采购量"])
    for (hid, code), volume in AGREEMENTS.items():
        _, name, _, spec, *_rest = PRODUCTS[code]
        supplier = PRODUCTS[code][7]
        ws.append([hid, name, spec, supplier, volume])
    path = folder / "01_约定采购量.xlsx"
    wb.save(path)
    return path
