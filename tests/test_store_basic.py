"""Store behaviour on hand-made tables: counts, idempotence, atomicity, scoping, daily totals."""

from __future__ import annotations

import pandas as pd
import pytest
from store_fixtures import (
    BACKENDS,
    agreements,
    hospitals,
    make_engine,
    payments,
    products,
    purchases,
)

from procurement import store
from procurement.problems import InputError

BASE_LINES = [
    ("O1", "2020-01-05", "H1", "P1", 100.0, 50.0),
    ("O2", "2020-01-05", "H1", "P1", 40.0, 20.0),
    ("O3", "2020-01-06", "H1", "P2", 10.0, 1.0),
    ("O4", "2020-01-05", "H2", "P1", 7.0, 3.5),
    ("O5", "2020-01-05", "H1", None, 30.0, 45.0),  # 非中选
]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def seed(engine) -> store.ImportSummary:
    return store.import_tables(
        engine,
        {
            "hospitals": hospitals("H1", "H2"),
            "products": products(),
            "agreements": agreements([("H1", "P1", 1000.0), ("H2", "P1", 500.0)]),
            "purchases": purchases(BASE_LINES),
            "payments": payments(
                [("PAY1", "O1", "H1", 50.0, "2020-02-01"), ("PAY2", None, "H2", 3.0, "2020-03-01")]
            ),
        },
        source_name="seed.xlsx",
        file_hash="abc",
    )


def sorted_frame(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.sort_values(by).reset_index(drop=True)


def test_empty_store(engine):
    assert store.is_empty(engine)
    assert store.data_version(engine) == 0
    data = store.load_dataset(engine)
    assert all(data.table(k).empty for k in ("hospitals", "purchases", "payments"))
    assert store.list_imports(engine).empty


def test_first_import_adds_every_row_and_round_trips(engine):
    summary = seed(engine)
    assert summary.added == {"hospitals": 2, "products": 2, "agreements": 2, "purchases": 5, "payments": 2}
    assert summary.total_replaced == 0 and summary.total_unchanged == 0
    assert not store.is_empty(engine)
    data = store.load_dataset(engine, aggregated=False)
    got = sorted_frame(data.purchases, ["order_id"])
    pd.testing.assert_frame_equal(got, sorted_frame(purchases(BASE_LINES), ["order_id"]))
    prods = data.products
    assert list(prods["product_id"]) == ["P1", "P2"]
    assert prods["baseline_price"].isna().tolist() == [False, True]
    assert prods["agreement_end"].tolist() == [pd.Timestamp("2020-12-31")] * 2


def test_reimport_same_rows_is_unchanged(engine):
    first = seed(engine)
    again = seed(engine)
    assert again.total_added == 0 and again.total_replaced == 0
    assert again.unchanged == first.added
    assert store.data_version(engine) == 2
    assert len(store.load_dataset(engine, aggregated=False).purchases) == 5


def test_counts_added_replaced_unchanged(engine):
    seed(engine)
    lines = [
        ("O1", "2020-01-05", "H1", "P1", 100.0, 50.0),  # same
        ("O2", "2020-01-05", "H1", "P1", 41.0, 20.5),  # changed quantity
        ("O3", "2020-01-06", "H1", "P2", 10.0, None),  # value -> blank counts as a change
        ("O6", "2020-01-07", "H2", "P2", 5.0, 0.5),  # new
    ]
    summary = store.import_tables(
        engine, {"purchases": purchases(lines)}, source_name="b.xlsx", file_hash="def", user="alice"
    )
    assert (summary.added, summary.replaced, summary.unchanged) == (
        {"purchases": 1},
        {"purchases": 2},
        {"purchases": 1},
    )
    detail = store.load_dataset(engine, aggregated=False).purchases.set_index("order_id")
    assert len(detail) == 6
    assert detail.loc["O2", "quantity"] == 41.0
    assert pd.isna(detail.loc["O3", "amount"])
    log = store.list_imports(engine)
    assert list(log["import_id"]) == [2, 1]
    assert log.iloc[0]["user"] == "alice" and log.iloc[0]["rows_replaced"] == 2
    assert log.iloc[0]["added"] == {"purchases": 1}


def test_blank_to_blank_is_unchanged_and_duplicates_keep_last(engine):
    seed(engine)
    lines = [("O3", "2020-01-06", "H1", "P2", 10.0, None), ("O3", "2020-01-06", "H1", "P2", 10.0, 1.0)]
    summary = store.import_tables(engine, {"purchases": purchases(lines)}, source_name="x", file_hash="x")
    assert summary.unchanged == {"purchases": 1} and summary.total_replaced == 0


def test_failure_inside_the_transaction_writes_nothing(engine, monkeypatch):
    seed(engine)

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store.series, "store_series", boom)
    new = purchases([("O9", "2020-02-01", "H1", "P1", 1.0, 0.5)])
    with pytest.raises(RuntimeError):
        store.import_tables(
            engine, {"hospitals": hospitals("H3"), "purchases": new}, source_name="x", file_hash="x"
        )
    assert store.data_version(engine) == 1
    data = store.load_dataset(engine, aggregated=False)
    assert "H3" not in set(data.hospitals["hospital_id"])
    assert "O9" not in set(data.purchases["order_id"])


