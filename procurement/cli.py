"""The ``procurement`` command line (shared/spec/cli.md): import, report, template, bootstrap, users.

Coordinators script it and checks hold the numbers with it, so the contract is strict: exit 0 on
success, 2 on bad input with every problem on stderr and nothing written, 1 on an internal error
(a short message; the traceback only with ``VBP_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from procurement import store
from procurement.labels import KIND_LABELS_ZH, METRIC_LABELS_EN, METRIC_LABELS_ZH, PROGRESS_STATUS_ZH
from procurement.metrics import behind_schedule
from procurement.model import TABLE_KINDS, Dataset
from procurement.problems import InputError, Problem

SAMPLE_DIR = store.REPO_ROOT / "sample_data"
DATA_SUFFIXES = (".xlsx", ".xls", ".csv")

KIND_LABELS = KIND_LABELS_ZH


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments in both languages (still exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数错误 / bad arguments: {message}\n")


def _agreement_year(text: str) -> int:
    """--year: an agreement year number 1..10 (argparse turns the ValueError into exit 2)."""
    value = int(text)
    if not 1 <= value <= 10:
        raise ValueError(text)
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m procurement", description="带量采购执行跟踪 / VBP tracking")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    imp = sub.add_parser("import", help="导入文件到数据库 / import files into the database")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--db", metavar="URL", help="数据库 URL (默认 VBP_DB_URL 或内置 SQLite)")
    imp.add_argument("--kind", choices=TABLE_KINDS, help="强制表类型 / force the table kind")
    imp.add_argument("--hospital", metavar="H",
                     help="无机构列的文件属于该医院（编码或名称）/ the hospital of files without a hospital column")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    imp.add_argument("--replace-period", action="store_true",
                     help="更正：替换文件中各医院在其日期范围内的采购和回款行，文件中没有的行将被删除；"
                          "不加 --yes 时只列出将删除的行，不写入 / correction: replace each hospital's purchases "
                          "and payments dated within the file's period (rows the file lacks are removed); "
                          "without --yes only the rows that would be removed are listed, nothing is written")
    imp.add_argument("--yes", action="store_true",
                     help="确认 --replace-period 的删除并写入 / confirm the removals of --replace-period and write")
    imp.add_argument("--user", metavar="NAME",
                     help="导入日志中记录的用户（默认操作系统用户）/ who the import log names (default: the OS user)")
    imp.set_defaults(func=_cmd_import)

    rep = sub.add_parser("report", help="执行情况报告 / execution report")
    rep.add_argument("files", nargs="*", metavar="FILE", help="只用这些文件计算，不读写数据库")
    rep.add_argument("--db", metavar="URL")
    rep.add_argument("--as-of", type=_iso_date, metavar="DATE", help="截至日期 YYYY-MM-DD")
    rep.add_argument("--year", type=_agreement_year, metavar="N",
                     help="协议年度 1, 2, 3 (默认: 截至日期所在年度) / agreement year (default: the one containing as-of)")
    rep.add_argument("--as-of-import", type=int, metavar="N",
                     help="按第 N 次导入后的数据重算 / the data as it was right after import N")
    rep.add_argument("--json", action="store_true")
    rep.add_argument("--xlsx", metavar="OUT", help="写出 Excel 报告 / write the Excel report")
    rep.add_argument("--monthly", metavar="OUT", help="写出月报工作簿 / write the monthly report workbook")
    rep.add_argument("--by-region", action="store_true", help="月报按地区分表 / one monthly sheet per region")
    rep.set_defaults(func=_cmd_report)

    ren = sub.add_parser("renew", help="接续采购报量文件 / the next cycle's declaration file from actual use")
    ren.add_argument("--batch", required=True, metavar="B", help="集采批次 / batch")
    ren.add_argument("--db", metavar="URL")
    ren.add_argument("--as-of", type=_iso_date, metavar="DATE", help="近12个月截至此日（默认协议期止或最新采购日）")
    ren.add_argument("--ratio", type=float, metavar="R", help="接续比例，默认按中选企业数 / renewal ratio")
    ren.add_argument("--out", required=True, metavar="FILE.xlsx")
    ren.set_defaults(func=_cmd_renew)

    tpl = sub.add_parser("template", help="生成空白模板 / write a blank template")
    tpl.add_argument("kind", choices=TABLE_KINDS, metavar="KIND", help=", ".join(TABLE_KINDS))
    tpl.add_argument("--out", required=True, metavar="FILE.xlsx")
    tpl.set_defaults(func=_cmd_template)

    boot = sub.add_parser(
        "bootstrap", help="空数据库时导入示例数据 / load the sample data into an empty database"
    )
    boot.add_argument("--db", metavar="URL")
    boot.add_argument("--from", dest="folder", default=str(SAMPLE_DIR), metavar="DIR", help=argparse.SUPPRESS)
    boot.set_defaults(func=_cmd_bootstrap)

    _add_users_parser(sub)
    return parser


def _add_users_parser(sub: Any) -> None:
    """``users add|passwd|role|delete|unlock|list|log``: accounts (procurement.auth holds the rules)."""
    from procurement.auth import ROLES

    users = sub.add_parser("users", help="账户管理 / accounts: users add NAME --role coordinator|hospital|leadership "
                                         "[--hospital H]; passwd, role, delete, unlock, list, log")
    users.add_argument("--db", metavar="URL", default=None, help="数据库 URL / database URL")
    users.add_argument("--user", dest="actor", metavar="WHO", default=None,
                       help="账户日志中记录的操作者（默认操作系统用户）/ who makes the change (default: the OS user)")
    actions = users.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", help="新建账户（密码取自 VBP_NEW_PASSWORD 或提示输入）/ add an account")
    pw = actions.add_parser("passwd", help="设置新密码 / set a new password")
    pw.add_argument("name")
    rl = actions.add_parser("role", help="修改角色 / change an account's role")
    for with_role in (add, rl):  # an account's role, and its hospital when it is a hospital's
        with_role.add_argument("name")
        with_role.add_argument("--role", required=True, choices=ROLES)
        with_role.add_argument("--hospital", default=None,
                               help="机构编码，--role hospital 时 / hospital id, for --role hospital")
    rm = actions.add_parser("delete", help="删除账户 / delete an account")
    rm.add_argument("name")
    ul = actions.add_parser("unlock", help="解除登录锁定（--address: NAME 为客户端地址）/ lift a sign-in lockout")
    ul.add_argument("name")
    ul.add_argument("--address", action="store_true", help="NAME 为客户端地址 / NAME is a client address")
    actions.add_parser("list", help="列出账户 / list accounts")
    actions.add_parser("log", help="账户日志：每次变更、操作者和时间 / the account log")
    for action in actions.choices.values():  # --db and --user also after the action
        action.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="数据库 URL / database URL")
        action.add_argument("--user", dest="actor", metavar="WHO", default=argparse.SUPPRESS,
                            help="操作者 / who makes the change")
    users.set_defaults(func=_cmd_users)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code instead of exiting so tests can call it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or bad arguments (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.func(args)
    except InputError as err:
        _print_problems(err.problems)
        return 2
    except BrokenPipeError:  # output piped into head & co: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the contract is a short message and exit 1
        if os.environ.get("VBP_DEBUG") == "1":
            traceback.print_exc()
        print(f"内部错误 / internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


# ---------------------------------------------------------------------------------------------
# Commands


def _check(engine: Any, files: Sequence[Path], *, kind: str | None = None, hospital: str | None = None,
           as_json: bool = False) -> Any:
    """The import's check (procurement.workflow) of ``files`` against what is stored: every problem
    raises InputError (exit 2, nothing written); with ``as_json`` what was read is printed first."""
    from procurement import workflow

    checked = workflow.check(files, store.load_reference(engine), kind=kind, hospital=hospital)
    if checked.result.problems:
        if as_json:  # what was read, for scripts; the problems themselves go to stderr (exit 2)
            _print_json({"ok": False, "files": checked.result.summary()})
        raise InputError(checked.result.problems)
    return checked


def _read_new_password() -> str:
    """``VBP_NEW_PASSWORD`` when set (scripts), else typed twice without echo."""
    import getpass

    from procurement.auth import AccountError

    env = os.environ.get("VBP_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("密码 / password: ")
    second = getpass.getpass("再次输入 / again: ")
    if first != second:
        raise AccountError("两次输入的密码不一致 / the passwords differ")
    return first


def _cmd_users(args: argparse.Namespace) -> int:
    """``users ACTION``: changes are logged under ``--user`` or the operating-system user; a request
    the user must correct (unknown account, weak password, the last coordinator) is exit 2."""
    from procurement import auth

    engine = store.get_engine(args.db)
    actor = args.actor or auth.default_actor()
    out = sys.stdout
    try:
        if args.action == "add":
            user = auth.create_user(engine, args.name, _read_new_password(), args.role, args.hospital, actor=actor)
            out.write(f"已创建账户 / created account: {user.username} ({user.role})\n")
        elif args.action == "passwd":
            auth.set_password(engine, args.name, _read_new_password(), actor=actor)
            out.write(f"已修改密码 / password changed: {args.name}\n")
        elif args.action == "role":
            user = auth.set_role(engine, args.name, args.role, args.hospital, actor=actor)
            out.write(f"已修改角色 / role changed: {user.username} ({user.role})\n")
        elif args.action == "delete":
            auth.delete_user(engine, args.name, actor=actor)
            out.write(f"已删除账户 / deleted account: {args.name}\n")
        elif args.action == "unlock":
            lifted = auth.unlock(engine, args.name, address=args.address, actor=actor)
            out.write(f"已解除锁定 / lock lifted: {args.name}\n" if lifted else f"未锁定 / not locked: {args.name}\n")
        elif args.action == "log":
            frame = auth.account_events(engine)
            out.write(frame.to_string(index=False) + "\n" if len(frame) else "(无记录 / no events)\n")
        else:
            frame = auth.list_users(engine)
            out.write(frame.to_string(index=False) + "\n" if len(frame) else "(无账户 / no accounts)\n")
    except auth.AccountError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from procurement import workflow

    engine = store.get_engine(args.db)
    checked = _check(engine, [Path(f) for f in args.files], kind=args.kind, hospital=args.hospital,
                     as_json=args.json)
    read = checked.result.summary()
    if args.replace_period:
        return _correct(args, engine, checked, read)
    summary = workflow.save(engine, checked, _import_user(args.user))
    if args.json:
        _print_json({**summary.to_json(), "ok": True, "files": read})
    else:
        _print_summary(summary, sys.stdout)
        _print_sheets(read, sys.stdout)
    return 0


def _correct(args: argparse.Namespace, engine: Any, checked: Any, read: list[dict[str, Any]]) -> int:
    """``import --replace-period``: list the stored rows the files would remove; with ``--yes`` write.

    Preview by default, so a correction never removes rows nobody saw: the listing is the same one
    the upload page shows before its save button. With ``--yes`` the import refuses (exit 2, nothing
    written) when the removals differ from the listing printed just before (another import came between).
    """
    from procurement import workflow

    preview = workflow.removals(engine, checked)
    if not args.yes:
        if args.json:
            _print_json({"ok": True, "written": False, "would_remove": _removal_records(preview), "files": read})
        else:
            _print_removals(preview, sys.stdout)
            print("预览：未写入任何数据，确认请加 --yes / preview only: nothing written; add --yes to confirm")
        return 0
    summary = workflow.save(engine, checked, _import_user(args.user), replace_period=True,
                            expect_removed={kind: len(frame) for kind, frame in preview.items()})
    if args.json:
        _print_json({**summary.to_json(), "ok": True, "written": True, "removed_rows": _removal_records(preview),
                     "files": read})
    else:
        _print_removals(preview, sys.stdout)
        _print_summary(summary, sys.stdout)
        _print_sheets(read, sys.stdout)
    return 0


def _removal_records(preview: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows a correction removes, per kind, as JSON objects (days as YYYY-MM-DD, blanks null)."""
    import pandas as pd

    out: dict[str, list[dict[str, Any]]] = {}
    for kind, frame in preview.items():
        text = frame.astype(object).where(frame.notna(), None)
        for col in frame.columns:
            if str(frame[col].dtype).startswith("datetime64"):
                text[col] = [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in frame[col]]
        out[kind] = [{k: v for k, v in row.items() if v is not None} for row in text.to_dict("records")]
    return out


