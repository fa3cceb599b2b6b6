"""Every domain label in one place: the names people read for columns, statuses, table kinds and sheets.

The Excel report, the monthly and renewal workbooks, the plan workbook, the CLI and the app all take
their headers from here, so one figure never goes by two names. Chinese terms are those of
``shared/spec/metrics.md`` and ``data-templates.md``; the execution report's 23 headers are the
national platform's own, letter for letter (``shared/reference/``). English is for the app's second
language. Texts that are sentences of one page (buttons, help, messages) stay with that page.
"""

from __future__ import annotations

# Account roles (domain.md): the alliance office, a hospital, leadership.
ROLE_LABELS_ZH: dict[str, str] = {"coordinator": "联盟办公室", "hospital": "医疗机构", "leadership": "领导"}
ROLE_LABELS_EN: dict[str, str] = {"coordinator": "Coordinator", "hospital": "Hospital", "leadership": "Leadership"}

# Table kinds (data-templates.md): the sheet names of the templates and the import's messages.
KIND_LABELS_ZH: dict[str, str] = {
    "hospitals": "医疗机构",
    "products": "中选产品",
    "agreements": "约定采购量",
    "purchases": "采购记录",
    "payments": "回款记录",
    "demand": "报量",
    "offers": "中选企业供应",
    "substitutes": "可替代产品",
    "fund_transfers": "医保基金预付与结算",
    "shortages": "缺货登记",
}
KIND_LABELS_EN: dict[str, str] = {
    "hospitals": "Hospitals",
    "products": "Winning products",
    "agreements": "Agreed volumes",
    "purchases": "Purchases",
    "payments": "Payments",
    "demand": "Declared demand",
    "offers": "Offers",
    "substitutes": "Substitutes",
    "fund_transfers": "Fund transfers",
    "shortages": "Shortages",
}

# 进度状态 (metrics.md progress_status): the codes of procurement.metrics.PROGRESS_STATUSES.
PROGRESS_STATUS_ZH: dict[str, str] = {
    "zero_purchase": "零采购",
    "below_schedule": "低于序时进度",
    "over_purchase": "超量采购",
    "normal": "正常采购",
}
PROGRESS_STATUS_EN: dict[str, str] = {
    "zero_purchase": "Zero purchase",
    "below_schedule": "Behind schedule",
    "over_purchase": "Over-purchase",
    "normal": "Normal",
}

# Whether a hospital's grade rests on the year's final figures or is projected mid-year.
GRADE_BASIS_ZH: dict[str, str] = {"actual": "实际", "projected": "预计"}
GRADE_BASIS_EN: dict[str, str] = {"actual": "Actual", "projected": "Projected"}

# The allocation plan's solve status (optimizer.result.Status values).
PLAN_STATUS_ZH: dict[str, str] = {"optimal": "最优", "feasible": "可行(未证明最优)", "infeasible": "不可行"}
PLAN_STATUS_EN: dict[str, str] = {"optimal": "optimal", "feasible": "feasible (not proven optimal)",
                                  "infeasible": "infeasible"}

# Metric names (metrics.md, the 中文 column).
METRIC_LABELS_ZH: dict[str, str] = {
    "agreed_volume": "约定采购量",
    "purchased_volume": "实际采购量",
    "completion_rate": "采购完成率",
    "time_elapsed": "序时进度",
    "progress_status": "进度状态",
    "warning": "预警",
    "projected_completion": "预计年度完成率",
    "agreed_amount": "约定采购金额",
    "purchase_amount": "采购金额",
    "paid_amount": "回款金额",
    "collection_rate": "回款率",
    "paid_vs_agreed": "回款完成率(对约定金额)",
    "on_time_rate": "按时回款率",
    "overdue_amount": "逾期未回款金额",
    "overdue_31_60": "逾期31-60天",
    "overdue_61_90": "逾期61-90天",
    "overdue_over_90": "逾期90天以上",
    "avg_days_to_pay": "平均回款天数",
    "savings_agreed": "预计节约金额",
    "savings_realized": "实际节约金额",
    "savings_rate": "节约率",
    "mean_price_drop": "平均降价幅度",
    "max_price_drop": "最高降价幅度",
    "winning_share": "中选产品使用占比",
    "retained_savings": "结余留用(估算)",
    "delivery_rate": "配送率",
    "delivered_48h_share": "48小时配送率",
    "open_shortages": "缺货数",
    "prepaid_amount": "预付金额",
    "prepay_offset": "冲抵金额",
    "prepay_balance": "预付余额",
    "prepaid_share": "预付比例",
    "direct_settled_share": "直接结算占比",
}
METRIC_LABELS_EN: dict[str, str] = {
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
    "overdue_31_60": "Overdue 31-60 days",
    "overdue_61_90": "Overdue 61-90 days",
    "overdue_over_90": "Overdue over 90 days",
    "avg_days_to_pay": "Average days to pay",
    "savings_agreed": "Savings on agreed volume",
    "savings_realized": "Realised savings",
    "savings_rate": "Savings rate",
    "mean_price_drop": "Mean price drop",
    "max_price_drop": "Max price drop",
    "winning_share": "Winning-product share",
    "retained_savings": "Retained savings (estimate)",
    "delivery_rate": "Delivery rate",
    "delivered_48h_share": "Delivered within 48 h",
    "open_shortages": "Open shortages",
    "prepaid_amount": "Prepaid by the fund",
    "prepay_offset": "Prepayment offset",
    "prepay_balance": "Prepayment balance",
    "prepaid_share": "Prepaid share",
    "direct_settled_share": "Settled directly by the fund",
}

