"""The renewal (接续采购), monthly report (月报) and region (地区) pages in AppTest, for each role that sees
them, and a leadership account limited to one region, which must see nothing of the other region on
any page, chart, table or download (searched like tests/test_app_pages.py does for hospitals).

The alliance is the synthetic one of tests/conftest.py (app_alliance), its five hospitals split by hand into two
regions: H001 and H002 in 东区, H003, H004 and H005 in 西区.
"""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from app_helpers import PASSWORD, chart_text, everything_shown, metric, number, page, sign_in

from procurement import account_regions, auth, store

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
EAST, WEST = ("H001", "H002"), ("H003", "H004", "H005")


@pytest.fixture(scope="module")
def app_alliance(app_alliance):
    """conftest's alliance with its five hospitals split into the two regions above."""
    return app_alliance.with_table("hospitals", app_alliance.hospitals.assign(region=["东区", "东区", "西区", "西区", "西区"]))


@pytest.fixture(scope="module")
def app_db(app_db):
    """conftest's database with one more account: "east", a leader limited to 东区."""
    engine = store.get_engine(app_db)
    auth.create_user(engine, "east", PASSWORD, "leadership")
    account_regions.set_region(engine, "east", "东区")
    engine.dispose()
    return app_db


def _west_names(app_alliance) -> list[str]:
    h = app_alliance.hospitals
    return h.loc[h["hospital_id"].isin(WEST), "hospital_name"].tolist()


def _book_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r if v)


def _cells(path_or_bytes) -> list[list[list[object]]]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = openpyxl.load_workbook(source)
    return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]


# --- renewal -----------------------------------------------------------------------------------------


def test_coordinator_renewal_page_shows_the_window_and_the_declarations(app_db, app_alliance) -> None:
    at = page(sign_in("coord"), "renewal")
    assert at.title[0].value == "接续采购"
    batch = at.selectbox(key="ren_batch").value
    assert any("近12个月" in i.value for i in at.info)
    rows = next(df.value for df in at.dataframe if "申报量" in df.value.columns)
    # worked out from the seeded purchases: the batch's drugs, every purchase (winning or not) of the 12
    # months the page states, per hospital
    info = next(i.value for i in at.info if "近12个月" in i.value)
    start, end = (pd.Timestamp(d) for d in info.split("：")[1].split(" 至 "))
    products = app_alliance.products[app_alliance.products["batch"] == batch]
    drugs = set(zip(products["generic_name"], products["specification"], strict=True))
    pu = app_alliance.purchases
    in_window = pu[(pu["date"] >= start) & (pu["date"] <= end)
                   & np.array([(g, s) in drugs for g, s in zip(pu["generic_name"], pu["specification"], strict=True)])]
    assert rows["申报量"].sum() == pytest.approx(in_window["quantity"].sum())
    assert end - start == pd.Timedelta(days=364) or end - start == pd.Timedelta(days=365)
    assert number(metric(at, "申报量合计")) == pytest.approx(in_window["quantity"].sum(), abs=0.5)


