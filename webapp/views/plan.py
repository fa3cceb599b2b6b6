"""量分配方案 (coordinator only): run the allocation, judge it, compare scenarios, re-plan a disruption.

The result opens with what a coordinator must defend before the 300-row table: cost and cost per unit,
savings (or why there are none), winners that get nothing and why, hospitals that switch and why.
"""

from __future__ import annotations

import streamlit as st

from optimizer.summary import reason_text
from webapp import charts, data, formats, planning, state, widgets
from webapp.tables import for_display, problems_frame, with_names
from webapp.views import plan_disruption

ALLOC_COLUMNS = ["hospital_id", "generic_name", "specification", "supplier", "volume", "unit_price", "switched"]
WINNER_COLUMNS = ["generic_name", "specification", "supplier", "reason", "load", "share", "unit_price", "capacity"]
SWITCH_COLUMNS = ["hospital_name", "generic_name", "specification", "from_supplier", "to_supplier", "reason",
                  "price_gap", "volume", "from_price", "to_price", "hospital_id"]


def _input_dataset():
    """The planning tables from the database or from uploaded files (None while files have problems)."""
    tr, lang = state.tr, state.language()
    ctx = data.context(None)
    sources = {"db": tr("plan_from_db"), "files": tr("plan_from_files")}
    source = st.radio(tr("plan_source"), list(sources), horizontal=True, key="plan_source",
                      format_func=sources.__getitem__)
    if source == "db":
        return ctx.dataset()
    files = st.file_uploader(tr("upload_files"), type=["xlsx", "xls", "csv"], accept_multiple_files=True,
                             key="plan_files", help=tr("upload_help"))
    if not files:
        return None
    check = data.check_upload(ctx.url, ctx.version, None, tuple(data.sources_of(files)))
    if check.result.problems:
        st.error(tr("problems", n=len(check.result.problems)))
        widgets.dataframe(problems_frame(check.result.problems, lang), key="plan_problems")
        return None
    return planning.dataset_from_tables(check.result.tables, ctx.names().hospitals)


def _settings_form():
    tr = state.tr
    with st.form("plan_form"):
        c1, c2, c3 = st.columns(3)
        ratio = c1.number_input(tr("plan_ratio"), 0.0, 1.0, 0.0, 0.05, key="plan_ratio", help=tr("plan_ratio_help"))
        k = c2.number_input(tr("plan_k"), 1, 5, 1, 1, key="plan_k", help=tr("plan_k_help"))
        switch = c3.number_input(tr("plan_switch"), 0.0, 1000.0, 0.0, 0.01, key="plan_switch",
                                 help=tr("plan_switch_help"))
        shortage = c1.number_input(tr("plan_shortage"), 0.0, 1e6, 1000.0, 10.0, key="plan_shortage",
                                   help=tr("plan_shortage_help"))
        limit = c2.number_input(tr("plan_time"), 1.0, 600.0, 30.0, 1.0, key="plan_time", help=tr("plan_time_help"))
        gap = c3.number_input(tr("plan_gap"), 0.0, 0.1, 0.0001, 0.0001, format="%.4f", key="plan_gap",
                              help=tr("plan_gap_help"))
        submitted = st.form_submit_button(tr("plan_run"), type="primary")
    return submitted, planning.plan_settings(ratio, k, switch, shortage, limit, gap)


def _status(plan) -> None:
    tr = state.tr
    status = str(getattr(plan.status, "value", plan.status))
    text = tr("plan_status", status=tr(f"plan_status_{status}"))
    if status == "optimal":
        st.success(text)
    elif status == "feasible":
        st.warning(f"{text}  \n{tr('plan_feasible_note')}")
    else:
        st.error(f"{text}  \n{plan.reason or ''}")