def test_blank_key_is_refused(engine):
    frame = purchases([("O1", "2020-01-05", "H1", "P1", 1.0, 1.0)])
    frame.loc[0, "order_id"] = pd.NA
    with pytest.raises(InputError) as err:
        store.import_tables(engine, {"purchases": frame}, source_name="f.xlsx", file_hash="x")
    assert err.value.problems[0].column == "order_id"
    assert store.is_empty(engine)


@pytest.mark.parametrize("first", [True, False])  # into an empty table, and staged over stored lines
def test_purchase_line_without_a_hospital_is_refused(engine, first):
    if not first:
        seed(engine)
    before = store.load_dataset(engine, aggregated=False).purchases
    frame = purchases([("O8", "2020-01-06", "H1", "P1", 2.0, 1.0), ("O9", "2020-01-06", "H1", "P1", 1.0, 0.5)])
    frame.loc[1, "hospital_id"] = pd.NA
    with pytest.raises(InputError) as err:
        store.import_tables(engine, {"purchases": frame}, source_name="f.xlsx", file_hash="y")
    assert [(p.column, p.message_en) for p in err.value.problems] == [
        ("hospital_id", "1 row(s) have no hospital_id and cannot be stored")]
    after = store.load_dataset(engine, aggregated=False).purchases
    pd.testing.assert_frame_equal(sorted_frame(after, ["order_id"]), sorted_frame(before, ["order_id"]))


def test_scoped_import_refuses_other_hospitals(engine):
    seed(engine)
    lines = [("O7", "2020-01-08", "H1", "P1", 1.0, 0.5), ("O8", "2020-01-08", "H2", "P1", 2.0, 1.0)]
    with pytest.raises(InputError) as err:
        store.import_tables(
            engine, {"purchases": purchases(lines)}, source_name="h1.xlsx", file_hash="x", hospital_scope="H1"
        )
    (problem,) = err.value.problems
    assert "H2" in problem.message_zh and "H2" in problem.message_en and problem.file == "h1.xlsx"
    assert store.data_version(engine) == 1


def test_scoped_import_never_writes_the_catalogue_even_unchanged(engine):
    """The catalogue is the alliance's: a hospital re-sending it unchanged is refused too (issue 13),
    and the purchases sent beside it are not written either (one import, one transaction)."""
    seed(engine)
    own = purchases([("O7", "2020-01-08", "H1", "P1", 1.0, 0.5)])
    with pytest.raises(InputError) as err:
        store.import_tables(engine, {"products": products(), "purchases": own}, source_name="h1",
                            file_hash="x", hospital_scope="H1")
    assert [p.sheet for p in err.value.problems] == [None]
    assert "products" in err.value.problems[0].message_en
    data = store.load_dataset(engine, aggregated=False)
    assert "O7" not in set(data.purchases["order_id"])
    assert store.data_version(engine) == 1


@pytest.mark.parametrize("aggregated", [True, False])
def test_scoped_load_cannot_see_another_hospital(engine, aggregated):
    seed(engine)
    store.import_tables(
        engine,
        {"purchases": purchases([("O7", "2020-01-08", "H1", "P1", 1.0, 0.5)])},
        source_name="h1",
        file_hash="h",
        hospital_scope="H1",
    )
    data = store.load_dataset(engine, "H2", aggregated=aggregated)
    for kind in ("hospitals", "agreements", "purchases", "payments"):
        assert set(data.table(kind)["hospital_id"]) == {"H2"}, kind
    assert data.purchases["quantity"].sum() == 7.0
    assert len(data.payments) == 1
    # ids are read with the order lines only (the aggregated read leaves them blank, like order ids)
    assert data.payments["payment_id"].tolist() == (["PAY2"] if not aggregated else [pd.NA])
    assert len(data.products) == 2  # the catalogue is shared
    assert list(store.list_imports(engine, "H2")["import_id"]) == []
    assert list(store.list_imports(engine, "H1")["import_id"]) == [2]


