"""build_report on a small alliance whose every figure is worked out by hand below.

Alliance as of 2020-06-30. Batch 1 (2020-01-01..2020-12-31, 366 days, elapsed 182/366):
P1 阿莫西林 0.25g 甲 1.0 yuan (baseline 2.0), P2 二甲双胍 0.5g 乙 0.5 (baseline 1.0).
Batch 2 (2020-04-01..2021-03-31, 365 days, elapsed 91/365): P3 氨氯地平 5mg 甲 2.0 (baseline 10.0).
Agreements: H1 P1 1000, H1 P2 200, H1 P3 100, H2 P1 500, H2 P3 100.
Purchases: H1 P1 300 (1 Mar, o1) + 300 (1 May, o2); H1 P3 150 (10 May); H2 P1 100 (1 Apr);
H2 P3 20 (1 Jun); H2 non-winning 阿莫西林 0.25g by 丙 200 (1 May); H1 P1 500 on 5 Jul (after as-of).
Payments: H1 300 for order o2 on 20 May (19 days); H1 200 to supplier 甲 on 20 Jun (FIFO: H1 P1's
1 Mar delivery, 111 days); H2 P1 100 on 15 Apr (14 days); H2 P3 40 on 10 Jul (after as-of).
"""

from __future__ import annotations

import json
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from procurement.labels import EXECUTION_COLUMNS, METRIC_LABELS_ZH
from procurement.model import Dataset, conform
from procurement.report import METRIC_KEYS, _plain, _prepay_warnings, build_report
from procurement.settings import Settings

T = pd.Timestamp
AS_OF = date(2020, 6, 30)
TE1 = 182 / 366
TE2 = 91 / 365


def alliance(purchase_rows=None, payment_rows=None) -> Dataset:
    products = conform("products", pd.DataFrame([
        dict(product_id="P1", batch="第一批", generic_name="阿莫西林", specification="0.25g", supplier="甲",
             unit_price=1.0, baseline_price=2.0, agreement_start=T("2020-01-01"), agreement_end=T("2020-12-31")),
        dict(product_id="P2", batch="第一批", generic_name="二甲双胍", specification="0.5g", supplier="乙",
             unit_price=0.5, baseline_price=1.0, agreement_start=T("2020-01-01"), agreement_end=T("2020-12-31")),
        dict(product_id="P3", batch="第二批", generic_name="氨氯地平", specification="5mg", supplier="甲",
             unit_price=2.0, baseline_price=10.0, agreement_start=T("2020-04-01"), agreement_end=T("2021-03-31")),
    ]))
    hospitals = conform("hospitals", pd.DataFrame([
        dict(hospital_id="H1", hospital_name="一院", region="A区", level="三级"),
        dict(hospital_id="H2", hospital_name="二院", region="B区", level="二级"),
    ]))
    agreements = conform("agreements", pd.DataFrame(
        [dict(hospital_id=h, product_id=p, agreed_volume=v)
         for h, p, v in [("H1", "P1", 1000.0), ("H1", "P2", 200.0), ("H1", "P3", 100.0), ("H2", "P1", 500.0), ("H2", "P3", 100.0)]]
    ))
    if purchase_rows is None:
        purchase_rows = [
            dict(order_id="o1", date=T("2020-03-01"), hospital_id="H1", product_id="P1", quantity=300.0, winning=True),
            dict(order_id="o2", date=T("2020-05-01"), hospital_id="H1", product_id="P1", quantity=300.0, winning=True),
            dict(order_id="o3", date=T("2020-05-10"), hospital_id="H1", product_id="P3", quantity=150.0, winning=True),
            dict(order_id="o4", date=T("2020-04-01"), hospital_id="H2", product_id="P1", quantity=100.0, winning=True),
            dict(order_id="o5", date=T("2020-06-01"), hospital_id="H2", product_id="P3", quantity=20.0, winning=True),
            dict(order_id="n1", date=T("2020-05-01"), hospital_id="H2", product_id=None, generic_name="阿莫西林",
                 specification="0.25g", supplier="丙", quantity=200.0, amount=300.0, winning=False),
            dict(order_id="o6", date=T("2020-07-05"), hospital_id="H1", product_id="P1", quantity=500.0, winning=True),
        ]
    if payment_rows is None:
        payment_rows = [
            dict(payment_id="p1", order_id="o2", hospital_id="H1", amount=300.0, date=T("2020-05-20")),
            dict(payment_id="p2", hospital_id="H1", supplier="甲", amount=200.0, date=T("2020-06-20")),
            dict(payment_id="p3", hospital_id="H2", product_id="P1", amount=100.0, date=T("2020-04-15")),
            dict(payment_id="p4", hospital_id="H2", product_id="P3", amount=40.0, date=T("2020-07-10")),
        ]
    return Dataset(hospitals=hospitals, products=products, agreements=agreements,
                   purchases=conform("purchases", pd.DataFrame(purchase_rows)),
                   payments=conform("payments", pd.DataFrame(payment_rows)))


