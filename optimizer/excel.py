"""The plan as a workbook a coordinator can send out (分配方案 and its companions).

Coordinators live in Excel: the allocation sheet is sorted by hospital so it can be cut per
hospital, every table has Chinese headers, number formats, a frozen header and a filter. Names come
from uploaded files: every cell goes through ``keep_as_text``, so none becomes a formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.inputs import PlanInput, PlanSettings
from optimizer.scenarios import DisruptionResult, ScenarioComparison
from procurement.excel_safety import keep_as_text
from procurement.labels import COLUMN_LABELS_ZH, PLAN_STATUS_ZH

VOLUME = "#,##0"  # minimum units are whole; the cell keeps any fraction
PRICE = "0.0000"
MONEY = "#,##0.00"
PERCENT = "0.0%"
SECONDS = "0.000"
HIGH_LOAD = 0.95  # utilisation above this is highlighted: little room left for a disruption

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WARN_FILL = PatternFill("solid", fgColor="FFC7CE")

@dataclass(frozen=True)
class Col:
    """One output column: source field, Chinese header, number format."""

    source: str
    header: str
    fmt: str | None = None


def write_plan_xlsx(
    plan: Any,
    path_or_buffer: str | Path | IO[bytes],
    *,
    inp: PlanInput | None = None,
    comparison: ScenarioComparison | None = None,
    disruption: DisruptionResult | Sequence[DisruptionResult] | None = None,
    settings: PlanSettings | None = None,
) -> None:
    """Write the plan workbook; ``inp`` (optional) adds hospital names, the current suppliers, and the
    first sheet 说明 that explains the plan (its settings, figures, winners without volume, switches)."""
    names, regions, current = _lookups(inp)
    wb = Workbook()
    wb.remove(wb.active)
    summary = None
    if inp is not None:
        from optimizer.summary import summarize

        summary = summarize(plan, inp, settings)
        _readme_sheet(wb, plan, summary, settings, comparison is not None, bool(disruption))
    _allocation_sheet(wb, plan, names, regions)
    if summary is not None:
        _winners_sheet(wb, summary)
    _load_sheet(wb, plan)
    _shortage_sheet(wb, plan, names, regions)
    if summary is not None:
        _switch_reason_sheet(wb, summary, names)
    else:
        _switch_sheet(wb, plan, names, current)
    _savings_sheet(wb, plan)
    _solve_sheet(wb, plan)
    if comparison is not None:
        _comparison_sheet(wb, comparison)
    steps = [disruption] if isinstance(disruption, DisruptionResult) else list(disruption or [])
    for i, step in enumerate(steps):  # one sheet per failed supplier
        _disruption_sheet(wb, step, names, "断供调整" if i == 0 else f"断供调整{i + 1}")
    wb.save(path_or_buffer)


# --- lookups and the table writer --------------------------------------------------------------


def _lookups(inp: PlanInput | None) -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str, str], str]]:
    """Hospital names, regions and current suppliers, when the input is given."""
    if inp is None:
        return {}, {}, {}
    hosp = inp.hospitals
    names = {str(h): str(n) for h, n in zip(hosp["hospital_id"], hosp.get("hospital_name", pd.Series(dtype=object)),
                                           strict=False) if not _blank(n)}
    regions = {str(h): str(r) for h, r in zip(hosp["hospital_id"], hosp.get("region", pd.Series(dtype=object)),
                                             strict=False) if not _blank(r)}
    current: dict[tuple[str, str, str], str] = {}
    dem = inp.demand
    if "current_supplier" in dem.columns:
        for h, g, s, c in dem[["hospital_id", "generic_name", "specification", "current_supplier"]].itertuples(
            index=False, name=None
        ):
            if not _blank(c):
                current.setdefault((str(h), str(g), str(s)), str(c))
    return names, regions, current


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _cell_value(value: Any) -> Any:
    """Plain Python values for openpyxl: NA/NaN/inf become empty cells."""
    if _blank(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _write_table(ws: Worksheet, frame: pd.DataFrame, cols: list[Col], start_row: int = 1) -> int:
    """Header plus rows from ``start_row``; returns the last row written."""
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=start_row, column=j, value=col.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        keep_as_text(cell)  # headers may carry scenario names
    r = start_row
    sources = [c.source for c in cols]
    present = frame.reindex(columns=sources)
    for r, row in enumerate(present.itertuples(index=False, name=None), start=start_row + 1):
        for j, (value, col) in enumerate(zip(row, cols, strict=True), start=1):
            cell = keep_as_text(ws.cell(row=r, column=j, value=_cell_value(value)))
            if col.fmt:
                cell.number_format = col.fmt
    _widths(ws, cols, present)
    return r


def _widths(ws: Worksheet, cols: list[Col], frame: pd.DataFrame) -> None:
    """Column widths from the longest text, CJK characters counted double."""
    for j, col in enumerate(cols, start=1):
        texts = [col.header, *(str(v) for v in frame[col.source].head(200) if not _blank(v))]
        width = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts) + 2
        letter = get_column_letter(j)
        # an earlier table on the sheet may have widened the column; a column not yet touched has no
        # width of its own (openpyxl would report its default 13 and defeat the floor of 8)
        before = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 0
        ws.column_dimensions[letter].width = max(before or 0, min(width, 40), 8)


def _table_sheet(wb: Workbook, title: str, frame: pd.DataFrame, cols: list[Col]) -> Worksheet:
    """A sheet holding one table, with a frozen header and a filter over it."""
    ws = wb.create_sheet(title)
    last = _write_table(ws, frame, cols)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(last, 1)}"
    return ws


def _with_hospital(frame: pd.DataFrame, names: dict[str, str], regions: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    out["hospital_name"] = out["hospital_id"].astype(str).map(names)
    from_input = out["hospital_id"].astype(str).map(regions)
    out["region"] = out["region"].where(out["region"].notna(), from_input) if "region" in out else from_input
    return out


NAME_COLS = [Col(c, COLUMN_LABELS_ZH[c]) for c in ("hospital_id", "hospital_name")]
HOSPITAL_COLS = [*NAME_COLS, Col("region", COLUMN_LABELS_ZH["region"])]
DRUG_COLS = [Col(c, COLUMN_LABELS_ZH[c]) for c in ("generic_name", "specification")]
SUPPLIER_COL = Col("supplier", COLUMN_LABELS_ZH["supplier"])


# --- the sheets --------------------------------------------------------------------------------


def _allocation_sheet(wb: Workbook, plan: Any, names: dict[str, str], regions: dict[str, str]) -> None:
    alloc = _with_hospital(plan.allocations, names, regions)
    alloc["amount"] = alloc["volume"].astype(float) * alloc["unit_price"].astype(float)
    alloc["switched_zh"] = alloc["switched"].map(lambda v: "是" if bool(v) else "否")
    alloc = alloc.sort_values(["hospital_id", "generic_name", "specification", "supplier"], ignore_index=True)
    _table_sheet(wb, "分配方案", alloc, [
        *HOSPITAL_COLS, *DRUG_COLS, SUPPLIER_COL, Col("volume", "分配量(最小单位)", VOLUME),
        Col("unit_price", "中选单价(元)", PRICE), Col("amount", "金额(元)", MONEY), Col("switched_zh", "是否切换企业"),
    ])


def _load_sheet(wb: Workbook, plan: Any) -> None:
    sup = plan.suppliers.copy()
    cap = sup["capacity"].astype(float)
    sup["utilisation"] = (sup["load"].astype(float) / cap).where(cap > 0)
    ws = _table_sheet(wb, "企业负荷", sup, [
        *DRUG_COLS, SUPPLIER_COL, Col("load", "分配量(最小单位)", VOLUME),
        Col("capacity", "供应能力(空=不限)", VOLUME), Col("utilisation", "产能利用率", PERCENT),
    ])
    for r, util in enumerate(sup["utilisation"], start=2):
        if not _blank(util) and float(util) > HIGH_LOAD:
            for c in range(1, 7):
                ws.cell(row=r, column=c).fill = WARN_FILL


def _shortage_sheet(wb: Workbook, plan: Any, names: dict[str, str], regions: dict[str, str]) -> None:
    short = _with_hospital(plan.shortages, names, regions)
    if "region" not in plan.shortages and "region" in plan.allocations and len(short):
        plan_regions = dict(zip(plan.allocations["hospital_id"].astype(str), plan.allocations["region"], strict=False))
        short["region"] = short["region"].where(short["region"].notna(), short["hospital_id"].astype(str).map(plan_regions))
    short = short.sort_values(["hospital_id", "generic_name", "specification"], ignore_index=True)
    _table_sheet(wb, "短缺", short, [*HOSPITAL_COLS, *DRUG_COLS, Col("volume", "短缺量(最小单位)", VOLUME)])


def _switch_sheet(wb: Workbook, plan: Any, names: dict[str, str], current: dict[tuple[str, str, str], str]) -> None:
    alloc = plan.allocations
    sw = alloc[alloc["switched"].astype(bool)].copy() if len(alloc) else alloc.copy()
    sw["hospital_name"] = sw["hospital_id"].astype(str).map(names)
    sw["current"] = [current.get((str(h), str(g), str(s))) for h, g, s in
                     sw[["hospital_id", "generic_name", "specification"]].itertuples(index=False, name=None)]
    sw = sw.sort_values(["hospital_id", "generic_name", "specification", "supplier"], ignore_index=True)
    _table_sheet(wb, "切换", sw, [
        *NAME_COLS, *DRUG_COLS,
        Col("current", "原供应企业"), Col("supplier", "新供应企业"), Col("volume", "切换量(最小单位)", VOLUME),
    ])


# What each sheet holds and the words a reader may not know: the workbook travels without the app.
SHEET_NOTES = [
    ("分配方案", "每家机构每个品种由哪家中选企业供应多少（最小单位）、中选单价、是否切换企业。可按机构筛选后分发。"),
    ("中选企业获量", "每家中选企业分得的量、份额；未获量的企业标明原因（价格、产能、地区）。"),
    ("企业负荷", "每家中选企业的总分配量与供应能力（空白 = 不限）；利用率高于 95% 标红。"),
    ("短缺", "因产能或地区不足而无法分配的量；缺口惩罚越高，求解越尽量避免短缺。"),
    ("切换", "改由其他企业供应的机构×品种，原企业与新企业的单价和原因。"),
    ("节约", "按集采前价格计算的各品种节约金额；没有集采前价格的品种不在此表中。"),
    ("求解信息", "求解状态、目标值、相对间隙、耗时，以及输入检查发现的问题。"),
]
TERMS = [
    ("约定比例", "约定采购量 = 报量 × 约定比例（向上取整）。留空时按中选企业数：1 家 50%，2 家 60%，3 家 70%，4 家及以上 80%。"),
    ("K", "每家机构每个品种最多由几家企业供应；K = 1 即单一来源。"),
    ("切换企业惩罚", "每单位改由非现供应企业供应时额外计入的金额（元/单位），只影响选择，不计入方案金额。为 0 时，价格相同的情况下仍保留现供应企业。"),
    ("缺口惩罚", "每单位无法供应时计入的金额（元/单位）。应远高于任何中选单价，否则求解会宁可短缺。"),
    ("相对间隙", "求解结果与理论最优下界之间的最大差距占比；0.01% 表示总金额最多比最优高万分之一。"),
    ("目标值", "方案金额 + 切换企业惩罚 + 缺口惩罚，是求解所最小化的量；方案金额只含中选单价 × 分配量。"),
    ("单位成本", "方案金额 ÷ 分配量。不同约定比例分配的量不同，比较方案时应看单位成本而非总金额。"),
]


def _readme_sheet(wb: Workbook, plan: Any, summary: Any, settings: PlanSettings | None, has_comparison: bool,
                  has_disruption: bool) -> None:
    """说明: what the plan is, its figures and settings, the sheets and the terms, readable on its own."""
    from optimizer.summary import reason_text

    ws = wb.create_sheet("说明")
    ws.cell(row=1, column=1, value="量分配方案说明").font = Font(bold=True, size=14)
    rows: list[tuple[str, Any, str | None]] = [
        ("求解状态", _status(plan.status), None),
        ("方案金额(元)", summary.total_cost, MONEY),
        ("分配量(最小单位)", summary.volume, VOLUME),
        ("单位成本(元/单位)", summary.cost_per_unit, PRICE),
        ("短缺量(最小单位)", summary.shortage_volume, VOLUME),
        ("相对集采前价格节约(元)", summary.baseline_savings, MONEY),
        ("相对现供应企业中选价节约(元)", summary.current_savings, MONEY),
        ("现供应企业为中选企业的分配量占比", summary.current_covered, PERCENT),
        ("切换企业的机构×品种", f"{len(summary.switches)} / {summary.pairs}", None),
        ("未获量的中选企业", f"{len(summary.idle_winners)} / {len(summary.winners)}", None),
    ]
    rows += [("节约未计算的原因", reason_text(code), None) for code in summary.savings_reasons]
    if settings is not None:
        rows += [
            ("约定比例", "按中选企业数规则" if settings.ratio is None else settings.ratio,
             None if settings.ratio is None else PERCENT),
            ("K(每机构每品种最多企业数)", settings.max_suppliers, None),
            ("切换企业惩罚(元/单位)", settings.switch_penalty, MONEY),
            ("缺口惩罚(元/单位)", settings.shortage_penalty, MONEY),
            ("允许相对间隙", settings.gap, "0.00%"),
            ("求解时限(秒)", settings.time_limit, None),
        ]
    last = _key_values(ws, rows, start_row=3)
    counts = summary.switch_counts()
    if len(counts):
        ws.cell(row=last + 2, column=1, value="切换原因").font = HEADER_FONT
        last = _key_values(ws, [(reason_text(k), int(v), None) for k, v in counts.items()], start_row=last + 3)
    notes = list(SHEET_NOTES)
    if has_comparison:
        notes.append(("方案对比", "其他约定比例或 K 的方案；单位成本可直接比较，总金额因分配量不同不可直接比较。"))
    if has_disruption:
        notes.append(("断供调整", "某企业断供后，剩余约定量改由其他企业供应的结果。"))
    ws.cell(row=last + 2, column=1, value="各工作表").font = HEADER_FONT
    last = _key_values(ws, [(name, note, None) for name, note in notes], start_row=last + 3)
    ws.cell(row=last + 2, column=1, value="术语").font = HEADER_FONT
    _key_values(ws, [(term, note, None) for term, note in TERMS], start_row=last + 3)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 90
    for row in ws.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _winners_sheet(wb: Workbook, summary: Any) -> None:
    from optimizer.summary import reason_text

    winners = summary.winners.assign(reason_zh=summary.winners["reason"].map(reason_text))
    winners = winners.sort_values(["generic_name", "specification", "load"], ascending=[True, True, False])
    ws = _table_sheet(wb, "中选企业获量", winners, [
        *DRUG_COLS, SUPPLIER_COL, Col("unit_price", "中选单价(元)", PRICE),
        Col("capacity", "供应能力(空=不限)", VOLUME), Col("load", "分配量", VOLUME), Col("share", "份额", PERCENT),
        Col("reason_zh", "说明"),
    ])
    for r, got in enumerate(winners["load"], start=2):
        if got <= 1e-6:
            for c in range(1, 9):
                ws.cell(row=r, column=c).fill = WARN_FILL


def _switch_reason_sheet(wb: Workbook, summary: Any, names: dict[str, str]) -> None:
    from optimizer.summary import reason_text

    sw = summary.switches.assign(hospital_name=summary.switches["hospital_id"].map(names),
                                 reason_zh=summary.switches["reason"].map(reason_text))
    _table_sheet(wb, "切换", sw, [
        *NAME_COLS, *DRUG_COLS,
        Col("from_supplier", "原供应企业"), Col("from_price", "原企业中选单价(元)", PRICE),
        Col("to_supplier", "新供应企业"), Col("to_price", "新企业中选单价(元)", PRICE),
        Col("price_gap", "每单位价差(元)", PRICE), Col("volume", "切换量(最小单位)", VOLUME),
        Col("reason_zh", "原因"),
    ])


def _savings_sheet(wb: Workbook, plan: Any) -> None:
    _table_sheet(wb, "节约", plan.savings, [
        *DRUG_COLS, Col("baseline_price", "集采前价格(元)", PRICE), Col("baseline_cost", "集采前金额(元)", MONEY),
        Col("plan_cost", "方案金额(元)", MONEY), Col("savings", "节约金额(元)", MONEY),
        Col("savings_rate", "节约率", PERCENT),
    ])


def _key_values(ws: Worksheet, rows: list[tuple[str, Any, str | None]], start_row: int = 1) -> int:
    """Label / value pairs, one a row; returns the last row written."""
    for r, (label, value, fmt) in enumerate(rows, start=start_row):
        keep_as_text(ws.cell(row=r, column=1, value=label)).font = HEADER_FONT
        cell = keep_as_text(ws.cell(row=r, column=2, value=_cell_value(value)))
        if fmt:
            cell.number_format = fmt
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 18)
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 20)
    return start_row + len(rows) - 1


def _status(value: Any) -> str:
    text = str(getattr(value, "value", value))
    return PLAN_STATUS_ZH.get(text, text)


def _solve_sheet(wb: Workbook, plan: Any) -> None:
    ws = wb.create_sheet("求解信息")
    timings = getattr(plan, "timings", {}) or {}
    rows: list[tuple[str, Any, str | None]] = [
        ("状态", _status(plan.status), None),
        ("原因", plan.reason, None),
        ("目标值", plan.objective, MONEY),
        ("方案总金额(元)", plan.total_cost, MONEY),
        ("相对间隙", plan.gap, "0.00%"),
        ("短缺总量", float(plan.shortages["volume"].sum()) if len(plan.shortages) else 0.0, VOLUME),
    ]
    rows += [(f"耗时-{_TIMING_ZH.get(k, k)}(秒)", v, SECONDS) for k, v in timings.items()]
    last = _key_values(ws, rows)
    drugs = pd.DataFrame([{
        "generic_name": d.generic_name, "specification": d.specification, "status": _status(d.status),
        "reason": d.reason, "objective": d.objective, "gap": d.gap, "build_time": d.build_time,
        "solve_time": d.solve_time,
    } for d in getattr(plan, "drugs", [])], columns=["generic_name", "specification", "status", "reason",
                                                     "objective", "gap", "build_time", "solve_time"])
    last = _write_table(ws, drugs, [
        *DRUG_COLS, Col("status", "状态"), Col("reason", "原因"), Col("objective", "目标值", MONEY),
        Col("gap", "相对间隙", "0.00%"), Col("build_time", "建模耗时(秒)", SECONDS),
        Col("solve_time", "求解耗时(秒)", SECONDS),
    ], start_row=last + 2)
    issues = pd.DataFrame([{
        "severity": {"error": "错误", "warning": "警告"}.get(i.severity, i.severity),
        "generic_name": i.drug[0], "specification": i.drug[1], "supplier": i.supplier, "region": i.region,
        "message": str(i),
    } for i in getattr(plan, "issues", [])], columns=["severity", "generic_name", "specification", "supplier",
                                                      "region", "message"])
    _write_table(ws, issues, [
        Col("severity", "级别"), *DRUG_COLS, Col("supplier", "企业"), Col("region", "地区"), Col("message", "检查信息"),
    ], start_row=last + 2)


_TIMING_ZH = {"read": "读取", "build": "建模", "solve": "求解"}


def _comparison_sheet(wb: Workbook, comparison: ScenarioComparison) -> None:
    ws = wb.create_sheet("方案对比")
    table = comparison.table.copy()
    table["status"] = table["status"].map(_status)
    last = _write_table(ws, table, [
        Col("scenario", "方案"), Col("status", "状态"), Col("total_cost", "总金额(元)", MONEY),
        Col("objective", "目标值", MONEY), Col("shortage_volume", "短缺量", VOLUME),
        Col("switches", "切换数(机构-品种)"), Col("suppliers_used", "使用企业数(企业-品种)"),
        Col("savings", "节约金额(元)", MONEY), Col("gap", "相对间隙", "0.00%"),
        Col("cost_change", "较首个方案金额变化(元)", MONEY),
    ])
    ws.freeze_panes = "B2"
    wide = comparison.drug_cost_table()
    extra = [Col(c, f"{c[2:]} 较首个方案(元)" if c.startswith("Δ ") else f"{c} 金额(元)", MONEY)
             for c in wide.columns if c not in ("generic_name", "specification")]
    ws.cell(row=last + 2, column=1, value="各品种金额 / cost per drug").font = HEADER_FONT
    _write_table(ws, wide, [*DRUG_COLS, *extra], start_row=last + 3)


def _disruption_sheet(wb: Workbook, d: DisruptionResult, names: dict[str, str], title: str = "断供调整") -> None:
    ws = wb.create_sheet(title)
    last = _key_values(ws, [
        ("断供企业", d.supplier, None),
        ("断供起始日期", d.from_date.to_pydatetime(), "yyyy-mm-dd"),
        ("求解状态", _status(d.status), None),
        ("调整前金额(元)", d.cost_before, MONEY),
        ("调整后金额(元)", d.cost_after, MONEY),
        ("金额变化(元)", d.cost_change, MONEY),
        ("价差增加(元)", d.extra_cost, MONEY),
        ("切换机构数", d.hospitals_switched, None),
        ("让出产能的机构数", d.unaffected_moved, None),
        ("短缺总量", d.shortage_volume, VOLUME),
    ])
    moves = d.moves.copy()
    moves["hospital_name"] = moves["hospital_id"].astype(str).map(names)
    moves["affected_zh"] = moves["affected"].map(lambda v: "断供影响" if bool(v) else "让出产能")
    ws.cell(row=last + 2, column=1, value="调整明细 / moves").font = HEADER_FONT
    last = _write_table(ws, moves, [
        *NAME_COLS, *DRUG_COLS,
        Col("from_supplier", "原供应企业"), Col("to_supplier", "新供应企业"), Col("volume", "调整量", VOLUME),
        Col("from_price", "原单价(元)", PRICE), Col("to_price", "新单价(元)", PRICE), Col("affected_zh", "原因"),
    ], start_row=last + 3)
    new = d.allocations.copy()
    new["hospital_name"] = new["hospital_id"].astype(str).map(names)
    new["amount"] = new["volume"].astype(float) * new["unit_price"].astype(float)
    ws.cell(row=last + 2, column=1, value="调整后供应(受影响机构) / new supply of the hospitals touched").font = HEADER_FONT
    last = _write_table(ws, new, [
        *NAME_COLS, *DRUG_COLS, Col("supplier", "供应企业"),
        Col("volume", "供应量", VOLUME), Col("unit_price", "中选单价(元)", PRICE), Col("amount", "金额(元)", MONEY),
    ], start_row=last + 3)
    rem = d.remaining.copy()
    rem["hospital_name"] = rem["hospital_id"].astype(str).map(names)
    ws.cell(row=last + 2, column=1, value="剩余约定量 / remaining volume").font = HEADER_FONT
    last = _write_table(ws, rem, [
        *NAME_COLS, *DRUG_COLS,
        Col("planned_volume", "原分配量", VOLUME), Col("purchased_volume", "断供前已采购", VOLUME),
        Col("remaining_volume", "剩余量", VOLUME),
    ], start_row=last + 3)
    short = d.shortages.copy()
    short["hospital_name"] = short["hospital_id"].astype(str).map(names)
    ws.cell(row=last + 2, column=1, value="仍短缺 / still short").font = HEADER_FONT
    last = _write_table(ws, short, [
        *NAME_COLS, *DRUG_COLS, Col("volume", "短缺量", VOLUME),
    ], start_row=last + 3)
    sup = d.suppliers.copy()
    sup["utilisation"] = (sup["load"].astype(float) / sup["capacity"].astype(float)).where(sup["capacity"] > 0)
    ws.cell(row=last + 2, column=1, value="企业负荷 / supplier loads").font = HEADER_FONT
    _write_table(ws, sup, [
        *DRUG_COLS, SUPPLIER_COL, Col("load_before", "调整前分配量", VOLUME),
        Col("load", "调整后分配量", VOLUME), Col("capacity", "供应能力(空=不限)", VOLUME),
        Col("spare", "剩余产能", VOLUME), Col("utilisation", "产能利用率", PERCENT),
    ], start_row=last + 3)
