"""The execution report: every metric of ``shared/spec/metrics.md`` at every level, as of a date.

One pass builds a hospital x product table of additive pieces (volumes, amounts, the payment
ledger's on-time and overdue amounts, savings); every level sums those pieces and derives its rates
with the functions of :mod:`procurement.metrics`, so a total is always the sum of its parts.

Level conventions (decided here, documented once):
- time_elapsed: a product's own period; a batch's period (min start .. max end of its products);
  hospitals, suppliers and the total use the agreed-volume-weighted mean of their products' figures,
  which is the share of their agreed volume that should have been bought by now.
- progress_status and warning above hospital x product apply the same rule to the level's own
  completion and time elapsed; counts per status (n_zero_purchase ...) and n_warning are extra columns.
- A purchase is winning when its product_id is in the catalogue; other rows with a generic name and
  specification are non-winning purchases. Purchases of winning products without an agreement count
  in purchased volume and amounts (not in completion of the detail rows, which need an agreement).
- Payments the ledger cannot tie to a product (supplier-only payments beyond its deliveries) count in
  hospital, supplier and total paid amounts but in no product or batch.
- mean/max price drop: over the products with an agreed volume in scope (metrics.md): a batch's,
  supplier's or the whole catalogue's products that some hospital signed; a hospital's own signed
  products; a product's own drop only when it is signed (else null). Products without a baseline
  price are left out (and savings are NaN/null when no product of a level has one).
- winning_share: the level's winning volume / all purchases (winning or not) of the drugs (generic name
  + specification) it covers; a hospital's only over its own purchases.
- Agreement years (:mod:`procurement.years`): every figure is for each product's agreement year in
  view (asked for, else the one containing as_of); purchases and their payments count toward the year
  whose period contains their delivery date; those outside every year are listed (``outside_period``).
- retained_savings: graded per hospital on the year's completion and on-time rate (:func:`_grades`:
  final figures once the year has ended, "actual"; projected completion mid-year, "projected"), then
  spread over its products, so every level is a plain sum.
- Rates with a zero or unknown denominator are NaN in the frames and null in JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from procurement import funds, supply
from procurement import metrics as m
from procurement.arrays import Coded, sorted_groups_of, stable_argsort
from procurement.ingest.values import norm_key_column
from procurement.labels import EXECUTION_COLUMNS
from procurement.ledger import payment_figures, unpaid_age_days
from procurement.model import Dataset
from procurement.report_inputs import (
    OUTSIDE_COLUMNS,
    Catalogue,
    Codes,
    ReportInputs,
    as_strings,
    by_codes,
    codes_of,
    drug_key,
    month_numbers,
    prepare,
)
from procurement.settings import Settings

METRIC_KEYS: tuple[str, ...] = (
    "agreed_volume",
    "purchased_volume",
    "completion_rate",
    "time_elapsed",
    "progress_status",
    "warning",
    "projected_completion",
    "agreed_amount",
    "purchase_amount",
    "paid_amount",
    "collection_rate",
    "paid_vs_agreed",
    "on_time_rate",
    "overdue_amount",
    "overdue_31_60",
    "overdue_61_90",
    "overdue_over_90",
    "avg_days_to_pay",
    "savings_agreed",
    "savings_realized",
    "savings_rate",
    "mean_price_drop",
    "max_price_drop",
    "winning_share",
    "retained_savings",
    # money and supply (metrics.md): null where a level cannot give one (a product has no prepayment)
    "delivery_rate",
    "delivered_48h_share",
    "open_shortages",
    "prepaid_amount",
    "prepay_offset",
    "prepay_balance",
    "prepaid_share",
    "direct_settled_share",
)

STATUS_COUNT_COLUMNS: dict[str, str] = {s: f"n_{s}" for s in m.PROGRESS_STATUSES}
LEVEL_IDS: dict[str, list[str]] = {
    "batches": ["batch", "period_start", "period_end"],
    "hospitals": ["hospital_id", "hospital_name", "region", "level"],
    "products": ["product_id", "batch", "generic_name", "specification", "supplier"],
    "suppliers": ["supplier"],
    "regions": ["region"],
}


_JSON_IDS: dict[str, list[str]] = {
    "batches": ["batch"],
    "hospitals": ["hospital_id", "hospital_name"],
    "products": ["product_id", "batch", "generic_name", "specification", "supplier"],
    "suppliers": ["supplier"],
    "regions": ["region"],
}
# extra JSON fields per level: the agreement year in view, and each hospital's assessment (考核): its
# grade and whether it is on the year's final figures ("actual", 实际) or projected mid-year
# ("projected", 预计); retained_savings follows the same basis
_JSON_EXTRA: dict[str, list[str]] = {
    "batches": ["agreement_year"],
    "hospitals": ["agreement_year", "grade", "grade_basis"],
    "products": ["agreement_year"],
    "suppliers": [],
    "regions": [],
}

def grade_basis_of(basis: pd.Series) -> str | None:
    """The one basis ("actual"/"projected") of graded rows, None when they mix or there is none."""
    distinct = set(basis.dropna())
    return distinct.pop() if len(distinct) == 1 else None


_PAYMENT_PIECES = (
    "paid_amount", "matched_paid", "amount_days", "paid_on_time", "due_or_paid",
    "overdue_amount", "overdue_31_60", "overdue_61_90", "overdue_over_90",
)


_ADDITIVE = (
    "agreed_volume", "purchased_volume", "agreed_amount", "purchase_amount", *_PAYMENT_PIECES,
    "te_weight", "te_base", "window_open", "n_agreements", *STATUS_COUNT_COLUMNS.values(), "n_warning",
)


_NAN_AWARE = ("savings_agreed", "savings_realized", "baseline_agreed", "retained_savings")


@dataclass
class Report:
    """Every figure of the execution report as of one date."""

    as_of: date
    total: dict[str, Any]
    batches: pd.DataFrame
    hospitals: pd.DataFrame
    products: pd.DataFrame
    suppliers: pd.DataFrame
    detail: pd.DataFrame
    execution: pd.DataFrame
    overdue: pd.DataFrame
    monthly: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    regions: pd.DataFrame = field(default_factory=pd.DataFrame)  # 所属地区 of the hospitals
    distributors: pd.DataFrame = field(default_factory=pd.DataFrame)  # delivery figures per 配送企业
    scorecard: pd.DataFrame = field(default_factory=pd.DataFrame)  # per winner (企业评分)
    # winning purchases up to as_of dated outside every agreement year of their product: counted for
    # no year (per hospital and product: rows, volume, first and last date)
    outside_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement_year: int | None = None  # the agreement year in view when all products share it, else None

    def to_json(self) -> dict[str, Any]:
        """The object of cli.md ``report --json``: rates as fractions, null where undefined."""
        out: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "total": {k: _plain(self.total.get(k)) for k in METRIC_KEYS},
        }
        out["agreement_year"] = self.agreement_year
        for level in ("batches", "hospitals", "products", "suppliers", "regions"):
            frame = getattr(self, level)
            out[level] = _records(frame, _JSON_IDS[level] + list(METRIC_KEYS) + _JSON_EXTRA[level])
        out["distributors"] = _records(self.distributors, ["distributor", *supply.DELIVERY_COLUMNS])
        out["execution"] = _records(self.execution, list(EXECUTION_COLUMNS))
        year_of_batch = (self.batches.set_index("batch")["agreement_year"]
                         if "agreement_year" in self.batches.columns else pd.Series(dtype=object))
        for row in out["execution"]:  # each row is its batch's year in view
            row["agreement_year"] = _plain(year_of_batch.get(row.get("批次名称")))
        out["outside_period"] = _records(self.outside_period, list(OUTSIDE_COLUMNS))
        out["warnings"] = list(self.warnings)
        return out


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN/NA/inf -> None, numpy -> Python, dates -> ISO."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.date().isoformat() if isinstance(value, pd.Timestamp) else value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in frame.columns]
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in frame[cols].itertuples(index=False)]


# --- sums per group, on integer group codes ------------------------------------------------------


def _group_sum(
    frame: pd.DataFrame, keys: list[str], coded: dict[str, tuple[np.ndarray, int]] | None = None
) -> pd.DataFrame:
    """``frame.groupby(keys, dropna=False, as_index=False).sum()`` on one integer group code.

    Same groups in the same order (keys sorted, blanks last) and the same sums (each group's rows
    added in row order, as pandas does), without pandas hashing millions of strings per key.
    ``coded``: per key, codes of the rows that follow the sorted values already, with the number of
    values (blanks: that number).
    """
    if frame.empty:
        return as_strings(frame).groupby(keys, dropna=False, as_index=False).sum()
    columns: list[Coded] = []
    for key in keys:
        if coded and key in coded:
            columns.append(coded[key])
        else:
            codes, uniques = pd.factorize(frame[key], sort=True)
            columns.append((codes, len(uniques)))  # blanks (-1) sort last
    group, first = sorted_groups_of(*columns)
    values = [c for c in frame.columns if c not in keys]
    sums = frame[values].groupby(by_codes(group, first.size), sort=True, observed=True).sum()
    out = as_strings(pd.DataFrame({k: frame[k].array.take(first) for k in keys}))
    for col in values:
        out[col] = sums[col].to_numpy()
    return out


def _ledger_cells(
    ledger: pd.DataFrame, figures: pd.DataFrame, coded: dict[str, tuple[np.ndarray, int]]
) -> pd.DataFrame:
    """Payment pieces per hospital, product and (product-less payments) supplier, from the codes.

    The same frame as :func:`_group_sum` over the ledger (groups sorted, blanks last, each group's
    rows added in row order by pandas), without materialising key columns for millions of rows.
    """
    (h, n_h), (p, n_p), (sup, n_s) = coded["hospital_id"], coded["product_id"], coded["supplier"]
    no_product = p == n_p
    group, first = sorted_groups_of((h, n_h), (p, n_p), (np.where(no_product, sup, n_s), n_s))
    # columns with nothing in them (no payments: nothing paid) sum to zero in every group
    busy = [c for c in figures.columns if figures[c].to_numpy().any()]
    sums = figures[busy].groupby(by_codes(group, first.size), sort=True, observed=True).sum()
    sums = sums.reindex(columns=figures.columns, fill_value=0.0)
    supplier = pd.array(ledger["supplier"].array.take(first), dtype="string")  # the ledger's may be categorical
    supplier[~no_product[first]] = pd.NA
    out = as_strings(pd.DataFrame({
        "hospital_id": ledger["hospital_id"].array.take(first),
        "product_id": ledger["product_id"].array.take(first),
    }))
    for col in figures.columns:
        out[col] = sums[col].to_numpy()
    out["pay_supplier"] = supplier
    return out


# --- cells: hospital x product pieces ------------------------------------------------------------


def _cells(inp: ReportInputs) -> pd.DataFrame:
    """Additive pieces per hospital x product (product NA: payments tied to a supplier only): agreed
    volumes, the summed purchases and the ledger's payment pieces (on its sorted key codes, ``coded``,
    when the ledger has them)."""
    dataset, purchases, ledger, coded = inp.dataset, inp.summed, inp.ledger, inp.coded
    as_of, settings = inp.as_of, inp.settings
    keys = ["hospital_id", "product_id", "pay_supplier"]
    ag = dataset.agreements.groupby(["hospital_id", "product_id"], dropna=False, as_index=False)["agreed_volume"].sum()
    ag["pay_supplier"] = pd.Series(pd.NA, index=ag.index, dtype="string")
    win = purchases[purchases["winning"]]
    pu = win.groupby(["hospital_id", "product_id"], dropna=False, as_index=False).agg(
        purchased_volume=("quantity", "sum"), purchase_amount=("amount", "sum")
    )
    pu["pay_supplier"] = pd.Series(pd.NA, index=pu.index, dtype="string")
    figures = payment_figures(ledger, as_of, settings.payment_days)
    led = _ledger_cells(ledger, figures, coded) if coded is not None and len(ledger) else None
    if led is None:
        led = pd.concat([as_strings(ledger[["hospital_id", "product_id", "supplier"]]), figures], axis=1)
        led["pay_supplier"] = led["supplier"].where(led["product_id"].isna())
        led = _group_sum(led.drop(columns="supplier"), keys)
    cells = pd.concat([ag, pu, led], ignore_index=True)
    for col in cells.columns.difference(keys):
        cells[col] = cells[col].astype("float64").fillna(0.0)
    cells = cells.groupby(keys, dropna=False, as_index=False).sum()

    info = inp.catalogue.by_id
    for col in ("batch", "generic_name", "specification", "supplier", "unit_price", "baseline_price",
                "agreement_start", "agreement_end", "drop", "agreement_year"):
        cells[col] = cells["product_id"].map(info[col])
    cells["supplier"] = cells["supplier"].astype("string").fillna(cells["pay_supplier"].astype("string"))
    for col in ("batch", "generic_name", "specification"):
        cells[col] = cells[col].astype("string")
    cells["agreed_amount"] = cells["agreed_volume"] * cells["unit_price"].fillna(0.0)
    cells["savings_agreed"] = m.savings(cells["agreed_volume"], cells["baseline_price"], cells["unit_price"])
    cells["savings_realized"] = m.savings(cells["purchased_volume"], cells["baseline_price"], cells["unit_price"])
    cells["baseline_agreed"] = cells["agreed_volume"] * cells["baseline_price"]
    capped = np.minimum(cells["purchased_volume"], cells["agreed_volume"])
    cells["capped_savings"] = m.savings(capped, cells["baseline_price"], cells["unit_price"])

    te = np.asarray(m.time_elapsed(as_of, cells["agreement_start"], cells["agreement_end"]), dtype="float64")
    agreed = cells["agreed_volume"].to_numpy()
    signed = agreed > 0
    cells["te_base"] = np.where(signed & ~np.isnan(te), agreed, 0.0)
    cells["te_weight"] = np.where(signed & ~np.isnan(te), agreed * np.nan_to_num(te), 0.0)
    window = np.asarray(m.warning_window_open(as_of, cells["agreement_start"], settings.warning_from_month))
    cells["window_open"] = (signed & window).astype("float64")
    cells["n_agreements"] = signed.astype("float64")
    completion = np.asarray(m.completion_rate(cells["purchased_volume"], cells["agreed_volume"]), dtype="float64")
    status = np.asarray(m.progress_status(cells["purchased_volume"], completion, te), dtype=object)
    for s, col in STATUS_COUNT_COLUMNS.items():
        cells[col] = (signed & (status == s)).astype("float64")
    warn = np.asarray(m.warning(completion, te, window, settings.warning_factor), dtype=bool)
    cells["n_warning"] = (signed & warn).astype("float64")
    return cells


def _grades(cells: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """考核 grade per hospital for the agreement year in view (metrics.md grade, projected_grade).

    Once the year has ended (its time elapsed is 1: as_of on or after its last day) the grade is on
    the year's final completion, ``grade_basis`` "actual" (实际). Mid-year it is the grade the hospital
    is heading for, on projected completion (completion / time elapsed), "projected" (预计); the
    on-time rate is the one to date in both. Before the year starts there is nothing to project:
    no grade (retained savings 0). A hospital with no signed product that has a period: graded on
    completion to date, basis unknown (None). Time elapsed of a hospital: its products' agreed-volume
    weighted mean, as everywhere in the report.
    """
    cols = ["purchased_volume", "agreed_volume", "paid_on_time", "due_or_paid", "te_weight", "te_base"]
    h = cells.groupby("hospital_id", dropna=False)[cols].sum()
    completion = np.asarray(m.completion_rate(h["purchased_volume"], h["agreed_volume"]), dtype="float64")
    on_time = m.on_time_rate(h["paid_on_time"], h["due_or_paid"])
    te = np.asarray(m.ratio(h["te_weight"], h["te_base"]), dtype="float64")
    ended = te >= 1.0
    projected = np.asarray(m.projected_completion(completion, te), dtype="float64")
    basis_completion = np.where(ended | np.isnan(te), completion, projected)
    grade = np.asarray(m.retention_grade(basis_completion, on_time, settings), dtype=object)
    grade[te == 0] = None
    basis = np.where(np.isnan(te), None, np.where(ended, "actual", "projected")).astype(object)
    return pd.DataFrame({"grade": grade, "grade_basis": basis}, index=h.index)


# --- levels --------------------------------------------------------------------------------------


def _sum(cells: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum additive pieces per group; savings stay NaN when no product of the group has a baseline."""
    g = cells.groupby(by, dropna=False, sort=True)
    out = g[list(_ADDITIVE)].sum()
    out = out.join(g[list(_NAN_AWARE)].sum(min_count=1)).reset_index()
    for c in by:  # an empty groupby loses the key dtype, and merges then refuse string vs float
        out[c] = out[c].astype(cells[c].dtype)
    return out


