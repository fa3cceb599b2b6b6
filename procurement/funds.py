"""The insurance fund's money (医保预付, 冲抵, 直接结算): prepayment, offset and direct settlement.

The fund may prepay a share of each hospital's annual agreed amount at the start of the year (30% or
more by policy), offset it later against the hospital's settlements, and settle with the enterprise
directly instead of the hospital paying. A direct settlement is a payment made by the fund: it pays
deliveries like any payment (see ``as_payments``) and is what ``direct_settled_share`` counts, with the
hospital's own payments whose payer is the fund. Prepayments and offsets move no goods: they are
shown beside the payments, never counted as paid.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from procurement.metrics import ratio
from procurement.model import conform

FUND_COLUMNS = ("prepaid_amount", "prepay_offset", "prepay_balance")


def prepay_balance(prepaid: float | np.ndarray, offset: float | np.ndarray) -> float | np.ndarray:
    """预付余额: prepaid − offset."""
    return np.asarray(prepaid, dtype=float) - np.asarray(offset, dtype=float)


def prepaid_share(prepaid: float | np.ndarray, agreed_amount: float | np.ndarray) -> float | np.ndarray:
    """预付比例: prepaid amount / agreed amount."""
    return ratio(prepaid, agreed_amount)


def direct_settled_share(fund_paid: float | np.ndarray, paid_amount: float | np.ndarray) -> float | np.ndarray:
    """直接结算占比: payments whose payer is the fund / all payments."""
    return ratio(fund_paid, paid_amount)


def transfers_up_to(transfers: pd.DataFrame, as_of: date | pd.Timestamp) -> pd.DataFrame:
    """Transfers dated on or before ``as_of`` (the as-of day included)."""
    if len(transfers) == 0:
        return transfers
    return transfers[(pd.to_datetime(transfers["date"]) <= pd.Timestamp(as_of).normalize()).to_numpy(
        dtype=bool, na_value=False)]


def prepay_figures(transfers: pd.DataFrame, as_of: date | pd.Timestamp, by: list[str]) -> pd.DataFrame:
    """Prepaid, offset and balance by ``by`` (empty: one row in total), on or before ``as_of``."""
    rows = transfers_up_to(transfers, as_of)
    if len(rows) == 0:
        return pd.DataFrame(columns=[*by, *FUND_COLUMNS])
    amount = rows["amount"].astype("float64")
    frame = rows.assign(prepaid_amount=amount.where(rows["kind"] == "prepay", 0.0),
                        prepay_offset=amount.where(rows["kind"] == "offset", 0.0))
    cols = ["prepaid_amount", "prepay_offset"]
    g = frame.groupby(by, dropna=True)[cols].sum().reset_index() if by else frame[cols].sum().to_frame().T
    g["prepay_balance"] = prepay_balance(g["prepaid_amount"].to_numpy(), g["prepay_offset"].to_numpy())
    return g


def as_payments(transfers: pd.DataFrame) -> pd.DataFrame:
    """Direct settlements as payments by the fund (payer "fund"), to be matched to deliveries."""
    direct = transfers[(transfers["kind"] == "direct").to_numpy(dtype=bool, na_value=False)]
    return conform("payments", pd.DataFrame({
        "payment_id": "fund:" + direct["transfer_id"].astype("string"),
        "hospital_id": direct["hospital_id"], "supplier": direct["supplier"],
        "amount": direct["amount"].astype("float64"), "date": direct["date"], "payer": "fund",
    }))


def fund_paid(payments: pd.DataFrame, as_of: date | pd.Timestamp, by: list[str]) -> pd.DataFrame:
    """Amounts paid by the fund on or before ``as_of``, by ``by`` (empty: in total)."""
    if len(payments) == 0 or "payer" not in payments.columns:
        return pd.DataFrame(columns=[*by, "fund_paid"])
    day = pd.Timestamp(as_of).normalize()
    mine = (payments["payer"].astype("string") == "fund").to_numpy(dtype=bool, na_value=False)
    mine &= (pd.to_datetime(payments["date"]) <= day).to_numpy(dtype=bool, na_value=False)
    rows = payments[mine].assign(fund_paid=lambda f: f["amount"].astype("float64"))
    if not by:
        return pd.DataFrame({"fund_paid": [float(rows["fund_paid"].sum())]})
    return rows.groupby(by, dropna=True)["fund_paid"].sum().reset_index()
