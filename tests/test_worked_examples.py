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

from procurement.model import Dataset, conform
from procurement.report import METRIC_LABELS_ZH, build_report

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
