"""Cases in a real browser: a member of the public files a complaint and follows it with the
tracking code; an officer accepts it, triage marks it simple, mediation reaches an agreement and
the judicial confirmation window is shown; a mediation that fails moves to administrative
adjudication with its history intact. Deadlines are checked against the rules and the official
calendar for the day the test runs (the server's today, Asia/Shanghai)."""

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from ipprotect.core import rules
from ipprotect.core.calendar import Period, WorkCalendar, due_date
from tests.e2e.conftest import demo_account, log_in

OFFICER = demo_account("officer")
XIHU = "330106"


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _due(rule_id: str, start: dt.date) -> str:
    period = Period.from_dict(rules.period(rule_id, on=start, region=XIHU))
    # The demo loads no calendar overrides: the server counts on the bundled schedule too.
    return due_date(start, period, WorkCalendar()).date.isoformat()


def _file_complaint(page: Page, respondent: str) -> str:
    """The public form, not logged in; returns the tracking code shown."""
    page.goto("/complaints/new")
    page.locator("#f-complainant_name").fill("杭州龙井茶业有限公司")
    page.locator("#f-complainant_email").fill("legal@longjing-tea.example.cn")
    page.locator("#f-respondent_name").fill(respondent)
    page.locator("#f-region_code").fill(XIHU)
    page.locator("#f-facts").fill(
        f"{respondent}在网店销售假冒“龙井”注册商标的茶叶，商标注册证号 12345678。"
    )
    page.locator("#f-amount_claimed").fill("20000")
    page.locator("#f-channel_requested").select_option("mediation")
    page.get_by_role("button", name="提交投诉").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("投诉已收到")
    expect(page.locator("#acceptance-due")).to_contain_text(
        _due("complaints.acceptance_decision", _today())
    )
    return page.locator("#tracking-code").inner_text().strip()


def _track(page: Page, code: str) -> None:
    page.goto("/track")
    page.locator("#f-code").fill(code)
    page.get_by_role("button", name="查询").click()


def _open_as_officer(page: Page, code: str) -> None:
    log_in(page, OFFICER.username, OFFICER.password)
    page.goto(f"/cases?q={code}")
    page.get_by_role("link", name=code).click()


def _accept_and_mediate(page: Page) -> None:
    page.locator("#accept").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "accepted")
    page.locator("#f-channel").select_option("mediation")
    page.locator("#enter-channel").click()
    expect(page.locator('#channel-steps tr[data-step="mediating"] .due')).to_contain_text(
        _due("complaints.mediation_limit", _today())
    )


def test_a_complaint_is_followed_by_code_accepted_triaged_simple_and_mediated_to_agreement(
    page: Page, browser: Browser, server_url: str
) -> None:
    public = browser.new_context(base_url=server_url, locale="zh-CN").new_page()
    code = _file_complaint(public, "杭州某某茶叶商行")
    _track(public, code)
    expect(public.locator("#status")).to_have_attribute("data-status", "received")

    _open_as_officer(page, code)
    expect(page.locator("#track")).to_have_attribute("data-track", "simple")
    _accept_and_mediate(page)
    page.locator("#f-note-agree").fill("被申请人停止销售并赔偿一万五千元")
    page.locator("#do-agree").click()
    window = page.locator('#channel-steps tr[data-step="agreed"] .due')
    expect(window).to_contain_text(_due("mediation.judicial_confirmation_window", _today()))
    expect(page.locator("#do-apply_confirmation")).to_be_visible()

    _track(public, code)
    expect(public.locator("#status")).to_have_attribute("data-status", "accepted")


def test_a_failed_mediation_moves_to_adjudication_with_its_history_intact(page: Page) -> None:
    code = _file_complaint(page, "杭州某某专利侵权产品经销部")
    _open_as_officer(page, code)
    _accept_and_mediate(page)
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
        _due("adjudication.patent.docket", _today())
    )
    history = page.locator("#history")
    expect(history).to_contain_text("登记调解不成")  # the transitions, in words
    expect(history).to_contain_text("转入行政裁决")


def test_a_penalty_case_is_decided_and_its_decision_shows_the_publicity_deadline(
    page: Page,
) -> None:
    code = _file_complaint(page, "杭州某某茶叶经营部")
    _open_as_officer(page, code)
    page.locator("#accept").click()
    page.locator("#f-channel").select_option("admin_penalty")
    page.locator("#enter-channel").click()
    expect(page.locator('#channel-steps tr[data-step="investigating"] .due')).to_contain_text(
        _due("penalties.decision_period", _today())
    )
    page.locator("#do-notify").click()
    page.locator("#do-record_waiver").click()
    form = page.locator("form.channel-action", has=page.locator("#do-decide"))
    form.locator('input[name="decision_measures"][value="fine"]').check()
    form.locator('input[name="decision_measures"][value="order_to_stop"]').check()
    page.locator("#f-decision-fine").fill("30000")
    page.locator("#f-decision-basis").fill("《中华人民共和国商标法》第六十条第二款")
    page.locator("#f-decision-present").select_option("yes")
    page.locator("#do-decide").click()
    expect(page.locator("dl.penalty-decision")).to_contain_text("¥30,000.00")

    page.locator("#issue-penalty_decision").click()
    page.locator("#f-facts").fill("当事人在其网店销售假冒“龙井”注册商标的茶叶共计120盒。")
    page.locator("#f-evidence").fill("现场检查笔录、网店页面截图（存证编号见案卷）、商标注册证。")
    page.locator("#issue").click()
    number = page.locator("#document-number")
    expect(number).to_contain_text(f"〔{_today().year}〕第")
    expect(number).to_contain_text("罚字")
    expect(page.locator("#publicity-due")).to_contain_text(
        _due("publicity.dual_publicity", _today())
    )
    expect(page.locator("main")).to_contain_text("人民币叁万元整")
