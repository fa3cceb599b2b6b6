"""Corrections (an import replacing one hospital's rows for the period of its file) and the audit trail.

Every expected figure below is worked out by hand from the lines listed here.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_fixtures import (
    BACKENDS,
    agreements,
    hospitals,
    make_engine,
    payments,
    products,
    purchases,
)

from procurement import db_schema as schema
from procurement import history, store
from procurement.problems import InputError
from procurement.report import build_report

# H1's January export as first imported (order_id, date, hospital, product, quantity, amount)
H1_JANUARY = [
    ("A1", "2020-01-10", "H1", "P1", 100.0, 50.0),
    ("A2", "2020-01-10", "H1", "P1", 40.0, 20.0),
    ("A3", "2020-01-15", "H1", "P2", 10.0, 1.0),
    ("A4", "2020-01-20", "H1", "P1", 30.0, 15.0),
    ("A5", "2020-01-25", "H1", "P1", 5.0, 2.5),
]
# another hospital, same period, one order id equal to H1's (ids are scoped by hospital)
H2_JANUARY = [
    ("B1", "2020-01-12", "H2", "P1", 7.0, 3.5),
    ("A2", "2020-01-15", "H2", "P2", 3.0, 0.3),
]
# H1's corrected file covers 10-20 January: A2 is gone, A3 now says 12 (1.2 yuan), A1 and A4 as before;
# A5 (25 January) lies outside the file's period and must stay
H1_CORRECTED = [
    ("A1", "2020-01-10", "H1", "P1", 100.0, 50.0),
    ("A3", "2020-01-15", "H1", "P2", 12.0, 1.2),
    ("A4", "2020-01-20", "H1", "P1", 30.0, 15.0),
]
# payments (payment_id, order_id, hospital, amount, date)
H1_PAYMENTS = [
    ("PAY1", "A1", "H1", 50.0, "2020-01-20"),
    ("PAY2", "A3", "H1", 1.0, "2020-01-22"),
    ("PAY3", "A4", "H1", 15.0, "2020-01-28"),
    ("PAY4", "A2", "H1", 20.0, "2020-02-05"),  # names A2, which the correction removes
]
H1_PAYMENTS_CORRECTED = [  # 20-28 January: PAY2 gone; PAY4 (5 February) outside the period
    ("PAY1", "A1", "H1", 50.0, "2020-01-20"),
    ("PAY3", "A4", "H1", 15.0, "2020-01-28"),
]
AS_OF = date(2020, 2, 29)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def _first_import(engine) -> store.ImportSummary:
    return store.import_tables(
        engine,
        {
            "hospitals": hospitals("H1", "H2"),
            "products": products(),
            "agreements": agreements([("H1", "P1", 1000.0), ("H1", "P2", 100.0), ("H2", "P1", 50.0)]),
            "purchases": purchases(H1_JANUARY + H2_JANUARY),
            "payments": payments(H1_PAYMENTS),
        },
        source_name="january.xlsx", file_hash="h1", user="alice",
    )


def _correction() -> dict[str, pd.DataFrame]:
    return {"purchases": purchases(H1_CORRECTED), "payments": payments(H1_PAYMENTS_CORRECTED)}


def _lines(engine) -> dict[tuple[str, str], tuple[str, float, float]]:
    """Stored order lines by (hospital, order id): (day, quantity, amount)."""
    frame = store.load_dataset(engine, aggregated=False).purchases
    return {
        (h, o): (d.strftime("%Y-%m-%d"), q, a)
        for h, o, d, q, a in frame[["hospital_id", "order_id", "date", "quantity", "amount"]].itertuples(index=False)
    }


def _daily(engine) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Stored daily series by (hospital, day, product): (quantity, amount)."""
    frame = store.load_dataset(engine).purchases
    return {
        (str(h), d.strftime("%Y-%m-%d"), str(p)): (q, a)
        for h, d, p, q, a in frame[["hospital_id", "date", "product_id", "quantity", "amount"]].itertuples(index=False)
    }


def _report_json(dataset) -> str:
    return json.dumps(build_report(dataset, as_of=AS_OF).to_json(), sort_keys=True, ensure_ascii=False, default=str)


