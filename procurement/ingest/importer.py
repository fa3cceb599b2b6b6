"""Spreadsheets in, canonical tables out: the one entry point for every upload and CLI import.

``parse_files`` never stops at the first problem: every sheet of every file is read and every bad
row reported, so a user fixes a file once. Catalogue sheets (hospitals, products) in the same call
are parsed first and join the reference, so one workbook can carry a whole alliance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from procurement.ingest.guard import read_problem
from procurement.ingest.headers import (
    HOSPITAL_GROUP,
    describe_group,
    detect_kind,
    field_of,
    kind_label,
    missing_required,
)
from procurement.ingest.reader import ReadError, Source, read_source, source_bytes, source_name
from procurement.ingest.resolve import Catalogue, apply_kind
from procurement.ingest.sheets import (
    HEADER_SCAN_ROWS,
    MAX_PROBLEMS_PER_CHECK,
    SheetData,
    convert,
    diagnose,
    execution_report_row,
    extract,
)
from procurement.model import COLUMNS, NATURAL_KEYS, Dataset, canonical
from procurement.problems import Problem

__all__ = ["ParseResult", "SheetResult", "Source", "detect_kind", "file_sha256", "parse_files"]

_ORDER = {"hospitals": 0, "products": 1, "substitutes": 1}  # read first: the rest resolves against them
_NUMBERED = ("purchases", "payments", "fund_transfers", "shortages")  # ids a file may repeat (order lines, identical rows)
# Kinds whose file may leave the hospital out: a hospital's own export (data-templates.md, hospitals).
_HOSPITAL_KINDS = ("agreements", "purchases", "payments", "demand", "shortages")
# Why rows are left out on purpose, in the order the summary lists them.
LEFT_OUT_REASONS = ("total_rows", "notes_below", "cancelled", "not_delivered", "not_vbp", "outside_procurement",
                    "non_winning", "unpaid")


@dataclass
class SheetResult:
    """One sheet of one file: what it was taken for and what was wrong in it."""

    file: str
    sheet: str
    kind: str | None
    header_row: int | None  # Excel row number of the header
    frame: pd.DataFrame | None  # canonical columns (model.COLUMNS[kind]) plus "_row" (Excel row number)
    problems: list[Problem]
    note: str | None = None  # why a sheet was skipped (instructions sheet, empty sheet)
    warnings: list[Problem] = field(default_factory=list)  # rows imported, but a person must look
    data: SheetData | None = None  # the located sheet: columns taken and not used, rows left out

    def to_json(self) -> dict:
        """The summary of this sheet (cli.md, import --json): nothing dropped or misread unseen.

        ``rows`` = ``imported`` + every count of ``left_out`` + ``rows_with_problems``.
        """
        sd = self.data
        left = {k: v for k, v in (sd.left_out if sd else {}).items() if v}
        left = {k: left[k] for k in sorted(left, key=lambda k: (LEFT_OUT_REASONS + (k,)).index(k))}
        read = (len(sd.rows) + left.get("total_rows", 0) + left.get("notes_below", 0)) if sd else 0
        imported = 0 if self.frame is None else len(self.frame)
        out: dict = {
            "file": self.file, "sheet": self.sheet, "kind": self.kind, "header_row": self.header_row,
            "rows": read, "imported": imported, "left_out": left,
            "rows_with_problems": read - imported - sum(left.values()) if sd else 0,
            "problems": len(self.problems),
        }
        if sd is not None:
            columns = {f: sd.headers[f] for f in ("quantity", "ordered_quantity", "date", "order_date")
                       if f in sd.headers}
            if columns:
                out["columns_taken"] = columns
            if "quantity" in sd.headers:
                out["quantity_column"] = sd.headers["quantity"]
            out["columns_used"] = dict(sd.headers)
            out["columns_not_used"] = list(sd.unused)
            out.update({k: v for k, v in sd.details.items() if v})
            if sd.supplied_hospital is not None:
                out["hospital_supplied"] = sd.supplied_hospital
        out["warnings"] = [str(w) for w in self.warnings]
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class ParseResult:
    """Everything read from one upload or command; write it only when ``ok``."""

    tables: dict[str, pd.DataFrame]  # per kind, all sheets concatenated, conform()-ed (no "_row")
    sheets: list[SheetResult]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> list[dict]:
        """Per file, its sheets' summaries (the import summary of cli.md and the upload page)."""
        files: dict[str, list[dict]] = {}
        for r in self.sheets:
            files.setdefault(r.file, []).append(r.to_json())
        for p in self.problems:
            files.setdefault(p.file, [])
        return [{"file": name, "sheets": sheets} for name, sheets in files.items()]


def file_sha256(source: Source) -> str:
    """Content hash of a file, so re-uploading the same file can be recognised."""
    return hashlib.sha256(source_bytes(source)).hexdigest()


