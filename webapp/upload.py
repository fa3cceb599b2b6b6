"""What the upload page shows of an import, separate from the page so it can be tested without a browser.

The import itself (parse, check, store) is :mod:`procurement.workflow`, the same as the command
line's; here are its tables in the user's language and the marked copy of each file with problems.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from procurement import store
from procurement.workflow import ImportCheck
from webapp import formats
from webapp.i18n import label, t
from webapp.tables import problems_frame


def left_out_text(left_out: dict[str, int], lang: str = "zh") -> str:
    """Rows left out by reason, in one cell: '已取消/作废/拒收 2，非集采药品 3'."""
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{t(f'left_{k}', lang)} {n}" for k, n in left_out.items())


def sheets_frame(check: ImportCheck, lang: str = "zh") -> pd.DataFrame:
    """One row per sheet: its kind, where the header was, rows read, imported and left out (why),
    the quantity column taken, columns not used, problems and warnings: nothing dropped unseen."""
    rows = []
    for s in check.result.sheets:
        summary = s.to_json()
        rows.append({
            t("col_file", lang): s.file,
            t("col_sheet", lang): s.sheet,
            t("col_kind", lang): t(f"kind_{s.kind}" if s.kind else "kind_unknown", lang),
            t("col_header_row", lang): s.header_row,
            t("col_rows", lang): 0 if s.frame is None else len(s.frame),
            t("col_problem_count", lang): len(s.problems),
            t("col_rows_read", lang): summary["rows"],
            t("col_left_out", lang): left_out_text(summary["left_out"], lang),
            t("col_quantity_column", lang): summary.get("quantity_column", ""),
            t("col_unused", lang): "、".join(summary.get("columns_not_used", [])),
            t("col_warning_count", lang): len(s.warnings),
            t("col_note", lang): summary.get("note", ""),
        })
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame[t("col_header_row", lang)] = frame[t("col_header_row", lang)].astype("Int64")
    return frame


def outside_frame(summary: dict, lang: str = "zh") -> pd.DataFrame:
    """The top codes and names of drugs left out as outside the procurement, for one sheet."""
    frame = pd.DataFrame(summary.get("outside_procurement_top", []), columns=["code", "name", "rows"])
    return frame.rename(columns={"code": t("col_drug_code", lang), "name": t("col_drug_name", lang),
                                 "rows": t("col_rows", lang)})


# Columns of the page's tables by the app's number format (webapp.formats), as i18n keys of their headers.
SHEET_COUNTS = ("col_header_row", "col_rows", "col_problem_count", "col_rows_read", "col_warning_count")
OUTSIDE_COUNTS = ("col_rows",)
PROBLEM_COUNTS = ("col_row",)
RECORD_VOLUMES = ("col_record_quantity",)
RECORD_MONEY = ("col_record_amount",)
TRAIL_COUNTS = ("import_id",)


def on_screen(frame: pd.DataFrame, lang: str = "zh", *, counts: Sequence[str] = (), volumes: Sequence[str] = (),
              money: Sequence[str] = ()) -> pd.DataFrame:
    """A table whose headers are already in ``lang``, with the app's format on its numbers
    (webapp.formats.table: thousands separators, yuan, blanks for gaps) for widgets.dataframe."""
    kinds = {t(key, lang): fmt for keys, fmt in ((counts, formats.COUNT_FORMAT), (volumes, formats.VOLUME_FORMAT),
                                                 (money, formats.MONEY_FORMAT)) for key in keys}
    return formats.table(frame, None, lang, text={c: str(c) for c in frame.columns},
                         kinds={c: f for c, f in kinds.items() if c in frame.columns})


def preview_frame(frame: pd.DataFrame, kind: str | None, lang: str = "zh") -> pd.DataFrame:
    """The first rows a sheet was read into, as the app's tables read: a canonical column has its
    translated header with its unit (else the template's Chinese header), numbers their format, dates
    no time of day, gaps blank."""
    from procurement.ingest.headers import FIELDS

    template = {f.name: f.zh for f in FIELDS.get(kind or "", ())}
    shown = frame.drop(columns=["_row"], errors="ignore").head(20)
    names = {}
    for col in shown.columns:
        name = label(col, lang)
        unit = formats.header(col, lang)[len(name):]  # （元）, （元/单位） where the column is money or a price
        if name == col:  # no metric label: the app's own field name, else the template's header
            own = t(f"field_{col}", lang)
            name = own if own != f"field_{col}" else template[col] if lang == "zh" and col in template else \
                col.replace("_", " ")
        names[col] = f"{name}{unit}"
    kinds = {c: formats.VOLUME_FORMAT for c in ("quantity", "ordered_quantity") if c in shown.columns}
    return formats.table(shown, None, lang, text=names, kinds=kinds)


def problems_table(check: ImportCheck, lang: str = "zh") -> pd.DataFrame:
    return problems_frame(check.result.problems, lang)


def marked_copy(check: ImportCheck, file_name: str) -> bytes:
    """The user's own file with the bad cells marked, to fix in Excel and upload again."""
    from procurement.ingest.marking import mark_problems

    source = next(s for s in check.sources if s[0] == file_name)
    return mark_problems(source, check.problems_of(file_name))


_RECORD_ID = {"purchases": "order_id", "payments": "payment_id"}


def removals_frame(preview: dict[str, pd.DataFrame], lang: str = "zh") -> pd.DataFrame:
    """One row per stored row a correction removes: kind, hospital, id, day, product, quantity, amount."""
    parts = []
    for kind, frame in preview.items():
        if frame.empty:
            continue
        parts.append(pd.DataFrame({
            t("col_record_kind", lang): t(f"kind_{kind}", lang),
            t("col_record_hospital", lang): frame["hospital_id"].astype(object),
            t("col_record_id", lang): frame[_RECORD_ID[kind]].astype(object),
            t("col_record_date", lang): frame["date"].dt.strftime("%Y-%m-%d"),
            t("col_record_product", lang): frame["product_id"].astype(object),
            t("col_record_quantity", lang): frame["quantity"] if "quantity" in frame else float("nan"),
            t("col_record_amount", lang): frame["amount"],
        }))
    cols = [t(f"col_record_{c}", lang) for c in ("kind", "hospital", "id", "date", "product", "quantity", "amount")]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def removal_trail_frame(trail: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The removals of ``history.removals`` for display: import, user, time, file, hash, then the row."""
    names = {"import_id": "import_id", "user": "user", "imported_at": "imported_at", "source_name": "source_name",
             "file_hash": "file_hash", "kind": "col_record_kind", "hospital_id": "col_record_hospital",
             "row_id": "col_record_id", "date": "col_record_date", "product_id": "col_record_product",
             "amount": "col_record_amount"}
    out = trail[list(names)].copy()
    out["kind"] = out["kind"].map(lambda k: t(f"kind_{k}", lang))
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    return out.rename(columns={c: t(k, lang) for c, k in names.items()})


def summary_counts(summary: store.ImportSummary) -> dict[str, int]:
    """Rows added, replaced and unchanged over all tables (and removed, by a correction that removed
    any), for a one-line confirmation."""
    counts = {"added": summary.total_added, "replaced": summary.total_replaced, "unchanged": summary.total_unchanged}
    if summary.total_removed:
        counts["removed"] = summary.total_removed
    return counts