@pytest.fixture(scope="module")
def report():
    return build_report(alliance(), AS_OF)


def test_total(report):
    t = report.total
    assert t["agreed_volume"] == 1900 and t["purchased_volume"] == 870  # the 5 Jul order is after as-of
    assert t["completion_rate"] == pytest.approx(870 / 1900)
    assert t["time_elapsed"] == pytest.approx((1700 * TE1 + 200 * TE2) / 1900)
    assert t["agreed_amount"] == pytest.approx(2000) and t["purchase_amount"] == pytest.approx(1040)
    assert t["paid_amount"] == pytest.approx(600)  # the 10 Jul payment is after as-of
    assert t["collection_rate"] == pytest.approx(600 / 1040)
    assert t["paid_vs_agreed"] == pytest.approx(0.3)
    # on time: o2's 300 (19 days) + H2 P1's 100 (14 days); the base leaves out H2 P3's 40, delivered
    # 1 Jun (29 days before as-of: not due) and unpaid: 600 paid + 100 + 300 unpaid and due = 1000
    assert t["on_time_rate"] == pytest.approx(400 / 1000)
    assert t["overdue_amount"] == pytest.approx(400)
    assert (t["overdue_31_60"], t["overdue_61_90"], t["overdue_over_90"]) == pytest.approx((300, 0, 100))
    assert t["avg_days_to_pay"] == pytest.approx((300 * 19 + 200 * 111 + 100 * 14) / 600)
    assert t["savings_agreed"] == pytest.approx(3200) and t["savings_realized"] == pytest.approx(2060)
    assert t["savings_rate"] == pytest.approx(3200 / 5200)
    assert t["mean_price_drop"] == pytest.approx(0.6) and t["max_price_drop"] == pytest.approx(0.8)
    assert t["winning_share"] == pytest.approx(870 / 1070)
    # mid-year the grade is projected (metrics.md projected_grade): H1 completion 750/1300 over its
    # weighted elapsed (1200 x 182/366 + 100 x 91/365) / 1300 = 0.4782 -> 1.2065, on time 300/900 -> B
    # (40%): capped savings P1 600 x 1.0 + P3 100 x 8.0 = 1400 x 0.7 x 0.4 = 392. H2: 120/600 = 0.2 over
    # (500 x 182/366 + 100 x 91/365) / 600 = 0.4559 -> 0.4386: D, 0. (On completion to date, as before
    # years, both were D and the estimate 0.)
    assert t["retained_savings"] == pytest.approx(392)
    assert set(METRIC_KEYS) <= set(t)


