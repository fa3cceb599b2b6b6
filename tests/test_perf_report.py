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


def test_overdue_bucket_positions_by_hand():
    from procurement import metrics as m

    ages = [float("nan"), 0, 30, 31, 60, 61, 90, 91, 400]
    assert m.overdue_bucket_index(ages, 30).tolist() == [-1, -1, -1, 0, 0, 1, 1, 2, 2]
    assert m.overdue_bucket_index([45, 46, 76], 45).tolist() == [-1, 0, 1]


def test_ledger_codes_follow_sorted_values_with_blanks_last():
    from procurement import ledger as lg

    deliveries = pd.DataFrame({
        "hospital_id": pd.array(["H2", "H1"], dtype="string"), "product_id": pd.array(["P9", "P1"], dtype="string"),
        "supplier": pd.array(["乙", "甲"], dtype="string"), "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        "amount": [10.0, 20.0],
    })
    payments = pd.DataFrame({  # pays nothing it can match: a supplier-only payment of an unknown supplier
        "hospital_id": pd.array(["H3"], dtype="string"), "product_id": pd.array([None], dtype="string"),
        "supplier": pd.array(["丙"], dtype="string"), "order_date": pd.to_datetime([None]),
        "amount": [5.0], "date": pd.to_datetime(["2024-01-03"]),
    })
    ledger, coded = lg.match_payments_coded(deliveries, payments)
    # rows: the two unpaid deliveries (oldest first: H2 then H1), then the unmatched payment
    assert ledger["hospital_id"].tolist() == ["H2", "H1", "H3"]
    assert coded["hospital_id"][0].tolist() == [1, 0, 2] and coded["hospital_id"][1] == 3
    assert coded["product_id"][0].tolist() == [1, 0, 2] and coded["product_id"][1] == 2  # blank: 2


def test_known_delivery_codes_give_the_same_ledger():
    """Codes numbered in another order (as the report's are) must not change which payment pays what."""
    from procurement import ledger as lg

    deliveries = pd.DataFrame({
        "hospital_id": pd.array(["H2", "H1", "H2", "H1"], dtype="string"),
        "product_id": pd.array(["P1", "P1", "P2", "P2"], dtype="string"),
        "supplier": pd.array(["甲", "甲", "乙", "乙"], dtype="string"),
        "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02"]),
        "amount": [10.0, 20.0, 30.0, 40.0],
    })
    payments = pd.DataFrame({  # hospital-only and supplier-only payments, one hospital never delivered to
        "hospital_id": pd.array(["H1", "H2", "H3", "H1"], dtype="string"),
        "product_id": pd.array([None, None, None, None], dtype="string"),
        "supplier": pd.array([None, None, None, "乙"], dtype="string"),
        "order_date": pd.to_datetime([None, None, None, None]),
        "amount": [25.0, 5.0, 7.0, 15.0], "date": pd.to_datetime(["2024-02-01"] * 4),
    })
    plain, _ = lg.match_payments_coded(deliveries, payments)
    known = {
        "hospital_id": (pd.Series([1, 0, 1, 0]).to_numpy(), pd.Index(["H1", "H2"], dtype="string")),
        "supplier": (pd.Series([1, 1, 0, 0]).to_numpy(), pd.Index(["乙", "甲"], dtype="string")),
    }
    coded, _ = lg.match_payments_coded(deliveries, payments, known)
    pd.testing.assert_frame_equal(coded, plain, check_exact=True)
    # by hand: H1 pays 15 to its 乙 delivery (40 -> 25) and 25 FIFO to its oldest (P1, 20) then 5 of P2;
    # H2 pays 5 of its P1 delivery; H3's 7 matches nothing
    paid = coded[coded["pay_date"].notna() & coded["delivery_date"].notna()]
    assert paid.groupby("hospital_id")["amount"].sum().to_dict() == {"H1": 40.0, "H2": 5.0}
    assert coded.loc[coded["delivery_date"].isna(), "amount"].tolist() == [7.0]
