"""Interface text in Chinese (default) and English: one dict of keys, so a missing translation shows."""

from __future__ import annotations

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
    "page_supply": {"zh": "供应监测", "en": "Supply"},
    "f_year": {"zh": "协议年度", "en": "Agreement year"},
    "year_current": {"zh": "截至日期所在年度", "en": "Year of the as-of date"},
    "year_n": {"zh": "第 {n} 年", "en": "Year {n}"},
    "supply_scorecard": {"zh": "中选企业评分", "en": "Supplier scorecard"},
    "supply_scorecard_help": {"zh": "每家中选企业：约定量占比、订单到货、48小时配送、未关闭缺货与缺货天数、按时回款。",
                              "en": "Per winner: share of agreed volume, delivered vs ordered, 48-hour deliveries, "
                                    "open shortages and days short, payments on time."},
    "supply_distributors": {"zh": "配送企业配送情况", "en": "Deliveries by distributor"},
    "supply_open": {"zh": "未关闭的缺货登记", "en": "Open shortages"},
    "supply_replan_hint": {"zh": "有未关闭缺货的企业：{suppliers}。可在“量分配方案”页或命令行 python -m optimizer replan 中重新分配。",
                           "en": "Suppliers with open shortages: {suppliers}. Re-plan them on the plan page or with "
                                 "python -m optimizer replan."},
    "supply_no_orders": {"zh": "采购记录中没有订单数量或订单日期，无法计算配送率。",
                         "en": "No purchase line carries an ordered quantity or an order date: no delivery rate."},
    "fund_section": {"zh": "医保基金预付与直接结算", "en": "Fund prepayment and direct settlement"},
    "fund_none": {"zh": "尚未导入医保基金预付/冲抵/直接结算记录。",
                  "en": "No fund prepayment, offset or direct settlement records imported yet."},
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
    "heatmap": {"zh": "完成率对照序时进度（机构×品种）", "en": "Completion against schedule (hospital × drug)"},
    "heat_scale": {"zh": "完成率÷序时进度", "en": "Completion ÷ time elapsed"},
    "heat_over": {"zh": "超量", "en": "over"},
    "heat_hover": {"zh": "完成率 {completion}，序时进度 {elapsed}，完成率÷序时进度 {ratio}",
                   "en": "completion {completion}, time elapsed {elapsed}, ratio {ratio}"},
    "heat_note": {
        "zh": "格内数字为采购完成率；颜色按完成率÷序时进度：红色低于序时进度的 80%（预警），黄色低于序时进度，"
        "绿色达到或超过序时进度，紫色超过约定采购量。",
        "en": "Cells show completion; the colour is completion ÷ time elapsed: red under 80% of schedule "
        "(warning), amber behind schedule, green on or ahead of schedule, purple over the agreed volume.",
    },
    "grade_A": {"zh": "A 级（完成率≥100% 且按时回款率≥95%，留用 50%）",
                "en": "A (completion ≥ 100%, on time ≥ 95%: keeps 50%)"},
    "grade_B": {"zh": "B 级（完成率≥90%，留用 40%）", "en": "B (completion ≥ 90%: keeps 40%)"},
    "grade_C": {"zh": "C 级（完成率≥80%，留用 30%）", "en": "C (completion ≥ 80%: keeps 30%)"},
    "grade_D": {"zh": "D 级（留用 0%）", "en": "D (keeps 0%)"},
    "retained_note": {
        "zh": "估算：实际节约金额（超出约定量的采购不计）× 医保基金支付比例 × 按考核等级的留用比例；单位万元。",
        "en": "Estimate: realised savings (purchases above the agreed volume excluded) × fund share × the "
        "grade's share; in 10k yuan.",
    },
    "savings_as_of": {"zh": "统计截至 {date}。本月以来实际节约 {month}（上月末累计 {before}）。",
                      "en": "As of {date}. Realised savings this month so far {month} (cumulative at last "
                      "month's end {before})."},
    "this_month": {"zh": "本月", "en": "this month"},
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
    "replace_period": {
        "zh": "更正：替换本医院在文件日期范围内的数据（文件中没有的行将被删除）",
        "en": "Correction: replace this hospital's rows for the period of the file (rows the file lacks are removed)",
    },
    "would_remove": {
        "zh": "确认后将删除以下 {n} 行已保存的数据（文件中已没有）：",
        "en": "Confirming removes these {n} stored row(s), which the file no longer has:",
    },
    "nothing_removed": {
        "zh": "文件日期范围内没有需要删除的已保存数据。",
        "en": "No stored row within the file's period would be removed.",
    },
    "removal_trail": {"zh": "更正删除的数据（谁、何时、哪个文件）", "en": "Rows removed by corrections (who, when, which file)"},
    "imported_removed": {"zh": "更正删除 {removed} 行", "en": "{removed} row(s) removed by the correction"},
    "col_record_kind": {"zh": "数据类型", "en": "Kind"},
    "col_record_id": {"zh": "单号", "en": "Id"},
    "col_record_date": {"zh": "日期", "en": "Date"},
    "col_record_product": {"zh": "产品编码", "en": "Product"},
    "col_record_quantity": {"zh": "数量", "en": "Quantity"},
    "col_record_amount": {"zh": "金额（元）", "en": "Amount (yuan)"},
    "col_record_hospital": {"zh": "机构编码", "en": "Hospital"},
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
    "left_notes_below": {"zh": "表尾备注行", "en": "notes below the data"},
    "left_cancelled": {"zh": "已取消/作废/拒收", "en": "cancelled"},
    "left_not_delivered": {"zh": "未到货", "en": "not delivered"},
    "left_not_vbp": {"zh": "非带量采购", "en": "not VBP"},
    "left_outside_procurement": {"zh": "非集采药品", "en": "outside the procurement"},
    "left_non_winning": {"zh": "非中选产品", "en": "non-winning"},
    "left_unpaid": {"zh": "未支付", "en": "unpaid"},
    "left_consumables": {"zh": "耗材", "en": "consumables"},
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
    "plan_status": {"zh": "求解状态：{status}", "en": "Status: {status}"},
    "plan_feasible_note": {"zh": "在求解时限内找到的方案，未证明是最优；可延长求解时限或放宽相对间隙后重算。",
                           "en": "Found within the time limit but not proven optimal: allow more time or a larger gap."},
    "plan_ratio_help": {
        "zh": "约定采购量 = 报量 × 约定比例。填 0 表示按国家规则：1 家中选 50%，2 家 60%，3 家 70%，4 家及以上 80%。",
        "en": "Agreed volume = declared volume × this ratio. 0 follows the national rule: 1 winner 50%, 2 winners "
        "60%, 3 winners 70%, 4 or more 80%.",
    },
    "plan_k_help": {"zh": "每家医院的每个品种最多由几家中选企业供应。1 = 单一来源，最便于管理。",
                    "en": "How many winners may supply one hospital with one drug. 1 = a single source."},
    "plan_switch_help": {
        "zh": "医院每改用一个单位的其他企业产品，就在比较时加上这笔钱（元/单位），不计入方案金额。"
        "用来避免为很小的差价而换企业；0 表示只要更便宜就换（价格相同则不换）。",
        "en": "Yuan added per unit a hospital moves off its current supplier, only to compare plans (not paid). "
        "It stops switching for a tiny price gain; 0 switches whenever cheaper (never at the same price).",
    },
    "plan_shortage_help": {
        "zh": "每单位供应不上时计入的代价（元/单位）。应远高于任何中选价，求解才会尽量先满足约定量；"
        "只有产能或供应地区确实不够时才会出现缺口。",
        "en": "Yuan counted per unit nobody supplies. Keep it far above every price, so the plan meets the agreed "
        "volume whenever capacity and regions allow.",
    },
    "plan_time_help": {"zh": "每个品种最多计算多少秒。到时未证明最优时，给出当时最好的方案并标注“可行”。",
                       "en": "Seconds allowed per drug. When time runs out the best plan found is shown as feasible."},
    "plan_gap_help": {
        "zh": "相对间隙：允许方案金额比理论最优最多高出的比例。0.0001 即万分之一（100 万元的方案最多差 100 元）；"
        "越小越精确，计算越久。",
        "en": "Relative gap: how far above the best possible cost the plan may stop. 0.0001 is one in ten "
        "thousand (100 yuan on a million); smaller is more exact and slower.",
    },
    "plan_total_cost": {"zh": "方案金额", "en": "Plan cost"},
    "plan_total_cost_help": {"zh": "中选单价 × 分配量之和，不含任何惩罚。", "en": "Winning price × volume, no penalties."},
    "plan_volume": {"zh": "分配量", "en": "Volume allocated"},
    "plan_volume_help": {"zh": "分配给中选企业的最小单位数（约定采购量减去缺口）。",
                         "en": "Minimum units given to winners (agreed volume less any shortage)."},
    "plan_cost_per_unit": {"zh": "单位成本（元/单位）", "en": "Cost per unit (yuan)"},
    "plan_cost_per_unit_help": {"zh": "方案金额 ÷ 分配量：比较不同约定比例的方案时看这个数。",
                                "en": "Plan cost ÷ volume: the figure to compare plans that buy different volumes."},
    "plan_shortage_volume": {"zh": "缺口量", "en": "Shortage"},
    "plan_shortage_volume_help": {"zh": "产能或供应地区不足、无法分配的量。",
                                  "en": "Volume no winner can supply (capacity or regions)."},
    "plan_savings_baseline": {"zh": "较集采前价格节约", "en": "Savings vs baseline price"},
    "plan_savings_baseline_help": {"zh": "分配量按集采前价格计算的金额减去方案金额。",
                                   "en": "The volume at the pre-procurement price, less the plan cost."},
    "plan_savings_current": {"zh": "较现供应企业中选价节约", "en": "Savings vs current suppliers"},
    "plan_savings_current_help": {
        "zh": "现供应企业是中选企业的机构×品种（占分配量 {covered}）：按现企业中选价的金额减去方案金额。",
        "en": "Hospital-drugs whose current supplier is a winner ({covered} of the volume): their volume at the "
        "current winner's price, less the plan cost.",
    },
    "plan_switched": {"zh": "切换企业的机构×品种", "en": "Hospital-drugs switching"},
    "plan_switched_help": {"zh": "改由现供应企业以外的企业供应的机构×品种数 / 全部机构×品种数。",
                           "en": "Hospital-drug pairs moving off their current supplier / all pairs."},
    "plan_idle_winners": {"zh": "未获量的中选企业", "en": "Winners with no volume"},
    "plan_idle_winners_help": {"zh": "未分得任何量的中选企业×品种 / 全部中选企业×品种。原因见下表。",
                               "en": "Winner-drug pairs given nothing / all winner-drug pairs; why in the table below."},
    "plan_no_savings": {"zh": "节约无法计算：", "en": "Savings not computed: "},
    "plan_current_covered": {"zh": "较现供应企业的节约只覆盖分配量的 {covered}：其余机构×品种没有现供应企业或现企业未中选。",
                             "en": "Savings vs current suppliers cover {covered} of the volume: the rest has no "
                             "current supplier or one that is no winner."},
    "plan_winners": {"zh": "中选企业获量", "en": "Volume per winner"},
    "plan_idle_line": {"zh": "{total} 个中选企业×品种中有 {n} 个未获量。原因：{why}",
                       "en": "{n} of {total} winner-drug pairs get nothing. Why: {why}"},
    "plan_switches": {"zh": "切换企业的机构", "en": "Hospitals switching supplier"},
    "plan_switch_line": {"zh": "{pairs} 个机构×品种中有 {n} 个改由其他企业供应。原因：{why}",
                         "en": "{n} of {pairs} hospital-drug pairs change supplier. Why: {why}"},
    "plan_no_switches": {"zh": "没有机构需要切换企业。", "en": "No hospital changes supplier."},
    "plan_detail": {"zh": "方案明细", "en": "Plan detail"},
    "plan_scenarios_note": {
        "zh": "不同约定比例分配的量不同，总金额不能直接比较；请比较单位成本（元/单位）。",
        "en": "Other ratios buy other volumes, so total costs do not compare: compare the cost per unit.",
    },
    "plan_by_drug_unit": {"zh": "各品种方案金额（元）", "en": "Plan cost per drug (yuan)"},
    "plan_download_note": {"zh": "工作簿第一页“说明”列出方案的金额、设置、各工作表内容和术语解释。",
                           "en": "The workbook opens on a sheet (说明) with the figures, settings, sheets and terms."},
    "choose": {"zh": "请选择", "en": "Choose"},
    "upload_help": {"zh": "可一次选择多个文件，单个文件不超过 500MB。", "en": "Several files at once, up to 500 MB each."},
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
    "plan_log": {"zh": "方案记录（谁在何时计算、保存或下载了方案）", "en": "Plan log (who ran, saved or downloaded a plan, when)"},
    "plan_status_optimal": {"zh": "最优", "en": "optimal"},
    "plan_status_feasible": {"zh": "可行（未证最优）", "en": "feasible (not proven optimal)"},
    "plan_status_infeasible": {"zh": "无可行解", "en": "infeasible"},
    "plan_current": {"zh": "当前设置", "en": "Current settings"},
    "plan_ratio_short": {"zh": "比例", "en": "Ratio"},
    "plan_cost_change": {"zh": "金额变化 {change}，缺口 {shortage} 单位", "en": "Cost change {change}; shortage {shortage} units"},
    "plan_moves": {"zh": "转移的量", "en": "Volume moved"},
    "plan_no_input": {"zh": "没有报量或中选企业数据。", "en": "No demand or offers data."},
    # accounts
    "acc_list": {"zh": "现有账户", "en": "Accounts"},
    "acc_new": {"zh": "新建账户", "en": "New account"},
    "acc_role": {"zh": "角色", "en": "Role"},
    "acc_hospital": {"zh": "所属机构", "en": "Hospital"},
    "acc_create": {"zh": "创建", "en": "Create"},
    "acc_reset": {"zh": "重置密码", "en": "Reset password"},
    "acc_new_password": {"zh": "新密码", "en": "New password"},
    "acc_delete": {"zh": "删除账户", "en": "Delete account"},
    "acc_done": {"zh": "已完成", "en": "Done"},
    "acc_pick": {"zh": "选择账户", "en": "Account"},
    "acc_pick_role": {"zh": "请先选择角色", "en": "Choose a role first"},
    "acc_role_first": {"zh": "先选择角色：角色决定账户能看到和修改什么。",
                       "en": "Choose the role first: it decides what the account may see and change."},
    "acc_role_help_coordinator": {
        "zh": "联盟办公室：可查看全部机构、上传全部数据（含约定量、产品、价格）、制定分配方案、管理账户。",
        "en": "Coordinator: sees every hospital, uploads everything (agreed volumes, products, prices), "
        "plans allocations and manages accounts.",
    },
    "acc_role_help_hospital": {
        "zh": "医疗机构：只能查看本机构数据，上传本机构的采购、回款和报量。须选择所属机构。",
        "en": "Hospital: sees only its own hospital and uploads its purchases, payments and declarations. "
        "Pick its hospital.",
    },
    "acc_role_help_leadership": {
        "zh": "领导：只读，查看全部机构的节约成效、执行进度和回款。",
        "en": "Leadership: read-only; sees savings, progress and payments of every hospital.",
    },
    "acc_pick_hospital": {"zh": "请选择所属机构", "en": "Choose the hospital"},
    "acc_password_again": {"zh": "再次输入密码", "en": "Password again"},
    "acc_review": {"zh": "检查并创建…", "en": "Review and create..."},
    "acc_need_role": {"zh": "请选择角色", "en": "Choose a role"},
    "acc_need_hospital": {"zh": "医疗机构账户须选择所属机构", "en": "A hospital account needs its hospital"},
    "acc_need_name": {"zh": "请输入用户名", "en": "Enter a username"},
    "acc_need_account": {"zh": "请选择账户", "en": "Choose an account"},
    "acc_password_differs": {"zh": "两次输入的密码不一致", "en": "The two passwords differ"},
    "acc_confirm_create": {"zh": "确认创建账户 {user}，角色：{role}？", "en": "Create account {user} as {role}?"},
    "acc_confirm": {"zh": "确认创建", "en": "Yes, create it"},
    "acc_cancel": {"zh": "取消", "en": "Cancel"},
    "acc_created": {"zh": "已创建账户 {user}（{role}）", "en": "Created account {user} ({role})"},
    "acc_password_set": {"zh": "已重置 {user} 的密码；该账户在其他地方的登录已全部退出。",
                         "en": "Password of {user} reset; the account was signed out everywhere else."},
    "acc_confirm_delete": {"zh": "确定删除账户 {user}？此操作无法撤销，该账户将立即退出登录。",
                           "en": "Delete account {user}? This cannot be undone; it is signed out at once."},
    "acc_confirm_delete_button": {"zh": "确认删除", "en": "Yes, delete it"},
    "acc_deleted": {"zh": "已删除账户 {user}", "en": "Deleted account {user}"},
    "no_access_title": {"zh": "无权访问", "en": "Not available"},
    "no_access": {"zh": "当前账户的角色不能打开此页面，请从左侧菜单选择页面。",
                  "en": "This page is not available to your role; pick a page in the menu on the left."},
    "session_ended": {"zh": "登录已过期或已在别处退出，请重新登录。",
                      "en": "Your session has ended (timed out or signed out elsewhere); please sign in again."},
    # table kinds
    "kind_hospitals": {"zh": "医疗机构", "en": "Hospitals"},
    "kind_products": {"zh": "中选产品", "en": "Winning products"},
    "kind_agreements": {"zh": "约定采购量", "en": "Agreed volumes"},
    "kind_purchases": {"zh": "采购记录", "en": "Purchases"},
    "kind_payments": {"zh": "回款记录", "en": "Payments"},
    "kind_demand": {"zh": "报量", "en": "Declared demand"},
    "kind_offers": {"zh": "中选企业供应", "en": "Offers"},
    "kind_substitutes": {"zh": "可替代产品", "en": "Substitutes"},
    "kind_fund_transfers": {"zh": "医保基金预付与结算", "en": "Fund transfers"},
    "kind_shortages": {"zh": "缺货登记", "en": "Shortages"},
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
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    # the whole agreement period (issue 11): renewal, monthly report, regions, region-scoped leaders
    "page_renewal": {"zh": "接续采购", "en": "Renewal"},
    "page_monthly": {"zh": "月报", "en": "Monthly report"},
    "page_regions": {"zh": "地区", "en": "Regions"},
    "region_scope": {"zh": "仅限地区：{region}", "en": "Own region only: {region}"},
    "ren_intro": {"zh": "下一周期的报量文件：每家机构每个药品近12个月的实际用量（中选与非中选产品合计）作为申报量，"
                        "发给各机构核对后交回，量分配方案页可直接读取。",
                  "en": "The next cycle's declaration file: each hospital's last 12 months of use of each drug "
                        "(winning and non-winning) as its declared volume, to send to hospitals for checking; "
                        "the plan page reads it back as it is."},
    "ren_batch": {"zh": "集采批次", "en": "Batch"},
    "ren_ratio": {"zh": "接续比例（0 = 按中选企业数）", "en": "Renewal ratio (0 = by number of winners)"},
    "ren_ratio_help": {"zh": "约定量 = 申报量 × 比例，向上取整。按中选企业数：1家50%，2家60%，3家70%，4家及以上80%。",
                       "en": "Agreed volume = declared volume x ratio, rounded up. By winners: 1 50%, 2 60%, "
                             "3 70%, 4 or more 80%."},
    "ren_as_of": {"zh": "近12个月截至（留空：协议期止或最新采购日）",
                  "en": "12 months up to (blank: the period's end or the latest purchase)"},
    "ren_window": {"zh": "统计窗口（近12个月）：{start} 至 {end}", "en": "Window (last 12 months): {start} to {end}"},
    "ren_hospitals": {"zh": "机构数", "en": "Hospitals"},
    "ren_drugs": {"zh": "药品数", "en": "Drugs"},
    "ren_declared": {"zh": "申报量合计", "en": "Declared volume"},
    "ren_agreed": {"zh": "按规则测算约定量合计", "en": "Agreed volume by the rule"},
    "ren_download": {"zh": "下载接续采购报量文件（Excel）", "en": "Download the declaration file (Excel)"},
    "ren_empty": {"zh": "该批次在统计窗口内没有采购，也没有签约机构。", "en": "No purchases in the window and no signed hospital."},
    "mon_caption": {"zh": "{year}年{month}月（截至 {date}），上月为整月；按期完成月均应采购量 = 剩余约定量 ÷ 剩余月数（含本月）。",
                    "en": "{year}-{month:02d} (up to {date}), last month in full; monthly pace = agreed volume "
                          "still to buy / months left including this one."},
    "mon_this_month": {"zh": "本月采购量", "en": "Bought this month"},
    "mon_last_month": {"zh": "上月采购量", "en": "Bought last month"},
    "mon_pace": {"zh": "按期完成月均应采购量", "en": "Monthly pace to finish"},
    "mon_layout": {"zh": "月报工作簿", "en": "Workbook"},
    "mon_one_sheet": {"zh": "一张表（全部）", "en": "One sheet for all"},
    "mon_by_region": {"zh": "每个地区一张表", "en": "One sheet per region"},
    "mon_download": {"zh": "下载月报（Excel）", "en": "Download the monthly report (Excel)"},
    "reg_chart": {"zh": "各地区完成率与序时进度", "en": "Completion against time elapsed by region"},
    "reg_table": {"zh": "按地区汇总", "en": "Totals by region"},
    "reg_note": {"zh": "地区为医疗机构表的所属地区；Excel 报表的“按地区”工作表与本表一致。",
                 "en": "Regions are the hospitals' 所属地区; the Excel report's 按地区 sheet holds this table."},
    "acc_region_title": {"zh": "领导账户的地区范围", "en": "Region of a leadership account"},
    "acc_region_help": {"zh": "限定地区后，该领导账户只能看到该地区医疗机构的数据（所有页面、图表和下载）。",
                        "en": "A leadership account limited to a region sees that region's hospitals only, on "
                              "every page, chart and download."},
    "acc_region_account": {"zh": "领导账户", "en": "Leadership account"},
    "acc_region_pick": {"zh": "地区", "en": "Region"},
    "acc_region_all": {"zh": "全部地区（不限定）", "en": "All regions (not limited)"},
    "acc_region_apply": {"zh": "保存地区范围", "en": "Save region"},
    "acc_region_set": {"zh": "已将 {user} 限定为地区：{region}", "en": "{user} is limited to region {region}"},
    "acc_region_cleared": {"zh": "{user} 可查看全部地区", "en": "{user} sees all regions"},
    "acc_region_none": {"zh": "尚无领导账户。", "en": "No leadership account yet."},
    "dis_proposed": {"zh": "有未恢复缺货的企业（按缺货登记）：{suppliers}，已预选为断供企业。",
                     "en": "Suppliers with open shortages (shortage register): {suppliers}; proposed as failed."},
    "dis_suppliers": {"zh": "断供企业（可多选）", "en": "Failed suppliers (one or more)"},
    "dis_backups": {"zh": "备选企业（报价表中标为备选企业的，留空则由其他中选企业承接）",
                    "en": "Backup suppliers (marked 备选企业 in the offers; none: the other winners take over)"},
    "dis_no_backups": {"zh": "报价表中没有标为备选企业的企业：断供的量由该药品其他中选企业承接。",
                       "en": "The offers mark no backup supplier: the drug's other winners take the volume over."},
    "dis_moves": {"zh": "转移的机构（原企业 → 新企业）", "en": "Hospitals that move (old -> new supplier)"},
    "dis_short": {"zh": "仍有缺口", "en": "Still short"},
    "dis_no_short": {"zh": "无剩余缺口。", "en": "Nothing remains short."},
    "dis_result": {"zh": "金额变化（转移量按新旧中选价之差）{change}；转移 {moves} 个机构×品种；剩余缺口 {shortage}。",
                   "en": "Cost change (moved volume at the new minus the old price) {change}; {moves} hospital-drug "
                         "pairs move; {shortage} remains short."},
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
    "delivery_rate": "Delivery rate",
    "delivered_48h_share": "Delivered within 48 h",
    "open_shortages": "Open shortages",
    "prepaid_amount": "Prepaid by the fund",
    "prepay_offset": "Prepayment offset",
    "prepay_balance": "Prepayment balance",
    "prepaid_share": "Prepaid share",
    "direct_settled_share": "Settled directly by the fund",
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
    "cost_change": {"zh": "较当前设置金额变化", "en": "Cost change vs current"},
    "cost_per_unit": {"zh": "单位成本", "en": "Cost per unit"},
    "cost_per_unit_change": {"zh": "较当前设置单位成本变化", "en": "Cost per unit vs current"},
    "share": {"zh": "份额", "en": "Share"},
    "reason": {"zh": "说明", "en": "Why"},
    "price_gap": {"zh": "每单位价差", "en": "Price gap"},
    "message": {"zh": "检查信息", "en": "Message"},
    "severity": {"zh": "级别", "en": "Severity"},
    "drug": {"zh": "品种", "en": "Drug"},
    "from_supplier": {"zh": "原企业", "en": "From"},
    "to_supplier": {"zh": "新企业", "en": "To"},
    "from_price": {"zh": "原单价", "en": "Old price"},
    "to_price": {"zh": "新单价", "en": "New price"},
    "affected": {"zh": "原由断供企业供应", "en": "Was on the failed supplier"},
    "import_id": {"zh": "导入编号", "en": "Import"},
    "user": {"zh": "用户", "en": "User"},
    "imported_at": {"zh": "导入时间", "en": "Imported at"},
    "source_name": {"zh": "文件", "en": "Files"},
    "file_hash": {"zh": "文件哈希", "en": "File hash"},
    "rows_added": {"zh": "新增行数", "en": "Rows added"},
    "rows_replaced": {"zh": "替换行数", "en": "Rows replaced"},
    "rows_unchanged": {"zh": "未变行数", "en": "Rows unchanged"},
    "rows_removed": {"zh": "更正删除行数", "en": "Rows removed"},
    "distributor": {"zh": "配送企业", "en": "Distributor"},
    "agreed_share": {"zh": "约定量占比", "en": "Share of agreed volume"},
    "ordered_quantity": {"zh": "订单数量", "en": "Ordered"},
    "delivered_quantity": {"zh": "到货数量", "en": "Delivered"},
    "days_short": {"zh": "缺货天数", "en": "Days short"},
    "start_date": {"zh": "缺货开始日期", "en": "Short since"},
    "end_date": {"zh": "恢复供应日期", "en": "Closed on"},
    "orders": {"zh": "缺货订单提交次数", "en": "Orders not delivered"},
}

