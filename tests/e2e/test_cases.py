"""Cases in a real browser: a member of the public files a complaint and follows it with the
tracking code; an officer accepts it, triage marks it simple, mediation reaches an agreement and
the judicial confirmation window is shown; a mediation that fails moves to administrative
adjudication with its history intact. Deadlines are checked against the rules and the official
calendar for the day the test runs (the server's today, Asia/Shanghai)."""

from playwright.sync_api import Browser, Page, expect

from tests.e2e.steps import (
    accept,
    accept_and_mediate,
    decide_penalty,
    due,
    enter_channel,
    file_complaint,
    issue_penalty_decision,
    open_as_officer,
    today,
)


def _track(page: Page, code: str) -> None:
    page.goto("/track")
    page.locator("#f-code").fill(code)
    page.get_by_role("button", name="查询").click()


def test_a_complaint_is_followed_by_code_accepted_triaged_simple_and_mediated_to_agreement(
    page: Page, browser: Browser, server_url: str
) -> None:
    public = browser.new_context(base_url=server_url, locale="zh-CN").new_page()
    code = file_complaint(public, "杭州某某茶叶商行")
    _track(public, code)
    expect(public.locator("#status")).to_have_attribute("data-status", "received")

    open_as_officer(page, code)
    expect(page.locator("#track")).to_have_attribute("data-track", "simple")
    accept_and_mediate(page)
    page.locator("#f-note-agree").fill("被申请人停止销售并赔偿一万五千元")
    page.locator("#do-agree").click()
    window = page.locator('#channel-steps tr[data-step="agreed"] .due')
    expect(window).to_contain_text(due("mediation.judicial_confirmation_window", today()))
    expect(page.locator("#do-apply_confirmation")).to_be_visible()

    _track(public, code)
    expect(public.locator("#status")).to_have_attribute("data-status", "accepted")


def test_a_failed_mediation_moves_to_adjudication_with_its_history_intact(page: Page) -> None:
    code = file_complaint(page, "杭州某某专利侵权产品经销部")
    open_as_officer(page, code)
    accept_and_mediate(page)
    page.locator("#do-fail").click()
    page.locator("#do-move_to_adjudication").click()
    steps = page.locator("#channel-steps tbody tr")
    expect(steps).to_have_count(3)
    rows = [
        (row.get_attribute("data-channel"), row.get_attribute("data-step")) for row in steps.all()
    ]
    assert rows == [
        ("mediation", "mediating"),
        ("mediation", "failed"),
        ("admin_adjudication", "filed"),
    ]
    expect(page.locator('#channel-steps tr[data-step="filed"] .due')).to_contain_text(
        due("adjudication.patent.docket", today())
    )
    history = page.locator("#history")
    expect(history).to_contain_text("登记调解不成")  # the transitions, in words
    expect(history).to_contain_text("转入行政裁决")


def test_a_penalty_case_is_decided_and_its_decision_shows_the_publicity_deadline(
    page: Page,
) -> None:
    code = file_complaint(page, "杭州某某茶叶经营部")
    open_as_officer(page, code)
    accept(page)
    enter_channel(page, "admin_penalty")
    expect(page.locator('#channel-steps tr[data-step="investigating"] .due')).to_contain_text(
        due("penalties.decision_period", today())
    )
    decide_penalty(page, fine="30000", basis="《中华人民共和国商标法》第六十条第二款")
    expect(page.locator("dl.penalty-decision")).to_contain_text("¥30,000.00")

    number = issue_penalty_decision(
        page, facts="当事人在其网店销售假冒“龙井”注册商标的茶叶共计120盒。"
    )
    assert f"〔{today().year}〕第" in number
    expect(page.locator("#publicity-due")).to_contain_text(due("publicity.dual_publicity", today()))
    expect(page.locator("main")).to_contain_text("人民币叁万元整")
