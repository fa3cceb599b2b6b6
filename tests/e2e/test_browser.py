"""The real app in headless Chromium: sign in as a hospital, upload, see the figure move, see no other
hospital; sign in as leadership and see the savings chart.

Set VBP_SCREENSHOT_DIR to also save screenshots of the main pages (docs/screenshots/).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "browser-pass"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium)"),
]


class Server(str):
    """The app's base URL (a str, as the tests use it) that also knows its database."""

    db: str

    def __new__(cls, base: str, db: str) -> Server:
        out = super().__new__(cls, base)
        out.db = db
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def alliance():
    from procurement.synthetic import generate_alliance

    big = bool(os.environ.get("VBP_SCREENSHOT_DIR"))
    return generate_alliance(seed=11, n_hospitals=12 if big else 5, n_products=20 if big else 6,
                             purchases_per_year=8000 if big else 800)


@pytest.fixture(scope="module")
def server(tmp_path_factory, alliance, cheap_bcrypt) -> Iterator[Server]:
    """The app on a free localhost port with its own temporary database; stopped after the module."""
    from procurement import auth, store
    from procurement.model import TABLE_KINDS

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'vbp.sqlite'}"
    engine = store.get_engine(url)
    store.import_tables(engine, {k: alliance.table(k) for k in TABLE_KINDS if not alliance.table(k).empty},
                        source_name="seed", file_hash="seed", user="test")
    auth.create_user(engine, "h1", PASSWORD, "hospital", alliance.hospitals["hospital_id"].iloc[0])
    auth.create_user(engine, "lead", PASSWORD, "leadership")
    auth.create_user(engine, "coord", PASSWORD, "coordinator")
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "VBP_DB_URL": url}
    env.pop("VBP_ADMIN_PASSWORD", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.5)
        yield Server(base, url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _new_page(browser):
    """A desktop-sized page; taller when taking screenshots (Streamlit scrolls inside its own pane)."""
    tall = bool(os.environ.get("VBP_SCREENSHOT_DIR"))
    return browser.new_page(viewport={"width": 1440, "height": 2200 if tall else 1000})


def _shot(page, name: str, height: int | None = None) -> None:
    """Save a screenshot when asked to; ``height`` crops a short page instead of a tall blank one."""
    folder = os.environ.get("VBP_SCREENSHOT_DIR")
    if folder:
        page.wait_for_timeout(1500)  # let plotly finish drawing
        clip = {"x": 0, "y": 0, "width": 1440, "height": height} if height else None
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=clip is None, clip=clip)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _metric(page, label: str) -> float:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    text = card.locator('[data-testid="stMetricValue"]').inner_text(timeout=30_000)
    return float(re.sub(r"[^0-9.\-]", "", text))


