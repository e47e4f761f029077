"""Credit supervision in a real browser, from a penalty decision to the end of its listing: an
officer imports a 12345 hotline ticket against a company, takes the case to a penalty decision and
issues the 行政处罚决定书; the decision waits in the dual publicity list until a credit officer
publishes it on the public portal; the company's credit file shows it by its number, and from
that entry the credit officer proposes a listing, notifies the party and decides it (each act
dated on its day, the 5 working days to state the case passed); a procurement system's
restriction check through its API token answers `restricted` with the basis; the public list shows
the entity with the mobile number in the basis masked; after the publicity minimum the repair is
applied for and approved, and the same check answers `clear` while the public list no longer
shows the entity."""

import datetime as dt
import random

from playwright.sync_api import Page, expect

from ipprotect.core import ids
from tests.e2e.conftest import demo_account, log_in
from tests.e2e.steps import (
    accept,
    decide_penalty,
    due,
    enter_channel,
    import_hotline_ticket,
    issue_penalty_decision,
    today,
)

MOBILE = "13812345678"


def _as(page: Page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, demo_account(username).password)
    expect(page.locator("header.top")).to_contain_text(f"{username} · ")


def _system_token(page: Page) -> str:
    """The demo administrator creates a token for the city's procurement system."""
    _as(page, "admin")
    page.goto("/admin/tokens")
    form = page.locator('form[action="/admin/tokens"]')
    form.locator('input[name="name"]').fill("杭州市政府采购系统（浏览器测试）")
    form.locator('select[name="role"]').select_option("system")
    form.locator('input[name="region_codes"]').fill("330100")
    form.locator('button[type="submit"]').click()
    return page.locator("#f-token").input_value()


