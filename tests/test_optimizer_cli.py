"""``python -m optimizer plan``: exit codes, JSON contract, problems on stderr."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    (tmp_path / "hosp.csv").write_text("机构编码,机构名称,所属地区\nH1,一院,东区\nH2,二院,西区\n", encoding="utf-8")
    (tmp_path / "demand.csv").write_text(
        "机构编码,通用名,规格,申报量,现用企业\nH1,阿莫西林胶囊,0.25g,100,甲药业\nH2,阿莫西林胶囊,0.25g,\"1,000\",\n",
        encoding="utf-8")
    (tmp_path / "offers.csv").write_text(
        "通用名,规格,中选企业,中选单价,供应能力,供应地区\n阿莫西林胶囊,0.25g,甲药业,0.5,,东区\n"
        "阿莫西林胶囊,0.25g,乙药业,0.4,300,\n", encoding="utf-8")
    return [str(tmp_path / n) for n in ("hosp.csv", "demand.csv", "offers.csv")]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_plan_json_follows_the_contract(files: list[str]) -> None:
    code, out, _ = run(["plan", *files, "--json", "--switch-penalty", "1"])
    assert code == 0
    plan = json.loads(out)
    # 2 winners: A = 60 (H1) and 600 (H2). 乙 (0.4, cap 300) serves all, 甲 (0.5) only 东区:
    # H1 stays with 甲 (60), H2 can only have 乙, capped at 300: 300 short.
    assert plan["status"] == "optimal"
    got = {(a["hospital_id"], a["supplier"]): a["volume"] for a in plan["allocations"]}
    assert got == {("H1", "甲药业"): 60, ("H2", "乙药业"): 300}
    assert plan["shortages"] == [{"hospital_id": "H2", "generic_name": "阿莫西林胶囊", "specification": "0.25g",
                                  "volume": 300}]
    assert plan["total_cost"] == pytest.approx(60 * 0.5 + 300 * 0.4)
    assert plan["objective"] == pytest.approx(60 * 0.5 + 300 * 0.4 + 300 * 1000)
    assert plan["timings"]["read"] > 0
    assert {s["supplier"]: s["capacity"] for s in plan["suppliers"]} == {"甲药业": None, "乙药业": 300}


def test_summary_is_chinese_and_options_reach_the_model(files: list[str]) -> None:
    code, out, _ = run(["plan", *files, "--ratio", "0.5", "--max-suppliers", "2"])
    assert code == 0 and "状态" in out and "最优" in out and "短缺" in out
    code, out, _ = run(["plan", *files, "--json", "--ratio", "0.1"])
    assert json.loads(out)["shortages"] == []  # A = 10 + 100, within 乙's 300


def test_bad_input_exits_2_with_every_problem_located(files: list[str], tmp_path: Path) -> None:
    (tmp_path / "demand.csv").write_text(
        "机构编码,通用名,规格,申报量\nH1,阿莫西林胶囊,0.25g,很多\nH2,阿莫西林胶囊,0.25g,abc\n", encoding="utf-8")
    code, out, err = run(["plan", *files, "--json"])
    assert code == 2 and out == ""
    lines = [ln for ln in err.splitlines() if "demand.csv" in ln]
    assert len(lines) >= 2 and any("› 2 ›" in ln for ln in lines) and any("› 3 ›" in ln for ln in lines)


def test_missing_offers_and_bad_settings_exit_2(files: list[str]) -> None:
    code, _, err = run(["plan", files[1]])
    assert code == 2 and "offers" in err
    code, _, err = run(["plan", *files, "--max-suppliers", "0"])
    assert code == 2 and "max suppliers" in err


def test_module_entry_point(files: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "optimizer", "plan", *files, "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"


def test_xlsx_workbook_is_written(files: list[str], tmp_path: Path) -> None:
    pytest.importorskip("optimizer.excel")
    out_path = tmp_path / "plan.xlsx"
    code, _, err = run(["plan", *files, "--xlsx", str(out_path)])
    assert code == 0, err
    assert out_path.exists() and out_path.stat().st_size > 0
