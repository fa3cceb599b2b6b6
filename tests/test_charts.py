"""Chart builders, filters, display tables and i18n: small hand-made cases with known answers."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.model import Dataset, conform
from procurement.problems import Problem
from webapp import charts, i18n
from webapp.filters import Filters, filter_dataset, options
from webapp.tables import for_display, lagging_batches, price_drop_rows, problems_frame, with_names


def test_completion_bars_order_colours_and_schedule() -> None:
    frame = pd.DataFrame({
        "batch": ["第一批", "第二批", "第三批"],
        "completion_rate": [1.0055, 0.4492, None],
        "time_elapsed": [1.0, 0.8, 0.5],
    })
    fig = charts.completion_bars(frame, "batch")
    bar, marks = fig.data
    # lowest completion drawn at the top: plotly's last category; the unknown one counts as zero
    assert list(bar.y) == ["第一批", "第二批", "第三批"]
    assert list(bar.x) == pytest.approx([100.55, 44.92, 0.0])
    assert list(bar.marker.color) == [charts.COLOURS["over_purchase"], charts.COLOURS["below_schedule"],
                                      charts.COLOURS["zero_purchase"]]
    assert list(marks.x) == pytest.approx([100.0, 80.0, 50.0])
    assert bar.text[1] == "44.92%"


def test_completion_bars_single_schedule_line() -> None:
    frame = pd.DataFrame({"hospital_name": ["甲院", "乙院"], "completion_rate": [0.9, 0.3]})
    fig = charts.completion_bars(frame, "hospital_name", time_elapsed=0.5)
    assert len(fig.data) == 1
    assert fig.layout.shapes[0].x0 == pytest.approx(50.0)
    assert list(fig.data[0].marker.color) == [charts.COLOURS["normal"], charts.COLOURS["below_schedule"]]


@pytest.mark.parametrize(
    ("completion", "elapsed", "status"),
    [(0.0, 0.5, "zero_purchase"), (0.3, 0.5, "below_schedule"), (0.5, 0.5, "normal"), (1.01, 0.5, "over_purchase")],
)
def test_status_of(completion: float, elapsed: float, status: str) -> None:
    assert charts.status_of(completion, elapsed) == status


def test_savings_by_batch_in_wan_yuan() -> None:
    batches = pd.DataFrame({"batch": ["第一批"], "savings_agreed": [2_658_000.0], "savings_realized": [1_000_000.0],
                            "savings_rate": [0.2194]})
    fig = charts.savings_by_batch_chart(batches)
    assert list(fig.data[0].y) == pytest.approx([265.8])
    assert list(fig.data[1].y) == pytest.approx([100.0])
    assert fig.data[0].text[0] == "21.94%"
    assert fig.data[0].name == "预计节约金额" and fig.data[1].name == "实际节约金额"


def test_price_drop_chart_labels_both_measures() -> None:
    rows = pd.DataFrame({"batch": ["全部"], "mean_price_drop": [0.351], "savings_rate": [0.2194]})
    fig = charts.price_drop_chart(rows)
    assert [tr.name for tr in fig.data] == ["平均降价幅度", "加权降价幅度（节约率）"]
    assert fig.data[0].y[0] == pytest.approx(35.1) and fig.data[1].y[0] == pytest.approx(21.94)
    en = charts.price_drop_chart(rows, "en")
    assert [tr.name for tr in en.data] == ["Mean price drop", "Weighted price drop (savings rate)"]


def test_savings_over_time_is_cumulative() -> None:
    monthly = pd.DataFrame({"month": ["2026-01", "2026-02", "2026-02"], "batch": ["一", "一", "二"],
                            "savings_realized": [10_000.0, 20_000.0, 5_000.0]})
    fig = charts.savings_over_time_chart(monthly)
    total = fig.data[-1]
    assert list(total.x) == ["2026-01", "2026-02"]
    assert list(total.y) == pytest.approx([1.0, 3.5])


def test_monthly_chart_stacks_batches() -> None:
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-01-01"]), "batch": ["一", "二"],
                            "purchase_amount": [30_000.0, 10_000.0]})
    fig = charts.monthly_chart(monthly)
    assert fig.layout.barmode == "stack"
    assert sum(tr.y[0] for tr in fig.data) == pytest.approx(4.0)


def test_top_products_keeps_the_largest() -> None:
    products = pd.DataFrame({"product_id": list("abc"), "generic_name": ["甲", "乙", "丙"],
                             "specification": ["1mg"] * 3, "supplier": ["X"] * 3,
                             "savings_agreed": [50_000.0, 10_000.0, 30_000.0]})
    fig = charts.top_products_chart(products, n=2)
    assert list(fig.data[0].x) == pytest.approx([3.0, 5.0])  # largest at the top (drawn last)
    assert list(fig.data[0].y) == ["丙 1mg", "甲 1mg"]
    assert list(fig.data[0].customdata) == ["丙 1mg（X）", "甲 1mg（X）"]  # the maker on hover


def test_heatmap_colours_completion_against_time_elapsed() -> None:
    detail = pd.DataFrame({
        "hospital_name": ["甲院", "甲院", "乙院", "丙院"],
        "generic_name": ["阿", "布", "阿", "阿"],
        "specification": ["1mg", "2mg", "1mg", "1mg"],
        "agreed_volume": [100.0, 200.0, 50.0, 100.0],
        "purchased_volume": [50.0, 300.0, 0.0, 30.0],
        "time_elapsed": [0.5, 0.5, 0.5, 0.5],
    })
    fig = charts.completion_heatmap(detail)
    z = pd.DataFrame(fig.data[0].z, index=fig.data[0].y, columns=fig.data[0].x)
    text = pd.DataFrame(fig.data[0].text, index=fig.data[0].y, columns=fig.data[0].x)
    # by hand: 50 / 100 = 50% at 50% elapsed -> ratio 1.0, on schedule (green from 1.0)
    assert z.loc["甲院", "阿"] == pytest.approx(1.0) and text.loc["甲院", "阿"] == "50%"
    # 300 / 200 = 150%: over the agreed volume, the purple end of the scale
    assert z.loc["甲院", "布"] == pytest.approx(2.0) and text.loc["甲院", "布"] == "150%"
    assert z.loc["乙院", "阿"] == pytest.approx(0.0)  # nothing bought
    assert z.loc["丙院", "阿"] == pytest.approx(0.6)  # 30% at 50% elapsed: under the 80% warning line
    assert pd.isna(z.loc["乙院", "布"])
    scale = dict(fig.data[0].colorscale)
    assert scale[0.5] == charts.COLOURS["normal"]  # ratio 1.0 (z / zmax 2.0) starts the green


def test_heatmap_sums_the_winners_of_a_drug() -> None:
    # two winners: 100 + 300 agreed, 100 + 100 bought -> 50%, at 25% elapsed -> ratio 2.0, shown as 1.6+
    detail = pd.DataFrame({"hospital_name": ["甲院", "甲院"], "generic_name": ["阿", "阿"],
                           "specification": ["1mg", "1mg"], "agreed_volume": [100.0, 300.0],
                           "purchased_volume": [100.0, 100.0], "time_elapsed": [0.25, 0.25]})
    fig = charts.completion_heatmap(detail)
    assert fig.data[0].z[0][0] == pytest.approx(1.6) and fig.data[0].text[0][0] == "50%"


def test_retained_chart_has_a_legend_per_grade() -> None:
    hospitals = pd.DataFrame({"hospital_name": ["甲院", "乙院", "丙院"], "retained_savings": [52_300.0, 10_000.0, 0.0],
                              "grade": ["A", "C", "D"]})
    fig = charts.retained_chart(hospitals)
    assert [tr.name for tr in fig.data] == [i18n.t("grade_A"), i18n.t("grade_C")]  # 丙院 retains nothing
    assert fig.layout.showlegend is True
    assert list(fig.data[0].text) == ["5.23"]  # 52,300 yuan in 万元


def test_overdue_aging_stacks_buckets() -> None:
    overdue = pd.DataFrame({"hospital_id": ["H1", "H1", "H2"], "supplier": ["S", "S", "S"],
                            "bucket": ["31-60", ">90", "61-90"], "amount": [10_000.0, 20_000.0, 5_000.0]})
    fig = charts.overdue_aging_chart(overdue, "hospital_id", names=pd.Series({"H1": "甲院"}))
    by_bucket = {tr.name: dict(zip(tr.y, tr.x, strict=True)) for tr in fig.data}
    assert list(by_bucket) == ["31-60 天", "61-90 天", ">90 天"]
    assert by_bucket["31-60 天"]["甲院"] == pytest.approx(1.0)
    assert by_bucket[">90 天"]["甲院"] == pytest.approx(2.0)
    assert by_bucket["61-90 天"]["H2"] == pytest.approx(0.5)
    assert list(fig.data[0].y) == ["H2", "甲院"]  # the biggest debtor is drawn last, at the top


def test_empty_frames_give_a_titled_empty_chart() -> None:
    for fig in (charts.completion_bars(pd.DataFrame(columns=["batch", "completion_rate"]), "batch"),
                charts.monthly_chart(pd.DataFrame(columns=["month", "batch", "purchase_amount"])),
                charts.overdue_aging_chart(pd.DataFrame(columns=["hospital_id", "bucket", "amount"]), "hospital_id")):
        assert fig.layout.annotations[0].text == "无符合条件的记录"


# --- i18n and display tables -------------------------------------------------------------------


def test_every_text_has_both_languages() -> None:
    for table in (i18n.TEXT, i18n.METRIC_TEXT):
        for key, entry in table.items():
            assert entry.get("zh") and entry.get("en"), key


def test_text_with_values() -> None:
    assert i18n.t("imported", added=3, replaced=0, unchanged=1) == "已导入：新增 3 行，替换 0 行，未变 1 行"


def test_for_display_units_and_headers() -> None:
    frame = pd.DataFrame({"paid_amount": [525_300.0], "completion_rate": [0.4492], "progress_status": ["zero_purchase"],
                          "hospital_id": ["H1"]})
    shown = for_display(frame, ["hospital_id", "paid_amount", "completion_rate", "progress_status", "missing"])
    # money stays in yuan (the header says so), rates become percent points shown with a % sign
    assert list(shown.columns) == ["机构编码", "回款金额（元）", "采购完成率", "进度状态"]
    assert shown.iloc[0].tolist() == ["H1", 525_300.0, pytest.approx(44.92), "零采购"]
    assert shown.attrs["formats"] == {"回款金额（元）": "%,.0f", "采购完成率": "%.2f%%"}


def test_problems_frame_rows_as_excel_numbers() -> None:
    frame = problems_frame([Problem("a.xlsx", "采购记录", 7, "采购数量", "不是数字", "not a number"),
                            Problem("a.xlsx", None, None, None, "无表头", "no header")])
    assert frame["行"].tolist()[0] == 7 and pd.isna(frame["行"].tolist()[1])
    assert frame["问题"].tolist() == ["不是数字", "无表头"]
    assert problems_frame([Problem("a", "s", 2, "c", "中", "en")], "en")["Problem"].tolist() == ["en"]


def test_lagging_batches() -> None:
    batches = pd.DataFrame({"batch": ["一", "二"], "completion_rate": [1.0055, 0.4492], "time_elapsed": [1.0, 1.0]})
    assert lagging_batches(batches)["batch"].tolist() == ["二"]


def test_lagging_batches_boundary_is_strict() -> None:
    # behind schedule is completion < time elapsed (metrics.md, as progress_status): exactly on schedule
    # (0.5 of 0.5) is not lagging, a millionth behind is; no completion (no agreed volume) reads as 0
    batches = pd.DataFrame({"batch": ["on", "behind", "ahead", "none", "none-at-start"],
                            "completion_rate": [0.5, 0.499999, 0.6, None, None],
                            "time_elapsed": [0.5, 0.5, 0.5, 0.25, 0.0]})
    assert lagging_batches(batches)["batch"].tolist() == ["behind", "none"]


# --- filters -------------------------------------------------------------------------------------


@functools.cache
def small_dataset() -> Dataset:
    hospitals = conform("hospitals", pd.DataFrame({"hospital_id": ["H1", "H2", "H3"], "hospital_name": ["甲", "乙", "丙"],
                                                   "region": ["城区", "城区", "县"]}))
    products = conform("products", pd.DataFrame({"product_id": ["P1", "P2"], "batch": ["一", "二"],
                                                 "generic_name": ["阿", "布"], "specification": ["1mg", "2mg"],
                                                 "supplier": ["S1", "S2"], "unit_price": [1.0, 2.0]}))
    agreements = conform("agreements", pd.DataFrame({"hospital_id": ["H1", "H1", "H2", "H3"],
                                                     "product_id": ["P1", "P2", "P1", "P2"],
                                                     "agreed_volume": [10.0, 20.0, 30.0, 40.0]}))
    purchases = conform("purchases", pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4"], "date": pd.to_datetime(["2026-01-05"] * 4),
        "hospital_id": ["H1", "H1", "H3", "H1"], "product_id": ["P1", "P2", "P2", None],
        "generic_name": ["阿", "布", "布", "阿"], "specification": ["1mg", "2mg", "2mg", "1mg"],
        "supplier": ["S1", "S2", "S2", "非中选厂"], "quantity": [1.0, 2.0, 3.0, 4.0], "amount": [1.0, 4.0, 6.0, 8.0],
        "winning": [True, True, True, False]}))
    payments = conform("payments", pd.DataFrame({"payment_id": ["p1", "p2"], "order_id": ["o1", "o3"],
                                                 "hospital_id": ["H1", "H3"], "product_id": ["P1", "P2"],
                                                 "supplier": ["S1", "S2"], "amount": [1.0, 6.0],
                                                 "date": pd.to_datetime(["2026-01-20", "2026-02-20"])}))
    return Dataset(hospitals=hospitals, products=products, agreements=agreements, purchases=purchases,
                   payments=payments)


def test_filter_by_batch_keeps_non_winning_of_the_same_drug() -> None:
    ds = filter_dataset(small_dataset(), Filters(batches=("一",)))
    assert ds.products["product_id"].tolist() == ["P1"]
    assert ds.agreements["agreed_volume"].sum() == 40.0
    assert sorted(ds.purchases["order_id"]) == ["o1", "o4"]  # o4: non-winning 阿 1mg
    assert ds.payments["payment_id"].tolist() == ["p1"]


def test_filter_by_region_and_supplier() -> None:
    ds = filter_dataset(small_dataset(), Filters(regions=("县",)))
    assert ds.hospitals["hospital_id"].tolist() == ["H3"]
    assert ds.purchases["order_id"].tolist() == ["o3"]
    ds = filter_dataset(small_dataset(), Filters(suppliers=("S2",)))
    assert ds.agreements["agreed_volume"].sum() == 60.0


def test_no_filter_is_identity_and_options() -> None:
    base = small_dataset()
    assert filter_dataset(base, Filters()) is base
    opts = options(base)
    assert opts["batches"] == ["一", "二"] and opts["regions"] == ["县", "城区"]
    assert opts["hospitals"]["H2"] == "乙"
    assert str(opts["min_date"]) == "2026-01-05" and str(opts["max_date"]) == "2026-02-20"


def test_with_names_adds_names() -> None:
    base = small_dataset()
    out = with_names(pd.DataFrame({"hospital_id": ["H2"], "product_id": ["P2"]}), base.hospitals, base.products)
    assert out.loc[0, "hospital_name"] == "乙" and out.loc[0, "product_label"] == "布 2mg（S2）"


@settings(max_examples=25, deadline=None)
@given(hospitals=st.sets(st.sampled_from(["H1", "H2", "H3"])), batches=st.sets(st.sampled_from(["一", "二"])))
def test_filters_never_leak_rows(hospitals: set[str], batches: set[str]) -> None:
    ds = filter_dataset(small_dataset(), Filters(batches=tuple(sorted(batches)), hospitals=tuple(sorted(hospitals))))
    allowed_h = hospitals or {"H1", "H2", "H3"}
    allowed_p = {"一": "P1", "二": "P2"}
    allowed_products = {allowed_p[b] for b in batches} if batches else {"P1", "P2"}
    for kind in ("agreements", "purchases", "payments"):
        assert set(ds.table(kind)["hospital_id"]) <= allowed_h
    assert set(ds.agreements["product_id"]) <= allowed_products
    assert set(ds.purchases["product_id"].dropna()) <= allowed_products
    # what is kept is exactly the agreements in both sets
    base = small_dataset().agreements
    expected = base[base["hospital_id"].isin(allowed_h) & base["product_id"].isin(allowed_products)]
    assert ds.agreements["agreed_volume"].sum() == expected["agreed_volume"].sum()


def test_price_drop_rows_add_the_overall_figures() -> None:
    batches = pd.DataFrame({"batch": ["一"], "mean_price_drop": [0.5], "savings_rate": [0.4], "other": [1]})
    rows = price_drop_rows(batches, {"mean_price_drop": 0.351, "savings_rate": 0.2194}, "全部")
    assert rows.values.tolist() == [["一", 0.5, 0.4], ["全部", 0.351, 0.2194]]


def test_every_text_key_used_by_the_app_exists() -> None:
    """A key typed wrong would show itself on screen: find every literal key the app asks for."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = [root / "app.py", *sorted((root / "webapp").rglob("*.py"))]
    pattern = re.compile(r"""\b(?:tr|t)\(\s*["']([a-z_]+)["']""")
    used = {key for path in sources for key in pattern.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 40
    missing = sorted(k for k in used if k not in i18n.TEXT and k not in i18n.METRIC_TEXT)
    assert missing == []


def test_composed_keys_exist() -> None:
    from procurement.auth import ROLES
    from procurement.metrics import PROGRESS_STATUSES
    from procurement.model import TABLE_KINDS

    keys = [f"kind_{k}" for k in TABLE_KINDS] + [f"status_{s}" for s in PROGRESS_STATUSES]
    keys += [f"role_{r}" for r in ROLES]
    keys += [f"page_{p}" for p in ("track", "payments", "savings", "upload", "plan", "accounts")]
    keys += [f"plan_status_{s}" for s in ("optimal", "feasible", "infeasible")]
    assert [k for k in keys if k not in i18n.TEXT] == []
