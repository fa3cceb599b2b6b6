"""Agreement years (协议年度) and assessment (考核), worked by hand on a two-year batch.

Batch 第九批 runs 2025-04-15 .. 2027-04-14 (domain.md: 3 winners, 2 years). Year 1 is
2025-04-15 .. 2026-04-14 (365 days), year 2 2026-04-15 .. 2027-04-14 (365 days).
P1: unit price 1.0, baseline 3.0 (saves 2.0 a unit); P2: unit price 2.0, baseline 4.0 (saves 2.0).

Agreed volumes (约定采购量 by 协议年度):
    H1 P1: year 1 1000, year 2 1200     H1 P2: year 1 400 only (year 2 takes 400, carried)
    H2 P1: year 1 500,  year 2 600      H2 P2: year 2 300 only (none in year 1)
    H3 P1: year 1 200 only (year 2 takes 200, carried)

Purchases (quantity, priced at the unit price):
    H1 P1  2025-04-14   50  the day before the period: outside every year (listed, never counted)
    H1 P1  2025-08-01  500  year 1
    H1 P1  2026-04-14  300  year 1 (its last day)
    H1 P1  2026-04-15  200  year 2 (its first day)
    H1 P1  2026-06-01  280  year 2
    H1 P2  2025-12-01  350  year 1
    H1 P2  2026-05-10  100  year 2
    H2 P2  2025-03-01   30  before the period: outside every year
    H2 P2  2026-01-10  100  year 1 (H2 has no year-1 agreement for P2: bought without one)
    H2 P1  2026-07-01  700  year 2
    H3 P1  2025-10-01  190  year 1
    H3 P1  2026-09-07   40  year 2 (the as-of day: counted)
    H3 P1  2026-09-08  100  after as-of: not counted
Payment: H2 700 yuan for P1 on 2026-07-10 (9 days after the 2026-07-01 delivery: on time).

Mid-year 2, as of 2026-09-07: elapsed (2026-04-15 .. 2026-09-07) = 16 + 31 + 30 + 31 + 31 + 7 = 146
days of 365 = 0.4 exactly; the warning window (from the third month, 2026-06-15) is open.
    H1 P1 (200 + 280) / 1200 = 0.4 = elapsed: normal (below is strictly under)
    H1 P2 100 / 400 = 0.25 < 0.4: below; 0.25 < 0.8 x 0.4 = 0.32: warning
    H2 P1 700 / 600 = 1.1667: over
    H2 P2 0 / 300: zero purchase; 0 < 0.32: warning
    H3 P1 40 / 200 = 0.2: below; warning
    -> 签约 5: zero 1, below 2, over 1, normal 1; 3 warnings.
    Total: agreed 1200 + 400 + 600 + 300 + 200 = 2700, bought 480 + 100 + 700 + 0 + 40 = 1320,
    completion 1320 / 2700 = 0.488889.
Projected grades (预计; completion / elapsed 0.4, on-time to date):
    H1 580 / 1600 = 0.3625 -> 0.90625: B (>= 0.9; on time 0 of 780 yuan, so not A)
    H2 700 / 900 = 0.7778 -> 1.9444, on time 700 / 700 = 1.0: A
    H3 40 / 200 = 0.2 -> 0.5: D
Retained savings (预计: to-date savings within the agreed volume x 0.7 x the projected grade's share):
    H1 (480 x 2 + 100 x 2) = 1160 x 0.7 x 0.4 = 324.8
    H2 min(700, 600) x 2 = 1200 x 0.7 x 0.5 = 420.0
    H3 0 (D)                                            total 744.8
Outside every year up to as-of: H1 P1 50 (1 row), H2 P2 30 (1 row): 2 rows, 80 units.

Year 1 seen on its last day, as of 2026-04-14 (elapsed 1: final figures, 实际):
    H1 P1 (500 + 300) / 1000 = 0.8: below    H1 P2 350 / 400 = 0.875: below
    H2 P1 0 / 500: zero                       H3 P1 190 / 200 = 0.95: below
    -> 签约 4: zero 1, below 3. H2 P2's 100 is bought without an agreement in year 1.
    H1 (800 + 350) / 1400 = 0.8214: C; H2 (0 + 100) / 500 = 0.2: D; H3 0.95: B.
    Retained (实际): H1 (800 x 2 + 350 x 2) = 2300 x 0.7 x 0.3 = 483.0; H3 190 x 2 = 380 x 0.7 x 0.4 = 106.4;
    total 589.4.
As of 2026-04-15 (year 2's first day) the view is year 2: elapsed 1/365, H1 P1 bought 200.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_fixtures import BACKENDS, make_engine

from procurement.cli import main
from procurement.excel import write_report_xlsx
from procurement.ingest.importer import parse_files
from procurement.model import Dataset, conform
from procurement.report import build_report
from procurement.settings import Settings as Policy
from procurement.years import agreements_in_view, n_years, year_in_view, year_period

T = pd.Timestamp
MID_YEAR_2 = date(2026, 9, 7)
END_YEAR_1 = date(2026, 4, 14)

PURCHASES = [
    ("o01", "2025-04-14", "H1", "P1", 50), ("o02", "2025-08-01", "H1", "P1", 500),
    ("o03", "2026-04-14", "H1", "P1", 300), ("o04", "2026-04-15", "H1", "P1", 200),
    ("o05", "2026-06-01", "H1", "P1", 280), ("o06", "2025-12-01", "H1", "P2", 350),
    ("o07", "2026-05-10", "H1", "P2", 100), ("o08", "2025-03-01", "H2", "P2", 30),
    ("o09", "2026-01-10", "H2", "P2", 100), ("o10", "2026-07-01", "H2", "P1", 700),
    ("o11", "2025-10-01", "H3", "P1", 190), ("o12", "2026-09-07", "H3", "P1", 40),
    ("o13", "2026-09-08", "H3", "P1", 100),
]
PRICE = {"P1": 1.0, "P2": 2.0}


def write_two_year_alliance(folder: Path) -> list[Path]:
    """The alliance of the module docstring as files: 协议年度 written three ways (1, 第2年, 2)."""
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "01_联盟.xlsx"
    with pd.ExcelWriter(book) as xl:
        pd.DataFrame({"机构编码": ["H1", "H2", "H3"], "机构名称": ["一院", "二院", "三院"]}).to_excel(
            xl, sheet_name="医疗机构", index=False)
        pd.DataFrame({
            "产品编码": ["P1", "P2"], "集采批次": ["第九批", "第九批"], "通用名": ["甲药", "乙药"],
            "规格": ["10mg", "20mg"], "中选企业": ["甲企业", "乙企业"], "中选单价": [1.0, 2.0],
            "集采前价格": [3.0, 4.0], "协议期起": ["2025-04-15", "2025-04-15"], "协议期止": ["2027-04-14", "2027-04-14"],
        }).to_excel(xl, sheet_name="中选产品", index=False)
        pd.DataFrame({
            "机构编码": ["H1", "H1", "H1", "H2", "H2", "H2", "H3"],
            "产品编码": ["P1", "P1", "P2", "P1", "P1", "P2", "P1"],
            "约定采购量": [1000, 1200, 400, 500, 600, 300, 200],
            "协议年度": [1, "第2年", 1, 1, 2, "第二年", None],
        }).to_excel(xl, sheet_name="约定采购量", index=False)
    lines = folder / "02_采购.csv"
    pd.DataFrame({
        "订单编号": [p[0] for p in PURCHASES], "入库日期": [p[1] for p in PURCHASES],
        "机构编码": [p[2] for p in PURCHASES], "产品编码": [p[3] for p in PURCHASES],
        "入库数量": [p[4] for p in PURCHASES], "采购金额": [p[4] * PRICE[p[3]] for p in PURCHASES],
    }).to_csv(lines, index=False)
    pay = folder / "03_回款.csv"
    pd.DataFrame({"回款单号": ["r1"], "机构编码": ["H2"], "产品编码": ["P1"], "回款金额": [700.0],
                  "回款日期": ["2026-07-10"]}).to_csv(pay, index=False)
    return [book, lines, pay]


def check_mid_year_2(out: dict) -> None:
    """The figures of the module docstring, as of 2026-09-07 (report --json)."""
    assert out["as_of"] == "2026-09-07" and out["agreement_year"] == 2
    t = out["total"]
    assert t["agreed_volume"] == 2700 and t["purchased_volume"] == 1320
    assert t["completion_rate"] == pytest.approx(1320 / 2700)
    assert t["time_elapsed"] == pytest.approx(0.4)
    assert t["retained_savings"] == pytest.approx(744.8)
    (batch,) = out["batches"]
    assert batch["agreement_year"] == 2 and batch["time_elapsed"] == pytest.approx(0.4)
    h = {r["hospital_id"]: r for r in out["hospitals"]}
    assert [(h[k]["grade"], h[k]["grade_basis"]) for k in ("H1", "H2", "H3")] == [
        ("B", "projected"), ("A", "projected"), ("D", "projected")]
    assert h["H1"]["projected_completion"] == pytest.approx(0.90625)
    assert h["H2"]["on_time_rate"] == pytest.approx(1.0)
    assert [h[k]["retained_savings"] for k in ("H1", "H2", "H3")] == pytest.approx([324.8, 420.0, 0.0])
    ex = {r["医疗机构编码"]: r for r in out["execution"]}
    assert ex["H1"]["批次开始时间"] == "2026-04-15" and ex["H1"]["批次结束时间"] == "2027-04-14"
    counts = {k: sum(r[k] for r in out["execution"]) for k in ("签约产品总数", "零采购产品数", "低于序时进度产品数",
                                                               "超量采购产品数", "正常采购产品数")}
    assert counts == {"签约产品总数": 5, "零采购产品数": 1, "低于序时进度产品数": 2, "超量采购产品数": 1, "正常采购产品数": 1}
    assert {r["agreement_year"] for r in out["execution"]} == {2}
    assert [(r["hospital_id"], r["product_id"], r["days"], r["quantity"], r["first_date"])
            for r in out["outside_period"]] == [("H1", "P1", 1, 50, "2025-04-14"), ("H2", "P2", 1, 30, "2025-03-01")]
    assert any("80 units of winning purchases (2 hospital x product pairs)" in w for w in out["warnings"])


def run(argv: list[str], capsys) -> dict:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_two_year_case_through_files(tmp_path, capsys):
    files = [str(p) for p in write_two_year_alliance(tmp_path / "in")]
    check_mid_year_2(run(["report", *files, "--json", "--as-of", MID_YEAR_2.isoformat()], capsys))
    # year 1 asked for later: its final figures, 实际 (see the docstring: C, D, B, 589.4 yuan retained)
    year_1 = run(["report", *files, "--json", "--as-of", MID_YEAR_2.isoformat(), "--year", "1"], capsys)
    h = {r["hospital_id"]: (r["grade"], r["grade_basis"]) for r in year_1["hospitals"]}
    assert h == {"H1": ("C", "actual"), "H2": ("D", "actual"), "H3": ("B", "actual")}
    assert year_1["agreement_year"] == 1 and year_1["total"]["retained_savings"] == pytest.approx(589.4)
    assert main(["report", *files, "--year", "2026"]) == 2  # a calendar year is no agreement year
    capsys.readouterr()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_year_case_through_the_database(backend, tmp_path, capsys):
    engines = make_engine(backend, tmp_path)
    engine = next(engines)
    url = engine.url.render_as_string(hide_password=False)
    try:
        files = [str(p) for p in write_two_year_alliance(tmp_path / "in")]
        assert main(["import", *files, "--db", url]) == 0, capsys.readouterr().err
        capsys.readouterr()
        check_mid_year_2(run(["report", "--json", "--db", url, "--as-of", MID_YEAR_2.isoformat()], capsys))
        # re-importing the agreements keeps one row per hospital, product and year
        assert main(["import", files[0], "--db", url]) == 0
        capsys.readouterr()
        check_mid_year_2(run(["report", "--json", "--db", url, "--as-of", MID_YEAR_2.isoformat()], capsys))
    finally:
        next(engines, None)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Dataset:
    result = parse_files(write_two_year_alliance(tmp_path_factory.mktemp("two_years")))
    assert result.ok, result.problems
    return Dataset(**result.tables)


def test_detail_rows_of_mid_year_2(dataset):
    r = build_report(dataset, MID_YEAR_2)
    d = r.detail.set_index(["hospital_id", "product_id"])
    assert list(d["agreement_year"]) == [2, 2, 2, 2, 2]
    assert d["agreed_volume"].to_dict() == {("H1", "P1"): 1200, ("H1", "P2"): 400, ("H2", "P1"): 600,
                                            ("H2", "P2"): 300, ("H3", "P1"): 200}
    assert d["purchased_volume"].to_dict() == {("H1", "P1"): 480, ("H1", "P2"): 100, ("H2", "P1"): 700,
                                               ("H2", "P2"): 0, ("H3", "P1"): 40}
    assert d["progress_status"].to_dict() == {("H1", "P1"): "normal", ("H1", "P2"): "below_schedule",
                                              ("H2", "P1"): "over_purchase", ("H2", "P2"): "zero_purchase",
                                              ("H3", "P1"): "below_schedule"}
    assert sorted(d.index[d["warning"]]) == [("H1", "P2"), ("H2", "P2"), ("H3", "P1")]
    assert r.total["n_warning"] == 3


def test_year_1_on_its_last_day_is_graded_on_final_figures(dataset):
    r = build_report(dataset, END_YEAR_1)
    assert r.agreement_year == 1
    d = r.detail.set_index(["hospital_id", "product_id"])
    assert d["purchased_volume"].to_dict() == {("H1", "P1"): 800, ("H1", "P2"): 350, ("H2", "P1"): 0,
                                               ("H3", "P1"): 190}
    assert d["time_elapsed"].tolist() == [1.0] * 4
    assert (r.total["n_zero_purchase"], r.total["n_below_schedule"], r.total["n_over_purchase"],
            r.total["n_normal"]) == (1, 3, 0, 0)
    h = r.hospitals.set_index("hospital_id")
    assert h["grade"].to_dict() == {"H1": "C", "H2": "D", "H3": "B"}
    assert set(h["grade_basis"]) == {"actual"}
    assert h["retained_savings"].to_dict() == pytest.approx({"H1": 483.0, "H2": 0.0, "H3": 106.4})
    assert r.total["retained_savings"] == pytest.approx(589.4)
    # the same year asked for explicitly, later: the same final figures (purchases of year 2 not counted)
    later = build_report(dataset, MID_YEAR_2, year=1)
    assert later.hospitals.set_index("hospital_id")["grade"].to_dict() == {"H1": "C", "H2": "D", "H3": "B"}
    assert later.total["purchased_volume"] == 800 + 350 + 100 + 190


def test_first_day_of_year_2_starts_a_new_year(dataset):
    r = build_report(dataset, date(2026, 4, 15))
    assert r.agreement_year == 2
    d = r.detail.set_index(["hospital_id", "product_id"])
    assert d.loc[("H1", "P1"), "purchased_volume"] == 200
    assert d.loc[("H1", "P1"), "time_elapsed"] == pytest.approx(1 / 365)
    assert set(r.hospitals["grade_basis"].dropna()) == {"projected"}


def test_without_carrying_a_year_has_only_its_own_agreed_volumes(dataset):
    r = build_report(dataset, MID_YEAR_2, Policy(carry_agreed_volume=False))
    assert r.total["agreed_volume"] == 1200 + 600 + 300  # H1 P2 and H3 P1 gave no year-2 volume


@pytest.mark.parametrize(("start", "end", "years"), [
    ("2025-01-01", "2025-12-31", 1), ("2025-04-15", "2027-04-14", 2), ("2025-04-15", "2027-04-15", 3),
    ("2025-04-15", "2028-04-14", 3), ("2025-04-15", "2025-04-15", 1),
])
def test_number_of_years(start, end, years):
    assert n_years(T(start), T(end)) == years


def test_year_periods_and_the_year_in_view():
    s, e = T("2025-04-15"), T("2027-04-14")
    assert year_period(s, e, 1) == (T("2025-04-15"), T("2026-04-14"))
    assert year_period(s, e, 2) == (T("2026-04-15"), T("2027-04-14"))
    assert year_period(s, T("2027-01-31"), 2) == (T("2026-04-15"), T("2027-01-31"))  # capped at the end
    assert [year_in_view(s, e, T(d)) for d in ("2024-01-01", "2026-04-14", "2026-04-15", "2030-01-01")] == [1, 1, 2, 2]


def test_carry_takes_the_latest_earlier_year():
    ag = conform("agreements", pd.DataFrame({
        "hospital_id": ["H1", "H1", "H2"], "product_id": ["P1", "P1", "P1"],
        "agreed_volume": [100.0, 150.0, 70.0], "agreement_year": [1.0, 2.0, 1.0]}))
    view = pd.Series({"P1": 3})
    kept = agreements_in_view(ag, view)
    assert kept.set_index("hospital_id")["agreed_volume"].to_dict() == {"H1": 150.0, "H2": 70.0}
    assert agreements_in_view(ag, view, carry=False).empty


def test_a_calendar_year_is_refused_with_a_row_message(tmp_path):
    folder = tmp_path / "bad"
    book, *_ = write_two_year_alliance(folder)
    sheets = pd.read_excel(book, sheet_name=None)
    sheets["约定采购量"]["协议年度"] = sheets["约定采购量"]["协议年度"].astype(object)
    sheets["约定采购量"].loc[1, "协议年度"] = "2026年度"
    with pd.ExcelWriter(book) as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)
    result = parse_files([book])
    problems = [str(p) for p in result.problems]
    assert any("协议年度" in p and "calendar year" in p and "3" in p for p in problems), problems


def test_a_year_the_period_does_not_have_counts_nothing(dataset):
    r = build_report(dataset, MID_YEAR_2, year=3)  # the batch runs 2 years
    assert r.total["purchased_volume"] == 0 and r.total["agreed_volume"] == 0
    assert r.total["time_elapsed"] is None


def test_excel_labels_grades_and_retained_savings_projected(dataset, tmp_path):
    import openpyxl

    path = tmp_path / "report.xlsx"
    write_report_xlsx(build_report(dataset, MID_YEAR_2), path)
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["按医疗机构"].iter_rows(values_only=True))
    header = list(rows[0])
    assert "考核等级(预计)" in header and "结余留用(估算, 预计)" in header
    assert {r[header.index("等级依据")] for r in rows[1:]} == {"预计"}
    summary = {r[2]: r[0] for r in wb["汇总"].iter_rows(values_only=True) if len(r) > 2 and r[2]}
    assert summary["retained_savings"] == "结余留用(估算)(预计)"
    outside = list(wb["协议期外采购"].iter_rows(values_only=True))
    assert len(outside) == 3  # header + H1 P1 + H2 P2
    write_report_xlsx(build_report(dataset, END_YEAR_1), path)
    header = list(next(openpyxl.load_workbook(path, read_only=True)["按医疗机构"].iter_rows(values_only=True)))
    assert "考核等级(实际)" in header and "结余留用(估算, 实际)" in header


@given(start=st.dates(date(2019, 1, 1), date(2030, 12, 31)), days=st.integers(0, 4 * 366),
       probe=st.integers(-400, 5 * 366))
@settings(max_examples=300, deadline=None)
def test_years_partition_the_period(start, days, probe):
    """Invariant: the years of a period cover it day by day, without gap or overlap, each at most a
    year long; the year in view of a day inside the period is the year that contains it."""
    s, e = T(start), T(start) + pd.Timedelta(days=days)
    count = n_years(s, e)
    assert count >= 1
    periods = [year_period(s, e, k) for k in range(1, count + 1)]
    assert periods[0][0] == s and periods[-1][1] == e
    for (_, last), (first, _) in zip(periods, periods[1:], strict=False):
        assert first == last + pd.Timedelta(days=1)
    assert all(first <= last and (last - first).days <= 365 for first, last in periods)
    day = s + pd.Timedelta(days=probe)
    k = year_in_view(s, e, day)
    if s <= day <= e:
        assert periods[k - 1][0] <= day <= periods[k - 1][1]
    else:
        assert k == (1 if day < s else count)


def test_a_store_written_before_years_reads_its_agreements_as_year_1(tmp_path):
    """An older database (agreements keyed by hospital and product, no 协议年度) is upgraded on open:
    its rows become year 1, the key gains the year, and re-importing them replaces them (no duplicates)."""
    import sqlalchemy as sa

    from procurement import store

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.get_engine(url)
    ag = conform("agreements", pd.DataFrame({"hospital_id": ["H1"], "product_id": ["P1"], "agreed_volume": [10.0]}))
    products = conform("products", pd.DataFrame({"product_id": ["P1"], "batch": ["第九批"], "generic_name": ["甲药"],
                                                 "specification": ["10mg"], "supplier": ["甲企业"], "unit_price": [1.0]}))
    hospitals = conform("hospitals", pd.DataFrame({"hospital_id": ["H1"], "hospital_name": ["一院"]}))
    store.import_tables(engine, {"hospitals": hospitals, "products": products, "agreements": ag}, source_name="old.xlsx",
                        file_hash="old")
    with engine.begin() as conn:  # back to the layout of a store written before agreement years
        conn.exec_driver_sql("DROP INDEX ux_agreements_natural_key")
        conn.exec_driver_sql("ALTER TABLE agreements DROP COLUMN agreement_year")
        conn.exec_driver_sql("CREATE UNIQUE INDEX ux_agreements_natural_key ON agreements (hospital_id, product_id)")
        conn.exec_driver_sql("DROP TABLE alembic_version")  # and before Alembic
    engine.dispose()
    engine = store.get_engine(url)
    assert store.load_dataset(engine).agreements["agreement_year"].tolist() == [1.0]
    store.import_tables(engine, {"agreements": ag.assign(agreed_volume=12.0)}, source_name="again.xlsx",
                        file_hash="again")
    store.import_tables(engine, {"agreements": ag.assign(agreed_volume=15.0, agreement_year=2.0)},
                        source_name="year2.xlsx", file_hash="year2")
    got = store.load_dataset(engine).agreements.sort_values("agreement_year")
    assert got[["agreement_year", "agreed_volume"]].values.tolist() == [[1.0, 12.0], [2.0, 15.0]]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM agreements")).scalar_one() == 2
