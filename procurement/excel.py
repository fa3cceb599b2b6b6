"""Excel output: the execution report workbook and the blank upload templates.

Coordinators live in Excel, so the report must read well there without touching it: Chinese
headers, frozen header row, filters, real number formats (not text), laggards filled red. The
report is written in openpyxl's write-only mode so a large alliance's detail sheet stays fast.
"""

from __future__ import annotations

import math
from copy import copy
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from procurement.excel_safety import is_formula_text, keep_as_text
from procurement.ingest.headers import FIELDS, REQUIRED, kind_label
from procurement.labels import (
    COLUMN_LABELS_ZH,
    EXECUTION_SHEET,
    GRADE_BASIS_ZH,
    METRIC_LABELS_ZH,
    OUTSIDE_LABELS_ZH,
    PROGRESS_STATUS_ZH,
    SCORECARD_LABELS_ZH,
)
from procurement.report import METRIC_KEYS, Report, grade_basis_of

FMT_VOLUME = "#,##0"
FMT_YUAN = "#,##0.00"
FMT_RATE = "0.00%"
FMT_DAYS = "0.0"
FMT_COUNT = "0"
FMT_DATE = "yyyy-mm-dd"

LAGGARD_FILL = PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE")  # light red
OVERDUE_FILL = PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C")  # amber
OVERDUE_FONT = Font(color="FF9C0006", bold=True)
HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="FFC00000")

_VOLUME = {"agreed_volume", "purchased_volume", "quantity", "declared_volume", "capacity", "ordered_quantity",
           "delivered_quantity", "delivered_48h"}
_RATE = {
    "completion_rate", "time_elapsed", "projected_completion", "collection_rate", "paid_vs_agreed",
    "on_time_rate", "savings_rate", "mean_price_drop", "max_price_drop", "winning_share",
    "delivery_rate", "delivered_48h_share", "prepaid_share", "direct_settled_share", "agreed_share",
    "序时进度", "零采购产品数占比", "低于序时进度产品数占比", "超量采购产品数占比", "正常采购产品数占比",
}
_YUAN = {
    "agreed_amount", "purchase_amount", "paid_amount", "overdue_amount", "overdue_31_60", "overdue_61_90",
    "overdue_over_90", "savings_agreed", "savings_realized", "retained_savings", "amount",
    "unit_price", "baseline_price", "prepaid_amount", "prepay_offset", "prepay_balance",
}
_OVERDUE = {"overdue_amount", "overdue_31_60", "overdue_61_90", "overdue_over_90"}
_DAYS = {"avg_days_to_pay", "days_short"}
_DATES = {"period_start", "period_end", "month", "批次开始时间", "批次结束时间"}


def number_format(column: str) -> str | None:
    """The Excel number format a report column is shown with."""
    if column in _RATE:
        return FMT_RATE
    if column in _YUAN:
        return FMT_YUAN
    if column in _VOLUME:
        return FMT_VOLUME
    if column in _DAYS:
        return FMT_DAYS
    if column in _DATES:
        return FMT_DATE
    if column.startswith("n_") or column.endswith("数"):
        return FMT_COUNT
    return None


