"""One pure function per metric of ``shared/spec/metrics.md``.

The app, the CLI and the Excel report all call these, so a figure means the same everywhere.
Functions take scalars or aligned arrays/Series; a ratio with a zero (or unknown) denominator is
``None`` for scalars and NaN in arrays (the report turns NaN into ``None``/null on the way out).
The payment ledger these payment metrics are read from is :mod:`procurement.ledger`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procurement.settings import Settings

PROGRESS_STATUSES: tuple[str, ...] = ("zero_purchase", "below_schedule", "over_purchase", "normal")
OVERDUE_BUCKETS: tuple[str, ...] = ("31-60", "61-90", ">90")
DEFAULT_SETTINGS = Settings()

ArrayLike = Any  # scalar, numpy array or pandas Series


def _is_scalar(*values: ArrayLike) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def ratio(num: ArrayLike, den: ArrayLike) -> ArrayLike:
    """num / den, undefined (None / NaN) where the denominator is zero or unknown, never inf."""
    if _is_scalar(num, den):
        if num is None or den is None or pd.isna(num) or pd.isna(den) or den == 0:
            return None
        return float(num) / float(den)
    n = np.asarray(num, dtype="float64")
    d = np.asarray(den, dtype="float64")
    out = np.full(np.broadcast(n, d).shape, np.nan)
    ok = np.broadcast_to((d != 0) & ~np.isnan(d), out.shape) & ~np.isnan(np.broadcast_to(n, out.shape))
    np.divide(np.broadcast_to(n, out.shape), np.broadcast_to(d, out.shape), out=out, where=ok)
    return _like(num if isinstance(num, pd.Series) else den, out)


def _like(template: ArrayLike, values: np.ndarray) -> ArrayLike:
    """Keep a Series' index so results align with their inputs."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index)
    return values


# --- volume and schedule -------------------------------------------------------------------------


def completion_rate(purchased_volume: ArrayLike, agreed_volume: ArrayLike) -> ArrayLike:
    """采购完成率: purchased / agreed."""
    return ratio(purchased_volume, agreed_volume)


def time_elapsed(as_of: date | pd.Timestamp, start: ArrayLike, end: ArrayLike) -> ArrayLike:
    """序时进度: (as_of − start + 1) / (end − start + 1) in days, capped to [0, 1].

    Both ends count as days of the period, so the last day gives exactly 1. Unknown period: NaN/None.
    """
    as_of = pd.Timestamp(as_of).normalize()
    if _is_scalar(start, end):
        if pd.isna(start) or pd.isna(end):
            return None
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        total = (end - start).days + 1
        if total <= 0:
            return None
        return float(min(max(((as_of - start).days + 1) / total, 0.0), 1.0))
    # cache=False: deciding whether to cache turns thousands of dates into Timestamps one by one
    s = pd.to_datetime(pd.Series(start), cache=False).to_numpy(dtype="datetime64[D]")
    e = pd.to_datetime(pd.Series(end), cache=False).to_numpy(dtype="datetime64[D]")
    day = np.timedelta64(1, "D")
    total = (e - s) / day + 1
    done = (np.datetime64(as_of.date(), "D") - s) / day + 1
    out = np.clip(ratio(done, np.where(total > 0, total, np.nan)), 0.0, 1.0)
    return _like(start if isinstance(start, pd.Series) else end, out)


def behind_schedule(completion: ArrayLike, elapsed: ArrayLike) -> ArrayLike:
    """Completion below time elapsed (低于序时进度): the one test of "behind schedule", for any level.

    Unknown completion (no agreed volume) or unknown elapsed time (no period) is never behind: there is
    nothing to be behind on. A zero completion is behind once its period has begun; progress_status
    names that case zero purchase first.
    """
    if _is_scalar(completion, elapsed):
        if completion is None or pd.isna(completion) or elapsed is None or pd.isna(elapsed):
            return False
        return bool(completion < elapsed)
    c = np.asarray(completion, dtype="float64")
    with np.errstate(invalid="ignore"):
        out = c < np.asarray(elapsed, dtype="float64")  # NaN on either side compares False
    return _like(completion if isinstance(completion, pd.Series) else elapsed, out)


