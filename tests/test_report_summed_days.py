"""The report's summed-over-days fast path and its unsummed fallback give the hand-worked figures."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from procurement import report as rep
from procurement import report_inputs as ri
from procurement.model import Dataset, conform


def _dataset(first_volume: float) -> Dataset:
    products = conform("products", pd.DataFrame({
        "product_id": ["P1"], "batch": ["第一批"], "generic_name": ["阿莫西林"], "specification": ["0.25g"],
        "supplier": ["甲"], "unit_price": [1.0], "baseline_price": [2.0],
        "agreement_start": [pd.Timestamp("2024-01-01")], "agreement_end": [pd.Timestamp("2024-12-31")],
    }))
    agreements = conform("agreements", pd.DataFrame({"hospital_id": ["H1"], "product_id": ["P1"], "agreed_volume": [100.0]}))
    purchases = conform("purchases", pd.DataFrame({
        "date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04", "2024-02-01"]),
        "hospital_id": ["H1", "H1", "H1", "H2", "H1"],
        "product_id": ["P1", "P1", None, "P1", "P1"],
        "generic_name": ["阿莫西林", "阿莫西林", "阿莫西林", "阿莫西林", "阿莫西林"],
        "specification": ["0.25g", "0.25g", "0.25g", "0.25g", "0.25g"],
        "supplier": ["甲", "甲", "乙", "甲", "甲"],
        "quantity": [first_volume, 20.0, 50.0, 10.0, 1000.0],
        "amount": [None, 20.0, 100.0, 10.0, 1000.0],  # the blank amount is volume x unit price
    }))
    return Dataset(products=products, agreements=agreements, purchases=purchases)


@pytest.mark.parametrize("first_volume", [30.0, 30.5])  # whole volumes: summed path; a fraction: fallback
def test_hand_worked_figures_on_both_paths(first_volume):
    report = rep.build_report(_dataset(first_volume), as_of=date(2024, 1, 31))  # the February row is later
    h1 = first_volume + 20.0
    detail = report.detail.set_index("hospital_id")
    assert detail.loc["H1", "purchased_volume"] == h1
    assert detail.loc["H1", "purchase_amount"] == first_volume + 20.0
    assert detail.loc["H1", "winning_share"] == pytest.approx(h1 / (h1 + 50.0))
    product = report.products.iloc[0]
    assert product["purchased_volume"] == h1 + 10.0
    assert product["winning_share"] == pytest.approx((h1 + 10.0) / (h1 + 60.0))
    assert report.total["winning_share"] == pytest.approx((h1 + 10.0) / (h1 + 60.0))
    assert report.execution.set_index("医疗机构编码").loc["H1", "采购非中选产品数"] == 1


def _runs(dataset: Dataset, as_of: str):
    codes = ri.codes_of(dataset.purchases["product_id"].array)
    return ri._month_runs(dataset.purchases, ri._up_to(dataset.purchases, pd.Timestamp(as_of)), codes), codes[1]


def test_month_runs_sum_days_and_keep_blank_amounts_apart():
    (runs, run_codes), uniques = _runs(_dataset(30.0), "2024-01-31")
    # the two January days of H1/P1 make one run; the February day is after as_of and kept apart
    got = [(h, p if not pd.isna(p) else None, q, a, u, k) for h, p, q, a, u, k in
           runs[["hospital_id", "product_id", "quantity", "amount", "unpriced", "kept"]].itertuples(index=False)]
    assert got == [("H1", "P1", 50.0, 20.0, 30.0, True), ("H1", None, 50.0, 100.0, 0.0, True),
                   ("H2", "P1", 10.0, 10.0, 0.0, True), ("H1", "P1", 1000.0, 1000.0, 0.0, False)]
    assert [uniques[c] if c >= 0 else None for c in run_codes] == ["P1", None, "P1", "P1"]


def test_runs_of_other_months_or_keys_stay_apart():
    dataset = _dataset(30.0)
    pu = dataset.purchases.copy()
    pu.loc[1, "date"] = pd.Timestamp("2023-12-31")  # the second H1/P1 day now falls in another month
    (runs, _), _ = _runs(dataset.with_table("purchases", pu), "2024-01-31")
    assert runs["quantity"].tolist() == [30.0, 20.0, 50.0, 10.0, 1000.0]
    assert runs["unpriced"].tolist() == [30.0, 0.0, 0.0, 0.0, 0.0]


def test_summed_rows_are_one_per_winning_product_and_drug_row():
    dataset = _dataset(30.0)
    (runs, run_codes), uniques = _runs(dataset, "2024-01-31")
    pu, product = ri._purchases(runs, ri.Catalogue.of(ri._catalogue(dataset)), run_codes, uniques)
    assert len(pu) == 3
    assert pu["amount"].tolist() == [50.0, 100.0, 10.0]  # the blank amount priced: 30 x 1.0 + 20
    summed = ri._collapse(pu, product)
    got = {(h, p if not pd.isna(p) else None, s): v for h, p, s, v in
           summed[["hospital_id", "product_id", "supplier", "quantity"]].itertuples(index=False)}
    assert got == {("H1", "P1", "甲"): 50.0, ("H1", None, "乙"): 50.0, ("H2", "P1", "甲"): 10.0}


def test_the_report_leaves_the_dataset_as_it_was():
    dataset = _dataset(30.0)
    before = dataset.purchases.copy(deep=True)
    rep.build_report(dataset, as_of=date(2024, 1, 31))
    pd.testing.assert_frame_equal(dataset.purchases, before, check_exact=True)
