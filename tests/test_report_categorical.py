"""The report is the same whether purchase key columns are Categorical (the store) or ``string`` (files).

``store.load_dataset`` gives hospital_id, product_id, generic_name, specification, supplier and
order_id as Categoricals; the importer gives ``string`` columns with the same values. Every figure,
every frame and every dtype of the report must be the same, unobserved categories must never make
rows, and no FutureWarning (groupby observed=...) may be raised.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement.model import Dataset, conform
from procurement.report import build_report
from procurement.synthetic import generate_alliance

KEYS = ("hospital_id", "product_id", "generic_name", "specification", "supplier", "order_id")
FRAMES = ("batches", "hospitals", "products", "suppliers", "detail", "execution", "overdue", "monthly")


def categorical(dataset: Dataset, extra: tuple[str, ...] = ()) -> Dataset:
    """The same dataset with Categorical purchase keys (sorted categories, plus unused ``extra`` ones)."""
    pu = dataset.purchases.copy()
    for col in KEYS:
        values = pu[col].astype(object).where(pu[col].notna(), None)
        cats = sorted(set(values.dropna()) | set(extra))
        pu[col] = pd.Categorical(values, categories=cats)
    return dataset.with_table("purchases", pu)


def report_pair(dataset: Dataset, as_of: date | None = None, extra: tuple[str, ...] = ()):
    """Reports from the string and the categorical version, with FutureWarnings as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        plain = build_report(dataset, as_of=as_of)
        coded = build_report(categorical(dataset, extra), as_of=as_of)
    return plain, coded


def assert_same(plain, coded) -> None:
    assert coded.to_json() == plain.to_json()
    assert coded.total == plain.total
    assert coded.warnings == plain.warnings
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(coded, name), getattr(plain, name), check_exact=True, obj=name)


# --- a hand-made alliance ------------------------------------------------------------------------


def _ts(*days: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in days]


def hand_made() -> Dataset:
    """Two hospitals, two catalogue products of two batches, the awkward rows of real exports."""
    hospitals = conform("hospitals", pd.DataFrame({
        "hospital_id": ["H1", "H2"], "hospital_name": ["一院", "二院"], "region": ["城区", "郊区"]}))
    products = conform("products", pd.DataFrame({
        "product_id": ["P1", "P2"], "batch": ["第一批", "第二批"], "generic_name": ["阿莫西林", "二甲双胍"],
        "specification": ["0.25g", "0.5g"], "supplier": ["甲", "乙"], "unit_price": [1.0, 2.0],
        "baseline_price": [3.0, None], "agreement_start": _ts("2024-01-01", "2024-01-01"),
        "agreement_end": _ts("2024-12-31", "2024-12-31"),
    }))
    agreements = conform("agreements", pd.DataFrame({
        "hospital_id": ["H1", "H1", "H2"], "product_id": ["P1", "P2", "P1"], "agreed_volume": [1000.0, 500.0, 800.0]}))
    purchases = conform("purchases", pd.DataFrame({
        "order_id": ["O1", "O2", "O3", None, "O5", "O6", "O7", "O8"],
        "date": _ts("2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-02-11", "2024-03-01",
                    "2024-05-01", "2024-02-12"),
        "hospital_id": ["H1", "H1", "H2", "H1", "H1", "H2", "H1", "H1"],
        #               win   win   win   non-win  unknown  win  after as_of  blank names
        "product_id": ["P1", "P1", "P1", None, "PX", "P2", "P1", None],
        "generic_name": ["阿莫西林", None, "阿莫西林", "阿莫西林", "阿莫西林", None, "阿莫西林", None],
        "specification": ["0.25g", "0.25g", "0.25g", "0.25g", "0.25g", None, "0.25g", None],
        "supplier": ["甲", "甲", "甲", "丙", "丁", None, "甲", "戊"],
        "quantity": [100.0, 200.0, 300.0, 50.0, 70.0, 40.0, 999.0, 5.0],
        "amount": [None, 200.0, 300.0, 150.0, 140.0, None, 999.0, 10.0],
    }))
    payments = conform("payments", pd.DataFrame({
        "payment_id": ["K1", "K2", "K3", "K4", "K5"],
        "order_id": ["O1", None, None, None, "O3"],
        "hospital_id": ["H1", "H1", "H1", "H2", "H2"],  # ids are scoped by hospital: K5 names its own
        "product_id": ["P1", "P1", None, None, None],
        "supplier": ["甲", "甲", "乙", None, None],
        "amount": [100.0, 50.0, 30.0, 20.0, 100.0],
        "date": _ts("2024-01-25", "2024-03-15", "2024-03-20", "2024-03-25", "2024-02-20"),
        "order_date": [pd.Timestamp("2024-01-05"), pd.NaT, pd.NaT, pd.NaT, pd.NaT],
    }))
    return Dataset(hospitals=hospitals, products=products, agreements=agreements, purchases=purchases,
                   payments=payments)


