"""A case document in a real browser: an officer mediates a complaint to agreement, issues the
mediation agreement from the case page, and prints it: A4, the document alone, without the
platform's navigation or the record of its deposit."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.steps import accept_and_mediate, file_complaint, open_as_officer, today

# A4 is 210 x 297 mm: 595.3 x 841.9 points; Chromium writes 594.96 x 841.92.
A4_POINTS = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+59[45](\.\d+)?\s+84[12](\.\d+)?\s*\]")


def test_an_agreement_is_issued_from_the_case_page_and_prints_alone_on_a4(page: Page) -> None:
    code = file_complaint(page, "杭州某某茶叶批发部")
    open_as_officer(page, code)
    accept_and_mediate(page)
    page.locator("#do-agree").click()
    page.locator("#issue-mediation_agreement").click()
    page.locator("#f-dispute").fill("被申请人在网店销售假冒“龙井”注册商标的茶叶。")
    page.locator("#f-terms").fill(
        "一、被申请人立即停止销售；二、被申请人赔偿申请人人民币一万五千元。"
    )
    page.locator("#issue").click()

    number = page.locator("#document-number")
    expect(number).to_contain_text(f"调字〔{today().year}〕第")
    issued = number.inner_text().strip()
    article = page.locator("article.official-document")
    expect(article.locator("h1")).to_have_text("调解协议书")
    expect(article).to_contain_text("共同向有管辖权的人民法院申请司法确认")
    expect(page.locator("#deposit-link")).to_be_visible()

    page.emulate_media(media="print")
    expect(article).to_be_visible()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".document-record")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True)
    assert A4_POINTS.search(pdf), "the document does not print on A4"

    page.emulate_media(media="screen")
    page.locator("#deposit-link").click()
    expect(page.locator("main")).to_contain_text(f"调解协议书 {issued}")  # the deposit's title
