"""Row-level problems found in user files, shown to users in Chinese with English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, located as Excel shows it.

    ``row`` is the Excel row number (1-based, as the user sees it; for CSV the line number),
    ``None`` for a whole-sheet or whole-file problem; ``column`` is the header text as written
    in the file (or the canonical name when the column is missing).
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = [self.file, self.sheet or "-", str(self.row) if self.row else "-", self.column or "-"]
        return f"{' › '.join(where)}: {self.message_zh} / {self.message_en}"


class InputError(Exception):
    """Bad input: carries every problem found, so the user can fix them all at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
