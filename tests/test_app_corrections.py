"""The upload page's correction: a checkbox, the rows that would be removed listed before the save
button, and the save removing exactly those (a hospital account: its own rows only).

Hand-made lines on days after everything the synthetic alliance holds, so the stored rows in the
corrected file's period are exactly the ones written here: D has U-1 (10) and U-2 (20), D+5 has U-3 (5).
The corrected file has U-1 alone on D: its period is D..D, so U-2 goes and U-3 stays.
"""

from __future__ import annotations

import pandas as pd
import pytest
from app_helpers import PASSWORD, page, purchases_xlsx, sign_in

from procurement import store, workflow
from procurement.synthetic import generate_alliance
from webapp import upload


@pytest.fixture(scope="module")
def app_alliance():
    return generate_alliance(seed=11, n_hospitals=3, n_products=4, purchases_per_year=200)


def _rows(app_alliance, hospital_pos: int, lines: list[tuple[str, int, float]]) -> list[dict]:
    """lines: (order id, days after the alliance's last purchase day, quantity)."""
    hospital = app_alliance.hospitals["hospital_id"].iloc[hospital_pos]
    product = app_alliance.agreements[app_alliance.agreements["hospital_id"] == hospital]["product_id"].iloc[0]
    last = app_alliance.purchases["date"].max()
    return [{"订单编号": o, "入库日期": (last + pd.Timedelta(days=d)).strftime("%Y-%m-%d"), "机构编码": hospital,
             "产品编码": product, "采购数量": q} for o, d, q in lines]


def _own_lines(engine, hospital: str) -> dict[str, float]:
    lines = store.load_dataset(engine, hospital, aggregated=False).purchases
    return dict(zip(lines["order_id"].astype(str), lines["quantity"], strict=True))


def test_handler_lists_then_removes_only_the_missing_line(app_db, app_alliance) -> None:
    engine = store.get_engine(app_db)
    # the second hospital, so the page test below (h1, the first) sees its own rows only
    own = app_alliance.hospitals["hospital_id"].iloc[1]
    first = workflow.check([("jan.xlsx", purchases_xlsx(_rows(app_alliance, 1, [("U-1", 1, 10), ("U-2", 1, 20),
                                                                                     ("U-3", 6, 5)])))],
                                 store.load_reference(engine), own)
    assert first.ok
    workflow.save(engine, first, "h2", own)
    fixed = workflow.check([("jan-fixed.xlsx", purchases_xlsx(_rows(app_alliance, 1, [("U-1", 1, 10)])))],
                                 store.load_reference(engine), own)
    preview = workflow.removals(engine, fixed, own)
    shown = upload.removals_frame(preview)
    assert list(shown["单号"]) == ["U-2"] and list(shown["数量"]) == [20.0]
    assert "U-2" in _own_lines(engine, own)  # listing wrote nothing
    summary = workflow.save(engine, fixed, "h2", own, replace_period=True, expect_removed={"purchases": 1})
    assert upload.summary_counts(summary) == {"added": 0, "replaced": 0, "unchanged": 1, "removed": 1}
    lines = _own_lines(engine, own)
    assert "U-2" not in lines and lines["U-1"] == 10 and lines["U-3"] == 5


def test_page_shows_the_rows_to_remove_before_saving(app_db, app_alliance) -> None:
    at = sign_in("h1", PASSWORD)
    page(at, "upload")
    content = purchases_xlsx(_rows(app_alliance, 0, [("W-1", 1, 10), ("W-2", 1, 20), ("W-3", 6, 5)]))
    at.file_uploader[0].set_value(("jan.xlsx", content, "application/octet-stream")).run()
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    fixed = purchases_xlsx(_rows(app_alliance, 0, [("W-1", 1, 10)]))
    at.file_uploader[0].set_value(("jan-fixed.xlsx", fixed, "application/octet-stream")).run()
    assert not [d for d in at.dataframe if "单号" in d.value.columns]  # nothing listed until asked
    at.checkbox(key="replace_period").check().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 行" in w.value for w in at.warning)
    removals = next(d for d in at.dataframe if "单号" in d.value.columns).value
    assert list(removals["单号"]) == ["W-2"]
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("更正删除 1 行" in s.value for s in at.success)
    own = app_alliance.hospitals["hospital_id"].iloc[0]
    lines = _own_lines(store.get_engine(app_db), own)
    assert "W-2" not in lines and {"W-1", "W-3"} <= set(lines)
    trail = next(d for d in at.dataframe if "文件哈希" in d.value.columns).value
    assert list(trail["单号"]) == ["W-2"] and list(trail["用户"]) == ["h1"]  # its own removal only, not h2's U-2