AS_OF = date(2024, 3, 31)


def test_hand_made_alliance_gives_the_same_report():
    assert_same(*report_pair(hand_made(), AS_OF))


def test_hand_made_figures_from_categorical_columns():
    """Worked by hand: P1 bought 100 + 200 (H1) and 300 (H2); the May row is after as-of."""
    _, coded = report_pair(hand_made(), AS_OF)
    detail = coded.detail.set_index(["hospital_id", "product_id"])
    assert detail.loc[("H1", "P1"), "purchased_volume"] == 300.0
    assert detail.loc[("H1", "P1"), "purchase_amount"] == 300.0  # 100 x 1.0 filled in + 200
    assert detail.loc[("H2", "P1"), "purchased_volume"] == 300.0
    assert detail.loc[("H1", "P2"), "purchased_volume"] == 0.0
    # H1 P1 paid 100 (named day) + 50 (FIFO); the supplier-only 30 names 乙, who delivered nothing to H1
    assert detail.loc[("H1", "P1"), "paid_amount"] == 150.0
    # H2: O3 named by K5 (product taken from the order) pays 100 of its 300, and K4
    # (neither product nor supplier) 20 of H2's oldest unpaid delivery, the same one
    assert detail.loc[("H2", "P1"), "paid_amount"] == 120.0
    assert detail.loc[("H2", "P1"), "overdue_amount"] == 180.0  # delivered 3 Feb, 57 days before as-of
    products = coded.products.set_index("product_id")
    assert list(products.index) == ["P1", "P2"]  # the unknown PX makes no row
    assert products.loc["P2", "purchased_volume"] == 40.0
    assert coded.detail["hospital_id"].dtype == "string" and coded.overdue["hospital_id"].dtype == "string"
    assert any("1 条采购记录的产品编码不在中选产品目录中" in w for w in coded.warnings)
    # H1 bought 50 of the same drug (阿莫西林 0.25g) from a non-winning maker: share 300 / 350
    assert detail.loc[("H1", "P1"), "winning_share"] == pytest.approx(300.0 / 350.0)
    execution = coded.execution.set_index(["医疗机构编码", "批次名称"])
    assert execution.loc[("H1", "第一批"), "采购非中选产品数"] == 1


def test_unused_categories_make_no_rows():
    plain, coded = report_pair(hand_made(), AS_OF, extra=("H9", "P9", "某药", "9mg", "某企业", "O9"))
    assert_same(plain, coded)
    assert "H9" not in set(coded.hospitals["hospital_id"]) and "P9" not in set(coded.products["product_id"])
    assert "某企业" not in set(coded.suppliers["supplier"])


@pytest.mark.parametrize("style", ["reversed", "string_categories"])
def test_categories_in_any_order_or_dtype(style):
    """Only values matter: unsorted categories, or categories held as ``string`` dtype."""
    ds = hand_made()
    pu = categorical(ds).purchases
    for col in KEYS:
        cats = pu[col].cat.categories
        pu[col] = pu[col].cat.reorder_categories(cats[::-1]) if style == "reversed" else \
            pu[col].cat.set_categories(pd.Index(cats, dtype="string"))
    plain = build_report(ds, as_of=AS_OF)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        coded = build_report(ds.with_table("purchases", pu), as_of=AS_OF)
    assert_same(plain, coded)


def test_one_hospital_scope_gives_the_same_report():
    for hospital in ("H1", "H2"):
        assert_same(*report_pair(hand_made().scoped(hospital), AS_OF))
        pu = categorical(hand_made()).scoped(hospital)
        assert isinstance(pu.purchases["hospital_id"].dtype, pd.CategoricalDtype)


def test_payments_without_products_and_no_purchases():
    ds = hand_made()
    pay = ds.payments[ds.payments["product_id"].isna()].reset_index(drop=True)
    for purchases in (ds.purchases.iloc[:0], ds.purchases):
        plain, coded = report_pair(ds.with_table("payments", pay).with_table("purchases", purchases), AS_OF)
        assert_same(plain, coded)
    assert coded.monthly["paid_amount"].sum() == 150.0  # K3 30 + K4 20 + K5 100 (O3 names product P1)


def test_no_purchases_left_after_as_of():
    assert_same(*report_pair(hand_made(), date(2024, 1, 1)))


def test_fractional_volumes_take_the_unsummed_path():
    ds = hand_made()
    pu = ds.purchases.copy()
    pu.loc[0, "quantity"] = 100.5
    assert_same(*report_pair(ds.with_table("purchases", pu), AS_OF))


