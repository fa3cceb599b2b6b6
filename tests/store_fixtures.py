"""Shared fixtures for the store tests: an engine per test on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from procurement import store
from procurement.model import conform

PG_URL = os.environ.get("VBP_TEST_PG_URL")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="VBP_TEST_PG_URL not set")],
    ),
]


def make_engine(backend: str, tmp_path) -> Iterator[sa.Engine]:
    """A fresh, empty store; on PostgreSQL a schema of its own so parallel tests never meet."""
    if backend == "sqlite":
        engine = store.get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
        yield engine
        engine.dispose()
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in PG_URL else "?"
    engine = store.get_engine(f"{PG_URL}{sep}options=-csearch_path%3D{name}")
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    admin.dispose()


def hospitals(*ids: str) -> pd.DataFrame:
    return conform(
        "hospitals", pd.DataFrame({"hospital_id": list(ids), "hospital_name": [f"医院{i}" for i in ids]})
    )


def products() -> pd.DataFrame:
    return conform(
        "products",
        pd.DataFrame(
            {
                "product_id": ["P1", "P2"],
                "batch": ["第一批", "第一批"],
                "generic_name": ["阿莫西林", "氨氯地平"],
                "specification": ["0.25g", "5mg"],
                "supplier": ["甲药业", "乙药业"],
                "unit_price": [0.5, 0.1],
                "baseline_price": [1.0, float("nan")],
                "agreement_start": pd.to_datetime(["2020-01-01", "2020-01-01"]),
                "agreement_end": pd.to_datetime(["2020-12-31", "2020-12-31"]),
            }
        ),
    )


def purchases(rows: list[tuple]) -> pd.DataFrame:
    """rows: (order_id, date, hospital_id, product_id or None, quantity, amount)."""
    names = {
        "P1": ("阿莫西林", "0.25g", "甲药业"),
        "P2": ("氨氯地平", "5mg", "乙药业"),
        None: ("阿莫西林", "0.25g", "丙药厂"),
    }
    frame = pd.DataFrame(
        rows, columns=["order_id", "date", "hospital_id", "product_id", "quantity", "amount"]
    )
    frame["date"] = pd.to_datetime(frame["date"])
    info = frame["product_id"].map(lambda p: names[p if isinstance(p, str) else None])
    frame["generic_name"] = info.str[0]
    frame["specification"] = info.str[1]
    frame["supplier"] = info.str[2]
    frame["winning"] = frame["product_id"].notna()
    return conform("purchases", frame)


def payments(rows: list[tuple]) -> pd.DataFrame:
    """rows: (payment_id, order_id or None, hospital_id, amount, date)."""
    frame = pd.DataFrame(rows, columns=["payment_id", "order_id", "hospital_id", "amount", "date"])
    frame["date"] = pd.to_datetime(frame["date"])
    return conform("payments", frame)


def agreements(rows: list[tuple]) -> pd.DataFrame:
    return conform("agreements", pd.DataFrame(rows, columns=["hospital_id", "product_id", "agreed_volume"]))