def test_preview_lists_exactly_the_removed_lines_and_writes_nothing(engine):
    _first_import(engine)
    before = _lines(engine)
    preview = history.preview_removals(engine, _correction())
    # A2 of H1 (10 Jan) is the one purchase line of H1 in 10-20 Jan that the file lacks; H2's A2 is another
    # hospital's; A5 (25 Jan) is outside the period. PAY2 (22 Jan) is the one payment in 20-28 Jan missing.
    assert list(zip(preview["purchases"]["hospital_id"], preview["purchases"]["order_id"], strict=True)) == [("H1", "A2")]
    assert preview["purchases"]["quantity"].tolist() == [40.0]
    assert list(preview["payments"]["payment_id"]) == ["PAY2"]
    assert _lines(engine) == before
    assert store.data_version(engine) == 1


def test_correction_removes_replaces_and_recounts(engine):
    _first_import(engine)
    summary = store.import_tables(engine, _correction(), source_name="january-fixed.xlsx", file_hash="h2",
                                  user="bob", replace_period=True, expect_removed={"purchases": 1, "payments": 1})
    assert summary.removed == {"purchases": 1, "payments": 1}
    assert summary.replaced == {"purchases": 1, "payments": 0}  # A3: 10 -> 12
    assert summary.unchanged == {"purchases": 2, "payments": 2}  # A1, A4; PAY1, PAY3
    assert summary.added == {"purchases": 0, "payments": 0}
    assert _lines(engine) == {
        ("H1", "A1"): ("2020-01-10", 100.0, 50.0),
        ("H1", "A3"): ("2020-01-15", 12.0, 1.2),
        ("H1", "A4"): ("2020-01-20", 30.0, 15.0),
        ("H1", "A5"): ("2020-01-25", 5.0, 2.5),  # outside 10-20 Jan: kept
        ("H2", "B1"): ("2020-01-12", 7.0, 3.5),  # another hospital: untouched
        ("H2", "A2"): ("2020-01-15", 3.0, 0.3),
    }
    # daily totals equal the sum of the stored lines: H1 P1 on 10 Jan was 100 + 40, now 100 alone
    assert _daily(engine) == {
        ("H1", "2020-01-10", "P1"): (100.0, 50.0),
        ("H1", "2020-01-15", "P2"): (12.0, 1.2),
        ("H1", "2020-01-20", "P1"): (30.0, 15.0),
        ("H1", "2020-01-25", "P1"): (5.0, 2.5),
        ("H2", "2020-01-12", "P1"): (7.0, 3.5),
        ("H2", "2020-01-15", "P2"): (3.0, 0.3),
    }
    pays = store.load_dataset(engine, aggregated=False).payments.set_index("payment_id")
    assert sorted(pays.index) == ["PAY1", "PAY3", "PAY4"]
    assert pd.isna(pays.loc["PAY4", "order_date"])  # its order A2 is gone: no delivery day to match
    assert pays.loc["PAY1", "order_date"] == pd.Timestamp("2020-01-10")


def test_the_log_records_the_correction_and_each_removed_row(engine):
    _first_import(engine)
    store.import_tables(engine, _correction(), source_name="january-fixed.xlsx", file_hash="h2", user="bob",
                        replace_period=True)
    log = store.list_imports(engine).set_index("import_id")
    assert log.loc[2, "user"] == "bob" and log.loc[2, "file_hash"] == "h2" and bool(log.loc[2, "replace_period"])
    assert log.loc[2, "rows_removed"] == 2 and log.loc[1, "rows_removed"] == 0
    hist = schema.HISTORY_TABLES["purchases"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(hist.c.hospital_id, hist.c.order_id, hist.c.quantity, hist.c.import_id,
                                      hist.c.superseded_by, hist.c.action).order_by(hist.c.order_id)).all()
    assert [tuple(r) for r in rows] == [("H1", "A2", 40.0, 1, 2, "removed"), ("H1", "A3", 10.0, 1, 2, "replaced")]


def test_removals_name_who_removed_what_when_and_from_which_file(engine):
    _first_import(engine)
    store.import_tables(engine, _correction(), source_name="january-fixed.xlsx", file_hash="h2", user="bob",
                        replace_period=True)
    trail = history.removals(engine)
    assert list(zip(trail["kind"], trail["row_id"], trail["user"], trail["file_hash"], trail["import_id"],
                    trail["written_by"], strict=True)) == [
        ("payments", "PAY2", "bob", "h2", 2, 1), ("purchases", "A2", "bob", "h2", 2, 1)]
    assert trail["source_name"].eq("january-fixed.xlsx").all() and trail["imported_at"].notna().all()
    assert history.removals(engine, "H2").empty  # H2 lost nothing


