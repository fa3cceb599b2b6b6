"""量分配方案 (coordinator only): run the allocation, compare scenarios, re-plan a supply disruption."""

from __future__ import annotations

from datetime import date

import streamlit as st

from webapp import charts, data, planning, state, widgets
from webapp.i18n import fmt_wan
from webapp.tables import for_display, problems_frame, with_names

ALLOC_COLUMNS = ["hospital_id", "generic_name", "specification", "supplier", "volume", "unit_price", "switched"]


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
                             key="plan_files")
    if not files:
        return None
    check = data.check_upload(ctx.url, ctx.version, None, tuple(data.sources_of(files)))
    if check.result.problems:
        st.error(tr("problems", n=len(check.result.problems)))
        st.dataframe(problems_frame(check.result.problems, lang), hide_index=True, key="plan_problems")
        return None
    return planning.dataset_from_tables(check.result.tables, ctx.names().hospitals)


def _settings_form():
    tr = state.tr
    with st.form("plan_form"):
        c1, c2, c3 = st.columns(3)
        ratio = c1.number_input(tr("plan_ratio"), 0.0, 1.0, 0.0, 0.05, key="plan_ratio")
        k = c2.number_input(tr("plan_k"), 1, 5, 1, 1, key="plan_k")
        switch = c3.number_input(tr("plan_switch"), 0.0, 1000.0, 0.0, 0.01, key="plan_switch")
        shortage = c1.number_input(tr("plan_shortage"), 0.0, 1e6, 1000.0, 10.0, key="plan_shortage")
        limit = c2.number_input(tr("plan_time"), 1.0, 600.0, 30.0, 1.0, key="plan_time")
        gap = c3.number_input(tr("plan_gap"), 0.0, 0.1, 0.0001, 0.0001, format="%.4f", key="plan_gap")
        submitted = st.form_submit_button(tr("plan_run"), type="primary")
    return submitted, planning.plan_settings(ratio, k, switch, shortage, limit, gap)


def _show_plan(plan) -> None:
    tr, lang = state.tr, state.language()
    status = str(getattr(plan.status, "value", plan.status))
    st.info(tr("plan_status", status=tr(f"plan_status_{status}"), cost=fmt_wan(plan.total_cost, lang)))
    issues = planning.issues_frame(plan, lang)
    if len(issues):
        with st.expander(f"{tr('plan_issues')} ({len(issues)})"):
            st.dataframe(issues, hide_index=True)
    tabs = st.tabs([tr("plan_allocations"), tr("plan_loads"), tr("plan_shortages")])
    with tabs[0]:
        named = with_names(plan.allocations, data.context(None).names().hospitals, plan.allocations.iloc[0:0])
        widgets.table(named, ["hospital_name", *ALLOC_COLUMNS], key="plan_alloc")
    with tabs[1]:
        widgets.chart(charts.supplier_load_chart(plan.suppliers, lang), "plan_loads")
        widgets.table(plan.suppliers, ["generic_name", "specification", "supplier", "load", "capacity"],
                      key="plan_loads_table")
    with tabs[2]:
        widgets.table(plan.shortages, ["hospital_id", "generic_name", "specification", "volume"], key="plan_short")


def _scenarios(inp, plan_settings) -> None:
    tr, lang = state.tr, state.language()
    st.subheader(tr("plan_scenarios"))
    c1, c2 = st.columns(2)
    ratios = c1.multiselect(tr("plan_scenario_ratios"), [0.5, 0.6, 0.7, 0.8], default=[0.6, 0.8],
                            format_func=lambda r: f"{r:.0%}", key="plan_sc_ratios")
    ks = c2.multiselect(tr("plan_scenario_ks"), [1, 2, 3], default=[2], key="plan_sc_ks")
    if st.button(tr("plan_compare"), key="plan_compare"):
        with st.spinner(tr("plan_running")):
            state.put("comparison", planning.compare(inp, planning.scenario_settings(plan_settings, ratios, ks, lang)))
    comparison = state.get("comparison")
    if comparison is not None:
        st.dataframe(for_display(comparison.table, list(comparison.table.columns), lang), hide_index=True,
                     key="plan_cmp_table")
        with st.expander(tr("by_product")):
            st.dataframe(comparison.drug_cost_table(), hide_index=True)


def _disruption(inp, plan, ds, plan_settings) -> None:
    tr, lang = state.tr, state.language()
    st.subheader(tr("plan_disruption"))
    suppliers = sorted(plan.allocations["supplier"].dropna().astype(str).unique()) if len(plan.allocations) else []
    if not suppliers:
        return
    c1, c2 = st.columns(2)
    supplier = c1.selectbox(tr("plan_disrupted_supplier"), suppliers, key="plan_dis_supplier")
    default_day = ds.purchases["date"].max().date() if len(ds.purchases) else date.today()
    from_date = c2.date_input(tr("plan_from_date"), value=default_day, key="plan_dis_date")
    if st.button(tr("plan_replan"), key="plan_replan"):
        with st.spinner(tr("plan_running")):
            state.put("disruption", planning.disruption(inp, plan, supplier, from_date, ds.purchases, plan_settings))
    result = state.get("disruption")
    if result is not None:
        st.info(tr("plan_cost_change", change=fmt_wan(result.cost_change, lang),
                   shortage=f"{result.shortage_volume:,.0f}"))
        st.caption(tr("plan_moves"))
        st.dataframe(for_display(result.moves, list(result.moves.columns), lang), hide_index=True, key="plan_moves")
        if len(result.shortages):
            st.dataframe(for_display(result.shortages, list(result.shortages.columns), lang), hide_index=True)


def render() -> None:
    user = state.current_user()
    tr = state.tr
    st.title(tr("page_plan"))
    if user.role != "coordinator":  # hidden from other roles; this guards a hand-typed URL
        st.error(tr("page_plan"))
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

        state.put("plan", planning.run_plan(inp, plan_settings, progress))
        state.put("plan_settings", plan_settings)
        state.drop("comparison")
        state.drop("disruption")
        bar.empty()
    plan = state.get("plan")
    if plan is None:
        return
    _show_plan(plan)
    used = state.get("plan_settings", plan_settings)
    _scenarios(inp, used)
    _disruption(inp, plan, ds, used)
    comparison, disrupted = state.get("comparison"), state.get("disruption")
    widgets.download(tr("plan_download"), lambda: planning.plan_xlsx(plan, inp, comparison, disrupted),
                     "量分配方案.xlsx", key="plan_download")
