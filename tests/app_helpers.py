"""Shared set-up for the app tests: a temporary database with a small alliance and accounts."""

from __future__ import annotations

from pathlib import Path

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