def _summary_cards(s) -> None:
    tr, lang = state.tr, state.language()
    row = st.columns(4)
    row[0].metric(tr("plan_total_cost"), formats.yuan(s.total_cost, lang), help=tr("plan_total_cost_help"))
    row[1].metric(tr("plan_volume"), formats.num(s.volume), help=tr("plan_volume_help"))
    row[2].metric(tr("plan_cost_per_unit"), formats.price(s.cost_per_unit), help=tr("plan_cost_per_unit_help"))
    row[3].metric(tr("plan_shortage_volume"), formats.num(s.shortage_volume), help=tr("plan_shortage_volume_help"))
    row = st.columns(4)
    row[0].metric(tr("plan_savings_baseline"), formats.yuan(s.baseline_savings, lang) or "—",
                  help=tr("plan_savings_baseline_help"))
    row[1].metric(tr("plan_savings_current"), formats.yuan(s.current_savings, lang) or "—",
                  help=tr("plan_savings_current_help", covered=formats.pct(s.current_covered)))
    row[2].metric(tr("plan_switched"), f"{len(s.switches):,} / {s.pairs:,}", help=tr("plan_switched_help"))
    row[3].metric(tr("plan_idle_winners"), f"{len(s.idle_winners):,} / {len(s.winners):,}",
                  help=tr("plan_idle_winners_help"))
    for code in s.savings_reasons:
        st.caption(f"{tr('plan_no_savings')}{reason_text(code, lang)}")
    if s.current_savings is not None and s.current_covered < 1 - 1e-9:
        st.caption(tr("plan_current_covered", covered=formats.pct(s.current_covered)))


def _counts(counts, lang: str) -> str:
    return "；".join(f"{reason_text(code, lang)} {n:,}" for code, n in counts.items()) if lang == "zh" else \
        "; ".join(f"{reason_text(code, lang)}: {n:,}" for code, n in counts.items())


def _winners_and_switches(s) -> None:
    tr, lang = state.tr, state.language()
    st.subheader(tr("plan_winners"))
    idle = s.idle_winners
    if len(idle):
        st.warning(tr("plan_idle_line", n=len(idle), total=len(s.winners),
                      why=_counts(idle["reason"].value_counts(), lang)))
    widgets.table(planning.winners_frame(s, lang), WINNER_COLUMNS, key="plan_winners")
    st.subheader(tr("plan_switches"))
    if len(s.switches):
        st.info(tr("plan_switch_line", n=len(s.switches), pairs=s.pairs, why=_counts(s.switch_counts(), lang)))
        names = data.context(None).names().hospitals
        names = dict(zip(names["hospital_id"].astype(str), names["hospital_name"].astype(str), strict=False))
        widgets.table(planning.switches_frame(s, names, lang), SWITCH_COLUMNS, key="plan_switch_table")
    else:
        st.caption(tr("plan_no_switches"))


def _show_plan(plan, s) -> None:
    tr = state.tr
    _status(plan)
    _summary_cards(s)
    issues = planning.issues_frame(plan, state.language())
    if len(issues):
        with st.expander(f"{tr('plan_issues')} ({len(issues)})"):
            widgets.dataframe(for_display(issues, list(issues.columns), state.language()), key="plan_issues")
    _winners_and_switches(s)
    st.subheader(tr("plan_detail"))
    tabs = st.tabs([tr("plan_allocations"), tr("plan_loads"), tr("plan_shortages")])
    with tabs[0]:
        named = with_names(plan.allocations, data.context(None).names().hospitals, plan.allocations.iloc[0:0])
        widgets.table(named, ["hospital_name", *ALLOC_COLUMNS], key="plan_alloc")
    with tabs[1]:
        widgets.chart(charts.supplier_load_chart(plan.suppliers, state.language()), "plan_loads")
        widgets.table(plan.suppliers, ["generic_name", "specification", "supplier", "load", "capacity"],
                      key="plan_loads_table")
    with tabs[2]:
        widgets.table(plan.shortages, ["hospital_id", "generic_name", "specification", "volume"], key="plan_short")