def _finish(frame: pd.DataFrame, settings: Settings, elapsed: pd.Series | None = None) -> pd.DataFrame:
    """Derive every rate and status of a level from its summed pieces."""
    f = frame
    f["completion_rate"] = m.completion_rate(f["purchased_volume"], f["agreed_volume"])
    te = elapsed if elapsed is not None else m.ratio(f["te_weight"], f["te_base"])
    f["time_elapsed"] = np.asarray(te, dtype="float64")
    f["progress_status"] = np.where(
        f["agreed_volume"] > 0,
        np.asarray(m.progress_status(f["purchased_volume"], f["completion_rate"], f["time_elapsed"]), dtype=object),
        None,
    )
    window = f["window_open"].to_numpy() > 0
    f["warning"] = np.asarray(m.warning(f["completion_rate"], f["time_elapsed"], window, settings.warning_factor), dtype=bool)
    f["projected_completion"] = m.projected_completion(f["completion_rate"], f["time_elapsed"])
    f["collection_rate"] = m.collection_rate(f["paid_amount"], f["purchase_amount"])
    f["paid_vs_agreed"] = m.paid_vs_agreed(f["paid_amount"], f["agreed_amount"])
    f["on_time_rate"] = m.on_time_rate(f["paid_on_time"], f["due_or_paid"])
    f["avg_days_to_pay"] = m.avg_days_to_pay(f["amount_days"], f["matched_paid"])
    f["savings_rate"] = m.savings_rate(f["savings_agreed"], f["baseline_agreed"])
    return f


