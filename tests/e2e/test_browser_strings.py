"""Streamlit's own strings in the real app (headless Chromium): a made-up address lands on the app's own
home page in the user's language, and the file uploader speaks Chinese in the Chinese interface.

Runs against the server of tests/e2e/test_browser.py (its own temporary database).
"""

from __future__ import annotations

import pytest
from test_browser import PASSWORD, _new_page, _sign_in, _wait_idle, alliance, browser, server  # noqa: F401

pytestmark = [pytest.mark.browser]

ENGLISH = ("Page not found", "Upload", "per file", "Drag and drop", "Browse files", "Press Enter")


def _visible_text(page) -> str:
    """What a person reads on the page, CSS-generated text included (innerText leaves ::after out)."""
    return page.evaluate("""() => {
        const parts = [document.body.innerText];
        for (const el of document.querySelectorAll('*')) {
            const after = getComputedStyle(el, '::after').content;
            if (after && after !== 'none' && after !== 'normal' && getComputedStyle(el).display !== 'none')
                parts.push(after);
        }
        return parts.join('\\n');
    }""")


def _shown_english(page) -> list[str]:
    """English phrases of ENGLISH that a person can see (hidden or zero-size text is not seen)."""
    return page.evaluate("""(phrases) => {
        const seen = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            const style = el && getComputedStyle(el);
            if (!style || style.display === 'none' || style.visibility === 'hidden' ||
                parseFloat(style.fontSize) === 0 || el.getClientRects().length === 0) continue;
            for (const p of phrases) if (node.textContent.includes(p)) seen.push(p);
        }
        return seen;
    }""", list(ENGLISH))


def test_made_up_address_lands_home_in_the_users_language(server, browser) -> None:  # noqa: F811
    page = _new_page(browser)
    page.goto(f"{server}/nonexistent")  # before sign-in: the sign-in form, no English dialog
    page.get_by_label("用户名").wait_for(timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    _sign_in_here(page, "lead")
    page.get_by_text("地址 /nonexistent 没有对应的页面").wait_for(timeout=60_000)
    page.get_by_role("heading", name="节约成效").wait_for(timeout=60_000)  # leadership's home page
    _wait_idle(page)
    assert page.get_by_text("Page not found").count() == 0
    assert "/nonexistent" not in page.url and "s=" in page.url
    query = page.url.split("?", 1)[1].replace("lang=zh", "lang=en")
    page.goto(f"{server}/no-such-page?{query}")  # signed in, a bookmark gone wrong, in English
    page.get_by_text("There is no page at /no-such-page").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Savings").wait_for(timeout=60_000)
    assert page.get_by_text("Page not found").count() == 0
    page.close()


def _sign_in_here(page, username: str) -> None:
    """Sign in on the form already shown (at whatever address the page is)."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_uploader_and_form_hints_are_chinese(server, browser) -> None:  # noqa: F811
    page = _new_page(browser)
    page.goto(server)
    page.get_by_label("密码").fill("x")  # focus shows the form's "press Enter" hint
    text = _visible_text(page)
    assert "按回车键确认" in text, text
    assert _shown_english(page) == []
    _sign_in(page, server, "coord")
    page.get_by_role("link", name="数据上传").click()
    page.locator('[data-testid="stFileUploaderDropzone"]').wait_for(timeout=60_000)
    _wait_idle(page)
    text = _visible_text(page)
    assert "选择文件" in text and "每个文件不超过 200 MB" in text, text
    assert _shown_english(page) == []
    page.locator('[data-testid="stSidebar"]').get_by_text("English").click()  # English keeps Streamlit's text
    page.get_by_text("Upload spreadsheets").wait_for(timeout=30_000)
    _wait_idle(page)
    assert "per file" in page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').inner_text()
    page.close()