def _scenarios(inp, plan_settings) -> None:
    tr, lang = state.tr, state.language()
    st.subheader(tr("plan_scenarios"))
    st.caption(tr("plan_scenarios_note"))
    c1, c2 = st.columns(2)
    ratios = c1.multiselect(tr("plan_scenario_ratios"), [0.5, 0.6, 0.7, 0.8], default=[0.6, 0.8],
                            format_func=lambda r: f"{r:.0%}", key="plan_sc_ratios", placeholder=tr("choose"), select_all=False)
    ks = c2.multiselect(tr("plan_scenario_ks"), [1, 2, 3], default=[2], key="plan_sc_ks", placeholder=tr("choose"), select_all=False)
    if st.button(tr("plan_compare"), key="plan_compare"):
        scenarios = planning.scenario_settings(plan_settings, ratios, ks, lang)
        with st.spinner(tr("plan_running")):
            comparison = planning.compare(inp, scenarios)
        planning.record_comparison(data.engine(data.db_url()), state.current_user().username, inp, scenarios,
                                   comparison)
        state.put("comparison", comparison)
    comparison = state.get("comparison")
    if comparison is not None:
        table = planning.comparison_frame(comparison)
        table["status"] = table["status"].map(lambda v: tr(f"plan_status_{v}"))
        widgets.table(table, ["scenario", "status", "volume", "cost_per_unit", "cost_per_unit_change", "total_cost",
                              "shortage_volume", "switches", "suppliers_used", "savings", "cost_change"],
                      key="plan_cmp_table")
        with st.expander(tr("by_product")):
            wide = comparison.drug_cost_table()
            shown = formats.table(wide, None, lang, text={c: str(c) for c in wide.columns
                                                           if c not in ("generic_name", "specification")})
            shown.attrs["formats"] = dict.fromkeys(shown.attrs["formats"], formats.MONEY_FORMAT)
            st.caption(tr("plan_by_drug_unit"))
            widgets.dataframe(shown, key="plan_cmp_drugs")


def render() -> None:
    user = state.current_user()
    tr = state.tr
    st.title(tr("page_plan"))
    if user.role != "coordinator":  # hidden from other roles; this guards a hand-typed URL
        st.error(tr("no_access"))
        return
    ds = _input_dataset()
    inp = None if ds is None else planning.plan_input(ds)
    if inp is None:
        st.info(tr("plan_no_input"))
        return
    submitted, plan_settings = _settings_form()
    if submitted:
        bar = st.progress(0.0, text=tr("plan_running"))

        def progress(done: int, total: int) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"{tr('plan_running')} {done}/{total}")

        plan = planning.run_plan(inp, plan_settings, progress)
        planning.record_run(data.engine(data.db_url()), user.username, inp, plan_settings, plan)
        state.put("plan", plan)
        state.put("plan_settings", plan_settings)
        state.put("plan_summary", planning.summary(plan, inp, plan_settings))
        state.drop("comparison")
        state.drop("disruption")
        bar.empty()
    plan = state.get("plan")
    if plan is None:
        return
    used = state.get("plan_settings", plan_settings)
    summary = state.get("plan_summary") or planning.summary(plan, inp, used)
    _show_plan(plan, summary)
    _scenarios(inp, used)
    plan_disruption.render(inp, plan, ds, used)
    comparison, disrupted = state.get("comparison"), state.get("disruption")
    engine = data.engine(data.db_url())
    widgets.download(tr("plan_download"),  # recorded in the plan log when clicked (the workbook is built then)
                     lambda: planning.recorded_plan_xlsx(engine, user.username, plan, inp, comparison, disrupted, used),
                     "量分配方案.xlsx", key="plan_download")
    st.caption(tr("plan_download_note"))
    with st.expander(tr("plan_log")):
        widgets.dataframe(planning.plan_log_frame(engine, state.language()), key="plan_log")