def combined_sha256(sources: Sequence[Source]) -> str:
    """One hash for a set of files, whatever their order: a file's own hash when there is one.

    The CLI and the app both log it, so the same upload is recognised whichever way it came in.
    """
    hashes = sorted(file_sha256(s) for s in sources)
    return hashes[0] if len(hashes) == 1 else hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _missing_columns(sd: SheetData) -> list[Problem]:
    problems = []
    for group in missing_required(sd.kind, set(sd.raw)):
        if group == HOSPITAL_GROUP and sd.supplied_hospital is not None:
            continue
        zh, en = describe_group(sd.kind, group)
        problems.append(
            Problem(sd.file, sd.sheet, sd.header_row, group[0][0] and field_of(sd.kind, group[0][0]).zh,
                    f"{kind_label(sd.kind)}表缺少必填列：{zh}", f"required column missing in {sd.kind}: {en}")
        )
    return problems


def _key_series(kind: str, frame: pd.DataFrame) -> pd.Series:
    keys = list(NATURAL_KEYS[kind])
    if len(keys) == 1:
        return frame[keys[0]].astype("string")
    out = frame[keys[0]].astype("string").fillna("")
    for k in keys[1:]:
        out = out + "\x1f" + frame[k].astype("string").fillna("")
    return out


def _merge(kind: str, parts: list[tuple[SheetData, pd.DataFrame]]) -> tuple[pd.DataFrame, list[Problem]]:
    """All sheets of a kind as one table, keyed by natural key.

    Identical duplicates count once; the same key with different values is an error on each of
    those rows (within a sheet or across files), since either could be the right one.
    """
    cols = list(COLUMNS[kind])
    last = NATURAL_KEYS[kind][-1]  # unique alone (order ids across hospitals): the whole key is unique
    if len(parts) == 1 and _unique_column(parts[0][1][last]):
        # one sheet, ids unique: its columns, selected once (a fresh frame: the sheet's own stays
        # as it was), without the two more copies of every column the general path makes
        return canonical(kind, parts[0][1][cols], fresh=True), []
    frames = [f.assign(_part=i) for i, (_, f) in enumerate(parts)]
    allf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if allf[last].notna().all() and pd.Index(allf[last].array).is_unique:
        return canonical(kind, allf[cols]), []
    key = _key_series(kind, allf)
    if pd.Index(key.array).is_unique:  # the usual case, and a cheaper hash pass than duplicated()
        return canonical(kind, allf[cols]), []
    if kind in _NUMBERED:
        key = _number_repeats(kind, allf, key, [sd.file for sd, _ in parts])
        if pd.Index(key.array).is_unique:
            return canonical(kind, allf[cols]), []
    dup = key.duplicated(keep=False).to_numpy()
    sub, subkey = allf[dup], key[dup]
    distinct = sub[cols].astype("string").fillna("\x00").assign(_k=subkey.to_numpy()).drop_duplicates()
    conflicted = set(distinct["_k"][distinct["_k"].duplicated(keep=False)])
    problems = []
    label = "、".join(field_of(kind, k).zh for k in NATURAL_KEYS[kind])
    hit = subkey.isin(conflicted).to_numpy()
    for k, grp in sub[hit].groupby(subkey[hit].to_numpy(), sort=False):
        if len(problems) >= MAX_PROBLEMS_PER_CHECK:
            rest = int(hit.sum()) - len(problems)
            problems.append(Problem(parts[0][0].file, None, None, label,
                                    f"另有 {rest} 行{label}重复且内容不同",
                                    f"{rest} more rows with a duplicate key and different values"))
            break
        rows = [int(r) for r in grp["_row"]]
        shown = str(k).replace("\x1f", " / ")
        for row, part in zip(grp["_row"], grp["_part"], strict=True):
            sd = parts[int(part)][0]
            others = [str(x) for x in rows if x != row] or [str(row)]
            problems.append(
                Problem(sd.file, sd.sheet, int(row), label,
                        f"{label} {shown} 重复且内容不同（另见第 {'、'.join(others)} 行），请保留一行",
                        f"duplicate key {shown} with different values (see also row {', '.join(others)}); keep one")
            )
    return canonical(kind, allf[~key.duplicated(keep="first").to_numpy()][cols]), problems


def _unique_column(column: pd.Series) -> bool:
    """No blank and no value twice. Ids in ascending order (as most exports list them) are told by one
    comparison pass, several times cheaper than hashing a million strings; others are hashed."""
    if not column.notna().all():
        return False
    values = np.asarray(column.array, dtype=object)
    try:
        if len(values) < 2 or bool((values[1:] > values[:-1]).all()):
            return True
    except TypeError:  # values of mixed types have no order
        pass
    return bool(pd.Index(column.array).is_unique)


