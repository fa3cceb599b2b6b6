"""The published figures of metrics.md, reproduced from hand-built data.

County (two batches, period 2020, as of 31 Dec 2020):
  batch 1: B1A 0.50 yuan agreed 534,520, B1B 1.00 yuan agreed 338,480 -> 873,000 units, 605,740 yuan
  (60.57万); bought 877,800 -> 100.55%; paid 525,300 (52.53万) -> 525,300 / 605,740 = 86.72%.
  batch 2: B2A agreed 1,464,900, bought 658,100 -> 44.92%, far behind a full year elapsed.
City alliance (five products, agreed volumes, price drops 77%, 35%, 25%, 22%, 16.5%):
  mean drop 1.755 / 5 = 35.1%, max 77%; savings on the agreed volume
  77,000 + 70,000 + 125,000 + 1.1 x 1,887,448 + 0.33 x 938,809 = 2,657,999.77 (2.658 million);
  previous spend 100,000 + 200,000 + 500,000 + 9,437,240 + 1,877,618 = 12,114,858 -> 21.94%.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from procurement.labels import METRIC_LABELS_ZH
from procurement.model import Dataset, conform
from procurement.report import build_report

T = pd.Timestamp
YEAR = dict(agreement_start=T("2020-01-01"), agreement_end=T("2020-12-31"))

COUNTY_PRODUCTS = [
    dict(product_id="B1A", batch="第一批", generic_name="阿托伐他汀钙片", specification="20mg", supplier="甲药业", unit_price=0.5, **YEAR),
    dict(product_id="B1B", batch="第一批", generic_name="苯磺酸氨氯地平片", specification="5mg", supplier="乙制药", unit_price=1.0, **YEAR),
    dict(product_id="B2A", batch="第二批", generic_name="二甲双胍片", specification="0.5g", supplier="丙医药", unit_price=0.2, **YEAR),
]
COUNTY_AGREEMENTS = [
    ("H1", "B1A", 300_000), ("H1", "B1B", 138_480), ("H2", "B1A", 234_520), ("H2", "B1B", 200_000),
    ("H1", "B2A", 700_000), ("H2", "B2A", 464_900), ("H3", "B2A", 300_000),
]
COUNTY_PURCHASES = [  # hospital, product, quantity
    ("H1", "B1A", 310_000), ("H1", "B1B", 140_000), ("H2", "B1A", 227_800), ("H2", "B1B", 200_000),
    ("H1", "B2A", 400_000), ("H2", "B2A", 258_100),
]
COUNTY_PAYMENTS = [("H1", "B1A", 155_000), ("H1", "B1B", 140_000), ("H2", "B1A", 113_900), ("H2", "B1B", 116_400)]
COUNTY_HOSPITALS = [("H1", "县人民医院"), ("H2", "县中医院"), ("H3", "城关镇卫生院")]


def county_dataset() -> Dataset:
    return Dataset(
        hospitals=conform("hospitals", pd.DataFrame(COUNTY_HOSPITALS, columns=["hospital_id", "hospital_name"])),
        products=conform("products", pd.DataFrame(COUNTY_PRODUCTS)),
        agreements=conform("agreements", pd.DataFrame(COUNTY_AGREEMENTS, columns=["hospital_id", "product_id", "agreed_volume"])),
        purchases=conform("purchases", pd.DataFrame(
            [dict(order_id=f"o{i}", date=T("2020-06-15"), hospital_id=h, product_id=p, quantity=float(q), winning=True)
             for i, (h, p, q) in enumerate(COUNTY_PURCHASES)])),
        payments=conform("payments", pd.DataFrame(
            [dict(payment_id=f"p{i}", hospital_id=h, product_id=p, amount=float(a), date=T("2020-07-01"))
             for i, (h, p, a) in enumerate(COUNTY_PAYMENTS)])),
    )


CITY_PRODUCTS = [  # id, baseline price, winning price, agreed volume
    ("C1", 10.0, 2.3, 10_000),
    ("C2", 2.0, 1.3, 100_000),
    ("C3", 4.0, 3.0, 125_000),
    ("C4", 5.0, 3.9, 1_887_448),
    ("C5", 2.0, 1.67, 938_809),
]


def city_dataset() -> Dataset:
    products = [dict(product_id=pid, batch="联盟第一批", generic_name=f"药品{pid}", specification="10mg",
                     supplier=f"企业{pid}", unit_price=u, baseline_price=b, **YEAR) for pid, b, u, _ in CITY_PRODUCTS]
    # split each agreed volume over the lead hospital and one member, as the alliance did
    agreements = []
    for pid, _, _, v in CITY_PRODUCTS:
        agreements += [("M1", pid, float(v - v // 3)), ("M2", pid, float(v // 3))]
    return Dataset(
        hospitals=conform("hospitals", pd.DataFrame([("M1", "市第一人民医院"), ("M2", "市妇幼保健院")], columns=["hospital_id", "hospital_name"])),
        products=conform("products", pd.DataFrame(products)),
        agreements=conform("agreements", pd.DataFrame(agreements, columns=["hospital_id", "product_id", "agreed_volume"])),
    )


def check_county(report) -> None:
    b = report.batches.set_index("batch")
    first, second = b.loc["第一批"], b.loc["第二批"]
    assert first["agreed_volume"] == 873_000 and first["purchased_volume"] == 877_800
    assert round(first["completion_rate"], 4) == 1.0055  # 100.55%
    assert round(first["agreed_amount"] / 1e4, 2) == 60.57
    assert round(first["paid_amount"] / 1e4, 2) == 52.53
    assert round(first["paid_vs_agreed"], 4) == 0.8672  # 86.72%
    assert first["progress_status"] == "over_purchase"
    assert second["agreed_volume"] == 1_464_900 and second["purchased_volume"] == 658_100
    assert round(second["completion_rate"], 4) == 0.4492  # 44.92%
    assert report.total["agreed_volume"] == 2_337_900
    # the lagging batch is made obvious
    assert second["progress_status"] == "below_schedule" and bool(second["warning"])
    assert any(w.startswith("第二批") and "44.92%" in w for w in report.warnings)


def check_city(report) -> None:
    t = report.total
    assert round(t["mean_price_drop"], 3) == 0.351
    assert round(t["max_price_drop"], 2) == 0.77
    assert round(t["savings_agreed"] / 1e6, 3) == 2.658
    assert round(t["savings_rate"], 4) == 0.2194
    # both are shown, under different labels
    assert METRIC_LABELS_ZH["mean_price_drop"] != METRIC_LABELS_ZH["savings_rate"]
    assert t["mean_price_drop"] - t["savings_rate"] > 0.13


def test_county_batches_from_frames():
    check_county(build_report(county_dataset(), date(2020, 12, 31)))


def test_city_alliance_from_frames():
    check_city(build_report(city_dataset(), date(2020, 3, 31)))


def test_savings_rate_is_on_the_same_volume_basis():
    r = build_report(city_dataset(), date(2020, 3, 31))
    assert r.total["savings_agreed"] == pytest.approx(2_657_999.77, abs=0.01)
    assert r.total["savings_agreed"] / r.total["savings_rate"] == pytest.approx(12_114_858, abs=0.01)


# --- the same figures through messy spreadsheets and the importer --------------------------------

PACKS = {"B1A": 10, "B1B": 20, "B2A": 1}


def _messy_sheet(wb, title: str, headers: list[str], rows: list[list], total_row: list | None = None) -> None:
    """A sheet as platforms export it: merged title, a blank row, headers, data, a 合计 row, a note."""
    ws = wb.create_sheet(title)
    ws.append([f"{title}（导出）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if total_row is not None:
        ws.append(total_row)
    ws.append([])
    ws.append(["注：数据来源于省级平台"])


def _workbook_bytes(build) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def county_files() -> list[tuple[str, bytes]]:
    def catalogue(wb):
        # Traditional-Chinese headers, dates as text in two styles
        _messy_sheet(wb, "中選產品", ["產品編碼", "集採批次", "通用名", "規格", "包裝轉換比", "最小單位", "中選企業", "中選單價(元)", "協議期起", "協議期止"],
                     [[p["product_id"], p["batch"], p["generic_name"], p["specification"], PACKS[p["product_id"]], "片",
                       p["supplier"], p["unit_price"], "2020/1/1", "2020年12月31日"] for p in COUNTY_PRODUCTS])
        _messy_sheet(wb, "醫療機構", ["醫療機構編碼", "醫療機構名稱"], [list(h) for h in COUNTY_HOSPITALS])
        # agreements of batch 1 in boxes (盒), batch 2 in tablets
        rows = [[h, p, v // PACKS[p] if PACKS[p] > 1 else v, "盒" if PACKS[p] > 1 else "片"] for h, p, v in COUNTY_AGREEMENTS]
        _messy_sheet(wb, "約定採購量", ["機構編碼", "產品編碼", "約定採購量", "單位"], rows,
                     total_row=["合計", None, sum(r[2] for r in rows), None])

    def execution(wb):
        rows = []
        for i, (h, p, q) in enumerate(COUNTY_PURCHASES):
            half = q // 2  # each delivery split in two order lines, the first in boxes where it divides
            if PACKS[p] > 1 and half % PACKS[p] == 0:
                rows.append([f"DD{i}a", "2020-06-15", h, p, f"{half // PACKS[p]:,}", "盒"])
            else:
                rows.append([f"DD{i}a", "2020-06-15", h, p, half, "片"])
            rows.append([f"DD{i}b", "2020年6月15日", h, p, q - half, "片"])
        _messy_sheet(wb, "入庫明細", ["訂單編號", "入庫日期", "醫療機構編碼", "產品編碼", "採購數量", "單位"], rows,
                     total_row=["總計", None, None, None, sum(q for _, _, q in COUNTY_PURCHASES), None])
        pays = [[f"HK{i}", h, p, f"{a:,.2f}", "2020/7/1"] for i, (h, p, a) in enumerate(COUNTY_PAYMENTS)]
        _messy_sheet(wb, "回款", ["回款單號", "醫療機構編碼", "產品編碼", "回款金額", "回款日期"], pays,
                     total_row=["合计", None, None, sum(a for *_, a in COUNTY_PAYMENTS), None])

    return [("县级目录.xlsx", _workbook_bytes(catalogue)), ("县级执行.xlsx", _workbook_bytes(execution))]


def city_files() -> list[tuple[str, bytes]]:
    def build(wb):
        _messy_sheet(wb, "聯盟中選產品", ["產品編碼", "集採批次", "通用名", "規格", "中選企業", "中選單價", "集採前價格", "協議期起", "協議期止"],
                     [[pid, "联盟第一批", f"药品{pid}", "10mg", f"企业{pid}", u, b, "2020-01-01", "2020-12-31"]
                      for pid, b, u, _ in CITY_PRODUCTS])
        _messy_sheet(wb, "成員單位", ["機構編碼", "機構名稱"], [["M1", "市第一人民医院"], ["M2", "市妇幼保健院"]])
        rows = []
        for pid, _, _, v in CITY_PRODUCTS:
            rows += [["M1", pid, f"{v - v // 3:,}"], ["M2", pid, v // 3]]
        _messy_sheet(wb, "約定量", ["機構編碼", "產品編碼", "約定採購量"], rows, total_row=["小計", None, sum(v for *_, v in CITY_PRODUCTS)])

    return [("联盟.xlsx", _workbook_bytes(build))]


def _dataset_from(files) -> Dataset:
    from procurement.ingest.importer import parse_files

    result = parse_files(files)
    assert result.ok, [str(p) for p in result.problems]
    return Dataset(**result.tables)


def test_county_batches_from_spreadsheets():
    ds = _dataset_from(county_files())
    assert len(ds.agreements) == len(COUNTY_AGREEMENTS)  # the 合计 row is not an agreement
    assert ds.purchases["quantity"].sum() == sum(q for *_, q in COUNTY_PURCHASES)
    check_county(build_report(ds, date(2020, 12, 31)))


def test_city_alliance_from_spreadsheets():
    ds = _dataset_from(city_files())
    assert ds.agreements["agreed_volume"].sum() == sum(v for *_, v in CITY_PRODUCTS)
    check_city(build_report(ds, date(2020, 3, 31)))
