"""The command line of cli.md: exit codes, problems on stderr, nothing written on bad input, figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from store_fixtures import BACKENDS, make_engine

from procurement import store
from procurement.cli import main

ROOT = Path(__file__).resolve().parents[1]


def write_alliance(folder: Path) -> list[Path]:
    """Two hospitals, one product (0.5 yuan, was 1.0), agreed 1000 units at H1, bought 100 + 40."""
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "01_联盟.xlsx"
    with pd.ExcelWriter(book) as xl:
        pd.DataFrame({"机构编码": ["H1", "H2"], "机构名称": ["第一医院", "第二医院"]}).to_excel(
            xl, sheet_name="医疗机构", index=False
        )
        pd.DataFrame(
            {
                "产品编码": ["P1"],
                "集采批次": ["第一批"],
                "通用名": ["阿莫西林胶囊"],
                "规格": ["0.25g"],
                "中选企业": ["甲药业"],
                "中选单价": [0.5],
                "集采前价格": [1.0],
                "协议期起": ["2020-01-01"],
                "协议期止": ["2020-12-31"],
            }
        ).to_excel(xl, sheet_name="中选产品", index=False)
        pd.DataFrame({"机构编码": ["H1"], "产品编码": ["P1"], "约定采购量": [1000]}).to_excel(
            xl, sheet_name="约定采购量", index=False
        )
    lines = folder / "02_采购.csv"
    pd.DataFrame(
        {
            "订单编号": ["O1", "O2"],
            "入库日期": ["2020-03-01", "2020-03-02"],
            "机构编码": ["H1", "H1"],
            "产品编码": ["P1", "P1"],
            "采购数量": [100, 40],
            "采购金额": [50, 20],
        }
    ).to_csv(lines, index=False)
    return [book, lines]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_reimport_counts(tmp_path, cli_db, capsys):
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    code, out, err = run(["import", *files, "--json"], capsys)
    assert code == 0, err
    first = json.loads(out)
    assert first["added"] == {"hospitals": 2, "products": 1, "agreements": 1, "purchases": 2}
    code, out, _ = run(["import", *files, "--json"], capsys)
    again = json.loads(out)
    assert code == 0 and again["import_id"] == 2
    assert sum(again["added"].values()) == 0 and again["unchanged"] == first["added"]
    code, out, _ = run(["import", *files], capsys)
    assert code == 0 and "未变 6 行" in out and "unchanged" in out


def test_bad_file_exits_2_lists_problems_and_writes_nothing(tmp_path, cli_db, capsys):
    files = write_alliance(tmp_path / "in")
    bad = tmp_path / "in" / "03_坏采购.csv"
    pd.DataFrame(
        {
            "订单编号": ["O3"],
            "入库日期": ["2020-03-05"],
            "机构编码": ["H1"],
            "产品编码": ["P9"],
            "采购数量": ["abc"],
        }
    ).to_csv(bad, index=False)
    code, out, err = run(["import", *map(str, files), str(bad)], capsys)
    assert code == 2
    assert "03_坏采购.csv › " in err and "nothing written" in err
    assert out == ""
    assert store.is_empty(store.get_engine(cli_db))


def test_missing_file_exits_2(tmp_path, cli_db, capsys):
    code, _, err = run(["import", str(tmp_path / "nope.xlsx")], capsys)
    assert code == 2 and "nope.xlsx" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["import"],
        ["report", "--as-of", "2020-13-01"],
        ["template", "nonsense", "--out", "x.xlsx"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2 and "bad arguments" in err


def test_internal_error_exits_1_without_traceback(capsys, monkeypatch):
    monkeypatch.delenv("VBP_DEBUG", raising=False)
    code, _, err = run(["report", "--db", "nosuchdialect://x"], capsys)
    assert code == 1 and "internal error" in err and "Traceback" not in err
    monkeypatch.setenv("VBP_DEBUG", "1")
    code, _, err = run(["report", "--db", "nosuchdialect://x"], capsys)
    assert code == 1 and "Traceback" in err


def test_report_from_database_has_the_hand_computed_figures(tmp_path, cli_db, capsys):
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    assert run(["import", *files], capsys)[0] == 0
    code, out, err = run(["report", "--json", "--as-of", "2020-03-31"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["as_of"] == "2020-03-31"
    total = report["total"]
    assert total["agreed_volume"] == 1000
    assert total["purchased_volume"] == 140
    assert total["completion_rate"] == pytest.approx(0.14)
    assert total["purchase_amount"] == pytest.approx(70.0)
    assert total["savings_agreed"] == pytest.approx(1000 * (1.0 - 0.5))
    assert total["time_elapsed"] == pytest.approx(91 / 366)  # 2020 is a leap year
    assert [h["hospital_id"] for h in report["hospitals"] if h["agreed_volume"]] == ["H1"]
    code, out, _ = run(["report", "--as-of", "2020-03-31"], capsys)
    assert code == 0 and "14.00%" in out


def test_report_from_files_matches_the_database_and_touches_no_database(tmp_path, monkeypatch, capsys):
    url_file = tmp_path / "never.sqlite"
    monkeypatch.setenv("VBP_DB_URL", f"sqlite:///{url_file}")
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    code, out, err = run(["report", *files, "--json"], capsys)
    assert code == 0, err
    from_files = json.loads(out)
    assert not url_file.exists()
    assert run(["import", *files], capsys)[0] == 0
    code, out, _ = run(["report", "--json"], capsys)
    assert json.loads(out) == from_files


def test_report_xlsx_and_template(tmp_path, cli_db, capsys):
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    out_book = tmp_path / "report.xlsx"
    code, _, err = run(["report", *files, "--xlsx", str(out_book)], capsys)
    assert code == 0, err
    assert out_book.stat().st_size > 0
    template = tmp_path / "tpl.xlsx"
    code, _, err = run(["template", "purchases", "--out", str(template)], capsys)
    assert code == 0, err
    assert "订单编号" in pd.read_excel(template, header=None).astype(str).to_numpy().ravel().tolist()


def test_bootstrap_fills_an_empty_database_once(tmp_path, cli_db, capsys):
    folder = tmp_path / "sample"
    write_alliance(folder)
    code, out, err = run(["bootstrap", "--from", str(folder)], capsys)
    assert code == 0, err
    engine = store.get_engine(cli_db)
    assert store.data_version(engine) == 1
    assert len(store.load_dataset(engine, aggregated=False).purchases) == 2
    log = store.list_imports(engine)
    assert log.iloc[0]["user"] == "bootstrap" and log.iloc[0]["source_name"] == "sample (2 files)"
    code, out, _ = run(["bootstrap", "--from", str(folder)], capsys)
    assert code == 0 and "nothing imported" in out
    assert store.data_version(engine) == 1


def test_db_option_overrides_the_environment(tmp_path, cli_db, capsys):
    other = tmp_path / "other.sqlite"
    files = [str(p) for p in write_alliance(tmp_path / "in")]
    assert run(["import", *files, "--db", f"sqlite:///{other}"], capsys)[0] == 0
    assert not store.is_empty(store.get_engine(f"sqlite:///{other}"))
    assert store.is_empty(store.get_engine(cli_db))


def test_module_entry_point_exit_codes(tmp_path):
    env = {**os.environ, "VBP_DB_URL": f"sqlite:///{tmp_path / 'sub.sqlite'}"}
    ok = subprocess.run(
        [sys.executable, "-m", "procurement", "--help"], cwd=ROOT, env=env, capture_output=True
    )
    assert ok.returncode == 0 and b"import" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "procurement", "import", str(tmp_path / "missing.csv")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "missing.csv" in bad.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_and_report_through_either_database(backend, tmp_path, capsys):
    engines = make_engine(backend, tmp_path)
    engine = next(engines)
    url = engine.url.render_as_string(hide_password=False)
    try:
        files = [str(p) for p in write_alliance(tmp_path / "in")]
        code, _, err = run(["import", *files, "--db", url], capsys)
        assert code == 0, err
        code, out, _ = run(["report", "--json", "--db", url, "--as-of", "2020-03-31"], capsys)
        assert code == 0
        from_db = json.loads(out)
        code, out, _ = run(["report", *files, "--json", "--as-of", "2020-03-31"], capsys)
        assert json.loads(out) == from_db
        assert from_db["total"]["purchased_volume"] == 140
    finally:
        next(engines, None)  # runs the fixture teardown (drops the PostgreSQL schema)


def test_report_summary_names_figures_by_the_labels_and_counts_hospitals_behind():
    import io

    from procurement.cli import _print_report_summary

    # behind: 0.3 < 0.5 only; unknown completion (no agreed volume) and 0.5 on schedule are not behind
    hospitals = [{"completion_rate": 0.3, "time_elapsed": 0.5}, {"completion_rate": None, "time_elapsed": 0.5},
                 {"completion_rate": 0.5, "time_elapsed": 0.5}]
    out = io.StringIO()
    _print_report_summary({"as_of": "2024-06-30", "total": {"savings_agreed": 1000.0, "completion_rate": 0.4},
                           "hospitals": hospitals}, out)
    text = out.getvalue()
    assert "hospitals behind time elapsed: 1" in text
    assert "预计节约金额 savings on agreed volume" in text and "1,000 元" in text and "40.00%" in text