def test_renewal_ratio_gives_the_agreed_volume(app_db) -> None:
    at = page(sign_in("coord"), "renewal")
    at.number_input(key="ren_ratio").set_value(0.5).run()
    assert not at.exception, [e.value for e in at.exception]
    rows = next(df.value for df in at.dataframe if "申报量" in df.value.columns)
    assert set(rows["测算比例"]) == {50.0}  # shown as a percentage
    # ceil(0.5 x declared), row by row
    expected = [float(-(-round(0.5 * v, 6) // 1)) for v in rows["申报量"]]
    assert rows["按规则测算约定量"].tolist() == expected


def test_renewal_file_is_the_command_line_file(app_db, app_alliance, tmp_path) -> None:
    from procurement.cli import main
    from webapp import data, periods

    batch = sorted(app_alliance.products["batch"].unique())[0]
    out = tmp_path / "renew.xlsx"
    assert main(["renew", "--batch", batch, "--db", app_db, "--out", str(out), "--ratio", "0.6"]) == 0
    ds = data.dataset(app_db, data.version(app_db), None)
    content = periods.renewal_xlsx(periods.renewal(ds, batch, 0.6))
    assert _cells(content) == _cells(out)


def test_renewal_is_for_coordinators_only(app_db) -> None:
    for who in ("lead", "h1", "east"):
        at = sign_in(who)
        with pytest.raises(ValueError):
            at.switch_page("webapp/pages/renewal.py")


# --- monthly report ----------------------------------------------------------------------------------


def _month_of(app_alliance):
    """The as-of day the app uses (the latest purchase or payment) and the purchases of its month."""
    as_of = max(app_alliance.purchases["date"].max(), app_alliance.payments["date"].max()).normalize()
    return as_of, as_of.replace(day=1)


def test_coordinator_monthly_report(app_db, app_alliance) -> None:
    at = page(sign_in("coord"), "monthly")
    assert at.title[0].value == "月报"
    rows = next(df.value for df in at.dataframe if "本月采购量" in df.value.columns)
    assert set(rows["机构编码"]) == set(app_alliance.hospitals["hospital_id"])
    # this month by hand: the winning purchases of signed pairs from the 1st of the as-of month to as-of
    as_of, first = _month_of(app_alliance)
    pu = app_alliance.purchases
    signed = set(zip(app_alliance.agreements["hospital_id"], app_alliance.agreements["product_id"], strict=True))
    month = pu[(pu["date"] >= first) & (pu["date"] <= as_of) & pu["winning"].astype(bool)
               & np.array([(h, p) in signed for h, p in zip(pu["hospital_id"], pu["product_id"], strict=True)])]
    assert rows["本月采购量"].sum() == pytest.approx(month["quantity"].sum())
    assert number(metric(at, "本月采购量")) == pytest.approx(month["quantity"].sum(), abs=0.5)
    assert at.radio(key="mon_by_region") is not None


def test_monthly_workbook_by_region_has_one_sheet_per_region(app_db, app_alliance) -> None:
    from procurement.report import build_report
    from webapp import data, periods

    ds = data.dataset(app_db, data.version(app_db), None)
    rep = build_report(ds)
    frame = periods.monthly_frame(ds, rep.detail, rep.as_of)
    book = openpyxl.load_workbook(io.BytesIO(periods.monthly_xlsx(frame, rep.as_of, by_region=True)))
    assert book.sheetnames == ["东区", "西区"]
    east = [r[1] for r in book["东区"].iter_rows(min_row=3, values_only=True)]
    assert set(east) == set(EAST)
    one = openpyxl.load_workbook(io.BytesIO(periods.monthly_xlsx(frame, rep.as_of, by_region=False)))
    assert one.sheetnames == ["全部"]


def test_hospital_monthly_report_holds_its_own_rows_only(app_db, app_alliance) -> None:
    at = page(sign_in("h1"), "monthly")
    rows = next(df.value for df in at.dataframe if "本月采购量" in df.value.columns)
    own = app_alliance.agreements[app_alliance.agreements["hospital_id"] == "H001"]
    assert len(rows) == len(own) and rows["约定采购量"].sum() == pytest.approx(own["agreed_volume"].sum())
    shown = everything_shown(at)
    for other in ("H002", *WEST):
        assert other not in shown
    assert not [r for r in at.radio if r.key == "mon_by_region"]  # one sheet: its own


# --- regions -----------------------------------------------------------------------------------------


def test_coordinator_region_page(app_db, app_alliance) -> None:
    at = page(sign_in("coord"), "regions")
    assert at.title[0].value == "地区"
    table = next(df.value for df in at.dataframe if "地区" in df.value.columns)
    assert sorted(table["地区"]) == ["东区", "西区"]
    agreed = app_alliance.agreements.merge(app_alliance.hospitals[["hospital_id", "region"]], on="hospital_id")
    by_region = agreed.groupby("region")["agreed_volume"].sum()
    got = dict(zip(table["地区"], table["约定采购量"], strict=True))
    assert got == pytest.approx(by_region.to_dict())
    chart = next(chart_text(c) for c in at.get("plotly_chart") if c.proto.id.endswith("chart_regions_completion"))
    assert "东区" in chart and "西区" in chart


def test_leadership_region_page_and_hospital_has_none(app_db) -> None:
    page(sign_in("lead"), "regions")
    with pytest.raises(ValueError):
        sign_in("h1").switch_page("webapp/pages/regions.py")


# --- a leader limited to one region ------------------------------------------------------------------


def test_region_scoped_leader_sees_nothing_of_other_regions(app_db, app_alliance) -> None:
    from app import PAGES_BY_ROLE

    west_names = _west_names(app_alliance)
    at = sign_in("east")
    assert any("仅限地区：东区" in c.value for c in at.sidebar.caption)
    east_agreed = app_alliance.agreements[app_alliance.agreements["hospital_id"].isin(EAST)]["agreed_volume"].sum()
    for name in PAGES_BY_ROLE["leadership"]:
        page(at, name)
        shown = everything_shown(at)
        for hid in WEST:
            assert hid not in shown, (name, hid)
        for hospital in west_names:
            assert hospital not in shown, (name, hospital)
        assert "西区" not in shown, name
    page(at, "track")
    assert number(metric(at, "约定采购量")) == pytest.approx(east_agreed, abs=0.5)


def test_region_scoped_downloads_hold_nothing_of_other_regions(app_db, app_alliance) -> None:
    from procurement.report import build_report
    from webapp import data, periods
    from webapp.filters import Filters

    version = data.version(app_db)
    text = _book_text(data.report_xlsx(app_db, version, None, Filters(), region="东区"))
    assert "H001" in text
    for other in (*WEST, *_west_names(app_alliance), "西区"):
        assert other not in text
    ds = data.dataset(app_db, version, None, "东区")
    rep = build_report(ds)
    monthly = _book_text(periods.monthly_xlsx(periods.monthly_frame(ds, rep.detail, rep.as_of), rep.as_of, True))
    for other in (*WEST, *_west_names(app_alliance), "西区"):
        assert other not in monthly


def test_coordinator_limits_a_leader_to_a_region(app_db) -> None:
    from procurement import store as st_store

    engine = st_store.get_engine(app_db)
    auth.create_user(engine, "north", PASSWORD, "leadership")
    at = page(sign_in("coord"), "accounts")
    at.selectbox(key="acc_region_user").set_value("north")
    at.selectbox(key="acc_region_value").set_value("西区")
    next(b for b in at.button if "保存地区范围" in (b.label or "")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert account_regions.account_regions(engine)["north"] == "西区"
    assert any("north" in s.value and "西区" in s.value for s in at.success)
    users = at.dataframe[0].value
    assert dict(zip(users["用户名"], users["地区"], strict=True))["north"] == "西区"
    leader = page(sign_in("north"), "track")
    shown = everything_shown(leader)
    assert "H001" not in shown and "H003" in shown


def test_hospital_monthly_download_holds_its_own_rows_only(app_db, app_alliance) -> None:
    from procurement.report import build_report
    from webapp import data, periods

    ds = data.dataset(app_db, data.version(app_db), "H001")
    rep = build_report(ds)
    text = _book_text(periods.monthly_xlsx(periods.monthly_frame(ds, rep.detail, rep.as_of), rep.as_of, False))
    assert "H001" in text
    others = app_alliance.hospitals[app_alliance.hospitals["hospital_id"] != "H001"]
    for other in (*others["hospital_id"], *others["hospital_name"]):
        assert other not in text


def test_new_pages_render_in_english(app_db) -> None:
    at = sign_in("coord")
    at.radio(key="lang_radio").set_value("en").run()
    for name, title in [("renewal", "Renewal"), ("monthly", "Monthly report"), ("regions", "Regions")]:
        page(at, name)
        assert at.title[0].value == title
        shown = everything_shown(at)
        assert "万元" not in shown, name
        headers = " ".join(" ".join(map(str, df.value.columns)) for df in at.dataframe)
        assert "申报量" not in headers and "本月采购量" not in headers, name  # headers translated too


def test_a_region_set_on_a_signed_in_leader_applies_at_the_next_click(app_db) -> None:
    """The account is read on every run: narrowing a leader who is signed in needs no new sign-in."""
    from procurement import store as st_store

    engine = st_store.get_engine(app_db)
    auth.create_user(engine, "moving", PASSWORD, "leadership")
    at = page(sign_in("moving"), "track")
    assert "H003" in everything_shown(at)
    account_regions.set_region(engine, "moving", "东区")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = everything_shown(at)
    assert "H001" in shown and "H003" not in shown
