"""A leader responsible for one region reads only that region's hospitals, in every table and figure."""

from __future__ import annotations

import pandas as pd
import pytest
from store_fixtures import BACKENDS, agreements, make_engine, payments, products, purchases

from procurement import store
from procurement.model import conform
from procurement.report import build_report


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def _seed(engine) -> None:
    hospitals = conform("hospitals", pd.DataFrame({
        "hospital_id": ["H1", "H2", "H3"], "hospital_name": ["东一", "东二", "西一"], "region": ["东", "东", "西"]}))
    store.import_tables(engine, {
        "hospitals": hospitals, "products": products(),
        "agreements": agreements([("H1", "P1", 100.0), ("H2", "P1", 200.0), ("H3", "P1", 400.0)]),
        "purchases": purchases([("O1", "2020-01-05", "H1", "P1", 10.0, 5.0), ("O2", "2020-01-05", "H2", "P1", 20.0, 10.0),
                                ("O3", "2020-01-05", "H3", "P1", 40.0, 20.0)]),
        "payments": payments([("PAY1", "O1", "H1", 5.0, "2020-02-01"), ("PAY3", "O3", "H3", 20.0, "2020-02-01")]),
    }, source_name="seed", file_hash="s")


@pytest.mark.parametrize("aggregated", [True, False])
def test_a_region_sees_its_hospitals_only(engine, aggregated):
    _seed(engine)
    data = store.load_dataset(engine, region="东", aggregated=aggregated)
    for kind in ("hospitals", "agreements", "purchases", "payments"):
        assert set(data.table(kind)["hospital_id"].astype(str)) <= {"H1", "H2"}, kind
    assert set(data.hospitals["hospital_id"]) == {"H1", "H2"}
    assert data.purchases["quantity"].sum() == 30.0
    assert len(data.products) == 2  # the catalogue is the alliance's
    report = build_report(data, as_of=pd.Timestamp("2020-06-30").date())
    assert report.total["agreed_volume"] == 300.0 and report.total["purchased_volume"] == 30.0
    assert set(report.hospitals["hospital_id"]) == {"H1", "H2"}
    assert list(report.regions["region"]) == ["东"]


def test_a_region_without_hospitals_sees_nothing(engine):
    _seed(engine)
    data = store.load_dataset(engine, region="北")
    assert all(len(data.table(k)) == 0 for k in ("hospitals", "agreements", "purchases", "payments"))


def test_a_hospital_outside_the_region_is_not_widened(engine):
    _seed(engine)
    data = store.load_dataset(engine, "H3", region="东")
    assert len(data.purchases) == 0 and len(data.hospitals) == 0