def _cell_value(value: Any) -> Any:
    """A value openpyxl writes as a real number/date, blank for missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (np.bool_, bool)):
        return "是" if value else "否"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    return value


def _display_width(value: Any) -> int:
    text = f"{value:,.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _widths(frame: pd.DataFrame, headers: list[str]) -> list[float]:
    """Column widths from the header and the first rows, within sensible bounds."""
    sample = frame.head(200)
    out = []
    for col, header in zip(frame.columns, headers, strict=True):
        widest = max([_display_width(header)] + [_display_width(v) for v in sample[col] if _cell_value(v) is not None])
        out.append(float(min(max(widest + 2, 8), 40)))
    return out


def _translate(frame: pd.DataFrame) -> pd.DataFrame:
    """Statuses in Chinese for people (JSON keeps the English codes)."""
    out = frame.copy()
    if "progress_status" in out.columns:
        out["progress_status"] = out["progress_status"].map(lambda s: PROGRESS_STATUS_ZH.get(s, s) if isinstance(s, str) else s)
    if "grade_basis" in out.columns:  # 实际 (the year's final figures) / 预计 (projected mid-year)
        out["grade_basis"] = out["grade_basis"].map(lambda s: GRADE_BASIS_ZH.get(s, s) if isinstance(s, str) else s)
    return out


def _assessment_labels(frame: pd.DataFrame, labels: dict[str, str]) -> dict[str, str]:
    """Grade and retained savings headed 实际 or 预计 when every row of the sheet has the same basis."""
    if "grade_basis" not in frame.columns:
        return labels
    basis = grade_basis_of(frame["grade_basis"])
    if basis is None:
        return labels
    zh = GRADE_BASIS_ZH[basis]
    return {**labels, "grade": f"考核等级({zh})", "retained_savings": f"结余留用(估算, {zh})"}


def _write_table(wb: Workbook, title: str, frame: pd.DataFrame, labels: dict[str, str] | None = None) -> None:
    """One sheet: Chinese headers, formats, frozen header, filter, laggards red, overdue amber."""
    ws = wb.create_sheet(title)
    labels = _assessment_labels(frame, labels if labels is not None else COLUMN_LABELS_ZH)
    columns = list(frame.columns)
    headers = [labels.get(c, c) for c in columns]
    shown = _translate(frame)
    for i, width in enumerate(_widths(shown, headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header_cells.append(keep_as_text(cell))
    ws.append(header_cells)
    formats = [number_format(c) for c in columns]
    overdue_cols = [c in _OVERDUE or (title == "逾期回款" and c == "amount") for c in columns]
    laggard = _laggard_rows(frame)
    styles = _StyleCache(ws)
    for r, values in enumerate(shown.itertuples(index=False)):
        row = []
        for value, fmt, is_overdue in zip(values, formats, overdue_cols, strict=True):
            v = _cell_value(value)
            hot = is_overdue and isinstance(v, float) and v > 0
            if not (fmt or laggard[r] or hot or is_formula_text(v)):
                row.append(v)  # plain values share one cell object inside openpyxl: much cheaper
                continue
            cell = WriteOnlyCell(ws, value=v)
            cell._style = styles.get(fmt, bool(laggard[r]), hot)
            row.append(keep_as_text(cell))  # after the style: it carries the quote prefix
        ws.append(row)


class _StyleCache:
    """Style arrays built once per (format, laggard, overdue): restyling each cell is slow in openpyxl."""

    def __init__(self, ws: Any):
        self.ws = ws
        self.cache: dict[tuple[str | None, bool, bool], Any] = {}

    def get(self, fmt: str | None, laggard: bool, overdue: bool) -> Any:
        key = (fmt, laggard, overdue)
        if key not in self.cache:
            proto = WriteOnlyCell(self.ws)
            if fmt:
                proto.number_format = fmt
            if laggard:
                proto.fill = LAGGARD_FILL
            if overdue:
                proto.fill, proto.font = OVERDUE_FILL, OVERDUE_FONT
            self.cache[key] = proto._style
        return copy(self.cache[key])


def _laggard_rows(frame: pd.DataFrame) -> np.ndarray:
    """Behind schedule, zero purchase or warned: the rows a coordinator has to chase."""
    out = np.zeros(len(frame), dtype=bool)
    if "progress_status" in frame.columns:
        out |= frame["progress_status"].isin(["below_schedule", "zero_purchase"]).to_numpy(dtype=bool)
    if "warning" in frame.columns:
        out |= frame["warning"].fillna(False).astype(bool).to_numpy()
    for col in ("零采购产品数", "低于序时进度产品数"):
        if col in frame.columns:
            out |= frame[col].fillna(0).to_numpy() > 0
    return out


def _write_summary(wb: Workbook, report: Report) -> None:
    """汇总: the key totals, one per line with its Chinese label, then the warnings."""
    ws = wb.create_sheet("汇总")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 24
    ws.freeze_panes = "A3"  # write-only sheets take their view before the first row
    title = WriteOnlyCell(ws, value=f"带量采购执行情况汇总（截至 {report.as_of.isoformat()}）")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    header = []
    for h in ("指标", "数值", "key"):
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        header.append(c)
    ws.append(header)
    for key in METRIC_KEYS:
        value = report.total.get(key)
        if key == "progress_status" and isinstance(value, str):
            value = PROGRESS_STATUS_ZH.get(value, value)
        cell = keep_as_text(WriteOnlyCell(ws, value=_cell_value(value)))  # formats and fills keep the prefix
        fmt = number_format(key)
        if fmt:
            cell.number_format = fmt
        if key in _OVERDUE and isinstance(value, (int, float)) and value > 0:
            cell.fill, cell.font = OVERDUE_FILL, OVERDUE_FONT
        if key == "warning" and value:
            cell.fill = LAGGARD_FILL
        ws.append([_summary_label(report, key), cell, key])
    if report.agreement_year is not None:
        ws.append([COLUMN_LABELS_ZH["agreement_year"], report.agreement_year, "agreement_year"])
    ws.append([])
    if report.warnings:
        head = WriteOnlyCell(ws, value="提示 / Warnings")
        head.font = HEADER_FONT
        ws.append([head])
        for w in report.warnings:  # may quote names from the data
            ws.append([keep_as_text(WriteOnlyCell(ws, value=w))])


def _summary_label(report: Report, key: str) -> str:
    """A metric's label; retained savings says whether it rests on final (实际) or projected (预计) grades."""
    label = METRIC_LABELS_ZH[key]
    if key == "retained_savings" and "grade_basis" in report.hospitals.columns:
        basis = grade_basis_of(report.hospitals["grade_basis"])
        label = f"{label}({GRADE_BASIS_ZH[basis]})" if basis else f"{label}(实际/预计, 见按医疗机构)"
    return label