def _drops(pairs: pd.DataFrame, by: list[str], catalogue: pd.DataFrame) -> pd.DataFrame:
    """Mean and max price drop over the distinct signed products of each group (``signed_drop``:
    NaN for a product without an agreed volume, which the mean and max leave out)."""
    d = pairs[by + ["product_id"]].dropna(subset=["product_id"]).drop_duplicates()
    d = d.merge(catalogue[["product_id", "signed_drop"]], on="product_id", how="left")
    g = d.groupby(by, dropna=False)["signed_drop"]
    return pd.DataFrame({"mean_price_drop": g.mean(), "max_price_drop": g.max()}).reset_index()


def _shares(purchases: pd.DataFrame, catalogue: pd.DataFrame) -> dict[str, Any]:
    """Winning-share numerators and denominators per level (drugs = generic name + specification)."""
    pu, cat = purchases, catalogue
    drugs = set(cat["drug"].dropna())
    pu = pu[pu["drug"].isin(drugs)]
    all_by_drug = pu.groupby("drug")["quantity"].sum()
    win = pu[pu["winning"]]
    total = {"num": float(win["quantity"].sum()), "den": float(pu["quantity"].sum())}
    hosp = pd.DataFrame({
        "num": win.groupby("hospital_id")["quantity"].sum(),
        "den": pu.groupby("hospital_id")["quantity"].sum(),
    }).fillna(0.0)
    prod_num = win.groupby("product_id")["quantity"].sum()
    prod = pd.DataFrame({
        "num": cat["product_id"].map(prod_num).fillna(0.0).to_numpy(),
        "den": cat["drug"].map(all_by_drug).fillna(0.0).to_numpy(),
    }, index=cat["product_id"])

    def by_group(col: str) -> pd.DataFrame:
        num = cat.assign(v=cat["product_id"].map(prod_num).fillna(0.0)).groupby(col)["v"].sum()
        den = cat.drop_duplicates([col, "drug"]).assign(v=lambda x: x["drug"].map(all_by_drug).fillna(0.0))
        return pd.DataFrame({"num": num, "den": den.groupby(col)["v"].sum()})

    return {"total": total, "hospitals": hosp, "products": prod, "batches": by_group("batch"),
            "suppliers": by_group("supplier")}


def _share_col(frame: pd.DataFrame, key: str, table: pd.DataFrame) -> np.ndarray:
    num = frame[key].map(table["num"]).astype("float64")
    den = frame[key].map(table["den"]).astype("float64")
    return np.asarray(m.winning_share(num, den), dtype="float64")


def _batch_periods(catalogue: pd.DataFrame) -> pd.DataFrame:
    g = catalogue.groupby("batch", dropna=True)
    out = pd.DataFrame({"period_start": g["agreement_start"].min(), "period_end": g["agreement_end"].max()})
    out.index = out.index.astype("string")
    return out


def _order(frame: pd.DataFrame, ids: list[str], extra: list[str]) -> pd.DataFrame:
    cols = ids + list(METRIC_KEYS) + [c for c in extra if c in frame.columns]
    for c in cols:
        if c not in frame.columns:
            frame[c] = pd.NA
    return frame[cols].reset_index(drop=True)


_EXTRA = ["n_agreements", *STATUS_COUNT_COLUMNS.values(), "n_warning"]


@dataclass
class _Context:
    """What every level is computed from: the hospital x product pieces and the lookups."""

    as_of: pd.Timestamp
    settings: Settings
    catalogue: pd.DataFrame
    purchases: pd.DataFrame
    cells: pd.DataFrame
    shares: dict[str, Any]
    grades: pd.DataFrame  # grade and grade_basis per hospital
    hospital_info: pd.DataFrame


