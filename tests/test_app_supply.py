"""The supply page (供应监测) and the fund section of the payments page, in AppTest, per role.

A shortage of the first hospital's first product's winner is registered open, another hospital's
closed one is not shown; the hospital sees only its own; the coordinator is pointed to the re-plan.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from app_helpers import seed_database
from test_app_pages import page, sign_in

from procurement import auth, store
from procurement.model import conform
from procurement.synthetic import generate_alliance

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def alliance():
    return generate_alliance(seed=7, n_hospitals=5, n_products=6, purchases_per_year=600)


@pytest.fixture(scope="module")
def db(tmp_path_factory, alliance):
    auth.BCRYPT_ROUNDS = 4
    url = f"sqlite:///{tmp_path_factory.mktemp('supplydb') / 'vbp.sqlite'}"
    seed_database(url, alliance)
    first, second = alliance.hospitals["hospital_id"].iloc[:2]
    product = alliance.agreements[alliance.agreements["hospital_id"] == first].iloc[0]["product_id"]
    p = alliance.products.set_index("product_id").loc[product]
    shortages = conform("shortages", pd.DataFrame({
        "shortage_id": ["S1", "S2"], "hospital_id": [first, second], "product_id": product,
        "generic_name": p["generic_name"], "specification": p["specification"], "supplier": p["supplier"],
        "start_date": pd.to_datetime(["2026-01-10", "2026-01-10"]),
        "end_date": pd.to_datetime([None, "2026-01-20"]), "orders": [3.0, 1.0]}))
    engine = store.get_engine(url)
    store.import_tables(engine, {"shortages": shortages}, source_name="register", file_hash="r", user="test")
    engine.dispose()
    old = os.environ.get("VBP_DB_URL")
    os.environ["VBP_DB_URL"] = url
    yield url, str(p["supplier"]), first, second
    if old is None:
        os.environ.pop("VBP_DB_URL", None)
    else:
        os.environ["VBP_DB_URL"] = old


def test_coordinator_sees_the_scorecard_and_the_failing_supplier(db) -> None:
    _, supplier, first, second = db
    at = page(sign_in("coord"), "supply")
    assert at.title[0].value == "供应监测"
    card = next(df.value for df in at.dataframe if "约定量占比" in df.value.columns)
    assert supplier in set(card["中选企业"])
    assert any(supplier in w.value for w in at.warning)  # pointed to the re-plan
    shortages = next(df.value for df in at.dataframe if "缺货开始日期" in df.value.columns)
    assert list(shortages["机构编码"]) == [first]  # the closed one is not open


def test_hospital_sees_only_its_own_shortages(db) -> None:
    _, _, first, second = db
    at = page(sign_in("h2"), "supply")
    assert not at.warning  # no re-plan hint for a hospital
    assert not any("缺货开始日期" in df.value.columns for df in at.dataframe)  # its only shortage is closed


def test_payments_page_has_the_fund_section(db) -> None:
    at = page(sign_in("coord"), "payments")
    assert "医保基金预付与直接结算" in [s.value for s in at.subheader]
    assert any("尚未导入" in c.value for c in at.caption)  # no fund records: said, not shown as 0
