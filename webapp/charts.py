"""Plotly figures for the app: DataFrame in, Figure out, so tests can call them without Streamlit.

Built to read on a projector: large fonts, few colours with a meaning (red behind, amber below
time elapsed, green on track, purple over), money in 万元, rates as percentages.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from procurement.metrics import progress_status
from webapp.i18n import label, t

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif"
COLOURS = {
    "zero_purchase": "#c0392b",
    "below_schedule": "#e67e22",
    "normal": "#27ae60",
    "over_purchase": "#8e44ad",
    "primary": "#1f5aa6",
    "secondary": "#8fb3de",
    "grey": "#7f8c8d",
}
BUCKET_COLOURS = {"31-60": "#f5b041", "61-90": "#e67e22", ">90": "#c0392b"}
STATUS_ORDER = ("zero_purchase", "below_schedule", "normal", "over_purchase")
WAN = 10_000.0


def _layout(fig: go.Figure, title: str, *, height: int | None = None) -> go.Figure:
    """One look for every chart: white, big type, legend on top."""
    fig.update_layout(
        title={"text": title, "font": {"size": 22}, "x": 0.0, "xanchor": "left", "y": 0.985, "yanchor": "top"},
        font={"family": FONT, "size": 16},
        template="none",
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 110, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0.0,
                "traceorder": "normal"},
        height=height,
    )
    fig.update_xaxes(gridcolor="#e6e6e6", zeroline=False, automargin=True)
    fig.update_yaxes(gridcolor="#e6e6e6", zeroline=False, automargin=True)
    return fig


def _room_for_labels(fig: go.Figure, largest: float) -> None:
    """Horizontal bars print their value outside the bar: keep 20% of room so it is never cut."""
    if largest == largest and largest > 0:
        fig.update_xaxes(range=[0, largest * 1.2])
    fig.update_traces(cliponaxis=False, selector={"type": "bar"})


def _empty(title: str, lang: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=t("no_rows", lang), showarrow=False, font={"size": 18}, x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title)


def status_of(completion: float, elapsed: float) -> str:
    """The progress status (metrics.md) of one completion rate against time elapsed, for colouring: the
    rule of :func:`procurement.metrics.progress_status`, a level's completion standing for its purchases
    (none, or unknown, is zero purchase)."""
    return progress_status(completion, completion, elapsed)


def completion_bars(
    frame: pd.DataFrame,
    category: str,
    lang: str = "zh",
    *,
    time_elapsed: float | None = None,
    title: str | None = None,
    max_bars: int = 40,
) -> go.Figure:
    """Completion rate per batch, hospital or product, against time elapsed (序时进度).

    The laggards come first (lowest completion at the top) because they are what a coordinator chases.
    Each row's own ``time_elapsed`` is used when the frame has one (batches start on different days).
    """
    title = title or label("completion_rate", lang)
    if frame.empty:
        return _empty(title, lang)
    data = frame.sort_values("completion_rate", ascending=True, na_position="first").head(max_bars)
    data = data.iloc[::-1]  # plotly draws the first row at the bottom
    names = data[category].astype(str)
    elapsed = data["time_elapsed"] if "time_elapsed" in data else pd.Series(time_elapsed or 0.0, index=data.index)
    rates = data["completion_rate"].fillna(0.0)
    colours = [COLOURS[status_of(c, e)] for c, e in zip(rates, elapsed.fillna(0.0), strict=True)]
    fig = go.Figure(
        go.Bar(
            x=rates * 100,
            y=names,
            orientation="h",
            marker_color=colours,
            text=[f"{r * 100:.2f}%" for r in rates],
            textposition="outside",
            name=label("completion_rate", lang),
            hovertemplate="%{y}: %{x:.2f}%<extra></extra>",
        )
    )
    if "time_elapsed" in data:
        fig.add_trace(
            go.Scatter(x=elapsed * 100, y=names, mode="markers", name=label("time_elapsed", lang),
                       marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#2c3e50"}})
        )
    elif time_elapsed is not None:
        fig.add_vline(x=time_elapsed * 100, line_dash="dash", line_color="#2c3e50", line_width=3,
                      annotation_text=f"{label('time_elapsed', lang)} {time_elapsed * 100:.2f}%",
                      annotation_position="top")
    fig.update_xaxes(title=f"{label('completion_rate', lang)} (%)", ticksuffix="%", rangemode="tozero")
    _room_for_labels(fig, max(float(rates.max()) * 100, float(elapsed.max() or 0) * 100, 100.0))
    fig.update_yaxes(type="category")
    return _layout(fig, title, height=max(320, 60 + 34 * len(data)))


def status_counts_chart(detail: pd.DataFrame, lang: str = "zh", title: str | None = None) -> go.Figure:
    """How many hospital × product pairs are zero, behind, normal or over: the one-glance health."""
    title = title or t("status_counts", lang)
    if detail.empty or "progress_status" not in detail:
        return _empty(title, lang)
    counts = detail["progress_status"].value_counts()
    statuses = [s for s in STATUS_ORDER if s in counts.index]
    fig = go.Figure(
        go.Bar(
            x=[t(f"status_{s}", lang) for s in statuses],
            y=[int(counts[s]) for s in statuses],
            marker_color=[COLOURS[s] for s in statuses],
            text=[int(counts[s]) for s in statuses],
            textposition="outside",
        )
    )
    fig.update_yaxes(title=t("col_rows", lang))
    return _layout(fig, title, height=380)


def _month_axis(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["month"].astype(str)).dt.strftime("%Y-%m")


def monthly_chart(monthly: pd.DataFrame, lang: str = "zh", value: str = "purchase_amount",
                  title: str | None = None) -> go.Figure:
    """A month-by-month stack per batch, money in 万元: shows when buying started and stalled."""
    title = title or t("monthly_trend", lang)
    if monthly.empty:
        return _empty(title, lang)
    data = monthly.assign(_m=_month_axis(monthly))
    money = value in {"purchase_amount", "paid_amount", "savings_realized"}
    fig = go.Figure()
    for batch, part in data.groupby("batch", sort=True):
        grouped = part.groupby("_m")[value].sum()
        fig.add_trace(go.Bar(x=grouped.index, y=grouped.values / (WAN if money else 1.0), name=str(batch)))
    unit = f" ({t('wan_yuan', lang)})" if money else ""
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("month", lang), type="category", categoryorder="category ascending")
    fig.update_yaxes(title=label(value, lang) + unit)
    return _layout(fig, title, height=420)


def savings_by_batch_chart(batches: pd.DataFrame, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Savings on the agreed volume beside those realised so far, per batch, with the savings rate."""
    title = title or t("savings_by_batch", lang)
    if batches.empty:
        return _empty(title, lang)
    names = batches["batch"].astype(str)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=batches["savings_agreed"] / WAN, name=label("savings_agreed", lang),
                         marker_color=COLOURS["secondary"],
                         text=[_rate_text(r) for r in batches.get("savings_rate", [None] * len(batches))],
                         textposition="outside"))
    fig.add_trace(go.Bar(x=names, y=batches["savings_realized"] / WAN, name=label("savings_realized", lang),
                         marker_color=COLOURS["primary"]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=f"{t('wan_yuan', lang)}")
    fig.update_xaxes(type="category")
    return _layout(fig, title, height=420)


def _rate_text(rate: object) -> str:
    if rate is None or rate != rate:
        return ""
    return f"{float(rate) * 100:.2f}%"


def savings_over_time_chart(monthly: pd.DataFrame, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Cumulative realised savings month by month, one line per batch and the total."""
    title = title or t("savings_over_time", lang)
    if monthly.empty:
        return _empty(title, lang)
    data = monthly.assign(_m=_month_axis(monthly))
    wide = data.pivot_table(index="_m", columns="batch", values="savings_realized", aggfunc="sum").fillna(0.0)
    cumulative = wide.sort_index().cumsum() / WAN
    fig = go.Figure()
    for batch in cumulative.columns:
        fig.add_trace(go.Scatter(x=cumulative.index, y=cumulative[batch], mode="lines", name=str(batch),
                                 line={"width": 3}))
    total = cumulative.sum(axis=1)
    fig.add_trace(go.Scatter(x=total.index, y=total, mode="lines+markers", name=t("all", lang),
                             line={"width": 5, "color": "#2c3e50"}))
    fig.update_xaxes(title=t("month", lang), type="category")
    fig.update_yaxes(title=f"{label('savings_realized', lang)} ({t('wan_yuan', lang)})")
    return _layout(fig, title, height=420)


def price_drop_chart(rows: pd.DataFrame, lang: str = "zh", category: str = "batch",
                     title: str | None = None) -> go.Figure:
    """Mean (unweighted) price drop next to the volume-weighted savings rate, both labelled.

    They differ when large-volume products fell less (35.1% vs 21.94% in the published example),
    and leadership must not read one for the other.
    """
    title = title or t("price_drop_compare", lang)
    if rows.empty:
        return _empty(title, lang)
    names = rows[category].astype(str)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=rows["mean_price_drop"] * 100, name=label("mean_price_drop", lang),
                         marker_color=COLOURS["secondary"],
                         text=[_rate_text(r) for r in rows["mean_price_drop"]], textposition="outside",
                         textfont={"size": 12}))
    fig.add_trace(go.Bar(x=names, y=rows["savings_rate"] * 100, name=t("weighted_drop", lang),
                         marker_color=COLOURS["primary"],
                         text=[_rate_text(r) for r in rows["savings_rate"]], textposition="outside",
                         textfont={"size": 12}))
    fig.update_layout(barmode="group")
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    fig.update_xaxes(type="category")
    return _layout(fig, title, height=420)


def product_label(frame: pd.DataFrame) -> pd.Series:
    """A readable product name: 通用名 规格 (企业), falling back to the product id."""
    parts = []
    for col in ("generic_name", "specification"):
        if col in frame:
            parts.append(frame[col].astype("string").fillna(""))
    if not parts:
        return frame["product_id"].astype(str)
    text = parts[0]
    for p in parts[1:]:
        text = text + " " + p
    if "supplier" in frame:
        text = text + "（" + frame["supplier"].astype("string").fillna("") + "）"
    return text.str.strip().where(text.str.strip() != "", frame.get("product_id", text)).astype(str)


def drug_label(frame: pd.DataFrame) -> pd.Series:
    """The drug (通用名 规格) without the maker: short enough for an axis."""
    if "generic_name" not in frame:
        return frame["product_id"].astype(str)
    return (frame["generic_name"].astype("string").fillna("") + " "
            + frame["specification"].astype("string").fillna("")).str.strip().astype(str)


def top_products_chart(products: pd.DataFrame, lang: str = "zh", n: int = 10,
                       value: str = "savings_agreed") -> go.Figure:
    """The products that save the most: where leadership's money came from."""
    title = t("top_products", lang, n=n)
    if products.empty or value not in products:
        return _empty(title, lang)
    data = products.dropna(subset=[value]).nlargest(n, value).iloc[::-1]
    if data.empty:
        return _empty(title, lang)
    names = drug_label(data)
    if names.duplicated().any():  # two winners of one drug: tell them apart, on a second line
        names = names + "<br>" + data["supplier"].astype(str).map(_short_supplier)
    names = names.map(lambda n: n.replace(" ", "<br>", 1) if "<br>" not in n and len(n) > 10 else n)
    fig = go.Figure(go.Bar(x=data[value] / WAN, y=names, orientation="h",
                           marker_color=COLOURS["primary"], customdata=product_label(data),
                           hovertemplate="%{customdata}: %{x:,.2f}<extra></extra>",
                           text=[f"{v / WAN:,.1f}" for v in data[value]], textposition="outside"))
    fig.update_xaxes(title=f"{label(value, lang)} ({t('wan_yuan', lang)})")
    _room_for_labels(fig, float(data[value].max()) / WAN)
    fig.update_yaxes(type="category", tickfont={"size": 13})
    per_bar = 56 if names.str.contains("<br>").any() else 38
    return _layout(fig, title, height=max(360, 80 + per_bar * len(data)))


def schedule_ratio(detail: pd.DataFrame, row: str, column: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per (row, column) cell: completion, time elapsed (agreed-volume weighted over the cell's products)
    and their ratio completion / time elapsed, the figure that says whether a hospital is on schedule."""
    data = detail.assign(_elapsed_w=detail["time_elapsed"].astype("float64").fillna(0.0)
                         * detail["agreed_volume"].astype("float64"))
    sums = data.groupby([row, column], observed=True)[["agreed_volume", "purchased_volume", "_elapsed_w"]].sum()
    agreed = sums["agreed_volume"].where(sums["agreed_volume"] > 0)
    completion = (sums["purchased_volume"] / agreed).unstack(column)
    elapsed = (sums["_elapsed_w"] / agreed).unstack(column)
    ratio = completion / elapsed.where(elapsed > 0)
    return completion, elapsed, ratio


def completion_heatmap(detail: pd.DataFrame, lang: str = "zh", *, row: str = "hospital_name",
                       column: str = "drug_label", max_rows: int = 40, max_columns: int = 15) -> go.Figure:
    """Every hospital (rows) for every drug (columns), coloured by completion against time elapsed.

    A batch half-way through its year at 50% completion is on schedule, so the colour is the ratio
    completion / time elapsed: red below the warning line (80% of schedule), amber below schedule,
    green on or ahead of it, purple over the agreed volume; the cell text is the completion itself.
    A drug's winners are summed (the hospital's task is the drug's volume); large alliances are cut
    to the drugs and hospitals with the largest agreed volumes, so the map stays legible.
    """
    title = t("heatmap", lang)
    if detail.empty:
        return _empty(title, lang)
    data = detail.copy()
    if column == "drug_label" and column not in data:
        data[column] = drug_label(data)
    if row not in data:
        row = "hospital_id"
    top_cols = data.groupby(column)["agreed_volume"].sum().nlargest(max_columns).index
    top_rows = data.groupby(row)["agreed_volume"].sum().nlargest(max_rows).index
    data = data[data[column].isin(top_cols) & data[row].isin(top_rows)]
    completion, elapsed, ratio = schedule_ratio(data, row, column)
    completion, elapsed, ratio = (f.sort_index() for f in (completion, elapsed, ratio))
    # 0-80% of schedule red to amber, 80-100% amber, 100%+ green; over the agreed volume: purple (z = 2.0)
    z = ratio.clip(upper=1.6).mask(completion > 1, 2.0)
    colours = [[0, "#c0392b"], [0.3999, "#e74c3c"], [0.4, "#f5b041"], [0.4999, "#f5d76e"], [0.5, "#27ae60"],
               [0.8, "#1e8449"], [0.8001, "#8e44ad"], [1, "#8e44ad"]]
    hover = [[f"{t('heat_hover', lang, completion=_pct(c), elapsed=_pct(e), ratio=_pct(r))}"
              for c, e, r in zip(cr, er, rr, strict=True)]
             for cr, er, rr in zip(completion.values, elapsed.values, ratio.values, strict=True)]
    short = [_short(str(c)) for c in completion.columns]
    if len(set(short)) < len(short):  # two strengths of one drug: keep the full labels
        short = [str(c) for c in completion.columns]
    fig = go.Figure(
        go.Heatmap(
            z=z.values, x=short, y=[_short(str(i), 10) for i in completion.index], zmin=0, zmax=2.0,
            colorscale=colours,
            colorbar={"title": {"text": t("heat_scale", lang), "side": "right"}, "tickvals": [0, 0.8, 1.0, 1.6, 2.0],
                      "ticktext": ["0", "80%", "100%", "160%+", t("heat_over", lang)], "thickness": 12},
            text=[[("" if v != v else f"{v * 100:.0f}%") for v in r] for r in completion.values],
            texttemplate="%{text}" if completion.shape[1] <= 12 and completion.shape[0] <= 25 else None,
            customdata=hover, hovertemplate="%{y} · %{x}<br>%{customdata}<extra></extra>",
            xgap=1, ygap=1,
        )
    )
    fig.update_xaxes(tickangle=-50, type="category", tickfont={"size": 12})
    fig.update_yaxes(type="category", autorange="reversed", tickfont={"size": 12})
    _layout(fig, title, height=max(460, 260 + 26 * len(completion.index)))
    fig.update_layout(margin={"l": 4, "r": 4, "t": 90, "b": 4})
    return fig


def _short_supplier(name: str, n: int = 6) -> str:
    """A maker's name without its legal form, short enough for a phone's axis."""
    for tail in ("股份有限公司", "有限责任公司", "有限公司", "集团"):
        name = name.replace(tail, "")
    return name if len(name) <= n else name[: n - 1] + "…"


def _pct(v: float) -> str:
    return "" if v != v else f"{v * 100:.2f}%"


def _short(text: str, n: int = 8) -> str:
    """An axis label short enough for a phone: the generic name cut to ``n`` characters."""
    name = text.split(" ")[0]
    return name if len(name) <= n else name[: n - 1] + "…"


def overdue_aging_chart(overdue: pd.DataFrame, by: str, lang: str = "zh", *, names: pd.Series | None = None,
                        title: str | None = None, max_bars: int = 25) -> go.Figure:
    """Unpaid amounts past the payment term by age bucket, largest debtor first."""
    title = title or t("overdue_by_hospital" if by == "hospital_id" else "overdue_by_supplier", lang)
    if overdue.empty:
        return _empty(title, lang)
    wide = overdue.pivot_table(index=by, columns="bucket", values="amount", aggfunc="sum").fillna(0.0)
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index[:max_bars]].iloc[::-1]
    ylabels = [str(names.get(i, i)) if names is not None else str(i) for i in wide.index]
    fig = go.Figure()
    for bucket in [b for b in BUCKET_COLOURS if b in wide.columns] + [
        b for b in wide.columns if b not in BUCKET_COLOURS
    ]:
        fig.add_trace(go.Bar(x=wide[bucket] / WAN, y=ylabels, orientation="h",
                             name=f"{bucket} {t('days', lang)}",
                             marker_color=BUCKET_COLOURS.get(str(bucket), COLOURS["grey"])))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=f"{label('overdue_amount', lang)} ({t('wan_yuan', lang)})")
    fig.update_yaxes(type="category")
    return _layout(fig, title, height=max(360, 80 + 32 * len(wide)))


def collection_chart(frame: pd.DataFrame, category: str, lang: str = "zh", *, title: str | None = None,
                     max_bars: int = 30) -> go.Figure:
    """Collection rate and on-time rate side by side, worst payers first."""
    title = title or t("collection_by_hospital", lang)
    if frame.empty:
        return _empty(title, lang)
    data = frame.sort_values("collection_rate", na_position="first").head(max_bars).iloc[::-1]
    names = data[category].astype(str)
    fig = go.Figure()
    for key, colour in (("collection_rate", COLOURS["primary"]), ("on_time_rate", COLOURS["secondary"])):
        if key in data:
            fig.add_trace(go.Bar(x=data[key] * 100, y=names, orientation="h", name=label(key, lang),
                                 marker_color=colour))
    fig.update_layout(barmode="group")
    fig.update_xaxes(ticksuffix="%", rangemode="tozero")
    fig.update_yaxes(type="category")
    return _layout(fig, title, height=max(360, 80 + 40 * len(data)))


GRADE_COLOURS = {"A": "#27ae60", "B": "#1f5aa6", "C": "#e67e22", "D": "#c0392b"}


def retained_chart(hospitals: pd.DataFrame, lang: str = "zh", max_bars: int = 30) -> go.Figure:
    """Estimated retained savings (结余留用) per hospital, one colour per grade with a legend that says
    what the grade is; each bar labelled with its amount in 万元."""
    title = t("retained", lang)
    if hospitals.empty or "retained_savings" not in hospitals:
        return _empty(title, lang)
    data = hospitals[hospitals["retained_savings"].fillna(0) > 0].nlargest(max_bars, "retained_savings").iloc[::-1]
    if data.empty:
        return _empty(title, lang)
    name_col = "hospital_name" if "hospital_name" in data else "hospital_id"
    grades = data["grade"].astype(str) if "grade" in data else pd.Series("", index=data.index)
    fig = go.Figure()
    for grade in ["A", "B", "C", "D", *sorted(set(grades) - set(GRADE_COLOURS))]:
        part = data[grades == grade]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part["retained_savings"] / WAN, y=part[name_col].astype(str), orientation="h",
            name=t(f"grade_{grade}", lang) if grade in GRADE_COLOURS else grade,
            marker_color=GRADE_COLOURS.get(grade, COLOURS["grey"]),
            text=[f"{v / WAN:,.2f}" for v in part["retained_savings"]], textposition="outside",
            hovertemplate="%{y}: %{x:,.2f} " + t("wan_yuan", lang) + "<extra></extra>"))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title=f"{label('retained_savings', lang)} ({t('wan_yuan', lang)})")
    _room_for_labels(fig, float(data["retained_savings"].max()) / WAN)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=data[name_col].astype(str).tolist())
    _layout(fig, title, height=max(400, 200 + 32 * len(data)))
    fig.update_layout(showlegend=True, legend={"font": {"size": 13}}, margin={"t": 150})
    return fig


def supplier_load_chart(suppliers: pd.DataFrame, lang: str = "zh", max_bars: int = 40) -> go.Figure:
    """Each winner's allocated volume against its capacity: who is full, who has room."""
    title = t("plan_loads", lang)
    if suppliers.empty:
        return _empty(title, lang)
    data = suppliers.copy()
    data["_name"] = (data["generic_name"].astype(str) + " " + data["specification"].astype(str) + " · "
                     + data["supplier"].astype(str)) if "generic_name" in data else data["supplier"].astype(str)
    data = data.nlargest(max_bars, "load").iloc[::-1]
    fig = go.Figure(go.Bar(x=data["load"], y=data["_name"], orientation="h", name=label("load", lang),
                           marker_color=COLOURS["primary"]))
    if "capacity" in data and data["capacity"].notna().any():
        fig.add_trace(go.Scatter(x=data["capacity"], y=data["_name"], mode="markers", name=label("capacity", lang),
                                 marker={"symbol": "line-ns", "size": 24, "line": {"width": 4, "color": "#c0392b"}}))
    fig.update_xaxes(title=label("load", lang))
    fig.update_yaxes(type="category")
    return _layout(fig, title, height=max(360, 80 + 32 * len(data)))


def region_completion_chart(regions: pd.DataFrame, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Completion rate by region (所属地区) against each region's own time elapsed (its batches' periods),
    laggards on top; hospitals without a region are one bar, named so (``webapp.periods.region_names``)."""
    from webapp.periods import region_names

    return completion_bars(region_names(regions, lang), "region", lang,
                           title=title or t("reg_chart", lang))
