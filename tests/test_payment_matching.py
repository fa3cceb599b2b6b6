"""Which deliveries a payment pays, level by level (data-templates.md, payments): its invoice's, else
its order's, else the oldest unpaid ones of its product, supplier, distributor's one supplier, else
of its hospital; never another hospital's. Each case is worked out by hand and checked through the
store (import_tables, load_dataset, build_report) and through parsed frames (build_report).

One hospital H1, as of 2020-03-31, every price 1 yuan a unit; its deliveries:
  A  order O1  2020-01-01  P1 (甲)  100  invoice I1  distributor D1
  B  order O2  2020-02-01  P1 (甲)  100  invoice I2  distributor D1
  C  order O3  2020-01-15  P2 (甲)  100  invoice I2  distributor D3
  E  order O4  2019-12-20  P3 (乙)  100  invoice I3  distributor D3
H2 has one delivery, order O9 on 2020-01-01, P2, 100, invoice I9. The agreement period runs from
2019-12-01 to 2020-11-30, so every delivery is in its one agreement year (a delivery outside every
period counts for no year, nor does what pays it: tests/test_agreement_years.py).
Each case is one H1 payment of 100 yuan on 2020-03-01; it pays exactly one of A, B, C, E, which the
product it lands on and the days from delivery to payment tell apart: A 60 days (Jan 1 -> Mar 1,
2020 is a leap year), B 29, C 46 (17 to Feb 1 + 29), E 72 (12 to Jan 1 + 60).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_fixtures import BACKENDS, make_engine

from procurement import store
from procurement.ledger import link_payments
from procurement.model import Dataset, conform
from procurement.report import build_report

T = pd.Timestamp
AS_OF = date(2020, 3, 31)
PAID_ON = "2020-03-01"

HOSPITALS = conform("hospitals", pd.DataFrame({"hospital_id": ["H1", "H2"], "hospital_name": ["一院", "二院"]}))
PRODUCTS = conform("products", pd.DataFrame({
    "product_id": ["P1", "P2", "P3"], "batch": ["第一批"] * 3, "generic_name": ["阿莫西林", "氨氯地平", "二甲双胍"],
    "specification": ["0.25g", "5mg", "0.5g"], "supplier": ["甲", "甲", "乙"], "unit_price": [1.0, 1.0, 1.0],
    "baseline_price": [2.0, 2.0, 2.0], "agreement_start": [T("2019-12-01")] * 3, "agreement_end": [T("2020-11-30")] * 3,
}))
LINES = [  # order, hospital, date, product, supplier, invoice, distributor
    ("O1", "H1", "2020-01-01", "P1", "甲", "I1", "D1"),
    ("O2", "H1", "2020-02-01", "P1", "甲", "I2", "D1"),
    ("O3", "H1", "2020-01-15", "P2", "甲", "I2", "D3"),
    ("O4", "H1", "2019-12-20", "P3", "乙", "I3", "D3"),
    ("O9", "H2", "2020-01-01", "P2", "甲", "I9", "D1"),
]
PURCHASES = conform("purchases", pd.DataFrame({
    "order_id": [r[0] for r in LINES], "hospital_id": [r[1] for r in LINES], "date": pd.to_datetime([r[2] for r in LINES]),
    "product_id": [r[3] for r in LINES], "supplier": [r[4] for r in LINES], "invoice_id": [r[5] for r in LINES],
    "distributor": [r[6] for r in LINES], "generic_name": ["阿莫西林", "阿莫西林", "氨氯地平", "二甲双胍", "氨氯地平"],
    "specification": ["0.25g", "0.25g", "5mg", "0.5g", "5mg"],
    "quantity": [100.0] * 5, "amount": [100.0] * 5, "winning": [True] * 5,
}))

# case: what the payment names -> (link it gets, product paid, days to pay)
CASES = {
    # I2's lines are B (P1) and C (P2), both 甲: its earliest day (Jan 15) of 甲 is C, not 甲's oldest (A)
    "invoice over two products": (dict(invoice_id="I2"), ("invoice", "01-15", None, "甲"), "P2", 46),
    # the invoice (A) comes before the order (B)
    "invoice before order": (dict(invoice_id="I1", order_id="O2"), ("invoice", "01-01", "P1", "甲"), "P1", 60),
    # the order's day (B), not P1's oldest (A)
    "order": (dict(order_id="O2"), ("order", "02-01", "P1", "甲"), "P1", 29),
    # an invoice no line carries: the order still links
    "unknown invoice, then order": (dict(invoice_id="I7", order_id="O2"), ("order", "02-01", "P1", "甲"), "P1", 29),
    "product": (dict(product_id="P1"), (None, None, "P1", None), "P1", 60),  # P1's oldest: A
    "product P2": (dict(product_id="P2"), (None, None, "P2", None), "P2", 46),  # C
    "supplier": (dict(supplier="甲"), (None, None, None, "甲"), "P1", 60),  # 甲's oldest: A, not E (乙)
    # D1 delivered only 甲's goods to H1 (A, B): 甲's oldest, A; at the hospital level it would be E
    "distributor of one supplier": (dict(distributor="D1"), ("distributor", None, None, "甲"), "P1", 60),
    # D3 delivered 甲's C and 乙's E: the hospital's oldest, E
    "distributor of two suppliers": (dict(distributor="D3"), (None, None, None, None), "P3", 72),
    "hospital": ({}, (None, None, None, None), "P3", 72),  # the hospital's oldest: E
    # H2's order and invoice: never H1's link (else P2's oldest in H1, C, would be paid)
    "another hospital's order": (dict(order_id="O9"), (None, None, None, None), "P3", 72),
    "another hospital's invoice": (dict(invoice_id="I9"), (None, None, None, None), "P3", 72),
}


def payment(names: dict) -> pd.DataFrame:
    return conform("payments", pd.DataFrame([dict(payment_id="PAY1", hospital_id="H1", amount=100.0,
                                                  date=T(PAID_ON), **names)]))


def dataset(names: dict) -> Dataset:
    return Dataset(hospitals=HOSPITALS, products=PRODUCTS, purchases=PURCHASES, payments=payment(names))


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from make_engine(request.param, tmp_path)


def stored(engine, names: dict) -> Dataset:
    tables = {"hospitals": HOSPITALS, "products": PRODUCTS, "purchases": PURCHASES, "payments": payment(names)}
    store.import_tables(engine, tables, source_name="hand.xlsx", file_hash="h")
    return store.load_dataset(engine)


def link_of(pay: pd.DataFrame) -> tuple:
    row = pay.iloc[0]
    show = [row["link_by"], None if pd.isna(row["order_date"]) else row["order_date"].strftime("%m-%d"),
            row["product_id"], row["supplier"]]
    return tuple(None if pd.isna(v) else v for v in show)


def paid(report) -> tuple[str, float, float]:
    """(the one product paid, its paid amount, days from delivery to payment) of H1."""
    p = report.products.set_index("product_id")
    p = p[p["paid_amount"] > 0]
    assert len(p) == 1, p[["paid_amount"]]
    product = p.index[0]
    return product, float(p.loc[product, "paid_amount"]), float(p.loc[product, "avg_days_to_pay"])


@pytest.mark.parametrize("case", list(CASES))
def test_matching_level_through_parsed_frames(case):
    names, link, product, days = CASES[case]
    assert link_of(link_payments(payment(names), PURCHASES)) == link
    report = build_report(dataset(names), AS_OF)
    assert paid(report) == (product, 100.0, days)
    h2 = report.hospitals.set_index("hospital_id")
    assert h2.loc["H2", "paid_amount"] == 0  # nothing ever lands in another hospital


@pytest.mark.parametrize("case", list(CASES))
def test_matching_level_through_the_store(engine, case):
    names, link, product, days = CASES[case]
    data = stored(engine, names)
    assert link_of(data.payments) == link
    assert paid(build_report(data, AS_OF)) == (product, 100.0, days)
    lines = store.load_dataset(engine, aggregated=False)  # order lines: the same report
    assert paid(build_report(lines, AS_OF)) == (product, 100.0, days)


def test_payment_before_its_invoice_lines_links_when_they_arrive(engine):
    store.import_tables(engine, {"hospitals": HOSPITALS, "products": PRODUCTS, "payments": payment(dict(invoice_id="I2"))},
                        source_name="p", file_hash="p")
    assert link_of(store.load_dataset(engine).payments) == (None, None, None, None)
    store.import_tables(engine, {"purchases": PURCHASES.iloc[[0, 1, 3]]}, source_name="a", file_hash="a")
    # only B carries I2 so far: P1 on Feb 1
    assert link_of(store.load_dataset(engine).payments) == ("invoice", "02-01", "P1", "甲")
    store.import_tables(engine, {"purchases": PURCHASES.iloc[[2]]}, source_name="c", file_hash="c")
    assert link_of(store.load_dataset(engine).payments) == ("invoice", "01-15", None, "甲")  # C joins I2
    # C re-stated under another invoice: I2 is B's alone again
    moved = PURCHASES.iloc[[2]].assign(invoice_id="I8")
    store.import_tables(engine, {"purchases": moved}, source_name="c2", file_hash="c2")
    assert link_of(store.load_dataset(engine).payments) == ("invoice", "02-01", "P1", "甲")


def test_invoice_link_falls_back_to_the_order_when_its_lines_move(engine):
    store.import_tables(engine, {"hospitals": HOSPITALS, "products": PRODUCTS, "purchases": PURCHASES,
                                 "payments": payment(dict(invoice_id="I1", order_id="O2"))},
                        source_name="a", file_hash="a")
    assert link_of(store.load_dataset(engine).payments) == ("invoice", "01-01", "P1", "甲")
    store.import_tables(engine, {"purchases": PURCHASES.iloc[[0]].assign(invoice_id="I8")}, source_name="b", file_hash="b")
    assert link_of(store.load_dataset(engine).payments) == ("order", "02-01", "P1", "甲")


def test_distributor_link_follows_the_suppliers_it_delivered(engine):
    store.import_tables(engine, {"hospitals": HOSPITALS, "products": PRODUCTS, "purchases": PURCHASES,
                                 "payments": payment(dict(distributor="D1"))},
                        source_name="a", file_hash="a")
    assert link_of(store.load_dataset(engine).payments) == ("distributor", None, None, "甲")
    # D1 now also delivers 乙's goods to H1: no one supplier, the hospital level
    more = conform("purchases", pd.DataFrame([dict(order_id="O5", hospital_id="H1", date=T("2020-03-05"),
                                                   product_id="P3", supplier="乙", distributor="D1", quantity=1.0,
                                                   amount=1.0, winning=True)]))
    store.import_tables(engine, {"purchases": more}, source_name="b", file_hash="b")
    assert link_of(store.load_dataset(engine).payments) == (None, None, None, None)


def test_payer_is_kept_on_payments_and_the_ledger(engine):
    from procurement.ledger import match_payments

    pay = pd.concat([payment(dict(product_id="P1")).assign(payer="fund"),
                     payment(dict(product_id="P3")).assign(payment_id="PAY2", payer="hospital", amount=30.0)])
    store.import_tables(engine, {"hospitals": HOSPITALS, "products": PRODUCTS, "purchases": PURCHASES,
                                 "payments": conform("payments", pay)}, source_name="a", file_hash="a")
    loaded = store.load_dataset(engine).payments.set_index("amount")["payer"]
    assert loaded.to_dict() == {100.0: "fund", 30.0: "hospital"}
    deliveries = PURCHASES[["hospital_id", "product_id", "supplier", "date", "amount"]]
    ledger = match_payments(deliveries, conform("payments", pay))
    by_product = ledger[ledger["pay_date"].notna()].set_index("product_id")["payer"].to_dict()
    assert by_product == {"P1": "fund", "P3": "hospital"}  # A by the fund, 30 of E by the hospital
    assert ledger.loc[ledger["pay_date"].isna(), "payer"].isna().all()  # unpaid deliveries: no payer


def test_parsed_files_never_link_another_hospitals_order():
    """Through the import: H1's payment names O2, which is H2's order. By hand (0.2 yuan a tablet,
    100 tablets = 20 yuan a delivery): unlinked, it pays H1's oldest 企业甲 delivery, O1 of 1 Feb, 48
    days later (29 + 19); linked, it would pay H1's delivery of O2's day (O3, 1 Mar), 19 days later."""
    from import_fixtures import xlsx

    from procurement.ingest.importer import parse_files

    content = xlsx({
        "医疗机构": [["机构编码", "机构名称"], ["H1", "县医院"], ["H2", "乡卫生院"]],
        "中选产品": [["集采批次", "通用名", "规格", "包装数量", "最小单位", "中选企业", "中选单价(元/片)", "协议期起"],
                 ["第一批", "恩替卡韦片", "0.5mg", 28, "片", "企业甲", "0.2", "2020/1/1"]],
        "采购": [["订单号", "采购日期", "机构编码", "通用名", "规格", "企业名称", "采购数量"],
               ["O1", "2020-02-01", "H1", "恩替卡韦片", "0.5mg", "企业甲", 100],
               ["O3", "2020-03-01", "H1", "恩替卡韦片", "0.5mg", "企业甲", 100],
               ["O2", "2020-03-01", "H2", "恩替卡韦片", "0.5mg", "企业甲", 100]],
        "回款": [["回款单号", "订单编号", "机构编码", "中选企业", "回款金额", "回款日期"],
               ["R1", "O2", "H1", "企业甲", "20", "2020-03-20"]],
    })
    result = parse_files([("all.xlsx", content)])
    assert result.ok, [str(p) for p in result.problems]
    assert pd.isna(result.tables["payments"]["order_date"].iloc[0])
    report = build_report(Dataset(**result.tables), date(2020, 3, 31))
    h = report.hospitals.set_index("hospital_id")
    assert h.loc["H1", "paid_amount"] == 20.0 and h.loc["H2", "paid_amount"] == 0.0
    assert h.loc["H1", "avg_days_to_pay"] == 48.0


# --- invariants of the ledger with every level of link -------------------------------------------

SUPPLIER_OF = {"P1": "S1", "P2": "S1", "P3": "S2"}
day = st.integers(min_value=0, max_value=60).map(lambda n: T("2020-01-01") + pd.Timedelta(days=n))
cents = st.integers(min_value=1, max_value=30_000).map(lambda c: c / 100)


@settings(max_examples=40, deadline=None)
@given(
    deliveries=st.lists(st.tuples(st.sampled_from(["H1", "H2"]), st.sampled_from(list(SUPPLIER_OF)), day, cents),
                        max_size=12),
    payments=st.lists(st.tuples(
        st.sampled_from(["H1", "H2"]), st.sampled_from(["P1", "P3", None]), st.sampled_from(["S1", "S2", None]),
        st.one_of(st.none(), day), st.sampled_from([None, "invoice", "order", "distributor"]), cents, day),
        max_size=10),
)
def test_every_level_keeps_each_cent_and_pays_only_what_the_payment_names(deliveries, payments):
    from procurement.ledger import match_payments

    d = pd.DataFrame([(h, p, SUPPLIER_OF[p], t, a) for h, p, t, a in deliveries],
                     columns=["hospital_id", "product_id", "supplier", "date", "amount"])
    rows = []
    for h, p, s, named, by, a, t in payments:
        s = SUPPLIER_OF[p] if p else s
        # who paid, spelled so that each ledger piece says what its payment named
        rows.append((h, p, s, named, by, a, t, f"{h}|{p or ''}|{s or ''}"))
    p = pd.DataFrame(rows, columns=["hospital_id", "product_id", "supplier", "order_date", "link_by", "amount", "date",
                                    "payer"])
    d = d.astype({"hospital_id": "string", "product_id": "string", "supplier": "string", "date": "datetime64[ns]",
                  "amount": "float64"})
    p = p.astype({"hospital_id": "string", "product_id": "string", "supplier": "string", "order_date": "datetime64[ns]",
                  "link_by": "string", "date": "datetime64[ns]", "amount": "float64", "payer": "string"})
    ledger = match_payments(d, p)
    delivered, paid = ledger[ledger["delivery_date"].notna()], ledger[ledger["pay_date"].notna()]
    assert round(delivered["amount"].sum(), 2) == round(d["amount"].sum(), 2)
    assert round(paid["amount"].sum(), 2) == round(p["amount"].sum(), 2)
    assert (ledger["amount"] > 0).all()
    matched = ledger[ledger["delivery_date"].notna() & ledger["pay_date"].notna()]
    for _, row in matched.iterrows():
        hospital, product, supplier = row["payer"].split("|")
        assert row["hospital_id"] == hospital  # never another hospital's delivery
        assert not product or row["product_id"] == product
        assert not supplier or row["supplier"] == supplier
