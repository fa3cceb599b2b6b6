"""The materialised default report (webapp.snapshots) is exactly a full rebuild, for the version it names.

A small synthetic alliance is stored, its snapshot made; then one hospital's month is imported (its
own lines of its latest month again, under new order ids) and the snapshot refreshed. Each time, every
figure of the snapshot must equal, bit for bit, a report built afresh from the stored rows; the
purchased volume must have grown by exactly the quantity imported (summed by hand from the lines
written); and a snapshot computed before an import must never be kept for the version after it.
Runs on SQLite and, when VBP_TEST_PG_URL is set, PostgreSQL.
"""

from __future__ import annotations

import math
import sys
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_fixtures import BACKENDS, make_engine  # noqa: E402

from procurement import store  # noqa: E402
from procurement.model import TABLE_KINDS  # noqa: E402
from procurement.report import Report, build_report  # noqa: E402
from procurement.settings import Settings  # noqa: E402
from procurement.synthetic import generate_alliance  # noqa: E402
from webapp import snapshots  # noqa: E402
from webapp.filters import options  # noqa: E402


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=3, n_hospitals=4, n_products=5, purchases_per_year=400)


def _store(engine, alliance) -> None:
    store.import_tables(engine, {k: alliance.table(k) for k in TABLE_KINDS if not alliance.table(k).empty},
                        source_name="seed", file_hash="seed", user="test")


def _same(a, b, where: str) -> None:
    """Exactly equal: frames cell for cell with their dtypes, scalars bit for bit (NaN equals NaN)."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key}]")
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        pass
    else:
        assert type(a) is type(b) and (a == b or (a is pd.NA and b is pd.NA)), (where, a, b)


def _assert_full_rebuild(engine, snap: snapshots.Snapshot) -> None:
    fresh = store.load_dataset(engine, aggregated=True)
    rebuilt = build_report(fresh, as_of=None, settings=Settings(), year=None)
    assert snap.data_version == store.data_version(engine)
    for f in fields(Report):
        _same(getattr(snap.report, f.name), getattr(rebuilt, f.name), f.name)
    _same(snap.options, options(fresh), "options")


def _one_hospital_month(engine, hospital: str) -> pd.DataFrame:
    lines = store.load_dataset(engine, hospital, aggregated=False).purchases
    month = lines["date"].dt.to_period("M")
    new = lines[(month == month.max()) & lines["product_id"].notna()].copy()
    new["order_id"] = new["order_id"].astype("string") + "-M"
    new["invoice_id"] = pd.Series(pd.NA, index=new.index, dtype="string")
    return new.reset_index(drop=True)


def test_snapshot_equals_a_full_rebuild_before_and_after_an_import(engine, alliance) -> None:
    _store(engine, alliance)
    first = snapshots.refresh(engine)
    assert first is not None
    _assert_full_rebuild(engine, first)
    _assert_full_rebuild(engine, snapshots.load(engine, first.data_version))  # as read back from the database

    hospital = str(alliance.hospitals["hospital_id"].iloc[0])
    month = _one_hospital_month(engine, hospital)
    assert len(month) > 0
    store.import_tables(engine, {"purchases": month}, source_name="month", file_hash="month", user="test")
    assert snapshots.load(engine, store.data_version(engine)) is None  # not yet made for the new version
    second = snapshots.refresh(engine)
    assert second is not None and second.data_version == first.data_version + 1
    _assert_full_rebuild(engine, second)
    # the lines are within the same days as before, so the as-of date and the agreement year stay:
    # the purchased volume grows by exactly the winning quantity imported (all of the month's lines
    # are the hospital's own winning products, summed here from the frame written)
    assert second.report.as_of == first.report.as_of
    added = float(month["quantity"].sum())
    assert second.report.total["purchased_volume"] == pytest.approx(first.report.total["purchased_volume"] + added)
    row = second.report.hospitals.set_index("hospital_id").loc[hospital, "purchased_volume"]
    before = first.report.hospitals.set_index("hospital_id").loc[hospital, "purchased_volume"]
    assert row == pytest.approx(before + added)


def test_a_snapshot_of_an_older_version_is_never_kept(engine, alliance) -> None:
    _store(engine, alliance)
    stale = snapshots.compute(store.load_dataset(engine, aggregated=True), store.data_version(engine))
    month = _one_hospital_month(engine, str(alliance.hospitals["hospital_id"].iloc[1]))
    store.import_tables(engine, {"purchases": month}, source_name="month", file_hash="m2", user="test")
    assert snapshots.save(engine, stale) is False  # an import happened while it was computed
    assert snapshots.load(engine, stale.data_version) is None
    assert snapshots.load(engine, store.data_version(engine)) is None


def test_only_the_newest_snapshots_are_kept(engine, alliance) -> None:
    _store(engine, alliance)
    versions = []
    for i in range(3):  # three imports (the same hospitals again: rows unchanged), a snapshot each
        store.import_tables(engine, {"hospitals": alliance.hospitals}, source_name=f"h{i}", file_hash=f"h{i}",
                            user="test")
        versions.append(snapshots.refresh(engine).data_version)
    assert versions == sorted(versions) and len(set(versions)) == 3
    assert snapshots.load(engine, versions[0]) is None  # KEEP = 2: the oldest went
    assert snapshots.load(engine, versions[1]) is not None and snapshots.load(engine, versions[2]) is not None


def test_a_snapshot_made_by_other_code_is_not_served(engine, alliance) -> None:
    """After an upgrade that changed how a figure is computed, the first page must not show the old figure
    until the next import: a snapshot of the same data version made by other code is computed again."""
    _store(engine, alliance)
    made = snapshots.compute(store.load_dataset(engine, aggregated=True), store.data_version(engine))
    assert made.code == snapshots.code_fingerprint() and len(made.code) == 64
    assert snapshots.save(engine, replace(made, code="0" * 64))
    assert snapshots.load(engine, made.data_version) is None
    again = snapshots.refresh(engine)
    assert again is not None and again.code == made.code
    _assert_full_rebuild(engine, snapshots.load(engine, made.data_version))