def _wait_idle(page) -> None:
    """Wait until Streamlit has finished the current run (no 'running' indicator)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def _purchases_xlsx(hospital: str, product: str, day: str, quantity: float) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame([{"订单编号": "E2E-1", "入库日期": day, "机构编码": hospital, "产品编码": product,
                   "采购数量": quantity}]).to_excel(buffer, index=False, sheet_name="采购记录")
    return buffer.getvalue()


def test_hospital_uploads_and_sees_only_itself(server, browser, alliance, tmp_path) -> None:
    own = alliance.hospitals["hospital_id"].iloc[0]
    others = alliance.hospitals.iloc[1:]
    product = alliance.agreements[alliance.agreements["hospital_id"] == own]["product_id"].iloc[0]
    day = alliance.purchases["date"].max().strftime("%Y-%m-%d")
    page = _new_page(browser)
    _sign_in(page, server, "h1")
    page.get_by_role("heading", name="执行进度").wait_for(timeout=60_000)
    _wait_idle(page)
    before = _metric(page, "实际采购量")
    html = page.content()
    for _, other in others.iterrows():
        assert other["hospital_name"] not in html and f">{other['hospital_id']}<" not in html

    page.get_by_role("link", name="数据上传").click()
    page.get_by_role("heading", name="数据上传").wait_for(timeout=30_000)
    file = tmp_path / "own_purchases.xlsx"
    file.write_bytes(_purchases_xlsx(own, product, day, 1000))
    page.locator('input[type="file"]').first.set_input_files(str(file))
    page.get_by_role("button", name="确认导入").click(timeout=60_000)
    page.get_by_text("已导入").wait_for(timeout=60_000)

    page.get_by_role("link", name="执行进度").click()
    page.get_by_role("heading", name="执行进度").wait_for(timeout=30_000)
    _wait_idle(page)
    assert _metric(page, "实际采购量") == pytest.approx(before + 1000)
    html = page.content()
    for _, other in others.iterrows():
        assert other["hospital_name"] not in html
    page.close()


def test_leadership_sees_the_savings_chart(server, browser) -> None:
    page = _new_page(browser)
    _sign_in(page, server, "lead")
    page.get_by_role("heading", name="节约成效").wait_for(timeout=60_000)
    _wait_idle(page)
    page.locator(".js-plotly-plot:visible").first.wait_for(timeout=60_000)
    assert page.get_by_text("分批次节约金额").count() >= 1
    assert page.locator(".js-plotly-plot").count() >= 5
    _shot(page, "savings")
    for name, file in (("执行进度", "track"), ("回款监测", "payments")):
        page.get_by_role("link", name=name).click()
        page.get_by_role("heading", name=name).wait_for(timeout=30_000)
        _wait_idle(page)
        page.locator(".js-plotly-plot:visible").first.wait_for(timeout=60_000)
        _shot(page, file)
    page.close()


@pytest.mark.skipif(not os.environ.get("VBP_SCREENSHOT_DIR"), reason="screenshots only on request")
def test_coordinator_screenshots(server, browser) -> None:
    page = _new_page(browser)
    page.goto(server)
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)
    _shot(page, "signin", height=700)
    _sign_in(page, server, "coord")
    page.get_by_role("heading", name="执行进度").wait_for(timeout=60_000)
    _wait_idle(page)
    for name, file in (("数据上传", "upload"), ("量分配方案", "plan"), ("账户管理", "accounts")):
        try:
            page.get_by_role("link", name=name).click(timeout=30_000)
        except Exception:
            page.screenshot(path=str(Path(os.environ["VBP_SCREENSHOT_DIR"]) / "debug.png"))
            raise
        page.get_by_role("heading", name=name).wait_for(timeout=30_000)
        _wait_idle(page)
        if file == "upload":
            _shot(page, "upload", height=900)
            bad = Path(os.environ["VBP_SCREENSHOT_DIR"]).parent / "_bad_upload.xlsx"
            buffer = io.BytesIO()
            pd.DataFrame([
                {"订单编号": "X-1", "入库日期": "2026-03-05", "机构编码": "H001", "产品编码": "NO-SUCH", "采购数量": 10},
                {"订单编号": "X-2", "入库日期": "2026年3月6日", "机构编码": "H001", "产品编码": "NO-SUCH", "采购数量": "很多"},
            ]).to_excel(buffer, index=False, sheet_name="采购记录")
            bad.write_bytes(buffer.getvalue())
            page.locator('input[type="file"]').first.set_input_files(str(bad))
            page.get_by_text("问题清单").first.wait_for(timeout=60_000)
            _wait_idle(page)
            bad.unlink()
            file = "upload_problems"
            _shot(page, file, height=1300)
            continue
        if file == "plan":
            page.get_by_role("button", name="计算分配方案").click()
            page.get_by_text("求解状态").wait_for(timeout=120_000)
            _wait_idle(page)
        _shot(page, file)
    page.close()


# --- issue 13: accounts, sessions, the plan summary, a phone -------------------------------------


def _pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit selectbox labelled ``label``."""
    page.get_by_label(label, exact=False).first.click()
    page.get_by_role("option", name=option).first.click()
    _wait_idle(page)


