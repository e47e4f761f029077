"""Credit supervision in a real browser: a credit officer proposes a listing, notifies the
party and decides it (each act dated on its day, the 5 working days to state the case passed);
a procurement system's restriction check through its API token answers `restricted` with the
basis; the public list shows the entity with the mobile number in the basis masked; after the
publicity minimum the repair is applied for and approved, and the same check answers `clear`
while the public list no longer shows the entity."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from ipprotect.core import ids
from tests.e2e.conftest import demo_account, log_in

MOBILE = "13812345678"


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


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


def test_a_listing_restricts_procurement_until_it_is_repaired(page: Page) -> None:
    today = _today()
    proposed = today - dt.timedelta(days=130)
    decided = today - dt.timedelta(days=110)  # general: the minimum ends 3 months later
    uscc = ids.make_uscc("9", "1", "330106", f"{random.randrange(10**8):08d}")
    name = f"杭州浏览器测试商贸有限公司{uscc[-4:]}"
    token = _system_token(page)

    _as(page, "credit")
    page.goto("/credit/listings")
    page.locator("#propose-link").click()
    form = page.locator("#propose-form")
    form.locator("#f-entity_name").fill(name)
    form.locator("#f-entity_uscc").fill(uscc)
    form.locator("#f-region_code").fill("330106")
    form.locator("#f-behaviour").select_option("deliberate_infringement")
    form.locator("#f-class").select_option("general")
    form.locator('input[name="measures"][value="government_procurement"]').check()
    form.locator("#f-basis").fill(f"两次销售假冒注册商标的茶叶，联系电话{MOBILE}")
    form.locator("#f-on").fill(proposed.isoformat())
    form.locator('button[type="submit"]').click()
    expect(page.locator("#listing-status")).to_have_text("拟列入")

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
    assert dt.date.fromisoformat(minimum) < today

    restricted = _check(page, token, uscc, name)
    assert restricted["decision"] == "restricted"
    listings = restricted["listings"]
    assert isinstance(listings, list)
    assert len(listings) == 1
    assert "市场监督管理严重违法失信名单管理办法" in listings[0]["basis"]

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
    repair.locator('input[name="on"]').fill((today - dt.timedelta(days=2)).isoformat())
    repair.locator('button[type="submit"]').click()
    expect(page.locator(".repair-status")).to_have_text("已申请")
    review = page.locator(".review-form")
    review.locator('input[name="on"]').fill((today - dt.timedelta(days=1)).isoformat())
    review.locator('button[value="approve"]').click()
    expect(page.locator("#listing-status")).to_have_text("已修复移出")

    assert _check(page, token, uscc, name)["decision"] == "clear"
    page.goto(f"/public/dishonest?q={uscc}")
    expect(page.locator("#dishonest")).not_to_contain_text(name)