def _check(page: Page, token: str, uscc: str, name: str) -> dict[str, object]:
    answer = page.request.post(
        "/api/v1/credit/check",
        data={"purpose": "procurement", "uscc": uscc, "name": name},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200, answer.text()
    body: dict[str, object] = answer.json()
    return body


def _act(page: Page, form_id: str, on: dt.date, **fields: str) -> None:
    form = page.locator(f"#{form_id}")
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('input[name="on"]').fill(on.isoformat())
    form.locator('button[type="submit"]').first.click()


def _penalty_decision(page: Page, uscc: str, name: str, received: dt.date) -> str:
    """The officer's case, from the hotline ticket to the issued decision; returns its number."""
    _as(page, "officer")
    import_hotline_ticket(page, f"12345-{uscc[-8:]}", received, name, uscc)
    accept(page, on=received)
    enter_channel(page, "admin_penalty", on=received + dt.timedelta(days=1))
    decide_penalty(
        page,
        fine="30000",
        basis="《中华人民共和国商标法》第六十条第二款",
        notified=received + dt.timedelta(days=8),
        decided=received + dt.timedelta(days=20),
    )
    expect(page.locator("dl.penalty-decision")).to_contain_text("¥30,000.00")
    issued = received + dt.timedelta(days=20)
    number = issue_penalty_decision(
        page, facts="当事人在其网店销售假冒“龙井”注册商标的茶叶共计120盒。", issued=issued
    )
    assert f"〔{issued.year}〕第" in number
    expect(page.locator("#publicity-due")).to_contain_text(due("publicity.dual_publicity", issued))
    return number


def test_a_penalty_decision_leads_to_a_listing_that_restricts_procurement_until_repaired(
    page: Page,
) -> None:
    day = today()
    received = day - dt.timedelta(days=150)
    issued = received + dt.timedelta(days=20)  # the penalty decision, 130 days ago
    proposed = issued + dt.timedelta(days=1)
    decided = day - dt.timedelta(days=110)  # general: the minimum ends 3 months later
    uscc = ids.make_uscc("9", "1", "330106", f"{random.randrange(10**8):08d}")
    name = f"杭州浏览器测试商贸有限公司{uscc[-4:]}"
    token = _system_token(page)
    number = _penalty_decision(page, uscc, name, received)

    # 双公示: the credit officer finds the decision among those to publish and publishes it.
    _as(page, "credit")
    page.locator('header a[href="/credit/publicity"]').click()
    page.locator("#to-publish tr", has_text=number).get_by_role("link", name=number).click()
    page.locator("#f-published_on").fill((issued + dt.timedelta(days=2)).isoformat())
    page.locator("#publish button[type=submit]").click()
    publication = page.url
    page.get_by_role("link", name="公示页面").click()
    expect(page.locator("#decision")).to_contain_text(name)
    page.goto(f"/public/decisions?q={uscc}")
    expect(page.locator("#decisions tbody tr", has_text=number)).to_contain_text(name)

    # The company's credit file shows the decision; the listing is proposed from that entry.
    page.goto(publication)
    page.locator("#credit-file-link").click()
    entry = page.locator('#credit-file li[data-kind="penalty"]', has_text=number)
    expect(entry).to_contain_text("行政处罚决定书")
    entry.locator("a.propose-from").click()
    form = page.locator("#propose-form")
    expect(form.locator("#source-record")).to_contain_text(number)
    expect(form.locator("#f-entity_name")).to_have_value(name)
    expect(form.locator("#f-entity_uscc")).to_have_value(uscc)
    expect(form.locator("#f-region_code")).to_have_value("330106")
    expect(form.locator("#f-behaviour")).to_have_value("deliberate_infringement")
    form.locator("#f-class").select_option("general")
    form.locator('input[name="measures"][value="government_procurement"]').check()
    basis = form.locator("#f-basis")
    expect(basis).to_contain_text(number)  # the facts start from the decision
    basis.fill(f"{basis.input_value()}\n两次销售假冒注册商标的茶叶，联系电话{MOBILE}")
    form.locator("#f-on").fill(proposed.isoformat())
    form.locator('button[type="submit"]').click()
    expect(page.locator("#listing-status")).to_have_text("拟列入")
    expect(page.locator("#listing-source")).to_contain_text(number)

    _act(page, "notice-form", proposed)
    expect(page.locator("#listing-status")).to_have_text("已告知")
    _act(
        page,
        "decide-form",
        decided,
        document_no=f"杭市监信列字〔{decided.year}〕第{uscc[-4:]}号",
        authority="杭州市市场监督管理局",
    )
    expect(page.locator("#listing-status")).to_have_text("已列入")
    minimum = page.locator("#publicity-min").inner_text().strip()
    assert dt.date.fromisoformat(minimum) < day

    restricted = _check(page, token, uscc, name)
    assert restricted["decision"] == "restricted"
    listings = restricted["listings"]
    assert isinstance(listings, list)
    assert len(listings) == 1
    assert "市场监督管理严重违法失信名单管理办法" in listings[0]["basis"]
    assert number in listings[0]["basis"]

    page.goto(f"/public/dishonest?q={uscc}")
    row = page.locator("#dishonest tbody tr", has_text=name)
    expect(row).to_be_visible()
    expect(row).not_to_contain_text(MOBILE)
    expect(row).to_contain_text(MOBILE[:3])

    page.goto(f"/credit/listings?q={uscc}")
    page.locator("#listings a", has_text=name).click()
    repair = page.locator("#repair-form")
    for ground in ("corrected", "obligations_performed", "public_commitment"):
        repair.locator(f'input[name="{ground}"]').check()
    repair.locator('textarea[name="text"]').fill("已停止销售并缴清罚款，已公开作出信用承诺")
    repair.locator('input[name="on"]').fill((day - dt.timedelta(days=2)).isoformat())
    repair.locator('button[type="submit"]').click()
    expect(page.locator(".repair-status")).to_have_text("已申请")
    review = page.locator(".review-form")
    review.locator('input[name="on"]').fill((day - dt.timedelta(days=1)).isoformat())
    review.locator('button[value="approve"]').click()
    expect(page.locator("#listing-status")).to_have_text("已修复移出")

    assert _check(page, token, uscc, name)["decision"] == "clear"
    page.goto(f"/public/dishonest?q={uscc}")
    expect(page.locator("#dishonest")).not_to_contain_text(name)
