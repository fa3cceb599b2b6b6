"""The shared data model: the canonical tables every part of the tool speaks.

Importers produce these frames, the store persists them, metrics and the optimizer consume them,
and the app shows them. Column names are the English canonical names of
``shared/spec/data-templates.md``; volumes are minimum units, prices yuan per minimum unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Literal

import pandas as pd

TableKind = Literal[
    "hospitals", "products", "agreements", "purchases", "payments", "demand", "offers", "substitutes",
    "fund_transfers", "shortages",
]
TABLE_KINDS: tuple[TableKind, ...] = (
    "hospitals",
    "products",
    "agreements",
    "purchases",
    "payments",
    "demand",
    "offers",
    "substitutes",
    "fund_transfers",
    "shortages",
)

# Tables an alliance may run without: the province's substitutes list, the bureau's fund records and the
# shortage register. The others make the alliance (the synthetic alliance fills only those).
OPTIONAL_KINDS: tuple[TableKind, ...] = ("substitutes", "fund_transfers", "shortages")
CORE_KINDS: tuple[TableKind, ...] = tuple(k for k in TABLE_KINDS if k not in OPTIONAL_KINDS)

# Canonical stored columns and their pandas dtypes, per table kind.
# "string" columns hold pd.NA when blank; dates are datetime64[ns] (day precision).
COLUMNS: dict[str, dict[str, str]] = {
    "hospitals": {
        "hospital_id": "string",
        "hospital_name": "string",
        "region": "string",
        "level": "string",
        "other_ids": "string",  # comma-separated other codes (credit code, insurance code...), each resolves
    },
    "products": {
        "product_id": "string",  # given, or derived from batch+generic+spec+supplier
        "batch": "string",
        "generic_name": "string",
        "dosage_form": "string",
        "specification": "string",
        "pack_size": "float64",  # minimum units per pack, default 1
        "unit": "string",  # minimum unit (片/粒/支/袋/ml...), from the catalogue or the packaging text
        "pack_unit": "string",  # the pack 包装转换比 counts (盒/瓶/袋...), NA when neither column nor text names it
        "supplier": "string",
        "unit_price": "float64",  # yuan per minimum unit, whatever basis the file gave it in
        "baseline_price": "float64",  # NaN when unknown
        "agreement_start": "datetime64[ns]",
        "agreement_end": "datetime64[ns]",
        "other_codes": "string",  # comma-separated other codes (platform code, YPID...), each resolves
    },
    "agreements": {
        "hospital_id": "string",
        "product_id": "string",
        "agreed_volume": "float64",
        # 协议年度: 1, 2, 3... from the product's agreement start (year k runs from start + k-1 years to
        # the day before start + k years, capped at the agreement end); NaN (a store written before
        # years existed) reads as 1
        "agreement_year": "float64",
    },
    "purchases": {
        # with hospital_id the natural key: the file's order (line) id, made unique per hospital within
        # a file ("#2", "#3" for repeated lines); "h:" + row hash + occurrence when the file gives none
        "order_id": "string",
        "date": "datetime64[ns]",  # delivery (receipt) date: what completion and payment ages count from
        "hospital_id": "string",
        "product_id": "string",  # NA for a non-winning purchase (非中选)
        "generic_name": "string",
        "specification": "string",
        "supplier": "string",
        "quantity": "float64",  # minimum units received (a return line is negative)
        "amount": "float64",  # yuan; quantity x unit price when the file gives none
        "winning": "bool",
        "ordered_quantity": "float64",  # minimum units ordered, NaN when the file gives none (delivery rate)
        "order_date": "datetime64[ns]",  # when ordered, NaT when the file gives none (48-hour delivery share)
        "distributor": "string",  # 配送企业: who delivered and invoiced; never the winner/maker
        "invoice_id": "string",  # 发票号: what a payment may name
    },
    "payments": {
        # with hospital_id the natural key; "h:" + row hash + occurrence when the file gives none
        "payment_id": "string",
        "order_id": "string",
        "hospital_id": "string",
        "product_id": "string",
        "supplier": "string",
        "amount": "float64",
        "date": "datetime64[ns]",
        "invoice_id": "string",  # 发票号: the deliveries it pays, when they carry it
        "distributor": "string",  # 配送企业 that was paid (hospitals usually pay the distributor)
        "payer": "string",  # "hospital" or "fund" (医保基金 direct settlement); blank: the hospital
        # delivery date of the invoice or order this payment names (resolved against the same
        # hospital's purchases), NA when unlinked: lets payment matching work on daily totals
        "order_date": "datetime64[ns]",
        "link_by": "string",  # where order_date, a blank product or supplier came from: invoice, order, distributor
    },
    "demand": {
        "hospital_id": "string",
        "generic_name": "string",
        "specification": "string",
        "declared_volume": "float64",
        "current_supplier": "string",
    },
    "offers": {
        "generic_name": "string",
        "specification": "string",
        "supplier": "string",
        "unit_price": "float64",
        "capacity": "float64",  # NaN = unlimited
        "regions": "string",  # comma-separated region names, NA = all
        "min_share": "float64",  # default 0
        "agreed_ratio": "float64",  # NaN = rule by number of winners
        "backup": "bool",  # 备选企业: backup supply for a disruption re-plan, never a winner in the plan
    },
    # the province's list of products that can replace a winning drug (alliance-wide, like products):
    # the winning drug by generic name + specification, the substitute by product code or generic name
    # as the list gives it (the execution report matches either against purchases, see report.py)
    "substitutes": {
        "generic_name": "string",
        "specification": "string",
        "substitute": "string",
    },
    # the insurance bureau's records of what the fund paid (医保基金): prepayment of part of a hospital's
    # agreed amount (预付), its later offset against the hospital's settlements (冲抵), and direct
    # settlement with the enterprise instead of the hospital paying (直接结算, counted as a payment)
    "fund_transfers": {
        "transfer_id": "string",  # with hospital_id the natural key; "h:" + row hash + occurrence if none
        "hospital_id": "string",
        "batch": "string",  # NA: the hospital's transfer for all batches
        "kind": "string",  # "prepay", "offset" or "direct"
        "amount": "float64",  # yuan
        "date": "datetime64[ns]",
        "supplier": "string",  # the enterprise a direct settlement paid (NA otherwise)
    },
    # shortages (缺货) registered by hospitals or the platform: open from start_date until closed
    "shortages": {
        "shortage_id": "string",  # with hospital_id the natural key; "h:" + row hash + occurrence if none
        "hospital_id": "string",
        "product_id": "string",  # NA when the register names a product outside the catalogue
        "generic_name": "string",
        "specification": "string",
        "supplier": "string",  # the maker (生产企业) that does not deliver
        "distributor": "string",  # 配送公司
        "start_date": "datetime64[ns]",  # 缺货开始 (the first order that was not delivered)
        "end_date": "datetime64[ns]",  # closed on (恢复供应/关闭), NaT while open
        "orders": "float64",  # 缺货订单提交次数
        "quantity": "float64",  # minimum units short, where given
    },
}

# Natural keys: re-importing a row with the same key replaces it instead of adding it. Order and payment
# ids are scoped by hospital: one hospital's rows can never replace another's, whatever ids it sends.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "hospitals": ("hospital_id",),
    "products": ("product_id",),
    "agreements": ("hospital_id", "product_id", "agreement_year"),
    "purchases": ("hospital_id", "order_id"),
    "payments": ("hospital_id", "payment_id"),
    "demand": ("hospital_id", "generic_name", "specification"),
    "offers": ("generic_name", "specification", "supplier"),
    "substitutes": ("generic_name", "specification", "substitute"),
    "fund_transfers": ("hospital_id", "transfer_id"),
    "shortages": ("hospital_id", "shortage_id"),
}


# Values a blank cell of a column stands for (data-templates.md): an agreement without 协议年度 is year 1.
DEFAULTS: dict[str, dict[str, object]] = {"agreements": {"agreement_year": 1.0}}


def empty_frame(kind: str) -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes of ``kind``."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS[kind].items()})


def conform(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns of ``kind`` (missing ones blank), typed."""
    out = pd.DataFrame(index=frame.index)
    for col, dtype in COLUMNS[kind].items():
        if col in frame.columns:
            out[col] = frame[col].astype(dtype) if dtype != "bool" else frame[col].fillna(False).astype(bool)
        else:
            out[col] = pd.Series(pd.NA if dtype == "string" else None, index=frame.index, dtype=dtype) if dtype != "bool" else False
    return _defaults(kind, out.reset_index(drop=True))


