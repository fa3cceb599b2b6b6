"""Every table and card of every page reads the same way (webapp.formats): pinned in AppTest.

For each page a role can open: numbers in tables keep a format with thousands separators (or a % sign,
or four-decimal prices); numeric columns with a gap are drawn as right-aligned text with the same
format; no cell says None, nan or NaT; no date carries a time of day; money headers say 元; every card
value is one of the app's forms.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from app_helpers import sign_in
from streamlit.testing.v1 import AppTest

from procurement.synthetic import generate_alliance
from webapp import formats

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

CARD = re.compile(r"^(—|-?[\d,]+\.\d{2} 万元|-?[\d,]+ 元|-?¥[\d,]+|-?[\d,]*\d\.\d{2}%|-?[\d,]+(\.\d)?|"
                  r"[\d,]+ / [\d,]+|\d+\.\d{4})$")
TEXT_NUMBER = re.compile(r"^(|-?[\d,]+(\.\d+)?%?)$")
BAD_CELLS = {"None", "none", "nan", "NaN", "NaT", "<NA>"}


@pytest.fixture(scope="module")
def app_alliance():
    return generate_alliance(seed=5, n_hospitals=5, n_products=6, purchases_per_year=600)


def check_tables(at: AppTest, where: str) -> int:
    """Assert the format rules on every st.dataframe of the rendered page; returns how many were seen."""
    for df in at.dataframe:
        frame: pd.DataFrame = df.value
        config = json.loads(df.proto.columns or "{}")
        for name in frame.columns:
            col = frame[name]
            spec = config.get(str(name), {})
            kind = spec.get("type_config", {}).get("type")
            if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                fmt = spec.get("type_config", {}).get("format")
                assert kind == "number" and fmt in formats.ALLOWED_FORMATS, (where, name, spec)
                assert col.notna().all(), (where, name)  # a gap would print "None"
                if fmt == formats.PERCENT_FORMAT:
                    assert "(%)" not in str(name), (where, name)
            else:
                cells = [str(v) for v in col.tolist()]
                assert not BAD_CELLS & set(cells), (where, name)
                assert not any(v is None for v in col.tolist()), (where, name)
                assert not any(re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", c) for c in cells), (where, name)
                if spec.get("alignment") == "right":  # a numeric column with a gap, drawn as text
                    assert all(TEXT_NUMBER.match(c) for c in cells), (where, name, cells[:5])
            if "金额" in str(name) and "元" not in str(name) and pd.api.types.is_numeric_dtype(col):
                pytest.fail(f"{where}: money column {name} does not say 元")
    return len(at.dataframe)


def check_cards(at: AppTest, where: str) -> None:
    for m in at.metric:
        assert CARD.match(m.value), (where, m.label, m.value)


@pytest.mark.parametrize("username", ["coord", "h1", "lead"])
def test_every_page_formats(app_db, username) -> None:
    roles = {"coord": "coordinator", "h1": "hospital", "lead": "leadership"}
    at = sign_in(username, timeout=120)
    seen = 0
    for name in PAGES_BY_ROLE_SRC[roles[username]]:
        at.switch_page(f"webapp/pages/{name}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        seen += check_tables(at, f"{username}/{name}")
        check_cards(at, f"{username}/{name}")
    assert seen >= 3


def test_plan_page_formats(app_db) -> None:
    at = sign_in("coord", timeout=120)
    at.switch_page("webapp/pages/plan.py").run()
    [b for b in at.button if "计算分配方案" in (b.label or "")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    check_cards(at, "plan")
    assert check_tables(at, "plan") >= 3
    at.button(key="plan_compare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    check_tables(at, "plan/compare")
    cmp = next(df.value for df in at.dataframe if "单位成本（元/单位）" in df.value.columns)
    assert "分配量" in cmp.columns  # like-for-like: the volume each scenario buys beside its cost


def test_english_cards_fit(app_db) -> None:
    at = sign_in("lead", timeout=120)
    at.radio(key="lang_radio").set_value("en").run()
    for m in at.metric:
        assert "10k" not in m.value and len(m.value) <= 14, (m.label, m.value)


def test_format_functions() -> None:
    # worked by hand: separators, the % sign, yuan rounding, dates, blanks
    assert formats.num(1064400) == "1,064,400"
    assert formats.pct(0.70041) == "70.04%" and formats.pct(None) == ""
    assert formats.yuan(156700.4) == "156,700 元" and formats.yuan(-52.6, "en") == "-¥53"
    assert formats.wan(1_064_400) == "106.44 万元" and formats.wan(1_064_400, "en") == "¥1,064,400"
    assert formats.metric("overdue_amount", 12_345.0) == "12,345 元"  # a yuan matters here: no 万元
    assert formats.metric("agreed_amount", 1_064_400.0) == "106.44 万元"
    assert formats.metric_help("agreed_amount", 1_064_400.0) == "= 1,064,400 元"
    assert formats.metric("completion_rate", float("nan")) == "—"
    assert formats.day(pd.Timestamp("2026-03-05 00:00:00")) == "2026-03-05"
    shown = formats.table(pd.DataFrame({"capacity": [1500.0, None], "unit_price": [1.24815, 2.0],
                                        "switched": [True, False]}))
    assert shown["供应能力"].tolist() == ["1,500", ""]
    assert shown.attrs["formats"] == {"中选单价（元/单位）": "%,.4f"}
    assert shown["切换企业"].tolist() == ["是", "否"]


# app.PAGES_BY_ROLE (importing app.py would run the app outside AppTest)
PAGES_BY_ROLE_SRC = {
    "coordinator": ("track", "payments", "savings", "upload", "plan", "accounts"),
    "hospital": ("track", "payments", "savings", "upload"),
    "leadership": ("savings", "track", "payments"),
}


def test_savings_change_since_last_month() -> None:
    from datetime import date

    from webapp.views.savings import month_change

    # by hand: 300 + 200 realised before December, 50 in December up to the 10th -> 50 this month, 500 before
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-10-01", "2026-11-01", "2026-12-01"]),
                            "savings_realized": [300.0, 200.0, 50.0]})
    assert month_change(monthly, date(2026, 12, 10), 550.0) == (50.0, 500.0)
    assert month_change(monthly.iloc[0:0], date(2026, 12, 10), 550.0) == (None, None)
