"""A payment naming another hospital's order names no order, in files as in the store (issue 15 item 4).

Order ids are scoped by hospital. H1's order O1 was delivered on 2020-01-05 (product P1). A payment
of H2 naming O1 must take nothing from it: no delivery day, no product. The store already links on
(hospital, order id) (tests/test_store_roles.py); these cases hold the file path (``report FILE...``,
the upload check) to the same rule.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from store_fixtures import agreements, hospitals, payments, products, purchases  # noqa: E402

from procurement.ingest.importer import parse_files  # noqa: E402
from procurement.model import Dataset  # noqa: E402
from procurement.report import build_report  # noqa: E402


def xlsx(sheets: dict[str, list[dict]]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(writer, index=False, sheet_name=name)
    return buffer.getvalue()


def test_parsed_payments_take_the_delivery_day_of_their_own_hospitals_order_only() -> None:
    reference = Dataset(hospitals=hospitals("H1", "H2"), products=products())
    content = xlsx({
        "采购记录": [{"订单编号": "O1", "入库日期": "2020-01-05", "机构编码": "H1", "产品编码": "P1", "采购数量": 100},
                 {"订单编号": "O2", "入库日期": "2020-01-07", "机构编码": "H2", "产品编码": "P1", "采购数量": 10}],
        "回款记录": [{"回款单号": "PX", "订单编号": "O1", "机构编码": "H2", "企业名称": "甲药业", "回款金额": 5,
                  "回款日期": "2020-02-01"},
                 {"回款单号": "PZ", "订单编号": "O1", "机构编码": "H1", "企业名称": "甲药业", "回款金额": 5,
                  "回款日期": "2020-02-01"}],
    })
    result = parse_files([("f.xlsx", content)], reference=reference)
    assert result.ok, [str(p) for p in result.problems]
    dates = result.tables["payments"].set_index("payment_id")["order_date"]
    assert pd.isna(dates["PX"]) and dates["PZ"] == pd.Timestamp("2020-01-05")


def dataset(pay: pd.DataFrame) -> Dataset:
    return Dataset(hospitals=hospitals("H1", "H2"), products=products(),
                   agreements=agreements([("H1", "P1", 1000.0), ("H2", "P1", 500.0)]),
                   purchases=purchases([("O1", "2020-01-05", "H1", "P2", 100.0, 10.0),
                                        ("O2", "2020-01-07", "H2", "P1", 10.0, 5.0),
                                        ("O9", "2020-01-08", "H1", "P2", 10.0, 1.0),
                                        ("O9", "2020-01-08", "H2", "P2", 10.0, 1.0)]),
                   payments=pay)


def paid_by_product(pay: pd.DataFrame) -> dict[str, float]:
    report = build_report(dataset(pay), as_of=pd.Timestamp("2020-06-30").date())
    return report.products.set_index("product_id")["paid_amount"].to_dict()


def test_the_report_links_a_payment_to_its_own_hospitals_order_only() -> None:
    """H1's O1 is product P2. H2 paying 5 naming O1 takes no product from it: it pays H2's own oldest
    delivery first (O2 of 2020-01-07, P1, worth 5.0), so P1 is paid 5 and P2 nothing; linked to O1 it
    would have paid P2. H1 paying 5 naming O1 pays P2."""
    assert paid_by_product(payments([("PX", "O1", "H2", 5.0, "2020-02-01")])) == {"P1": 5.0, "P2": 0.0}
    assert paid_by_product(payments([("PZ", "O1", "H1", 5.0, "2020-02-01")])) == {"P1": 0.0, "P2": 5.0}


def test_a_payment_naming_no_hospital_links_only_to_an_order_id_one_hospital_has() -> None:
    # O1 is H1's alone: linked (its product P2 paid 4); O9 is both H1's and H2's (P2 at each): which
    # one is unknown, so it is not linked and pays no product (taking either would make P2 paid 7)
    no_hospital = payments([("P1X", "O1", None, 4.0, "2020-02-01"), ("P9X", "O9", None, 3.0, "2020-02-01")])
    assert paid_by_product(no_hospital) == {"P1": 0.0, "P2": 4.0}