def write_report_xlsx(report: Report, path_or_buffer: Any) -> None:
    """The execution report as a workbook: summary, every level, the platform's execution sheet."""
    wb = Workbook(write_only=True)
    _write_summary(wb, report)
    _write_table(wb, "按批次", report.batches)
    _write_table(wb, "按医疗机构", report.hospitals)
    _write_table(wb, "按产品", report.products)
    _write_table(wb, "按企业", report.suppliers)
    # the platform's own sheet name and its 23 headers, row 1, in its order: the shape insurance bureaus compare
    _write_table(wb, EXECUTION_SHEET, report.execution, labels={})
    _write_table(wb, "明细", report.detail)
    _write_table(wb, "逾期回款", report.overdue)
    _write_table(wb, "按月", report.monthly)
    _write_table(wb, "按地区", report.regions)
    _write_table(wb, "企业评分", report.scorecard, labels=SCORECARD_LABELS_ZH)
    _write_table(wb, "配送企业", report.distributors, labels=SCORECARD_LABELS_ZH)
    _write_table(wb, "医保预付与结算", _fund_rows(report), labels=SCORECARD_LABELS_ZH)
    if len(report.outside_period):  # purchases counted for no agreement year: listed, not hidden
        _write_table(wb, "协议期外采购", report.outside_period, labels=OUTSIDE_LABELS_ZH)
    wb.save(path_or_buffer)


def _fund_rows(report: Report) -> pd.DataFrame:
    """Per hospital: agreed amount, prepaid, offset, balance, prepaid share, paid and the share settled
    directly by the fund (a section the bureau reads, 医保预付与直接结算)."""
    cols = ["hospital_id", "hospital_name", "agreed_amount", "prepaid_amount", "prepay_offset", "prepay_balance",
            "prepaid_share", "paid_amount", "direct_settled_share"]
    return report.hospitals[[c for c in cols if c in report.hospitals.columns]]