_REMOVAL_COLUMNS = {
    "purchases": ("hospital_id", "order_id", "date", "product_id", "generic_name", "quantity", "amount"),
    "payments": ("hospital_id", "payment_id", "date", "order_id", "amount"),
}


def _print_removals(preview: dict[str, Any], out: TextIO) -> None:
    """Every stored row the correction removes, one line each (a correction lists them all)."""
    total = sum(len(frame) for frame in preview.values())
    print(f"更正将删除 {total} 行 / the correction removes {total} stored row(s)", file=out)
    for kind, frame in preview.items():
        if frame.empty:
            continue
        print(f"  {KIND_LABELS[kind]} {kind}: {len(frame)}", file=out)
        cols = _REMOVAL_COLUMNS[kind]
        for record in _removal_records({kind: frame[list(cols)]})[kind]:
            print("    " + "  ".join(str(record.get(c, "—")) for c in cols), file=out)


def _import_user(given: str | None) -> str:
    """Who an import from the command line is logged under: ``--user``, else the operating-system user
    (``os:NAME``, so it is never mistaken for an app account)."""
    if given and given.strip():
        return given.strip()
    from procurement.auth import default_actor

    return default_actor()


def _cmd_report(args: argparse.Namespace) -> int:
    from procurement.report import build_report

    if args.files and args.as_of_import is not None:
        print("--as-of-import 只用于数据库 / --as-of-import reads the database, not files", file=sys.stderr)
        return 2
    if args.files:
        from procurement.ingest.importer import parse_files

        result = parse_files([Path(f) for f in args.files])
        if result.problems:
            _print_problems(result.problems)
            return 2
        dataset = Dataset(**result.tables)
    else:
        engine = store.get_engine(args.db)
        if store.is_empty(engine):
            print("数据库为空，请先导入数据 / the database is empty: import files first", file=sys.stderr)
        dataset = store.load_dataset(engine, as_of_import=args.as_of_import)
    report = build_report(dataset, as_of=args.as_of, year=args.year)
    if args.xlsx:
        from procurement.excel import write_report_xlsx

        write_report_xlsx(report, args.xlsx)
    if args.monthly:
        from procurement.monthly import monthly_report, write_monthly_xlsx

        ends = dataset.products.drop_duplicates("product_id", keep="last").set_index("product_id")["agreement_end"]
        frame = monthly_report(report.detail, dataset.purchases, report.as_of,
                               report.detail["product_id"].map(ends))
        write_monthly_xlsx(frame, report.as_of, args.monthly, by_region=args.by_region, status_zh=PROGRESS_STATUS_ZH)
    payload = report.to_json()
    if args.json:
        _print_json(payload)
    else:
        _print_report_summary(payload, sys.stdout)
        if args.xlsx:
            print(f"已写出 / written: {args.xlsx}")
    return 0


