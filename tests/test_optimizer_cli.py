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


# --- surviving mutants of optimizer/cli.py (issue 14 item 4) ----------------------------------


@pytest.mark.parametrize("command", ["plan", "replan"])
def test_defaults_are_the_spec_s(command: str) -> None:
    """allocation-model.md, settings: K default 1, switch penalty 0, shortage penalty 1000, gap 1e-4."""
    from optimizer.cli import build_parser

    args = build_parser().parse_args([command, "x.csv"])
    assert args.max_suppliers == 1
    assert args.switch_penalty == 0.0
    assert args.shortage_penalty == 1000.0
    assert args.gap == 1e-4


def test_help_says_what_each_command_does(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m optimizer --help`` is what a coordinator reads to find ``replan``."""
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "分配约定量 / allocate agreed volumes" in text
    assert "断供后重新分配 / re-plan when suppliers fail" in text


def test_internal_error_says_so_and_exits_1(files: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure inside the solver (here forced) is reported as one line naming it, exit 1."""
    import optimizer.cli

    def broken(inp, settings):
        raise RuntimeError("求解器崩溃 / solver crashed")

    monkeypatch.setattr(optimizer.cli, "allocate", broken)
    code, out, err = run(["plan", *files])
    assert code == 1 and out == ""
    assert err == "内部错误 / internal error: RuntimeError: 求解器崩溃 / solver crashed\n"


def _plan_with_issues(n_errors: int, n_warnings: int):
    """An infeasible plan with no rows, carrying ``n_errors`` error issues then ``n_warnings`` warnings."""
    import pandas as pd

    from optimizer.checks import CheckIssue
    from optimizer.plan import Plan, PlanStatus

    issues = [CheckIssue(("药", "1mg"), None, None, f"错{i}", f"bad{i}", "error") for i in range(n_errors)]
    issues += [CheckIssue(("药", "1mg"), None, None, f"警{i}", f"w{i}", "warning") for i in range(n_warnings)]
    no_rows = pd.DataFrame({"volume": [], "switched": []})
    none = pd.DataFrame()
    return Plan(PlanStatus.INFEASIBLE, None, 0.0, 0.0, 0.0, no_rows, no_rows, none, none, issues=issues)


def test_summary_labels_errors_and_warnings() -> None:
    from optimizer.cli import summary

    lines = summary(_plan_with_issues(1, 1)).splitlines()
    assert "错误: 错0 / bad0" in lines
    assert "提示: 警0 / w0" in lines


MORE_21, MORE_22 = "... 另有 1 条 / 1 more", "... 另有 2 条 / 2 more"


@pytest.mark.parametrize("n, more", [(20, None), (21, MORE_21), (22, MORE_22)])
def test_summary_shows_20_issues_then_counts_the_rest(n: int, more: str | None) -> None:
    """20 issues are all shown; from 21 on, the first 20 and a line counting the others (n - 20)."""
    from optimizer.cli import summary

    lines = summary(_plan_with_issues(n, 0)).splitlines()
    shown = [ln for ln in lines if ln.startswith("错误: ")]
    assert len(shown) == 20
    counted = [ln for ln in lines if ln.startswith("... ")]
    assert counted == ([] if more is None else [more])


@pytest.mark.parametrize(
    "base, saved, line",
    [
        (200.0, 50.0, "节约 / savings: 50.00 元（25.0%）"),  # 50 / 200
        (0.0, -5.0, "节约 / savings: -5.00 元（-）"),  # baseline cost 0 (a baseline price of 0): no rate
    ],
)
def test_summary_savings_line_with_its_rate_or_a_dash(base: float, saved: float, line: str) -> None:
    import pandas as pd

    from optimizer.cli import summary

    plan = _plan_with_issues(0, 0)
    plan.savings = pd.DataFrame({"baseline_cost": [base], "savings": [saved]})
    assert line in summary(plan).splitlines()