# --- blank templates -----------------------------------------------------------------------------

_FORMATS: dict[str, tuple[str, str | None]] = {
    # field -> (what to type, Excel number format)
    "agreement_start": ("日期 2020-03-05 / date", FMT_DATE),
    "agreement_end": ("日期 2020-03-05 / date", FMT_DATE),
    "date": ("日期 2020-03-05 / date", FMT_DATE),
    "pack_size": ("数字: 每包装最小单位数 / number of minimum units per pack", "0"),
    "unit_price": ("金额(元/最小单位) / yuan per minimum unit", "0.0000"),
    "baseline_price": ("金额(元/最小单位) / yuan per minimum unit", "0.0000"),
    "pack_price": ("金额(元/包装), 按包装转换比折算 / yuan per pack, divided by the pack size", "0.0000"),
    "pack_unit": ("包装单位 盒/瓶/袋 / the pack's unit", None),
    "min_unit": ("最小制剂单位 片/粒/支/袋/ml / minimum unit", None),
    "pack_text": ("包装, 如 12片×2板/盒 / packaging, e.g. 12片×2板/盒", None),
    "agreed_volume": ("数量(最小单位, 或填写单位列) / quantity", FMT_VOLUME),
    "quantity": ("数量(最小单位, 或填写单位列) / quantity", FMT_VOLUME),
    "declared_volume": ("数量(最小单位) / quantity in minimum units", FMT_VOLUME),
    "amount": ("金额(元) / yuan", FMT_YUAN),
    "capacity": ("数量(最小单位), 空为不限 / blank = unlimited", FMT_VOLUME),
    "min_share": ("比例 0-1 / share", "0.00"),
    "agreement_year": ("协议年度序号 1、2、3 (不填为1), 不是日历年份 / agreement year 1, 2, 3 (blank: 1), "
                       "not a calendar year", "0"),
    "agreed_ratio": ("比例 0-1, 空为按中选企业数 / blank = by number of winners", "0.00"),
    "regions": ("地区名称, 逗号分隔, 空为全部 / comma-separated regions", None),
    "unit": ("片/粒/支/袋/ml 或 盒/瓶 (按包装转换比换算) / unit", None),
    "ordered_quantity": ("订购数量, 与入库数量单位相同 / quantity ordered, same unit", FMT_VOLUME),
    "order_date": ("日期 2020-03-05 / date ordered", FMT_DATE),
    "status": ("已入库/已取消/退货 或 已支付/待支付 (取消、未支付不计入, 退货冲减) / "
               "cancelled and unpaid rows are left out, returns subtract", None),
    "vbp_flag": ("是/否 (否不计入) / yes or no (no = left out)", None),
    "payer": ("医院 或 医保基金 / hospital or fund", None),
}
_UNITS = ["片", "粒", "支", "袋", "ml", "盒", "瓶"]
_LEVELS = ["三级甲等", "三级", "二级", "一级", "基层医疗机构"]