@pytest.mark.parametrize("role", ["hospital", "leadership", "coordinator"])
def test_account_created_for_each_role_as_intended(server, browser, alliance, role) -> None:
    from procurement import auth, store

    names = {"hospital": "医疗机构", "leadership": "领导", "coordinator": "联盟办公室"}
    hospital = alliance.hospitals.iloc[1]
    username = f"e2e_{role}"
    page = _new_page(browser)
    _sign_in(page, server, "coord")
    page.get_by_role("heading", name="执行进度").wait_for(timeout=60_000)
    _wait_idle(page)
    page.get_by_role("link", name="账户管理").click(timeout=60_000)
    page.get_by_role("heading", name="新建账户").wait_for(timeout=30_000)
    _wait_idle(page)
    assert page.get_by_label("用户名").count() == 0  # nothing to fill before the role is chosen
    _pick(page, "角色", names[role])
    if role == "hospital":
        page.get_by_role("button", name="检查并创建…").wait_for(timeout=30_000)
        _pick(page, "所属机构", f"{hospital['hospital_name']} ({hospital['hospital_id']})")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("e2e-password-1")
    page.get_by_label("再次输入密码", exact=True).fill("e2e-password-1")
    page.get_by_role("button", name="检查并创建…").click()
    page.get_by_role("button", name="确认创建").click(timeout=30_000)
    page.get_by_text(f"已创建账户 {username}").wait_for(timeout=30_000)
    _wait_idle(page)
    assert page.get_by_role("combobox", name="角色").input_value() == ""  # shown empty, ready for the next
    engine = store.get_engine(server.db)
    expected = auth.User(username, role, str(hospital["hospital_id"]) if role == "hospital" else None)
    assert auth.get_user(engine, username) == expected
    if role == "coordinator":
        _shot(page, "accounts", height=1100)
    page.close()


def test_refresh_and_deep_link_keep_session_and_language(server, browser) -> None:
    page = _new_page(browser)
    page.goto(f"{server}/payments?lang=en")  # a bookmark, before sign-in
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Payments").wait_for(timeout=60_000)  # the bookmarked page, in English
    _wait_idle(page)
    assert "/payments" in page.url and "s=" in page.url and "lang=en" in page.url
    page.reload()
    page.get_by_role("heading", name="Payments").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Sign in").count() == 0
    bookmarked = page.url
    other = _new_page(browser)  # the same address in another tab
    other.goto(bookmarked)
    other.get_by_role("heading", name="Payments").wait_for(timeout=60_000)
    other.close()
    page.get_by_role("link", name="Savings").click()
    page.get_by_role("heading", name="Savings").wait_for(timeout=30_000)
    _wait_idle(page)
    assert "lang=en" in page.url and "s=" in page.url  # kept across pages
    page.goto(f"{server}/plan?" + page.url.split("?", 1)[1])  # a page this role may not open
    page.get_by_role("heading", name="Not available").wait_for(timeout=30_000)
    assert page.get_by_text("Page not found").count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    page.goto(bookmarked)  # the token ended with the sign-out
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    page.close()


def test_plan_summary_shows_idle_winners_and_switches(server, browser) -> None:
    page = _new_page(browser)
    page.goto(f"{server}/plan")
    page.get_by_label("用户名").fill("coord")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="计算分配方案").click(timeout=60_000)
    page.get_by_text("求解状态").wait_for(timeout=120_000)
    _wait_idle(page)
    card = page.locator('[data-testid="stMetric"]').filter(has_text="未获量的中选企业").first
    idle, total = (int(x.replace(",", "")) for x in
                   card.locator('[data-testid="stMetricValue"]').inner_text().split(" / "))
    assert 0 < idle < total  # the synthetic alliance has dearer winners that get nothing
    page.get_by_text(re.compile(r"个中选企业×品种中有 \d+ 个未获量")).wait_for(timeout=10_000)
    page.get_by_text(re.compile(r"个机构×品种中有 \d+ 个改由其他企业供应")).wait_for(timeout=10_000)
    assert page.get_by_text("None").count() == 0
    _shot(page, "plan")
    page.close()


def test_savings_page_at_phone_width(server, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, server, "lead")
    page.get_by_role("heading", name="节约成效").wait_for(timeout=60_000)
    _wait_idle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
    cards = page.locator('[data-testid="stMetric"]')
    boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
    assert len(boxes) == 8 and len({round(b["y"]) for b in boxes}) == 8  # stacked, one a row
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in boxes)
    assert page.locator(".modebar").count() == 0  # no toolbar over the chart titles
    plots = page.locator(".js-plotly-plot")
    for i in range(plots.count()):
        box = plots.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    folder = os.environ.get("VBP_SCREENSHOT_DIR")
    if folder:
        page.wait_for_timeout(1500)
        page.screenshot(path=str(Path(folder) / "savings_phone.png"))
        heatmap = plots.nth(plots.count() - 1)
        heatmap.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        heatmap.screenshot(path=str(Path(folder) / "savings_phone_heatmap.png"))
    context.close()
