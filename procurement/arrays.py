"""Integer array helpers the fast paths share (pure numpy)."""

from __future__ import annotations

import numpy as np


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
