"""Daily purchase totals, stored as one compact series per hospital and drug.

Reports need purchases per hospital, drug and day (payment matching works on delivery days), never
order lines. A year of a large alliance is millions of such day totals; read as rows through a
database cursor they cost seconds per million. So the store keeps, per hospital and drug key
(hospital_id, product_id, generic_name, specification, supplier, winning), three binary columns:
the days (little-endian int32, days since 1970-01-01, ascending, unique) and the quantity and
amount totals of those days (little-endian float64). Loading a whole alliance is then a few
thousand rows and ``numpy.frombuffer``.

This module is pure: it turns lines into day totals, day totals into series rows and back, and
splices recomputed days into stored series. The store does the SQL around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from procurement.arrays import mixed_radix, offsets, sorted_groups_of, split_key

# The key of a series; blanks are stored as '' (they are part of the primary key).
KEY_COLUMNS: tuple[str, ...] = ("hospital_id", "product_id", "generic_name", "specification", "supplier", "winning")
STRING_KEYS: tuple[str, ...] = KEY_COLUMNS[:-1]
DAY_DTYPE = np.dtype("<i4")
VALUE_DTYPE = np.dtype("<f8")
_EPOCH = np.datetime64("1970-01-01", "D")


class DayTotals:
    """Day totals in columns: a key table and, per total, its key row, day, quantity and amount.

    ``keys`` holds the KEY_COLUMNS (strings with '' for blank, winning as bool), one row per key;
    ``key``, ``day``, ``quantity``, ``amount`` are equally long arrays, sorted by (key, day) with
    no repeated pair once :meth:`normalised`.
    """

    def __init__(self, keys: pd.DataFrame, key: np.ndarray, day: np.ndarray, quantity: np.ndarray,
                 amount: np.ndarray) -> None:
        self.keys = keys.reset_index(drop=True)
        self.key = np.asarray(key, dtype=np.int64)
        self.day = np.asarray(day, dtype=np.int64)
        self.quantity = np.asarray(quantity, dtype="float64")
        self.amount = np.asarray(amount, dtype="float64")

    def __len__(self) -> int:
        return int(self.key.size)

    def buckets(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct (hospital_id, day) pairs these totals cover, as two arrays."""
        if not len(self):
            return np.array([], dtype=object), np.array([], dtype=np.int64)
        hosp_codes, hosp_uniques = pd.factorize(self.keys["hospital_id"].to_numpy(dtype=object))
        hospital, day = (hosp_codes[self.key], len(hosp_uniques)), offsets(self.day)
        pairs = np.unique(mixed_radix(hospital, day))
        pair_hospital, pair_day = split_key(pairs, [hospital[1], day[1]])
        return np.asarray(hosp_uniques, dtype=object)[pair_hospital], pair_day + int(self.day.min())

    @classmethod
    def empty(cls) -> DayTotals:
        keys = pd.DataFrame({c: pd.Series(dtype=bool if c == "winning" else object) for c in KEY_COLUMNS})
        none = np.array([], dtype=np.int64)
        return cls(keys, none, none, none.astype("float64"), none.astype("float64"))


Factorized = Mapping[str, tuple[np.ndarray, Any]]  # column -> (codes with -1 for blank, distinct values)


def factorize_keys(lines: pd.DataFrame, *, sorted_column: str | None = None) -> dict[str, tuple[np.ndarray, Any]]:
    """``pd.factorize`` of each string key column (``sorted_column``'s codes in value order): hashing a
    million strings is the dearest step of counting totals, so a caller that needs the codes too
    (the store orders and binds rows with them) makes them once and passes them to :func:`from_lines`."""
    return {col: pd.factorize(lines[col], sort=col == sorted_column) for col in STRING_KEYS}


def _key_codes(frame: pd.DataFrame, factorized: Factorized) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per key column, the rows' codes and the distinct values ('' for blank, shared with a stored '')."""
    codes, values = [], []
    for col in STRING_KEYS:
        c, uniques = factorized[col] if col in factorized else pd.factorize(frame[col])
        uniques = np.asarray(uniques, dtype=object)
        blank = np.flatnonzero(uniques == "")
        if (c < 0).any():
            if blank.size:
                c = np.where(c < 0, blank[0], c)
            else:
                c = np.where(c < 0, uniques.size, c)
                uniques = np.append(uniques, "")
        codes.append(c.astype(np.int64))
        values.append(uniques)
    winning = frame["winning"].fillna(False).astype(bool).to_numpy()
    codes.append(winning.astype(np.int64))
    values.append(np.array([False, True], dtype=object))
    return codes, values


