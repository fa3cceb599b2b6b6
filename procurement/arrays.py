"""Integer array helpers the fast paths share: sorting, and grouping rows by several code columns.

Grouping by several columns is done on one int64 number per row, the row's codes read as the digits
of a mixed-radix number; hashing or sorting one integer column is many times cheaper than doing so
for a tuple of strings. Everything that numbers rows that way goes through this module, so there is
one overflow guard (:func:`key_fits`) and one convention for a blank value:

A *coded column* is ``(codes, n)``: ``codes`` number the ``n`` distinct values 0..n-1, and a blank
is ``-1`` (what ``pd.factorize`` and a Categorical give) or, equally, ``n``. A blank is a value of
its own that sorts after every other (as pandas' ``groupby(..., dropna=False)`` puts it), so the
column's radix is ``n + 1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

Coded = tuple[np.ndarray, int]  # codes (0..n-1 values, -1 or n blank) and n, the number of values

KEY_LIMIT = 2**63  # an int64 holds 0 .. 2**63 - 1: a key fits when the product of the radices is at most this


class KeyOverflowError(OverflowError):
    """A mixed-radix key over these columns would not fit in an int64 (numpy would wrap silently)."""


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, faster for the integer codes this tool sorts.

    The same order, always. Values already in order are not sorted at all (deliveries read by
    date, lines in bucket order). Integers spanning fewer than 2**16 values are sorted as uint16,
    which numpy radix-sorts (about six times faster than its merge sort of 64-bit keys); spans
    below 2**32 (hospitals x days, say) in two such passes over 16-bit digits, low digit first.
    """
    n = values.size
    if n > 1 and bool((values[1:] >= values[:-1]).all()):
        return np.arange(n)
    if n and values.dtype.kind in "iu":
        low = int(values.min())
        span = int(values.max()) - low
        if span < 2**16:
            return np.argsort((values - low).astype(np.uint16), kind="stable")
        if span < 2**32:
            shifted = values.astype(np.int64) - low
            order = np.argsort((shifted & 0xFFFF).astype(np.uint16), kind="stable")
            return order[np.argsort((shifted >> 16).astype(np.uint16)[order], kind="stable")]
    return np.argsort(values, kind="stable")


# --- mixed-radix keys ----------------------------------------------------------------------------


def key_fits(sizes: Iterable[int]) -> bool:
    """Whether a key over coded columns of these sizes (radices ``n + 1``) always fits in an int64.

    The one overflow guard: exact integer arithmetic, no float rounding near the boundary. The
    largest key is the product of the radices minus one, so the product may be at most 2**63.
    """
    return math.prod(int(n) + 1 for n in sizes) <= KEY_LIMIT


def blank_last(codes: np.ndarray, n: int) -> np.ndarray:
    """``codes`` with a blank (-1) written as ``n``, the code after every value (no copy if none is)."""
    codes = np.asarray(codes)
    if codes.size and int(codes.min()) < 0:
        return np.where(codes < 0, np.int64(n), codes)  # int64: n may not fit the codes' small type
    return codes


def mixed_radix(*columns: Coded) -> np.ndarray:
    """One int64 per row, equal for two rows exactly when all their codes are (a blank equal to a
    blank), ordered as the tuples of codes are with blanks last. Raises :class:`KeyOverflowError`
    when the key could overflow (:func:`key_fits`); :func:`first_seen` and :func:`sorted_groups_of`
    fall back to a safe path instead."""
    if not columns:
        raise ValueError("a key needs at least one column")
    sizes = [int(n) for _, n in columns]
    if not key_fits(sizes):
        raise KeyOverflowError(
            f"a key over columns of {sizes} values does not fit in 64 bits (product of radices > 2**63)"
        )
    (codes, n), rest = columns[0], columns[1:]
    key = blank_last(codes, n).astype(np.int64, copy=True)
    for codes, n in rest:  # in place: no stacked copy of the columns, one pass each
        key *= n + 1
        key += blank_last(codes, n)
    return key


def offsets(values: np.ndarray) -> Coded:
    """Integers none of which is blank (days, months, dense codes) as a coded column: their offsets
    from the smallest, as many values as the span from the smallest to the largest."""
    values = np.asarray(values, dtype=np.int64)
    if values.size == 0:
        return values, 0
    low = int(values.min())
    return values - low, int(values.max()) - low + 1


def split_key(key: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """The codes a :func:`mixed_radix` key was made of (blanks as ``n``), one array per column."""
    digits = []
    rest = np.asarray(key, dtype=np.int64)
    for n in reversed(sizes[1:]):
        rest, digit = np.divmod(rest, int(n) + 1)
        digits.append(digit)
    return [rest, *reversed(digits)]


def first_seen(*columns: Coded) -> np.ndarray:
    """One dense code (0, 1, ...) per distinct tuple of codes, numbered in order of first appearance.

    One mixed-radix number per row and a single hash pass when the key fits; else the columns are
    combined two at a time (a dense code has at most as many values as rows: that always fits).
    """
    try:
        return pd.factorize(mixed_radix(*columns))[0].astype(np.int64)
    except KeyOverflowError:
        out = pd.factorize(blank_last(*columns[0]))[0].astype(np.int64)
        for column in columns[1:]:
            out = pd.factorize(mixed_radix((out, int(out.max(initial=-1)) + 1), column))[0].astype(np.int64)
        return out


def sorted_groups_of(*columns: Coded) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group (0, 1, ... in sorted order of the tuples of codes, blanks last) and each
    group's first row, as :func:`sorted_groups` of their :func:`mixed_radix` key.

    When the key could overflow the columns are combined two at a time, each step numbering the
    groups in sorted order, which is the order of the whole tuples.
    """
    try:
        return sorted_groups(mixed_radix(*columns))
    except KeyOverflowError:
        group, first = sorted_groups(blank_last(*columns[0]).astype(np.int64))
        for column in columns[1:]:
            group, first = sorted_groups(mixed_radix((group, first.size), column))
        return group, first


def sorted_groups(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group number in sorted order of ``code`` (non-negative) and each group's first row.

    What ``np.unique(code, return_index=True, return_inverse=True)`` gives, without sorting millions
    of rows: when the codes span a small range (hospital x product x supplier), a count per possible
    code numbers the groups.
    """
    n = code.size
    top = int(code.max()) + 1 if n else 0
    if top <= 4 * n + 1_000_000:
        present = np.bincount(code, minlength=top) > 0
        group = (np.cumsum(present) - 1)[code]
        k = int(present.sum())
    else:
        group, uniques = pd.factorize(code, sort=True)
        k = len(uniques)
    first = np.full(k, n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n))  # a plain ufunc.at: fast since numpy 1.25 (~15 ms here)
    return group, first