def test_report_as_of_the_first_import_is_the_report_made_then(engine):
    _first_import(engine)
    then = _report_json(store.load_dataset(engine))
    then_lines = _lines(engine)
    store.import_tables(engine, _correction(), source_name="fixed.xlsx", file_hash="h2", user="bob",
                        replace_period=True)
    now = _report_json(store.load_dataset(engine))
    assert now != then  # the correction changed the figures (A2's 40 are gone)
    assert _report_json(store.load_dataset(engine, as_of_import=1)) == then
    assert _report_json(store.load_dataset(engine, as_of_import=2)) == now
    old = store.load_dataset(engine, aggregated=False, as_of_import=1)
    assert len(old.purchases) == len(then_lines) == 7
    pays = old.payments.set_index("payment_id")
    assert pays.loc["PAY4", "order_date"] == pd.Timestamp("2020-01-10")  # A2 still there as of import 1
    h2 = store.load_dataset(engine, "H2", aggregated=False, as_of_import=1)  # a hospital's view as of then
    assert sorted(h2.purchases["order_id"]) == ["A2", "B1"] and h2.payments.empty


def test_plain_reimport_removes_nothing_and_first_load_keeps_no_history(engine):
    _first_import(engine)
    summary = store.import_tables(engine, _correction(), source_name="fixed.xlsx", file_hash="h2", user="bob")
    assert summary.removed == {}
    assert ("H1", "A2") in _lines(engine)  # without replace_period the line stays
    hist = schema.HISTORY_TABLES["purchases"]
    with engine.connect() as conn:
        actions = [r[0] for r in conn.execute(sa.select(hist.c.action))]
    assert actions == ["replaced"]  # A3's old version only; the first load wrote no history


def test_a_correction_of_10_to_20_january_leaves_25_january(engine):
    _first_import(engine)
    only_a1 = {"purchases": purchases([("A1", "2020-01-10", "H1", "P1", 100.0, 50.0),
                                       ("A4", "2020-01-20", "H1", "P1", 30.0, 15.0)])}
    store.import_tables(engine, only_a1, source_name="f", file_hash="h", replace_period=True)
    lines = _lines(engine)
    assert ("H1", "A5") in lines  # 25 Jan
    assert ("H1", "A2") not in lines and ("H1", "A3") not in lines  # 10 and 15 Jan: inside, absent


def test_hospital_scope_limits_the_removal_to_the_own_hospital(engine):
    _first_import(engine)
    both = {"purchases": purchases([("A1", "2020-01-10", "H1", "P1", 100.0, 50.0),
                                    ("A4", "2020-01-20", "H1", "P1", 30.0, 15.0),
                                    ("B1", "2020-01-12", "H2", "P1", 7.0, 3.5),
                                    ("B9", "2020-01-20", "H2", "P1", 1.0, 0.5)])}
    # unscoped, H2's period would be 12-20 Jan and its A2 of 15 Jan absent from the file
    assert sorted(history.preview_removals(engine, both)["purchases"]["hospital_id"]) == ["H1", "H1", "H2"]
    preview = history.preview_removals(engine, both, hospital_scope="H1")
    assert sorted(preview["purchases"]["hospital_id"].unique()) == ["H1"]  # H2's A2 of 15 Jan never listed
    with pytest.raises(InputError):  # a hospital account's file with another hospital's rows: refused
        store.import_tables(engine, both, source_name="f", file_hash="h", hospital_scope="H1", replace_period=True)
    assert ("H2", "A2") in _lines(engine) and ("H1", "A2") in _lines(engine)


def test_a_preview_that_no_longer_holds_is_refused(engine):
    _first_import(engine)
    with pytest.raises(InputError):
        store.import_tables(engine, _correction(), source_name="f", file_hash="h", replace_period=True,
                            expect_removed={"purchases": 0})
    assert ("H1", "A2") in _lines(engine)
    assert store.data_version(engine) == 1


def test_unknown_import_is_an_input_error(engine):
    _first_import(engine)
    with pytest.raises(InputError):
        store.load_dataset(engine, as_of_import=7)


# ---------------------------------------------------------------------------------------------
# Property: any sequence of imports and corrections matches a plain dict model after every import


_line = st.tuples(
    st.sampled_from([f"O{i}" for i in range(5)]),
    st.sampled_from(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]),
    st.sampled_from(["H1", "H2"]),
    st.sampled_from(["P1", "P2", None]),
    st.integers(1, 4).map(float),
    st.just(1.0),
)
_steps = st.lists(st.tuples(st.lists(_line, min_size=1, max_size=6), st.booleans()), min_size=1, max_size=4)


