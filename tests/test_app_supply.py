"""The supply page (供应监测) and the fund section of the payments page, in AppTest, per role.

A shortage of the first hospital's first product's winner is registered open, another hospital's
closed one is not shown; the hospital sees only its own; the coordinator is pointed to the re-plan.
"""

from __future__ import annotations

import pytest
from app_helpers import page, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_coordinator_sees_the_scorecard_and_the_failing_supplier(shortage_db) -> None:
    _, supplier, first, second = shortage_db
    at = page(sign_in("coord"), "supply")
    assert at.title[0].value == "供应监测"
    card = next(df.value for df in at.dataframe if "约定量占比" in df.value.columns)
    assert supplier in set(card["中选企业"])
    assert any(supplier in w.value for w in at.warning)  # pointed to the re-plan
    shortages = next(df.value for df in at.dataframe if "缺货开始日期" in df.value.columns)
    assert list(shortages["机构编码"]) == [first]  # the closed one is not open


def test_hospital_sees_only_its_own_shortages(shortage_db) -> None:
    _, _, first, second = shortage_db
    at = page(sign_in("h2"), "supply")
    assert not at.warning  # no re-plan hint for a hospital
    assert not any("缺货开始日期" in df.value.columns for df in at.dataframe)  # its only shortage is closed


def test_payments_page_has_the_fund_section(shortage_db) -> None:
    at = page(sign_in("coord"), "payments")
    assert "医保基金预付与直接结算" in [s.value for s in at.subheader]
    assert any("尚未导入" in c.value for c in at.caption)  # no fund records: said, not shown as 0