def _scope_problems(sd: SheetData, frame: pd.DataFrame, scope: str) -> tuple[list[Problem], np.ndarray]:
    if "hospital_id" not in frame.columns or sd.kind == "products":
        return [], np.zeros(len(frame), bool)
    other = (frame["hospital_id"].notna() & (frame["hospital_id"] != scope)).to_numpy(dtype=bool)
    name = "hospital_id" if "hospital_id" in sd.raw else "hospital_name"
    hids = frame["hospital_id"].to_numpy(dtype=object)
    before = len(sd.problems)
    sd.report(other, name, lambda p: (
        f"不属于本机构的数据：{hids[p]}（本账号只能上传 {scope} 的数据）",
        f"row of another hospital {hids[p]}; this account may only upload data of {scope}"))
    return sd.problems[before:], other


def parse_files(
    sources: Iterable[Source],
    reference: Dataset | None = None,
    kind: str | None = None,
    hospital_scope: str | None = None,
    hospital: str | None = None,
) -> ParseResult:
    """Read every sheet of every source into canonical tables, collecting every problem.

    ``reference`` holds the stored catalogues used to resolve hospital and product codes or
    names; ``kind`` forces the table kind of every sheet; ``hospital_scope`` makes any row of
    another hospital an error (a hospital user's upload). A sheet without a hospital column is
    the hospital's own export: ``hospital`` (``--hospital``), else ``hospital_scope``, supplies it.
    """
    supplied = hospital if hospital is not None else hospital_scope
    reference = reference or Dataset()
    problems: list[Problem] = []
    results: list[SheetResult] = []
    located: list[tuple[int, SheetData]] = []
    for source in sources:
        name = source_name(source)
        try:
            raws = read_source(source)
        except (ReadError, OSError) as exc:  # read in a limited worker: bombs end here, named
            problems.append(read_problem(name, exc))
            continue
        found_any = False
        unrecognised: list[tuple[int, tuple[str, str]]] = []
        for raw in raws:
            if raw.hidden:
                results.append(SheetResult(name, raw.name, None, None, None, [],
                                           "隐藏的工作表，已跳过 / hidden sheet; skipped"))
                continue
            report_row = execution_report_row(raw.head(HEADER_SCAN_ROWS)) if kind is None else None
            if report_row is not None:  # an output: said once per file, its other sheets noted
                said = any(r.file == name and r.problems and r.kind is None and r.header_row for r in results)
                problems_here = [] if said else [_output_problem(name, raw.name, raw.first_row + report_row)]
                results.append(SheetResult(name, raw.name, None, raw.first_row + report_row, None, problems_here,
                                           "执行报表（输出），未导入 / an execution report (an output); not imported"))
                found_any = True  # said what it is: no second message for the file
                continue
            sd = extract(raw, name, kind)
            if sd is None:
                why = diagnose(raw.head(HEADER_SCAN_ROWS))
                note = "空工作表，已跳过 / empty sheet; skipped" if why is None else f"{why[0]} / {why[1]}"
                if why is not None:
                    unrecognised.append((len(results), why))
                results.append(SheetResult(name, raw.name, None, None, None, [], note))
                continue
            found_any = True
            if supplied is not None and sd.kind in _HOSPITAL_KINDS and not (
                    {"hospital_id", "hospital_name"} & set(sd.raw)):
                sd.supplied_hospital = supplied
            located.append((len(results), sd))
            results.append(SheetResult(name, raw.name, sd.kind, sd.header_row, None, [], data=sd))
        if not found_any and unrecognised:  # nothing to import: each sheet says why, as a problem
            for pos, (zh, en) in unrecognised:
                results[pos].problems.append(Problem(name, results[pos].sheet, None, None, zh, en))
                results[pos].note = None
        elif not found_any:
            problems.append(Problem(name, None, None, None,
                                    "文件中没有可识别的数据表（所有工作表均为空）",
                                    "no sheet of this file holds a data table (every sheet is empty)"))
    located.sort(key=lambda t: (_ORDER.get(t[1].kind, 2), t[0]))
    catalogue = Catalogue.from_dataset(reference)
    parts: dict[str, list[tuple[SheetData, pd.DataFrame]]] = {}
    current = None
    for pos, sd in located:
        if current != sd.kind and sd.kind not in _ORDER and current in _ORDER:
            catalogue = catalogue.extended(parts.get("hospitals", []), parts.get("products", []),
                                           parts.get("substitutes", []))
        current = sd.kind
        missing = _missing_columns(sd)
        if missing:
            sd.problems.extend(missing)
            results[pos] = SheetResult(sd.file, sd.sheet, sd.kind, sd.header_row, None, list(sd.problems),
                                       data=sd)
            continue
        typed = convert(sd)
        frame, bad = apply_kind(sd, typed, catalogue)
        sheet_problems = list(sd.problems)
        if hospital_scope is not None:
            scope_probs, other = _scope_problems(sd, frame, hospital_scope)
            sheet_problems += scope_probs
            bad = bad | other
        if bad.any() or not frame.index.equals(pd.RangeIndex(len(frame))):
            frame = frame[~bad].reset_index(drop=True)  # a clean sheet's frame is kept: no copy
        results[pos] = SheetResult(sd.file, sd.sheet, sd.kind, sd.header_row, frame, sheet_problems,
                                   warnings=list(sd.warnings), data=sd)
        parts.setdefault(sd.kind, []).append((sd, frame))
    tables: dict[str, pd.DataFrame] = {}
    dup_problems: list[Problem] = []
    for k, kparts in parts.items():
        tables[k], found = _merge(k, kparts)
        dup_problems += found
    if "payments" in tables and "purchases" in tables:
        tables["payments"] = _fill_order_dates(tables["payments"], tables["purchases"])
        for i, r in enumerate(results):
            if r.kind == "payments" and r.frame is not None:
                results[i].frame = _fill_order_dates(r.frame, tables["purchases"])
    for r in results:
        problems.extend(r.problems)
    problems.extend(dup_problems)
    return ParseResult(tables, results, _in_file_order(problems, results))


