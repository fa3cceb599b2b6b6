"""The plan page's disruption section in AppTest: the supplier with an open shortage in the stored
register (conftest's shortage_db, as tests/test_app_supply.py: one open shortage of the first hospital's first product's
winner, one closed) is proposed as failed; re-planning shows the moves, the extra cost and what is short."""

from __future__ import annotations

from datetime import date

import pytest
from app_helpers import page, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_open_shortage_supplier_is_proposed_and_replanned(shortage_db) -> None:
    _, supplier, _, _ = shortage_db
    at = page(sign_in("coord"), "plan")
    [b for b in at.button if "计算分配方案" in (b.label or "")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    # the shortage opened on 2026-01-10 and is open on any later re-plan date
    at.date_input(key="plan_dis_date").set_value(date(2026, 2, 1)).run()
    assert any(supplier in w.value and "缺货" in w.value for w in at.warning)
    assert at.multiselect(key="plan_dis_suppliers").value == [supplier]
    at.button(key="plan_replan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("金额变化" in i.value and "转移" in i.value for i in at.info)
    moves = next(df.value for df in at.dataframe if "增加金额（元）" in df.value.columns)
    assert len(moves) > 0 and set(moves["原企业"]) == {supplier} and supplier not in set(moves["新企业"])
