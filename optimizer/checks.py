"""Sanity checks before any solve: say precisely why a drug cannot be planned, in Chinese and English.

Errors make a drug's part infeasible without solving it (the other drugs still get their plans);
warnings (a region nobody serves, capacity short of the agreed total) let it solve with shortages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.inputs import DrugData, PlanInput, PlanSettings, split_by_drug

TOL = 1e-9


@dataclass
class CheckIssue:
    """One thing wrong with the planning input, located by drug, supplier and region."""

    drug: tuple[str, str]
    supplier: str | None
    region: str | None
    message_zh: str
    message_en: str
    severity: str = "error"  # "error": the drug cannot be planned; "warning": it solves with shortages

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def to_json(self) -> dict[str, Any]:
        return {
            "generic_name": self.drug[0],
            "specification": self.drug[1],
            "supplier": self.supplier,
            "region": self.region,
            "severity": self.severity,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def check_inputs(inp: PlanInput, settings: PlanSettings) -> list[CheckIssue]:
    """Every issue of the input, found without solving."""
    inp = inp.normalised()
    issues = check_settings(settings) + check_hospitals(inp)
    for drug in split_by_drug(inp, settings):
        issues.extend(check_drug(drug, settings))
    return issues


def check_settings(settings: PlanSettings) -> list[CheckIssue]:
    """Settings a user typed wrong stop every drug, so they are reported once, drug-less."""
    out = []
    none = ("", "")
    if settings.max_suppliers < 1:
        out.append(CheckIssue(none, None, None, f"每家医疗机构的供应企业数上限必须至少为 1（现为 {settings.max_suppliers}）",
                              f"max suppliers per hospital must be at least 1 (got {settings.max_suppliers})"))
    if settings.ratio is not None and not 0 < settings.ratio <= 1:
        out.append(CheckIssue(none, None, None, f"约定比例必须在 0 到 1 之间（现为 {settings.ratio}）",
                              f"agreed ratio must be in (0, 1] (got {settings.ratio})"))
    if settings.solver not in ("highs", "cbc"):
        out.append(CheckIssue(none, None, None, f"未知的求解器 {settings.solver}",
                              f"unknown solver {settings.solver} (use highs or cbc)"))
    if settings.time_limit <= 0 or settings.gap < 0:
        out.append(CheckIssue(none, None, None, "时间限制必须为正数，间隙不能为负",
                              "time limit must be positive and gap not negative"))
    return out


def check_hospitals(inp: PlanInput) -> list[CheckIssue]:
    """Hospitals in the demand the hospitals table does not know: their region is unknown."""
    known = set(inp.hospitals["hospital_id"].dropna().astype(str))
    if not known:
        return []
    ids = inp.demand["hospital_id"].dropna().astype(str) if inp.agreed is None else inp.agreed["hospital_id"].astype(str)
    unknown = sorted(set(ids) - known)
    if not unknown:
        return []
    shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
    return [CheckIssue(("", ""), None, None, f"未知的医疗机构 {shown}（地区未知，只能由不限地区的中选企业供应）",
                       f"unknown hospital {shown} (region unknown: only winners serving all regions can supply it)",
                       "warning")]


def check_drug(drug: DrugData, settings: PlanSettings) -> list[CheckIssue]:
    """Every issue of one drug's part; errors mean the part cannot be solved as given."""
    name = f"{drug.generic_name} {drug.specification}"
    total = drug.total_agreed
    if len(drug.suppliers) == 0:
        if total <= 0:
            return []
        return [CheckIssue(drug.key, None, None, f"药品 {name} 有约定量 {total:g} 但没有中选企业",
                           f"drug {name} has agreed volume {total:g} but no winning supplier")]
    issues = _check_offer_values(drug, name)
    if not np.isnan(drug.ratio) and not 0 < drug.ratio <= 1:
        issues.append(CheckIssue(drug.key, None, None, f"药品 {name} 的约定比例 {drug.ratio:g} 不在 0 到 1 之间",
                                 f"drug {name}: agreed ratio {drug.ratio:g} is outside (0, 1]"))
    if issues:
        return issues
    issues += _check_min_shares(drug, name, total)
    issues += _check_coverage(drug, name, total)
    return issues