def build_report(
    dataset: Dataset, as_of: date | None = None, settings: Settings | None = None, year: int | None = None
) -> Report:
    """Compute the whole execution report as of a date (default: the latest date in the data).

    Every figure is for one agreement year (协议年度, :mod:`procurement.years`) of each product: ``year``,
    else the year that contains as_of. Purchases count toward that year only when dated in it, and
    so do the payments of its deliveries (on-time rate, overdue); agreed volumes are that year's.
    The inputs (catalogue, ledger, summed purchases) are :func:`report_inputs.prepare`'s.
    """
    inp = prepare(dataset, as_of, settings, year)
    ts, settings, catalogue = inp.as_of, inp.settings, inp.catalogue.table
    cells = _cells(inp)
    grades = _grades(cells, settings)
    cells["grade"] = cells["hospital_id"].map(grades["grade"])
    cells["grade_basis"] = cells["hospital_id"].map(grades["grade_basis"])
    cells["retained_savings"] = m.retained_savings(cells["capped_savings"], cells["grade"], settings)
    ctx = _Context(ts, settings, catalogue, inp.summed, cells, _shares(inp.summed, catalogue), grades,
                   inp.dataset.hospitals.drop_duplicates("hospital_id", keep="last").set_index("hospital_id"))
    periods = _batch_periods(catalogue)
    detail = _detail_level(ctx)
    batches = _batch_level(ctx, periods)
    total = _total(ctx)
    report = Report(
        as_of=ts.date(), total=total, batches=batches, hospitals=_hospital_level(ctx),
        products=_product_level(ctx), suppliers=_supplier_level(ctx), regions=_region_level(ctx), detail=detail,
        execution=_execution(inp, detail, periods),
        overdue=_overdue(inp.ledger, ts, settings, inp.coded),
        monthly=_monthly(inp.purchases, inp.ledger, inp.catalogue, inp.product),
        warnings=[*_warnings(batches, detail, total, inp.ledger, inp.unknown, catalogue, cells),
                  *_unpriced_nonwinning(inp, detail),
                  *_year_warnings(inp.outside, inp.other_years_overdue, inp.all_agreements, inp.view)],
        outside_period=inp.outside, agreement_year=_single_year(catalogue["agreement_year"]),
    )
    return _with_money_and_supply(report, inp.dataset, ts, settings)


# --- agreement years -----------------------------------------------------------------------------


def _single_year(years: pd.Series) -> int | None:
    """The one agreement year of ``years``, None when they differ (or there are none)."""
    distinct = pd.unique(years.dropna())
    return int(distinct[0]) if len(distinct) == 1 else None


def _year_warnings(outside: pd.DataFrame, other_overdue: float, agreements: pd.DataFrame, view: pd.DataFrame
                   ) -> list[str]:
    """Purchases outside every agreement year, overdue money of other years, agreements of no year."""
    out: list[str] = []
    if len(outside):
        # quantity and pairs, not purchase lines: the same whether read from files or from the store's daily totals
        q, n = float(outside["quantity"].sum()), len(outside)
        out.append(f"{q:,.0f} 最小单位的中选产品采购 ({n} 个机构×产品) 在协议期外, 不计入任何协议年度 / "
                   f"{q:,.0f} units of winning purchases ({n} hospital x product pairs) are dated "
                   "outside the agreement period and count for no agreement year")
    if other_overdue > 0:
        out.append(f"另有 {other_overdue:,.2f} 元逾期未回款属于其他协议年度或协议期外的配送, 未计入本年度 / "
                   f"{other_overdue:,.2f} yuan overdue on deliveries of other agreement years (or outside the period) "
                   "is not in this year's figures")
    count = agreements["product_id"].map(view["n_years"])
    beyond = agreements[count.notna() & (count > 0) & (agreements["agreement_year"].fillna(1.0) > count)]
    if len(beyond):
        out.append(f"{len(beyond)} 条约定采购量的协议年度超出产品协议期的年数, 未计入 / {len(beyond)} agreement rows name "
                   "an agreement year beyond their product's agreement period and count for no year")
    return out


def _order_lines(dataset: Dataset) -> pd.DataFrame:
    """Lines that can tell a delivery rate: the store's, or from files the purchase lines themselves."""
    if len(dataset.order_lines):
        return dataset.order_lines
    purchases = dataset.purchases
    if "ordered_quantity" not in purchases.columns or "order_date" not in purchases.columns:
        return dataset.order_lines
    return purchases[(purchases["ordered_quantity"].notna() | purchases["order_date"].notna()).to_numpy()]


def _with_money_and_supply(report: Report, dataset: Dataset, ts: pd.Timestamp, settings: Settings) -> Report:
    """Delivery rates, open shortages and the fund's money at every level (metrics.md), and the
    supplier scorecard. Null where a level cannot give a figure: a product has no prepayment, and a
    payment is settled by the fund per hospital and supplier, not per product or batch."""
    lines = supply.delivery_lines(_order_lines(dataset), ts)
    batch_of = report.products.set_index("product_id")["batch"] if len(report.products) else pd.Series(dtype=object)
    if len(lines):
        lines["batch"] = lines["product_id"].map(batch_of)
    region_of = dataset.hospitals.drop_duplicates("hospital_id", keep="last").set_index("hospital_id")["region"]
    shortages = dataset.shortages.assign(batch=dataset.shortages["product_id"].map(batch_of),
                                         region=dataset.shortages["hospital_id"].map(region_of))
    transfers = dataset.fund_transfers.assign(region=dataset.fund_transfers["hospital_id"].map(region_of))
    payments = dataset.payments.assign(region=dataset.payments["hospital_id"].map(region_of))
    if len(lines):
        lines["region"] = lines["hospital_id"].map(region_of)
    nothing = {k: np.nan for k in ("prepaid_amount", "prepay_offset", "prepay_balance", "prepaid_share",
                                   "direct_settled_share")}
    for level, key in (("products", "product_id"), ("suppliers", "supplier"), ("hospitals", "hospital_id"),
                       ("batches", "batch"), ("regions", "region")):
        frame = getattr(report, level).copy()
        frame = _merged(frame, supply.delivery_figures(lines, [key]), key, ["delivery_rate", "delivered_48h_share"])
        frame = _merged(frame, supply.open_shortages(shortages, ts, [key]), key, ["open_shortages"])
        frame["open_shortages"] = frame["open_shortages"].fillna(0).astype(int)
        for col, value in nothing.items():
            frame[col] = value
        if level in ("hospitals", "batches", "regions") and len(transfers):
            frame = _merged(frame.drop(columns=list(funds.FUND_COLUMNS)), funds.prepay_figures(transfers, ts, [key]),
                            key, list(funds.FUND_COLUMNS), fill=0.0)
            frame["prepaid_share"] = funds.prepaid_share(frame["prepaid_amount"].to_numpy(),
                                                         frame["agreed_amount"].to_numpy())
        if level in ("hospitals", "suppliers", "regions"):
            paid = funds.fund_paid(payments, ts, [key])
            frame = _merged(frame, paid, key, ["fund_paid"], fill=0.0)
            frame["direct_settled_share"] = funds.direct_settled_share(frame.pop("fund_paid").to_numpy(),
                                                                       frame["paid_amount"].to_numpy())
        setattr(report, level, frame)
    total = report.total
    for col, value in supply.delivery_figures(lines, []).iloc[0].items() if len(lines) else []:
        total[col] = value
    total.setdefault("delivery_rate", None)
    total.setdefault("delivered_48h_share", None)
    total["open_shortages"] = int(supply.open_shortages(shortages, ts, [])["open_shortages"].iloc[0]) if len(shortages) else 0
    money = funds.prepay_figures(transfers, ts, [])
    for col in funds.FUND_COLUMNS:  # unknown (null) until the bureau's records are loaded
        total[col] = (float(money[col].iloc[0]) if len(money) else 0.0) if len(transfers) else None
    total["prepaid_share"] = (funds.prepaid_share(total["prepaid_amount"], total.get("agreed_amount") or 0.0)
                              if len(transfers) else None)
    fund = funds.fund_paid(payments, ts, [])
    total["direct_settled_share"] = funds.direct_settled_share(
        float(fund["fund_paid"].iloc[0]) if len(fund) else 0.0, total.get("paid_amount") or 0.0)
    report.distributors = supply.delivery_figures(lines, ["distributor"])
    report.scorecard = supply_scorecard(report, dataset, shortages, ts)
    report.warnings.extend(_prepay_warnings(report.hospitals, transfers, settings))
    return report


