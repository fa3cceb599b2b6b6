"""What each role may write, enforced by the store whatever a page does (issue 13 item 1, issue 15 item 4).

A hospital writes purchases, payments and its declarations (报量) only; never agreements, products,
prices (offers) or hospitals, not even its own rows unchanged. Leadership writes nothing. A refused
import writes nothing at all, not even the allowed tables sent with it. A declaration stays the
hospital's own until a coordinator accepts it.
"""

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

from procurement import roles, store
from procurement.model import TABLE_KINDS, conform
from procurement.problems import InputError


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def demand(rows: list[tuple]) -> pd.DataFrame:
    """rows: (hospital_id, generic_name, specification, declared_volume)."""
    return conform("demand", pd.DataFrame(rows, columns=["hospital_id", "generic_name", "specification",
                                                          "declared_volume"]))


def offers() -> pd.DataFrame:
    return conform("offers", pd.DataFrame({"generic_name": ["阿莫西林"], "specification": ["0.25g"],
                                           "supplier": ["甲药业"], "unit_price": [0.5]}))


def seed(engine) -> None:
    store.import_tables(
        engine,
        {
            "hospitals": hospitals("H1", "H2"),
            "products": products(),
            "agreements": agreements([("H1", "P1", 1000.0), ("H2", "P1", 500.0)]),
            "purchases": purchases([("O1", "2020-01-05", "H1", "P1", 100.0, 50.0)]),
        },
        source_name="seed.xlsx",
        file_hash="seed",
        user="office",
    )


KINDS = ("hospitals", "products", "agreements", "purchases", "payments", "demand", "offers")


# One table of H1's own rows per kind: what a hospital account might send.
def own_rows(kind: str) -> pd.DataFrame:
    return {
        "hospitals": hospitals("H1"),
        "products": products(),
        "agreements": agreements([("H1", "P1", 500.0)]),  # its agreed volume halved (issue 13)
        "purchases": purchases([("O9", "2020-01-09", "H1", "P1", 5.0, 2.5)]),
        "payments": payments([("PAY9", "O1", "H1", 5.0, "2020-02-01")]),
        "demand": demand([("H1", "阿莫西林", "0.25g", 3000.0)]),
        "offers": offers(),
    }[kind]


@pytest.mark.parametrize("kind", ["hospitals", "products", "agreements", "offers"])
def test_a_hospital_never_writes_the_alliance_tables(engine, kind) -> None:
    seed(engine)
    before = store.load_dataset(engine, aggregated=False)
    with pytest.raises(InputError) as err:
        store.import_tables(engine, {kind: own_rows(kind), "purchases": own_rows("purchases")},
                            source_name="h1.xlsx", file_hash="x", user="h1", hospital_scope="H1")
    (problem,) = err.value.problems
    assert problem.file == "h1.xlsx"
    assert "医疗机构账号不能导入" in problem.message_zh and f"cannot import {kind}" in problem.message_en
    assert "未写入任何数据" in problem.message_zh and "nothing was written" in problem.message_en
    after = store.load_dataset(engine, aggregated=False)
    for k in TABLE_KINDS:  # nothing written, not even the purchases sent beside
        pd.testing.assert_frame_equal(after.table(k), before.table(k), check_like=True)
    assert store.data_version(engine) == 1


def test_halved_agreements_cannot_double_a_hospitals_completion(engine) -> None:
    """The walk-through of issue 13: H1 uploads its agreed volume halved; it stays 1000."""
    seed(engine)
    with pytest.raises(InputError):
        store.import_tables(engine, {"agreements": agreements([("H1", "P1", 500.0)])}, source_name="a.xlsx",
                            file_hash="a", user="h1", hospital_scope="H1", role="hospital")
    stored = store.load_dataset(engine, "H1").agreements
    assert stored["agreed_volume"].tolist() == [1000.0]


@pytest.mark.parametrize("kind", ["purchases", "payments", "demand"])
def test_a_hospital_writes_its_purchases_payments_and_declarations(engine, kind) -> None:
    seed(engine)
    summary = store.import_tables(engine, {kind: own_rows(kind)}, source_name="h1.xlsx", file_hash="x",
                                  user="h1", hospital_scope="H1", role="hospital")
    assert summary.added == {kind: 1}


