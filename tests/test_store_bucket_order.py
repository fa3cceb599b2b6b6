"""``store.bulk.bucket_order``: the (hospital, day) order purchases are first loaded in, now numbered
by the arrays kernel. Blank hospital codes (-1) and blank days sort last, ties keep the input order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.store.bulk import bucket_order


def days(*text: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(text)))


def test_hospital_then_day_blanks_last_ties_in_input_order():
    hospital = np.array([1, 0, -1, 0, 1, 0])
    dates = days("2026-01-02", None, "2026-01-01", "2026-01-03", "2026-01-02", "2026-01-03")
    # by hand: hospital 0 rows 3, 5 (Jan 3, input order) then 1 (blank day); hospital 1 rows 0, 4
    # (same day, input order); the blank hospital (row 2) last
    assert bucket_order(hospital, dates).tolist() == [3, 5, 1, 0, 4, 2]


def test_rows_already_in_order_need_no_sort():
    assert bucket_order(np.array([0, 0, 1, -1]), days("2026-01-01", None, "2025-12-31", "2020-01-01")) is None
    assert bucket_order(np.array([0]), days("2026-01-01")) is None


def test_times_of_day_sort_on_the_stamps():
    hospital = np.array([0, 0, -1, 0])
    dates = days("2026-01-01 18:00", "2026-01-01 06:00", "2026-01-01 00:00", None)
    assert bucket_order(hospital, dates).tolist() == [1, 0, 3, 2]  # 06:00 before 18:00, then the blank day


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.one_of(st.none(), st.integers(0, 500))), min_size=2, max_size=30))
def test_agrees_with_a_stable_sort_of_the_pairs(rows):
    hospital = np.array([h for h, _ in rows])
    dates = pd.Series([pd.NaT if d is None else pd.Timestamp("2026-01-01") + pd.Timedelta(days=d) for _, d in rows])
    # the answer without the kernel: Python's stable sort on (blank hospital last, blank day last)
    want = sorted(range(len(rows)), key=lambda i: (rows[i][0] < 0, rows[i][0], rows[i][1] is None, rows[i][1] or 0))
    got = bucket_order(hospital, dates)
    assert (list(range(len(rows))) if got is None else got.tolist()) == want