def test_batches_use_their_own_period(report):
    b = report.batches.set_index("batch")
    assert b.loc["第一批", "agreed_volume"] == 1700 and b.loc["第一批", "purchased_volume"] == 700
    assert b.loc["第一批", "time_elapsed"] == pytest.approx(TE1)
    assert b.loc["第一批", "progress_status"] == "below_schedule"
    assert not b.loc["第一批", "warning"]  # 0.412 is not below 0.8 x 0.497
    assert b.loc["第二批", "completion_rate"] == pytest.approx(170 / 200)
    assert b.loc["第二批", "time_elapsed"] == pytest.approx(TE2)
    assert b.loc["第二批", "period_start"] == T("2020-04-01")
    assert b.loc["第一批", "paid_amount"] == pytest.approx(600)  # the supplier payment landed on P1
    assert b.loc["第一批", "mean_price_drop"] == pytest.approx(0.5)
    assert b.loc["第一批", "winning_share"] == pytest.approx(700 / 900)


def test_detail_statuses_and_warnings(report):
    d = report.detail.set_index(["hospital_id", "product_id"])
    assert len(d) == 5
    assert d.loc[("H1", "P1"), "progress_status"] == "normal"
    assert d.loc[("H1", "P2"), "progress_status"] == "zero_purchase"
    assert d.loc[("H1", "P3"), "progress_status"] == "over_purchase"
    assert d.loc[("H2", "P1"), "progress_status"] == "below_schedule"
    assert d.loc[("H2", "P3"), "progress_status"] == "below_schedule"
    warned = set(d.index[d["warning"].astype(bool)])
    # H2 P3: 0.2 vs 0.8 x 91/365 = 0.19945 -> not warned
    assert warned == {("H1", "P2"), ("H2", "P1")}
    assert d.loc[("H2", "P1"), "winning_share"] == pytest.approx(100 / 300)
    assert d.loc[("H1", "P1"), "paid_amount"] == pytest.approx(500)
    assert d.loc[("H1", "P1"), "on_time_rate"] == pytest.approx(300 / 600)
    assert d.loc[("H1", "P3"), "projected_completion"] == pytest.approx(1.5 / TE2)
    assert d.loc[("H1", "P1"), "hospital_name"] == "一院"


def test_hospitals_products_suppliers(report):
    h = report.hospitals.set_index("hospital_id")
    assert h.loc["H1", "completion_rate"] == pytest.approx(750 / 1300)
    assert h.loc["H1", "time_elapsed"] == pytest.approx((1200 * TE1 + 100 * TE2) / 1300)
    assert h.loc["H1", "overdue_amount"] == pytest.approx(400)
    assert h.loc["H2", "winning_share"] == pytest.approx(120 / 320)
    assert h.loc["H1", "mean_price_drop"] == pytest.approx(0.6)
    assert h.loc["H2", "n_below_schedule"] == 2
    p = report.products.set_index("product_id")
    assert p.loc["P1", "purchased_volume"] == 700 and p.loc["P1", "paid_amount"] == pytest.approx(600)
    assert p.loc["P2", "collection_rate"] is None or pd.isna(p.loc["P2", "collection_rate"])
    assert p.loc["P3", "time_elapsed"] == pytest.approx(TE2)
    s = report.suppliers.set_index("supplier")
    assert s.loc["甲", "agreed_volume"] == 1700 and s.loc["甲", "purchased_volume"] == 870
    assert s.loc["乙", "progress_status"] == "zero_purchase"


def test_hospitals_without_a_region_form_one_blank_region_with_its_price_drops():
    # H2 with no region: the blank region is H2's, and its price drops are H2's signed products':
    # P1 1 - 1.0 / 2.0 = 0.5 and P3 1 - 2.0 / 10.0 = 0.8 -> mean 0.65, max 0.8
    data = alliance()
    data.hospitals = data.hospitals.assign(region=data.hospitals["region"].where(data.hospitals["hospital_id"] != "H2"))
    regions = build_report(data, AS_OF).regions
    blank = regions[regions["region"].isna()]
    assert len(blank) == 1 and blank["agreed_volume"].iloc[0] == 600  # 500 of P1 + 100 of P3
    assert blank["mean_price_drop"].iloc[0] == pytest.approx(0.65)
    assert blank["max_price_drop"].iloc[0] == pytest.approx(0.8)
    a = regions.set_index("region").loc["A区"]  # H1: P1 0.5, P2 0.5, P3 0.8
    assert (a["mean_price_drop"], a["max_price_drop"]) == (pytest.approx(0.6), pytest.approx(0.8))