def _cmd_renew(args: argparse.Namespace) -> int:
    """The next cycle's declaration file (报量) of a batch, from the last 12 months of use."""
    from procurement.renewal import renew, write_renewal_xlsx
    from procurement.settings import Settings

    if args.ratio is not None and not 0 < args.ratio <= 1:
        print(f"接续比例应在 0 到 1 之间 / the renewal ratio must be in (0, 1]: {args.ratio}", file=sys.stderr)
        return 2
    dataset = store.load_dataset(store.get_engine(args.db))
    renewal = renew(dataset, args.batch, Settings(renewal_ratio=args.ratio), as_of=args.as_of)
    write_renewal_xlsx(renewal, args.out)
    rows = renewal.rows
    print(f"已写出 {args.batch} 接续采购报量 / renewal declarations written: {args.out}\n"
          f"  {rows['hospital_id'].nunique()} 家机构 × {len(rows[['generic_name', 'specification']].drop_duplicates())} "
          f"个药品，{len(rows)} 行；近12个月 {renewal.window_start} 至 {renewal.window_end}；"
          f"申报量合计 {rows['declared_volume'].sum():,.0f}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from procurement.excel import write_template

    write_template(args.kind, args.out)
    print(f"已写出 {KIND_LABELS[args.kind]} 模板 / {args.kind} template written: {args.out}")
    return 0


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    """First start: fill an empty database with the sample alliance; never touch a used one."""
    engine = store.get_engine(args.db)
    _first_coordinator(engine)
    if not store.is_empty(engine):
        print("数据库已有数据，未导入示例数据 / database already holds data; nothing imported")
        return 0
    folder = Path(args.folder)
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    if not files:
        _print_problems(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    None,
                    "示例数据目录中没有数据文件",
                    "no data files in the sample folder",
                )
            ]
        )
        return 2
    from procurement import workflow

    summary = workflow.save(engine, _check(engine, files), "bootstrap", name=f"{folder.name} ({len(files)} files)")
    print(f"已导入示例数据（{len(files)} 个文件）/ sample data imported ({len(files)} files)")
    _print_summary(summary, sys.stdout)
    return 0