def _model_step(model: dict, rows: list[tuple], replace: bool) -> dict:
    """What the store should hold after importing ``rows`` (the last row of a key wins)."""
    file = {(r[2], r[0]): r for r in rows}
    out = dict(model)
    if replace:
        for hospital in {h for h, _ in file}:
            days = [r[1] for (h, _), r in file.items() if h == hospital]
            first, last = min(days), max(days)  # ISO days compare as text
            for key, r in model.items():
                if key[0] == hospital and first <= r[1] <= last and key not in file:
                    del out[key]
    out.update(file)
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_steps)
def test_every_import_can_be_rebuilt_and_series_match_lines(steps):
    with tempfile.TemporaryDirectory() as folder:
        engine = store.get_engine(f"sqlite:///{folder}/p.sqlite")
        model: dict = {}
        snapshots = []
        for rows, replace in steps:
            store.import_tables(engine, {"purchases": purchases(rows)}, source_name="f", file_hash="h",
                                replace_period=replace)
            model = _model_step(model, rows, replace)
            snapshots.append(model)
        for n, expected in enumerate(snapshots, start=1):
            frame = store.load_dataset(engine, aggregated=False, as_of_import=n).purchases
            got = {(h, o): (d.strftime("%Y-%m-%d"), q) for h, o, d, q in
                   frame[["hospital_id", "order_id", "date", "quantity"]].itertuples(index=False)}
            assert got == {k: (r[1], r[4]) for k, r in expected.items()}, n
        totals: dict = {}
        for r in model.values():
            totals[(r[2], r[1], r[3])] = totals.get((r[2], r[1], r[3]), 0.0) + r[4]
        series = store.load_dataset(engine).purchases
        stored = {(str(h), d.strftime("%Y-%m-%d"), None if pd.isna(p) else str(p)): q for h, d, p, q in
                  series[["hospital_id", "date", "product_id", "quantity"]].itertuples(index=False)}
        assert stored == totals
        engine.dispose()