# Metrics that are money (shown in 万元) and rates (shown as percentages).
MONEY_KEYS = frozenset(
    {"agreed_amount", "purchase_amount", "paid_amount", "overdue_amount", "savings_agreed",
     "savings_realized", "retained_savings", "amount", "total_cost", "objective", "savings", "cost_change",
     "prepaid_amount", "prepay_offset", "prepay_balance"}
)
RATE_KEYS = frozenset(
    {"completion_rate", "time_elapsed", "projected_completion", "collection_rate", "paid_vs_agreed",
     "on_time_rate", "savings_rate", "mean_price_drop", "max_price_drop", "winning_share",
     "delivery_rate", "delivered_48h_share", "prepaid_share", "direct_settled_share", "agreed_share"}
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


# Kept for code written before webapp.formats (other branches may still call them): they now give the
# one format of webapp.formats, so nothing shows two ways.
def fmt_wan(yuan: object, lang: str = "zh", digits: int = 2) -> str:
    from webapp import formats

    return formats.wan(yuan, lang) or "—"


def fmt_pct(rate: object, digits: int = 2) -> str:
    from webapp import formats

    return formats.pct(rate, digits) or "—"


def fmt_num(value: object, digits: int = 0) -> str:
    from webapp import formats

    return formats.num(value, digits) or "—"


def fmt_metric(key: str, value: object, lang: str = "zh") -> str:
    from webapp import formats

    return formats.metric(key, value, lang)