def test_hospital_with_only_nonwinning_purchases_has_share_zero():
    # H2 keeps only its non-winning 阿莫西林 0.25g (n1, 200): winning 0 of 200 -> share exactly 0
    # (a hospital missing from the winning sums counts 0 winning units, not 1); H1 buys only winning
    # products of catalogue drugs (300 + 300 + 150) -> 750 / 750 = 1
    rows = [
        dict(order_id="o1", date=T("2020-03-01"), hospital_id="H1", product_id="P1", quantity=300.0, winning=True),
        dict(order_id="o2", date=T("2020-05-01"), hospital_id="H1", product_id="P1", quantity=300.0, winning=True),
        dict(order_id="o3", date=T("2020-05-10"), hospital_id="H1", product_id="P3", quantity=150.0, winning=True),
        dict(order_id="n1", date=T("2020-05-01"), hospital_id="H2", product_id=None, generic_name="阿莫西林",
             specification="0.25g", supplier="丙", quantity=200.0, amount=300.0, winning=False),
    ]
    h = build_report(alliance(purchase_rows=rows, payment_rows=[]), AS_OF).hospitals.set_index("hospital_id")
    assert h.loc["H2", "winning_share"] == 0.0
    assert h.loc["H1", "winning_share"] == pytest.approx(1.0)


def test_execution_report(report):
    e = report.execution
    assert list(e.columns) == list(EXECUTION_COLUMNS)
    e = e.set_index(["医疗机构编码", "批次名称"])
    row = e.loc[("H2", "第一批")]
    assert row["医疗机构"] == "二院" and row["地区"] == "B区"
    assert row["签约产品总数"] == 1 and row["低于序时进度产品数"] == 1 and row["低于序时进度产品数占比"] == 1.0
    assert row["对应非中选产品总数"] == 1 and row["采购非中选产品数"] == 1
    assert row["非中选超量产品数"] == 1  # 200 non-winning > 100 winning
    assert row["低于序时进度且非中选超量的产品数"] == 1
    row = e.loc[("H1", "第一批")]
    assert (row["签约产品总数"], row["零采购产品数"], row["正常采购产品数"]) == (2, 1, 1)
    assert row["零采购产品数占比"] == 0.5 and row["采购非中选产品数"] == 0 and row["非中选超量产品数"] == 0
    assert e.loc[("H1", "第二批"), "超量采购产品数"] == 1
    assert e.loc[("H1", "第二批"), "序时进度"] == pytest.approx(TE2)


def test_nonwinning_over_share_setting():
    # 200 of 300 is 66.7% non-winning: over a 70% share it no longer counts
    r = build_report(alliance(), AS_OF, Settings(nonwinning_over_share=0.7))
    row = r.execution.set_index(["医疗机构编码", "批次名称"]).loc[("H2", "第一批")]
    assert row["非中选超量产品数"] == 0


def test_overdue_monthly_and_warnings(report):
    od = report.overdue.set_index(["hospital_id", "product_id"])
    assert od.loc[("H1", "P1"), "bucket"] == ">90" and od.loc[("H1", "P1"), "amount"] == pytest.approx(100)
    assert od.loc[("H1", "P3"), "bucket"] == "31-60" and od.loc[("H1", "P3"), "amount"] == pytest.approx(300)
    mo = report.monthly.set_index(["month", "batch"])
    assert mo.loc[(T("2020-05-01"), "第一批"), "purchased_volume"] == 300
    assert mo.loc[(T("2020-06-01"), "第一批"), "paid_amount"] == pytest.approx(200)
    assert mo.loc[(T("2020-03-01"), "第一批"), "savings_realized"] == pytest.approx(300)
    assert mo["purchased_volume"].sum() == 870
    assert any("零采购" in w for w in report.warnings)
    assert any("逾期" in w and "overdue" in w for w in report.warnings)


