"""Prepayment, offsets, direct settlement, deliveries and shortages (issue 12), worked out by hand and
checked through files (``report FILE...``) and through the database (``import`` then ``report --db``).

Catalogue: H1 (platform code 320300001) and H2; P1 (甲, 1 yuan, platform code XP001) and P2 (乙, 1 yuan),
batch B1, period 2026. Agreed: H1 P1 10,000; H2 P1 10,000 and P2 5,000: 10,000 and 15,000 yuan.

Deliveries of H1 (P1), as of 2026-01-31:
    L1 ordered 1000 on 01-01, received 1000 on 01-02 (D1)   within 48 hours
    L2 ordered 1000 on 01-01, received  600 on 01-05 (D1)   late and partial
    L3 ordered  500,          received  500 on 01-06        no order date: rate only
    L4 ordered  400 on 01-01, received  400 on 01-03 (D2)   exactly two days: within 48 hours
    L5 ordered  100 on 01-10, received  100 on 01-13 (D2)   three days: not
  delivery rate = (1000+600+500+400+100) / (1000+1000+500+400+100) = 2600 / 3000
  48-hour share = (1000+400) / (1000+1000+400+100) = 1400 / 2500 = 0.56   (L3 has no order date)
  D1: 1600/2000 = 0.8, 48h 1000/2000 = 0.5;  D2: 500/500 = 1, 48h 400/500 = 0.8

Money, as of 2026-01-31:
    T1 H1 prepay 3000 on 2025-12-20; T2 H1 offset -1000 on 01-31 (the as-of day: counted; a negative
    offset is the same offset); T3 H1 offset 500 on 02-10 (after: not counted); T4 H2 prepay 2000 on
    2025-12-28; T5 H1 direct settlement 1000 (甲) on 01-25. Payments of H1: 600 by the hospital on
    01-20, 400 by the fund (医保基金) on 01-21.
  H1: prepaid 3000, offset 1000, balance 2000, prepaid share 3000/10000 = 0.30 (not below 30%: no warning)
  H2: prepaid 2000, share 2000/15000: warned.   Total: 5000, 1000, 4000, share 5000/25000 = 0.20
  H1 paid 600 + 400 + 1000 = 2000, by the fund 400 + 1000 = 1400: direct settled share 0.7

Shortages, as of 2026-03-01 (the platform's 集采缺货 export and a hospital's own register):
    R1 H1 P1 from 03-01 (open); R2 H1 耗材 (left out); R3 H2 P1 from 03-02 (not yet)
    S2 H1 P2 02-01 to 03-01 (closed that day: not open); S4 H2 P2 from 02-15, 已解决 with no date
    (never open); S5 H2 P2 from 02-20, 未解决 (open)
  open: R1 and S5 = 2 (甲 1, 乙 1; H1 1, H2 1; P1 1, P2 1)
  days short: 甲 R1 1 + R3 0 = 1; 乙 S2 28 (02-01..02-28) + S4 0 + S5 10 (02-20..03-01) = 38
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def _write(path: Path, frame: pd.DataFrame, title: str | None = None) -> str:
    with pd.ExcelWriter(path) as xw:
        frame.to_excel(xw, index=False, sheet_name="Sheet1", startrow=1 if title else 0)
        if title:
            xw.sheets["Sheet1"].cell(row=1, column=1, value=title)
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("money")
    out = {}
    out["hospitals"] = _write(d / "医疗机构.xlsx", pd.DataFrame({
        "机构编码": ["H1", "H2"], "机构名称": ["一院", "二院"], "省平台编码": ["320300001", "320300002"]}))
    out["products"] = _write(d / "中选产品.xlsx", pd.DataFrame({
        "产品编码": ["P1", "P2"], "省平台产品编码": ["XP001", "XP002"], "集采批次": "B1", "通用名": ["甲药", "乙药"],
        "规格": "10mg", "包装转换比": 1, "最小单位": "片", "中选企业": ["甲", "乙"], "中选单价(元/片)": 1.0,
        "集采前价格(元/片)": 2.0, "协议期起": "2026-01-01", "协议期止": "2026-12-31"}))
    out["agreements"] = _write(d / "约定采购量.xlsx", pd.DataFrame({
        "机构编码": ["H1", "H2", "H2"], "产品编码": ["P1", "P1", "P2"], "约定采购量": [10000, 10000, 5000]}))
    out["purchases"] = _write(d / "H1_入库.xlsx", pd.DataFrame({
        "订单编号": ["L1", "L2", "L3", "L4", "L5"],
        "订单日期": ["2026-01-01", "2026-01-01", None, "2026-01-01", "2026-01-10"],
        "入库日期": ["2026-01-02", "2026-01-05", "2026-01-06", "2026-01-03", "2026-01-13"],
        "机构编码": "H1", "产品编码": "P1", "订单数量": [1000, 1000, 500, 400, 100],
        "入库数量": [1000, 600, 500, 400, 100], "配送企业": ["D1", "D1", None, "D2", "D2"]}))
    out["payments"] = _write(d / "回款.xlsx", pd.DataFrame({
        "回款单号": ["PAY1", "PAY2"], "机构编码": "H1", "中选企业": "甲", "回款金额": [600, 400],
        "回款日期": ["2026-01-20", "2026-01-21"], "支付方": ["医院", "医保基金"]}))
    out["funds"] = _write(d / "医保基金预付.xlsx", pd.DataFrame({
        "拨付单号": ["T1", "T2", "T3", "T4", "T5"], "机构编码": ["H1", "H1", "H1", "H2", "H1"], "批次": "B1",
        "资金类型": ["预付", "冲抵", "冲抵", "预付", "直接结算"], "金额": [3000, -1000, 500, 2000, 1000],
        "拨付日期": ["2025-12-20", "2026-01-31", "2026-02-10", "2025-12-28", "2026-01-25"],
        "中选企业": [None, None, None, None, "甲"]}), title="医保基金带量采购预付及结算台账")
    # the platform's 集采缺货 export (header order of its export), then a hospital's own register
    out["stockout"] = _write(d / "集采缺货.xlsx", pd.DataFrame({
        "医药机构名称": ["一院", "一院", "二院"], "医药机构省平台编码": ["320300001", "320300001", "320300002"],
        "统筹区": "示例市", "创建人": "admin", "创建时间": "2026-03-05 10:00:00",
        "缺货分类": ["药品", "耗材", "药品"], "药品(耗材)名称": ["甲药", "一次性注射器", "甲药"],
        "规格": ["10mg", "5ml", "10mg"], "省阳光采购平台产品编码": ["XP001", "HC9", "XP001"],
        "缺货开始采购日期": ["2026-03-01", "2026-02-01", "2026-03-02"],
        "缺货后最近一次采购订单日期": ["2026-03-03", "2026-02-03", "2026-03-04"],
        "缺货订单提交次数": [3, 1, 2], "数量": [100, 50, 80], "金额": [100, 5, 80],
        "生产企业": ["甲", "某耗材厂", "甲"], "配送公司": "D1", "线索类型": "无正当理由，不响应采购订单"}))
    out["register"] = _write(d / "缺货登记.xlsx", pd.DataFrame({
        "机构编码": ["H1", "H2", "H2"], "产品编码": "P2",
        "缺货开始日期": ["2026-02-01", "2026-02-15", "2026-02-20"],
        "恢复供应日期": ["2026-03-01", None, None], "状态": ["已解决", "已解决", "未解决"]}))
    return out


def _cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "procurement", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module", params=["files", "database"])
def reports(request, files, tmp_path_factory) -> dict[str, dict]:
    paths = list(files.values())
    if request.param == "files":
        source = paths
    else:
        db = f"sqlite:///{tmp_path_factory.mktemp('db') / 'vbp.sqlite'}"
        code, _, err = _cli("import", *paths, "--db", db)
        assert code == 0, err
        source = ["--db", db]
    out = {}
    for as_of in ("2026-01-31", "2026-03-01"):
        code, text, err = _cli("report", *source, "--as-of", as_of, "--json")
        assert code == 0, err
        out[as_of] = json.loads(text)
    return out


def _by(rows: list[dict], key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows}


def test_deliveries(reports):
    r = reports["2026-01-31"]
    assert r["total"]["delivery_rate"] == pytest.approx(2600 / 3000)
    assert r["total"]["delivered_48h_share"] == pytest.approx(0.56)
    h1 = _by(r["hospitals"], "hospital_id")["H1"]
    assert (h1["delivery_rate"], h1["delivered_48h_share"]) == (pytest.approx(2600 / 3000), pytest.approx(0.56))
    p1 = _by(r["products"], "product_id")["P1"]
    assert p1["delivery_rate"] == pytest.approx(2600 / 3000)
    assert _by(r["suppliers"], "supplier")["甲"]["delivered_48h_share"] == pytest.approx(0.56)
    d = _by(r["distributors"], "distributor")
    assert (d["D1"]["delivery_rate"], d["D1"]["delivered_48h_share"]) == (pytest.approx(0.8), pytest.approx(0.5))
    assert (d["D2"]["delivery_rate"], d["D2"]["delivered_48h_share"]) == (pytest.approx(1.0), pytest.approx(0.8))


def test_prepayment_offsets_and_their_share(reports):
    r = reports["2026-01-31"]
    h = _by(r["hospitals"], "hospital_id")
    assert (h["H1"]["prepaid_amount"], h["H1"]["prepay_offset"], h["H1"]["prepay_balance"]) == (3000, 1000, 2000)
    assert h["H1"]["prepaid_share"] == pytest.approx(0.30)
    assert (h["H2"]["prepaid_amount"], h["H2"]["prepaid_share"]) == (2000, pytest.approx(2000 / 15000))
    t = r["total"]
    assert (t["prepaid_amount"], t["prepay_offset"], t["prepay_balance"]) == (5000, 1000, 4000)
    assert t["prepaid_share"] == pytest.approx(0.20)
    b1 = _by(r["batches"], "batch")["B1"]
    assert (b1["prepaid_amount"], b1["prepaid_share"]) == (5000, pytest.approx(0.20))
    assert _by(r["products"], "product_id")["P1"]["prepaid_amount"] is None  # no prepayment per product
    warned = [w for w in r["warnings"] if "prepaid share" in w]
    assert len(warned) == 1 and warned[0].startswith("H2")  # H1 at exactly 30% is not below it


def test_direct_settlement_among_hospital_payments(reports):
    r = reports["2026-01-31"]
    h1 = _by(r["hospitals"], "hospital_id")["H1"]
    assert h1["paid_amount"] == pytest.approx(2000)
    assert h1["direct_settled_share"] == pytest.approx(0.7)
    assert r["total"]["direct_settled_share"] == pytest.approx(0.7)
    assert _by(r["suppliers"], "supplier")["甲"]["direct_settled_share"] == pytest.approx(0.7)


def test_open_shortages_at_every_level(reports):
    r = reports["2026-03-01"]
    assert r["total"]["open_shortages"] == 2
    assert {k: v["open_shortages"] for k, v in _by(r["hospitals"], "hospital_id").items()} == {"H1": 1, "H2": 1}
    assert {k: v["open_shortages"] for k, v in _by(r["products"], "product_id").items()} == {"P1": 1, "P2": 1}
    assert {k: v["open_shortages"] for k, v in _by(r["suppliers"], "supplier").items()} == {"甲": 1, "乙": 1}
    assert _by(r["batches"], "batch")["B1"]["open_shortages"] == 2
    # a day earlier only S5 is open (R1 starts on 03-01); S2 was still open then
    assert reports["2026-01-31"]["total"]["open_shortages"] == 0


def test_import_summary_counts_the_consumable_left_out(files, tmp_path):
    code, text, err = _cli("import", files["hospitals"], files["products"], files["stockout"], "--db",
                           f"sqlite:///{tmp_path / 's.sqlite'}", "--json")
    assert code == 0, err
    summary = json.loads(text)
    sheets = [s for f in summary["files"] for s in f["sheets"]] if "files" in summary else summary["sheets"]
    stock = next(s for s in sheets if s.get("kind") == "shortages")
    assert stock["left_out"].get("consumables") == 1
