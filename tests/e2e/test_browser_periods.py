"""The renewal page's download and a region-scoped leader, in the real app in headless Chromium.

Runs against the server of tests/e2e/test_browser.py (its own temporary database), after splitting the
alliance's hospitals by hand into two regions: the first two in 东区, the others in 西区.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from test_browser import PASSWORD, _new_page, _sign_in, _wait_idle, alliance, browser, server  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def two_regions(server, alliance):  # noqa: F811
    from procurement import account_regions, auth, store

    engine = store.get_engine(server.db)
    regions = ["东区"] * 2 + ["西区"] * (len(alliance.hospitals) - 2)
    store.import_tables(engine, {"hospitals": alliance.hospitals.assign(region=regions)}, source_name="regions",
                        file_hash="regions", user="test")
    auth.create_user(engine, "east-lead", PASSWORD, "leadership")
    account_regions.set_region(engine, "east-lead", "东区")
    engine.dispose()
    return alliance.hospitals.iloc[2:]


def test_region_scoped_leader_sees_only_its_region(server, browser, two_regions) -> None:  # noqa: F811
    page = _new_page(browser)
    _sign_in(page, server, "east-lead")
    page.get_by_role("heading", name="节约成效").wait_for(timeout=60_000)
    for name in ("地区", "执行进度", "节约成效"):
        page.get_by_role("link", name=name).click()
        page.get_by_role("heading", name=name).wait_for(timeout=30_000)
        _wait_idle(page)
        html = page.content()
        assert "仅限地区：东区" in html
        assert "西区" not in html, name
        for _, other in two_regions.iterrows():
            assert other["hospital_name"] not in html and f">{other['hospital_id']}<" not in html, name
    page.close()


def test_coordinator_downloads_the_renewal_file(server, browser, alliance) -> None:  # noqa: F811
    page = _new_page(browser)
    _sign_in(page, server, "coord")
    page.get_by_role("heading", name="执行进度").wait_for(timeout=60_000)
    page.get_by_role("link", name="接续采购").click()
    page.get_by_role("heading", name="接续采购").wait_for(timeout=30_000)
    window = page.get_by_text("统计窗口（近12个月）")
    window.wait_for(timeout=60_000)  # the page's first run counts 12 months of use: wait for it, not a fixed time
    _wait_idle(page)
    assert window.count() == 1
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="下载接续采购报量文件（Excel）").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))  # no .xlsx suffix there
    assert book.sheetnames == ["报量", "说明"]
    header = [c.value for c in book["报量"][2]]
    assert header[:5] == ["机构编码", "机构名称", "通用名", "规格", "申报量"]
    assert {r[0] for r in book["报量"].iter_rows(min_row=3, values_only=True)} <= set(alliance.hospitals["hospital_id"])
    page.close()
