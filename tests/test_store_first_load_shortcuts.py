"""Shortcuts of the first import (issue 2): the uniqueness check of sorted keys and the page size of
a new SQLite file. Each must give what the general path gives."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_store_first_load import AWKWARD, lines

from procurement import store


@pytest.mark.parametrize(
    ("values", "unique"),
    [
        ([], True),
        (["O1"], True),
        (["O1", "O2", "O9"], True),  # ascending: the comparison pass alone
        (["O2", "O1", "O9"], True),  # not ascending: the hash pass decides
        (["O1", "O1", "O2"], False),  # a repeat next to itself is not ascending
        (["O1", "O2", "O1"], False),
        (["O3", "O2", "O1"], True),
        (["A10", "A9"], True),  # text order, not number order
        (["甲", "乙", "甲"], False),
    ],
)
def test_is_unique_by_hand(values, unique):
    assert store.transaction.is_unique(pd.Series(values, dtype="string")) is unique


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="AB甲0", max_size=3), max_size=12), st.booleans())
def test_is_unique_agrees_with_pandas(values, ascending):
    column = pd.Series(sorted(values) if ascending else values, dtype="string")
    assert store.transaction.is_unique(column) is (len(set(values)) == len(values))


def test_a_first_import_with_repeated_sorted_keys_keeps_the_last(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    rows = [AWKWARD[5], (*AWKWARD[5][:7], 99.0, *AWKWARD[5][8:]), AWKWARD[6]]  # O4, O4 again, O7
    summary = store.import_tables(engine, {"purchases": lines(rows)}, source_name="a", file_hash="a")
    assert summary.added == {"purchases": 2}
    got = store.load_dataset(engine, aggregated=False).purchases.set_index("order_id")["quantity"]
    assert got.to_dict() == {"O4": 99.0, "O7": 6.0}
    engine.dispose()


def test_a_new_file_gets_16k_pages_and_an_old_one_keeps_its_own(tmp_path):
    new = store.get_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with new.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar_one() == 16384
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    new.dispose()
    old_path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(old_path)
    raw.execute("CREATE TABLE t (a)")
    raw.close()
    old = store.get_engine(f"sqlite:///{old_path}")
    store.import_tables(old, {"purchases": lines(AWKWARD)}, source_name="a", file_hash="a")
    with old.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar_one() == 4096
    assert len(store.load_dataset(old, aggregated=False).purchases) == len(AWKWARD)
    old.dispose()


def test_a_first_import_leaves_both_purchase_indexes_sound(tmp_path):
    engine = store.get_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.begin() as conn:  # even when an older version left the in-order index out
        conn.exec_driver_sql("DROP INDEX ix_purchases_hospital_id_date")
    store.import_tables(engine, {"purchases": lines(AWKWARD)}, source_name="a", file_hash="a")
    with engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'purchases'")}
        assert {"ux_purchases_natural_key", "ix_purchases_hospital_id_date"} <= names
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        by_index = conn.exec_driver_sql(
            "SELECT order_id FROM purchases INDEXED BY ix_purchases_hospital_id_date "
            "WHERE hospital_id = 'H1' AND date = '2020-01-06' ORDER BY order_id"
        ).all()
    assert [r[0] for r in by_index] == ["O2", "O7"]  # by hand from AWKWARD
    engine.dispose()
