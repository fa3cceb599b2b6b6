"""Import as one workflow, parse → check → store, the same for the command line and the upload page.

Check first, store only a clean set of files: a half-imported spreadsheet is worse than none, so any
problem (a bad cell, a row of another hospital, a table the role may not write) blocks the whole
import. A correction (replace-period) lists the stored rows it would remove before it is confirmed,
and the store refuses it when the rows changed since that list. The store writes the audit record
(who, when, which files, their hash) in the same transaction as the rows. The CLI and the app only
present what this module returns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from procurement import roles, store
from procurement.history import preview_removals
from procurement.ingest.importer import ParseResult, combined_sha256, parse_files
from procurement.model import Dataset
from procurement.problems import Problem

Source = str | os.PathLike | tuple[str, bytes]


def source_name(source: Source) -> str:
    """The file name a source is known by in messages and in the import log."""
    return source[0] if isinstance(source, tuple) else Path(source).name


@dataclass
class ImportCheck:
    """What was read from a set of files: sheets, problems, and whether storing them is allowed."""

    sources: list[Source]
    result: ParseResult
    file_hash: str  # of the files together, for the import log; "" when they have problems

    @property
    def ok(self) -> bool:
        return self.result.ok and bool(self.result.tables)

    @property
    def source_name(self) -> str:
        return ", ".join(source_name(s) for s in self.sources)

    def files_with_problems(self) -> list[str]:
        names = {p.file for p in self.result.problems}
        return [source_name(s) for s in self.sources if source_name(s) in names]

    def problems_of(self, file_name: str) -> list[Problem]:
        return [p for p in self.result.problems if p.file == file_name]


def check(
    sources: Sequence[Source], reference: Dataset | None, hospital_scope: str | None = None,
    role: str | None = None, *, kind: str | None = None, hospital: str | None = None,
) -> ImportCheck:
    """Read every sheet of every file against the stored catalogues (``reference``).

    A hospital account (``hospital_scope``) is resolved against its own hospital only: a code of another
    hospital is then answered exactly as a code nobody has, so no message tells which hospitals exist,
    and its rows of other hospitals are problems. A file without a hospital column is the ``hospital``
    given (``--hospital``), else the account's own. ``kind`` forces the table kind of every sheet.
    With a ``role``, every sheet of a table the role may not write is a problem too (:func:`for_role`);
    ``role`` None checks the files only.
    """
    if reference is not None and hospital_scope is not None:
        reference = reference.scoped(hospital_scope)
    result = parse_files(list(sources), reference=reference, kind=kind, hospital_scope=hospital_scope,
                         hospital=hospital)
    # the hash is what the import log records: only files that can be stored have one (a missing file
    # is a problem of its own, not an error of hashing it)
    checked = ImportCheck(list(sources), result, combined_sha256(list(sources)) if result.ok else "")
    return checked if role is None else for_role(checked, role, hospital_scope)


def for_role(checked: ImportCheck, role: str, hospital_scope: str | None = None) -> ImportCheck:
    """The check with a problem on each sheet of a kind the role may not write, shown before the user
    confirms (the store refuses the same at saving, whatever the caller does). ``checked`` is left as
    it was: it may be a cached object shared between reruns of a page."""
    role = roles.effective_role(role, hospital_scope)
    sheets, refused = [], []
    for sheet in checked.result.sheets:
        if sheet.kind is not None and not roles.may_write(role, sheet.kind):
            n = 0 if sheet.frame is None else len(sheet.frame)
            problem = roles.refusal(role, sheet.kind, n, sheet.file, sheet.sheet)
            sheet = replace(sheet, problems=[*sheet.problems, problem])
            refused.append(problem)
        sheets.append(sheet)
    if not refused:
        return checked
    result = ParseResult(checked.result.tables, sheets, [*checked.result.problems, *refused])
    return ImportCheck(checked.sources, result, checked.file_hash)


def removals(engine: Engine, checked: ImportCheck, hospital_scope: str | None = None) -> dict[str, pd.DataFrame]:
    """The stored rows a correction with these files would remove, per kind (a hospital account: its
    own only); read only, to show before the correction is confirmed."""
    return preview_removals(engine, checked.result.tables, hospital_scope)


def save(
    engine: Engine, checked: ImportCheck, user: str, hospital_scope: str | None = None, role: str | None = None, *,
    replace_period: bool = False, expect_removed: dict[str, int] | None = None, name: str | None = None,
) -> store.ImportSummary:
    """Store a clean check in one transaction, logged under ``user`` with the files' name and hash.

    The store re-checks the role and the hospital scope and raises InputError (nothing written) when
    either is violated. With ``replace_period`` the files replace their hospitals' rows for the period
    they cover; ``expect_removed`` is the count of rows the caller listed (:func:`removals`), so the
    store refuses when the stored rows changed since that list was shown. ``name`` overrides the
    files' names in the log (the sample data: its folder).
    """
    if checked.result.problems:
        raise ValueError("refusing to store files with problems: show them instead")
    return store.import_tables(engine, checked.result.tables, source_name=name or checked.source_name,
                               file_hash=checked.file_hash, user=user, hospital_scope=hospital_scope,
                               role=role, replace_period=replace_period, expect_removed=expect_removed)