def day_numbers(dates: Any) -> np.ndarray:
    """Days since 1970-01-01 of a date column (no blanks: a stored line always has its date)."""
    return (np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]") - _EPOCH).astype(np.int64)


def from_lines(lines: pd.DataFrame, factorized: Factorized | None = None) -> DayTotals:
    """Sum order lines (canonical purchases columns) per key and day.

    Amounts follow SQL's SUM: blanks are skipped, and a day whose amounts are all blank stays blank.
    Lines without a date belong to no day (no report counts them) and are left out.
    ``factorized``: :func:`factorize_keys` of ``lines``, when the caller has it already.
    """
    factorized = dict(factorized or {})
    dated = lines["date"].notna().to_numpy()
    if not dated.all():
        lines = lines[dated]
        factorized = {col: (c[dated], uniques) for col, (c, uniques) in factorized.items()}
    if lines.empty:
        return DayTotals.empty()
    codes, values = _key_codes(lines, factorized)
    key, first = sorted_groups_of(*((c, len(v)) for c, v in zip(codes, values, strict=True)))
    keys = pd.DataFrame({c: values[i][codes[i][first]] for i, c in enumerate(KEY_COLUMNS)})
    keys["winning"] = keys["winning"].astype(bool)
    day = day_numbers(lines["date"])
    days = offsets(day)
    cell, inverse = np.unique(mixed_radix((key, first.size), days), return_inverse=True)
    inverse = inverse.reshape(-1)
    cell_key, cell_day = split_key(cell, [first.size, days[1]])
    return DayTotals(keys, cell_key, cell_day + int(day.min()),
                     _sum_skipping_blanks(inverse, lines["quantity"].to_numpy(dtype="float64"), cell.size),
                     _sum_skipping_blanks(inverse, lines["amount"].to_numpy(dtype="float64"), cell.size))


