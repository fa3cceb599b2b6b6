"""The region chart, the account region column and its rules, and the page glue (webapp.periods) on
small hand-made cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import text
from store_fixtures import BACKENDS, make_engine

from procurement import account_regions, auth
from webapp import charts, formats, periods


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """An empty database (SQLite, and PostgreSQL when VBP_TEST_PG_URL is set)."""
    yield from make_engine(request.param, tmp_path)


def test_region_chart_orders_laggards_first_and_names_the_blank_region() -> None:
    regions = pd.DataFrame({"region": ["东区", None, "西区"], "completion_rate": [0.9, 0.2, 0.5],
                            "time_elapsed": [0.75, 0.75, 0.5]})
    fig = charts.region_completion_chart(regions, "zh")
    bar, marks = fig.data
    # plotly draws the last category on top: the lowest completion (the unnamed region, 20%) is last
    assert list(bar.y) == ["东区", "西区", "未分地区"]
    assert list(bar.x) == pytest.approx([90.0, 50.0, 20.0])
    # 90% >= 75% on track, 50% = 50% on track, 20% < 75% behind
    assert list(bar.marker.color) == [charts.COLOURS["normal"], charts.COLOURS["normal"],
                                      charts.COLOURS["below_schedule"]]
    assert list(marks.x) == pytest.approx([75.0, 50.0, 75.0])
    assert fig.layout.title.text == "各地区完成率与序时进度"
    assert charts.region_completion_chart(regions, "en").data[0].y[-1] == "No region"


def test_region_chart_of_nothing_is_an_empty_titled_chart() -> None:
    fig = charts.region_completion_chart(pd.DataFrame(columns=["region", "completion_rate", "time_elapsed"]))
    assert fig.layout.title.text == "各地区完成率与序时进度" and not fig.data


def test_shown_tables_keep_numbers_and_workbook_headers() -> None:
    frame = pd.DataFrame({"hospital_id": ["H1"], "this_month": [1234.0], "completion_change": [0.125],
                          "progress_status": ["below_schedule"]})
    out = periods.shown(frame, ["hospital_id", "this_month", "completion_change", "progress_status"], "zh")
    assert list(out.columns) == ["机构编码", "本月采购量", "本月完成率增加", "进度状态"]
    assert out["本月完成率增加"].iloc[0] == pytest.approx(12.5)  # a rate, shown as a percentage
    assert out.attrs["formats"]["本月采购量"] == formats.VOLUME_FORMAT
    assert out["进度状态"].iloc[0] == "低于序时进度"
    assert periods.monthly_totals(frame.assign(last_month=[1000.0], required_pace=[2000.0])) == {
        "this_month": 1234.0, "last_month": 1000.0, "required_pace": 2000.0}


def test_only_a_leadership_account_takes_a_region(engine) -> None:
    auth.create_user(engine, "boss", "leadership-pw", "leadership")
    auth.create_user(engine, "coord", "office-secret-77", "coordinator")
    auth.create_user(engine, "h1", "pharmacy-secret-77", "hospital", "H001")
    account_regions.set_region(engine, "boss", " 东区 ")
    assert auth.get_user(engine, "boss") == auth.User("boss", "leadership", None, "东区")
    assert auth.get_user(engine, "boss").region_scope == "东区"
    assert auth.authenticate(engine, "boss", "leadership-pw").region_scope == "东区"
    for other in ("coord", "h1"):
        with pytest.raises(auth.AccountError, match="只有领导账户"):
            account_regions.set_region(engine, other, "东区")
    with pytest.raises(auth.AccountError, match="不存在"):
        account_regions.set_region(engine, "nobody", "东区")
    assert account_regions.account_regions(engine) == {"boss": "东区"}
    account_regions.set_region(engine, "boss", "")  # blank: all regions again
    assert auth.get_user(engine, "boss").region_scope is None
    assert account_regions.account_regions(engine) == {}


def test_region_scope_is_only_for_leadership() -> None:
    # a region left on an account whose role changed later limits nothing it should not
    assert auth.User("c", "coordinator", None, "东区").region_scope is None
    assert auth.User("h", "hospital", "H1", "东区").region_scope is None


def test_a_database_from_before_regions_gets_the_column(engine) -> None:
    """Accounts made before the column existed keep working and are not limited."""
    with engine.begin() as conn:  # a store made before Alembic (no alembic_version) and before regions
        conn.execute(text("DROP TABLE users"))
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("CREATE TABLE users (username VARCHAR(64) PRIMARY KEY, password_hash VARCHAR(128) "
                          "NOT NULL, role VARCHAR(16) NOT NULL, hospital_id VARCHAR(64), created_at TIMESTAMP NOT NULL)"))
        conn.execute(text("INSERT INTO users VALUES ('old', :h, 'leadership', NULL, :t)"),
                     {"h": auth._hash("leadership-pw"), "t": datetime.now(UTC).replace(tzinfo=None)})
    user = auth.authenticate(engine, "old", "leadership-pw")
    assert user == auth.User("old", "leadership") and user.region_scope is None
    account_regions.set_region(engine, "old", "西区")
    assert auth.get_user(engine, "old").region == "西区"
    auth._created.discard(str(engine.url))  # a second start finds the column there and leaves it
    assert auth.get_user(engine, "old").region == "西区"
