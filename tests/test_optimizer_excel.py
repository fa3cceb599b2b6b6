"""The plan workbook, read back cell by cell."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from optimizer.checks import CheckIssue
from optimizer.excel import write_plan_xlsx
from optimizer.inputs import PlanInput, PlanSettings
from optimizer.plan import DrugPlan, Plan, PlanStatus
from optimizer.scenarios import compare_scenarios, replan_disruption

G, S = "氨氯地平", "5mg"
G2, S2 = "二甲双胍", "0.5g"


def alloc_rows(rows):
    return pd.DataFrame(
        [{"hospital_id": h, "generic_name": g, "specification": s, "supplier": sup, "volume": float(v),
          "unit_price": p, "switched": sw, "region": reg} for h, g, s, sup, v, p, sw, reg in rows]
    )


def make_plan(cost_scale: float = 1.0) -> Plan:
    allocations = alloc_rows([
        ("H2", G, S, "B", 50, 2.0 * cost_scale, True, "北区"),
        ("H1", G, S, "A", 60, 1.0, False, "北区"),
        ("H3", G, S, "A", 36, 1.0, False, "南区"),
        ("H1", G2, S2, "C", 10, 0.5, False, "北区"),
    ])
    return Plan(
        status=PlanStatus.OPTIMAL, reason=None, objective=5296.0, total_cost=float(
            (allocations["volume"] * allocations["unit_price"]).sum()), gap=0.0,
        allocations=allocations,
        shortages=pd.DataFrame([{"hospital_id": "H3", "generic_name": G, "specification": S, "volume": 5.0}]),
        suppliers=pd.DataFrame([
            {"generic_name": G, "specification": S, "supplier": "A", "load": 96.0, "capacity": 100.0},
            {"generic_name": G, "specification": S, "supplier": "B", "load": 50.0, "capacity": math.nan},
            {"generic_name": G2, "specification": S2, "supplier": "C", "load": 10.0, "capacity": 100.0},
        ]),
        savings=pd.DataFrame([{"generic_name": G, "specification": S, "baseline_price": 3.0, "baseline_cost": 438.0,
                               "plan_cost": 196.0, "savings": 242.0, "savings_rate": 242 / 438}]),
        drugs=[DrugPlan(G, S, PlanStatus.OPTIMAL, None, 5196.0, 0.0, 0.01, 0.02),
               DrugPlan(G2, S2, PlanStatus.OPTIMAL, None, 5.0, 0.0, 0.01, 0.01)],
        issues=[CheckIssue((G, S), "A", "南区", "产能不足", "capacity short", "warning")],
        timings={"read": 0.1, "build": 0.2, "solve": 0.3},
    )


def make_input() -> PlanInput:
    hospitals = pd.DataFrame({"hospital_id": ["H1", "H2", "H3"], "hospital_name": ["第一医院", "第二医院", "第三医院"],
                              "region": ["北区", "北区", "南区"]})
    demand = pd.DataFrame({"hospital_id": ["H1", "H2", "H3"], "generic_name": G, "specification": S,
                           "declared_volume": [100.0, 100.0, 60.0], "current_supplier": [pd.NA, "A", pd.NA]})
    offers = pd.DataFrame({"generic_name": [G, G, G2], "specification": [S, S, S2], "supplier": ["A", "B", "C"],
                           "unit_price": [1.0, 2.0, 0.5], "capacity": [100.0, math.nan, 100.0],
                           "regions": [pd.NA, pd.NA, pd.NA]})
    return PlanInput(demand=demand, offers=offers, hospitals=hospitals)


def read(plan: Plan, **kw):
    buf = io.BytesIO()
    write_plan_xlsx(plan, buf, **kw)
    buf.seek(0)
    return load_workbook(buf)


def rows_of(ws, first: int = 1, last: int | None = None) -> list[list]:
    return [list(r) for r in ws.iter_rows(min_row=first, max_row=last or ws.max_row, values_only=True)]


def test_allocation_sheet_sorted_by_hospital_with_names_and_formats():
    wb = read(make_plan(), inp=make_input())
    assert wb.sheetnames == ["说明", "分配方案", "中选企业获量", "企业负荷", "短缺", "切换", "节约", "求解信息"]
    assert read(make_plan()).sheetnames == ["分配方案", "企业负荷", "短缺", "切换", "节约", "求解信息"]
    ws = wb["分配方案"]
    header, *body = rows_of(ws)
    assert header[:6] == ["机构编码", "机构名称", "所属地区", "通用名", "规格", "中选企业"]
    assert [r[0] for r in body] == ["H1", "H1", "H2", "H3"]
    h2 = body[2]
    assert h2[1] == "第二医院" and h2[2] == "北区" and h2[5] == "B" and h2[6] == 50 and h2[8] == 100
    assert h2[9] == "是" and body[0][9] == "否"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J5"
    assert ws["H2"].number_format == "0.0000" and ws["I2"].number_format == "#,##0.00"


def test_load_sheet_highlights_above_95_percent():
    ws = read(make_plan())["企业负荷"]
    header, *body = rows_of(ws)
    assert header == ["通用名", "规格", "中选企业", "分配量(最小单位)", "供应能力(空=不限)", "产能利用率"]
    util = {r[2]: r[5] for r in body}
    assert util["A"] == pytest.approx(0.96) and util["B"] is None and util["C"] == pytest.approx(0.1)
    assert ws["F2"].number_format == "0.0%"
    assert ws["A2"].fill.fgColor.rgb.endswith("FFC7CE")  # A at 96%
    assert not ws["A3"].fill.fgColor.rgb.endswith("FFC7CE")  # B unlimited
    assert not ws["A4"].fill.fgColor.rgb.endswith("FFC7CE")  # C at 10%


def test_shortage_switch_savings_and_solve_info():
    wb = read(make_plan(), inp=make_input())
    short = rows_of(wb["短缺"])
    assert short[1] == ["H3", "第三医院", "南区", G, S, 5]
    switch = rows_of(wb["切换"])
    assert switch[0] == ["机构编码", "机构名称", "通用名", "规格", "原供应企业", "原企业中选单价(元)", "新供应企业",
                         "新企业中选单价(元)", "每单位价差(元)", "切换量(最小单位)", "原因"]
    # H2 moves 50 units from A (1.00) to B (2.00): A already carries 96 of its 100, no room for 50
    assert switch[1:] == [["H2", "第二医院", G, S, "A", 1, "B", 2, -1, 50, "原企业剩余供应能力不足"]]
    readme = {r[0]: r[1] for r in rows_of(wb["说明"]) if r[0]}
    # 100 + 60 + 36 + 5 = 201 yuan for 156 units (the sheet 分配方案 sums to these by hand)
    assert readme["方案金额(元)"] == pytest.approx(201) and readme["分配量(最小单位)"] == pytest.approx(156)
    assert readme["单位成本(元/单位)"] == pytest.approx(201 / 156)
    assert readme["切换企业的机构×品种"] == "1 / 3" and "相对间隙" in readme and "缺口惩罚" in readme
    sav = rows_of(wb["节约"])
    assert sav[1][5] == 242 and sav[1][6] == pytest.approx(242 / 438)
    info = wb["求解信息"]
    kv = {r[0]: r[1] for r in rows_of(info) if r[0]}
    assert kv["状态"] == "最优" and kv["方案总金额(元)"] == pytest.approx(100 + 60 + 36 + 5)
    assert kv["耗时-求解(秒)"] == pytest.approx(0.3)
    texts = [c for r in rows_of(info) for c in r if isinstance(c, str)]
    assert "产能不足 / capacity short" in texts and "警告" in texts
    assert G2 in texts


def test_comparison_and_disruption_sheets():
    plans = {"基准": make_plan(), "贵一倍": make_plan(cost_scale=2.0)}
    fake_allocate = lambda inp, settings: plans["基准" if settings.max_suppliers == 1 else "贵一倍"]  # noqa: E731
    comp = compare_scenarios(make_input(), {"基准": PlanSettings(), "贵一倍": PlanSettings(max_suppliers=2)},
                             allocate_fn=fake_allocate)
    inp = make_input()
    disruption = replan_disruption(inp, make_plan(), "B", "2026-03-01", None, PlanSettings())
    wb = read(make_plan(), inp=inp, comparison=comp, disruption=disruption)
    assert wb.sheetnames[-2:] == ["方案对比", "断供调整"]
    cmp_rows = rows_of(wb["方案对比"])
    assert cmp_rows[0][:3] == ["方案", "状态", "总金额(元)"]
    assert cmp_rows[1][0] == "基准" and cmp_rows[2][0] == "贵一倍"
    # B's 50 units cost 2.0 more each in the second scenario: +100 overall and for the drug
    assert cmp_rows[2][9] == pytest.approx(100)
    drug_row = next(r for r in cmp_rows if r[0] == G and r[1] == S)
    assert drug_row[2] == pytest.approx(196) and drug_row[3] == pytest.approx(296)
    assert drug_row[4] == pytest.approx(100)
    d_rows = rows_of(wb["断供调整"])
    kv = {r[0]: r[1] for r in d_rows if r[0]}
    assert kv["断供企业"] == "B" and kv["切换机构数"] == 1
    # H2's 50 from B: A has 4 spare (cap 100, load 96): K=1 means 4 from A and 46 short
    assert kv["短缺总量"] == pytest.approx(46)
    move = next(r for r in d_rows if r[0] == "H2" and r[4] == "B")
    assert move[1] == "第二医院" and move[5] == "A" and move[6] == pytest.approx(4)
    titles = [r[0] for r in d_rows if isinstance(r[0], str) and " / " in r[0]]
    assert [t.split(" / ")[0] for t in titles] == ["调整明细", "调整后供应(受影响机构)", "剩余约定量", "仍短缺", "企业负荷"]
    supply = d_rows[[r[0] for r in d_rows].index(titles[1]) + 2]
    assert supply[:6] == ["H2", "第二医院", G, S, "A", 4]


def test_empty_plan_still_writes_every_sheet(tmp_path):
    empty = Plan(PlanStatus.INFEASIBLE, "没有中选企业 / no winners", math.nan, 0.0, math.nan,
                 alloc_rows([]).reindex(columns=["hospital_id", "generic_name", "specification", "supplier", "volume",
                                                 "unit_price", "switched", "region"]),
                 pd.DataFrame(columns=["hospital_id", "generic_name", "specification", "volume"]),
                 pd.DataFrame(columns=["generic_name", "specification", "supplier", "load", "capacity"]),
                 pd.DataFrame(columns=["generic_name", "specification", "baseline_price", "baseline_cost",
                                       "plan_cost", "savings", "savings_rate"]))
    path = tmp_path / "plan.xlsx"
    write_plan_xlsx(empty, path)
    wb = load_workbook(path)
    assert wb["分配方案"].max_row == 1
    kv = {r[0]: r[1] for r in rows_of(wb["求解信息"]) if r[0]}
    assert kv["状态"] == "不可行" and kv["原因"].startswith("没有中选企业")


# --- surviving mutants of optimizer/excel.py (issue 14 item 4) --------------------------------


def _comparison_and_disruption_workbook():
    """The workbook of test_comparison_and_disruption_sheets: scenarios 基准 / 贵一倍, B disrupted."""
    plans = {"基准": make_plan(), "贵一倍": make_plan(cost_scale=2.0)}

    def fake_allocate(inp, settings):
        return plans["基准" if settings.max_suppliers == 1 else "贵一倍"]

    scenarios = {"基准": PlanSettings(), "贵一倍": PlanSettings(max_suppliers=2)}
    comp = compare_scenarios(make_input(), scenarios, allocate_fn=fake_allocate)
    inp = make_input()
    disruption = replan_disruption(inp, make_plan(), "B", "2026-03-01", None, PlanSettings())
    return read(make_plan(), inp=inp, comparison=comp, disruption=disruption)


def _table_below(ws, title: str) -> tuple[int, list, list]:
    """(header row number, header, first data row) of the table under the section title ``title``."""
    at = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == title)
    header, first = rows_of(ws, at + 1, at + 2)
    return at + 1, header, first


def test_comparison_drug_table_names_each_scenario_s_cost_and_its_change():
    """One cost column per scenario (金额), then the change of each later one against the first."""
    ws = _comparison_and_disruption_workbook()["方案对比"]
    _, header, _ = _table_below(ws, "各品种金额 / cost per drug")
    assert header[:5] == ["通用名", "规格", "基准 金额(元)", "贵一倍 金额(元)", "贵一倍 较首个方案(元)"]
    assert header[5:] == [None] * (len(header) - 5)


def test_disruption_sheet_reasons_prices_and_formats():
    """B fails: H2's 50 on B can only go to A, which has 100 - 96 = 4 spare (K = 1, B unlimited is out).

    moves: H2, B (2.00) -> A (1.00), 4 units, because of the disruption (断供影响);
    new supply: H2 from A, 4 units at 1.0000 = 4.00; loads: A 96 -> 100 of 100, spare 0, 100%;
    B 50 -> 0, unlimited: spare and utilisation blank."""
    ws = _comparison_and_disruption_workbook()["断供调整"]
    at, header, move = _table_below(ws, "调整明细 / moves")
    assert header[9] == "原因" and move == ["H2", "第二医院", G, S, "B", "A", 4, 2, 1, "断供影响"]
    at, header, supply = _table_below(ws, "调整后供应(受影响机构) / new supply of the hospitals touched")
    assert header[6] == "中选单价(元)" and supply[4:8] == ["A", 4, 1, 4]
    assert ws.cell(row=at + 1, column=7).number_format == "0.0000"
    at, header, _ = _table_below(ws, "企业负荷 / supplier loads")
    assert header[6:8] == ["剩余产能", "产能利用率"]
    a_row, b_row = rows_of(ws, at + 1, at + 2)
    assert a_row[2:8] == ["A", 96, 100, 100, 0, 1] and b_row[2:8] == ["B", 50, 0, None, None, None]
    for r in (at + 1, at + 2):
        assert ws.cell(row=r, column=7).number_format == "#,##0"  # spare, whole units
        assert ws.cell(row=r, column=8).number_format == "0.0%"  # utilisation, a percentage


def test_section_titles_are_bold():
    """Each table under a sheet's first one is introduced by a bold title line (a reader's landmark)."""
    wb = _comparison_and_disruption_workbook()
    titles = {
        "方案对比": ["各品种金额 / cost per drug"],
        "断供调整": [
            "调整明细 / moves",
            "调整后供应(受影响机构) / new supply of the hospitals touched",
            "剩余约定量 / remaining volume",
            "仍短缺 / still short",
            "企业负荷 / supplier loads",
        ],
    }
    for sheet, wanted in titles.items():
        ws = wb[sheet]
        cells = {c.value: c for c in ws["A"] if c.value in wanted}
        assert set(cells) == set(wanted)
        assert all(c.font.b for c in cells.values()), sheet


def test_solve_sheet_per_drug_gap_is_a_percentage():
    ws = read(make_plan())["求解信息"]
    at = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=7).value == "建模耗时(秒)")
    assert ws.cell(row=at, column=6).value == "相对间隙"
    assert [ws.cell(row=r, column=6).number_format for r in (at + 1, at + 2)] == ["0.00%", "0.00%"]


def test_readme_sheet_is_two_columns_wide():
    """说明 is label / text pairs: nothing (not even a styled empty cell) beyond column B."""
    ws = read(make_plan(), inp=make_input())["说明"]
    assert ws.max_column == 2
    assert ws.column_dimensions["B"].width == 90 and ws["B3"].alignment.wrap_text


def test_column_widths_count_cjk_characters_double():
    """Width = longest text + 2, a CJK character counting 2 and any other 1, at least 8 and at most 40.

    分配方案: 规格: header 规格 = 4, longest value "0.5g" = 4: 4 + 2 = 6, raised to the floor 8.
    机构编码: header 8 ("H1" = 2): 10, below openpyxl's default width 13 and kept (not widened to 13).
    分配量(最小单位): 分配量 6 + "(" 1 + 最小单位 8 + ")" 1 = 16, longer than any value ("60.0" = 4): 18.
    中选单价(元): 中选单价 8 + "(" 1 + 元 2 + ")" 1 = 12: 14. 是否切换企业: 12: 14."""
    ws = read(make_plan(), inp=make_input())["分配方案"]
    header = [c.value for c in ws[1]]
    assert header[0] == "机构编码" and header[4] == "规格"
    assert header[6:10] == ["分配量(最小单位)", "中选单价(元)", "金额(元)", "是否切换企业"]
    assert ws.column_dimensions["A"].width == 10
    assert ws.column_dimensions["E"].width == 8
    assert ws.column_dimensions["G"].width == 18
    assert ws.column_dimensions["H"].width == 14
    assert ws.column_dimensions["J"].width == 14


def test_a_wider_table_above_keeps_its_column_width():
    """On 求解信息 the label/value pairs come first (column A at least 18), then the per-drug table,
    whose 通用名 would want only 10: column A stays 18."""
    ws = read(make_plan())["求解信息"]
    assert ws.column_dimensions["A"].width == 18
