"""procurement.arrays.stable_argsort is numpy's stable argsort, whatever the span of the values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.arrays import stable_argsort


def test_by_hand():
    # ties keep their input order; 70000 and 65536 differ only in the high 16-bit digit
    number = np.array([70000, 5, 65536, 5, 0, 70000, 1])
    assert stable_argsort(number).tolist() == [4, 6, 1, 3, 2, 0, 5]
    assert stable_argsort(np.array([], dtype=np.int64)).tolist() == []
    assert stable_argsort(np.array([3, 3, 7])).tolist() == [0, 1, 2]  # in order already
    assert stable_argsort(np.array([-5, 2**40, -5, 0])).tolist() == [0, 2, 3, 1]  # beyond 32 bits


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-(2**33), 2**33), max_size=80), st.integers(0, 4), st.booleans(), st.booleans())
def test_is_numpys_stable_sort(values, shift, presorted, unsigned):
    number = np.array(values, dtype=np.int64) >> (shift * 8)  # spans below 2**16, below 2**32 and above
    if unsigned:
        number = np.abs(number).astype(np.uint64)
    if presorted:
        number = np.sort(number)
    assert stable_argsort(number).tolist() == np.argsort(number, kind="stable").tolist()