# The identifying and extra columns of the report's levels; the metrics last.
COLUMN_LABELS_ZH: dict[str, str] = {
    "batch": "集采批次",
    "period_start": "开始日期",
    "period_end": "结束日期",
    "hospital_id": "机构编码",
    "hospital_name": "机构名称",
    "region": "所属地区",
    "level": "机构级别",
    "product_id": "产品编码",
    "generic_name": "通用名",
    "specification": "规格",
    "supplier": "中选企业",
    "unit_price": "中选单价",
    "baseline_price": "集采前价格",
    "n_agreements": "签约产品数",
    "n_zero_purchase": "零采购产品数",
    "n_below_schedule": "低于序时进度产品数",
    "n_over_purchase": "超量采购产品数",
    "n_normal": "正常采购产品数",
    "n_warning": "预警产品数",
    "grade": "考核等级",
    "grade_basis": "等级依据",
    "agreement_year": "协议年度",
    "bucket": "账龄",
    "amount": "金额",
    "month": "月份",
    **METRIC_LABELS_ZH,
}
# English of the columns the app shows from the report (the report's sheets are Chinese only).
COLUMN_LABELS_EN: dict[str, str] = {
    "batch": "Batch",
    "hospital_id": "Hospital id",
    "hospital_name": "Hospital",
    "region": "Region",
    "product_id": "Product id",
    "generic_name": "Generic name",
    "specification": "Specification",
    "supplier": "Supplier",
    "unit_price": "Unit price",
    "grade": "Grade",
    "grade_basis": "Grade basis",
    "agreement_year": "Agreement year",
    "bucket": "Aging",
    "amount": "Amount",
    **METRIC_LABELS_EN,
}

# The supplier scorecard (企业评分), the distributors' deliveries and the fund's money.
SCORECARD_LABELS_ZH: dict[str, str] = {
    **COLUMN_LABELS_ZH, "distributor": "配送企业", "agreed_share": "约定量占比",
    "ordered_quantity": "订单数量", "delivered_quantity": "到货数量", "delivered_48h": "48小时内到货数量",
    "days_short": "缺货天数",
}
SCORECARD_LABELS_EN: dict[str, str] = {
    "distributor": "Distributor", "agreed_share": "Share of agreed volume", "ordered_quantity": "Ordered",
    "delivered_quantity": "Delivered", "days_short": "Days short",
}
# Purchases outside every agreement year (协议期外采购).
OUTSIDE_LABELS_ZH: dict[str, str] = {
    **COLUMN_LABELS_ZH, "days": "采购天数", "quantity": "数量(最小单位)", "first_date": "最早日期", "last_date": "最晚日期",
}

# The monthly report (月报): its completion is the cumulative one, beside this month's volumes.
MONTHLY_LABELS_ZH: dict[str, str] = {
    **{k: COLUMN_LABELS_ZH[k] for k in ("region", "hospital_id", "hospital_name", "product_id", "generic_name",
                                         "specification", "supplier", "agreed_volume")},
    "this_month": "本月采购量",
    "last_month": "上月采购量",
    "month_change": "环比增减",
    "required_pace": "按期完成月均应采购量",
    "completion_change": "本月完成率增加",
    "completion_rate": "累计完成率",
    "time_elapsed": COLUMN_LABELS_ZH["time_elapsed"],
    "progress_status": COLUMN_LABELS_ZH["progress_status"],
}

# The next cycle's declaration file (接续采购报量文件), read back by the plan as demand.
RENEWAL_LABELS_ZH: dict[str, str] = {
    **{k: COLUMN_LABELS_ZH[k] for k in ("hospital_id", "hospital_name", "generic_name", "specification")},
    "declared_volume": "申报量",
    "current_supplier": "现用企业",
    "winning_use": "近12个月中选产品用量",
    "nonwinning_use": "近12个月非中选产品用量",
    "ratio": "测算比例",
    "renewal_volume": "按规则测算约定量",
}

# English of the monthly and renewal columns, for the app (their workbooks are Chinese only).
PERIOD_LABELS_EN: dict[str, str] = {
    "declared_volume": "Declared volume", "current_supplier": "Supplier used", "winning_use": "Winning use, 12 months",
    "nonwinning_use": "Non-winning use, 12 months", "ratio": "Ratio", "renewal_volume": "Agreed volume by the rule",
    "this_month": "This month", "last_month": "Last month", "month_change": "Change on last month",
    "required_pace": "Monthly pace to finish on time", "completion_change": "Completion added this month",
    "completion_rate": "Completion to date", "region": "Region",
}

# The 23 columns of the national platform's 国采医疗机构带量执行报表, in its order (metrics.md).
EXECUTION_SHEET = "国采医疗机构带量执行报表"
EXECUTION_COLUMNS: tuple[str, ...] = (
    "医疗机构", "医疗机构编码", "地区", "批次名称", "批次开始时间", "批次结束时间", "序时进度",
    "签约产品总数", "零采购产品数", "零采购产品数占比", "低于序时进度产品数", "低于序时进度产品数占比",
    "超量采购产品数", "超量采购产品数占比", "正常采购产品数", "正常采购产品数占比", "对应非中选产品总数",
    "采购非中选产品数", "非中选超量产品数", "非中选超额产品数", "对应可替代产品总数", "采购可替代产品数",
    "低于序时进度且非中选超量的产品数",
)
