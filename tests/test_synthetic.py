"""The synthetic alliance: deterministic, internally consistent, and carrying the cases the tool must flag."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement.model import COLUMNS, CORE_KINDS, NATURAL_KEYS, TABLE_KINDS, Dataset
from procurement.synthetic import alliance_as_of, generate_alliance, generate_alliance_with_traits

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
AS_OF = pd.Timestamp(2026, 12, 10)
RULE = {1: 0.5, 2: 0.6, 3: 0.7, 4: 0.8}  # agreed ratio by number of winners (domain.md)
SYNTHETIC_PREFIXES = ("示例", "样例", "模拟", "演示", "虚拟", "范例", "仿真", "试样")


@pytest.fixture(scope="module")
def alliance() -> tuple[Dataset, object]:
    return generate_alliance_with_traits()


@pytest.fixture(scope="module")
def data(alliance) -> Dataset:
    return alliance[0]


# --- determinism and shape --------------------------------------------------------------------------


def test_same_seed_gives_same_frames_and_another_seed_does_not():
    a, b, c = generate_alliance(7, 8, 15), generate_alliance(7, 8, 15), generate_alliance(8, 8, 15)
    for kind in TABLE_KINDS:
        pd.testing.assert_frame_equal(a.table(kind), b.table(kind))
    assert not a.purchases.equals(c.purchases)


def test_every_table_has_the_canonical_columns_and_dtypes(data):
    for kind in TABLE_KINDS:
        frame = data.table(kind)
        assert list(frame.columns) == list(COLUMNS[kind]), kind
        for col, dtype in COLUMNS[kind].items():
            assert str(frame[col].dtype) == ("bool" if dtype == "bool" else dtype), (kind, col)
        assert not frame.duplicated(list(NATURAL_KEYS[kind])).any(), kind
        assert len(frame) > 0 or kind not in CORE_KINDS, kind  # the optional lists may be empty


def test_default_size_matches_the_brief(data):
    assert len(data.hospitals) == 20
    assert len(data.products) == 60
    assert 4 <= data.hospitals["region"].nunique() <= 5
    assert set(data.hospitals["level"]) == {"三级", "二级", "一级"}
    assert sorted(data.products["batch"].unique()) == sorted(["第九批国采", "第十批国采", "省际联盟第三批"])


def test_names_are_clearly_synthetic(data):
    assert data.hospitals["hospital_name"].str.startswith(SYNTHETIC_PREFIXES).all()
    assert data.hospitals["hospital_name"].is_unique
    makers = pd.concat([data.products["supplier"], data.purchases["supplier"]]).unique()
    assert all(m.startswith(SYNTHETIC_PREFIXES) and m.endswith("公司") for m in makers)


# --- products and agreements ------------------------------------------------------------------------


def test_products_are_plausible(data):
    p = data.products
    assert set(p["pack_size"]) <= {7, 10, 14, 24, 28, 30, 36, 48, 100}
    assert set(p["unit"]) <= {"片", "粒", "支", "袋", "ml"}
    drop = 1 - p["unit_price"] / p["baseline_price"]
    assert drop.between(0.3, 0.9).all()
    winners = p.groupby(["generic_name", "specification"])["supplier"].agg(["size", "nunique"])
    assert winners["size"].between(1, 4).all() and (winners["size"] == winners["nunique"]).all()
    assert (p.groupby(["generic_name", "specification"])["batch"].nunique() == 1).all()


def test_batches_run_a_year_and_start_in_different_months(data):
    periods = data.products.groupby("batch")[["agreement_start", "agreement_end"]].agg(["min", "max"])
    for _, row in periods.iterrows():
        assert row[("agreement_start", "min")] == row[("agreement_start", "max")]
        start, end = row[("agreement_start", "min")], row[("agreement_end", "min")]
        assert end == start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    assert periods[("agreement_start", "min")].dt.month.nunique() == 3
    first_end = periods[("agreement_end", "min")].min()
    assert pd.Timedelta(days=7) <= first_end - AS_OF <= pd.Timedelta(days=42)  # a few weeks before the end
    assert alliance_as_of(date(2026, 1, 1)) == date(2026, 12, 10)


def test_agreed_volume_is_declared_times_the_ratio(data):
    p = data.products.set_index("product_id")
    a = data.agreements.join(p[["generic_name", "specification", "supplier"]], on="product_id")
    a = a.merge(data.demand, on=["hospital_id", "generic_name", "specification"], how="left", validate="1:1")
    assert a["declared_volume"].notna().all()
    offers = data.offers.set_index(["generic_name", "specification", "supplier"])
    n_winners = data.offers.groupby(["generic_name", "specification"]).size()
    for r in a.itertuples():
        explicit = offers.loc[(r.generic_name, r.specification, r.supplier), "agreed_ratio"]
        ratio = explicit if pd.notna(explicit) else RULE[min(4, n_winners[(r.generic_name, r.specification)])]
        assert r.agreed_volume == np.ceil(round(ratio * r.declared_volume, 6)), r


def test_agreements_refer_to_known_rows_and_served_regions(data):
    assert data.agreements["hospital_id"].isin(data.hospitals["hospital_id"]).all()
    assert data.agreements["product_id"].isin(data.products["product_id"]).all()
    assert (data.agreements["agreed_volume"] > 0).all()
    region = data.hospitals.set_index("hospital_id")["region"]
    served = data.products.set_index("product_id").join(
        data.offers.set_index(["generic_name", "specification", "supplier"])["regions"],
        on=["generic_name", "specification", "supplier"])["regions"]
    for r in data.agreements.itertuples():
        regions = served[r.product_id]
        assert pd.isna(regions) or region[r.hospital_id] in regions.split(","), r


# --- purchases and payments -------------------------------------------------------------------------


def _purchase_checks(data: Dataset, as_of: pd.Timestamp) -> None:
    """Referential and arithmetic invariants every generated alliance must keep."""
    pu, pr = data.purchases, data.products.set_index("product_id")
    assert pu["hospital_id"].isin(data.hospitals["hospital_id"]).all()
    assert (pu["quantity"] > 0).all() and (pu["amount"] > 0).all()
    assert pu["order_id"].is_unique
    assert (pu["product_id"].isna() == ~pu["winning"]).all()
    win = pu[pu["winning"]].join(pr, on="product_id", rsuffix="_p")
    assert win["unit_price"].notna().all()
    assert np.allclose(win["amount"], (win["quantity"] * win["unit_price"]).round(2), atol=0.006)
    assert ((win["quantity"] % win["pack_size"]) == 0).all()
    assert (win["date"] >= win["agreement_start"]).all() and (pu["date"] <= as_of).all()
    assert (win["supplier"] == win["supplier_p"]).all()
    pairs = set(zip(data.agreements["hospital_id"], data.agreements["product_id"], strict=True))
    assert set(zip(win["hospital_id"], win["product_id"], strict=True)) <= pairs
    pay = data.payments
    assert pay["payment_id"].is_unique and (pay["amount"] > 0).all() and (pay["date"] <= as_of).all()
    paid = pay.groupby("hospital_id")["amount"].sum()
    bought = win.groupby("hospital_id")["amount"].sum()
    assert (paid <= bought.reindex(paid.index).fillna(0) + 1e-6).all()
    linked = pay[pay["order_id"].notna()].join(pu.set_index("order_id"), on="order_id", rsuffix="_o")
    assert linked["winning"].all() and (linked["hospital_id"] == linked["hospital_id_o"]).all()
    assert (linked["amount"] <= linked["amount_o"] + 1e-9).all() and (linked["date"] >= linked["date_o"]).all()
    assert (linked["order_date"] == linked["date_o"]).all()


def test_purchases_and_payments_are_consistent(data):
    _purchase_checks(data, AS_OF)
    assert data.purchases["date"].max() == AS_OF


def test_non_winning_purchases_are_other_makers_of_winning_drugs(data):
    pu = data.purchases
    off = pu[~pu["winning"]]
    assert 0.01 < len(off) / len(pu) < 0.15
    winners = data.products.groupby(["generic_name", "specification"])
    max_price = winners["unit_price"].max()
    for r in off.itertuples():
        key = (r.generic_name, r.specification)
        assert r.supplier not in set(winners.get_group(key)["supplier"]), r
        assert r.amount / r.quantity > max_price[key], r  # their own, higher price
    volume = pu.groupby(["hospital_id", "generic_name", "specification", "winning"])["quantity"].sum().unstack()
    assert (volume[False] > volume[True]).any()  # somebody buys one drug mostly off-list


def _completion(data: Dataset) -> pd.DataFrame:
    p = data.products.set_index("product_id")
    got = data.purchases[data.purchases["winning"]].groupby(["hospital_id", "product_id"])["quantity"].sum()
    a = data.agreements.set_index(["hospital_id", "product_id"]).join(got).fillna({"quantity": 0.0})
    a = a.reset_index().join(p[["agreement_start", "agreement_end"]], on="product_id")
    days = (a["agreement_end"] - a["agreement_start"]).dt.days + 1
    a["elapsed"] = ((AS_OF - a["agreement_start"]).dt.days + 1) / days
    a["completion"] = a["quantity"] / a["agreed_volume"]
    return a


def test_laggards_zero_and_over_purchases_are_present(alliance):
    data, traits = alliance
    a = _completion(data)
    by_hospital = a.groupby("hospital_id").apply(
        lambda g: g["quantity"].sum() / (g["agreed_volume"] * g["elapsed"]).sum(), include_groups=False)
    laggards = set(by_hospital[by_hospital < 0.6].index)
    assert laggards and laggards == set(traits.laggard_hospitals)
    assert len(laggards) <= 4
    zero = a[a["quantity"] == 0]
    assert 1 <= len(zero) <= 0.1 * len(a)
    assert set(zip(zero["hospital_id"], zero["product_id"], strict=True)) == set(traits.zero_purchase_pairs)
    over = a[a["completion"] > 1]
    assert 2 <= len(over) <= 5
    assert set(zip(over["hospital_id"], over["product_id"], strict=True)) == set(traits.over_purchase_pairs)
    assert a["elapsed"].round(2).nunique() == 3  # batches stand at different points of their year


def test_payment_delays_cover_every_bucket_and_one_hospital_pays_late(alliance):
    data, traits = alliance
    pay = data.payments[data.payments["order_id"].notna()]
    delay = (pay["date"] - pay["order_date"]).dt.days
    assert (delay <= 30).mean() > 0.7
    for lo, hi in [(31, 60), (61, 90), (91, 10_000)]:
        assert delay.between(lo, hi).any(), (lo, hi)
    on_time = (delay <= 30).groupby(pay["hospital_id"]).mean()
    assert set(on_time[on_time < 0.5].index) == set(traits.late_paying_hospitals) != set()
    win = data.purchases[data.purchases["winning"]]
    unpaid = ~win["order_id"].isin(data.payments["order_id"])
    old = win["date"] < AS_OF - pd.Timedelta(days=90)
    assert (unpaid & old).any()  # some deliveries are still unpaid after 90 days
    unlinked = data.payments["order_id"].isna().mean()
    assert 0.02 < unlinked < 0.25
    assert data.payments.loc[data.payments["order_id"].isna(), "product_id"].notna().all()


# --- planning inputs --------------------------------------------------------------------------------


def test_demand_and_offers_are_consistent(alliance):
    data, traits = alliance
    offers, demand = data.offers, data.demand
    assert demand["hospital_id"].isin(data.hospitals["hospital_id"]).all()
    assert (demand["declared_volume"] > 0).all()
    assert demand["current_supplier"].notna().mean() > 0.7
    drugs = set(zip(offers["generic_name"], offers["specification"], strict=True))
    assert set(zip(demand["generic_name"], demand["specification"], strict=True)) <= drugs
    region = data.hospitals.set_index("hospital_id")["region"]
    for r in demand.itertuples():
        o = offers[(offers["generic_name"] == r.generic_name) & (offers["specification"] == r.specification)]
        assert any(pd.isna(x) or region[r.hospital_id] in x.split(",") for x in o["regions"]), r
    prices = data.products.set_index(["generic_name", "specification", "supplier"])["unit_price"]
    assert np.allclose(offers.set_index(["generic_name", "specification", "supplier"])["unit_price"],
                       prices.reindex(offers.set_index(["generic_name", "specification", "supplier"]).index))
    assert set(offers["regions"].dropna().str.split(",").explode()) <= set(data.hospitals["region"])
    assert offers["capacity"].notna().any() and offers["regions"].notna().any()
    assert (offers["min_share"] > 0).sum() == 1
    assert (offers.groupby(["generic_name", "specification"])["min_share"].sum() <= 1).all()
    # the tight drug: its cheapest winner cannot take every hospital's agreed volume
    g, s = traits.tight_capacity_drug
    agreed = data.agreements.join(data.products.set_index("product_id"), on="product_id")
    total = agreed.loc[(agreed["generic_name"] == g) & (agreed["specification"] == s), "agreed_volume"].sum()
    o = offers[(offers["generic_name"] == g) & (offers["specification"] == s)].sort_values("unit_price")
    assert len(o) >= 2 and o["capacity"].iloc[0] < total


# --- properties for any seed and size -----------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_hospitals=st.integers(1, 30), n_products=st.integers(1, 40),
       lines=st.one_of(st.none(), st.integers(0, 3000)))
def test_any_alliance_keeps_the_invariants(seed, n_hospitals, n_products, lines):
    data = generate_alliance(seed, n_hospitals, n_products, lines)
    assert len(data.hospitals) == n_hospitals and len(data.products) == n_products
    assert data.agreements["product_id"].isin(data.products["product_id"]).all()
    assert data.agreements["hospital_id"].isin(data.hospitals["hospital_id"]).all()
    _purchase_checks(data, AS_OF)
    if lines is not None:
        assert len(data.purchases) <= lines


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        generate_alliance(n_hospitals=0)
    with pytest.raises(ValueError):
        generate_alliance(n_products=10_000)


@pytest.mark.slow
def test_a_province_generates_in_seconds():
    data = generate_alliance(n_hospitals=1000, purchases_per_year=1_000_000)
    assert 0.99 * 1_000_000 <= len(data.purchases) <= 1_000_000
    assert data.hospitals["hospital_id"].is_unique and data.hospitals["hospital_name"].is_unique
    # speed is measured in benchmarks/bench_synthetic.py, not asserted here (shared, noisy machines)


# --- the committed spreadsheets ---------------------------------------------------------------------


def _generate_module():
    spec = importlib.util.spec_from_file_location("sample_generate", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _sample_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in {".xlsx", ".csv"})


@pytest.mark.slow
def _workbook_content(path: Path) -> list[tuple[str, list[str], list[tuple]]]:
    """What a user sees in a workbook: sheet names, merged ranges and every cell value.

    Compared instead of bytes because the zip/XML bytes depend on the openpyxl/lxml build.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, sorted(str(r) for r in ws.merged_cells.ranges), list(ws.iter_rows(values_only=True)))
        for ws in wb.worksheets
    ]