def _output_problem(file: str, sheet: str, row: int) -> Problem:
    return Problem(
        file, sheet, row, None,
        "这是带量采购执行报表（国家平台下发的国采医疗机构带量执行报表，或本工具导出的执行报告），是输出而不是"
        "导入数据，其中的计数不会作为采购记录或约定采购量导入；请上传采购记录、约定采购量等原始数据",
        "this is a VBP execution report (the national platform's 国采医疗机构带量执行报表, or a report this tool "
        "exported): an output, not input data; its counts never become purchases or agreements. Upload the "
        "purchase records, agreements and other raw data instead")


def _number_repeats(kind: str, allf: pd.DataFrame, key: pd.Series, files: list[str]) -> pd.Series:
    """An id repeated within one file and hospital gets "#2", "#3"... from its second row on.

    Multi-line orders (one 入库单号 over several products) and identical lines without an id are
    each their own purchase; numbering in file order keeps the keys the same when the same file
    is imported again, so that adds nothing (model.py, order_id). Changes ``allf`` in place and
    returns the new natural key. Only repeated keys are looked at: unique ids cost nothing here.
    """
    id_col = NATURAL_KEYS[kind][1]
    dup = key.duplicated(keep=False).to_numpy()
    sub = pd.DataFrame({"f": np.asarray(files, dtype=object)[allf["_part"].to_numpy()[dup]],
                        "k": key.to_numpy()[dup]})
    nth = sub.groupby(["f", "k"], sort=False).cumcount().to_numpy()
    if not (nth > 0).any():  # repeated only across files: the same rows sent twice, or a conflict
        return key
    where = np.flatnonzero(dup)[nth > 0]
    suffix = pd.Series(nth[nth > 0] + 1).astype(str).radd("#").to_numpy()
    ids = allf[id_col].astype("string").to_numpy(dtype=object)
    ids[where] = ids[where] + suffix
    allf[id_col] = pd.array(ids, dtype="string")
    return _key_series(kind, allf)


def _in_file_order(problems: list[Problem], results: list[SheetResult]) -> list[Problem]:
    """Problems by file, then sheet, then row, as a user walks through the files."""
    files: dict[str, int] = {}
    sheets: dict[tuple[str, str], int] = {}
    for i, r in enumerate(results):
        files.setdefault(r.file, i)
        sheets.setdefault((r.file, r.sheet), i)
    for p in problems:
        files.setdefault(p.file, len(results) + len(files))
    return sorted(problems, key=lambda p: (files[p.file], sheets.get((p.file, p.sheet or ""), -1), p.row or 0))


def _fill_order_dates(payments: pd.DataFrame, purchases: pd.DataFrame) -> pd.DataFrame:
    """Payments naming an order get that order's delivery date when it is in the same call (an order
    of the payment's own hospital only: order ids are scoped by hospital)."""
    dates = purchases.drop_duplicates(["hospital_id", "order_id"]).set_index(["hospital_id", "order_id"])["date"]
    found = pd.Series(dates.reindex(pd.MultiIndex.from_arrays([payments["hospital_id"], payments["order_id"]])).to_numpy(),
                      index=payments.index)
    out = payments.copy()
    out["order_date"] = out["order_date"].fillna(found) if "order_date" in out else found
    out["order_date"] = out["order_date"].astype("datetime64[ns]")
    return out