def _defaults(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Blank cells of columns with a default (``DEFAULTS``) filled with it."""
    for col, value in DEFAULTS.get(kind, {}).items():
        if frame[col].isna().any():
            frame[col] = frame[col].fillna(value)
    return frame


def canonical(kind: str, frame: pd.DataFrame, fresh: bool = False) -> pd.DataFrame:
    """``conform`` unless ``frame`` already has exactly the canonical columns and dtypes of ``kind``
    (then only a fresh index): re-casting a million-row table that is canonical already is not free.

    ``fresh``: ``frame`` is a new frame nobody else holds; with a 0..n index already it is not copied
    again (a copy of a million-row table costs a few hundred ms and its size in memory).
    """
    ready = list(frame.columns) == list(COLUMNS[kind]) and all(
        str(frame[c].dtype) == str(pd.Series(dtype=t).dtype) for c, t in COLUMNS[kind].items()
    )
    if not ready:
        return conform(kind, frame)
    if fresh and frame.index.equals(pd.RangeIndex(len(frame))):
        return _defaults(kind, frame)
    return _defaults(kind, frame.reset_index(drop=True))


@dataclass
class Dataset:
    """All tables of an alliance (or of one hospital, when scoped)."""

    hospitals: pd.DataFrame = field(default_factory=lambda: empty_frame("hospitals"))
    products: pd.DataFrame = field(default_factory=lambda: empty_frame("products"))
    agreements: pd.DataFrame = field(default_factory=lambda: empty_frame("agreements"))
    purchases: pd.DataFrame = field(default_factory=lambda: empty_frame("purchases"))
    payments: pd.DataFrame = field(default_factory=lambda: empty_frame("payments"))
    demand: pd.DataFrame = field(default_factory=lambda: empty_frame("demand"))
    offers: pd.DataFrame = field(default_factory=lambda: empty_frame("offers"))
    substitutes: pd.DataFrame = field(default_factory=lambda: empty_frame("substitutes"))
    fund_transfers: pd.DataFrame = field(default_factory=lambda: empty_frame("fund_transfers"))
    shortages: pd.DataFrame = field(default_factory=lambda: empty_frame("shortages"))
    # purchase lines that carry an order date or an ordered quantity, for delivery monitoring (配送率):
    # what the store's daily totals cannot tell; from files, taken from ``purchases`` itself
    order_lines: pd.DataFrame = field(default_factory=lambda: empty_frame("purchases"))

    def table(self, kind: str) -> pd.DataFrame:
        return getattr(self, kind)

    def with_table(self, kind: str, frame: pd.DataFrame) -> Dataset:
        return replace(self, **{kind: frame})

    def scoped(self, hospital_id: str | None) -> Dataset:
        """Only one hospital's rows (reference tables stay whole, other hospitals are dropped)."""
        if hospital_id is None:
            return self
        changes = {}
        for f in fields(self):
            frame = getattr(self, f.name)
            if "hospital_id" in frame.columns:
                changes[f.name] = frame[frame["hospital_id"] == hospital_id].reset_index(drop=True)
        return replace(self, **changes)