def test_catalogue_row_without_a_code_takes_the_general_path():
    ds = hand_made()
    extra = conform("products", pd.DataFrame({"product_id": [None], "batch": ["第三批"], "generic_name": ["某药"],
                                               "specification": ["1g"], "supplier": ["己"], "unit_price": [1.0]}))
    assert_same(*report_pair(ds.with_table("products", pd.concat([ds.products, extra], ignore_index=True)), AS_OF))


def test_synthetic_alliance_gives_the_same_report():
    data = generate_alliance(seed=5, n_hospitals=4, n_products=6, purchases_per_year=300)
    assert_same(*report_pair(data))


# --- property ------------------------------------------------------------------------------------

HOSPITALS = ["H1", "H2", "H3", None]
PRODUCTS = ["P1", "P2", "PX", None]
NAMES = ["阿莫西林", "二甲双胍", None]
SUPPLIERS = ["甲", "乙", "丙", None]


@st.composite
def alliances(draw):
    n = draw(st.integers(0, 25))
    pick = lambda values: draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))  # noqa: E731
    days = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))
    whole = draw(st.booleans())
    quantity = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    fraction = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5]), min_size=n, max_size=n))
    amounts = draw(st.lists(st.one_of(st.none(), st.integers(0, 100_000)), min_size=n, max_size=n))
    base = hand_made()
    purchases = conform("purchases", pd.DataFrame({
        "order_id": [f"O{i}" if draw(st.booleans()) else None for i in range(n)],
        "date": [pd.Timestamp("2024-01-01") + pd.Timedelta(days=d) for d in days],
        "hospital_id": pick(HOSPITALS), "product_id": pick(PRODUCTS), "generic_name": pick(NAMES),
        "specification": pick(["0.25g", "0.5g", None]), "supplier": pick(SUPPLIERS),
        "quantity": [q + (0.0 if whole else f) for q, f in zip(quantity, fraction, strict=True)],
        "amount": [None if a is None else a / 100 for a in amounts],
    }))
    k = draw(st.integers(0, 12))
    pay_pick = lambda values: draw(st.lists(st.sampled_from(values), min_size=k, max_size=k))  # noqa: E731
    pay_days = draw(st.lists(st.integers(0, 150), min_size=k, max_size=k))
    named = draw(st.lists(st.one_of(st.none(), st.integers(0, 120)), min_size=k, max_size=k))
    payments = conform("payments", pd.DataFrame({
        "payment_id": [f"K{i}" for i in range(k)],
        "order_id": pay_pick([f"O{i}" for i in range(max(n, 1))] + [None]),
        "hospital_id": pay_pick(HOSPITALS), "product_id": pay_pick(PRODUCTS), "supplier": pay_pick(SUPPLIERS),
        "amount": [a / 100 for a in draw(st.lists(st.integers(0, 50_000), min_size=k, max_size=k))],
        "date": [pd.Timestamp("2024-01-01") + pd.Timedelta(days=d) for d in pay_days],
        "order_date": [pd.NaT if d is None else pd.Timestamp("2024-01-01") + pd.Timedelta(days=d) for d in named],
    }))
    as_of = draw(st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2024, 6, 30))))
    extra = tuple(draw(st.lists(st.sampled_from(["H9", "P9", "某药", "9mg", "某企业", "甲", "P1"]), max_size=3)))
    scope = draw(st.sampled_from([None, "H1", "H2"]))
    ds = Dataset(hospitals=base.hospitals, products=base.products, agreements=base.agreements,
                 purchases=purchases, payments=payments)
    return ds, as_of, extra, scope


def _check(case) -> None:
    ds, as_of, extra, scope = case
    plain = build_report(ds.scoped(scope), as_of=as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        coded = build_report(categorical(ds, extra).scoped(scope), as_of=as_of)
    assert_same(plain, coded)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alliances())
def test_categorical_and_string_columns_give_the_same_report(case):
    _check(case)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alliances())
def test_categorical_and_string_columns_give_the_same_report_many(case):
    _check(case)


def test_the_categorical_dataset_is_left_as_it_was():
    ds = categorical(hand_made(), extra=("H9",))
    before = ds.purchases.copy(deep=True)
    build_report(ds, as_of=AS_OF)
    pd.testing.assert_frame_equal(ds.purchases, before, check_exact=True)
    assert list(ds.purchases["hospital_id"].cat.categories) == ["H1", "H2", "H9"]