def _merged(frame: pd.DataFrame, figures: pd.DataFrame, key: str, cols: list[str], fill: float | None = None,
            ) -> pd.DataFrame:
    """``frame`` with ``cols`` of ``figures`` joined on ``key`` (NaN, or ``fill``, where it has none)."""
    out = frame.drop(columns=[c for c in cols if c in frame.columns])
    if len(figures):
        figures = figures.astype({key: "string"})
        out = out.assign(_k=out[key].astype("string")).merge(
            figures[[key, *cols]].rename(columns={key: "_k"}), on="_k", how="left").drop(columns="_k")
    else:
        for c in cols:
            out[c] = np.nan
    if fill is not None:
        out[cols] = out[cols].astype(float).fillna(fill)
    return out


def supply_scorecard(report: Report, dataset: Dataset, shortages: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame:
    """企业评分: per winner, its share of its drugs' agreed volume, delivered vs ordered, the 48-hour share,
    open shortages and days short, and payments received on time."""
    products = report.products
    if products.empty:
        return pd.DataFrame(columns=SCORECARD_COLUMNS)
    drug = products["generic_name"].astype("string") + "|" + products["specification"].astype("string")
    drug_total = products.groupby(drug)["agreed_volume"].transform("sum")
    mine = products.assign(_drug_total=drug_total).groupby("supplier", dropna=True)[
        ["agreed_volume", "_drug_total"]].sum()
    card = report.suppliers[["supplier", "agreed_volume", "purchased_volume", "on_time_rate", "delivery_rate",
                             "delivered_48h_share", "open_shortages", "direct_settled_share"]].copy()
    card["agreed_share"] = m.ratio(card["supplier"].map(mine["agreed_volume"]).to_numpy(dtype=float),
                                   card["supplier"].map(mine["_drug_total"]).to_numpy(dtype=float))
    lines = supply.delivery_lines(_order_lines(dataset), ts)
    card = _merged(card, supply.delivery_figures(lines, ["supplier"]), "supplier",
                   ["ordered_quantity", "delivered_quantity"])
    card = _merged(card, supply.days_short(shortages, ts, ["supplier"]), "supplier", ["days_short"], fill=0.0)
    return card[SCORECARD_COLUMNS]


SCORECARD_COLUMNS = [
    "supplier", "agreed_volume", "agreed_share", "purchased_volume", "ordered_quantity", "delivered_quantity",
    "delivery_rate", "delivered_48h_share", "open_shortages", "days_short", "on_time_rate", "direct_settled_share",
]


def _prepay_warnings(hospitals: pd.DataFrame, transfers: pd.DataFrame, settings: Settings) -> list[str]:
    """Hospitals whose prepaid share is below the policy's, once the bureau's prepayments are loaded."""
    if not (len(transfers) and (transfers["kind"] == "prepay").any()):
        return []
    low = hospitals[(hospitals["agreed_amount"] > 0)
                    & (hospitals["prepaid_share"].fillna(0.0) < settings.prepay_share_min)]
    return [f"{h['hospital_id']} {_plain(h.get('hospital_name')) or ''}: 医保预付比例 {_pct(h['prepaid_share'] or 0.0)} "
            f"低于 {_pct(settings.prepay_share_min)} / prepaid share {_pct(h['prepaid_share'] or 0.0)} below "
            f"{_pct(settings.prepay_share_min)}" for _, h in low.iterrows()]


def _detail_level(ctx: _Context) -> pd.DataFrame:
    """Hospital x product rows with an agreement, each on its product's own period."""
    signed = ctx.cells[ctx.cells["agreed_volume"] > 0]
    detail = _finish(signed.copy(), ctx.settings,
                     m.time_elapsed(ctx.as_of, signed["agreement_start"], signed["agreement_end"]))
    detail["mean_price_drop"] = detail["drop"]
    detail["max_price_drop"] = detail["drop"]
    for col in ("hospital_name", "region", "level"):
        detail[col] = detail["hospital_id"].map(ctx.hospital_info[col])
    detail["winning_share"] = _shares_cells(ctx.purchases, ctx.catalogue, detail)
    ids = ["hospital_id", "hospital_name", "region", "level", "product_id", "batch", "generic_name",
           "specification", "supplier", "unit_price", "baseline_price"]
    detail["agreement_year"] = detail["agreement_year"].astype("Int64")
    return _order(detail, ids, ["agreement_year", "grade", "grade_basis"])


def _product_level(ctx: _Context) -> pd.DataFrame:
    """Every catalogue product, bought or not, on its own period."""
    cat = ctx.catalogue
    pieces = _sum(ctx.cells[ctx.cells["product_id"].notna()], ["product_id"])
    products = _fill_zero(cat[LEVEL_IDS["products"]].merge(pieces, on="product_id", how="left"))
    products = _finish(products, ctx.settings, m.time_elapsed(ctx.as_of, cat["agreement_start"], cat["agreement_end"]))
    products["mean_price_drop"] = cat["signed_drop"].to_numpy()
    products["max_price_drop"] = cat["signed_drop"].to_numpy()
    products["winning_share"] = _share_col(products, "product_id", ctx.shares["products"])
    products["agreement_year"] = pd.array(cat["agreement_year"].to_numpy(), dtype="Int64")
    # the same order whether the catalogue came from files or the database: by period, then code
    products["_start"] = cat["agreement_start"].to_numpy()
    products = products.sort_values(["_start", "product_id"], kind="stable", na_position="last")
    return _order(products.drop(columns="_start").reset_index(drop=True), LEVEL_IDS["products"],
                  [*_EXTRA, "agreement_year"])


def _batch_level(ctx: _Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Batches on their own period (earliest start to latest end of their products)."""
    pieces = _sum(ctx.cells.dropna(subset=["product_id", "batch"]), ["batch"])
    batches = _fill_zero(periods.reset_index().merge(pieces, on="batch", how="left"))
    window = m.warning_window_open(ctx.as_of, batches["period_start"], ctx.settings.warning_from_month)
    batches["window_open"] = np.asarray(window, dtype=float)
    batches = _finish(batches, ctx.settings, m.time_elapsed(ctx.as_of, batches["period_start"], batches["period_end"]))
    batches = batches.merge(_drops(ctx.catalogue, ["batch"], ctx.catalogue), on="batch", how="left")
    batches["winning_share"] = _share_col(batches, "batch", ctx.shares["batches"])
    year = ctx.catalogue.groupby(ctx.catalogue["batch"].astype("string"))["agreement_year"].agg(_single_year)
    batches["agreement_year"] = pd.array(batches["batch"].astype("string").map(year), dtype="Int64")
    return _order(batches, LEVEL_IDS["batches"], [*_EXTRA, "agreement_year"])


def _hospital_level(ctx: _Context) -> pd.DataFrame:
    hospitals = _finish(_sum(ctx.cells, ["hospital_id"]), ctx.settings)
    signed = ctx.cells[ctx.cells["agreed_volume"] > 0]  # a hospital's price drops: its own signed products
    hospitals = hospitals.merge(_drops(signed, ["hospital_id"], ctx.catalogue), on="hospital_id", how="left")
    for col in ("hospital_name", "region", "level"):
        hospitals[col] = hospitals["hospital_id"].map(ctx.hospital_info[col])
    hospitals["winning_share"] = _share_col(hospitals, "hospital_id", ctx.shares["hospitals"])
    hospitals["grade"] = hospitals["hospital_id"].map(ctx.grades["grade"])
    hospitals["grade_basis"] = hospitals["hospital_id"].map(ctx.grades["grade_basis"])
    year = signed.groupby("hospital_id")["agreement_year"].agg(_single_year)
    hospitals["agreement_year"] = pd.array(hospitals["hospital_id"].map(year), dtype="Int64")
    return _order(hospitals, LEVEL_IDS["hospitals"], [*_EXTRA, "agreement_year", "grade", "grade_basis"])


def _region_level(ctx: _Context) -> pd.DataFrame:
    """By the hospitals' region (所属地区): a multi-city alliance or a province reads itself this way.
    Hospitals without a region form one group, its region blank."""
    region = ctx.cells["hospital_id"].map(ctx.hospital_info["region"]).astype("string")
    cells = ctx.cells.assign(region=region)
    regions = _finish(_sum(cells, ["region"]), ctx.settings)
    signed = cells[cells["agreed_volume"] > 0]
    regions = regions.merge(_drops(signed, ["region"], ctx.catalogue), on="region", how="left")
    return _order(regions, LEVEL_IDS["regions"], _EXTRA)


def _supplier_level(ctx: _Context) -> pd.DataFrame:
    suppliers = _finish(_sum(ctx.cells.dropna(subset=["supplier"]), ["supplier"]), ctx.settings)
    suppliers = suppliers.merge(_drops(ctx.catalogue, ["supplier"], ctx.catalogue), on="supplier", how="left")
    suppliers["winning_share"] = _share_col(suppliers, "supplier", ctx.shares["suppliers"])
    return _order(suppliers, LEVEL_IDS["suppliers"], _EXTRA)


def _total(ctx: _Context) -> dict[str, Any]:
    """The whole alliance as one dict of plain values (a row even when there is no data at all)."""
    one = pd.DataFrame({"_all": [1]})
    tot = _fill_zero(one.merge(_sum(ctx.cells.assign(_all=1), ["_all"]), on="_all", how="left"))
    tot = _finish(tot, ctx.settings)
    tot["mean_price_drop"] = m.mean_price_drop(ctx.catalogue["signed_drop"])
    tot["max_price_drop"] = m.max_price_drop(ctx.catalogue["signed_drop"])
    tot["winning_share"] = m.winning_share(ctx.shares["total"]["num"], ctx.shares["total"]["den"])
    total = {k: _plain(tot[k].iloc[0]) if k in tot else None for k in [*METRIC_KEYS, *_EXTRA]}
    for k in _EXTRA:
        total[k] = int(total[k] or 0)
    return total


def _fill_zero(frame: pd.DataFrame) -> pd.DataFrame:
    """Groups with no activity: zero for additive pieces, NaN kept for baseline-dependent savings."""
    for col in _ADDITIVE:
        if col not in frame.columns:
            frame[col] = 0.0
        frame[col] = frame[col].astype("float64").fillna(0.0)
    for col in _NAN_AWARE:
        if col not in frame.columns:
            frame[col] = np.nan
    return frame


def _shares_cells(purchases: pd.DataFrame, catalogue: pd.DataFrame, detail: pd.DataFrame) -> np.ndarray:
    """Winning share of each hospital x product row: its volume / the hospital's use of the same drug."""
    pu = purchases
    den = pu.groupby(["hospital_id", "drug"])["quantity"].sum().rename("den").reset_index()
    num = pu[pu["winning"]].groupby(["hospital_id", "product_id"])["quantity"].sum().rename("num").reset_index()
    drug = catalogue[["product_id", "drug"]]
    rows = detail[["hospital_id", "product_id"]].merge(drug, on="product_id", how="left")
    rows = rows.merge(num, on=["hospital_id", "product_id"], how="left").merge(den, on=["hospital_id", "drug"], how="left")
    return np.asarray(m.winning_share(rows["num"].fillna(0.0), rows["den"].fillna(0.0)), dtype="float64")


# --- execution report, aging, monthly, warnings --------------------------------------------------


def _execution(inp: ReportInputs, detail: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """国采医疗机构带量执行报表: one row per institution and batch, the platform's 23 columns in its order.

    ``detail``: the hospital x product rows with an agreement (签约产品) and their progress status;
    ``periods``: each batch's first and last day. From ``inp``: the purchases up to as_of (summed),
    and every purchase run, after as_of too, for the non-winning products known.

    - 对应非中选产品总数: non-winning products (drug + maker) known from any hospital's purchases, at
      any date, of the institution's signed drugs (generic name + specification); 采购非中选产品数:
      those the institution bought up to as_of (net quantity above 0: a line returned in full is not).
    - 非中选超量 / 非中选超额: a signed product whose drug's non-winning volume / amount at the
      institution passes its winning one (or ``settings.nonwinning_over_share`` of the total).
    - 对应可替代产品总数 / 采购可替代产品数: :func:`_substitute_counts`.
    """
    if detail.empty:
        return pd.DataFrame(columns=list(EXECUTION_COLUMNS))
    as_of, settings, catalogue = inp.as_of, inp.settings, inp.catalogue.table
    keys = ["hospital_id", "batch"]
    d = detail.assign(drug=detail["product_id"].map(inp.catalogue.by_id["drug"]))
    known = _known_nonwinning(inp.runs, inp.catalogue, inp.run_codes)
    pu = inp.summed
    nonwin = pu[~pu["winning"]].groupby(["hospital_id", "drug", "supplier"], dropna=False)["quantity"].sum()
    bought = (nonwin[nonwin > 0].reset_index().dropna(subset=["hospital_id", "drug"])
              .groupby(["hospital_id", "drug"]).size())
    pair = pd.MultiIndex.from_frame(d[["hospital_id", "drug"]])
    for value, flag in (("quantity", "_over"), ("amount", "_excess")):
        use = pu.pivot_table(index=["hospital_id", "drug"], columns="winning", values=value, aggfunc="sum", fill_value=0.0)
        lost = use[False] if False in use.columns else pd.Series(0.0, index=use.index)
        won = use[True] if True in use.columns else pd.Series(0.0, index=use.index)
        over = np.asarray(m.nonwinning_over(lost, won, settings.nonwinning_over_share), dtype=bool)
        d[flag] = pd.Series(over, index=use.index).reindex(pair, fill_value=False).to_numpy(dtype=bool)
    d["_over_below"] = d["_over"] & (d["progress_status"] == "below_schedule")
    for s in m.PROGRESS_STATUSES:
        d[f"_{s}"] = d["progress_status"] == s
    out = d.groupby(keys, sort=True).agg(
        医疗机构=("hospital_name", "first"), 地区=("region", "first"), 签约产品总数=("product_id", "size"),
        零采购产品数=("_zero_purchase", "sum"), 低于序时进度产品数=("_below_schedule", "sum"),
        超量采购产品数=("_over_purchase", "sum"), 正常采购产品数=("_normal", "sum"),
        非中选超量产品数=("_over", "sum"), 非中选超额产品数=("_excess", "sum"),
        低于序时进度且非中选超量的产品数=("_over_below", "sum"),
    ).reset_index()
    drugs = d[["hospital_id", "batch", "drug"]].dropna().drop_duplicates()
    drugs["_known"] = drugs["drug"].map(known).fillna(0)
    at = pd.MultiIndex.from_frame(drugs[["hospital_id", "drug"]])
    drugs["_bought"] = pd.Series(bought.reindex(at).to_numpy(), index=drugs.index).fillna(0)
    per = drugs.groupby(keys)[["_known", "_bought"]].sum()
    out = out.merge(per.reset_index(), on=keys, how="left")
    out = out.merge(_substitute_counts(d, pu, catalogue, inp.dataset.substitutes), on=keys, how="left")
    out["对应非中选产品总数"] = out["_known"].fillna(0).astype(int)
    out["采购非中选产品数"] = out["_bought"].fillna(0).astype(int)
    out["医疗机构编码"], out["批次名称"] = out["hospital_id"], out["batch"]
    out["批次开始时间"] = out["batch"].map(periods["period_start"])
    out["批次结束时间"] = out["batch"].map(periods["period_end"])
    out["序时进度"] = np.asarray(m.time_elapsed(as_of, out["批次开始时间"], out["批次结束时间"]), dtype="float64")
    for count, share in (("零采购产品数", "零采购产品数占比"), ("低于序时进度产品数", "低于序时进度产品数占比"),
                         ("超量采购产品数", "超量采购产品数占比"), ("正常采购产品数", "正常采购产品数占比")):
        out[count] = out[count].astype(int)
        out[share] = m.ratio(out[count], out["签约产品总数"])
    for col in ("签约产品总数", "非中选超量产品数", "非中选超额产品数", "对应可替代产品总数", "采购可替代产品数",
                "低于序时进度且非中选超量的产品数"):
        out[col] = out[col].fillna(0).astype(int)
    return out[list(EXECUTION_COLUMNS)]


def _known_nonwinning(runs: pd.DataFrame, cat: Catalogue, run_codes: Codes) -> pd.Series:
    """Per drug key, the distinct non-winning products (drug + maker) of every purchase run, any date."""
    codes, uniques = run_codes
    outside = ~cat.listed(uniques)[codes]  # membership once per distinct code
    found = runs.loc[outside, ["generic_name", "specification", "supplier"]].drop_duplicates()
    found = found.assign(drug=drug_key(found)).dropna(subset=["drug"])
    return found.drop_duplicates(["drug", "supplier"]).groupby("drug").size()


def _substitute_counts(
    signed: pd.DataFrame, purchases: pd.DataFrame, catalogue: pd.DataFrame, substitutes: pd.DataFrame
) -> pd.DataFrame:
    """对应可替代产品总数 and 采购可替代产品数 per institution and batch (0 where no list is loaded).

    Listed: the distinct substitutes the list gives for the institution's signed drugs (generic
    name + specification); a substitute listed for two of them counts once. Bought: those of them
    the institution bought up to as_of. A purchase line is a listed substitute S when its product
    code or its generic name is S, and it is not a line of the signed drug S is listed for (that is
    the drug itself, winning or not). Names, specifications and codes are compared normalised
    (simplified, half-width, case and spaces ignored); lines count only when their net quantity is
    above 0. A purchase line without a product code (a non-winning one) matches by name only.
    """
    out = signed[["hospital_id", "batch"]].drop_duplicates()
    out["对应可替代产品总数"], out["采购可替代产品数"] = 0, 0
    if substitutes.empty or signed.empty:
        return out
    subs = pd.DataFrame({"drug": _norm_drug(substitutes), "sub": norm_key_column(substitutes["substitute"])})
    subs = subs.dropna().drop_duplicates()
    norm = _norm_drug(catalogue).set_axis(catalogue["product_id"].to_numpy())
    mine = signed[["hospital_id", "batch", "product_id"]].assign(drug=signed["product_id"].map(norm))
    listed = mine.drop(columns="product_id").merge(subs, on="drug").drop_duplicates()
    lines = purchases.assign(pid=norm_key_column(purchases["product_id"].astype("string")),
                             gen=norm_key_column(purchases["generic_name"].astype("string")),
                             own=_norm_drug(purchases))
    lines = lines.groupby(["hospital_id", "pid", "gen", "own"], dropna=False)["quantity"].sum().reset_index()
    lines = lines[lines["quantity"] > 0]
    hit = pd.concat([lines.merge(listed, left_on=[c, "hospital_id"], right_on=["sub", "hospital_id"])
                     for c in ("pid", "gen")])
    hit = hit[hit["own"].isna() | (hit["own"] != hit["drug"])]
    counts = pd.DataFrame({
        "对应可替代产品总数": listed.drop_duplicates(["hospital_id", "batch", "sub"]).groupby(["hospital_id", "batch"]).size(),
        "采购可替代产品数": hit.drop_duplicates(["hospital_id", "batch", "sub"]).groupby(["hospital_id", "batch"]).size(),
    })
    out = out.drop(columns=list(counts.columns)).merge(counts.reset_index(), on=["hospital_id", "batch"], how="left")
    return out.fillna({c: 0 for c in counts.columns})


def _unpriced_nonwinning(inp: ReportInputs, detail: pd.DataFrame) -> list[str]:
    """A warning when non-winning purchases of signed drugs up to as_of came without an amount.

    Their amount is unknown (no price to apply), so 非中选超额 compares only the amounts given and
    may count too few: said, not hidden.
    """
    runs, (codes, uniques) = inp.runs, inp.run_codes
    rows = runs["kept"].to_numpy(dtype=bool) & ~inp.catalogue.listed(uniques)[codes] & (
        runs["unpriced"].to_numpy(dtype="float64") != 0)
    if not rows.any() or detail.empty:
        return []
    lines = runs.loc[rows, ["hospital_id", "generic_name", "specification"]]
    found = pd.DataFrame({"hospital_id": lines["hospital_id"].astype("string").to_numpy(),
                          "drug": drug_key(lines).to_numpy()}).drop_duplicates()
    signed = pd.DataFrame({"hospital_id": detail["hospital_id"].astype("string").to_numpy(),
                           "drug": detail["product_id"].map(inp.catalogue.by_id["drug"]).to_numpy()})
    n = len(found.merge(signed.drop_duplicates(), on=["hospital_id", "drug"]))
    if not n:
        return []
    return [f"{n} 个机构×药品的非中选采购缺少金额, 非中选超额产品数只按已有金额判断 / {n} hospital x drug pairs have "
            "non-winning purchases without an amount; 非中选超额 (non-winning over in amount) counts only the amounts given"]


def _norm_drug(frame: pd.DataFrame) -> pd.Series:
    """Generic name + specification compared as the import compares them (``norm_key``); NA when either is blank."""
    g = norm_key_column(frame["generic_name"].astype("string"))
    sp = norm_key_column(frame["specification"].astype("string"))
    return (g + "\x1f" + sp).astype("string")


def _overdue(
    ledger: pd.DataFrame, as_of: pd.Timestamp, settings: Settings,
    coded: dict[str, tuple[np.ndarray, int]] | None = None,
) -> pd.DataFrame:
    """Unpaid amounts past the payment term, per hospital, supplier, product and aging bucket."""
    index = m.overdue_bucket_index(unpaid_age_days(ledger, as_of), settings.payment_days)
    rows = np.flatnonzero(index >= 0)
    cols = ["hospital_id", "supplier", "product_id", "bucket"]
    if rows.size == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols} | {"amount": pd.Series(dtype="float64")})
    od = pd.DataFrame({c: ledger[c].array.take(rows) for c in cols[:3]})
    od["bucket"] = np.array(m.OVERDUE_BUCKETS, dtype=object)[index[rows]]
    od["amount"] = ledger["amount"].to_numpy(dtype="float64")[rows]
    od_codes = None
    if coded is not None:  # the bucket labels sort in their own order ('31-60' < '61-90' < '>90')
        od_codes = {c: (coded[c][0][rows], coded[c][1]) for c in cols[:3]}
        od_codes["bucket"] = (index[rows].astype(np.int64), len(m.OVERDUE_BUCKETS))
    return _group_sum(od, cols, od_codes)


def _monthly(
    purchases: pd.DataFrame, ledger: pd.DataFrame, cat: Catalogue, product: Codes | None = None
) -> pd.DataFrame:
    """Per month and batch: volumes and amounts bought, paid, and savings realised."""
    info = cat.by_id
    rows = np.flatnonzero(purchases["winning"].to_numpy(dtype=bool))
    # catalogue values looked up once per product and spread by code; months by numpy (dates are set)
    if product is not None:
        codes, uniques = product[0][rows], product[1]
    else:
        codes, uniques = pd.factorize(purchases["product_id"].array.take(rows))
    per = info.reindex(uniques)
    dates = purchases["date"].to_numpy(dtype="datetime64[ns]")[rows]
    quantity = purchases["quantity"].to_numpy(dtype="float64")[rows]
    win = pd.DataFrame({
        "quantity": quantity,
        "amount": purchases["amount"].to_numpy(dtype="float64")[rows],
        "savings_realized": m.savings(quantity, per["baseline_price"].to_numpy(dtype="float64")[codes],
                                      per["unit_price"].to_numpy(dtype="float64")[codes]),
    })
    batch_of, batches = pd.factorize(per["batch"].astype("string"), sort=True)
    a = _by_month_and_batch(month_numbers(dates), batch_of[codes], batches, win, {
        "purchased_volume": ("quantity", "sum"), "purchase_amount": ("amount", "sum"),
        "savings_realized": ("savings_realized", lambda s: s.sum(min_count=1))})
    paid_rows = np.flatnonzero(ledger["pay_date"].notna().to_numpy())
    paid_products = ledger["product_id"].array.take(paid_rows)
    if cat.blank_ids:  # a catalogue row without a code names the batch of payments without one
        batch, batches = pd.factorize(pd.Series(paid_products).astype("string").map(info["batch"]), sort=True)
    else:
        pay_codes, pay_products = codes_of(paid_products)
        batch_of, batches = pd.factorize(info["batch"].astype("string").reindex(pay_products), sort=True)
        batch = np.append(batch_of, -1)[pay_codes]  # a payment without a product (code -1): no batch (-1)
    paid = pd.DataFrame({"amount": ledger["amount"].to_numpy(dtype="float64")[paid_rows]})
    b = _by_month_and_batch(month_numbers(ledger["pay_date"].to_numpy(dtype="datetime64[ns]")[paid_rows]),
                            batch, batches, paid, {"paid_amount": ("amount", "sum")})["paid_amount"]
    out = a.join(b, how="outer").reset_index()
    for col in ("purchased_volume", "purchase_amount", "paid_amount"):
        out[col] = out[col].fillna(0.0)
    return out[["month", "batch", "purchased_volume", "purchase_amount", "paid_amount", "savings_realized"]]


def _by_month_and_batch(
    months: np.ndarray, batch: np.ndarray, batches: Any, values: pd.DataFrame, how: dict[str, tuple[str, Any]]
) -> pd.DataFrame:
    """``values.groupby([month, batch], dropna=False).agg(**how)``, grouped on one integer code.

    ``months``: months since 1970 (the groups' month: its first day, datetime64[ns]); ``batch``: codes into the sorted ``batches`` (-1: blank, grouped last as pandas does). The same
    groups in the same order with their rows in the same order, so the same sums; the index is
    made by that groupby over one row per group, so it is the very index pandas would give.
    """
    def labels(rows: np.ndarray) -> pd.DataFrame:
        names = pd.array(batches, dtype="string").take(batch[rows], allow_fill=True)
        return pd.DataFrame({"month": months[rows].astype("datetime64[M]").astype("datetime64[ns]"), "batch": names})

    if len(values) == 0:
        empty = labels(np.arange(0))
        return values.groupby([empty["month"], empty["batch"]], dropna=False).agg(**how)
    month = months - months.min()
    group, first = sorted_groups_of((month, int(month.max()) + 1), (batch, len(batches)))
    plain = {name: spec for name, spec in how.items() if spec[1] == "sum"}
    sums = values.groupby(by_codes(group, first.size), sort=True, observed=True).agg(**plain)  # cython sums
    other = {name: spec for name, spec in how.items() if name not in plain}
    if other:  # each group's values in row order, as a Series, as pandas' python path would call
        order = stable_argsort(group)
        bounds = np.r_[0, np.cumsum(np.bincount(group, minlength=len(first)))]  # where each group starts in order
        for name, (col, func) in other.items():
            x = values[col].to_numpy()[order]
            sums[name] = [func(pd.Series(x[a:b])) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    sums = sums[list(how)]
    sums.index = labels(first).groupby(["month", "batch"], dropna=False).size().index
    return sums


def _pct(x: Any) -> str:
    return "-" if x is None or pd.isna(x) else f"{x:.2%}"


def _warnings(
    batches: pd.DataFrame, detail: pd.DataFrame, total: dict[str, Any], ledger: pd.DataFrame,
    unknown: int, catalogue: pd.DataFrame, cells: pd.DataFrame,
) -> list[str]:
    """What a coordinator should look at first, in Chinese with English."""
    out: list[str] = []
    for _, b in batches[batches["warning"].astype(bool)].iterrows():
        out.append(f"{b['batch']}: 采购完成率 {_pct(b['completion_rate'])} 落后于序时进度 {_pct(b['time_elapsed'])} / "
                   f"batch {b['batch']}: completion {_pct(b['completion_rate'])} behind time elapsed {_pct(b['time_elapsed'])}")
    n_warn = int(detail["warning"].astype(bool).sum())
    if n_warn:
        out.append(f"{n_warn} 个机构×产品触发预警 / {n_warn} hospital x product pairs behind schedule (warning)")
    n_zero = int((detail["progress_status"] == "zero_purchase").sum())
    if n_zero:
        out.append(f"{n_zero} 个机构×产品零采购 / {n_zero} hospital x product pairs with zero purchase")
    if total.get("overdue_amount"):
        out.append(f"逾期未回款 {total['overdue_amount']:,.2f} 元 / {total['overdue_amount']:,.2f} yuan overdue")
    excess = float(ledger.loc[ledger["delivery_date"].isna(), "amount"].sum())
    if excess > 0:
        out.append(f"{excess:,.2f} 元回款未匹配到配送记录 / {excess:,.2f} yuan of payments matched no delivery")
    unagreed = cells[(cells["agreed_volume"] <= 0) & (cells["purchased_volume"] > 0)]
    if len(unagreed):
        out.append(f"{len(unagreed)} 个机构×产品有采购但无约定量 / {len(unagreed)} hospital x product pairs bought without an agreement")
    if unknown:
        out.append(f"{unknown} 条采购记录的产品编码不在中选产品目录中, 未计入 / {unknown} purchase rows with an unknown product code were left out")
    nobase = int(catalogue["baseline_price"].isna().sum())
    if nobase:
        out.append(f"{nobase} 个产品缺少集采前价格, 节约金额不含这些产品 / {nobase} products lack a baseline price and are left out of savings")
    noperiod = int((catalogue["agreement_start"].isna() | catalogue["agreement_end"].isna()).sum())
    if noperiod:
        out.append(f"{noperiod} 个产品缺少协议期, 无法计算序时进度 / {noperiod} products lack an agreement period (no time elapsed)")
    return out
