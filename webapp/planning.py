"""Glue between the plan page and the optimizer, kept out of the page so it can be tested."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from optimizer import Plan, PlanInput, PlanSettings, allocate
from optimizer.summary import PlanSummary, reason_text, summarize
from procurement.model import Dataset, conform
from webapp.i18n import t

ProgressFn = Callable[[int, int], None]


def dataset_from_tables(tables: dict[str, pd.DataFrame], hospitals: pd.DataFrame | None = None) -> Dataset:
    """The uploaded planning tables as a Dataset; without an uploaded hospitals sheet the stored
    hospitals give the regions (supply regions are matched against them)."""
    ds = Dataset() if hospitals is None else Dataset(hospitals=hospitals)
    for kind, frame in tables.items():
        ds = ds.with_table(kind, conform(kind, frame))
    return ds


def plan_input(ds: Dataset) -> PlanInput | None:
    """Planning input, or None when there is nothing to plan (no demand or no offers)."""
    if ds.demand.empty or ds.offers.empty:
        return None
    return PlanInput.from_dataset(ds)


def plan_settings(ratio: float, k: int, switch_penalty: float, shortage_penalty: float, time_limit: float,
                  gap: float) -> PlanSettings:
    """Settings from the form; ratio 0 means "by the number of winners", and one worker process
    because the app shares a small server with its users."""
    return PlanSettings(ratio=ratio or None, max_suppliers=int(k), switch_penalty=float(switch_penalty),
                        shortage_penalty=float(shortage_penalty), time_limit=float(time_limit), gap=float(gap),
                        workers=1)


def run_plan(inp: PlanInput, settings: PlanSettings, progress: ProgressFn | None = None) -> Plan:
    return allocate(inp, settings, progress=progress)


def scenario_settings(base: PlanSettings, ratios: Sequence[float], ks: Sequence[int], lang: str = "zh") -> dict[str, PlanSettings]:
    """The current settings first (the reference), then one scenario per other ratio and K."""
    from dataclasses import replace

    out = {t("plan_current", lang): base}
    for r in ratios:
        if (r or None) != base.ratio:
            out[f"{t('plan_ratio_short', lang)} {r:.0%}"] = replace(base, ratio=r or None)
    for k in ks:
        if k != base.max_suppliers:
            out[f"K = {k}"] = replace(base, max_suppliers=int(k))
    return out


def compare(inp: PlanInput, scenarios: dict[str, PlanSettings]) -> Any:
    from optimizer.scenarios import compare_scenarios

    return compare_scenarios(inp, scenarios)


def record_comparison(engine: Engine, user: str, inp: PlanInput, scenarios: dict[str, PlanSettings],
                      comparison: Any) -> list[int]:
    """Each scenario plan the compare button ran, in the plan log (its name in the detail)."""
    from optimizer import audit

    return [audit.record(engine, user=user, action="run", source="app", inp=inp, settings=scenarios[name],
                         plan=plan, note={"scenario": name})
            for name, plan in comparison.plans.items() if name in scenarios]


def disruption(inp: PlanInput, plan: Plan, supplier: str, from_date: Any, purchases: pd.DataFrame,
               settings: PlanSettings) -> Any:
    """Re-plan the volume a failing winner can no longer deliver (断供) from ``from_date`` on."""
    from optimizer.scenarios import replan_disruption

    return replan_disruption(inp, plan, supplier, from_date, purchases, settings)


def issues_frame(plan: Plan, lang: str = "zh") -> pd.DataFrame:
    rows = [{"drug": f"{i.drug[0]} {i.drug[1]}", "supplier": i.supplier or "", "region": i.region or "",
             "message": i.message_zh if lang == "zh" else i.message_en, "severity": i.severity}
            for i in plan.issues]
    return pd.DataFrame(rows, columns=["drug", "supplier", "region", "message", "severity"])


def plan_xlsx(plan: Plan, inp: PlanInput | None = None, comparison: Any = None, disruption_result: Any = None,
              settings: PlanSettings | None = None) -> bytes:
    """The plan workbook: first a 说明 sheet (figures, settings, sheets, terms), then the tables."""
    from optimizer.excel import write_plan_xlsx

    buffer = io.BytesIO()
    write_plan_xlsx(plan, buffer, inp=inp, comparison=comparison, disruption=disruption_result, settings=settings)
    return buffer.getvalue()


def record_run(engine: Engine, user: str, inp: PlanInput, settings: PlanSettings, plan: Plan) -> int:
    """The run button's plan in the plan log (user, time, hashes of inputs and result)."""
    from optimizer import audit

    return audit.record(engine, user=user, action="run", source="app", inp=inp, settings=settings, plan=plan)


