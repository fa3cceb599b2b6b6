"""Every page in Streamlit's AppTest, for each role, against a small temporary database."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from app_helpers import (
    APP,
    PASSWORD,
    chart_text,
    everything_shown,
    metric,
    number,
    page,
    purchases_xlsx,
    sign_in,
)
from streamlit.testing.v1 import AppTest

from procurement import auth

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column`` (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_no_account_explains_first_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VBP_DB_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.delenv("VBP_ADMIN_PASSWORD", raising=False)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    codes = " ".join(c.value for c in at.code)
    assert "python -m procurement users add" in codes and "VBP_ADMIN_PASSWORD" in codes
    shown = at.warning[0].value + " ".join(m.value for m in at.markdown)
    assert "尚无账户" in shown and "No account yet" in shown  # both languages at once
    assert not at.text_input  # no sign-in form without accounts


def test_wrong_password_is_refused(app_db) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="signin_user").input("coord")
    at.text_input(key="signin_password").input("not-the-password")
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == ["用户名或密码错误"]
    assert "vbp_user" not in at.session_state


def test_coordinator_sees_every_page(app_db, app_alliance) -> None:
    at = sign_in("coord")
    assert at.title[0].value == "执行进度"
    # the alliance's agreed volume, summed by hand from the seeded table
    assert number(metric(at, "约定采购量")) == pytest.approx(app_alliance.agreements["agreed_volume"].sum(), abs=0.5)
    for name, title in [("payments", "回款监测"), ("savings", "节约成效"), ("upload", "数据上传"),
                        ("accounts", "账户管理"), ("plan", "量分配方案")]:
        page(at, name)
        assert at.title[0].value == title
    page(at, "accounts")
    users = at.dataframe[0].value
    assert set(users["用户名"]) == {"coord", "lead", "h1", "h2"}


def test_hospital_sees_only_its_own_hospital(app_db, app_alliance) -> None:
    own, other = app_alliance.hospitals["hospital_id"].iloc[0], app_alliance.hospitals["hospital_id"].iloc[1]
    other_name = app_alliance.hospitals["hospital_name"].iloc[1]
    at = sign_in("h1")
    mine = app_alliance.agreements[app_alliance.agreements["hospital_id"] == own]["agreed_volume"].sum()
    assert number(metric(at, "约定采购量")) == pytest.approx(mine, abs=0.5)
    assert mine < app_alliance.agreements["agreed_volume"].sum()
    for name in ("track", "payments", "savings", "upload"):
        page(at, name)
        shown = everything_shown(at)
        assert other not in shown and other_name not in shown, name
    for forbidden in ("plan", "accounts"):
        with pytest.raises(ValueError):
            at.switch_page(f"webapp/pages/{forbidden}.py")


def test_leadership_lands_on_savings_read_only(app_db) -> None:
    at = sign_in("lead")
    assert at.title[0].value == "节约成效"
    charts = at.get("plotly_chart")
    assert len(charts) >= 5
    drop = next(chart_text(c) for c in charts if c.proto.id.endswith("chart_savings_drop"))
    assert "平均降价幅度" in drop and "加权降价幅度" in drop  # both shown, each labelled
    for forbidden in ("upload", "plan", "accounts"):
        with pytest.raises(ValueError):
            at.switch_page(f"webapp/pages/{forbidden}.py")
    page(at, "track")
    page(at, "payments")


def test_english_switch(app_db) -> None:
    at = sign_in("coord")
    at.radio(key="lang_radio").set_value("en").run()
    assert at.title[0].value == "Progress"
    assert any(m.label == "Completion rate" for m in at.metric)


def test_hospital_upload_changes_its_completion(app_db, app_alliance) -> None:
    own = app_alliance.hospitals["hospital_id"].iloc[0]
    product = app_alliance.agreements[app_alliance.agreements["hospital_id"] == own]["product_id"].iloc[0]
    day = app_alliance.purchases["date"].max().strftime("%Y-%m-%d")
    at = sign_in("h1")
    before = number(metric(at, "实际采购量"))
    page(at, "upload")
    content = purchases_xlsx([{"订单编号": "T-UP-1", "入库日期": day, "机构编码": own, "产品编码": product,
                                "采购数量": 1000}])
    at.file_uploader[0].set_value(("h1_purchases.xlsx", content, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    sheets = at.dataframe[0].value
    assert list(sheets["类型"]) == ["采购记录"]
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("新增 1 行" in s.value for s in at.success)
    page(at, "track")
    assert number(metric(at, "实际采购量")) == pytest.approx(before + 1000)


def test_hospital_upload_of_another_hospital_is_refused(app_db, app_alliance) -> None:
    other = app_alliance.hospitals["hospital_id"].iloc[1]
    product = app_alliance.agreements[app_alliance.agreements["hospital_id"] == other]["product_id"].iloc[0]
    day = app_alliance.purchases["date"].max().strftime("%Y-%m-%d")
    at = sign_in("h1")
    before = number(metric(at, "实际采购量"))
    page(at, "upload")
    content = purchases_xlsx([{"订单编号": "T-UP-2", "入库日期": day, "机构编码": other, "产品编码": product,
                                "采购数量": 500}])
    at.file_uploader[0].set_value(("other.xlsx", content, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "the problem must be shown"
    problems = frame_with(at, "问题")
    assert list(problems["行"]) == [2]  # the one data row, as Excel numbers it
    assert not [b for b in at.button if b.key == "confirm_import"]
    page(at, "track")
    assert number(metric(at, "实际采购量")) == pytest.approx(before)


def test_upload_problems_listed_with_rows(app_db, app_alliance) -> None:
    at = sign_in("coord")
    page(at, "upload")
    own = app_alliance.hospitals["hospital_id"].iloc[0]
    content = purchases_xlsx([
        {"订单编号": "T-BAD-1", "入库日期": "不是日期", "机构编码": own, "产品编码": "NO-SUCH", "采购数量": "abc"},
    ])
    at.file_uploader[0].set_value(("bad.xlsx", content, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    problems = frame_with(at, "问题")
    assert set(problems["行"]) == {2}
    assert len(problems) >= 2
    assert not [b for b in at.button if b.key == "confirm_import"]


def test_plan_page_runs_the_allocation(app_db) -> None:
    at = sign_in("coord")
    page(at, "plan")
    submit = [b for b in at.button if "计算分配方案" in (b.label or "")]
    assert submit
    submit[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("求解状态" in i.value for i in at.success)
    allocations = frame_with(at, "分配量")
    assert len(allocations) > 0 and "机构名称" in allocations.columns
    [b for b in at.button if b.key == "plan_compare"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    comparison = frame_with(at, "情景")
    assert comparison["情景"].tolist()[0] == "当前设置" and len(comparison) == 4  # current, 60%, 80%, K=2
    [b for b in at.button if b.key == "plan_replan"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("金额变化" in i.value for i in at.info)


def test_hospital_download_holds_only_its_own_rows(app_db, app_alliance) -> None:
    import openpyxl

    from webapp import data
    from webapp.filters import Filters

    own, other = app_alliance.hospitals["hospital_id"].iloc[0], app_alliance.hospitals["hospital_id"].iloc[1]
    other_name = app_alliance.hospitals["hospital_name"].iloc[1]
    version = data.version(app_db)
    content = data.report_xlsx(app_db, version, own, Filters())
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    text = "\n".join(str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r if v)
    assert own in text
    assert other not in text and other_name not in text


def test_as_of_filter_moves_time_elapsed(app_db, app_alliance) -> None:
    at = sign_in("coord")
    elapsed_latest = number(metric(at, "序时进度"))
    earlier = (app_alliance.purchases["date"].max() - pd.Timedelta(days=60)).date()
    at.date_input(key="track_as_of").set_value(earlier).run()
    assert not at.exception, [e.value for e in at.exception]
    assert str(earlier) in at.caption[0].value
    assert number(metric(at, "序时进度")) < elapsed_latest


def test_deleted_account_is_signed_out(app_db) -> None:
    from procurement import store

    engine = store.get_engine(app_db)
    auth.create_user(engine, "temp", PASSWORD, "leadership")
    at = sign_in("temp")
    assert at.title[0].value == "节约成效"
    auth.delete_user(engine, "temp")
    at.run()
    assert "vbp_user" not in at.session_state
    assert at.text_input(key="signin_user") is not None


def test_every_page_renders_in_english(app_db) -> None:
    at = sign_in("coord")
    at.radio(key="lang_radio").set_value("en").run()
    for name, title in [("track", "Progress"), ("payments", "Payments"), ("savings", "Savings"),
                        ("upload", "Upload"), ("plan", "Allocation plan"), ("accounts", "Accounts")]:
        page(at, name)
        assert at.title[0].value == title
        shown = everything_shown(at)
        assert "万元" not in shown, name  # money reads "10k yuan" in English


def test_plan_from_uploaded_files(app_db) -> None:
    from app_helpers import REPO

    folder = REPO / "sample_data"
    paths = [folder / "01_医疗机构.xlsx", *sorted((folder / "planning").glob("*.xlsx"))]
    files = [(p.name, p.read_bytes(), "application/octet-stream") for p in paths]
    assert len(files) == 3  # the sample alliance's hospitals are not those of the test database
    at = sign_in("coord")
    page(at, "plan")
    at.radio(key="plan_source").set_value("files").run()
    at.file_uploader(key="plan_files").set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    [b for b in at.button if "计算分配方案" in (b.label or "")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(frame_with(at, "分配量")) > 0


def test_payment_term_setting_changes_overdue(app_db) -> None:
    at = sign_in("coord")
    page(at, "payments")
    assert number(metric(at, "逾期未回款金额")) > 0
    # a one-year term: nothing in a year of data is older than that
    at.number_input(key="rule_payment_days").set_value(365).run()
    assert not at.exception, [e.value for e in at.exception]
    assert number(metric(at, "逾期未回款金额")) == 0.0


def test_hospital_own_export_without_hospital_column_shows_its_summary(app_db, app_alliance) -> None:
    own = app_alliance.hospitals["hospital_id"].iloc[0]
    product = app_alliance.agreements[app_alliance.agreements["hospital_id"] == own]["product_id"].iloc[0]
    day = app_alliance.purchases["date"].max().strftime("%Y-%m-%d")
    at = sign_in("h1")
    page(at, "upload")
    content = purchases_xlsx([
        {"入库单号": "T-OWN-1", "入库日期": day, "药品编码": product, "入库数量": 10, "订单状态": "已入库"},
        {"入库单号": "T-OWN-2", "入库日期": day, "药品编码": product, "入库数量": 20, "订单状态": "已取消"},
        {"入库单号": "T-OWN-3", "入库日期": day, "药品编码": "NOT-VBP-1", "入库数量": 5, "订单状态": "已入库"},
    ])
    at.file_uploader[0].set_value(("own_export.xlsx", content, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    sheets = at.dataframe[0].value
    assert sheets[["读取行数", "行数", "未计入（原因）", "数量列"]].iloc[0].tolist() == [
        3, 1, "已取消/作废/拒收 1，非集采药品 1", "入库数量"]
    assert any(own in i.value for i in at.info)  # taken as the account's own hospital
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("新增 1 行" in s.value for s in at.success)
