"""``python -m optimizer plan FILE...``: the allocation for coordinators who script (cli.md)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from optimizer.checks import check_settings
from optimizer.inputs import PlanInput, PlanSettings
from optimizer.plan import Plan
from optimizer.solve import allocate
from procurement import supply
from procurement.labels import PLAN_STATUS_ZH
from procurement.model import Dataset, conform


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m optimizer", description="带量采购分配优化 / VBP allocation")
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="分配约定量 / allocate agreed volumes")
    _plan_options(plan)
    plan.add_argument("--db", metavar="URL", default=None,
                      help="在此数据库的方案记录中登记（默认 VBP_DB_URL；均未给出则不登记）/ record the plan in this "
                           "database's plan log (default VBP_DB_URL; neither given: not recorded)")
    again = sub.add_parser("replan", help="断供后重新分配 / re-plan when suppliers fail")
    _plan_options(again)
    again.add_argument("--disrupted", nargs="+", metavar="SUPPLIER", default=None,
                       help="断供企业；不填则取数据库中未关闭的缺货登记 / failed suppliers (default: open shortages)")
    again.add_argument("--since", type=_day, default=None, metavar="DATE",
                       help="断供起始日期 YYYY-MM-DD（默认今天）；此前的采购不再重新分配")
    again.add_argument("--db", metavar="URL", default=None,
                       help="读取采购记录和缺货登记的数据库 / database with purchases and shortages")
    return parser


def _day(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(date.fromisoformat(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from exc


def _plan_options(plan: argparse.ArgumentParser) -> None:
    plan.add_argument("files", nargs="+", metavar="FILE", help=".xlsx/.xls/.csv: 报量、中选企业供应、医疗机构")
    plan.add_argument("--ratio", type=float, default=None, help="约定比例，覆盖规则 / agreed ratio for every drug")
    plan.add_argument("--max-suppliers", type=int, default=1, help="每家医疗机构每个药品的企业数上限 K")
    plan.add_argument("--switch-penalty", type=float, default=0.0, help="更换企业的惩罚（元/单位）")
    plan.add_argument("--shortage-penalty", type=float, default=1000.0, help="短缺惩罚（元/单位）")
    plan.add_argument("--time-limit", type=float, default=60.0, help="每个药品的时间限制（秒）")
    plan.add_argument("--gap", type=float, default=1e-4, help="相对间隙 / relative MIP gap")
    plan.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    plan.add_argument("--workers", type=int, default=2, help="并行进程数 / worker processes")
    plan.add_argument("--region-mode", action="store_true", help="每个地区一个企业 / one supplier per region")
    plan.add_argument("--json", action="store_true", help="输出 JSON / print the plan as JSON")
    plan.add_argument("--xlsx", metavar="OUT", default=None, help="写出分配方案工作簿 / write the plan workbook")
    plan.add_argument("--user", metavar="NAME", default=None,
                      help="方案记录中登记的用户（默认操作系统用户）/ who the plan log names (default: the OS user)")


def settings_from(args: argparse.Namespace) -> PlanSettings:
    return PlanSettings(
        ratio=args.ratio, max_suppliers=args.max_suppliers, switch_penalty=args.switch_penalty,
        shortage_penalty=args.shortage_penalty, time_limit=args.time_limit, gap=args.gap,
        solver=args.solver, workers=args.workers, region_mode=args.region_mode,
    )


def read_input(paths: Sequence[str]) -> tuple[PlanInput | None, list[str]]:
    """The planning input from files, or every problem found (file › sheet › row › column: what)."""
    from procurement.ingest.importer import parse_files

    result = parse_files(list(paths))
    if not result.ok:
        return None, [str(p) for p in result.problems]
    tables = result.tables
    missing = [k for k in ("demand", "offers") if k not in tables or tables[k].empty]
    if missing:
        names = {"demand": "报量 / demand", "offers": "中选企业供应 / offers"}
        return None, [f"{', '.join(paths)}: 缺少数据表 / missing table: {names[k]}" for k in missing]
    ds = Dataset(**{k: conform(k, tables[k]) for k in ("demand", "offers", "hospitals", "products") if k in tables})
    return PlanInput.from_dataset(ds), []


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Exit 0 with a plan, 2 on bad input (every problem on stderr), 1 on an internal error."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        settings = settings_from(args)
        bad = check_settings(settings)
        if bad:
            for issue in bad:
                print(str(issue), file=err)
            return 2
        t0 = time.perf_counter()
        inp, problems = read_input(args.files)
        if inp is None:
            for line in problems:
                print(line, file=err)
            return 2
        read_time = time.perf_counter() - t0
        plan = allocate(inp, settings)
        plan.timings["read"] = read_time
        if args.command == "replan":
            return _replan(args, inp, plan, settings, out, err)
        workbook = _workbook(plan, inp) if args.xlsx else None
        _record(args, inp, settings, plan, workbook)  # before the file exists: no plan saved unrecorded
        if workbook is not None:
            Path(args.xlsx).write_bytes(workbook)
        if args.json:
            json.dump(plan.to_json(), out, ensure_ascii=False, allow_nan=False)
            out.write("\n")
        else:
            out.write(summary(plan))
        return 0
    except Exception as exc:  # an internal error: say so, exit 1
        print(f"内部错误 / internal error: {type(exc).__name__}: {exc}", file=err)
        return 1


def _replan(args: argparse.Namespace, inp: PlanInput, plan: Plan, settings: PlanSettings,
            out: TextIO, err: TextIO) -> int:
    """``replan``: the plan, then its failed suppliers' remaining volume moved (cli.md)."""
    from optimizer.replan import replan

    since = args.since if args.since is not None else pd.Timestamp(date.today())
    stored = _stored(args.db) if args.db else None
    disrupted = args.disrupted or (open_shortage_suppliers(stored, since) if stored is not None else [])
    if not disrupted:
        print("没有断供企业：请用 --disrupted 指定，或用 --db 指向有未关闭缺货登记的数据库 / "
              "no failed supplier: name them with --disrupted, or --db a database with open shortages", file=err)
        return 2
    known = set(inp.offers["supplier"].astype(str)) | set(plan.allocations["supplier"].astype(str))
    unknown = [s for s in disrupted if s not in known]
    if unknown:
        for s in unknown:
            print(f"{', '.join(args.files)}: 未知的中选企业 / unknown supplier: {s}", file=err)
        return 2
    purchases = stored.purchases if stored is not None else None
    result = replan(inp, plan, disrupted, since, purchases, settings)
    workbook = _workbook(plan, inp, disruption=result.steps) if args.xlsx else None
    more = {"disrupted": sorted(disrupted), "since": since.date().isoformat(),
            "purchases": purchases if purchases is not None else "-"}
    _record(args, inp, settings, plan, workbook, replanned=result, more=more)
    if workbook is not None:
        Path(args.xlsx).write_bytes(workbook)
    if args.json:
        json.dump(result.to_json(), out, ensure_ascii=False, allow_nan=False)
        out.write("\n")
    else:
        out.write(summary(plan))
        out.write(f"断供企业 / disrupted: {'、'.join(result.disrupted)}（自 {result.since.date()} 起）\n"
                  f"调整 / moved: {len(result.moved)} 行，{result.moved['volume'].astype(float).sum():,.0f}；"
                  f"价差增加 / extra cost: {result.extra_cost:,.2f} 元；"
                  f"仍短缺 / still short: {result.shortages['volume'].astype(float).sum():,.0f}\n")
    return 0


