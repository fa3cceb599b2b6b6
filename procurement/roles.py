"""What each role may write, in one place: the store enforces it on every import, the upload check shows it first.

Agreed volumes, the product catalogue, prices (offers), the hospital list and any other alliance-wide
table are the alliance's contract: only a coordinator (联盟办公室) writes them. A hospital (药剂科) uploads
what happens at the hospital: purchases, payments and its declarations (报量). Leadership (领导) reads.
The list is of what a role *may* write, so a table kind added later (a substitutes list, say) is
refused to hospitals until someone decides otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from procurement.labels import KIND_LABELS_ZH
from procurement.problems import Problem

COORDINATOR, HOSPITAL, LEADERSHIP = "coordinator", "hospital", "leadership"

# None: every kind. A role not listed here writes nothing (fail closed).
WRITABLE_KINDS: dict[str, frozenset[str] | None] = {
    COORDINATOR: None,
    # a hospital registers its own shortages (缺货登记) too; the fund's records are the bureau's
    HOSPITAL: frozenset({"purchases", "payments", "demand", "shortages"}),
    LEADERSHIP: frozenset(),
}


def effective_role(role: str | None, hospital_scope: str | None) -> str:
    """The role an import runs under: the one given, else a hospital when scoped, else a coordinator
    (the command line and scripts run as the alliance office)."""
    if role:
        return role
    return HOSPITAL if hospital_scope is not None else COORDINATOR


def may_write(role: str, kind: str) -> bool:
    """Whether an account of ``role`` may store rows of table ``kind``."""
    if role not in WRITABLE_KINDS:
        return False
    allowed = WRITABLE_KINDS[role]
    return allowed is None or kind in allowed


def writable_kinds(role: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``kinds`` the role may write, in the order given (templates offered on the upload page)."""
    return tuple(k for k in kinds if may_write(role, k))


def refusals(role: str, rows: Mapping[str, int], file: str, sheet: str | None = None) -> list[Problem]:
    """One problem per table kind the role may not write (``rows``: kind -> rows sent)."""
    problems = []
    for kind, n in rows.items():
        if n and not may_write(role, kind):
            problems.append(refusal(role, kind, n, file, sheet))
    return problems


def refusal(role: str, kind: str, n: int, file: str, sheet: str | None = None) -> Problem:
    """Why ``n`` rows of ``kind`` are not stored for an account of ``role``, in Chinese and English."""
    label = KIND_LABELS_ZH.get(kind, kind)
    if role == HOSPITAL:
        zh = (f"医疗机构账号不能导入{label}（{n} 行），未写入任何数据：约定采购量、中选产品、价格和医疗机构名录"
              "由联盟办公室维护，医疗机构只上传采购记录、回款记录和报量")
        en = (f"a hospital account cannot import {kind} ({n} row(s)); nothing was written: agreed volumes, "
              "products, prices and the hospital list are kept by the alliance office; a hospital uploads "
              "purchases, payments and declarations (demand) only")
    elif role == LEADERSHIP:
        zh = f"领导账号只能查看，不能导入数据（{label} {n} 行），未写入任何数据"
        en = f"a leadership account views only and cannot import data ({kind}: {n} row(s)); nothing was written"
    else:
        zh = f"未知的账号角色 {role}，不能导入数据（{label} {n} 行），未写入任何数据"
        en = f"unknown account role {role!r} cannot import data ({kind}: {n} row(s)); nothing was written"
    return Problem(file, sheet, None, None, zh, en)