def progress_status(purchased_volume: ArrayLike, completion: ArrayLike, elapsed: ArrayLike) -> ArrayLike:
    """进度状态 of a hospital x product: zero purchase, below time elapsed, over, or normal.

    Order matters: nothing bought is 'zero_purchase' even at day 1; over 100% is never 'below'.
    With no known period (elapsed NaN) a product cannot be below schedule.
    """
    if _is_scalar(purchased_volume, completion, elapsed):
        if purchased_volume is None or pd.isna(purchased_volume) or purchased_volume <= 0:
            return "zero_purchase"
        if completion is not None and not pd.isna(completion) and completion > 1:
            return "over_purchase"
        return "below_schedule" if behind_schedule(completion, elapsed) else "normal"
    p = np.nan_to_num(np.asarray(purchased_volume, dtype="float64"), nan=0.0)
    c = np.asarray(completion, dtype="float64")
    with np.errstate(invalid="ignore"):
        out = np.select(
            [p <= 0, c > 1, np.asarray(behind_schedule(c, elapsed), dtype=bool)],
            ["zero_purchase", "over_purchase", "below_schedule"],
            default="normal",
        )
    return _like(purchased_volume, out.astype(object))


def warning_window_open(as_of: date | pd.Timestamp, start: ArrayLike, from_month: int) -> ArrayLike:
    """Whether as_of is in the ``from_month``-th month of the period or later (start + months − 1)."""
    as_of = pd.Timestamp(as_of).normalize()
    offset = pd.DateOffset(months=from_month - 1)
    if _is_scalar(start):
        return bool(not pd.isna(start) and pd.Timestamp(start) + offset <= as_of)
    s = pd.to_datetime(pd.Series(start), cache=False)  # see time_elapsed
    out = ((s + offset) <= as_of).fillna(False).to_numpy(dtype=bool)
    return _like(start, out)


def warning(completion: ArrayLike, elapsed: ArrayLike, window_open: ArrayLike, factor: float = 0.8) -> ArrayLike:
    """预警: completion < factor × time elapsed, once the warning window is open.

    Unknown completion (no agreed volume) or period never warns: there is nothing to be behind on.
    """
    if _is_scalar(completion, elapsed, window_open):
        if completion is None or elapsed is None or pd.isna(completion) or pd.isna(elapsed):
            return False
        return bool(window_open and completion < factor * elapsed)
    c = np.asarray(completion, dtype="float64")
    t = np.asarray(elapsed, dtype="float64")
    with np.errstate(invalid="ignore"):
        out = np.asarray(window_open, dtype=bool) & (c < factor * t)
    return _like(completion, out)


def projected_completion(completion: ArrayLike, elapsed: ArrayLike) -> ArrayLike:
    """预计年度完成率: the current run rate carried to the period's end."""
    return ratio(completion, elapsed)


# --- money ---------------------------------------------------------------------------------------


def collection_rate(paid_amount: ArrayLike, purchase_amount: ArrayLike) -> ArrayLike:
    """回款率: paid / purchased amount."""
    return ratio(paid_amount, purchase_amount)


def paid_vs_agreed(paid_amount: ArrayLike, agreed_amount: ArrayLike) -> ArrayLike:
    """回款完成率(对约定金额): paid / agreed amount, the figure county reports publish."""
    return ratio(paid_amount, agreed_amount)


def on_time_rate(paid_on_time: ArrayLike, due_or_paid: ArrayLike) -> ArrayLike:
    """按时回款率: of the purchase amount due by as-of or already paid, the share paid within the
    payment term of its delivery.

    ``due_or_paid`` leaves out deliveries neither paid nor yet due (delivered fewer than the term's
    days before as-of): they cannot be late yet, and counting them would make every recent month
    look like late payment.
    """
    return ratio(paid_on_time, due_or_paid)


def avg_days_to_pay(amount_days: ArrayLike, matched_paid: ArrayLike) -> ArrayLike:
    """平均回款天数: Σ amount × days / Σ amount over paid deliveries (amount-weighted)."""
    return ratio(amount_days, matched_paid)


def overdue_bucket(age_days: ArrayLike, payment_days: int = 30) -> ArrayLike:
    """Aging bucket of an unpaid amount: '31-60', '61-90', '>90' (for a 30-day term), None if not due.

    With another term the buckets shift with it (term+1..term+30, term+31..term+60, beyond) but keep
    their labels, so reports stay comparable in shape.
    """
    if _is_scalar(age_days):
        if age_days is None or pd.isna(age_days) or age_days <= payment_days:
            return None
        if age_days <= payment_days + 30:
            return OVERDUE_BUCKETS[0]
        return OVERDUE_BUCKETS[1] if age_days <= payment_days + 60 else OVERDUE_BUCKETS[2]
    a = np.asarray(age_days, dtype="float64")
    with np.errstate(invalid="ignore"):
        out = np.select(
            [a <= payment_days, a <= payment_days + 30, a <= payment_days + 60, a > payment_days + 60],
            [None, OVERDUE_BUCKETS[0], OVERDUE_BUCKETS[1], OVERDUE_BUCKETS[2]],
            default=None,
        )
    return _like(age_days, out.astype(object))