def record_replan(engine: Engine, user: str, inp: PlanInput, settings: PlanSettings, plan: Plan, result: Any,
                  failed: Sequence[str], since: Any, purchases: pd.DataFrame,
                  backups: Sequence[str] | None = None) -> int:
    """A disruption re-plan in the plan log: its inputs are the plan's plus the failed suppliers, the
    day, the backup suppliers offered and the purchases before it; its result hash covers the
    re-planned allocation."""
    from optimizer import audit

    more = {"disrupted": sorted(map(str, failed)), "since": pd.Timestamp(since).date().isoformat(),
            "backups": None if backups is None else sorted(map(str, backups)), "purchases": purchases}
    return audit.record(engine, user=user, action="run", source="app", inp=inp, settings=settings, plan=plan,
                        replanned=result, more=more)


def recorded_plan_xlsx(engine: Engine, user: str, plan: Plan, inp: PlanInput, comparison: Any = None,
                       disruption_result: Any = None, settings: PlanSettings | None = None) -> bytes:
    """The plan workbook for the download button, recorded as downloaded (with the workbook's hash) as
    it is built: the button builds it when clicked."""
    from optimizer import audit

    data = plan_xlsx(plan, inp, comparison, disruption_result, settings)
    audit.record(engine, user=user, action="download", source="app", inp=inp, settings=settings or PlanSettings(),
                 plan=plan, workbook=data)
    return data


_LOG_HEADERS = {"at": ("日期 (UTC)", "Date (UTC)"), "user": ("用户", "User"), "action": ("操作", "Action"),
                "source": ("来源", "From"), "status": ("求解状态", "Status"),
                "total_cost": ("总金额（元）", "Total cost (yuan)"), "input_hash": ("输入哈希", "Input hash"),
                "output_hash": ("结果哈希", "Result hash"), "file_hash": ("文件哈希", "File hash")}
_ACTIONS = {"run": ("计算", "run"), "save": ("保存", "saved"), "download": ("下载", "downloaded")}


def plan_log_frame(engine: Engine, lang: str = "zh", limit: int = 200) -> pd.DataFrame:
    """The newest plan events for the plan page, formatted as every table of the app: who ran, saved
    or downloaded which plan, when (the hashes tell plans apart without opening them)."""
    from procurement.plan_log import plan_events
    from webapp import formats

    i = 0 if lang == "zh" else 1
    log = plan_events(engine).head(limit)
    detail = log["detail"].map(lambda d: d if isinstance(d, dict) else {})
    frame = log.assign(action=log["action"].map(lambda a: _ACTIONS.get(a, (a, a))[i]),
                       status=detail.map(lambda d: d.get("status")),
                       total_cost=pd.to_numeric(detail.map(lambda d: d.get("total_cost")), errors="coerce"),
                       at=pd.to_datetime(log["at"]))
    return formats.table(frame, list(_LOG_HEADERS), lang, text={k: v[i] for k, v in _LOG_HEADERS.items()},
                         kinds={"total_cost": formats.MONEY_FORMAT})


def summary(plan: Plan, inp: PlanInput, settings: PlanSettings) -> PlanSummary:
    """What the coordinator judges the plan by (optimizer.summary)."""
    return summarize(plan, inp, settings)


def comparison_frame(comparison: Any) -> pd.DataFrame:
    """The scenario table made like-for-like: scenarios with other ratios buy other volumes, so their
    total costs do not compare; the volume and the cost per unit do."""
    table = comparison.table.copy()
    volumes = [float(p.allocations["volume"].sum()) if len(p.allocations) else 0.0
               for p in comparison.plans.values()]
    table.insert(3, "volume", volumes)
    table.insert(4, "cost_per_unit", [c / v if v > 0 else float("nan") for c, v in zip(table["total_cost"], volumes,
                                                                                         strict=True)])
    if len(table):
        table["cost_per_unit_change"] = table["cost_per_unit"] - table["cost_per_unit"].iloc[0]
    return table


def winners_frame(s: PlanSummary, lang: str) -> pd.DataFrame:
    """Every winner with its volume; those without any first, each with the reason."""
    frame = s.winners.assign(reason=s.winners["reason"].map(lambda r: reason_text(r, lang)),
                             idle=s.winners["load"] <= 1e-6)
    return frame.sort_values(["idle", "generic_name", "load"], ascending=[False, True, False])


def switches_frame(s: PlanSummary, names: dict[str, str], lang: str) -> pd.DataFrame:
    return s.switches.assign(hospital_name=s.switches["hospital_id"].map(names).fillna(s.switches["hospital_id"]),
                             reason=s.switches["reason"].map(lambda r: reason_text(r, lang)))