_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "hospitals": [
        dict(hospital_id="H001", hospital_name="市第一人民医院", region="市辖区", level="三级甲等"),
        dict(hospital_id="H002", hospital_name="县人民医院", region="某某县", level="二级"),
    ],
    "products": [
        dict(product_id="P001", batch="第一批", generic_name="阿托伐他汀钙片", dosage_form="片剂", specification="20mg",
             pack_size=7, unit="片", supplier="某某药业", unit_price=0.5, baseline_price=3.2,
             agreement_start=date(2020, 1, 1), agreement_end=date(2020, 12, 31)),
        dict(product_id="P002", batch="第一批", generic_name="苯磺酸氨氯地平片", dosage_form="片剂", specification="5mg",
             pack_size=28, unit="片", supplier="某某制药", unit_price=0.15, baseline_price=1.1,
             agreement_start=date(2020, 1, 1), agreement_end=date(2020, 12, 31)),
    ],
    "agreements": [
        dict(hospital_id="H001", hospital_name="市第一人民医院", product_id="P001", generic_name="阿托伐他汀钙片",
             specification="20mg", supplier="某某药业", agreed_volume=120000, unit="片", agreement_year=1),
        dict(hospital_id="H002", hospital_name="县人民医院", product_id="P002", generic_name="苯磺酸氨氯地平片",
             specification="5mg", supplier="某某制药", agreed_volume=3000, unit="盒", agreement_year=1),
    ],
    "purchases": [
        dict(order_id="DD20200305001", date=date(2020, 3, 5), hospital_id="H001", hospital_name="市第一人民医院",
             product_id="P001", generic_name="阿托伐他汀钙片", specification="20mg", supplier="某某药业",
             quantity=7000, unit="片", amount=3500.0),
        dict(order_id="DD20200306002", date=date(2020, 3, 6), hospital_id="H002", hospital_name="县人民医院",
             product_id="P002", generic_name="苯磺酸氨氯地平片", specification="5mg", supplier="某某制药",
             quantity=100, unit="盒", amount=420.0),
    ],
    "payments": [
        dict(payment_id="HK20200320001", order_id="DD20200305001", hospital_id="H001", hospital_name="市第一人民医院",
             product_id="P001", supplier="某某药业", amount=3500.0, date=date(2020, 3, 20)),
        dict(payment_id="HK20200401002", order_id=None, hospital_id="H002", hospital_name="县人民医院",
             product_id=None, supplier="某某制药", amount=420.0, date=date(2020, 4, 1)),
    ],
    "demand": [
        dict(hospital_id="H001", hospital_name="市第一人民医院", generic_name="阿托伐他汀钙片", specification="20mg",
             declared_volume=200000, current_supplier="某某药业"),
        dict(hospital_id="H002", hospital_name="县人民医院", generic_name="苯磺酸氨氯地平片", specification="5mg",
             declared_volume=50000, current_supplier="原研药企"),
    ],
    "offers": [
        dict(generic_name="阿托伐他汀钙片", specification="20mg", supplier="某某药业", unit_price=0.5, capacity=5_000_000,
             regions="市辖区,某某县", min_share=0.0, agreed_ratio=None),
        dict(generic_name="阿托伐他汀钙片", specification="20mg", supplier="另一药业", unit_price=0.62, capacity=None,
             regions=None, min_share=0.1, agreed_ratio=None),
    ],
    "fund_transfers": [
        dict(transfer_id="YF2020001", hospital_id="H001", hospital_name="市第一人民医院", batch="第一批", kind="预付",
             amount=36000.0, date=date(2020, 1, 10)),
        dict(transfer_id="CD2020001", hospital_id="H001", hospital_name="市第一人民医院", batch="第一批", kind="冲抵",
             amount=12000.0, date=date(2020, 4, 10)),
    ],
    "shortages": [
        dict(hospital_id="H001", hospital_name="市第一人民医院", product_id="P001", generic_name="阿托伐他汀钙片",
             specification="20mg", supplier="某某药业", start_date=date(2020, 3, 1), status="未解决", orders=3),
        dict(hospital_id="H002", hospital_name="县人民医院", product_id="P002", generic_name="苯磺酸氨氯地平片",
             specification="5mg", supplier="某某制药", start_date=date(2020, 2, 10), end_date=date(2020, 2, 20),
             status="已解决", orders=1),
    ],
    "substitutes": [
        dict(generic_name="阿托伐他汀钙片", specification="20mg", substitute="瑞舒伐他汀钙片"),
        dict(generic_name="苯磺酸氨氯地平片", specification="5mg", substitute="XP0000001"),
    ],
}


def _required(kind: str) -> tuple[set[str], set[str]]:
    """Fields that are required alone, and fields that are one of several alternatives."""
    alone, either = set(), set()
    for group in REQUIRED[kind]:
        if len(group) == 1 and len(group[0]) == 1:
            alone.add(group[0][0])
        else:
            either.update(name for alt in group for name in alt)
    return alone, either


