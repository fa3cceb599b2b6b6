"""Totals by region and the monthly report (月报), worked out by hand (issue 11, items 4 and 5).

H1 in 东 agreed 1200, H2 in 西 600, H3 (no region) 300, all of P1 (period 2026), as of 2026-09-15:
    H1 bought 100 on 08-10 (last month), 50 on 09-01 and 30 on 09-15 (this month, the as-of day
       included), 20 on 09-16 (after as-of: not counted)
       -> this month 80, last month 100, change -20; bought 180, completion 0.15, this month +80/1200;
          before this month 100, so 1100 remain over Sep..Dec (4 months): pace 275 a month
    H2 bought 60 on 07-31 (before last month) -> 0 and 0; remaining 540 / 4 = 135; completion 0.10
    H3 bought nothing -> pace 300 / 4 = 75
Regions: 东 1200 / 180, 西 600 / 60, blank 300 / 0; together the total, 2100 / 240.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from procurement.cli import main


@pytest.fixture
def files(tmp_path) -> list[str]:
    frames = {
        "h": pd.DataFrame({"机构编码": ["H1", "H2", "H3"], "机构名称": ["东院", "西院", "无区院"],
                           "所属地区": ["东", "西", None]}),
        "p": pd.DataFrame({"产品编码": ["P1"], "集采批次": "B", "通用名": "甲药", "规格": "10mg", "中选企业": "甲",
                           "中选单价": 1.0, "协议期起": "2026-01-01", "协议期止": "2026-12-31"}),
        "a": pd.DataFrame({"机构编码": ["H1", "H2", "H3"], "产品编码": "P1", "约定采购量": [1200, 600, 300]}),
        "u": pd.DataFrame({"订单编号": ["O1", "O2", "O3", "O4", "O5"],
                           "入库日期": ["2026-08-10", "2026-09-01", "2026-09-15", "2026-09-16", "2026-07-31"],
                           "机构编码": ["H1", "H1", "H1", "H1", "H2"], "产品编码": "P1",
                           "入库数量": [100, 50, 30, 20, 60]}),
    }
    paths = []
    for name, frame in frames.items():
        frame.to_excel(tmp_path / f"{name}.xlsx", index=False)
        paths.append(str(tmp_path / f"{name}.xlsx"))
    return paths


def test_totals_by_region(files, capsys):
    assert main(["report", *files, "--as-of", "2026-09-15", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    regions = {r["region"]: (r["agreed_volume"], r["purchased_volume"]) for r in report["regions"]}
    assert regions == {"东": (1200, 180), "西": (600, 60), None: (300, 0)}
    assert report["total"]["agreed_volume"] == 2100 and report["total"]["purchased_volume"] == 240


def test_monthly_report(files, tmp_path):
    out = tmp_path / "monthly.xlsx"
    assert main(["report", *files, "--as-of", "2026-09-15", "--monthly", str(out)]) == 0
    sheet = pd.read_excel(out, sheet_name="全部", header=1).set_index("机构编码")
    h1 = sheet.loc["H1"]
    assert (h1["本月采购量"], h1["上月采购量"], h1["环比增减"]) == (80, 100, -20)
    assert h1["按期完成月均应采购量"] == pytest.approx(275)
    assert h1["本月完成率增加"] == pytest.approx(80 / 1200)
    assert h1["累计完成率"] == pytest.approx(0.15)
    assert (sheet.loc["H2", "本月采购量"], sheet.loc["H2", "上月采购量"]) == (0, 0)
    assert sheet.loc["H2", "按期完成月均应采购量"] == pytest.approx(135)
    assert sheet.loc["H3", "按期完成月均应采购量"] == pytest.approx(75)


def test_monthly_report_one_sheet_per_region(files, tmp_path):
    out = tmp_path / "monthly.xlsx"
    assert main(["report", *files, "--as-of", "2026-09-15", "--monthly", str(out), "--by-region"]) == 0
    sheets = pd.read_excel(out, sheet_name=None, header=1)
    assert sorted(sheets) == sorted(["东", "西", "未分地区"])
    assert list(sheets["东"]["机构编码"]) == ["H1"] and list(sheets["未分地区"]["机构编码"]) == ["H3"]


def test_the_app_offers_the_agreement_years_of_the_data():
    """The year filter lists the agreement years the agreements carry (one year: no choice to make)."""
    from procurement.model import Dataset, conform
    from webapp.filters import options

    two = Dataset(agreements=conform("agreements", pd.DataFrame({
        "hospital_id": ["H1", "H1"], "product_id": ["P1", "P1"], "agreed_volume": [10.0, 12.0],
        "agreement_year": [1, 2]})))
    assert options(two)["years"] == [1, 2]
    assert options(Dataset())["years"] == []
