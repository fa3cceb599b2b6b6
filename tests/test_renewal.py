"""Renewal (接续采购): ``python -m procurement renew`` writes the next cycle's declarations from the last
12 months of use, and the planner reads the file back as it is.

Hand-worked case (batch B, period 2026-01-01..2026-12-31; the latest purchase is on 2026-12-31, so the
12 months are 2026-01-01..2026-12-31, both days counted):
    甲药 10mg has two winners (甲 P1, 乙 P2): ratio 60%;  丙药 5mg one winner (丙 P3): ratio 50%.
    H1 bought P1 300 on 2026-01-01 (first day: in), P1 200 on 2025-12-31 (the day before: out),
       甲药 10mg from 丁 (non-winning) 150 on 2026-06-01, P2 100 on 2026-12-31 (last day: in).
       -> winning 400, non-winning 150, declared 550, current supplier 甲 (300 of it),
          renewal volume ceil(0.6 x 550) = 330; with --ratio 0.75, ceil(412.5) = 413.
    H2 signed P3 (500) and bought nothing -> listed with 0, so the coordinator sees it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from procurement.cli import main

HEADERS = ["机构编码", "机构名称", "通用名", "规格", "申报量", "现用企业", "近12个月中选产品用量", "近12个月非中选产品用量",
           "测算比例", "按规则测算约定量"]


def _db(tmp_path) -> str:
    d = tmp_path
    pd.DataFrame({"机构编码": ["H1", "H2"], "机构名称": ["一院", "二院"]}).to_excel(d / "h.xlsx", index=False)
    pd.DataFrame({"产品编码": ["P1", "P2", "P3"], "集采批次": "B", "通用名": ["甲药", "甲药", "丙药"],
                  "规格": ["10mg", "10mg", "5mg"], "中选企业": ["甲", "乙", "丙"], "中选单价": [1.0, 1.2, 2.0],
                  "协议期起": "2026-01-01", "协议期止": "2026-12-31"}).to_excel(d / "p.xlsx", index=False)
    pd.DataFrame({"机构编码": ["H1", "H2"], "产品编码": ["P1", "P3"], "约定采购量": [1000, 500]}).to_excel(
        d / "a.xlsx", index=False)
    pd.DataFrame({"订单编号": ["O1", "O2", "O3", "O4"], "入库日期": ["2026-01-01", "2025-12-31", "2026-06-01", "2026-12-31"],
                  "机构编码": "H1", "通用名": "甲药", "规格": "10mg", "生产企业": ["甲", "甲", "丁", "乙"],
                  "入库数量": [300, 200, 150, 100]}).to_excel(d / "u.xlsx", index=False)
    url = f"sqlite:///{d / 'vbp.sqlite'}"
    assert main(["import", *(str(d / f) for f in ("h.xlsx", "p.xlsx", "a.xlsx", "u.xlsx")), "--db", url]) == 0
    return url


def _rows(path) -> pd.DataFrame:
    frame = pd.read_excel(path, sheet_name="报量", header=1)
    assert list(frame.columns) == HEADERS
    return frame.set_index("机构编码")


def test_declarations_are_the_last_12_months_of_use(tmp_path):
    url = _db(tmp_path)
    out = tmp_path / "renew.xlsx"
    assert main(["renew", "--batch", "B", "--db", url, "--out", str(out)]) == 0
    rows = _rows(out)
    h1 = rows.loc["H1"]
    assert (h1["通用名"], h1["申报量"], h1["现用企业"]) == ("甲药", 550, "甲")
    assert (h1["近12个月中选产品用量"], h1["近12个月非中选产品用量"]) == (400, 150)
    assert (h1["测算比例"], h1["按规则测算约定量"]) == (pytest.approx(0.6), 330)
    h2 = rows.loc["H2"]
    assert (h2["通用名"], h2["申报量"], h2["测算比例"]) == ("丙药", 0, pytest.approx(0.5))
    assert pd.isna(h2["现用企业"])


def test_a_renewal_ratio_from_the_alliance(tmp_path):
    url = _db(tmp_path)
    out = tmp_path / "renew.xlsx"
    assert main(["renew", "--batch", "B", "--db", url, "--ratio", "0.75", "--out", str(out)]) == 0
    assert _rows(out).loc["H1", "按规则测算约定量"] == 413


def test_an_unknown_batch_is_bad_input(tmp_path, capsys):
    url = _db(tmp_path)
    assert main(["renew", "--batch", "第九批", "--db", url, "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "第九批" in capsys.readouterr().err


def test_the_file_imports_back_as_demand_and_plans(tmp_path):
    """The planner reads the renewal file unedited: its declarations are the demand of a plan."""
    from optimizer.cli import main as optimizer_main

    url = _db(tmp_path)
    out = tmp_path / "renew.xlsx"
    assert main(["renew", "--batch", "B", "--db", url, "--out", str(out)]) == 0
    offers = tmp_path / "offers.xlsx"
    pd.DataFrame({"通用名": ["甲药", "甲药", "丙药"], "规格": ["10mg", "10mg", "5mg"], "中选企业": ["甲", "乙", "丙"],
                  "中选单价": [1.0, 1.2, 2.0]}).to_excel(offers, index=False)
    import io
    import json

    buf = io.StringIO()
    assert optimizer_main(["plan", str(out), str(offers), "--json"], out=buf) == 0
    plan = json.loads(buf.getvalue())
    volume = {(a["hospital_id"], a["generic_name"]): a["volume"] for a in plan["allocations"] if a["volume"]}
    assert volume == {("H1", "甲药"): 330}  # ceil(0.6 x 550) on the cheaper winner; H2 declared nothing


@pytest.mark.slow
def test_the_sample_alliance_renews_and_plans_without_edits(tmp_path):
    """Issue 11's done-when: the sample alliance's renewal file imports back as demand and plans."""
    from pathlib import Path

    from optimizer.cli import main as optimizer_main
    from procurement.ingest.importer import parse_files
    from procurement.model import Dataset
    from procurement.renewal import renew, write_renewal_xlsx

    sample = Path(__file__).resolve().parents[1] / "sample_data"
    files = sorted(p for p in sample.rglob("*") if p.suffix in (".xlsx", ".csv") and "planning" not in p.parts)
    parsed = parse_files(files)
    assert parsed.ok, [str(p) for p in parsed.problems[:5]]
    renewal = renew(Dataset(**parsed.tables), "第九批国采")
    assert len(renewal.rows) > 0 and renewal.rows["declared_volume"].sum() > 0
    out = tmp_path / "renew.xlsx"
    write_renewal_xlsx(renewal, out)
    args = ["plan", str(out), str(sample / "planning" / "中选企业.xlsx"), str(sample / "01_医疗机构.xlsx"), "--json"]
    import io
    import json

    buf = io.StringIO()
    assert optimizer_main(args, out=buf) == 0
    assert json.loads(buf.getvalue())["status"] in ("optimal", "feasible")


def test_user_text_stays_text_in_the_renewal_and_monthly_workbooks(tmp_path):
    """A hospital named like a formula is written as text, unchanged (no formula, no added quote)."""
    import openpyxl

    from procurement.labels import RENEWAL_LABELS_ZH as COLUMNS_ZH
    from procurement.monthly import write_monthly_xlsx
    from procurement.renewal import Renewal, write_renewal_xlsx

    rows = pd.DataFrame([{c: None for c in COLUMNS_ZH} | {"hospital_id": "H1", "hospital_name": "=1+1",
                                                             "generic_name": "@药", "declared_volume": 5.0}])
    write_renewal_xlsx(Renewal("B", pd.Timestamp("2026-01-01").date(), pd.Timestamp("2026-12-31").date(), rows),
                       tmp_path / "r.xlsx")
    write_monthly_xlsx(pd.DataFrame({"hospital_id": ["H1"], "hospital_name": ["=1+1"], "this_month": [-3.0]}),
                       "2026-09-15", tmp_path / "m.xlsx")
    for name in ("r.xlsx", "m.xlsx"):
        ws = openpyxl.load_workbook(tmp_path / name).worksheets[0]
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        assert not [c for c in cells if c.data_type == "f"], name
        assert "=1+1" in [c.value for c in cells], name
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx").worksheets[0]
    assert ws.cell(3, 3).value == -3  # a negative number stays a number
