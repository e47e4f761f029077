"""Evidence in a real browser: a rights holder's officer deposits a screenshot, downloads the
receipt, prints the deposit certificate, and anyone verifies them on the public page without
logging in; the same receipt with a tampered file is rejected. The server is the real one, with
its log keeper signing checkpoints every two seconds."""

import hashlib

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import demo_account, log_in

OFFICER = demo_account("officer")
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + "侵权商品页面截图 2026-11-22".encode() * 200
TAMPERED = SCREENSHOT[:-1] + b"!"
RECEIPT_SECONDS = 20  # the keeper signs every 2 s; generous for a loaded machine


def _wait_for_receipt(page: Page) -> None:
    """Reload the deposit's page until a signed checkpoint covers it, as a user would."""
    for _ in range(RECEIPT_SECONDS * 2):
        if page.locator("#receipt").count():
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("#receipt")).to_be_visible()


def test_deposit_receipt_certificate_and_public_verification_in_the_browser(
    page: Page, browser: Browser, server_url: str
) -> None:
    log_in(page, OFFICER.username, OFFICER.password)
    page.goto("/evidence/new")
    page.locator("#f-file").set_input_files(
        files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": SCREENSHOT}]
    )
    page.locator("#f-title").fill("淘宝店铺侵权页面截图")
    page.locator("#f-source").fill("https://item.example.com/12345")
    page.get_by_role("button", name="提交存证").click()

    main = page.locator("main")
    sha256 = hashlib.sha256(SCREENSHOT).hexdigest()
    expect(main).to_contain_text(sha256)
    expect(main).to_contain_text("image/png")  # sniffed from the bytes, not the name
    _wait_for_receipt(page)
    with page.expect_download() as download:
        page.locator("#receipt").click()
    receipt = download.value.path().read_bytes()
    assert receipt.startswith(b"c2sp.org/tlog-proof@v1\n")

    page.locator("#certificate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("存证证书")
    certificate = page.locator("main")
    expect(certificate).to_contain_text(sha256)
    expect(page.locator("#qr svg")).to_be_visible()
    index = page.locator("#cert-index").inner_text().strip()
    assert page.pdf(format="A4").startswith(b"%PDF-")  # it prints
    verify_url = page.locator("#verify-url").get_attribute("href")
    assert verify_url is not None
    assert f"index={index}" in verify_url

    # Anyone, not logged in: the QR code's page, then the receipt with the file, then a forgery.
    public = browser.new_context(base_url=server_url, locale="zh-CN").new_page()
    public.goto(verify_url)
    expect(public.locator("main")).to_contain_text(f"记录的 SHA-256 为 {sha256}")
    public.goto("/verify")
    public.locator("#f-receipt").set_input_files(
        files=[{"name": "deposit.tlog-proof", "mimeType": "text/plain", "buffer": receipt}]
    )
    public.locator("#f-file").set_input_files(
        files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": SCREENSHOT}]
    )
    public.get_by_role("button", name="验证").click()
    expect(public.locator("#verdict")).to_contain_text("回执验证通过")
    expect(public.locator('tr[data-check="file"]')).to_have_attribute("data-status", "passed")

    public.goto("/verify")
    public.locator("#f-receipt").set_input_files(
        files=[{"name": "deposit.tlog-proof", "mimeType": "text/plain", "buffer": receipt}]
    )
    public.locator("#f-file").set_input_files(
        files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": TAMPERED}]
    )
    public.get_by_role("button", name="验证").click()
    expect(public.locator("#verdict")).to_contain_text("回执验证未通过")
    expect(public.locator('tr[data-check="file"]')).to_have_attribute("data-status", "failed")
    expect(public.locator('tr[data-check="inclusion"]')).to_have_attribute("data-status", "passed")
    public.context.close()