@pytest.mark.parametrize("kind", KINDS)
def test_leadership_writes_nothing(engine, kind) -> None:
    seed(engine)
    with pytest.raises(InputError) as err:
        store.import_tables(engine, {kind: own_rows(kind)}, source_name="l.xlsx", file_hash="l", user="boss",
                            role="leadership")
    (problem,) = err.value.problems
    assert "领导账号只能查看" in problem.message_zh and "views only" in problem.message_en
    assert store.data_version(engine) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_coordinator_writes_every_kind(engine, kind) -> None:
    seed(engine)
    summary = store.import_tables(engine, {kind: own_rows(kind)}, source_name="c.xlsx", file_hash="c",
                                  user="office", role="coordinator")
    assert sum(summary.added.values()) + sum(summary.replaced.values()) + sum(summary.unchanged.values()) >= 1


def test_an_unknown_role_writes_nothing(engine) -> None:
    seed(engine)
    with pytest.raises(InputError):
        store.import_tables(engine, {"purchases": own_rows("purchases")}, source_name="x", file_hash="x",
                            role="auditor")
    with pytest.raises(ValueError):  # a hospital account without its hospital is a programming error
        store.import_tables(engine, {"purchases": own_rows("purchases")}, source_name="x", file_hash="x",
                            role="hospital")
    assert store.data_version(engine) == 1


def test_a_table_kind_added_later_is_refused_to_hospitals() -> None:
    """The permission lists what a hospital may write, so a new alliance-wide kind is refused by default."""
    assert not roles.may_write("hospital", "substitutes")
    assert roles.may_write("coordinator", "substitutes")
    assert not roles.may_write("leadership", "purchases")
    problems = roles.refusals("hospital", {"substitutes": 3, "purchases": 2}, "s.xlsx")
    assert [p.message_en.split(" (")[0] for p in problems] == ["a hospital account cannot import substitutes"]


# --- declarations (报量): the hospital's own until a coordinator accepts them ---------------------


def h1_declares(engine, volume: float, more: list[tuple] | None = None) -> store.ImportSummary:
    rows = [("H1", "阿莫西林", "0.25g", volume), *(more or [])]
    return store.import_tables(engine, {"demand": demand(rows)}, source_name="d.xlsx", file_hash=str(volume),
                               user="h1", hospital_scope="H1", role="hospital")


def status(engine, hospital: str = "H1") -> dict[str, tuple]:
    frame = store.demand_status(engine, hospital)
    return {r.generic_name: (r.declared_volume, r.accepted_by) for r in frame.itertuples()}


def test_a_declaration_is_the_hospitals_own_until_accepted(engine) -> None:
    seed(engine)
    h1_declares(engine, 3000.0)
    assert status(engine) == {"阿莫西林": (3000.0, None)}  # pending
    again = h1_declares(engine, 2800.0)  # a pending declaration may be re-stated
    assert again.replaced == {"demand": 1}
    assert store.accept_demand(engine, "office", "H1") == 1
    assert status(engine) == {"阿莫西林": (2800.0, "office")}
    version = store.data_version(engine)
    # once accepted the hospital cannot change it, and nothing of that import is written
    with pytest.raises(InputError) as err:
        store.import_tables(engine, {"demand": demand([("H1", "阿莫西林", "0.25g", 9000.0)]),
                                     "purchases": own_rows("purchases")},
                            source_name="d2.xlsx", file_hash="d2", user="h1", hospital_scope="H1")
    (problem,) = err.value.problems
    assert "已由联盟办公室确认" in problem.message_zh and "阿莫西林 0.25g" in problem.message_en
    assert status(engine) == {"阿莫西林": (2800.0, "office")}
    assert store.data_version(engine) == version
    assert "O9" not in set(store.load_dataset(engine, aggregated=False).purchases["order_id"])
    # re-sending it unchanged is fine, and a new drug is a new pending declaration
    resent = h1_declares(engine, 2800.0, [("H1", "氨氯地平", "5mg", 100.0)])
    assert (resent.unchanged, resent.added) == ({"demand": 1}, {"demand": 1})
    assert status(engine) == {"阿莫西林": (2800.0, "office"), "氨氯地平": (100.0, None)}


