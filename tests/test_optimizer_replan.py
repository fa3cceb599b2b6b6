"""``python -m optimizer replan``: failed suppliers' remaining volume moved to other winners and backups.

Hand-worked case (agreed ratio 1, so each hospital's agreed volume is its declared 100 units):

    winners of 氨氯地平 5mg: A 1.00 yuan (all regions, unlimited), B 2.00 (capacity 100),
                              C 1.50 (region 西 only); backup D 1.80 (备选企业=是, capacity 1000)
    hospitals H1, H2 in 东, H3 in 西.

The plan puts all three on A (cheapest everywhere): cost 300. If A fails with nothing bought yet,
H3 goes to C (1.50 < 1.80 < 2.00) and H1, H2 to the backup D (1.80 < 2.00): extra cost
0.50 x 100 + 0.80 x 200 = 210, cost after 150 + 360 = 510. If A and C fail together, C can take
nothing, so H3 goes to D too: extra cost 0.80 x 300 = 240.
"""

from __future__ import annotations

import io
import json
import math

import openpyxl
import pandas as pd
import pytest

from optimizer.cli import main, open_shortage_suppliers
from procurement.model import Dataset


def _files(tmp_path) -> list[str]:
    hospitals = pd.DataFrame({"机构编码": ["H1", "H2", "H3"], "机构名称": ["东一院", "东二院", "西院"],
                              "所属地区": ["东", "东", "西"]})
    demand = pd.DataFrame({"机构编码": ["H1", "H2", "H3"], "通用名": "氨氯地平", "规格": "5mg",
                           "申报量": [100, 100, 100], "现用企业": ["A", "A", "A"]})
    offers = pd.DataFrame({
        "通用名": "氨氯地平", "规格": "5mg", "中选企业": ["A", "B", "C", "D"],
        "中选单价": [1.0, 2.0, 1.5, 1.8], "供应能力": [None, 100, None, 1000],
        "供应地区": [None, None, "西", None], "约定比例": [1, 1, 1, 1], "备选企业": ["", "", "", "是"],
    })
    paths = []
    for name, frame in (("医疗机构", hospitals), ("报量", demand), ("中选企业", offers)):
        path = tmp_path / f"{name}.xlsx"
        frame.to_excel(path, index=False, sheet_name=name)
        paths.append(str(path))
    return paths


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _supplier_of(result: dict) -> dict[str, set[str]]:
    got: dict[str, set[str]] = {}
    for a in result["allocations"]:
        if a["volume"] > 0:
            got.setdefault(a["hospital_id"], set()).add(a["supplier"])
    return got


def test_the_plan_ignores_backup_rows(tmp_path):
    code, out, _ = _run(["plan", *_files(tmp_path), "--json"])
    assert code == 0
    plan = json.loads(out)
    assert _supplier_of(plan) == {"H1": {"A"}, "H2": {"A"}, "H3": {"A"}}
    assert plan["total_cost"] == pytest.approx(300.0)