@pytest.mark.slow
def test_generate_script_rewrites_the_committed_files(tmp_path):
    written = _generate_module().write_all(tmp_path)
    assert {p.relative_to(tmp_path) for p in written} == {p.relative_to(SAMPLE) for p in _sample_files(SAMPLE)}
    for p in written:
        committed = SAMPLE / p.relative_to(tmp_path)
        if p.suffix == ".csv":
            assert p.read_bytes() == committed.read_bytes(), p
        else:
            assert _workbook_content(p) == _workbook_content(committed), p


def test_sample_folder_is_small_and_complete():
    files = _sample_files(SAMPLE)
    assert sum(p.stat().st_size for p in files) < 3 * 1024 * 1024
    names = {p.relative_to(SAMPLE).as_posix() for p in files}
    for expected in ["01_医疗机构.xlsx", "02_中选产品.xlsx", "03_约定采购量.xlsx", "05_回款记录.xlsx",
                     "planning/报量.xlsx", "planning/中选企业.xlsx"]:
        assert expected in names
    purchases = [n for n in names if n.startswith("采购记录/")]
    assert len(purchases) == 20 and sum(n.endswith(".csv") for n in purchases) == 1


from procurement.ingest import importer  # noqa: E402  (the round-trip tests below)


@pytest.fixture(scope="module")
def parsed():
    return importer.parse_files(_sample_files(SAMPLE))


def test_every_sample_file_parses_without_a_problem(parsed):
    assert parsed.ok, "\n".join(str(p) for p in parsed.problems[:20])
    assert set(parsed.tables) == set(CORE_KINDS)  # the sample alliance has no optional lists


def test_parsed_tables_equal_the_generator(parsed, data):
    sums = {"agreements": ["agreed_volume"], "purchases": ["quantity", "amount"], "payments": ["amount"],
            "demand": ["declared_volume"], "offers": ["unit_price", "capacity"], "products": ["unit_price"]}
    for kind in CORE_KINDS:
        got, want = parsed.tables[kind], data.table(kind)
        assert len(got) == len(want), kind
        for col in sums.get(kind, []):
            assert got[col].sum() == pytest.approx(want[col].sum(), rel=1e-9), (kind, col)
        key = list(NATURAL_KEYS[kind])
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                      want.sort_values(key).reset_index(drop=True), check_exact=False)
    assert (~parsed.tables["purchases"]["winning"]).sum() == (~data.purchases["winning"]).sum()
