"""Write the sample alliance's spreadsheets, as a coordinator would receive them.

Run ``python sample_data/generate.py``. The data come from ``procurement.synthetic`` with a fixed seed;
the files are deliberately a little messy (title rows, Traditional or English headers, packs, a GBK
CSV, a total row, text dates and numbers), every way within shared/spec/data-templates.md, so the
importer must take them without edits. Everything here is invented.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from procurement.model import Dataset  # noqa: E402
from procurement.synthetic import alliance_as_of, generate_alliance  # noqa: E402

SEED = 2026
START = date(2026, 1, 1)
FIXED_TIME = datetime(2026, 12, 15, 9, 0, 0)  # workbook created/modified stamp, so reruns match
PACK_WORD = {"ml": "瓶"}  # otherwise 盒


@dataclass
class Sheet:
    """One sheet as written: optional title and notes around a header row and its data rows."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    title: str | None = None
    merge_title: bool = False
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # header -> number format


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write sheets with openpyxl, with fixed document times so a rerun gives the same content."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        if spec.title:
            ws.append([spec.title])
            ws.cell(1, 1).font = Font(bold=True, size=14)
            if spec.merge_title:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(spec.header))
                ws.cell(1, 1).alignment = Alignment(horizontal="center")
        for _ in range(spec.blank_rows):
            ws.append([])
        ws.append(spec.header)
        header_row = ws.max_row
        for c in range(1, len(spec.header) + 1):
            ws.cell(header_row, c).font = Font(bold=True)
        for row in spec.rows:
            ws.append(row)
        for col, name in enumerate(spec.header, start=1):
            fmt = spec.formats.get(name)
            width = max(10, min(30, 2 * len(name) + 4))
            ws.column_dimensions[ws.cell(header_row, col).column_letter].width = width
            if fmt:
                for r in range(header_row + 1, header_row + 1 + len(spec.rows)):
                    ws.cell(r, col).number_format = fmt
        ws.freeze_panes = ws.cell(header_row + 1, 1)
        for note in spec.notes:
            ws.append([])
            ws.append([note])
    wb.properties.creator = "示例联盟办公室（合成数据）"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_bytes(wb))


