"""Shared helpers for the app tests (the fixtures themselves live in tests/conftest.py): seeding a
database with a small alliance and accounts, signing in, switching pages, reading what a page shows."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from procurement import auth, store
from procurement.model import TABLE_KINDS, Dataset

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
PASSWORD = "test-password"


def seed_database(url: str, ds: Dataset) -> None:
    """Store ``ds`` and create one account per role (hospital h1 -> the first hospital)."""
    engine = store.get_engine(url)
    tables = {k: ds.table(k) for k in TABLE_KINDS if not ds.table(k).empty}
    store.import_tables(engine, tables, source_name="seed", file_hash="seed", user="test")
    first, second = ds.hospitals["hospital_id"].iloc[0], ds.hospitals["hospital_id"].iloc[1]
    auth.create_user(engine, "coord", PASSWORD, "coordinator")
    auth.create_user(engine, "lead", PASSWORD, "leadership")
    auth.create_user(engine, "h1", PASSWORD, "hospital", first)
    auth.create_user(engine, "h2", PASSWORD, "hospital", second)
    engine.dispose()


def ok(at: AppTest) -> AppTest:
    """``at`` after asserting the run raised nothing (the exception's text is the failure message)."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(username: str, password: str = PASSWORD, query: dict | None = None,
            timeout: float = 60) -> AppTest:
    """A fresh app signed in as ``username`` (``query``: parameters in the address before the first run)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.text_input(key="signin_user").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return ok(at.run())


def page(at: AppTest, name: str) -> AppTest:
    """Switch the signed-in app to ``webapp/pages/<name>.py``."""
    return ok(at.switch_page(f"webapp/pages/{name}.py").run())


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def number(text: str) -> float:
    """A card's figure as a number, in yuan for money ("106.44 万元" -> 1064400, "3,498 元" -> 3498)."""
    scale = 10_000 if "万元" in text else 1
    cleaned = text.replace(",", "").replace("万元", "").replace("元", "").replace("¥", "").replace("%", "").strip()
    return float(cleaned) * scale


def chart_text(el) -> str:
    """A plotly chart's spec as readable text (the proto holds it with escaped unicode)."""
    return json.dumps(json.loads(el.proto.spec), ensure_ascii=False)


def everything_shown(at: AppTest) -> str:
    """All text, tables and chart data of the rendered page, to search for what must not be there."""
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption] + [m.value for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [chart_text(el) for el in at.get("plotly_chart")]
    parts += [json.dumps(s.options, ensure_ascii=False) for s in at.multiselect]
    return "\n".join(str(p) for p in parts)


def purchases_xlsx(rows: list[dict]) -> bytes:
    """A one-sheet purchases workbook (采购记录) of ``rows`` under their Chinese headers."""
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False, sheet_name="采购记录")
    return buffer.getvalue()
