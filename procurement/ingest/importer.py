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
from procurement.ingest.headers import describe_group, detect_kind, field_of, kind_label, missing_required
from procurement.ingest.reader import ReadError, Source, read_source, source_bytes, source_name
from procurement.ingest.resolve import Catalogue, apply_kind
from procurement.ingest.sheets import MAX_PROBLEMS_PER_CHECK, SheetData, convert, extract
from procurement.model import COLUMNS, NATURAL_KEYS, Dataset, canonical
from procurement.problems import Problem

__all__ = ["ParseResult", "SheetResult", "Source", "detect_kind", "file_sha256", "parse_files"]

_ORDER = {"hospitals": 0, "products": 1}


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


@dataclass
class ParseResult:
    """Everything read from one upload or command; write it only when ``ok``."""

    tables: dict[str, pd.DataFrame]  # per kind, all sheets concatenated, conform()-ed (no "_row")
    sheets: list[SheetResult]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


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
    frames = [f.assign(_part=i) for i, (_, f) in enumerate(parts)]
    allf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    key = _key_series(kind, allf)
    cols = list(COLUMNS[kind])
    if pd.Index(key.array).is_unique:  # the usual case, and a cheaper hash pass than duplicated()
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
) -> ParseResult:
    """Read every sheet of every source into canonical tables, collecting every problem.

    ``reference`` holds the stored catalogues used to resolve hospital and product codes or
    names; ``kind`` forces the table kind of every sheet; ``hospital_scope`` makes any row of
    another hospital an error (a hospital user's upload).
    """
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
        for raw in raws:
            if raw.hidden:
                results.append(SheetResult(name, raw.name, None, None, None, [],
                                           "隐藏的工作表，已跳过 / hidden sheet; skipped"))
                continue
            sd = extract(raw, name, kind)
            if sd is None:
                results.append(SheetResult(name, raw.name, None, None, None, [],
                                           "未识别为任何数据表，已跳过 / not recognised as a data table; skipped"))
                continue
            found_any = True
            located.append((len(results), sd))
            results.append(SheetResult(name, raw.name, sd.kind, sd.header_row, None, []))
        if not found_any:
            problems.append(Problem(name, None, None, None,
                                    "文件中没有可识别的数据表，请核对表头是否与模板一致",
                                    "no sheet of this file was recognised as a data table; check the headers"))
    located.sort(key=lambda t: (_ORDER.get(t[1].kind, 2), t[0]))
    catalogue = Catalogue.from_dataset(reference)
    parts: dict[str, list[tuple[SheetData, pd.DataFrame]]] = {}
    current = None
    for pos, sd in located:
        if current != sd.kind and sd.kind not in _ORDER and current in _ORDER:
            catalogue = catalogue.extended(parts.get("hospitals", []), parts.get("products", []))
        current = sd.kind
        missing = _missing_columns(sd)
        if missing:
            sd.problems.extend(missing)
            results[pos] = SheetResult(sd.file, sd.sheet, sd.kind, sd.header_row, None, list(sd.problems))
            continue
        typed = convert(sd)
        frame, bad = apply_kind(sd, typed, catalogue)
        sheet_problems = list(sd.problems)
        if hospital_scope is not None:
            scope_probs, other = _scope_problems(sd, frame, hospital_scope)
            sheet_problems += scope_probs
            bad = bad | other
        frame = frame[~bad].reset_index(drop=True)
        results[pos] = SheetResult(sd.file, sd.sheet, sd.kind, sd.header_row, frame, sheet_problems,
                                   warnings=list(sd.warnings))
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
    """Payments naming an order get that order's delivery date when it is in the same call."""
    dates = purchases.drop_duplicates("order_id").set_index("order_id")["date"]
    found = payments["order_id"].map(dates)
    out = payments.copy()
    out["order_date"] = out["order_date"].fillna(found) if "order_date" in out else found
    out["order_date"] = out["order_date"].astype("datetime64[ns]")
    return out