def test_monthly_rows_are_labelled_by_the_first_day_of_their_month():
    # from the module docstring: batch 1 bought 300 in March (o1), 100 in April (o4), 300 in May (o2),
    # nothing in June, and was paid 100 (15 Apr), 300 (20 May), 200 (20 Jun); batch 2 bought 150 in
    # May (o3) and 20 in June (o5); the 10 Jul payment is after as-of. Built here, not from the module
    # fixture: mutmut does not credit every test sharing a fixture with its calls
    mo = build_report(alliance(), AS_OF).monthly
    assert list(zip(mo["month"], mo["batch"], strict=True)) == [
        (T("2020-03-01"), "第一批"), (T("2020-04-01"), "第一批"), (T("2020-05-01"), "第一批"),
        (T("2020-05-01"), "第二批"), (T("2020-06-01"), "第一批"), (T("2020-06-01"), "第二批"),
    ]
    assert mo["purchased_volume"].tolist() == [300, 100, 300, 150, 0, 20]
    assert mo["paid_amount"].tolist() == [0, 100, 300, 0, 200, 0]


def test_retained_savings_by_grade():
    # with grade B from 130%: H1 (projected 120.65%, see test_total) is C, H2 (projected 43.86%) is D.
    # H1 within agreed volume: P1 600 x 1.0 + P3 min(150, 100) x 8.0 = 1400; x 0.7 x 0.3 = 294
    r = build_report(alliance(), AS_OF, Settings(grade_b_completion=1.3))
    assert r.total["retained_savings"] == pytest.approx(294)
    h = r.hospitals.set_index("hospital_id")
    assert h.loc["H1", "grade"] == "C" and h.loc["H2", "retained_savings"] == 0
    assert list(h["grade_basis"]) == ["projected", "projected"]
    assert r.products.set_index("product_id").loc["P3", "retained_savings"] == pytest.approx(800 * 0.7 * 0.3)


@pytest.mark.parametrize(
    ("policy", "h1_retained"),
    [
        # H1 graded C (as above), its saving within agreed volume 1400; H2 is D (share 0)
        (dict(fund_share=0.5), 1400 * 0.5 * 0.3),  # 210: the fund's share from the settings
        (dict(grade_shares=(("A", 0.6), ("B", 0.4), ("C", 0.2), ("D", 0.0))), 1400 * 0.7 * 0.2),  # 196
    ],
)
def test_retained_savings_follow_the_policy_in_the_settings(policy, h1_retained):
    r = build_report(alliance(), AS_OF, Settings(grade_b_completion=1.3, **policy))
    h = r.hospitals.set_index("hospital_id")
    assert h.loc["H1", "grade"] == "C"
    assert h.loc["H1", "retained_savings"] == pytest.approx(h1_retained)
    assert r.total["retained_savings"] == pytest.approx(h1_retained)


def test_default_as_of_is_latest_date_in_data():
    r = build_report(alliance())
    assert r.as_of == date(2020, 7, 10)
    assert r.total["purchased_volume"] == 1370


def test_warning_needs_the_third_month():
    r = build_report(alliance(), date(2020, 2, 29))
    assert not r.detail["warning"].any()
    r = build_report(alliance(), date(2020, 3, 1))
    assert r.detail.set_index(["hospital_id", "product_id"]).loc[("H2", "P1"), "warning"]


def test_empty_dataset_gives_empty_levels():
    r = build_report(Dataset(), date(2020, 1, 1))
    assert r.total["agreed_volume"] == 0 and r.total["completion_rate"] is None
    assert r.detail.empty and r.execution.empty
    json.dumps(r.to_json(), allow_nan=False)