def _first_coordinator(engine: Any) -> None:
    """Make sure someone can sign in: env VBP_ADMIN_PASSWORD, else a prompt at a terminal.

    There is never a default password; without a terminal or the variable we say how to add one.
    """
    from procurement import auth

    created = auth.ensure_coordinator_from_env(engine)
    if created:
        print(f"已创建协调员账户 / coordinator account created: {created}")
        return
    if auth.has_coordinator(engine):
        return
    if sys.stdin.isatty():
        print("尚无协调员账户，请创建 / no coordinator account yet: create one now")
        name = input("用户名 / username [admin]: ").strip() or "admin"
        for _ in range(3):
            try:
                auth.create_user(engine, name, _read_new_password(), "coordinator")
            except auth.AccountError as exc:
                print(exc, file=sys.stderr)
                continue
            print(f"已创建协调员账户 / coordinator account created: {name}")
            return
    print(
        "提示：尚无协调员账户。请运行 `python -m procurement users add admin --role coordinator`，"
        "或设置环境变量 VBP_ADMIN_PASSWORD 后重新启动。\n"
        "Note: no coordinator account yet. Run `python -m procurement users add admin --role coordinator`, "
        "or set VBP_ADMIN_PASSWORD and start again."
    )


# ---------------------------------------------------------------------------------------------
# Output


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"共 {len(problems)} 个问题，未写入任何数据 / {len(problems)} problem(s); nothing written",
        file=sys.stderr,
    )


