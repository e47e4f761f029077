"""A registry officer's day in a real browser: register an entity, fix a wrong credit code after
reading the Chinese error next to it, find the entity, read the page in English, export the list."""

import io

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from ipprotect.core import ids
from ipprotect.core.tabular import read_table
from tests.e2e.conftest import demo_account, log_in

OFFICER = demo_account("officer")
NAME = "杭州钱塘浏览器测试科技有限公司"
VALID = ids.make_uscc("9", "1", "330114", "E2E7EA31")
TYPO = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")  # the last character mistyped


def test_officer_registers_an_entity_fixes_its_code_finds_it_and_exports_the_list(
    page: Page,
) -> None:
    log_in(page, OFFICER.username, OFFICER.password)
    page.goto("/registry/entities/new")
    page.locator("#f-name").fill(NAME)
    page.get_by_label("统一社会信用代码").fill(TYPO.lower())
    page.get_by_role("button", name="保存").click()

    # The error is in Chinese, next to the field, and the field is marked invalid.
    error = page.locator("#e-uscc")
    expect(error).to_be_visible()
    expect(error).to_contain_text("校验")
    expect(page.locator("#f-uscc")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-name")).to_have_value(NAME)  # nothing typed is lost

    page.get_by_label("统一社会信用代码").fill(f"{VALID[:6]} {VALID[6:]}")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator("main")).to_contain_text(VALID)
    expect(page.locator("main")).to_contain_text("钱塘区")  # region taken from the code

    page.goto("/registry/entities")
    page.get_by_label("名称或统一社会信用代码").fill("钱塘浏览器")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table")).to_contain_text(NAME)

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Market entities")
    expect(page.locator("table")).to_contain_text(NAME)

    with page.expect_download() as csv_download:
        page.locator('[data-export="csv"]').click()
    table = read_table(csv_download.value.path().read_bytes(), "entities.csv")
    assert [row.values for row in table.rows if VALID in row.values.values()], table.rows[:3]

    with page.expect_download() as xlsx_download:
        page.locator('[data-export="xlsx"]').click()
    sheet = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes())).active
    assert sheet is not None
    assert any(VALID in [str(cell) for cell in row] for row in sheet.iter_rows(values_only=True))
