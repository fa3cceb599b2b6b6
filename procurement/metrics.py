"""One pure function per metric of ``shared/spec/metrics.md``.

The app, the CLI and the Excel report all call these, so a figure means the same everywhere.
Functions take scalars or aligned arrays/Series; a ratio with a zero (or unknown) denominator is
``None`` for scalars and NaN in arrays (the report turns NaN into ``None``/null on the way out).
Payment matching (FIFO, vectorised) lives here too because on-time rate, overdue aging and days to
pay are all read off the same ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procurement.settings import Settings

PROGRESS_STATUSES: tuple[str, ...] = ("zero_purchase", "below_schedule", "over_purchase", "normal")
PROGRESS_STATUS_ZH: dict[str, str] = {
    "zero_purchase": "零采购",
    "below_schedule": "低于序时进度",
    "over_purchase": "超量采购",
    "normal": "正常采购",
}
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
    return _like(num if not np.ndim(den) or not isinstance(den, pd.Series) else den, out)


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
    s = pd.to_datetime(pd.Series(start)).to_numpy(dtype="datetime64[D]")
    e = pd.to_datetime(pd.Series(end)).to_numpy(dtype="datetime64[D]")
    day = np.timedelta64(1, "D")
    total = (e - s) / day + 1
    done = (np.datetime64(as_of.date(), "D") - s) / day + 1
    out = np.clip(ratio(done, np.where(total > 0, total, np.nan)), 0.0, 1.0)
    return _like(start if isinstance(start, pd.Series) else end, out)


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
        if (
            completion is not None and not pd.isna(completion)
            and elapsed is not None and not pd.isna(elapsed) and completion < elapsed
        ):
            return "below_schedule"
        return "normal"
    p = np.nan_to_num(np.asarray(purchased_volume, dtype="float64"), nan=0.0)
    c = np.asarray(completion, dtype="float64")
    t = np.asarray(elapsed, dtype="float64")
    with np.errstate(invalid="ignore"):
        out = np.select(
            [p <= 0, c > 1, c < t],
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
    s = pd.to_datetime(pd.Series(start))
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


def on_time_rate(paid_on_time: ArrayLike, purchase_amount: ArrayLike) -> ArrayLike:
    """按时回款率: share of purchase amount paid within the payment term of its delivery."""
    return ratio(paid_on_time, purchase_amount)


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
    g = pd.Series(np.asarray(grade, dtype=object)).map(shares).fillna(0.0).to_numpy(dtype="float64")
    return _like(capped_savings, np.asarray(capped_savings, dtype="float64") * settings.fund_share * g)


# --- payment matching ----------------------------------------------------------------------------


def _fifo_stage(
    d_codes: np.ndarray, d_cents: np.ndarray, p_codes: np.ndarray, p_cents: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match payments to deliveries of the same group code in the given order (oldest first).

    Rows must already be sorted by (code, date). Each group's deliveries and payments are laid end
    to end as intervals on one global axis (group g starting where g−1's longer side ended); the
    overlaps of delivery and payment intervals are the matched amounts. Returns (delivery row,
    payment row, cents) for every matched piece. No Python loop over rows.
    """
    empty = np.array([], dtype=np.int64)
    if d_cents.size == 0 or p_cents.size == 0:
        return empty, empty, empty
    n_groups = int(max(d_codes.max(), p_codes.max())) + 1
    sum_d = np.bincount(d_codes, weights=d_cents, minlength=n_groups).astype(np.int64)
    sum_p = np.bincount(p_codes, weights=p_cents, minlength=n_groups).astype(np.int64)
    base = np.r_[0, np.cumsum(np.maximum(sum_d, sum_p))[:-1]].astype(np.int64)
    d_end = base[d_codes] + _within_cumsum(d_cents, d_codes)
    p_end = base[p_codes] + _within_cumsum(p_cents, p_codes)
    d_start, p_start = d_end - d_cents, p_end - p_cents
    points = np.unique(np.concatenate([d_start, d_end, p_start, p_end]))
    left, length = points[:-1], np.diff(points)
    di = np.searchsorted(d_end, left, side="right")
    pi = np.searchsorted(p_end, left, side="right")
    ok = (di < d_end.size) & (pi < p_end.size) & (length > 0)
    di_c, pi_c = np.minimum(di, d_end.size - 1), np.minimum(pi, p_end.size - 1)
    ok &= (d_start[di_c] <= left) & (p_start[pi_c] <= left)
    return di[ok], pi[ok], length[ok]


