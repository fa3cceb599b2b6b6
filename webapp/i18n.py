"""Interface text in Chinese (default) and English: one dict of keys, so a missing translation shows."""

from __future__ import annotations

import math

from procurement.report import METRIC_LABELS_ZH

Lang = str  # "zh" | "en"
LANGS: tuple[str, ...] = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    # app and sign-in
    "app_title": {"zh": "带量采购管理平台", "en": "Volume-based procurement"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出登录", "en": "Sign out"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "bad_login": {"zh": "用户名或密码错误", "en": "Wrong username or password"},
    "signed_in_as": {"zh": "当前用户：{user}（{role}）", "en": "Signed in as {user} ({role})"},
    "hospital_scope": {"zh": "仅限本机构：{hospital}", "en": "Own hospital only: {hospital}"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "no_accounts_title": {"zh": "尚无账户：请先创建联盟办公室账户", "en": "No account yet: create the first coordinator"},
    "no_accounts_body": {
        "zh": "在服务器上运行以下命令（会提示输入密码），然后刷新本页：",
        "en": "Run this on the server (it asks for a password), then reload this page:",
    },
    "no_accounts_env": {
        "zh": "或在启动应用前设置环境变量 VBP_ADMIN_PASSWORD（可选 VBP_ADMIN_USER，默认 admin）：",
        "en": "Or set VBP_ADMIN_PASSWORD (and optionally VBP_ADMIN_USER, default admin) before starting the app:",
    },
    "no_data": {"zh": "暂无数据，请先上传。", "en": "No data yet: upload some first."},
    "first_rows": {"zh": "共 {n} 行，仅显示前 5,000 行（完整数据见 Excel 报表）",
                   "en": "{n} rows; the first 5,000 shown (all of them in the Excel report)"},
    "no_rows": {"zh": "无符合条件的记录", "en": "No matching rows"},
    # roles
    "role_coordinator": {"zh": "联盟办公室", "en": "Coordinator"},
    "role_hospital": {"zh": "医疗机构", "en": "Hospital"},
    "role_leadership": {"zh": "领导", "en": "Leadership"},
    # pages
    "page_track": {"zh": "执行进度", "en": "Progress"},
    "page_payments": {"zh": "回款监测", "en": "Payments"},
    "page_savings": {"zh": "节约成效", "en": "Savings"},
    "page_upload": {"zh": "数据上传", "en": "Upload"},
    "page_plan": {"zh": "量分配方案", "en": "Allocation plan"},
    "page_accounts": {"zh": "账户管理", "en": "Accounts"},
    # filters
    "filters": {"zh": "筛选", "en": "Filters"},
    "f_batch": {"zh": "集采批次", "en": "Batch"},
    "f_region": {"zh": "地区", "en": "Region"},
    "f_hospital": {"zh": "医疗机构", "en": "Hospital"},
    "f_supplier": {"zh": "中选企业", "en": "Supplier"},
    "f_as_of": {"zh": "统计截至日期", "en": "As of"},
    "all": {"zh": "全部", "en": "All"},
    "rules": {"zh": "规则参数", "en": "Rules"},
    "rule_payment_days": {"zh": "回款时限（天）", "en": "Payment term (days)"},
    "rule_warning_factor": {"zh": "预警阈值（× 序时进度）", "en": "Warning threshold (× time elapsed)"},
    "rule_fund_share": {"zh": "医保基金支付比例", "en": "Insurance fund share"},
    # track
    "as_of_caption": {"zh": "统计截至 {date}，序时进度 {elapsed}", "en": "As of {date}; time elapsed {elapsed}"},
    "by_batch": {"zh": "分批次完成情况", "en": "Completion by batch"},
    "by_hospital": {"zh": "分机构完成情况", "en": "Completion by hospital"},
    "by_product": {"zh": "分产品完成情况", "en": "Completion by product"},
    "status_counts": {"zh": "进度状态（机构×产品）", "en": "Progress status (hospital × product)"},
    "laggards": {"zh": "预警：低于序时进度", "en": "Warnings: behind schedule"},
    "zero_purchases": {"zh": "零采购", "en": "Zero purchases"},
    "over_purchases": {"zh": "超量采购", "en": "Over-purchase"},
    "execution_report": {"zh": "国采医疗机构带量执行报表", "en": "Execution report by institution"},
    "monthly_trend": {"zh": "月度采购金额", "en": "Monthly purchase amount"},
    "non_winning": {"zh": "非中选产品使用", "en": "Non-winning purchases"},
    "download_report": {"zh": "下载 Excel 报表", "en": "Download the Excel report"},
    "lagging_batch": {
        "zh": "{batch} 完成率 {rate}，低于序时进度 {elapsed}",
        "en": "{batch}: completion {rate}, behind time elapsed {elapsed}",
    },
    # payments
    "overdue_by_hospital": {"zh": "逾期未回款账龄（按机构）", "en": "Overdue aging by hospital"},
    "overdue_by_supplier": {"zh": "逾期未回款账龄（按企业）", "en": "Overdue aging by supplier"},
    "collection_by_hospital": {"zh": "回款率与按时回款率（按机构）", "en": "Collection and on-time rate by hospital"},
    "collection_by_supplier": {"zh": "回款率（按企业）", "en": "Collection rate by supplier"},
    "overdue_detail": {"zh": "逾期明细", "en": "Overdue detail"},
    # savings
    "savings_by_batch": {"zh": "分批次节约金额", "en": "Savings by batch"},
    "savings_over_time": {"zh": "累计实际节约金额", "en": "Cumulative realised savings"},
    "price_drop_compare": {"zh": "平均降价幅度与节约率", "en": "Mean price drop vs savings rate"},
    "price_drop_note": {
        "zh": "平均降价幅度为各产品降价幅度的简单平均；节约率按约定采购量加权。用量大的产品降幅较小时，两者不同。",
        "en": "Mean price drop is the unweighted mean over products; the savings rate is weighted by agreed "
        "volume. They differ when large-volume products fell less.",
    },
    "top_products": {"zh": "节约金额前 {n} 的产品", "en": "Top {n} products by savings"},
    "heatmap": {"zh": "完成率热力图（机构×产品）", "en": "Completion heat map (hospital × product)"},
    "retained": {"zh": "结余留用估算（按机构；年度结束为实际，年中为预计）",
                 "en": "Retained savings estimate by hospital (actual once the year has ended, projected mid-year)"},
    # grade_basis values: the grade and retained savings on the year's final figures, or projected mid-year
    "actual": {"zh": "实际", "en": "Actual"},
    "projected": {"zh": "预计", "en": "Projected"},
    "weighted_drop": {"zh": "加权降价幅度（节约率）", "en": "Weighted price drop (savings rate)"},
    # upload
    "upload_files": {"zh": "上传表格（可多选 .xlsx / .xls / .csv）", "en": "Upload spreadsheets (.xlsx / .xls / .csv)"},
    "templates": {"zh": "下载模板", "en": "Templates"},
    "sheets_found": {"zh": "识别结果", "en": "Sheets recognised"},
    "preview": {"zh": "预览", "en": "Preview"},
    "problems": {"zh": "问题清单（共 {n} 项）", "en": "Problems ({n})"},
    "fix_then_upload": {
        "zh": "请按问题清单修改后重新上传；下载标注副本可看到出错的单元格。未保存任何数据。",
        "en": "Fix the problems and upload again; the marked copy highlights the bad cells. Nothing was saved.",
    },
    "download_marked": {"zh": "下载标注副本：{file}", "en": "Download marked copy: {file}"},
    "confirm_import": {"zh": "确认导入", "en": "Confirm import"},
    "clean_files": {"zh": "文件检查通过，确认后保存。", "en": "The files are clean; confirm to save them."},
    "imported": {
        "zh": "已导入：新增 {added} 行，替换 {replaced} 行，未变 {unchanged} 行",
        "en": "Imported: {added} added, {replaced} replaced, {unchanged} unchanged",
    },
    "import_history": {"zh": "导入记录", "en": "Import history"},
    "col_file": {"zh": "文件", "en": "File"},
    "col_sheet": {"zh": "工作表", "en": "Sheet"},
    "col_kind": {"zh": "类型", "en": "Kind"},
    "col_header_row": {"zh": "表头行", "en": "Header row"},
    "col_rows": {"zh": "行数", "en": "Rows"},
    "col_row": {"zh": "行", "en": "Row"},
    "col_column": {"zh": "列", "en": "Column"},
    "col_problem": {"zh": "问题", "en": "Problem"},
    "col_problem_count": {"zh": "问题数", "en": "Problems"},
    "col_rows_read": {"zh": "读取行数", "en": "Rows read"},
    "col_left_out": {"zh": "未计入（原因）", "en": "Left out (why)"},
    "col_quantity_column": {"zh": "数量列", "en": "Quantity column"},
    "col_unused": {"zh": "未使用的列", "en": "Columns not used"},
    "col_warning_count": {"zh": "提示数", "en": "Warnings"},
    "col_note": {"zh": "说明", "en": "Note"},
    "left_total_rows": {"zh": "合计行", "en": "total rows"},
    "left_cancelled": {"zh": "已取消/作废/拒收", "en": "cancelled"},
    "left_not_delivered": {"zh": "未到货", "en": "not delivered"},
    "left_not_vbp": {"zh": "非带量采购", "en": "not VBP"},
    "left_outside_procurement": {"zh": "非集采药品", "en": "outside the procurement"},
    "left_non_winning": {"zh": "非中选产品", "en": "non-winning"},
    "left_unpaid": {"zh": "未支付", "en": "unpaid"},
    "import_summary": {"zh": "导入摘要：{file} › {sheet}", "en": "Import summary: {file} › {sheet}"},
    "outside_top": {"zh": "未计入的非集采药品（前 10）", "en": "Drugs outside the procurement left out (top 10)"},
    "sheet_warnings": {"zh": "提示（已导入，请核对）", "en": "Warnings (imported; please check)"},
    "hospital_supplied": {"zh": "文件无机构列，按本账号机构 {hospital} 导入", "en": "No hospital column: taken as {hospital}"},
    # plan
    "plan_source": {"zh": "数据来源", "en": "Input"},
    "plan_from_db": {"zh": "数据库中的报量与中选企业", "en": "Demand and offers in the database"},
    "plan_from_files": {"zh": "上传报量与中选企业表", "en": "Upload demand and offers files"},
    "plan_ratio": {"zh": "约定比例（0 = 按中选企业数规则）", "en": "Agreed ratio (0 = rule by number of winners)"},
    "plan_k": {"zh": "每家机构每个品种最多企业数 K", "en": "Max suppliers per hospital and drug (K)"},
    "plan_switch": {"zh": "切换企业惩罚（元/单位）", "en": "Switch penalty (yuan/unit)"},
    "plan_shortage": {"zh": "缺口惩罚（元/单位）", "en": "Shortage penalty (yuan/unit)"},
    "plan_time": {"zh": "求解时限（秒）", "en": "Time limit (s)"},
    "plan_gap": {"zh": "允许相对间隙", "en": "Relative gap"},
    "plan_run": {"zh": "计算分配方案", "en": "Run the allocation"},
    "plan_running": {"zh": "正在求解……", "en": "Solving..."},
    "plan_status": {"zh": "求解状态：{status}，总金额 {cost}", "en": "Status: {status}; total cost {cost}"},
    "plan_allocations": {"zh": "分配结果", "en": "Allocations"},
    "plan_loads": {"zh": "企业供应量", "en": "Supplier loads"},
    "plan_shortages": {"zh": "供应缺口", "en": "Shortages"},
    "plan_issues": {"zh": "输入问题", "en": "Input issues"},
    "plan_scenarios": {"zh": "情景比较", "en": "Scenarios"},
    "plan_scenario_ratios": {"zh": "比较的约定比例", "en": "Ratios to compare"},
    "plan_scenario_ks": {"zh": "比较的 K 值", "en": "K values to compare"},
    "plan_compare": {"zh": "比较情景", "en": "Compare"},
    "plan_disruption": {"zh": "断供重新分配", "en": "Supply disruption re-plan"},
    "plan_disrupted_supplier": {"zh": "断供企业", "en": "Failing supplier"},
    "plan_from_date": {"zh": "断供起始日期", "en": "From date"},
    "plan_replan": {"zh": "重新分配", "en": "Re-plan"},
    "plan_download": {"zh": "下载方案 Excel", "en": "Download the plan workbook"},
    "plan_status_optimal": {"zh": "最优", "en": "optimal"},
    "plan_status_feasible": {"zh": "可行（未证最优）", "en": "feasible (not proven optimal)"},
    "plan_status_infeasible": {"zh": "无可行解", "en": "infeasible"},
    "plan_current": {"zh": "当前设置", "en": "Current settings"},
    "plan_ratio_short": {"zh": "比例", "en": "Ratio"},
    "plan_cost_change": {"zh": "成本变化 {change}，缺口 {shortage} 单位", "en": "Cost change {change}; shortage {shortage} units"},
    "plan_moves": {"zh": "转移的量", "en": "Volume moved"},
    "plan_no_input": {"zh": "没有报量或中选企业数据。", "en": "No demand or offers data."},
    # accounts
    "acc_list": {"zh": "现有账户", "en": "Accounts"},
    "acc_new": {"zh": "新建账户", "en": "New account"},
    "acc_role": {"zh": "角色", "en": "Role"},
    "acc_hospital": {"zh": "所属机构", "en": "Hospital"},
    "acc_create": {"zh": "创建", "en": "Create"},
    "acc_created": {"zh": "已创建 {user}", "en": "Created {user}"},
    "acc_reset": {"zh": "重置密码", "en": "Reset password"},
    "acc_new_password": {"zh": "新密码", "en": "New password"},
    "acc_delete": {"zh": "删除账户", "en": "Delete account"},
    "acc_done": {"zh": "已完成", "en": "Done"},
    "acc_pick": {"zh": "选择账户", "en": "Account"},
    # table kinds
    "kind_hospitals": {"zh": "医疗机构", "en": "Hospitals"},
    "kind_products": {"zh": "中选产品", "en": "Winning products"},
    "kind_agreements": {"zh": "约定采购量", "en": "Agreed volumes"},
    "kind_purchases": {"zh": "采购记录", "en": "Purchases"},
    "kind_payments": {"zh": "回款记录", "en": "Payments"},
    "kind_demand": {"zh": "报量", "en": "Declared demand"},
    "kind_offers": {"zh": "中选企业供应", "en": "Offers"},
    "kind_substitutes": {"zh": "可替代产品", "en": "Substitutes"},
    "kind_unknown": {"zh": "未识别", "en": "Not recognised"},
    # progress statuses
    "status_zero_purchase": {"zh": "零采购", "en": "Zero purchase"},
    "status_below_schedule": {"zh": "低于序时进度", "en": "Behind schedule"},
    "status_over_purchase": {"zh": "超量采购", "en": "Over-purchase"},
    "status_normal": {"zh": "正常采购", "en": "Normal"},
    # units
    "wan_yuan": {"zh": "万元", "en": "10k yuan"},
    "month": {"zh": "月份", "en": "Month"},
    "days": {"zh": "天", "en": "days"},
}

# Metric names: Chinese from metrics.md, held once in procurement.report; English here.
METRIC_EN: dict[str, str] = {
    "agreed_volume": "Agreed volume",
    "purchased_volume": "Purchased volume",
    "completion_rate": "Completion rate",
    "time_elapsed": "Time elapsed",
    "progress_status": "Progress status",
    "warning": "Warning",
    "projected_completion": "Projected year-end completion",
    "agreed_amount": "Agreed amount",
    "purchase_amount": "Purchase amount",
    "paid_amount": "Paid amount",
    "collection_rate": "Collection rate",
    "paid_vs_agreed": "Paid vs agreed amount",
    "on_time_rate": "On-time payment rate",
    "overdue_amount": "Overdue amount",
    "avg_days_to_pay": "Average days to pay",
    "savings_agreed": "Savings on agreed volume",
    "savings_realized": "Realised savings",
    "savings_rate": "Savings rate",
    "mean_price_drop": "Mean price drop",
    "max_price_drop": "Max price drop",
    "winning_share": "Winning-product share",
    "retained_savings": "Retained savings (estimate)",
    "overdue_31_60": "Overdue 31-60 days",
    "overdue_61_90": "Overdue 61-90 days",
    "overdue_over_90": "Overdue over 90 days",
}

# Metric and column names, used by cards, tables and chart axes.
METRIC_TEXT: dict[str, dict[str, str]] = {
    **{key: {"zh": METRIC_LABELS_ZH[key], "en": en} for key, en in METRIC_EN.items()},
    "hospital_id": {"zh": "机构编码", "en": "Hospital id"},
    "hospital_name": {"zh": "机构名称", "en": "Hospital"},
    "region": {"zh": "地区", "en": "Region"},
    "product_id": {"zh": "产品编码", "en": "Product id"},
    "batch": {"zh": "集采批次", "en": "Batch"},
    "generic_name": {"zh": "通用名", "en": "Generic name"},
    "specification": {"zh": "规格", "en": "Specification"},
    "supplier": {"zh": "中选企业", "en": "Supplier"},
    "bucket": {"zh": "账龄", "en": "Aging"},
    "amount": {"zh": "金额", "en": "Amount"},
    "volume": {"zh": "分配量", "en": "Volume"},
    "unit_price": {"zh": "中选单价", "en": "Unit price"},
    "switched": {"zh": "切换企业", "en": "Switched"},
    "load": {"zh": "供应量", "en": "Load"},
    "capacity": {"zh": "供应能力", "en": "Capacity"},
    "grade": {"zh": "考核等级", "en": "Grade"},
    "grade_basis": {"zh": "等级依据（实际/预计）", "en": "Grade basis (actual/projected)"},
    "agreement_year": {"zh": "协议年度", "en": "Agreement year"},
    "username": {"zh": "用户名", "en": "Username"},
    "role": {"zh": "角色", "en": "Role"},
    "created_at": {"zh": "创建时间", "en": "Created"},
    "scenario": {"zh": "情景", "en": "Scenario"},
    "status": {"zh": "求解状态", "en": "Status"},
    "total_cost": {"zh": "总金额", "en": "Total cost"},
    "objective": {"zh": "目标值(含惩罚)", "en": "Objective (with penalties)"},
    "shortage_volume": {"zh": "缺口量", "en": "Shortage"},
    "switches": {"zh": "切换企业的机构×品种", "en": "Switched pairs"},
    "suppliers_used": {"zh": "使用的企业×品种", "en": "Supplier-drugs used"},
    "savings": {"zh": "节约金额", "en": "Savings"},
    "gap": {"zh": "相对间隙", "en": "Gap"},
    "cost_change": {"zh": "成本变化", "en": "Cost change"},
    "from_supplier": {"zh": "原企业", "en": "From"},
    "to_supplier": {"zh": "新企业", "en": "To"},
    "from_price": {"zh": "原单价", "en": "Old price"},
    "to_price": {"zh": "新单价", "en": "New price"},
    "affected": {"zh": "原由断供企业供应", "en": "Was on the failed supplier"},
    "import_id": {"zh": "导入编号", "en": "Import"},
    "user": {"zh": "用户", "en": "User"},
    "imported_at": {"zh": "导入时间", "en": "Imported at"},
    "source_name": {"zh": "文件", "en": "Files"},
    "rows_added": {"zh": "新增行数", "en": "Rows added"},
    "rows_replaced": {"zh": "替换行数", "en": "Rows replaced"},
    "rows_unchanged": {"zh": "未变行数", "en": "Rows unchanged"},
}

# Metrics that are money (shown in 万元) and rates (shown as percentages).
MONEY_KEYS = frozenset(
    {"agreed_amount", "purchase_amount", "paid_amount", "overdue_amount", "savings_agreed",
     "savings_realized", "retained_savings", "amount", "total_cost", "objective", "savings", "cost_change"}
)
RATE_KEYS = frozenset(
    {"completion_rate", "time_elapsed", "projected_completion", "collection_rate", "paid_vs_agreed",
     "on_time_rate", "savings_rate", "mean_price_drop", "max_price_drop", "winning_share"}
)


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The text of ``key`` in ``lang``; an unknown key shows itself so the gap is visible, not hidden."""
    entry = TEXT.get(key) or METRIC_TEXT.get(key)
    text = key if entry is None else entry.get(lang) or entry["zh"]
    return text.format(**fmt) if fmt else text


def label(key: str, lang: str = "zh") -> str:
    """A column or metric name (falls back to the raw name for columns we do not translate)."""
    entry = METRIC_TEXT.get(key)
    return key if entry is None else entry.get(lang, entry["zh"])


def _missing(value: object) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or bool(value != value)
    except (TypeError, ValueError):
        return False


def fmt_wan(yuan: object, lang: str = "zh", digits: int = 2) -> str:
    """Money as people read it here: 52.53 万元 (10k yuan)."""
    if _missing(yuan):
        return "—"
    return f"{float(yuan) / 10_000:,.{digits}f} {t('wan_yuan', lang)}"


def fmt_pct(rate: object, digits: int = 2) -> str:
    """A fraction on screen as a percentage: 0.8672 -> 86.72%."""
    return "—" if _missing(rate) else f"{float(rate) * 100:.{digits}f}%"


def fmt_num(value: object, digits: int = 0) -> str:
    """A count or volume with thousands separators."""
    return "—" if _missing(value) else f"{float(value):,.{digits}f}"


def fmt_metric(key: str, value: object, lang: str = "zh") -> str:
    """Format a metric by what it is: money in 万元, rates as %, days with one decimal, else a count."""
    if key in MONEY_KEYS:
        return fmt_wan(value, lang)
    if key in RATE_KEYS:
        return fmt_pct(value)
    if key == "avg_days_to_pay":
        return fmt_num(value, 1)
    return fmt_num(value)