def test_helper_makes_categoricals_with_the_same_values():
    ds = hand_made()
    pu = categorical(ds, extra=("Z",)).purchases
    for col in KEYS:
        assert isinstance(pu[col].dtype, pd.CategoricalDtype)
        got = pu[col].astype(object).where(pu[col].notna(), None).tolist()
        want = ds.purchases[col].astype(object).where(ds.purchases[col].notna(), None).tolist()
        assert got == want
    assert np.array_equal(pu["quantity"].to_numpy(), ds.purchases["quantity"].to_numpy())


# --- the integer helpers the fast paths rest on, against plain numpy / pandas ---------------------

from procurement import ledger as lg  # noqa: E402
from procurement import report_inputs as ri  # noqa: E402


@pytest.mark.parametrize("distinct", [True, False])
def test_combined_codes_number_tuples_by_first_appearance(distinct):
    rng = np.random.default_rng(3)
    n = 5000  # above the size where all-distinct tuples are numbered by a sort
    a = rng.permutation(n) if distinct else rng.integers(0, 40, n)
    b = rng.integers(0, 7, n)
    want = pd.factorize(pd.Series([f"{x}|{y}" for x, y in zip(a, b, strict=True)]))[0]
    assert np.array_equal(lg._combine(a.astype(np.int64), b.astype(np.int64)), want)


def test_month_numbers_are_numpys_months():
    dates = pd.to_datetime(["1969-12-31 23:00", "1970-01-01 00:00", "2024-02-29 12:30", "2024-03-01 00:00",
                            "2031-07-15 00:00"])
    got = ri.month_numbers(dates.to_numpy(dtype="datetime64[ns]"))
    assert got.tolist() == [-1, 0, 649, 650, 738]  # months since January 1970, by hand


# runs of purchase rows (report_inputs._month_runs) against a plain pandas groupby over the same runs

_RUN_ROW = st.tuples(
    st.sampled_from(["H1", "H2", None]), st.sampled_from(["P1", "P2", None]), st.sampled_from(["甲", None]),
    st.sampled_from([None, "2024-01-05", "2024-01-20", "2024-02-01", "2024-03-31", "2024-04-01"]),
    st.one_of(st.none(), st.integers(0, 500).map(float)), st.one_of(st.none(), st.integers(0, 9000).map(lambda c: c / 100)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_RUN_ROW, min_size=0, max_size=40), st.booleans())
def test_month_runs_are_pandas_sums_over_runs(rows, coded):
    """Each run of consecutive rows with one key and month (or, after as_of, one key) is one row:
    quantities summed with blanks as 0, amounts without blanks, the quantity of blank amounts apart."""
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 6
    pu = conform("purchases", pd.DataFrame({
        "hospital_id": list(cols[0]), "product_id": list(cols[1]), "supplier": list(cols[2]),
        "generic_name": ["阿莫西林"] * len(rows), "specification": ["0.25g"] * len(rows),
        "date": pd.to_datetime(list(cols[3])), "quantity": list(cols[4]), "amount": list(cols[5]),
    }, index=range(len(rows))))
    if coded:
        pu = categorical(Dataset(purchases=pu)).purchases
    as_of = pd.Timestamp("2024-03-31")
    runs, run_codes = ri._month_runs(pu, ri._up_to(pu, as_of), ri.codes_of(pu["product_id"].array))
    # the oracle: label each row with its run by comparing plain Python tuples, then groupby
    kept = [d is not None and pd.Timestamp(d) <= as_of for d in cols[3]] if rows else []
    label = [(h, p, s, pd.Timestamp(d).strftime("%Y-%m") if k else None)
             for h, p, s, d, k in zip(cols[0], cols[1], cols[2], cols[3], kept, strict=True)] if rows else []
    run = np.cumsum([i == 0 or label[i] != label[i - 1] for i in range(len(rows))])
    frame = pd.DataFrame({"run": run, "q": pd.Series(cols[4], dtype="float64"),
                          "a": pd.Series(cols[5], dtype="float64")})
    frame["u"] = frame["q"].where(frame["a"].isna(), 0.0)
    want = frame.groupby("run").agg(q=("q", "sum"), a=("a", "sum"), u=("u", "sum"))
    assert len(runs) == len(want)
    np.testing.assert_allclose(runs["quantity"].to_numpy(), want["q"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(runs["amount"].to_numpy(), want["a"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(runs["unpriced"].to_numpy(), want["u"].to_numpy(), rtol=1e-12)
    firsts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]]) if rows else np.array([], dtype=int)
    assert runs["kept"].tolist() == [kept[i] for i in firsts]
    assert runs["hospital_id"].astype(object).where(runs["hospital_id"].notna(), None).tolist() == \
        [cols[0][i] for i in firsts]
    codes, values = ri.codes_of(pu["product_id"].array)
    assert [values[c] if c >= 0 else None for c in run_codes] == [cols[1][i] for i in firsts]