def test_daily_totals_match_the_order_lines(engine):
    seed(engine)
    daily = store.load_dataset(engine).purchases
    assert daily["order_id"].isna().all()
    got = {
        (r.hospital_id, r.product_id if isinstance(r.product_id, str) else None, r.date.strftime("%m-%d")): (
            r.quantity,
            r.amount,
            r.winning,
        )
        for r in daily.itertuples()
    }
    assert got == {
        ("H1", "P1", "01-05"): (140.0, 70.0, True),
        ("H1", "P2", "01-06"): (10.0, 1.0, True),
        ("H2", "P1", "01-05"): (7.0, 3.5, True),
        ("H1", None, "01-05"): (30.0, 45.0, False),
    }
    nonwinning = daily[~daily["winning"]].iloc[0]
    assert (nonwinning["generic_name"], nonwinning["supplier"]) == ("阿莫西林", "丙药厂")


def test_daily_totals_follow_a_line_that_moves(engine):
    seed(engine)
    moved = purchases([("O2", "2020-01-09", "H1", "P1", 40.0, 20.0)])  # was H1's line of 01-05
    store.import_tables(engine, {"purchases": moved}, source_name="m", file_hash="m")
    daily = store.load_dataset(engine).purchases
    key = daily.groupby(["hospital_id", "date"], observed=True)["quantity"].sum()
    assert key.loc[("H1", pd.Timestamp("2020-01-05"))] == 130.0  # 100 + 30 non-winning
    assert key.loc[("H1", pd.Timestamp("2020-01-09"))] == 40.0


def test_an_order_id_of_another_hospital_never_replaces_its_line(engine):
    """Order ids are scoped by hospital: H2 sending H1's order id adds its own line (issue 15)."""
    seed(engine)
    before = store.load_dataset(engine, aggregated=False).purchases
    h1_before = before.loc[before["hospital_id"] == "H1", "quantity"].sum()
    taken = purchases([("O2", "2020-01-09", "H2", "P1", 1.0, 0.5)])  # O2 is H1's order
    summary = store.import_tables(engine, {"purchases": taken}, source_name="m", file_hash="m",
                                  hospital_scope="H2")
    assert (summary.added["purchases"], summary.replaced["purchases"]) == (1, 0)
    after = store.load_dataset(engine, aggregated=False).purchases
    assert after.loc[after["hospital_id"] == "H1", "quantity"].sum() == h1_before
    mine = after[(after["order_id"] == "O2")].set_index("hospital_id")["quantity"]
    assert mine.to_dict() == {"H1": 40.0, "H2": 1.0}


def test_payments_carry_the_order_date(engine):
    seed(engine)
    for aggregated in (True, False):
        pay = store.load_dataset(engine, aggregated=aggregated).payments
        # PAY1 is H1's payment, PAY2 H2's (the aggregated read leaves payment ids blank)
        pay = pay.set_index(pay["hospital_id"].map({"H1": "PAY1", "H2": "PAY2"}))
        assert pay.loc["PAY1", "order_date"] == pd.Timestamp("2020-01-05")
        assert (pay.loc["PAY1", "product_id"], pay.loc["PAY1", "supplier"]) == ("P1", "甲药业")  # from O1
        assert pd.isna(pay.loc["PAY2", "product_id"])
        assert pd.isna(pay.loc["PAY2", "order_date"])


def test_load_reference_has_hospitals_and_products_only(engine):
    seed(engine)
    ref = store.load_reference(engine)
    assert sorted(ref.hospitals["hospital_id"]) == ["H1", "H2"]
    assert len(ref.products) == 2 and ref.purchases.empty


def test_default_url_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("VBP_DB_URL", "sqlite:////tmp/elsewhere.sqlite")
    assert store.default_url() == "sqlite:////tmp/elsewhere.sqlite"
    monkeypatch.delenv("VBP_DB_URL")
    assert store.default_url().endswith("/data/vbp.sqlite")
