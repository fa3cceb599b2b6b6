"""The plan page's disruption (断供) section: the suppliers with open shortages proposed as failed, the
offers' backup suppliers offered, and which hospitals move, at what extra cost, and what remains short.

Kept in its own module so the plan page (reworked elsewhere) only calls ``render``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from webapp import data, disruption, formats, planning, state, widgets

# the extra cost beside the move, before the prices (a wide table is cut on the right)
MOVED = ["hospital_name", "generic_name", "specification", "from_supplier", "to_supplier", "volume", "extra_cost",
         "from_price", "to_price", "hospital_id"]
EXTRA_COST = {"zh": "增加金额（元）", "en": "Extra cost (yuan)"}


def render(inp, plan, ds, plan_settings) -> None:
    tr, lang = state.tr, state.language()
    st.subheader(tr("plan_disruption"))
    suppliers = sorted(set(plan.allocations["supplier"].dropna().astype(str))) if len(plan.allocations) else []
    if not suppliers:
        return
    default_day = ds.purchases["date"].max().date() if len(ds.purchases) else date.today()
    from_date = st.date_input(tr("plan_from_date"), value=default_day, key="plan_dis_date", format="YYYY-MM-DD")
    stored = data.context(None).dataset().shortages  # the register, whichever source the plan came from
    proposed = disruption.open_shortage_suppliers(pd.concat([stored, ds.shortages]), from_date, suppliers)
    if proposed:
        st.warning(tr("dis_proposed", suppliers="、".join(proposed)))
    c1, c2 = st.columns(2)
    failed = c1.multiselect(tr("dis_suppliers"), suppliers, default=proposed or suppliers[:1], key="plan_dis_suppliers",
                            placeholder=tr("choose"))
    backups = disruption.backup_suppliers(inp)
    chosen: list[str] = []
    if backups:
        chosen = c2.multiselect(tr("dis_backups"), backups, default=backups, key="plan_dis_backups",
                                placeholder=tr("choose"))
    else:
        c2.caption(tr("dis_no_backups"))
    if st.button(tr("plan_replan"), key="plan_replan", disabled=not failed):
        with st.spinner(tr("plan_running")):
            result = disruption.run(inp, plan, failed, from_date, ds.purchases, plan_settings, chosen)
        planning.record_replan(data.engine(data.db_url()), state.current_user().username, inp, plan_settings, plan,
                               result, failed, from_date, ds.purchases, chosen)
        state.put("replan", result)
        state.put("disruption", result.steps)  # the plan workbook's 断供 sheets
    result = state.get("replan")
    if result is None or result.plan is not plan:  # kept from an earlier plan: re-plan this one first
        return
    short = float(result.shortages["volume"].astype(float).sum()) if len(result.shortages) else 0.0
    st.info(tr("dis_result", change=formats.yuan(result.extra_cost, lang), moves=f"{len(result.moved):,}",
               shortage=formats.num(short)))
    names = ds.hospitals.drop_duplicates("hospital_id").set_index("hospital_id")["hospital_name"].astype(str).to_dict()
    st.caption(tr("dis_moves"))
    moved = disruption.moved_by_hospital(result, names)
    widgets.dataframe(formats.table(moved, MOVED, lang, text={"extra_cost": EXTRA_COST[lang]},
                                    kinds={"extra_cost": formats.MONEY_FORMAT}), key="plan_moves")
    st.caption(tr("dis_short"))
    if len(result.shortages):
        widgets.table(result.shortages, ["hospital_id", "generic_name", "specification", "volume"],
                      key="plan_dis_short")
    else:
        st.caption(tr("dis_no_short"))