def _workbook(plan: Plan, inp: PlanInput, **extra: Any) -> bytes:
    from optimizer.excel import write_plan_xlsx

    buffer = io.BytesIO()
    write_plan_xlsx(plan, buffer, inp=inp, **extra)
    return buffer.getvalue()


def _record(args: argparse.Namespace, inp: PlanInput, settings: PlanSettings, plan: Plan, workbook: bytes | None,
            **more: Any) -> None:
    """Record the run (and the saved workbook) in the plan log of ``--db``, else of ``VBP_DB_URL``.

    With neither, the command is a calculation over files that touches no database, and nothing is
    recorded (a coordinator working on the alliance's store names it, as ``import`` does).
    """
    url = args.db or os.environ.get("VBP_DB_URL")
    if not url:
        return
    from optimizer import audit
    from procurement import store
    from procurement.cli import _import_user

    engine = store.get_engine(url)
    try:
        user = _import_user(args.user)
        audit.record(engine, user=user, action="run", source="cli", inp=inp, settings=settings, plan=plan, **more)
        if workbook is not None:
            audit.record(engine, user=user, action="save", source="cli", inp=inp, settings=settings, plan=plan,
                         workbook=workbook, **more)
    finally:
        engine.dispose()


def _stored(url: str) -> Dataset:
    from procurement import store

    engine = store.get_engine(url)
    try:
        return store.load_dataset(engine)
    finally:
        engine.dispose()


def open_shortage_suppliers(ds: Dataset, as_of: pd.Timestamp) -> list[str]:
    """Suppliers with a shortage registered and not closed on ``as_of`` (a failing winner)."""
    return supply.failing_suppliers(getattr(ds, "shortages", None), as_of)


def summary(plan: Plan) -> str:
    """A short Chinese summary for people at a terminal."""
    alloc, short = plan.allocations, plan.shortages
    lines = [
        f"状态 / status: {PLAN_STATUS_ZH[plan.status.value]} ({plan.status.value})",
        f"目标值 / objective: {plan.objective:,.2f}  中选价总金额 / total cost: {plan.total_cost:,.2f} 元  "
        f"间隙 / gap: {plan.gap:.2e}",
        f"分配 / allocations: {len(alloc)} 行，总量 {alloc['volume'].sum():,.0f}；"
        f"更换企业 / switched: {int(alloc['switched'].sum())} 行",
        f"短缺 / shortages: {len(short)} 行，总量 {short['volume'].sum():,.0f}",
    ]
    if len(plan.savings):
        base = plan.savings["baseline_cost"].sum()
        saved = plan.savings["savings"].sum()
        rate = f"{saved / base:.1%}" if base else "-"
        lines.append(f"节约 / savings: {saved:,.2f} 元（{rate}）")
    if plan.reason:
        lines.append(f"原因 / reason: {plan.reason}")
    for issue in plan.issues[:20]:
        lines.append(f"{'错误' if issue.severity == 'error' else '提示'}: {issue}")
    if len(plan.issues) > 20:
        lines.append(f"... 另有 {len(plan.issues) - 20} 条 / {len(plan.issues) - 20} more")
    t = plan.timings
    lines.append(f"用时 / time: 读取 {t.get('read', 0):.2f}s，建模 {t.get('build', 0):.2f}s，求解 {t.get('solve', 0):.2f}s")
    return "\n".join(lines) + "\n"
