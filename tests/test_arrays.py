"""procurement.arrays: stable_argsort is numpy's stable argsort, whatever the span of the values; a
mixed-radix key is equal for two rows exactly when their codes are, and never wraps around."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.arrays import (
    KeyOverflowError,
    first_seen,
    key_fits,
    mixed_radix,
    sorted_groups,
    sorted_groups_of,
    split_key,
    stable_argsort,
)


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


# --- mixed-radix keys (procurement.arrays.mixed_radix and the groupings on it) --------------------


def test_mixed_radix_by_hand():
    # hospital codes of 3 values, product codes of 4 values: radices 4 and 5 (a blank each), so
    # key = hospital x 5 + product, a blank (-1) read as the code after the values (3, resp. 4)
    hospital = np.array([0, 2, -1, 0, 3], dtype=np.int8)  # 3 is written-out blank: the same as -1
    product = np.array([1, 3, 0, -1, 0])
    key = mixed_radix((hospital, 3), (product, 4))
    assert key.tolist() == [0 * 5 + 1, 2 * 5 + 3, 3 * 5 + 0, 0 * 5 + 4, 3 * 5 + 0]
    assert key.dtype == np.int64
    assert [d.tolist() for d in split_key(key, [3, 4])] == [[0, 2, 3, 0, 3], [1, 3, 0, 4, 0]]
    # a single column is its codes with the blank last; a code above 127 in an int8 column's blank
    assert mixed_radix((np.array([-1, 1], dtype=np.int8), 200)).tolist() == [200, 1]


def test_first_seen_and_sorted_groups_by_hand():
    a = (np.array([1, 0, 1, -1, 0, 1]), 2)
    b = (np.array([0, 0, 0, 1, 0, 2]), 3)
    # tuples (1,0) (0,0) (1,0) (blank,1) (0,0) (1,2): numbered as first seen
    assert first_seen(a, b).tolist() == [0, 1, 0, 2, 1, 3]
    # sorted: (0,0) < (1,0) < (1,2) < (blank,1); first rows 1, 0, 5, 3
    group, first = sorted_groups_of(a, b)
    assert group.tolist() == [1, 0, 1, 3, 0, 2]
    assert first.tolist() == [1, 0, 5, 3]
    empty = (np.array([], dtype=np.int64), 0)
    assert first_seen(empty, empty).tolist() == []
    assert [x.tolist() for x in sorted_groups_of(empty, empty)] == [[], []]


def test_overflow_is_pinned_at_the_boundary():
    # radices (n + 1) multiply to exactly 2**63: the largest key, 2**63 - 1, is int64's largest
    assert key_fits([2**32 - 1, 2**31 - 1])
    top = mixed_radix((np.array([-1, 0]), 2**32 - 1), (np.array([-1, 0]), 2**31 - 1))
    assert top.tolist() == [2**63 - 1, 0]
    assert key_fits([2**63 - 1])
    # one more value in either column: 2**32 x (2**31 + 1) > 2**63, refused, not wrapped
    assert not key_fits([2**32 - 1, 2**31])
    assert not key_fits([2**32, 2**31 - 1])
    assert not key_fits([2**63])
    with pytest.raises(KeyOverflowError):
        mixed_radix((np.array([0]), 2**32 - 1), (np.array([0]), 2**31))
    # (2**62 + 1) x 2 = 2**63 + 2: refused; a float product rounds it to 2**63 and would let it through
    assert not key_fits([2**62, 1])
    assert float(2**62 + 1) * 2 == 2.0**63
    assert key_fits([1] * 63) and not key_fits([1] * 64)  # 2**63 fits, 2**64 does not


def test_overflowing_columns_group_on_the_safe_path():
    # three columns of 2**30 values: 2**90 possible tuples, no key; the same groups all the same
    n = 2**30
    big = [(np.array([5, n - 1, 5, -1, 5]), n), (np.array([7, 0, 7, 7, -1]), n), (np.array([1, 2, 1, 1, 1]), n)]
    with pytest.raises(KeyOverflowError):
        mixed_radix(*big)
    assert first_seen(*big).tolist() == [0, 1, 0, 2, 3]
    group, first = sorted_groups_of(*big)
    # (5,7,1) (n-1,0,2) (5,7,1) (blank,7,1) (5,blank,1): sorted (5,7,1) < (5,blank,1) < (n-1,0,2) < (blank,7,1)
    assert group.tolist() == [0, 2, 0, 3, 1]
    assert first.tolist() == [0, 4, 1, 3]


_column = st.integers(1, 6).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.integers(-1, n), min_size=12, max_size=12))
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_column, min_size=1, max_size=4), st.booleans())
def test_keys_are_equal_exactly_when_every_code_is(columns, huge):
    # codes 0..n-1 are values, -1 and n both a blank; with ``huge`` each column claims 2**40 values
    # (its blanks written -1) so the key overflows and the groupings take the pairwise path
    size = [2**40 if huge else n for n, _ in columns]
    coded = [(np.array([-1 if huge and c == n else c for c in codes]), s)
             for (n, codes), s in zip(columns, size, strict=True)]
    # the expected answers from plain tuples: a blank is the column's size, after every value
    rows = list(zip(*[[s if c in (-1, n) else c for c in codes] for (n, codes), s in zip(columns, size, strict=True)],
                    strict=True))
    numbered: dict[tuple, int] = {}
    assert first_seen(*coded).tolist() == [numbered.setdefault(r, len(numbered)) for r in rows]
    distinct = sorted(set(rows))
    group, first = sorted_groups_of(*coded)
    assert group.tolist() == [distinct.index(r) for r in rows]
    assert first.tolist() == [rows.index(t) for t in distinct]
    if not huge:
        key = mixed_radix(*coded).tolist()
        assert [sorted(set(key)).index(k) for k in key] == group.tolist()  # equal and ordered as the tuples
        assert list(zip(*split_key(np.array(key), size), strict=True)) == rows


# (from test_daily_rows: the day totals number their keys this way)
def test_sorted_groups_of_by_hand():
    codes = [np.array([1, 0, 1, 0, 1]), np.array([2, 5, 2, 5, 0])]  # tuples (1,2) (0,5) (1,2) (0,5) (1,0)
    key, first = sorted_groups_of((codes[0], 2), (codes[1], 6))
    assert key.tolist() == [2, 0, 2, 0, 1]  # sorted tuples: (0,5) -> 0, (1,0) -> 1, (1,2) -> 2
    assert first[0] in (1, 3) and first[1] == 4 and first[2] in (0, 2)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 1)), min_size=1, max_size=40))
def test_sorted_groups_of_numbers_tuples_in_sorted_order(rows):
    codes = [np.array([r[i] for r in rows]) for i in range(3)]
    key, first = sorted_groups_of((codes[0], 5), (codes[1], 4), (codes[2], 2))
    distinct = sorted(set(rows))
    assert key.tolist() == [distinct.index(r) for r in rows]
    assert [rows[i] for i in first] == distinct


# (from test_report_categorical: the report's groupings rest on it)
int_arrays = st.lists(st.integers(0, 70_000), min_size=0, max_size=3000).map(lambda v: np.array(v, dtype=np.int64))


@settings(max_examples=40, deadline=None)
@given(int_arrays)
def test_sorted_groups_are_numpys_unique(code):
    if code.size == 0:
        return
    group, first = sorted_groups(code)
    _, want_first, want_group = np.unique(code, return_index=True, return_inverse=True)
    assert np.array_equal(group, want_group.reshape(-1)) and np.array_equal(first, want_first)