def test_to_json_shape(report):
    out = report.to_json()
    assert list(out) == ["as_of", "total", "agreement_year", "batches", "hospitals", "products", "suppliers",
                         "regions", "distributors", "execution", "outside_period", "warnings"]
    assert out["as_of"] == "2020-06-30"
    assert list(out["total"]) == list(METRIC_KEYS)
    assert list(out["batches"][0]) == ["batch", *METRIC_KEYS, "agreement_year"]
    assert list(out["hospitals"][0]) == ["hospital_id", "hospital_name", *METRIC_KEYS, "agreement_year", "grade",
                                         "grade_basis"]
    assert list(out["products"][0]) == ["product_id", "batch", "generic_name", "specification", "supplier",
                                        *METRIC_KEYS, "agreement_year"]
    assert list(out["suppliers"][0]) == ["supplier", *METRIC_KEYS]
    assert list(out["execution"][0]) == [*EXECUTION_COLUMNS, "agreement_year"]
    assert out["agreement_year"] == 1 and out["outside_period"] == []
    assert out["execution"][0]["批次开始时间"] == "2020-01-01"
    text = json.dumps(out, allow_nan=False, ensure_ascii=False)  # no NaN/inf anywhere
    p2 = next(p for p in json.loads(text)["products"] if p["product_id"] == "P2")
    assert p2["collection_rate"] is None and p2["purchased_volume"] == 0
    assert all(isinstance(w, str) for w in out["warnings"])
    assert set(METRIC_LABELS_ZH) == set(METRIC_KEYS)


def test_json_values_of_dates_are_iso_days():
    # to_json's scalars: a datetime.date (no caller passes one today: every date column is datetime64,
    # which arrives as pd.Timestamp) and a Timestamp alike give the ISO day, the time of day dropped
    assert _plain(date(2020, 6, 30)) == "2020-06-30"
    assert _plain(pd.Timestamp("2020-06-30 13:45")) == "2020-06-30"
    assert _plain(pd.NaT) is None


# --- granularity: order lines or daily totals give the same report -------------------------------

day = st.integers(min_value=0, max_value=150).map(lambda n: T("2020-01-01") + pd.Timedelta(days=n))


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(
    lines=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P2", "P3"]), day,
                             st.integers(min_value=1, max_value=400)), min_size=1, max_size=12),
    pays=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P3", None]),
                            st.integers(min_value=1, max_value=500), day, st.booleans()), max_size=6),
)
# found failing: two lines of P3 on one day before its period (from 1 Apr) listed as 2 rows, summed as 1
@example(lines=[("H1", "P3", T("2020-01-01"), 1), ("H1", "P3", T("2020-01-01"), 1)], pays=[])
def test_aggregating_purchases_changes_no_figure(lines, pays):
    rows = [dict(order_id=f"o{i}", date=t, hospital_id=h, product_id=p, quantity=float(q), winning=True)
            for i, (h, p, t, q) in enumerate(lines)]
    payments = []
    for i, (h, p, a, t, targeted) in enumerate(pays):
        row = dict(payment_id=f"p{i}", hospital_id=h, product_id=p, supplier=None if p else "甲", amount=float(a), date=t)
        if targeted and p:  # name a real delivery of that hospital and product by its order
            match = [r for r in rows if r["hospital_id"] == h and r["product_id"] == p]
            if match:
                row["order_id"], row["order_date"] = match[0]["order_id"], match[0]["date"]
        payments.append(row)
    raw = build_report(alliance(rows, payments), date(2020, 6, 30))
    agg = pd.DataFrame(rows).groupby(["hospital_id", "product_id", "date"], as_index=False)["quantity"].sum()
    agg["winning"] = True
    agg_payments = [{k: v for k, v in r.items() if k != "order_id"} for r in payments]
    summed = build_report(alliance(agg.to_dict("records"), agg_payments), date(2020, 6, 30))
    a, b = raw.to_json(), summed.to_json()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) or _close(a, b)


