"""Steps of a case that several browser tests take, as an officer or a member of the public does
them on the pages: file a complaint, import a hotline ticket, open, accept and route a case, decide
a penalty and issue its decision. Each act may be dated (`on`): an act left undated is done today,
the server's today in Asia/Shanghai."""

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from ipprotect.core import rules
from ipprotect.core.calendar import Period, WorkCalendar, due_date
from tests.e2e.conftest import demo_account, log_in

OFFICER = demo_account("officer")
XIHU = "330106"


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def due(rule_id: str, start: dt.date) -> str:
    period = Period.from_dict(rules.period(rule_id, on=start, region=XIHU))
    # The demo loads no calendar overrides: the server counts on the bundled schedule too.
    return due_date(start, period, WorkCalendar()).date.isoformat()


def _date(on: dt.date | None) -> str:
    return on.isoformat() if on else ""


def file_complaint(page: Page, respondent: str) -> str:
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
        due("complaints.acceptance_decision", today())
    )
    return page.locator("#tracking-code").inner_text().strip()


def open_as_officer(page: Page, code: str) -> None:
    log_in(page, OFFICER.username, OFFICER.password)
    page.goto(f"/cases?q={code}")
    page.get_by_role("link", name=code).click()


def import_hotline_ticket(
    page: Page, ticket: str, received_on: dt.date, respondent: str, uscc: str
) -> None:
    """The logged-in officer imports a 12345 hotline export of one ticket, waits for the job,
    and opens the case it made (found by the respondent's name)."""
    export = (
        "工单编号,受理时间,诉求人,联系电话,被反映对象,统一社会信用代码,行政区划代码,诉求内容\n"
        f"{ticket},{received_on:%Y/%-m/%-d} 09:12:00,杭州龙井茶业有限公司,0571-87001234,"
        f"{respondent},{uscc},{XIHU},{respondent}在网店销售假冒“龙井”注册商标的茶叶。\n"
    )
    page.goto("/cases/import")
    form = page.locator("#hotline-import")
    form.locator("#f-file").set_input_files(
        files=[{"name": "12345.csv", "mimeType": "text/csv", "buffer": export.encode()}]
    )
    form.locator('button[type="submit"]').click()
    expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded")
    expect(page.locator('#job-counts [data-count="created"]')).to_have_text("1")
    page.goto("/cases?" + f"q={respondent}")
    page.locator("tbody tr", has_text=respondent).get_by_role("link").first.click()


def accept(page: Page, on: dt.date | None = None) -> None:
    page.locator("#f-on").fill(_date(on))
    page.locator("#accept").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "accepted")


def enter_channel(page: Page, channel: str, on: dt.date | None = None) -> None:
    page.locator("#f-channel").select_option(channel)
    page.locator("#f-channel-on").fill(_date(on))
    page.locator("#enter-channel").click()


def accept_and_mediate(page: Page) -> None:
    accept(page)
    enter_channel(page, "mediation")
    expect(page.locator('#channel-steps tr[data-step="mediating"] .due')).to_contain_text(
        due("complaints.mediation_limit", today())
    )


def _transition(page: Page, name: str, on: dt.date | None) -> None:
    page.locator(f"#f-on-{name}").fill(_date(on))
    page.locator(f"#do-{name}").click()


def decide_penalty(
    page: Page,
    fine: str,
    basis: str,
    notified: dt.date | None = None,
    decided: dt.date | None = None,
) -> None:
    """From the investigation: the party is told of the intended penalty and waives its right to
    state its case; the officer decides a fine and an order to stop, the party present."""
    _transition(page, "notify", notified)
    _transition(page, "record_waiver", notified)
    form = page.locator("form.channel-action", has=page.locator("#do-decide"))
    form.locator('input[name="decision_measures"][value="fine"]').check()
    form.locator('input[name="decision_measures"][value="order_to_stop"]').check()
    page.locator("#f-decision-fine").fill(fine)
    page.locator("#f-decision-basis").fill(basis)
    page.locator("#f-decision-present").select_option("yes")
    _transition(page, "decide", decided)


def issue_penalty_decision(page: Page, facts: str, issued: dt.date | None = None) -> str:
    """Issue the 行政处罚决定书 from the case page; returns its number."""
    page.locator("#issue-penalty_decision").click()
    page.locator("#f-facts").fill(facts)
    page.locator("#f-evidence").fill("现场检查笔录、网店页面截图（存证编号见案卷）、商标注册证。")
    page.locator("#f-issued_on").fill(_date(issued))
    page.locator("#issue").click()
    number = page.locator("#document-number")
    expect(number).to_contain_text("罚字")
    return number.inner_text().strip()
