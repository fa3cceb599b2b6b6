"""接续采购 (coordinator only): the next cycle's declaration file of a batch, from the last 12 months of use.

The file is the one ``python -m procurement renew --batch B --out F`` writes (webapp.periods), ready to send
to hospitals; the page shows the window it counts, the rows, and the agreed volumes the rule gives.
"""

from __future__ import annotations

import streamlit as st

from procurement.problems import InputError
from webapp import data, formats, periods, state, widgets

COLUMNS = ["hospital_id", "hospital_name", "generic_name", "specification", "declared_volume", "current_supplier",
           "winning_use", "nonwinning_use", "ratio", "renewal_volume"]


@st.cache_data(show_spinner=False, max_entries=8)
def _renewal(url: str, version: int, batch: str, ratio: float | None, as_of):
    """Cached per data version and choice: a rerun (a download click) does not recount 12 months."""
    return periods.renewal(data.dataset(url, version, None), batch, ratio, as_of)


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_renewal"))
    if user.role != "coordinator":  # hidden from other roles; this guards a hand-typed URL
        st.error(tr("no_access"))
        return
    st.caption(tr("ren_intro"))
    ctx = data.context(None)
    opts = ctx.options()
    if not opts["batches"]:
        st.info(tr("no_data"))
        return
    c1, c2, c3 = st.columns(3)
    batch = c1.selectbox(tr("ren_batch"), opts["batches"], key="ren_batch")
    ratio = c2.number_input(tr("ren_ratio"), 0.0, 1.0, 0.0, 0.05, key="ren_ratio", help=tr("ren_ratio_help"))
    as_of = c3.date_input(tr("ren_as_of"), value=None, key="ren_as_of", format="YYYY-MM-DD")
    try:
        result = _renewal(ctx.url, ctx.version, batch, float(ratio) or None, as_of)
    except InputError as exc:
        for problem in exc.problems:
            st.error(problem.message_zh if lang == "zh" else problem.message_en)
        return
    st.info(tr("ren_window", start=formats.day(result.window_start), end=formats.day(result.window_end)))
    rows = result.rows
    cols = st.columns(4)
    cols[0].metric(tr("ren_hospitals"), formats.num(rows["hospital_id"].nunique()))
    cols[1].metric(tr("ren_drugs"), formats.num(len(rows[["generic_name", "specification"]].drop_duplicates())))
    cols[2].metric(tr("ren_declared"), formats.num(rows["declared_volume"].sum()))
    cols[3].metric(tr("ren_agreed"), formats.num(rows["renewal_volume"].sum()))
    if rows.empty:
        st.warning(tr("ren_empty"))
    widgets.dataframe(periods.shown(rows, COLUMNS, lang), key="ren_rows")
    widgets.download(tr("ren_download"), lambda: periods.renewal_xlsx(result),
                     f"{batch}_接续采购报量_{result.window_end}.xlsx", key="ren_download")