def test_a_store_written_before_corrections_is_brought_up_to_date(tmp_path):
    """An older file: no history tables, no removed/replace_period columns in the log."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.get_engine(url)
    _first_import(engine)
    with engine.begin() as conn:
        for kind in schema.HISTORY_TABLES:
            conn.exec_driver_sql(f"DROP TABLE history_{kind}")
        conn.exec_driver_sql("ALTER TABLE imports DROP COLUMN removed")
        conn.exec_driver_sql("ALTER TABLE imports DROP COLUMN replace_period")
        conn.exec_driver_sql("DROP TABLE alembic_version")  # written before Alembic, too
    engine.dispose()
    engine = store.get_engine(url)
    assert store.list_imports(engine).loc[0, "rows_removed"] == 0  # the old log reads as nothing removed
    summary = store.import_tables(engine, _correction(), source_name="f", file_hash="h", replace_period=True)
    assert summary.removed == {"purchases": 1, "payments": 1}
    assert ("H1", "A2") not in _lines(engine)
    assert len(store.load_dataset(engine, aggregated=False, as_of_import=1).purchases) == 7
    engine.dispose()


# Links by invoice and by distributor (the ledger's rules), as of an import and after a correction.
# Lines of H1: A1 P1 10 Jan and A2 P1 12 Jan on invoice INV1 via D1; A3 P2 15 Jan on INV2 via D2;
# A4 P1 20 Jan via D2 (so D2 delivered two suppliers' drugs: no single supplier).
LINKED_LINES = [("A1", "2020-01-10", "H1", "P1", 10.0, 5.0), ("A2", "2020-01-12", "H1", "P1", 20.0, 10.0),
                ("A3", "2020-01-15", "H1", "P2", 30.0, 3.0), ("A4", "2020-01-20", "H1", "P1", 40.0, 20.0),
                ("A5", "2020-01-10", "H1", "P1", 1.0, 0.5)]  # no invoice: keeps the corrected file's period at 10 Jan
LINKED_DETAIL = {"A1": ("INV1", "D1"), "A2": ("INV1", "D1"), "A3": ("INV2", "D2"), "A4": (None, "D2"),
                 "A5": (None, "D1")}


def _linked_lines(keep: list[str]) -> pd.DataFrame:
    frame = purchases([r for r in LINKED_LINES if r[0] in keep])
    frame["invoice_id"] = pd.array([LINKED_DETAIL[o][0] for o in frame["order_id"]], dtype="string")
    frame["distributor"] = pd.array([LINKED_DETAIL[o][1] for o in frame["order_id"]], dtype="string")
    return frame


def _linked_payments() -> pd.DataFrame:
    frame = payments([("PAY1", "A3", "H1", 1.0, "2020-02-01"), ("PAY2", "A4", "H1", 1.0, "2020-02-01"),
                      ("PAY3", None, "H1", 1.0, "2020-02-01"), ("PAY4", None, "H1", 1.0, "2020-02-01"),
                      ("PAY5", None, "H1", 1.0, "2020-02-01")])
    frame["invoice_id"] = pd.array(["INV1", None, None, None, "INV2"], dtype="string")
    frame["distributor"] = pd.array([None, None, "D1", "D2", None], dtype="string")
    return frame


def _links(dataset) -> dict[str, tuple]:
    pays = dataset.payments.sort_values("payment_id")
    return {p: (None if pd.isna(d) else d.strftime("%m-%d"), None if pd.isna(pr) else pr,
                None if pd.isna(s) else s, None if pd.isna(b) else b)
            for p, d, pr, s, b in pays[["payment_id", "order_date", "product_id", "supplier", "link_by"]]
            .itertuples(index=False)}


def test_invoice_and_distributor_links_as_of_an_import(engine):
    store.import_tables(engine, {"hospitals": hospitals("H1"), "products": products(),
                                 "purchases": _linked_lines(["A1", "A2", "A3", "A4", "A5"]),
                                 "payments": _linked_payments()},
                        source_name="f", file_hash="h1")
    expected_then = {
        "PAY1": ("01-10", "P1", "甲药业", "invoice"),  # INV1 overrides the order A3 it also names; first day 10 Jan
        "PAY2": ("01-20", "P1", "甲药业", "order"),
        "PAY3": (None, None, "甲药业", "distributor"),  # D1 delivered 甲药业's drug only
        "PAY4": (None, None, None, None),  # D2 delivered two suppliers' drugs
        "PAY5": ("01-15", "P2", "乙药业", "invoice"),
    }
    assert _links(store.load_dataset(engine, aggregated=False)) == expected_then
    assert _links(store.load_dataset(engine, aggregated=False, as_of_import=1)) == expected_then
    # the corrected file (10-20 Jan) lacks A1 and changes nothing else: INV1's first day is now A2's 12 Jan
    summary = store.import_tables(engine, {"purchases": _linked_lines(["A2", "A3", "A4", "A5"])}, source_name="f",
                                  file_hash="h2", replace_period=True)
    assert (summary.removed, summary.added, summary.replaced) == ({"purchases": 1}, {"purchases": 0}, {"purchases": 0})
    expected_now = {**expected_then, "PAY1": ("01-12", "P1", "甲药业", "invoice")}
    assert _links(store.load_dataset(engine, aggregated=False)) == expected_now
    assert _links(store.load_dataset(engine, aggregated=False, as_of_import=2)) == expected_now
    assert _links(store.load_dataset(engine, aggregated=False, as_of_import=1)) == expected_then


def test_a_synthetic_alliance_report_as_of_each_import(engine):
    """Every kind of table, invoices and distributors as the generator makes them: the report as of
    each import is the one computed right after it (compared whole, as JSON)."""
    from procurement.model import TABLE_KINDS
    from procurement.synthetic import generate_alliance

    alliance = generate_alliance(seed=3, n_hospitals=3, n_products=4, purchases_per_year=300)
    store.import_tables(engine, {k: alliance.table(k) for k in TABLE_KINDS if not alliance.table(k).empty},
                        source_name="seed", file_hash="h1")
    day = alliance.purchases["date"].max().date()

    def report(dataset) -> str:
        return json.dumps(build_report(dataset, as_of=day).to_json(), sort_keys=True, ensure_ascii=False, default=str)

    then = report(store.load_dataset(engine))
    lines = alliance.purchases
    first = lines["hospital_id"].iloc[0]
    own = lines[lines["hospital_id"] == first].sort_values("date")
    fixed = own.drop(own.index[1:4])  # three lines of one hospital gone, its first and last day kept
    summary = store.import_tables(engine, {"purchases": fixed}, source_name="fix", file_hash="h2", replace_period=True)
    assert summary.removed == {"purchases": 3}
    now = report(store.load_dataset(engine))
    assert now != then
    assert report(store.load_dataset(engine, as_of_import=1)) == then
    assert report(store.load_dataset(engine, as_of_import=2)) == now
