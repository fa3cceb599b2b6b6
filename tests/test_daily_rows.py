"""Series rows (``daily.to_rows``) byte for byte, worked out by hand."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement import daily


def test_to_rows_cuts_each_keys_days_and_totals_in_day_order():
    keys = pd.DataFrame({
        "hospital_id": ["H2", "H1"], "product_id": ["P1", ""], "generic_name": ["甲", "乙"],
        "specification": ["5mg", ""], "supplier": ["企业甲", "企业乙"], "winning": [True, False],
    })
    # key 1 (H1) on days 10 and 3, key 0 (H2) on day 7; given out of order on purpose
    totals = daily.DayTotals(keys, np.array([1, 0, 1]), np.array([10, 7, 3]), np.array([2.0, 5.0, 1.5]),
                             np.array([np.nan, 4.0, 0.5]))
    rows = daily.to_rows(totals)
    assert rows == [
        ("H2", "P1", "甲", "5mg", "企业甲", True, struct.pack("<i", 7), struct.pack("<d", 5.0), struct.pack("<d", 4.0)),
        ("H1", "", "乙", "", "企业乙", False, struct.pack("<2i", 3, 10), struct.pack("<2d", 1.5, 2.0),
         struct.pack("<2d", 0.5, float("nan"))),
    ]
    assert all(type(r[5]) is bool and all(type(b) is bytes for b in r[6:]) for r in rows)


def test_to_rows_of_nothing():
    assert daily.to_rows(daily.DayTotals.empty()) == []


@settings(max_examples=60, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 2), st.integers(0, 20)), min_size=1, max_size=30), st.randoms())
def test_to_rows_is_the_same_in_any_input_order(pairs, rnd):
    keys = pd.DataFrame({"hospital_id": ["H0", "H1", "H2"], "product_id": "P", "generic_name": "甲",
                         "specification": "", "supplier": "企业", "winning": [True, False, True]})
    ordered = sorted(pairs)
    shuffled = list(ordered)
    rnd.shuffle(shuffled)

    def totals(seq):
        k, d = np.array([p[0] for p in seq]), np.array([p[1] for p in seq])
        return daily.DayTotals(keys, k, d, d * 1.5, k + 0.25)

    assert daily.to_rows(totals(shuffled)) == daily.to_rows(totals(ordered))