def _field_format(name: str) -> tuple[str, str | None]:
    return _FORMATS.get(name, ("文本 / text", "@"))


def write_template(kind: str, path_or_buffer: Any) -> None:
    """A blank upload sheet for ``kind`` with its canonical headers, examples and an instructions sheet."""
    if kind not in FIELDS:
        raise ValueError(f"未知的模板类型 {kind} / unknown template kind {kind}")
    fields = FIELDS[kind]
    alone, either = _required(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = kind_label(kind)
    for col, fld in enumerate(fields, start=1):
        cell = keep_as_text(ws.cell(row=1, column=col, value=fld.zh))
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        if fld.name in alone:
            cell.font = REQUIRED_FONT
            cell.comment = Comment("必填 / required", "template")
        elif fld.name in either:
            cell.font = Font(bold=True, color="FF1F4E79")
            cell.comment = Comment("二选一必填, 见说明 / one of these is required, see 说明", "template")
        else:
            cell.font = HEADER_FONT
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(12, _display_width(fld.zh) + 4)
        fmt = _field_format(fld.name)[1]
        if fmt:  # a column style: Excel applies it to every cell typed into the column later
            ws.column_dimensions[letter].number_format = fmt
    for r, example in enumerate(_EXAMPLES[kind], start=2):
        for col, fld in enumerate(fields, start=1):
            value = example.get(fld.name)
            if value is not None:
                cell = ws.cell(row=r, column=col, value=value)
                fmt = _field_format(fld.name)[1]
                if fmt:
                    cell.number_format = fmt
                keep_as_text(cell)
    ws.freeze_panes = "A2"
    names = [f.name for f in fields]
    if "unit" in names:
        dv = DataValidation(type="list", formula1='"' + ",".join(_UNITS) + '"', allow_blank=True,
                            errorStyle="warning", showErrorMessage=True,
                            error="请使用最小单位或包装单位 / use a minimum or pack unit", errorTitle="单位")
        letter = get_column_letter(names.index("unit") + 1)
        dv.add(f"{letter}2:{letter}1001")
        ws.add_data_validation(dv)
    if kind == "hospitals":
        dv = DataValidation(type="list", formula1='"' + ",".join(_LEVELS) + '"', allow_blank=True,
                            errorStyle="warning", showErrorMessage=True)
        letter = get_column_letter(names.index("level") + 1)
        dv.add(f"{letter}2:{letter}1001")
        ws.add_data_validation(dv)
    _write_instructions(wb, kind, alone, either)
    wb.save(path_or_buffer)


def _write_instructions(wb: Workbook, kind: str, alone: set[str], either: set[str]) -> None:
    """说明: every column with its English name, accepted aliases, whether required, and format."""
    ws = wb.create_sheet("说明")
    ws["A1"] = f"{kind_label(kind)}模板填写说明 / how to fill in the {kind} template"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = ("红色表头为必填; 蓝色表头为二选一(编码或名称)必填; 其余选填。标题行、空行、合计行可保留, 导入时自动跳过。"
                " / Red headers are required, blue ones are alternatives (code or name), others optional.")
    head = ["列名", "English", "别名 / aliases", "必填 / required", "格式 / format"]
    for col, h in enumerate(head, start=1):
        c = keep_as_text(ws.cell(row=4, column=col, value=h))
        c.font, c.fill = HEADER_FONT, HEADER_FILL
    for r, fld in enumerate(FIELDS[kind], start=5):
        required = "是 / yes" if fld.name in alone else ("二选一 / one of" if fld.name in either else "否 / no")
        values = [fld.zh, fld.name, "、".join(fld.aliases), required, _field_format(fld.name)[0]]
        for col, v in enumerate(values, start=1):
            keep_as_text(ws.cell(row=r, column=col, value=v))
    for col, width in zip("ABCDE", (16, 18, 60, 16, 46), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A5"
