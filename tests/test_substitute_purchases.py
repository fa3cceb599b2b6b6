"""A purchase of a drug the province lists as a substitute (可替代产品) is kept, not left out as a drug
outside the procurement: the execution report counts it (采购可替代产品数).

H1 signed P1 (甲药 10mg). The list names 乙药 (by generic name) and code XZ9 as substitutes of 甲药 10mg.
H1's export has: 乙药 5mg 30 (listed by name: kept, non-winning), a line with code XZ9 (listed by
code: kept), 丙药 20mg 50 (not listed: left out, counted). The report sees 1 of the 2 bought: a stored
non-winning line keeps its names but no product code, so the one listed by code alone is kept in the
purchases (its volume is not lost) but cannot be matched by the execution report (a known limit).
"""

from __future__ import annotations

import io

import pandas as pd

from procurement.ingest.importer import parse_files
from procurement.model import Dataset
from procurement.report import build_report


def _xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf) as xw:
        for name, frame in frames.items():
            frame.to_excel(xw, index=False, sheet_name=name)
    return buf.getvalue()


def test_listed_substitutes_are_kept_and_counted():
    catalogue = _xlsx({
        "医疗机构": pd.DataFrame({"机构编码": ["H1"], "机构名称": ["一院"]}),
        "中选产品": pd.DataFrame({"产品编码": ["P1"], "集采批次": "B", "通用名": "甲药", "规格": "10mg", "中选企业": "甲",
                               "中选单价": 1.0, "协议期起": "2026-01-01", "协议期止": "2026-12-31"}),
        "约定采购量": pd.DataFrame({"机构编码": ["H1"], "产品编码": ["P1"], "约定采购量": [100]}),
        "可替代产品": pd.DataFrame({"通用名": ["甲药", "甲药"], "规格": ["10mg", "10mg"], "可替代产品": ["乙药", "XZ9"]}),
    })
    purchases = _xlsx({"入库": pd.DataFrame({
        "订单编号": ["O1", "O2", "O3", "O4"], "入库日期": "2026-03-01", "机构编码": "H1",
        "产品编码": [None, "XZ9", None, "P1"], "通用名": ["乙药", "丁药", "丙药", "甲药"],
        "规格": ["5mg", "1g", "20mg", "10mg"], "生产企业": ["乙厂", "丁厂", "丙厂", "甲"],
        "入库数量": [30, 10, 50, 40], "入库金额": [60.0, 20.0, 100.0, 40.0]})})
    result = parse_files([("catalogue.xlsx", catalogue), ("H1.xlsx", purchases)])
    assert result.ok, [str(p) for p in result.problems]
    lines = result.tables["purchases"].set_index("order_id")
    assert sorted(lines.index) == ["O1", "O2", "O4"]  # 丙药 left out, the two substitutes kept
    assert not lines.loc["O1", "winning"] and not lines.loc["O2", "winning"]
    assert (lines.loc["O1", "generic_name"], lines.loc["O1", "quantity"]) == ("乙药", 30)
    sheet = next(s for s in result.sheets if s.kind == "purchases")
    assert sheet.to_json()["left_out"] == {"outside_procurement": 1}
    report = build_report(Dataset(**result.tables), as_of=pd.Timestamp("2026-06-30").date())
    row = report.execution.iloc[0]
    assert (row["对应可替代产品总数"], row["采购可替代产品数"]) == (2, 1)
    assert report.total["purchased_volume"] == 40  # substitutes never count toward completion
