"""The upload handler, separate from its page so it can be tested without a browser.

Check first, save only on confirmation of a clean set of files: a half-imported spreadsheet is
worse than none, so problems block the import and come back with a marked copy of each file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy.engine import Engine

from procurement import roles, store
from procurement.ingest.importer import ParseResult, combined_sha256, parse_files
from procurement.model import Dataset
from procurement.problems import Problem
from webapp import formats
from webapp.i18n import label, t
from webapp.tables import problems_frame

Source = tuple[str, bytes]


@dataclass
class UploadCheck:
    """What the page shows after the files were read: sheets, problems, and whether saving is allowed."""

    sources: list[Source]
    result: ParseResult
    file_hash: str

    @property
    def ok(self) -> bool:
        return self.result.ok and bool(self.result.tables)

    @property
    def source_name(self) -> str:
        return ", ".join(name for name, _ in self.sources)

    def files_with_problems(self) -> list[str]:
        names = {p.file for p in self.result.problems}
        return [name for name, _ in self.sources if name in names]

    def problems_of(self, file_name: str) -> list[Problem]:
        return [p for p in self.result.problems if p.file == file_name]


def check_uploads(sources: Sequence[Source], reference: Dataset | None, hospital_scope: str | None,
                  role: str | None = None) -> UploadCheck:
    """Read every sheet of every file; a hospital user's rows of other hospitals are problems, and so is
    every sheet of a table the role may not write (``role`` None: a check only, nothing to be saved).

    A hospital account's files are resolved against its own hospital only: a code of another hospital
    is then answered exactly as a code nobody has, so no message tells which hospitals exist."""
    if reference is not None and hospital_scope is not None:
        reference = reference.scoped(hospital_scope)
    # a file without a hospital column is the uploading hospital account's own (hospital_scope)
    result = parse_files(list(sources), reference=reference, hospital_scope=hospital_scope)
    check = UploadCheck(list(sources), result, combined_sha256(sources))
    return check if role is None else for_role(check, role, hospital_scope)


def for_role(check: UploadCheck, role: str, hospital_scope: str | None = None) -> UploadCheck:
    """The check with a problem on each sheet of a kind the role may not write, shown before the user
    confirms (the store refuses the same at saving, whatever the page does). ``check`` is left as it
    was: it may be a cached object shared between reruns."""
    role = roles.effective_role(role, hospital_scope)
    sheets, refused = [], []
    for sheet in check.result.sheets:
        if sheet.kind is not None and not roles.may_write(role, sheet.kind):
            n = 0 if sheet.frame is None else len(sheet.frame)
            problem = roles.refusal(role, sheet.kind, n, sheet.file, sheet.sheet)
            sheet = replace(sheet, problems=[*sheet.problems, problem])
            refused.append(problem)
        sheets.append(sheet)
    if not refused:
        return check
    result = ParseResult(check.result.tables, sheets, [*check.result.problems, *refused])
    return UploadCheck(check.sources, result, check.file_hash)


def left_out_text(left_out: dict[str, int], lang: str = "zh") -> str:
    """Rows left out by reason, in one cell: '已取消/作废/拒收 2，非集采药品 3'."""
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{t(f'left_{k}', lang)} {n}" for k, n in left_out.items())


def sheets_frame(check: UploadCheck, lang: str = "zh") -> pd.DataFrame:
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


def problems_table(check: UploadCheck, lang: str = "zh") -> pd.DataFrame:
    return problems_frame(check.result.problems, lang)


def marked_copy(check: UploadCheck, file_name: str) -> bytes:
    """The user's own file with the bad cells marked, to fix in Excel and upload again."""
    from procurement.ingest.marking import mark_problems

    source = next(s for s in check.sources if s[0] == file_name)
    return mark_problems(source, check.problems_of(file_name))


def save_upload(
    engine: Engine, check: UploadCheck, username: str, hospital_scope: str | None, role: str | None = None, *,
    replace_period: bool = False, expect_removed: dict[str, int] | None = None,
) -> store.ImportSummary:
    """Store a clean upload under the account's role; the store re-checks the role and the hospital
    scope and raises InputError (nothing written) when either is violated.

    With ``replace_period`` (the page's correction checkbox) the upload replaces its hospitals' rows
    for the period of the file; ``expect_removed`` is the count of rows the page listed, so the save
    is refused if the stored rows changed since that list was shown.
    """
    if not check.ok:
        raise ValueError("refusing to save an upload with problems")
    return store.import_tables(engine, check.result.tables, source_name=check.source_name,
                               file_hash=check.file_hash, user=username, hospital_scope=hospital_scope,
                               role=role, replace_period=replace_period, expect_removed=expect_removed)


def removal_preview(engine: Engine, check: UploadCheck, hospital_scope: str | None) -> dict[str, pd.DataFrame]:
    """The stored rows a correction with this upload would remove (a hospital account: its own only)."""
    from procurement.history import preview_removals

    return preview_removals(engine, check.result.tables, hospital_scope)


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