def test_one_failed_supplier_moves_to_the_cheapest_winner_or_backup(tmp_path):
    code, out, err = _run(["replan", *_files(tmp_path), "--disrupted", "A", "--since", "2026-01-01", "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert _supplier_of(result) == {"H1": {"D"}, "H2": {"D"}, "H3": {"C"}}
    assert result["total_cost"] == pytest.approx(510.0)
    assert result["extra_cost"] == pytest.approx(210.0)
    moved = {(m["hospital_id"], m["from"], m["to"]): (m["volume"], m["extra_cost"]) for m in result["moved"]}
    assert moved == {("H1", "A", "D"): (100, 80.0), ("H2", "A", "D"): (100, 80.0), ("H3", "A", "C"): (100, 50.0)}
    assert result["shortages"] == []
    assert result["disrupted"] == ["A"]


def test_two_failed_suppliers_never_receive_each_others_volume(tmp_path, ):
    code, out, err = _run(["replan", *_files(tmp_path), "--disrupted", "A", "C", "--since", "2026-01-01",
                           "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert _supplier_of(result) == {"H1": {"D"}, "H2": {"D"}, "H3": {"D"}}
    assert result["extra_cost"] == pytest.approx(240.0)
    loads = {(s["supplier"]): s["load"] for s in result["suppliers"]}
    assert loads["D"] == 300 and loads.get("C", 0) == 0


def test_the_workbook_has_a_sheet_per_failed_supplier(tmp_path):
    out_path = tmp_path / "replan.xlsx"
    code, _, err = _run(["replan", *_files(tmp_path), "--disrupted", "A", "C", "--since", "2026-01-01",
                         "--xlsx", str(out_path)])
    assert code == 0, err
    names = openpyxl.load_workbook(out_path, read_only=True).sheetnames
    assert "断供调整" in names and "断供调整2" in names


@pytest.mark.parametrize("extra, message", [
    ([], "--disrupted"),  # no supplier named and no database: nothing to re-plan from
    (["--disrupted", "Z"], "unknown supplier: Z"),
])
def test_bad_input_exits_2(tmp_path, extra, message):
    code, _, err = _run(["replan", *_files(tmp_path), *extra])
    assert code == 2
    assert message in err


def test_open_shortages_name_the_failed_suppliers():
    """Open on the day: started on or before it and not closed on or before it (closed that day: not open).

    A shortage without a start date (D) is open on no day: the register's 缺货开始日期 is required, and
    the open_shortages count (procurement.supply.is_open) does not count it either."""
    shortages = pd.DataFrame({
        "supplier": ["A", "B", "C", "D"],
        "start_date": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-01-01", None]),
        "end_date": pd.to_datetime([None, None, "2026-03-01", "2026-04-01"]),
    })
    ds = Dataset()
    ds.shortages = shortages  # the register, as the store will load it
    assert open_shortage_suppliers(ds, pd.Timestamp("2026-03-01")) == ["A"]


def test_replan_from_the_shortage_register_in_the_database(tmp_path):
    """A shortage of A registered and imported: replan --db takes A as failed (no --disrupted)."""
    from procurement import cli as procurement_cli

    db = f"sqlite:///{tmp_path / 'vbp.sqlite'}"
    products = pd.DataFrame({"产品编码": ["PA"], "集采批次": "B", "通用名": "氨氯地平", "规格": "5mg", "中选企业": "A",
                             "中选单价": 1.0, "协议期起": "2026-01-01", "协议期止": "2026-12-31"})
    shortages = pd.DataFrame({"机构编码": ["H1", "H2"], "产品编码": "PA", "缺货开始日期": ["2026-02-01", "2026-02-01"],
                              "恢复供应日期": [None, "2026-02-10"]})
    paths = _files(tmp_path)
    for name, frame in (("products", products), ("shortages", shortages)):
        path = tmp_path / f"{name}.xlsx"
        frame.to_excel(path, index=False)
        paths.append(str(path))
    assert procurement_cli.main(["import", paths[0], paths[3], paths[4], "--db", db]) == 0
    plan_files = paths[:3]
    code, out, err = _run(["replan", *plan_files, "--db", db, "--since", "2026-03-01", "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert result["disrupted"] == ["A"]
    assert _supplier_of(result) == {"H1": {"D"}, "H2": {"D"}, "H3": {"C"}}
    assert result["extra_cost"] == pytest.approx(210.0)
    # once every shortage of A is closed, nothing is failing: exit 2 and say so
    code, _, err = _run(["replan", *plan_files, "--db", db, "--since", "2026-01-15"])
    assert code == 2 and "--disrupted" in err


def test_the_text_summary_names_the_failed_suppliers_and_the_figures(tmp_path):
    """A and C fail (module docstring): H1, H2, H3 each move 100 from A to D, 3 rows, 300 units;
    extra cost 0.80 x 300 = 240.00; nothing left short. The failed suppliers are joined by 、."""
    code, out, err = _run(["replan", *_files(tmp_path), "--disrupted", "A", "C", "--since", "2026-01-01"])
    assert code == 0, err
    lines = out.splitlines()
    assert "断供企业 / disrupted: A、C（自 2026-01-01 起）" in lines
    assert "调整 / moved: 3 行，300；价差增加 / extra cost: 240.00 元；仍短缺 / still short: 0" in lines


def _two_hospitals_on_a() -> tuple:
    """H1, H2 (东) each agree 100 (ratio 1); A 1.00 (capacity 500) and B 2.00 (unlimited): both plan on A."""
    from optimizer import PlanInput, PlanSettings, allocate

    hospitals = pd.DataFrame({"hospital_id": ["H1", "H2"], "hospital_name": ["东一院", "东二院"], "region": "东"})
    demand = pd.DataFrame({"hospital_id": ["H1", "H2"], "generic_name": "氨氯地平", "specification": "5mg",
                           "declared_volume": [100.0, 100.0]})
    offers = pd.DataFrame({"generic_name": "氨氯地平", "specification": "5mg", "supplier": ["A", "B"],
                           "unit_price": [1.0, 2.0], "capacity": [500.0, None], "agreed_ratio": 1.0})
    inp = PlanInput(demand, offers, hospitals)
    plan = allocate(inp, PlanSettings(workers=1))
    assert plan.allocations.set_index("hospital_id")["supplier"].to_dict() == {"H1": "A", "H2": "A"}
    return inp, plan


def test_replan_moves_only_what_was_not_bought_before_the_date():
    # A fails on 1 March. H1 bought 40 from A on 10 February, so only its remaining 60 moves to B;
    # H2 bought nothing: its 100 moves. Extra cost (2.00 - 1.00) x 160 = 160; the plan after costs
    # A's 40 delivered x 1.00 + B's 160 x 2.00 = 360 (not 400: the 40 bought stay A's).
    from optimizer.replan import replan

    inp, plan = _two_hospitals_on_a()
    bought = pd.DataFrame({"order_id": ["o1"], "date": [pd.Timestamp("2026-02-10")], "hospital_id": ["H1"],
                           "generic_name": ["氨氯地平"], "specification": ["5mg"], "supplier": ["A"],
                           "quantity": [40.0]})
    r = replan(inp, plan, ["A"], "2026-03-01", bought)
    moved = {(m.hospital_id, m.from_supplier, m.to_supplier): m.volume for m in r.moved.itertuples()}
    assert moved == {("H1", "A", "B"): 60, ("H2", "A", "B"): 100}
    assert r.extra_cost == pytest.approx(160.0)
    assert r.total_cost == pytest.approx(360.0)


def test_replan_suppliers_give_load_against_capacity():
    # A (capacity 500) fails with nothing bought: both hospitals' 100 go to B (unlimited: no capacity).
    from optimizer.replan import replan

    inp, plan = _two_hospitals_on_a()
    r = replan(inp, plan, ["A"], "2026-03-01")
    table = r.suppliers().set_index("supplier")
    assert list(table.columns) == ["generic_name", "specification", "load", "capacity"]
    assert table.loc["A", "load"] == 0 and table.loc["A", "capacity"] == 500
    assert table.loc["B", "load"] == 200 and math.isnan(table.loc["B", "capacity"])
    caps = {s["supplier"]: (s["load"], s["capacity"]) for s in r.to_json()["suppliers"]}
    assert caps == {"A": (0, 500), "B": (200, None)}