def _close(a, b) -> bool:
    """Equal up to float summation order."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return a == b


@pytest.mark.parametrize("seed", [1, 2])
def test_levels_add_up_on_a_synthetic_alliance(seed):
    from procurement.synthetic import alliance_as_of, generate_alliance

    ds = generate_alliance(seed=seed, n_hospitals=6, n_products=12, purchases_per_year=2_000)
    r = build_report(ds, alliance_as_of())
    t = r.total
    for key in ("agreed_volume", "purchased_volume", "agreed_amount", "purchase_amount", "paid_amount", "overdue_amount"):
        assert r.hospitals[key].sum() == pytest.approx(t[key], rel=1e-9, abs=1e-6), key
        assert r.products[key].sum() <= t[key] + 1e-6  # unmatched supplier payments have no product
    for key in ("agreed_volume", "purchased_volume", "agreed_amount", "purchase_amount"):
        assert r.batches[key].sum() == pytest.approx(t[key]), key
        assert r.suppliers[key].sum() == pytest.approx(t[key]), key
    assert t["overdue_amount"] == pytest.approx(t["overdue_31_60"] + t["overdue_61_90"] + t["overdue_over_90"])
    assert r.overdue["amount"].sum() == pytest.approx(t["overdue_amount"])
    # the four statuses partition the signed products of each institution and batch
    e = r.execution
    assert (e[["零采购产品数", "低于序时进度产品数", "超量采购产品数", "正常采购产品数"]].sum(axis=1) == e["签约产品总数"]).all()
    assert e["签约产品总数"].sum() == len(r.detail) == int((ds.agreements["agreed_volume"] > 0).sum())
    assert r.detail["completion_rate"].between(0, np.inf).all()
    for rate in ("completion_rate", "collection_rate", "on_time_rate", "winning_share", "time_elapsed"):
        assert t[rate] is None or 0 <= t[rate] <= 10
    assert 0 <= t["on_time_rate"] <= 1 and 0 <= t["winning_share"] <= 1
    assert r.monthly["purchased_volume"].sum() == pytest.approx(t["purchased_volume"])
    json.dumps(r.to_json(), allow_nan=False)


def _prepay_hospitals() -> pd.DataFrame:
    # prepaid shares against the policy's 30%: H1 0.2 (below), H2 exactly 0.3 (not below), H3 0.31,
    # H4 none at all (counts as 0: below), H5 no agreed amount (no share to keep: never warned)
    return pd.DataFrame(
        {
            "hospital_id": ["H1", "H2", "H3", "H4", "H5"],
            "hospital_name": ["一院", "二院", "三院", "四院", "五院"],
            "agreed_amount": [1000.0, 1000.0, 1000.0, 1000.0, 0.0],
            "prepaid_share": [0.2, 0.3, 0.31, None, None],
        }
    )


def test_prepay_warnings_once_prepayments_are_loaded() -> None:
    # only prepayments loaded: the hospitals below 30% with an agreed amount are warned, H1 and H4
    warned = _prepay_warnings(_prepay_hospitals(), pd.DataFrame({"kind": ["prepay", "prepay"]}), Settings())
    assert [w.split()[0] for w in warned] == ["H1", "H4"]
    assert "20.00%" in warned[0] and "30.00%" in warned[0] and "0.00%" in warned[1]


def test_no_prepay_warning_before_any_prepayment_is_loaded() -> None:
    # offsets and direct settlements but no prepayment: the shares are not known yet, nobody is warned
    hospitals = _prepay_hospitals()
    assert _prepay_warnings(hospitals, pd.DataFrame({"kind": ["offset", "direct"]}), Settings()) == []
    no_transfers = pd.DataFrame({"kind": pd.Series([], dtype="string")})
    assert _prepay_warnings(hospitals, no_transfers, Settings()) == []


def test_building_the_report_leans_on_no_deprecated_pandas_default() -> None:
    # a FutureWarning means a pandas default the figures depend on will change under us (e.g. groupby's
    # observed= on the integer group codes): every call spells out what it relies on, so none is raised
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        build_report(alliance(), AS_OF)


# the columns of each level that are not figures (ids, names, counts of agreements by status, ...),
# listed by hand: any other column must be a labelled metric, or the Excel report would show it unnamed
STATUS_COUNTS = [
    "n_agreements",
    "n_zero_purchase",
    "n_below_schedule",
    "n_over_purchase",
    "n_normal",
    "n_warning",
]
UNLABELLED = {
    "products": {
        "product_id",
        "batch",
        "generic_name",
        "specification",
        "supplier",
        "agreement_year",
        *STATUS_COUNTS,
    },
    "suppliers": {"supplier", *STATUS_COUNTS},
    "hospitals": {
        "hospital_id",
        "hospital_name",
        "region",
        "level",
        "agreement_year",
        "grade",
        "grade_basis",
        *STATUS_COUNTS,
    },
    "batches": {"batch", "period_start", "period_end", "agreement_year", *STATUS_COUNTS},
    "regions": {"region", *STATUS_COUNTS},
}


@pytest.mark.parametrize("level", list(UNLABELLED))
def test_every_column_of_a_level_is_a_labelled_figure_or_a_key(report, level):
    # no fund transfers are loaded here: the four prepayment figures are there, null, under their own names
    frame = getattr(report, level)
    assert {c for c in frame.columns if c not in METRIC_LABELS_ZH} <= UNLABELLED[level]
    for col in ("prepaid_amount", "prepay_offset", "prepay_balance", "prepaid_share"):
        assert frame[col].isna().all()


def test_supplier_winning_share(report):
    # 甲 wins P1 (阿莫西林: 300 + 300 + 100 by as-of) and P3 (氨氯地平: 150 + 20) = 870 units; all purchases of
    # those two drugs add the non-winning n1 (200 of 阿莫西林 0.25g): 900 + 170 = 1070 -> 870 / 1070
    s = report.suppliers.set_index("supplier")
    assert s.loc["甲", "winning_share"] == pytest.approx(870 / 1070)


def test_prepay_warning_of_a_hospital_without_a_name():
    # H9 has no name: the line shows its code and nothing in place of the name. 0.1 < the default
    # 30% minimum -> warned; 10.00% and 30.00% are _pct's two decimals
    from procurement.report import _prepay_warnings

    hospitals = pd.DataFrame(
        {"hospital_id": ["H9"], "hospital_name": [None], "agreed_amount": [1000.0], "prepaid_share": [0.1]}
    )
    transfers = pd.DataFrame({"kind": ["prepay"]})
    assert _prepay_warnings(hospitals, transfers, Settings()) == [
        "H9 : 医保预付比例 10.00% 低于 30.00% / prepaid share 10.00% below 30.00%"
    ]
    # the hospitals level holds names as pandas' string dtype: a missing name is pd.NA, whose truth value
    # raises (it did: `name or ''` made the report command exit 1 for a nameless hospital below 30%)
    hospitals["hospital_name"] = pd.Series([pd.NA], dtype="string")
    assert _prepay_warnings(hospitals, transfers, Settings()) == [
        "H9 : 医保预付比例 10.00% 低于 30.00% / prepaid share 10.00% below 30.00%"
    ]


def test_batch_warning_line_shows_completion_and_time_elapsed():
    # only H1 buys 300 of P1: 第一批 (agreed 1000 + 200 + 500 = 1700) is at 300 / 1700 = 17.65%, behind
    # 0.8 x its time elapsed 182 / 366 = 49.73% (as of 30 Jun, sixth month: the warning window is open)
    rows = [dict(order_id="o1", date=T("2020-03-01"), hospital_id="H1", product_id="P1", quantity=300.0, winning=True)]
    r = build_report(alliance(purchase_rows=rows, payment_rows=[]), AS_OF)
    assert "第一批: 采购完成率 17.65% 落后于序时进度 49.73% / batch 第一批: completion 17.65% behind time elapsed 49.73%" in (
        r.warnings
    )
