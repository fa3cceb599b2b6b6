"""Renewal (接续采购): the next cycle's declaration (报量) file from each hospital's actual use.

When an agreement period ends, the next one starts from what hospitals really used: per hospital and
drug of the batch, the last 12 months of purchases, winning and non-winning alike (a hospital that
bought a non-winning product still needs the drug). The file is the demand template, prefilled, for
hospitals to confirm, and the planner (``optimizer plan``) reads it back as it is. The agreed volume
the renewal rule gives is shown beside it for reference: the ratio by number of winners (national
rule), or the alliance's own renewal ratio (``Settings.renewal_ratio``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from procurement.excel_safety import keep_as_text
from procurement.ingest.values import norm_key
from procurement.labels import RENEWAL_LABELS_ZH
from procurement.model import Dataset
from procurement.problems import InputError, Problem
from procurement.settings import Settings, agreed_ratio_by_winners


@dataclass
class Renewal:
    """The next cycle's declarations of one batch, and the 12 months of use they come from."""

    batch: str
    window_start: date
    window_end: date
    rows: pd.DataFrame  # RENEWAL_LABELS_ZH keys


def _window(dataset: Dataset, products: pd.DataFrame, as_of: date | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The last 12 months: up to the period's end, or the latest purchase if the period has not ended."""
    end = pd.to_datetime(products["agreement_end"]).max()
    latest = pd.to_datetime(dataset.purchases["date"]).max() if len(dataset.purchases) else pd.NaT
    if as_of is not None:
        end = pd.Timestamp(as_of)
    elif pd.isna(end) or (not pd.isna(latest) and latest < end):
        end = latest
    if pd.isna(end):
        end = pd.Timestamp(date.today())
    end = end.normalize()
    return end - pd.DateOffset(years=1) + pd.Timedelta(days=1), end


def renew(dataset: Dataset, batch: str, settings: Settings | None = None, as_of: date | None = None) -> Renewal:
    """Per hospital and drug of ``batch``: last 12 months of use as the declared volume (申报量)."""
    settings = settings or Settings()
    products = dataset.products[dataset.products["batch"].astype("string") == batch]
    if products.empty:
        known = sorted(dataset.products["batch"].dropna().astype(str).unique())
        raise InputError([Problem("--batch", None, None, None,
                                  f"没有集采批次 {batch}（已有：{'、'.join(known) or '无'}）",
                                  f"no batch {batch} (known: {', '.join(known) or 'none'})")])
    start, end = _window(dataset, products, as_of)
    drugs = products.assign(_key=_drug_keys(products))
    names = drugs.drop_duplicates("_key").set_index("_key")[["generic_name", "specification"]]
    winners = drugs.groupby("_key")["supplier"].nunique()
    pu = dataset.purchases
    pu = pu.assign(_key=_drug_keys(pu), _day=pd.to_datetime(pu["date"]))
    pu = pu[pu["_key"].isin(names.index) & (pu["_day"] >= start) & (pu["_day"] <= end)]
    pu = pu.assign(winning_use=pu["quantity"].where(pu["winning"].astype(bool), 0.0),
                   nonwinning_use=pu["quantity"].where(~pu["winning"].astype(bool), 0.0),
                   hospital_id=pu["hospital_id"].astype("string"), supplier=pu["supplier"].astype("string"))
    use = pu.groupby(["hospital_id", "_key"], observed=True)[["winning_use", "nonwinning_use"]].sum()
    by_supplier = pu.groupby(["hospital_id", "_key", "supplier"], observed=True)["quantity"].sum()
    current = (by_supplier.reset_index().sort_values(["quantity", "supplier"], ascending=[False, True])
               .drop_duplicates(["hospital_id", "_key"]).set_index(["hospital_id", "_key"])["supplier"])
    signed = _signed_pairs(dataset, products)
    pairs = sorted(set(use.index) | signed)
    hospital_names = dataset.hospitals.drop_duplicates("hospital_id", keep="last").set_index("hospital_id")[
        "hospital_name"]
    rows = []
    for hid, key in pairs:
        w, n = (float(v) for v in use.loc[(hid, key)]) if (hid, key) in use.index else (0.0, 0.0)
        ratio = settings.renewal_ratio if settings.renewal_ratio is not None else agreed_ratio_by_winners(
            int(winners.get(key, 1)))
        declared = w + n
        rows.append({
            "hospital_id": hid, "hospital_name": hospital_names.get(hid),
            "generic_name": names.at[key, "generic_name"], "specification": names.at[key, "specification"],
            "declared_volume": declared, "current_supplier": current.get((hid, key)),
            "winning_use": w, "nonwinning_use": n, "ratio": ratio,
            "renewal_volume": float(math.ceil(round(ratio * declared, 6))),
        })
    frame = pd.DataFrame(rows, columns=list(RENEWAL_LABELS_ZH))
    return Renewal(batch, start.date(), end.date(), frame)


def _drug_keys(frame: pd.DataFrame) -> pd.Series:
    """Generic name + specification in comparable form (全角, 繁体, spaces and × do not matter)."""
    return (_norm_keys(frame["generic_name"]) + "|" + _norm_keys(frame["specification"])).astype(object)


def _norm_keys(values: pd.Series) -> pd.Series:
    """norm_key of each value, computed once per distinct value (a year of purchases repeats a few
    hundred names: per row it took seconds)."""
    text = values.astype("string").fillna("")
    table = {v: norm_key(v) or "" for v in pd.unique(text.to_numpy(dtype=object))}
    return text.map(table).astype(object)


def _signed_pairs(dataset: Dataset, products: pd.DataFrame) -> set[tuple[str, str]]:
    """(hospital, drug) pairs with an agreement in the batch: listed even when nothing was bought."""
    ag = dataset.agreements.merge(products[["product_id", "generic_name", "specification"]], on="product_id")
    keys = _drug_keys(ag)
    return {(str(h), k) for h, k in zip(ag["hospital_id"], keys, strict=True)}


def write_renewal_xlsx(renewal: Renewal, path_or_buffer: Any) -> None:
    """The declaration file: the demand template's headers prefilled, ready to send to hospitals."""
    wb = Workbook()
    ws = wb.active
    ws.title = "报量"
    ws.append([f"{renewal.batch} 接续采购报量（申报量 = 近12个月实际用量，"
               f"{renewal.window_start.isoformat()} 至 {renewal.window_end.isoformat()}，请核对后填报）"])
    ws["A1"].font = Font(bold=True)
    ws.append([RENEWAL_LABELS_ZH[c] for c in RENEWAL_LABELS_ZH])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    for row in renewal.rows.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for cells in ws.iter_rows(min_row=3):
        for cell in cells:
            keep_as_text(cell)  # a hospital named =HYPERLINK(...) stays text
    for col, width in zip("ABCDEFGHIJ", (10, 24, 18, 14, 12, 24, 14, 14, 10, 14), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("说明")
    for line in (
        "接续采购报量说明 / renewal declaration",
        "申报量：近12个月该药品（中选与非中选产品合计）的实际采购量，最小制剂单位。请各医疗机构核对、修改后交回。",
        "declared volume: the last 12 months of use of the drug (winning and non-winning), in minimum units.",
        "测算比例、按规则测算约定量：按中选企业数（1家50%，2家60%，3家70%，4家及以上80%）或联盟设定的接续比例测算，仅供参考。",
        "the ratio and renewal volume follow the number of winners, or the alliance's renewal ratio; for reference.",
    ):
        notes.append([line])
    wb.save(path_or_buffer)


def _cell(value: Any) -> Any:
    """Numbers as numbers, blanks blank (text is kept as text by ``keep_as_text``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value