def overdue_bucket_index(age_days: np.ndarray, payment_days: int = 30) -> np.ndarray:
    """:func:`overdue_bucket` as positions in ``OVERDUE_BUCKETS`` (-1: not due), for millions of rows."""
    a = np.asarray(age_days, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.select(
            [a <= payment_days, a <= payment_days + 30, a <= payment_days + 60, a > payment_days + 60],
            [-1, 0, 1, 2],
            default=-1,
        ).astype(np.int64)


# --- savings -------------------------------------------------------------------------------------


def savings(volume: ArrayLike, baseline_price: ArrayLike, unit_price: ArrayLike) -> ArrayLike:
    """节约金额: volume × (baseline − winning price); unknown baseline gives NaN (summed as absent)."""
    if _is_scalar(volume, baseline_price, unit_price):
        if baseline_price is None or pd.isna(baseline_price):
            return None
        return float(volume) * (float(baseline_price) - float(unit_price))
    v = np.asarray(volume, dtype="float64")
    return _like(volume, v * (np.asarray(baseline_price, dtype="float64") - np.asarray(unit_price, dtype="float64")))


def savings_rate(savings_agreed: ArrayLike, baseline_spend: ArrayLike) -> ArrayLike:
    """节约率: saving / what the same agreed volume cost at baseline prices (same volume basis)."""
    return ratio(savings_agreed, baseline_spend)


def price_drop(unit_price: ArrayLike, baseline_price: ArrayLike) -> ArrayLike:
    """降价幅度 of a product: 1 − winning / baseline price; undefined without a baseline."""
    r = ratio(unit_price, baseline_price)
    if r is None:
        return None
    return 1.0 - r


def mean_price_drop(drops: ArrayLike) -> float | None:
    """平均降价幅度: unweighted mean over products with a baseline (so small drugs weigh as much)."""
    d = np.asarray(drops, dtype="float64")
    d = d[~np.isnan(d)]
    return float(d.mean()) if d.size else None


def max_price_drop(drops: ArrayLike) -> float | None:
    """最高降价幅度 over products with a baseline."""
    d = np.asarray(drops, dtype="float64")
    d = d[~np.isnan(d)]
    return float(d.max()) if d.size else None


def winning_share(winning_volume: ArrayLike, all_volume: ArrayLike) -> ArrayLike:
    """中选产品使用占比: winning volume / all purchases of the same generic name and specification."""
    return ratio(winning_volume, all_volume)


def nonwinning_over(nonwinning_volume: ArrayLike, winning_volume: ArrayLike, share: float | None = None) -> ArrayLike:
    """非中选超量: non-winning use above the winning use (or above ``share`` of all use of the drug)."""
    n = np.asarray(nonwinning_volume, dtype="float64")
    w = np.asarray(winning_volume, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        over = n > w if share is None else n / (n + w) > share
    out = (n > 0) & over
    return bool(out) if out.ndim == 0 else _like(nonwinning_volume, out)


def retention_grade(completion: ArrayLike, on_time: ArrayLike, settings: Settings = DEFAULT_SETTINGS) -> ArrayLike:
    """结余留用 grade of a hospital: A (complete and paid on time), B, C by completion, else D."""
    if _is_scalar(completion, on_time):
        c = -np.inf if completion is None or pd.isna(completion) else completion
        t = -np.inf if on_time is None or pd.isna(on_time) else on_time
        if c >= settings.grade_a_completion and t >= settings.grade_a_on_time:
            return "A"
        if c >= settings.grade_b_completion:
            return "B"
        return "C" if c >= settings.grade_c_completion else "D"
    c = np.nan_to_num(np.asarray(completion, dtype="float64"), nan=-np.inf)
    t = np.nan_to_num(np.asarray(on_time, dtype="float64"), nan=-np.inf)
    out = np.select(
        [
            (c >= settings.grade_a_completion) & (t >= settings.grade_a_on_time),
            c >= settings.grade_b_completion,
            c >= settings.grade_c_completion,
        ],
        ["A", "B", "C"],
        default="D",
    )
    return _like(completion, out.astype(object))


def retained_savings(capped_savings: ArrayLike, grade: ArrayLike, settings: Settings = DEFAULT_SETTINGS) -> ArrayLike:
    """结余留用(估算): saving within the agreed volume × fund share × the grade's retained share."""
    shares = dict(settings.grade_shares)
    if _is_scalar(capped_savings, grade):
        if capped_savings is None or pd.isna(capped_savings):
            return None
        return float(capped_savings) * settings.fund_share * shares.get(grade, 0.0)
    # ravel: a single grade for many savings is one share, which numpy then broadcasts over them
    g = pd.Series(np.asarray(grade, dtype=object).ravel()).map(shares).fillna(0.0).to_numpy(dtype="float64")
    return _like(capped_savings, np.asarray(capped_savings, dtype="float64") * settings.fund_share * g)