def test_accepting_is_for_coordinators_and_is_logged(engine) -> None:
    seed(engine)
    h1_declares(engine, 3000.0)
    store.import_tables(engine, {"demand": demand([("H2", "阿莫西林", "0.25g", 10.0)])}, source_name="d",
                        file_hash="d", user="h2", hospital_scope="H2")
    with pytest.raises(InputError):
        store.accept_demand(engine, "h1", "H1", role="hospital")
    assert store.accept_demand(engine, "office", "H1") == 1  # H1 only: H2's stays pending
    assert status(engine, "H2") == {"阿莫西林": (10.0, None)}
    log = store.list_imports(engine, "H1")  # the hospital sees that its declaration was accepted
    assert log["user"].iloc[0] == "office" and "declarations accepted (1)" in log["source_name"].iloc[0]
    assert store.accept_demand(engine, "office", "H1") == 0  # nothing pending: nothing logged
    assert len(store.list_imports(engine, "H1")) == len(log)


def test_declarations_a_coordinator_writes_are_accepted(engine) -> None:
    seed(engine)
    h1_declares(engine, 3000.0)
    store.import_tables(engine, {"demand": demand([("H1", "阿莫西林", "0.25g", 2500.0), ("H2", "阿莫西林", "0.25g", 7.0)])},
                        source_name="office.xlsx", file_hash="o", user="office")
    assert status(engine) == {"阿莫西林": (2500.0, "office")}
    assert status(engine, "H2") == {"阿莫西林": (7.0, "office")}


# --- a payment naming another hospital's order names no order (issue 15 item 4) -------------------


def test_a_payment_naming_another_hospitals_order_is_treated_as_naming_none(engine) -> None:
    """O1 is H1's order (delivered 2020-01-05, product P1). H2's payment naming O1 takes nothing from it:
    no delivery day, no product, exactly as a payment naming an order nobody has; H1's own payment naming
    O1 is linked. The summary is the same whether or not the named order exists elsewhere."""
    seed(engine)
    sent = {}
    for payment, order in (("PX", "O1"), ("PY", "NO-SUCH-ORDER")):
        summary = store.import_tables(engine, {"payments": payments([(payment, order, "H2", 5.0, "2020-02-01")])},
                                      source_name="p.xlsx", file_hash=payment, user="h2", hospital_scope="H2")
        sent[payment] = (summary.added, summary.replaced, summary.unchanged)
    assert sent["PX"] == sent["PY"] == ({"payments": 1}, {"payments": 0}, {"payments": 0})
    store.import_tables(engine, {"payments": payments([("PZ", "O1", "H1", 5.0, "2020-02-01")])},
                        source_name="p.xlsx", file_hash="PZ", user="h1", hospital_scope="H1")
    pay = store.load_dataset(engine, aggregated=False).payments.set_index("payment_id")
    for payment in ("PX", "PY"):
        assert pd.isna(pay.loc[payment, "order_date"]) and pd.isna(pay.loc[payment, "product_id"]), payment
    assert pay.loc["PZ", "order_date"] == pd.Timestamp("2020-01-05") and pay.loc["PZ", "product_id"] == "P1"
    # and re-importing H1's order (a purchases import relinks payments) still leaves H2's payment unlinked
    store.import_tables(engine, {"purchases": purchases([("O1", "2020-01-06", "H1", "P1", 100.0, 50.0)])},
                        source_name="o.xlsx", file_hash="o1", user="h1", hospital_scope="H1")
    pay = store.load_dataset(engine, aggregated=False).payments.set_index("payment_id")
    assert pd.isna(pay.loc["PX", "order_date"]) and pay.loc["PZ", "order_date"] == pd.Timestamp("2020-01-06")
