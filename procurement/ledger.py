"""The payment ledger: which payment paid which delivery, and what is left unpaid or unmatched.

Its one job is matching payments to deliveries (data-templates.md, payments): always within its own
hospital, a payment pays the deliveries its invoice or order names first, then the oldest unpaid
deliveries of its product, its supplier, its distributor's one supplier, or any of the hospital's
(FIFO), in integer cents so the ledger sums back exactly. On-time
rate, overdue aging and days to pay are all read off this one ledger (:func:`payment_figures` gives
each row's additive pieces); the metrics themselves are the pure functions of :mod:`procurement.metrics`.
Vectorised throughout (no Python loop over rows): reports match millions of delivery days.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procurement.arrays import first_seen, key_fits, mixed_radix, offsets, stable_argsort
from procurement.metrics import overdue_bucket_index


def link_payments(payments: pd.DataFrame, purchases: pd.DataFrame) -> pd.DataFrame:
    """Payments with what the purchase lines they name say, where they do not say it themselves.

    The file-mode twin of the store's ``_relink_payments`` (which keeps the same on each stored
    payment), so the ledger works on daily delivery totals that carry no order, invoice or
    distributor. Always within the payment's own hospital (ids are scoped by hospital), in order:

    - ``invoice_id``: the hospital's lines carrying that invoice number. order_date is their earliest
      delivery day; product and supplier are taken when all the lines share one (an invoice over
      several products pays that day's deliveries of its supplier, or of the hospital).
    - ``order_id``: the hospital's line of that order: its day, product and supplier.
    - ``distributor`` (a payment naming no product, supplier, invoice or order that links): the
      supplier whose goods that distributor delivered to the hospital, when every such line names
      the same one; otherwise the payment stays at the hospital level.

    A payment with ``link_by`` set (linked by the store), or with both an order_date and a product
    given, is left as it is; otherwise a link found replaces any order_date given. ``link_by`` says
    which link was taken (blank: none).
    """
    pay = payments.copy()
    link_by = pd.Series(pd.NA, index=pay.index, dtype="string")
    if "link_by" in pay.columns:
        link_by = link_by.fillna(pay["link_by"].astype("string"))
    open_ = link_by.isna() & pay["hospital_id"].notna() & (pay["order_date"].isna() | pay["product_id"].isna())
    day = pd.Series(pd.NaT, index=pay.index, dtype="datetime64[ns]")
    product = pd.Series(pd.NA, index=pay.index, dtype="string")
    supplier = pd.Series(pd.NA, index=pay.index, dtype="string")
    for level, id_col in (("invoice", "invoice_id"), ("order", "order_id")):
        wanted = open_ & link_by.isna() & _column(pay, id_col).notna()  # (an invoice link comes first)
        if not wanted.any() or id_col not in purchases.columns:
            continue
        found = _named_lines(pay.loc[wanted, ["hospital_id", id_col]], purchases, id_col)
        found = found[found["date"].notna()]
        day.loc[found.index] = found["date"].to_numpy()
        product.loc[found.index] = found["product_id"].to_numpy(dtype=object)
        supplier.loc[found.index] = found["supplier"].to_numpy(dtype=object)
        link_by.loc[found.index] = level
    alone = open_ & link_by.isna() & pay["product_id"].isna() & pay["supplier"].isna()
    wanted = alone & _column(pay, "distributor").notna()
    if wanted.any() and "distributor" in purchases.columns:
        found = _distributor_suppliers(pay.loc[wanted, ["hospital_id", "distributor"]], purchases).dropna()
        supplier.loc[found.index] = found.to_numpy(dtype=object)
        link_by.loc[found.index] = "distributor"
    linked = link_by.notna() & open_
    if linked.any():
        pay["order_date"] = pay["order_date"].mask(linked & day.notna(), day)
        pay["product_id"] = pay["product_id"].astype("string").mask(linked & pay["product_id"].isna(), product)
        pay["supplier"] = pay["supplier"].astype("string").mask(linked & pay["supplier"].isna(), supplier)
    pay["link_by"] = link_by
    return pay


def _column(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column, or a blank one where the frame has none (payments of an older layout)."""
    if col in frame.columns:
        return frame[col]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _lines_of(named: pd.DataFrame, purchases: pd.DataFrame, id_col: str) -> pd.DataFrame:
    """The purchase lines carrying one of the ``id_col`` values of ``named`` (any hospital: the
    caller matches the hospital too), key columns as strings; only the few lines named are copied."""
    ids = pd.unique(named[id_col].to_numpy(dtype=object, na_value=None))
    hit = np.flatnonzero(purchases[id_col].isin(ids).to_numpy(dtype=bool, na_value=False))
    cols = ["hospital_id", id_col, "date", "product_id", "supplier"]
    lines = pd.DataFrame({c: purchases[c].take(hit).astype("string" if c != "date" else "datetime64[ns]").to_numpy()
                          for c in cols})
    return lines[lines["hospital_id"].notna()]


def _named_lines(named: pd.DataFrame, purchases: pd.DataFrame, id_col: str) -> pd.DataFrame:
    """Per payment of ``named``: the day, product and supplier its invoice or order names (NaT /
    blank where the hospital has no such line). An invoice over several lines: its earliest day,
    and the product or supplier only when every line has the same one."""
    groups = _lines_of(named, purchases, id_col).groupby(["hospital_id", id_col], sort=False)
    per = pd.DataFrame({"date": groups["date"].min(), "product_id": _the_one(groups, "product_id"),
                        "supplier": _the_one(groups, "supplier")})
    keys = pd.MultiIndex.from_arrays([named["hospital_id"].astype("string"), named[id_col].astype("string")])
    out = per.reindex(keys)
    out.index = named.index
    return out


def _distributor_suppliers(named: pd.DataFrame, purchases: pd.DataFrame) -> pd.Series:
    """Per payment of ``named``: the one supplier whose goods its distributor delivered to its
    hospital (blank: none, several, or a line naming none)."""
    per = _the_one(_lines_of(named, purchases, "distributor").groupby(["hospital_id", "distributor"], sort=False),
                   "supplier")
    keys = pd.MultiIndex.from_arrays([named["hospital_id"].astype("string"), named["distributor"].astype("string")])
    out = per.reindex(keys)
    return pd.Series(out.to_numpy(), index=named.index, dtype="string")


def _the_one(groups: Any, col: str) -> pd.Series:
    """Per group, the value of ``col`` every row has, else blank (several values, or a row without one)."""
    one = (groups[col].nunique() == 1) & (groups[col].count() == groups.size())
    return groups[col].first().where(one)


def match_payments(deliveries: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """The payment ledger: see :func:`match_payments_coded`."""
    return match_payments_coded(deliveries, payments)[0]


def match_payments_coded(
    deliveries: pd.DataFrame,
    payments: pd.DataFrame,
    delivery_codes: dict[str, tuple[np.ndarray, Any]] | None = None,
    categorical: bool = False,
    payment_days: int | None = None,
) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, int]]]:
    """The payment ledger: which payment paid which delivery, and what is left unpaid or unmatched.

    ``deliveries``: hospital_id, product_id, supplier, date, amount (any granularity: they are
    summed per hospital, product and day first, so order lines and pre-aggregated rows give the
    same ledger). ``payments``: hospital_id, product_id, supplier, order_date, amount, date, and
    optionally ``link_by`` and ``payer``. Product, supplier and order_date are what the payment
    names or what the deliveries it names say (:func:`link_payments`, or the store's copy of it):
    order_date is the delivery day of its invoice or order, ``link_by`` where they came from
    ('invoice', 'order', 'distributor'; blank: the payment's own).

    Always within the payment's hospital, a payment pays, in this order (data-templates.md):
    1. invoice, 2. order: the named day's delivery of its product (else of its supplier, else of
       the hospital: an invoice over several products or suppliers), invoice links first;
    3. product: the oldest unpaid deliveries of its product;
    4. supplier, 5. distributor (the one supplier whose goods its distributor delivered there):
       the oldest unpaid deliveries of that supplier, named suppliers first;
    6. hospital: the oldest unpaid deliveries of the hospital.
    What a named day leaves unpaid goes on down the same list (FIFO). Deliveries of the same day
    are paid in order of product, then supplier (values): never by the order of the rows. Amounts are matched in
    integer cents, so the ledger sums back exactly.

    Returns rows of hospital_id, product_id, supplier, delivery_date (NaT: a payment with nothing
    left to pay), pay_date (NaT: unpaid), amount (yuan), and ``payer`` when the payments have one
    (blank on unpaid deliveries: what the fund settled directly can be told apart); and per key column the ledger rows' codes
    in sorted order of the values with the number of distinct values (blank: that number), so
    callers can group millions of ledger rows without hashing their strings again.
    ``delivery_codes``: per key column the caller already holds, the delivery rows' codes (-1:
    blank) and the distinct values they number; only the payments are then looked up (and those
    columns of ``deliveries`` are not read: they may be left out). ``categorical``: the ledger's key
    columns as Categoricals (sorted categories, the same values) instead of ``string``: no string
    copied for each of millions of rows.

    ``payment_days``: also give every row its ``amount_days`` (amount x whole days from delivery to
    payment, a prepayment as 0) and ``paid_on_time`` (the amount paid within that many days), so
    :func:`payment_figures` reads them; and FIFO by product then gives one row per payment with
    the deliveries it paid summed (see :func:`_fifo_summary`) instead of a piece per delivery day:
    the same figures, from a ledger of about as many rows as payments instead of deliveries. Such a
    row's delivery_date is the first delivery it pays. Kept as pieces where a summary could not be
    exact (dates with a time of day, a product's deliveries from several suppliers).
    """
    key = ["hospital_id", "product_id", "supplier"]
    nd = len(deliveries)
    # integer codes shared by deliveries and payments, and for the targeted delivery day
    obj_p = {k: _objects(payments[k]) for k in key}
    joint = {
        k: _joint_with_known(*delivery_codes[k], obj_p[k], renumber=payment_days is None)
        if delivery_codes and k in delivery_codes
        else _joint_codes_and_uniques(_objects(deliveries[k]), obj_p[k])
        for k in key
    }
    (h_d, h_p), (p_d, p_p), (s_d, s_p) = (joint[k][0] for k in key)
    day_d, day_p = (_day_numbers(deliveries["date"]), _day_numbers(payments["order_date"]))
    p_na = payments["product_id"].isna().to_numpy()
    s_na = payments["supplier"].isna().to_numpy()
    link_by = _objects(payments["link_by"]) if "link_by" in payments.columns else np.full(len(payments), None)

    # one delivery per hospital, product, supplier and day. Daily totals read from the store come
    # one per such key and day, sorted by key then day: then (summarising) they are kept in that key
    # order, which FIFO by product wants, and put in date order only for a stage that needs it
    d_cents_raw = deliveries["amount"].to_numpy(dtype="float64") * 100  # a new array: rounded in place
    np.round(np.nan_to_num(d_cents_raw, copy=False), out=d_cents_raw)
    d_date = deliveries["date"].to_numpy(dtype="datetime64[ns]")
    key_order = payment_days is not None and _strictly_increasing(h_d, p_d, s_d, day_d)
    bucket = None if key_order else _combine(h_d, p_d, s_d, day_d)  # key order: a bucket per row
    n_b = nd if bucket is None else int(bucket.max(initial=-1)) + 1
    if n_b == nd:  # a bucket per row, numbered in row order: nothing to add up
        cents_b = np.maximum(d_cents_raw.astype(np.int64), 0)  # whole cents already
        first = None if key_order else np.arange(nd)  # (key order reads no positions)
    else:
        cents_b = np.round(np.bincount(bucket, weights=d_cents_raw, minlength=n_b)).astype(np.int64).clip(min=0)
        # factorize numbers codes in order of first appearance: a new code is a new running maximum
        running = np.maximum.accumulate(bucket) if nd else bucket
        first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]]) if nd else np.array([], dtype=np.int64)
        d_date = d_date[first]
    del d_cents_raw, bucket  # millions of rows each: not kept through the stages
    # deliveries of the same date are paid in order of product, then supplier (their values, not
    # their codes or rows): otherwise which of them a payment pays would follow the order the rows
    # came in, and the report (daily totals in key order) would split a payment over products and
    # suppliers differently from the same lines read from a file
    p_rank, s_rank = (_value_ranks(joint[k][1]) for k in ("product_id", "supplier"))

    def same_day_tie(p_codes: np.ndarray, s_codes: np.ndarray) -> np.ndarray:
        return mixed_radix((p_rank[p_codes], p_rank.size), (s_rank[s_codes], s_rank.size))

    if key_order:
        remaining, dh, dp, ds, dday = cents_b, h_d, p_d, s_d, day_d
    else:
        order = _by_date_then_tie(d_date, lambda: same_day_tie(p_d[first], s_d[first]))
        first, d_date, remaining = first[order], d_date[order], cents_b[order]
        dh, dp, ds, dday = h_d[first], p_d[first], s_d[first], day_d[first]

    def open_by_date() -> np.ndarray:
        """Positions with something left to pay, in date order (in key order only those are sorted:
        after FIFO by product, most are paid; otherwise positions are in date order already)."""
        rows = np.flatnonzero(remaining > 0)
        return oldest_first(rows) if key_order else rows

    def oldest_first(rows: np.ndarray) -> np.ndarray:
        """Positions (in key order) sorted by date, then product and supplier."""
        return rows[_by_date_then_tie(d_date[rows], lambda: same_day_tie(dp[rows], ds[rows]))]

    p_date = payments["date"].to_numpy(dtype="datetime64[ns]")
    p_order = np.argsort(p_date, kind="stable")
    ph, pp, ps, pday = h_p[p_order], p_p[p_order], s_p[p_order], day_p[p_order]
    p_na, s_na, p_date, link_by = p_na[p_order], s_na[p_order], p_date[p_order], link_by[p_order]
    left = np.round(np.nan_to_num(payments["amount"].to_numpy(dtype="float64"))[p_order] * 100).astype(np.int64)
    left = left.clip(min=0)
    named_day = payments["order_date"].notna().to_numpy()[p_order]

    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    summaries: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    whole_days = payment_days is not None and _whole_days(d_date) and _whole_days(p_date)
    p_pay_day = _day_numbers(pd.Series(p_date)) if whole_days else None

    def summary(dc: np.ndarray, dr: np.ndarray, pc: np.ndarray, pr: np.ndarray) -> bool:
        """A stage summed per payment (:func:`_fifo_summary`); False, doing nothing, where it would not be exact."""
        whole = _every_position(dr, remaining.size)  # then no copies of millions of values
        d_cents, d_days, d_sup = (remaining, dday, ds) if whole else (remaining[dr], dday[dr], ds[dr])
        if p_pay_day is None or not _summable(dc, d_sup, d_cents, d_days):
            return False
        matched, cents_days, on_time, first_d, d_paid = _fifo_summary(
            dc, d_cents, d_days, pc, left[pr], p_pay_day[pr], payment_days or 0)
        if whole:
            np.subtract(remaining, d_paid, out=remaining)
        else:
            remaining[dr] -= d_paid
        left[pr] -= matched
        keep = matched > 0
        summaries.append((dr[first_d[keep]], pr[keep], matched[keep], cents_days[keep], on_time[keep]))
        return True

    def run(
        d_rows: np.ndarray, p_rows: np.ndarray, d_keys: list[np.ndarray], p_keys: list[np.ndarray], summarise: bool = False
    ) -> None:
        if d_rows.size == 0 or p_rows.size == 0:
            return
        whole = _every_position(d_rows, remaining.size)  # then the columns as they are
        d_cols, p_cols = [a if whole else a[d_rows] for a in d_keys], [b[p_rows] for b in p_keys]
        numbers = _key_numbers(d_cols, p_cols)
        product_stage = summarise
        summarise = summarise and p_pay_day is not None
        if summarise and numbers is not None and bool((numbers[0][1:] >= numbers[0][:-1]).all()):
            # deliveries come group by group already (key order): number the groups by the changes,
            # keep those some payment names and look the payments up, all on the few groups
            d_num, p_num = numbers
            starts = np.r_[True, d_num[1:] != d_num[:-1]]
            dc, groups = np.cumsum(starts) - 1, d_num[starts]
            named = pd.Series(groups).isin(p_num).to_numpy()
            rows = d_rows
            if not named.all():
                keep = named[dc]
                rows, dc, groups = d_rows[keep], (np.cumsum(named) - 1)[dc[keep]], groups[named]
            if rows.size == 0:
                return
            at = np.minimum(np.searchsorted(groups, p_num), groups.size - 1)
            pc = np.where(groups[at] == p_num, at, groups.size)  # a group with no delivery: pays nothing
            po = stable_argsort(pc)
            if summary(dc, rows, pc[po], p_rows[po]):
                return
            summarise = False  # not exact here (several suppliers): cut into pieces below
        if key_order and product_stage:
            # key order has a product's deliveries by supplier, then day: FIFO over the product's
            # suppliers wants them by day (the oldest first, whichever supplier delivered it)
            d_rows = oldest_first(d_rows)
            d_cols = [a[d_rows] for a in d_keys]
            numbers = _key_numbers(d_cols, p_cols)
        # deliveries of groups no payment of this stage has are never matched: leave them out. The
        # groups kept keep their order of first appearance, so the pieces come in the same order.
        if numbers is not None:
            named = _named(*numbers)
            if not named.all():
                d_rows, d_cols = d_rows[named], [c[named] for c in d_cols]
                if d_rows.size == 0:
                    return
        codes = _combine(*[np.concatenate([a, b]) for a, b in zip(d_cols, p_cols, strict=True)])
        dc, pc = codes[: d_rows.size], codes[d_rows.size:]
        do, po = stable_argsort(dc), stable_argsort(pc)  # keeps date order within a group
        dr, pr = d_rows[do], p_rows[po]
        if summarise and summary(dc[do], dr, pc[po], pr):
            return
        di, pi, cents = _fifo_stage(dc[do], remaining[dr], pc[po], left[pr])
        if cents.size:
            remaining[:] -= np.round(np.bincount(dr[di], weights=cents, minlength=remaining.size)).astype(np.int64)
            left[:] -= np.round(np.bincount(pr[pi], weights=cents, minlength=left.size)).astype(np.int64)
            pieces.append((dr[di], pr[pi], cents))

    # 1-2. the named delivery day (invoice links, then order links) of the product, else of the
    # supplier, else of the hospital; 3. FIFO by product; 4-5. by supplier (named, then a
    # distributor's); 6. by hospital. A named day's deliveries share their date, so any position
    # order is their date order; the stages that pay the oldest first across products take the
    # open positions in date order
    by_invoice, by_distributor = link_by == "invoice", link_by == "distributor"
    day_keys = (
        (~p_na, [dh, dp, dday], [ph, pp, pday]),
        (p_na & ~s_na, [dh, ds, dday], [ph, ps, pday]),
        (p_na & s_na, [dh, dday], [ph, pday]),
    )
    for link in (named_day & by_invoice, named_day & ~by_invoice):
        for level, d_keys, p_keys in day_keys:
            if (link & level).any():
                run(np.arange(remaining.size), np.flatnonzero(link & level & (left > 0)), d_keys, p_keys)
    run(np.flatnonzero(remaining > 0), np.flatnonzero(~p_na & (left > 0)), [dh, dp], [ph, pp], summarise=True)
    for stage, keys in (
        (p_na & ~s_na & ~by_distributor, ([dh, ds], [ph, ps])),
        (p_na & ~s_na & by_distributor, ([dh, ds], [ph, ps])),
        (p_na & s_na, ([dh], [ph])),
    ):
        if (stage & (left > 0)).any():
            run(open_by_date(), np.flatnonzero(stage & (left > 0)), *keys)

    none = np.array([], dtype=np.int64)
    di = np.concatenate([none, *(x[0] for x in pieces), *(x[0] for x in summaries)])
    pi = np.concatenate([none, *(x[1] for x in pieces), *(x[1] for x in summaries)])
    cents = np.concatenate([none, *(x[2] for x in pieces), *(x[2] for x in summaries)])
    unpaid = np.flatnonzero(remaining > 0)
    excess = np.flatnonzero(left > 0)
    nat = np.full(1, np.datetime64("NaT"), dtype="datetime64[ns]")
    # ledger rows: matched pieces, unpaid deliveries (by position: date order, or key order), unmatched payments
    d_pos, p_rows = np.concatenate([di, unpaid]), p_order[excess]
    ledger = pd.DataFrame(index=pd.RangeIndex(d_pos.size + p_rows.size))
    coded: dict[str, tuple[np.ndarray, int]] = {}
    in_date_order = {"hospital_id": dh, "product_id": dp, "supplier": ds}  # codes of first[...]: no random reads
    for k in key:
        (_, c_p), uniques = joint[k]
        codes = np.concatenate([in_date_order[k][d_pos], c_p[p_rows]])
        coded[k] = (_sorted_codes(codes, uniques), len(uniques))
        if categorical:  # the sorted codes with blank as -1, by one lookup of the few distinct codes
            ranked = _sorted_codes(np.arange(len(uniques) + 1), uniques)
            ranked[len(uniques)] = -1
            ranked = ranked.astype(np.min_scalar_type(-len(uniques) - 1))  # the small codes a Categorical keeps
            categories = pd.Index(uniques[np.argsort(uniques, kind="stable")], dtype=object)
            ledger[k] = pd.Categorical.from_codes(ranked[codes], categories=categories)
        else:  # each distinct value converted once, then spread by code (NA is the extra last value)
            ledger[k] = pd.array([*uniques, None], dtype="string").take(codes)
    ledger["delivery_date"] = np.concatenate([d_date[di], d_date[unpaid], np.repeat(nat, excess.size)])
    ledger["pay_date"] = np.concatenate([p_date[pi], np.repeat(nat, unpaid.size), p_date[excess]])
    ledger["amount"] = np.concatenate([cents, remaining[unpaid], left[excess]]).astype("float64") / 100.0
    if "payer" in payments.columns:  # who paid: a few distinct values, spread by code (blank: the last)
        payer_codes, payers = pd.factorize(_objects(payments["payer"])[p_order])
        payer_codes[payer_codes < 0] = len(payers)
        codes = np.concatenate([payer_codes[pi], np.full(unpaid.size, len(payers)), payer_codes[excess]])
        ledger["payer"] = pd.array([*payers, None], dtype="string").take(codes)
    if payment_days is not None:
        n_pieces = cents.size - sum(x[2].size for x in summaries)
        days = _days_to_pay(ledger["delivery_date"].to_numpy()[:n_pieces], ledger["pay_date"].to_numpy()[:n_pieces])
        piece_cents = cents[:n_pieces]
        rest = np.zeros(unpaid.size + excess.size, dtype=np.int64)
        cents_days = np.concatenate([piece_cents * days, *(x[3] for x in summaries), rest])
        on_time = np.concatenate([np.where(days <= payment_days, piece_cents, 0), *(x[4] for x in summaries), rest])
        ledger["amount_days"] = cents_days.astype("float64") / 100.0
        ledger["paid_on_time"] = on_time.astype("float64") / 100.0
        ledger.attrs["payment_days"] = payment_days
    return ledger, coded