def _print_json(payload: dict[str, Any]) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")


def _print_summary(summary: store.ImportSummary, out: TextIO) -> None:
    print(
        f"导入 #{summary.import_id}：新增 {summary.total_added} 行，替换 {summary.total_replaced} 行，"
        f"未变 {summary.total_unchanged} 行 / import #{summary.import_id}: {summary.total_added} added, "
        f"{summary.total_replaced} replaced, {summary.total_unchanged} unchanged",
        file=out,
    )
    if summary.removed:
        print(f"  更正删除 / removed by the correction: {summary.total_removed} "
              f"({', '.join(f'{k} {n}' for k, n in summary.removed.items())})", file=out)
    for kind in TABLE_KINDS:
        if kind in summary.added:
            print(
                f"  {KIND_LABELS[kind]} {kind}: +{summary.added[kind]} "
                f"~{summary.replaced[kind]} ={summary.unchanged[kind]}",
                file=out,
            )


_REASONS_ZH = {
    "total_rows": "合计行", "notes_below": "表尾备注行", "cancelled": "已取消/作废/拒收", "not_delivered": "未到货", "not_vbp": "非带量采购",
    "outside_procurement": "非集采药品", "non_winning": "非中选产品", "unpaid": "未支付",
}


def _print_sheets(files: list[dict[str, Any]], out: TextIO) -> None:
    """Per sheet: kind, rows imported, rows left out and why, quantity column, columns not used, warnings."""
    for entry in files:
        for sh in entry["sheets"]:
            if sh["kind"] is None:
                print(f"  {sh['file']} › {sh['sheet']}: {sh.get('note') or '—'}", file=out)
                continue
            left = "，".join(f"{_REASONS_ZH.get(k, k)} {v}" for k, v in sh["left_out"].items()) or "无"
            print(f"  {sh['file']} › {sh['sheet']}（{KIND_LABELS[sh['kind']]} {sh['kind']}）："
                  f"读取 {sh['rows']} 行，导入 {sh['imported']} 行，未计入 / left out: {left}", file=out)
            if sh.get("quantity_column"):
                print(f"    数量列 / quantity column: {sh['quantity_column']}", file=out)
            if sh.get("returns"):
                print(f"    退货/冲红行（已冲减）/ return lines (subtracted): {sh['returns']}", file=out)
            if sh.get("hospital_supplied"):
                print(f"    无机构列，按 / no hospital column, taken as: {sh['hospital_supplied']}", file=out)
            for top in sh.get("outside_procurement_top", []):
                print(f"    非集采药品 / outside: {top['code'] or ''} {top['name'] or ''} × {top['rows']}", file=out)
            if sh.get("columns_not_used"):
                print(f"    未使用的列 / columns not used: {'、'.join(sh['columns_not_used'])}", file=out)
            for w in sh.get("warnings", []):
                print(f"    注意 / warning: {w}", file=out)