def _check_offer_values(drug: DrugData, name: str) -> list[CheckIssue]:
    """Prices, capacities and shares that cannot be right (negative, missing, share above 1)."""
    out = []
    for j, sup in enumerate(drug.suppliers):
        p, cap, m = drug.price[j], drug.capacity[j], drug.min_share[j]
        if np.isnan(p) or p < 0:
            out.append(CheckIssue(drug.key, sup, None, f"药品 {name} 中选企业 {sup} 的中选单价缺失或为负",
                                  f"drug {name}: supplier {sup} has a missing or negative unit price"))
        if cap < 0:
            out.append(CheckIssue(drug.key, sup, None, f"药品 {name} 中选企业 {sup} 的供应能力为负（{cap:g}）",
                                  f"drug {name}: supplier {sup} has a negative capacity ({cap:g})"))
        if not 0 <= m <= 1:
            out.append(CheckIssue(drug.key, sup, None, f"药品 {name} 中选企业 {sup} 的最低份额 {m:g} 不在 0 到 1 之间",
                                  f"drug {name}: supplier {sup} has a minimum share {m:g} outside [0, 1]"))
    return out


def _check_min_shares(drug: DrugData, name: str, total: float) -> list[CheckIssue]:
    """Minimum shares that no allocation can meet: summing above 1, above capacity, out of reach."""
    out = []
    share_sum = float(drug.min_share.sum())
    if share_sum > 1 + TOL:
        out.append(CheckIssue(drug.key, None, None, f"药品 {name} 各中选企业最低份额之和为 {share_sum:.0%}，超过 100%",
                              f"drug {name}: minimum shares sum to {share_sum:.0%}, above 100%"))
    reach = np.bincount(drug.arc_s, weights=drug.agreed[drug.arc_h], minlength=len(drug.suppliers))
    for j, sup in enumerate(drug.suppliers):
        need = drug.min_share[j] * total
        if need <= TOL:
            continue
        if need > drug.capacity[j] + TOL:
            out.append(CheckIssue(drug.key, sup, None,
                                  f"药品 {name} 中选企业 {sup} 的最低份额 {drug.min_share[j]:.0%}（{need:g}）超过其供应能力 {drug.capacity[j]:g}",
                                  f"drug {name}: supplier {sup}'s minimum share {drug.min_share[j]:.0%} ({need:g} units) "
                                  f"exceeds its capacity {drug.capacity[j]:g}"))
        if need > reach[j] + TOL:
            regs = _regions_text(drug.served_regions[j])
            out.append(CheckIssue(drug.key, sup, regs,
                                  f"药品 {name} 中选企业 {sup} 的最低份额需要 {need:g}，但其供应地区（{regs}）内的医疗机构约定量只有 {reach[j]:g}",
                                  f"drug {name}: supplier {sup}'s minimum share needs {need:g} units but the hospitals "
                                  f"in its regions ({regs}) agreed only {reach[j]:g}"))
    return out


def _check_coverage(drug: DrugData, name: str, total: float) -> list[CheckIssue]:
    """Warnings: regions no winner serves, capacity short of the agreed volume (shortage follows)."""
    out = []
    served = np.zeros(len(drug.hospital_ids), dtype=bool)
    served[drug.arc_h] = True
    if not served.all():
        regions = np.array(["(未知)" if r is None else r for r in drug.regions], dtype=object)
        for reg in sorted(set(regions[~served])):
            mask = (~served) & (regions == reg)
            vol = float(drug.agreed[mask].sum())
            out.append(CheckIssue(drug.key, None, reg,
                                  f"药品 {name} 在地区 {reg} 没有中选企业供应：{int(mask.sum())} 家医疗机构的约定量 {vol:g} 将短缺",
                                  f"drug {name}: no winner serves region {reg}: {int(mask.sum())} hospitals' agreed "
                                  f"volume {vol:g} will be short", "warning"))
    reach = np.bincount(drug.arc_s, weights=drug.agreed[drug.arc_h], minlength=len(drug.suppliers))
    usable = float(np.minimum(drug.capacity, reach).sum())
    servable = float(drug.agreed[served].sum())
    if usable + TOL < servable:
        out.append(CheckIssue(drug.key, None, None,
                              f"药品 {name} 中选企业可用供应能力合计 {usable:g}，少于约定量 {servable:g}，将有短缺",
                              f"drug {name}: the winners' usable capacity {usable:g} is short of the agreed volume "
                              f"{servable:g}: shortages will result", "warning"))
    return out


def _regions_text(regions: frozenset[str] | None) -> str:
    return "全部地区 / all regions" if regions is None else "、".join(sorted(regions))


def blocking(issues: list[CheckIssue]) -> list[CheckIssue]:
    """The issues that stop a part from being solved."""
    return [i for i in issues if i.severity == "error"]