def _stable_bytes(wb: Workbook) -> bytes:
    """The workbook's bytes with every timestamp fixed: openpyxl stamps 'modified' and zip times on save."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def _num(value: float) -> int | float:
    """Whole numbers as int, so cells read 120 rather than 120.0."""
    return int(value) if float(value).is_integer() else float(value)


def _blank(value: Any) -> Any:
    return None if pd.isna(value) else value


def hospitals_sheet(data: Dataset) -> Sheet:
    h = data.hospitals
    rows = [[r.hospital_id, r.hospital_name, r.region, r.level] for r in h.itertuples()]
    return Sheet("医疗机构", ["机构编码", "机构名称", "所属地区", "机构级别"], rows,
                 title="示例联盟成员医疗机构名单（合成数据）", blank_rows=1)


def products_sheets(data: Dataset) -> list[Sheet]:
    header = ["产品编码", "集采批次", "通用名", "剂型", "规格", "包装转换比", "最小单位", "中选企业",
              "中选单价(元/最小单位)", "集采前价格(元/最小单位)", "协议期起", "协议期止"]
    sheets = []
    for batch, g in data.products.groupby("batch", sort=False):
        rows = [[r.product_id, r.batch, r.generic_name, r.dosage_form, r.specification, _num(r.pack_size),
                 r.unit, r.supplier, r.unit_price, r.baseline_price, _day(r.agreement_start),
                 _day(r.agreement_end)] for r in g.itertuples()]
        sheets.append(Sheet(str(batch), header, rows, formats={
            "协议期起": "yyyy-mm-dd", "协议期止": "yyyy-mm-dd", "中选单价(元/最小单位)": "0.0000",
            "集采前价格(元/最小单位)": "0.0000"}))
    return sheets


def agreements_sheets(data: Dataset) -> list[Sheet]:
    products = data.products.set_index("product_id")
    names = data.hospitals.set_index("hospital_id")["hospital_name"]
    a = data.agreements.join(products, on="product_id")
    header = ["机构编码", "机构名称", "产品编码", "通用名", "规格", "中选企业", "约定采购量", "单位"]
    sheets = []
    for batch, g in a.groupby("batch", sort=False):
        rows = [[r.hospital_id, names[r.hospital_id], r.product_id, r.generic_name, r.specification,
                 r.supplier, _num(r.agreed_volume), r.unit] for r in g.itertuples()]
        sheets.append(Sheet(f"{batch}约定量", header, rows, formats={"约定采购量": "#,##0"}))
    return sheets


def payments_sheet(data: Dataset) -> Sheet:
    names = data.hospitals.set_index("hospital_id")["hospital_name"]
    header = ["回款单号", "订单编号", "机构编码", "机构名称", "产品编码", "中选企业", "回款金额(元)", "回款日期"]
    rows = [[r.payment_id, _blank(r.order_id), r.hospital_id, names[r.hospital_id], r.product_id, r.supplier,
             r.amount, _day(r.date)] for r in data.payments.itertuples()]
    return Sheet("回款明细", header, rows, title="集采药品货款结算明细（合成数据）", merge_title=True,
                 formats={"回款金额(元)": "#,##0.00", "回款日期": "yyyy-mm-dd"})


def demand_sheet(data: Dataset) -> Sheet:
    names = data.hospitals.set_index("hospital_id")["hospital_name"]
    header = ["机构编码", "机构名称", "通用名", "规格", "申报量(最小单位)", "现用企业"]
    rows = [[r.hospital_id, names[r.hospital_id], r.generic_name, r.specification, _num(r.declared_volume),
             _blank(r.current_supplier)] for r in data.demand.itertuples()]
    return Sheet("报量汇总", header, rows, title="下一轮带量采购报量汇总（合成数据）", blank_rows=1,
                 formats={"申报量(最小单位)": "#,##0"})


def offers_sheet(data: Dataset) -> Sheet:
    header = ["通用名", "规格", "中选企业", "中选单价", "供应能力", "供应地区", "最低份额", "约定比例"]
    rows = [[r.generic_name, r.specification, r.supplier, r.unit_price, _blank(r.capacity) and _num(r.capacity),
             _blank(r.regions), r.min_share if r.min_share else None, _blank(r.agreed_ratio)]
            for r in data.offers.itertuples()]
    return Sheet("中选企业", header, rows, notes=["注：供应能力为空表示不限；供应地区为空表示全部地区。"])


# --- purchases: one file per hospital, each exported a little differently ------------------------

_CANON = ["订单编号", "入库日期", "机构编码", "机构名称", "产品编码", "通用名", "规格", "生产企业", "采购数量",
          "采购金额"]
_TRAD = ["訂單編號", "入庫日期", "醫療機構編碼", "醫療機構名稱", "產品編碼", "通用名", "規格", "生產企業",
         "採購數量", "採購金額"]
_ENGLISH = ["order_id", "date", "hospital_id", "hospital_name", "product_id", "generic_name", "specification",
            "supplier", "quantity", "amount"]
_DELIVERY = ["配送单号", "配送日期", "医院编码", "医院名称", "药品编码", "药品通用名", "规格型号", "生产企业",
             "配送数量", "金额(元)"]
_STOCK_IN = ["入库单号", "验收日期", "单位编码", "单位名称", "医保药品编码", "品种名称", "规格", "企业名称",
             "入库数量", "入库金额(元)"]


def _purchase_rows(g: pd.DataFrame, name: str) -> list[list[Any]]:
    return [[r.order_id, _day(r.date), r.hospital_id, name, _blank(r.product_id), r.generic_name,
             r.specification, r.supplier, _num(r.quantity), r.amount] for r in g.itertuples()]


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _fullwidth(text: str) -> str:
    return text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})


_FMT = {"采购金额": "#,##0.00", "入库日期": "yyyy-mm-dd"}


def _style_plain(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    return Sheet("采购明细", _CANON, _purchase_rows(g, name), formats=_FMT)


def _style_title(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    return Sheet("配送明细", _DELIVERY, _purchase_rows(g, name), title=f"{name}集采药品配送明细",
                 merge_title=True, blank_rows=1, notes=["注：数据导出自省药品集中采购平台（合成数据）。"],
                 formats={"配送日期": "yyyy/m/d", "金额(元)": "#,##0.00"})


def _style_traditional(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    return Sheet("採購明細", _TRAD, _purchase_rows(g, name), formats={"入庫日期": "yyyy-mm-dd"})


def _style_packs(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    """Most winning lines in packs (盒/瓶) with a unit column; non-winning lines stay in minimum units."""
    info = products.set_index("product_id")
    rows = []
    for i, r in enumerate(g.itertuples()):
        base = [r.order_id, _day(r.date), r.hospital_id, name, _blank(r.product_id), r.generic_name,
                r.specification, r.supplier]
        if pd.notna(r.product_id) and i % 5 != 0:
            p = info.loc[r.product_id]
            rows.append(base + [_num(r.quantity / p.pack_size), PACK_WORD.get(p.unit, "盒"), r.amount])
        else:
            unit = info.loc[r.product_id, "unit"] if pd.notna(r.product_id) else _unit_of(products, r)
            rows.append(base + [_num(r.quantity), unit, r.amount])
    header = _CANON[:9] + ["单位", "采购金额"]
    return Sheet("采购明细", header, rows, formats=_FMT)


def _unit_of(products: pd.DataFrame, r: Any) -> str:
    same = products[(products["generic_name"] == r.generic_name) & (products["specification"] == r.specification)]
    return str(same["unit"].iloc[0])


def _style_english(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    return Sheet("Purchases", _ENGLISH, _purchase_rows(g, name), formats={"date": "yyyy-mm-dd"})


def _style_total(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    """Text dates like 2026年3月5日 and a 合计 row under the data."""
    rows = _purchase_rows(g, name)
    for row in rows:
        row[1] = _cn_date(row[1])
    rows.append(["合计", None, None, None, None, None, None, None, _num(g["quantity"].sum()),
                 round(float(g["amount"].sum()), 2)])
    return Sheet("入库明细", _CANON, rows, title=f"{name} 集采药品入库汇总表", formats={"采购金额": "#,##0.00"})


def _style_text_numbers(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    """Quantities and amounts stored as text with thousands separators; dates as 2026/3/5 text."""
    rows = _purchase_rows(g, name)
    for row in rows:
        row[1] = f"{row[1].year}/{row[1].month}/{row[1].day}"
        row[8] = f"{row[8]:,}"
        row[9] = f"{row[9]:,.2f}"
    return Sheet("Sheet1", _STOCK_IN, rows)


def _style_by_name(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    """Hospital named, not coded; quantities typed with full-width digits in a few rows."""
    rows = _purchase_rows(g, name)
    out = []
    for i, row in enumerate(rows):
        qty = _fullwidth(str(row[8])) if i % 7 == 3 else row[8]
        out.append([row[0], row[1], row[3], *row[4:8], qty, row[9]])
    header = [_CANON[0], _CANON[1], "医院名称", *_CANON[4:10]]
    return Sheet("采购明细", header, out, title=None, blank_rows=2, formats=_FMT)


def _style_stock_in(g: pd.DataFrame, name: str, products: pd.DataFrame) -> Sheet:
    return Sheet("入库记录", _STOCK_IN, _purchase_rows(g, name),
                 formats={"验收日期": "yyyy-mm-dd", "入库金额(元)": "#,##0.00"})


StyleFn = Callable[[pd.DataFrame, str, pd.DataFrame], Sheet]
# hospital position -> how its export looks; the rest use the plain or stock-in layout
STYLES: dict[int, StyleFn] = {
    1: _style_title, 2: _style_traditional, 3: _style_packs, 4: _style_english, 6: _style_total,
    7: _style_text_numbers, 8: _style_by_name, 9: _style_stock_in, 12: _style_packs, 14: _style_title,
}
CSV_HOSPITAL = 5  # this one sends a GBK CSV


def write_purchases(data: Dataset, folder: Path) -> list[Path]:
    """One file per hospital under 采购记录/, named H0xx_<name>."""
    written = []
    for pos, h in enumerate(data.hospitals.itertuples()):
        g = data.purchases[data.purchases["hospital_id"] == h.hospital_id]
        stem = f"{h.hospital_id}_{h.hospital_name}"
        if pos == CSV_HOSPITAL:
            path = folder / f"{stem}.csv"
            frame = pd.DataFrame(_purchase_rows(g, h.hospital_name), columns=_CANON)
            frame["入库日期"] = [f"{d.year}/{d.month}/{d.day}" for d in frame["入库日期"]]
            frame["采购数量"] = frame["采购数量"].astype(object)
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, index=False, encoding="gbk", lineterminator="\r\n")
        else:
            style = STYLES.get(pos, _style_plain if pos % 2 == 0 else _style_stock_in)
            path = folder / f"{stem}.xlsx"
            write_xlsx(path, [style(g, h.hospital_name, data.products)])
        written.append(path)
    return written


def write_all(out: Path = HERE, data: Dataset | None = None) -> list[Path]:
    """Every sample file; returns the paths written."""
    data = data if data is not None else generate_alliance(seed=SEED, start=START)
    files = {
        out / "01_医疗机构.xlsx": [hospitals_sheet(data)],
        out / "02_中选产品.xlsx": products_sheets(data),
        out / "03_约定采购量.xlsx": agreements_sheets(data),
        out / "05_回款记录.xlsx": [payments_sheet(data)],
        out / "planning" / "报量.xlsx": [demand_sheet(data)],
        out / "planning" / "中选企业.xlsx": [offers_sheet(data)],
    }
    for path, sheets in files.items():
        write_xlsx(path, sheets)
    purchase_dir = out / "采购记录"
    if purchase_dir.exists():
        for old in purchase_dir.iterdir():
            if old.suffix in {".xlsx", ".csv"}:
                old.unlink()
    return [*files, *write_purchases(data, purchase_dir)]


def main() -> None:
    paths = write_all()
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {total / 1024:.0f} KiB; data as of {alliance_as_of(START)}")


if __name__ == "__main__":
    main()