def _number(value: Any, rate: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.2%}" if rate else f"{value:,.2f}".rstrip("0").rstrip(".")


# The headline figures of ``report`` without --json: metric and unit (元 amounts, % rates, plain volumes).
_SUMMARY_FIGURES = (("agreed_volume", ""), ("purchased_volume", ""), ("completion_rate", "%"), ("purchase_amount", "元"),
                    ("paid_amount", "元"), ("collection_rate", "%"), ("savings_agreed", "元"), ("winning_share", "%"))


def _print_report_summary(payload: dict[str, Any], out: TextIO) -> None:
    """A few lines a coordinator reads at a glance; the figures are those of ``--json``."""
    total = payload["total"]
    lines = [f"带量采购执行情况 / VBP execution — 截至 as of {payload['as_of']}"]
    for key, unit in _SUMMARY_FIGURES:
        name = f"{METRIC_LABELS_ZH[key]} {METRIC_LABELS_EN[key].lower()}"
        figure = _number(total.get(key), rate=unit == "%")
        pad = " " * max(1, 42 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in name))  # CJK is two columns wide
        lines.append(f"{name}{pad}{figure}{' 元' if unit == '元' and total.get(key) is not None else ''}")
    for batch in payload.get("batches", []):
        lines.append(
            f"  {batch.get('batch')}: 完成率 {_number(batch.get('completion_rate'), rate=True)}，"
            f"序时进度 {_number(batch.get('time_elapsed'), rate=True)}"
        )
    lagging = sum(bool(behind_schedule(h.get("completion_rate"), h.get("time_elapsed")))
                  for h in payload.get("hospitals", []))
    lines.append(f"低于序时进度的医疗机构 hospitals behind time elapsed: {lagging}")
    for warning in payload.get("warnings", []):
        lines.append(f"注意 / note: {warning}")
    print("\n".join(lines), file=out)