def _within_cumsum(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Cumulative sum within runs of equal codes (input sorted by code)."""
    c = np.cumsum(values)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    before = (c - values)[starts]
    run = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, values.size]))
    return c - before[run]


def _codes(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Integer code per distinct key tuple (NA is a value of its own)."""
    if not keys:
        return np.zeros(len(frame), dtype=np.int64)
    return frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)


def match_payments(deliveries: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """The payment ledger: which payment paid which delivery, and what is left unpaid or unmatched.

    ``deliveries``: hospital_id, product_id, supplier, date, amount (any granularity: they are
    summed per hospital, product and day first, so order lines and pre-aggregated rows give the
    same ledger). ``payments``: hospital_id, product_id, supplier, order_date, amount, date.

    A payment with an order_date pays that day's delivery of its product; then payments with a
    product pay the hospital's oldest unpaid deliveries of that product, payments with only a
    supplier those of the supplier, payments with neither those of the hospital (FIFO). Amounts are
    matched in integer cents, so the ledger sums back exactly.

    Returns rows of hospital_id, product_id, supplier, delivery_date (NaT: a payment with nothing
    left to pay), pay_date (NaT: unpaid), amount (yuan).
    """
    key = ["hospital_id", "product_id", "supplier"]
    d = deliveries[key + ["date", "amount"]].copy()
    d["cents"] = np.round(d["amount"].fillna(0).to_numpy(dtype="float64") * 100).astype(np.int64)
    d = d.groupby(key + ["date"], dropna=False, sort=False, as_index=False)["cents"].sum()
    d["cents"] = d["cents"].clip(lower=0)
    d = d.sort_values(["date", "hospital_id", "product_id"], kind="stable").reset_index(drop=True)
    remaining = d["cents"].to_numpy(dtype=np.int64).copy()

    p = payments[key + ["order_date", "amount", "date"]].reset_index(drop=True).copy()
    p["cents"] = np.round(p["amount"].fillna(0).to_numpy(dtype="float64") * 100).astype(np.int64).clip(min=0)
    p = p.sort_values("date", kind="stable").reset_index(drop=True)
    left = p["cents"].to_numpy(dtype=np.int64).copy()

    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def run(d_rows: np.ndarray, p_rows: np.ndarray, d_codes: np.ndarray, p_codes: np.ndarray) -> None:
        # order: group, then date (d and p are already date-sorted, so a stable sort by code keeps it)
        do = np.argsort(d_codes, kind="stable")
        po = np.argsort(p_codes, kind="stable")
        dr, pr = d_rows[do], p_rows[po]
        di, pi, cents = _fifo_stage(d_codes[do], remaining[dr], p_codes[po], left[pr])
        if cents.size:
            np.subtract.at(remaining, dr[di], cents)
            np.subtract.at(left, pr[pi], cents)
            pieces.append((dr[di], pr[pi], cents))

    # 1. targeted: the named delivery day of the product
    has_target = p["order_date"].notna() & p["product_id"].notna()
    if has_target.any() and len(d):
        t = p.loc[has_target, ["hospital_id", "product_id", "order_date"]].rename(columns={"order_date": "date"})
        both = pd.concat([d[["hospital_id", "product_id", "date"]], t], ignore_index=True)
        codes = _codes(both, ["hospital_id", "product_id", "date"])
        run(np.arange(len(d)), np.flatnonzero(has_target), codes[: len(d)], codes[len(d):])
    # 2-4. FIFO by product, by supplier, by hospital
    stages = [
        (p["product_id"].notna(), ["hospital_id", "product_id"]),
        (p["product_id"].isna() & p["supplier"].notna(), ["hospital_id", "supplier"]),
        (p["product_id"].isna() & p["supplier"].isna(), ["hospital_id"]),
    ]
    for mask, keys in stages:
        p_rows = np.flatnonzero(mask.to_numpy() & (left > 0))
        d_rows = np.flatnonzero(remaining > 0)
        if p_rows.size == 0 or d_rows.size == 0:
            continue
        both = pd.concat([d.loc[d_rows, keys], p.loc[p_rows, keys]], ignore_index=True)
        codes = _codes(both, keys)
        run(d_rows, p_rows, codes[: d_rows.size], codes[d_rows.size:])

    parts = []
    if pieces:
        di = np.concatenate([x[0] for x in pieces])
        pi = np.concatenate([x[1] for x in pieces])
        cents = np.concatenate([x[2] for x in pieces])
        paid = d.loc[di, key].reset_index(drop=True)
        paid["delivery_date"] = d["date"].to_numpy()[di]
        paid["pay_date"] = p["date"].to_numpy()[pi]
        paid["cents"] = cents
        parts.append(paid)
    unpaid = d.loc[remaining > 0, key].reset_index(drop=True)
    unpaid["delivery_date"] = d.loc[remaining > 0, "date"].to_numpy()
    unpaid["pay_date"] = pd.NaT
    unpaid["cents"] = remaining[remaining > 0]
    parts.append(unpaid)
    excess = p.loc[left > 0, key].reset_index(drop=True)
    excess["delivery_date"] = pd.NaT
    excess["pay_date"] = p.loc[left > 0, "date"].to_numpy()
    excess["cents"] = left[left > 0]
    parts.append(excess)
    ledger = pd.concat([x for x in parts if len(x)], ignore_index=True) if any(len(x) for x in parts) else unpaid
    ledger["delivery_date"] = pd.to_datetime(ledger["delivery_date"])
    ledger["pay_date"] = pd.to_datetime(ledger["pay_date"])
    ledger["amount"] = ledger["cents"].to_numpy(dtype="float64") / 100.0
    return ledger.drop(columns="cents")


def payment_figures(ledger: pd.DataFrame, as_of: date | pd.Timestamp, payment_days: int = 30) -> pd.DataFrame:
    """Per ledger row, the additive pieces of the payment metrics (sum them at any level).

    paid_amount, matched_paid (paid against a delivery), amount_days (for the weighted mean),
    paid_on_time, overdue_amount and one column per aging bucket. Payment before delivery (a
    prepayment) counts as paid on day 0.
    """
    as_of = pd.Timestamp(as_of).normalize()
    amount = ledger["amount"].to_numpy(dtype="float64")
    delivered = ledger["delivery_date"].notna().to_numpy()
    paid = ledger["pay_date"].notna().to_numpy()
    days = ((ledger["pay_date"] - ledger["delivery_date"]).dt.days).to_numpy(dtype="float64")
    days = np.clip(np.nan_to_num(days, nan=0.0), 0, None)
    matched = delivered & paid
    age = (as_of - ledger["delivery_date"]).dt.days.to_numpy(dtype="float64")
    bucket = np.asarray(overdue_bucket(np.where(delivered & ~paid, age, np.nan), payment_days), dtype=object)
    out = pd.DataFrame(
        {
            "paid_amount": np.where(paid, amount, 0.0),
            "matched_paid": np.where(matched, amount, 0.0),
            "amount_days": np.where(matched, amount * days, 0.0),
            "paid_on_time": np.where(matched & (days <= payment_days), amount, 0.0),
            "overdue_amount": np.where(bucket != None, amount, 0.0),  # noqa: E711
        },
        index=ledger.index,
    )
    for name, label in zip(("overdue_31_60", "overdue_61_90", "overdue_over_90"), OVERDUE_BUCKETS, strict=True):
        out[name] = np.where(bucket == label, amount, 0.0)
    return out
