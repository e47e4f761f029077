"""Logging in through the real form, in Chinese, in a real browser."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, demo_account, log_in

OFFICER = demo_account("officer")


def test_officer_logs_in_through_the_form_and_sees_the_dashboard(page: Page) -> None:
    log_in(page, OFFICER.username, OFFICER.password)

    expect(page).to_have_url("/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    # Kept for a person to look at: the Chinese must render as glyphs, not empty boxes.
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-zh.png", full_page=True)


def test_wrong_password_is_refused_with_the_chinese_message(page: Page) -> None:
    log_in(page, OFFICER.username, "not-the-password")

    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
    expect(page).to_have_url("/login")