def _sum_skipping_blanks(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per group, the sum of its non-blank values in row order; NaN when all are blank (SQL's SUM)."""
    present = ~np.isnan(values)
    total = np.bincount(group, weights=np.where(present, values, 0.0), minlength=n)
    counted = np.bincount(group, weights=present, minlength=n)
    return np.where(counted > 0, total, np.nan)


def from_rows(rows: Sequence[Sequence[Any]]) -> DayTotals:
    """Day totals from stored series rows: the KEY_COLUMNS, then days, quantity, amount blobs."""
    if not rows:
        return DayTotals.empty()
    width = len(KEY_COLUMNS)
    keys = pd.DataFrame([tuple(r[:width]) for r in rows], columns=list(KEY_COLUMNS))
    keys["winning"] = keys["winning"].astype(bool)
    # one join per column (a single C-level copy) into a writable buffer, then one frombuffer each
    lengths = np.fromiter((len(r[width]) for r in rows), dtype=np.int64, count=len(rows)) // DAY_DTYPE.itemsize
    key = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    day = np.frombuffer(b"".join(r[width] for r in rows), dtype=DAY_DTYPE).astype(np.int64)
    quantity = np.frombuffer(bytearray().join(r[width + 1] for r in rows), dtype=VALUE_DTYPE)
    amount = np.frombuffer(bytearray().join(r[width + 2] for r in rows), dtype=VALUE_DTYPE)
    return DayTotals(keys, key, day, quantity, amount)


def to_rows(totals: DayTotals) -> list[tuple[Any, ...]]:
    """Series rows (KEY_COLUMNS, days, quantity, amount blobs) of every key with at least one day."""
    if not len(totals):
        return []
    key, day, quantity, amount = totals.key, totals.day, totals.quantity, totals.amount
    step = key[1:] - key[:-1]
    if not bool(((step > 0) | ((step == 0) & (day[1:] > day[:-1]))).all()):  # from_lines' order: no sort
        order = np.lexsort((day, key))
        key, day, quantity, amount = key[order], day[order], quantity[order], amount[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size].astype(np.int64)
    # each column's bytes made once and cut per key: a bytes slice is cheaper than a numpy slice + tobytes
    days_b, q_b, a_b = day.astype(DAY_DTYPE).tobytes(), quantity.astype(VALUE_DTYPE).tobytes(), amount.astype(VALUE_DTYPE).tobytes()
    records = totals.keys.to_numpy(dtype=object)[key[starts]].tolist()
    d, v = DAY_DTYPE.itemsize, VALUE_DTYPE.itemsize
    return [
        (*k[:-1], bool(k[-1]), days_b[s * d : e * d], q_b[s * v : e * v], a_b[s * v : e * v])
        for k, s, e in zip(records, starts.tolist(), ends.tolist(), strict=True)
    ]


def splice(stored: DayTotals, hospitals: np.ndarray, days: np.ndarray, fresh: DayTotals) -> DayTotals:
    """Stored totals with every touched (hospital_id, day) bucket replaced by the fresh totals.

    The touched buckets are the pairs ``(hospitals[i], days[i])``. ``fresh`` holds everything those
    buckets contain now (a bucket may have lost a key entirely); other buckets keep their totals.
    """
    keys = pd.concat([stored.keys, fresh.keys], ignore_index=True)
    coded = [pd.factorize(keys[c].to_numpy(dtype=object) if c != "winning" else keys[c].to_numpy(dtype=bool))
             for c in KEY_COLUMNS]
    joint, first = sorted_groups_of(*((codes, len(uniques)) for codes, uniques in coded))
    merged_keys = keys.iloc[first].reset_index(drop=True)
    old_key = joint[: len(stored.keys)][stored.key]
    new_key = joint[len(stored.keys):][fresh.key]

    keep = np.ones(len(stored), dtype=bool)
    if len(hospitals) and len(stored):
        hosp_codes, _ = pd.factorize(
            np.concatenate([stored.keys["hospital_id"].to_numpy(dtype=object), np.asarray(hospitals, dtype=object)])
        )
        n_hosp = int(hosp_codes.max()) + 1
        row_hosp = hosp_codes[: len(stored.keys)][stored.key]
        t_hosp = hosp_codes[len(stored.keys):]
        t_day = np.asarray(days, dtype=np.int64)
        day, n_days = offsets(np.concatenate([stored.day, t_day]))
        stored_day, t_day = day[: len(stored)], day[len(stored):]
        keep = ~np.isin(mixed_radix((row_hosp, n_hosp), (stored_day, n_days)), mixed_radix((t_hosp, n_hosp), (t_day, n_days)))
    return DayTotals(
        merged_keys,
        np.concatenate([old_key[keep], new_key]),
        np.concatenate([stored.day[keep], fresh.day]),
        np.concatenate([stored.quantity[keep], fresh.quantity]),
        np.concatenate([stored.amount[keep], fresh.amount]),
    )


def _small_codes(codes: np.ndarray, size: int) -> np.ndarray:
    """``codes`` in the integer type pandas keeps for ``size`` categories (no later conversion pass)."""
    for kind in (np.int8, np.int16, np.int32):
        if size < np.iinfo(kind).max:
            return codes.astype(kind)
    return codes.astype(np.int64)


def to_purchases(totals: DayTotals) -> pd.DataFrame:
    """The day totals as purchase rows (no order id), string columns as sorted categoricals.

    Categoricals keep a few thousand distinct strings instead of millions of copies: the frame is
    small and building it costs a ``take`` of small integer codes per column. Columns are made in
    their final order, in their final dtypes, and not copied into the frame: on millions of days
    every extra pass shows.
    """
    n = len(totals)
    frame: dict[str, Any] = {
        "order_id": pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype=object)),
        "date": (totals.day * np.int64(86_400 * 10**9)).view("datetime64[ns]"),
    }
    for col in ("hospital_id", "product_id", "generic_name", "specification", "supplier"):
        values = totals.keys[col].to_numpy(dtype=object)
        blank = values == ""
        # a few hundred distinct values among thousands of keys: sort the distinct ones only
        uniques = np.array(sorted(pd.unique(values[~blank])), dtype=object)
        categories = pd.Index(uniques, dtype=object)
        per_key = _small_codes(categories.get_indexer(values), len(uniques))  # '' -> -1 (blank)
        frame[col] = pd.Categorical.from_codes(
            per_key[totals.key], dtype=pd.CategoricalDtype(categories), validate=False
        )
    frame["quantity"] = totals.quantity
    frame["amount"] = totals.amount
    frame["winning"] = totals.keys["winning"].to_numpy(dtype=bool)[totals.key] if n else np.array([], dtype=bool)
    return pd.DataFrame(frame, copy=False)