def unpaid_age_days(ledger: pd.DataFrame, as_of: date | pd.Timestamp) -> np.ndarray:
    """Whole days from each unpaid delivery to as_of, as ``.dt.days`` counts them (floored), on the
    integer nanoseconds; NaN for a row already paid or with no delivery. The one age that the aging
    buckets, the on-time rate's base and the report's overdue list all read."""
    delivery = ledger["delivery_date"].to_numpy(dtype="datetime64[ns]")
    unpaid = ~np.isnat(delivery) & ledger["pay_date"].isna().to_numpy()
    day = np.timedelta64(1, "D").astype("timedelta64[ns]").astype(np.int64)
    d_ns = np.where(unpaid, delivery.view(np.int64), 0)  # NaT's integer would overflow: masked below
    as_of_ns = np.datetime64(pd.Timestamp(as_of).normalize(), "ns").astype(np.int64)
    return np.where(unpaid, ((as_of_ns - d_ns) // day).astype("float64"), np.nan)


def payment_figures(ledger: pd.DataFrame, as_of: date | pd.Timestamp, payment_days: int = 30) -> pd.DataFrame:
    """Per ledger row, the additive pieces of the payment metrics (sum them at any level).

    paid_amount, matched_paid (paid against a delivery), amount_days (for the weighted mean),
    paid_on_time, due_or_paid (the on-time rate's base: delivered amount already paid, or unpaid and
    delivered ``payment_days`` or more days before as_of; an amount neither due nor paid cannot be
    late yet, so it counts neither way), overdue_amount and one column per aging bucket. Payment
    before delivery (a prepayment) counts as paid on day 0. The ledger is that of the payments on or
    before as_of (the report matches only those): every payment in it counts as paid.
    """
    as_of = pd.Timestamp(as_of).normalize()
    amount = ledger["amount"].to_numpy(dtype="float64")
    # whole days between dates as ``.dt.days`` counts them (floored), on the integer nanoseconds
    delivery = ledger["delivery_date"].to_numpy(dtype="datetime64[ns]")
    pay = ledger["pay_date"].to_numpy(dtype="datetime64[ns]")
    delivered, paid = ~np.isnat(delivery), ~np.isnat(pay)
    matched = delivered & paid
    age = unpaid_age_days(ledger, as_of)
    bucket = overdue_bucket_index(age, payment_days)
    if "amount_days" in ledger.columns:  # worked out by match_payments_coded (rows may sum several days)
        if ledger.attrs.get("payment_days") != payment_days:
            raise ValueError(f"ledger made for {ledger.attrs.get('payment_days')} payment days, not {payment_days}")
        amount_days = np.where(matched, ledger["amount_days"].to_numpy(dtype="float64"), 0.0)
        on_time = np.where(matched, ledger["paid_on_time"].to_numpy(dtype="float64"), 0.0)
    else:
        days = _days_to_pay(delivery, pay).astype("float64")
        amount_days = np.where(matched, amount * days, 0.0)
        on_time = np.where(matched & (days <= payment_days), amount, 0.0)
    out = pd.DataFrame(
        {
            "paid_amount": np.where(paid, amount, 0.0),
            "matched_paid": np.where(matched, amount, 0.0),
            "amount_days": amount_days,
            "paid_on_time": on_time,
            "due_or_paid": np.where(matched | (age >= payment_days), amount, 0.0),  # NaN age: paid or undelivered
            "overdue_amount": np.where(bucket >= 0, amount, 0.0),
        },
        index=ledger.index,
    )
    for position, name in enumerate(("overdue_31_60", "overdue_61_90", "overdue_over_90")):
        out[name] = np.where(bucket == position, amount, 0.0)
    return out


# --- FIFO stages ---------------------------------------------------------------------------------


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
    points = np.sort(np.concatenate([d_start, d_end, p_start, p_end]))
    points = points[np.r_[True, points[1:] != points[:-1]]]
    left, length = points[:-1], np.diff(points)
    di = np.searchsorted(d_end, left, side="right")
    pi = np.searchsorted(p_end, left, side="right")
    ok = (di < d_end.size) & (pi < p_end.size) & (length > 0)
    di_c, pi_c = np.minimum(di, d_end.size - 1), np.minimum(pi, p_end.size - 1)
    ok &= (d_start[di_c] <= left) & (p_start[pi_c] <= left)
    return di[ok], pi[ok], length[ok]


def _fifo_summary(
    d_codes: np.ndarray, d_cents: np.ndarray, d_day: np.ndarray,
    p_codes: np.ndarray, p_cents: np.ndarray, p_day: np.ndarray, payment_days: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_fifo_stage` matches, summed per payment instead of cut into pieces.

    The same inputs (sorted by code, then date; delivery cents all positive) plus whole-day numbers
    of the deliveries and of the payments' pay dates. On the same global axis, a payment's matched
    part is one interval; the deliveries under it are told apart by prefix sums over the group's
    delivery days, because a group's deliveries are in date order: the part paid no later than a
    delivery day (days counted, a prepayment as 0) and the part paid within ``payment_days`` are
    each one sub-interval, found by a binary search. Returns per payment its matched cents, its
    cents x days, its cents paid on time and the first delivery it pays (-1: none); and per delivery
    the cents paid. Exact integer arithmetic; millions of deliveries, no piece materialised.
    """
    n_d = d_cents.size
    n_groups = int(max(d_codes.max(initial=-1), p_codes.max(initial=-1))) + 1
    sum_d = np.bincount(d_codes, weights=d_cents, minlength=n_groups).astype(np.int64)
    sum_p = np.bincount(p_codes, weights=p_cents, minlength=n_groups).astype(np.int64)
    base = np.r_[0, np.cumsum(np.maximum(sum_d, sum_p))[:-1]].astype(np.int64)
    matched_end = base + np.minimum(sum_d, sum_p)
    d_end = base[d_codes] + _within_cumsum(d_cents, d_codes)
    d_start = d_end - d_cents
    p_end = base[p_codes] + _within_cumsum(p_cents, p_codes)
    p_start = p_end - p_cents
    d_paid = np.clip(np.minimum(d_end, matched_end[d_codes]) - d_start, 0, None)
    a, b = p_start, np.minimum(p_end, matched_end[p_codes])
    matched = np.clip(b - a, 0, None)

    # the group's deliveries in rows [lo, hi); days relative to the earliest delivery (small numbers)
    counts = np.bincount(d_codes, minlength=n_groups)
    hi_row = np.cumsum(counts)
    lo_row = hi_row - counts
    low_day = int(d_day.min()) if n_d else 0
    rel = (d_day - low_day).astype(np.int64)
    weighted = _within_cumsum(d_cents * rel, d_codes)  # cents x days up to and with each delivery
    # (group, day) as one number, sorted by group then day; day digits 0 (before the group's first
    # delivery) .. span - 1 (after its last)
    span = int(rel.max(initial=0)) + 3
    composite = mixed_radix((d_codes, n_groups), (rel + 1, span - 1))
    lo, hi = lo_row[p_codes], hi_row[p_codes]
    g_start, g_end = base[p_codes], base[p_codes] + sum_d[p_codes]

    def day_key(days: np.ndarray) -> np.ndarray:
        return mixed_radix((p_codes, n_groups), (np.clip(days - low_day, -1, span - 2) + 1, span - 1))

    def prefix(x: np.ndarray) -> np.ndarray:
        """Cents x days of the group's delivery axis from its start to position x."""
        i = np.clip(np.maximum(np.searchsorted(d_end, x, side="left"), lo), 0, max(n_d - 1, 0))
        before = weighted[i] - d_cents[i] * rel[i]
        return np.where(x <= g_start, 0, before + (x - d_start[i]) * rel[i])

    t = (p_day - low_day).astype(np.int64)
    # paid on or after its delivery day: the deliveries of days <= the pay day, a prefix of the group
    k = np.searchsorted(composite, day_key(p_day), side="right")
    last_due = np.where(k > lo, d_end[np.clip(k - 1, 0, max(n_d - 1, 0))], g_start)
    top = np.minimum(b, last_due)
    amount_days = np.where(top > a, t * (top - a) - (prefix(top) - prefix(np.minimum(a, top))), 0)
    # on time: the deliveries of days >= pay day - payment_days, a suffix of the group
    k = np.searchsorted(composite, day_key(p_day - payment_days), side="left")
    first_on_time = np.where(k < hi, d_start[np.clip(k, 0, max(n_d - 1, 0))], g_end)
    on_time = np.clip(b - np.maximum(a, first_on_time), 0, None)
    first = np.where(matched > 0, np.searchsorted(d_end, a, side="right"), -1)
    return matched, amount_days, on_time, first, d_paid


def _within_cumsum(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Cumulative sum within runs of equal codes (input sorted by code, codes non-negative)."""
    c = np.cumsum(values)
    if c.size == 0:
        return c
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    before = np.zeros(int(codes[-1]) + 1, dtype=c.dtype)  # per code: the sum before its run
    before[codes[starts]] = c[starts] - values[starts]
    c -= before[codes]
    return c


def _every_position(rows: np.ndarray, n: int) -> bool:
    """Whether positions (distinct, in [0, n)) are all n of them in order, i.e. ``np.arange(n)``."""
    return rows.size == n and bool((rows[1:] > rows[:-1]).all())


def _whole_days(dates: np.ndarray) -> bool:
    """Whether datetime64[ns] values are all set and at midnight (daily data)."""
    ns = dates.view(np.int64)
    return not np.isnat(dates).any() and not (ns % 86_400_000_000_000).any()


def _summable(codes: np.ndarray, suppliers: np.ndarray, cents: np.ndarray, days: np.ndarray) -> bool:
    """Whether :func:`_fifo_summary` gives this stage exactly: each group's deliveries come from one
    supplier (a summary row has one), and cents x days cannot overflow."""
    if codes.size == 0:
        return True
    step = codes[1:] != codes[:-1]
    if not bool((step | (suppliers[1:] == suppliers[:-1])).all()):
        return False
    biggest = float(np.bincount(codes, weights=cents).max())
    return biggest * (float(days.max()) - float(days.min()) + 3) < 2.0**62


def _days_to_pay(delivery: np.ndarray, pay: np.ndarray) -> np.ndarray:
    """Whole days (floored) from delivery to payment, 0 for a prepayment or where either date is blank."""
    delivery, pay = delivery.astype("datetime64[ns]"), pay.astype("datetime64[ns]")
    both = ~np.isnat(delivery) & ~np.isnat(pay)
    day = 86_400_000_000_000
    days = (np.where(both, pay.view(np.int64), 0) - np.where(both, delivery.view(np.int64), 0)) // day
    return np.clip(days, 0, None)


# --- integer codes -------------------------------------------------------------------------------


def _objects(values: pd.Series) -> np.ndarray:
    """Plain object array with None for NA: hashes several times faster than pandas' string dtype."""
    return values.to_numpy(dtype=object, na_value=None)


def _joint_codes_and_uniques(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Integer codes of values shared across several arrays, and the distinct values (NA's code is
    ``len(uniques)``: a code of its own)."""
    sizes = [len(c) for c in columns]
    codes, uniques = pd.factorize(np.concatenate(columns), use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes).astype(np.int64)
    return list(np.split(codes, np.cumsum(sizes)[:-1])), uniques


def _joint_with_known(
    d_codes: np.ndarray, d_uniques: Any, p_values: np.ndarray, renumber: bool = True
) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`_joint_codes_and_uniques` when the deliveries' codes are known: look up the payments only.

    ``renumber=False``: keep the deliveries' codes as they are (values new to the payments after
    them) rather than number in order of appearance, which only keeps the pieces in the same order.
    """
    uniques = np.asarray(d_uniques, dtype=object)
    p_codes = pd.Index(uniques, dtype=object).get_indexer(p_values)  # -1: blank or not delivered
    new = (p_codes < 0) & ~pd.isna(p_values)
    if new.any():
        extra_codes, extra = pd.factorize(p_values[new])
        p_codes[new] = len(uniques) + extra_codes
        uniques = np.concatenate([uniques, np.asarray(extra, dtype=object)])
    if not renumber:  # the caller's own numbering, blank (-1) as the last code
        blank = len(uniques)
        d_codes = np.asarray(d_codes).astype(np.int64, copy=False)
        if d_codes.size and d_codes.min() < 0:  # millions of rows: only rewrite when some are blank
            d_codes = np.where(d_codes < 0, blank, d_codes)
        return [d_codes, np.where(p_codes < 0, blank, p_codes)], uniques
    # renumber as _joint_codes_and_uniques would (first appearance, deliveries first): a single-key
    # FIFO stage orders its groups by these numbers. The distinct codes are few: find their order
    # of appearance, then renumber every row with one lookup (blank: the last number)
    d_codes = np.asarray(d_codes, dtype=np.int64)
    order = pd.unique(np.concatenate([pd.unique(d_codes), pd.unique(p_codes.astype(np.int64))]))
    order = order[order >= 0]
    rank = np.full(len(uniques) + 1, len(order), dtype=np.int64)  # index -1 (blank) reads the last slot
    rank[order] = np.arange(len(order))
    return [rank[d_codes], rank[p_codes]], uniques[order]


def _sorted_codes(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Renumber codes so they follow the sorted distinct values (NA, code ``len(uniques)``, last)."""
    rank = np.empty(len(uniques) + 1, dtype=np.int64)
    rank[np.argsort(uniques, kind="stable")] = np.arange(len(uniques))
    rank[len(uniques)] = len(uniques)
    return rank[codes]


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970 as non-negative-friendly integers; NaT becomes -1 (never matches a day)."""
    ns = dates.to_numpy(dtype="datetime64[ns]")
    day = np.timedelta64(1, "D").astype("timedelta64[ns]").astype(np.int64)
    out = ns.view(np.int64) // day + 1_000_000  # floored, as a cast to days; shifted so any real date is positive
    return np.where(np.isnat(ns), -1, out)


def _combine(*codes: np.ndarray) -> np.ndarray:
    """One dense code per distinct tuple of codes, numbered in order of first appearance (a single
    column: its codes as they are).

    When every tuple is distinct (daily totals: one row per hospital, product and day) the codes are
    just the row numbers, which a sort of the mixed-radix numbers (fast for integers) shows in a
    tenth of the time hashing millions of distinct numbers takes.
    """
    if len(codes) == 1:
        return codes[0]
    columns = [offsets(c) for c in codes]
    if not key_fits(n for _, n in columns):
        return first_seen(*columns)
    number = mixed_radix(*columns)
    # (fewer possible tuples than rows: some repeat, no need to look)
    if number.size > 1000 and math.prod(n for _, n in columns) >= number.size:
        ordered = np.sort(number)
        if bool((ordered[1:] != ordered[:-1]).all()):
            return np.arange(number.size, dtype=np.int64)
    return pd.factorize(number)[0].astype(np.int64)


def _value_ranks(uniques: Any) -> np.ndarray:
    """Per code (blank: ``len(uniques)``, last) its rank among the sorted values."""
    uniques = np.asarray(uniques, dtype=object)
    return _sorted_codes(np.arange(len(uniques) + 1), uniques)


def _by_date_then_tie(dates: np.ndarray, tie: Any) -> np.ndarray:
    """Stable argsort of datetime64[ns] values, equal dates ordered by ``tie()`` (integers; only
    worked out when some dates are equal)."""
    order = _date_argsort(dates)
    ns = dates.view(np.int64)[order]
    if ns.size < 2 or not bool((ns[1:] == ns[:-1]).any()):
        return order
    by_tie = stable_argsort(tie())
    return by_tie[_date_argsort(dates[by_tie])]


def _date_argsort(dates: np.ndarray) -> np.ndarray:
    """Stable argsort of datetime64[ns] values; by whole days (a radix sort) when they are whole days."""
    ns = dates.view(np.int64)
    day = 86_400_000_000_000
    if dates.size > 1 and not np.isnat(dates).any() and bool((ns[1:] >= ns[:-1]).all()):
        return np.arange(dates.size)
    if ns.size and not np.isnat(dates).any() and not (ns % day).any():
        return stable_argsort(ns // day)
    return np.argsort(dates, kind="stable")


def _key_numbers(d_keys: list[np.ndarray], p_keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """One integer per delivery and per payment for its key tuple, the same for the same tuple, ordered
    as the tuples are (None: the numbers could overflow)."""
    lows = [min(int(a.min()), int(b.min())) for a, b in zip(d_keys, p_keys, strict=True)]
    spans = [max(int(a.max()), int(b.max())) - low + 1 for a, b, low in zip(d_keys, p_keys, lows, strict=True)]
    if not key_fits(spans):
        return None
    d_num = mixed_radix(*((a - low, span) for a, low, span in zip(d_keys, lows, spans, strict=True)))
    p_num = mixed_radix(*((b - low, span) for b, low, span in zip(p_keys, lows, spans, strict=True)))
    return d_num, p_num


def _named(d_num: np.ndarray, p_num: np.ndarray) -> np.ndarray:
    """Which deliveries have a key number some payment has: by each payment's range of deliveries
    when the deliveries are sorted (key order), else by hashing the few payments."""
    if d_num.size > 1 and bool((d_num[1:] >= d_num[:-1]).all()):
        starts = np.bincount(np.searchsorted(d_num, p_num, side="left"), minlength=d_num.size + 1)
        ends = np.bincount(np.searchsorted(d_num, p_num, side="right"), minlength=d_num.size + 1)
        return np.cumsum(starts - ends)[: d_num.size] > 0
    return pd.Series(d_num).isin(p_num).to_numpy()


def _strictly_increasing(*codes: np.ndarray) -> bool:
    """Whether rows are sorted by the tuple of integer codes with no tuple twice."""
    if codes[0].size < 2:
        return True
    numbers = _key_numbers(list(codes), [c[:1] for c in codes])
    return numbers is not None and bool((numbers[0][1:] > numbers[0][:-1]).all())
