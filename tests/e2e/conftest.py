"""Browser tests: the real server in a subprocess, driven by Debian's Chromium through Playwright.

Every test under tests/e2e is marked `e2e`, so `pytest -m "not e2e"` leaves them out (the
PostgreSQL pass of `make test` does). Playwright's own browser download cannot work here: the
browser is /usr/bin/chromium, installed by scripts/system-deps.sh. A failing test leaves a
screenshot in test-artifacts/.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ipprotect.demo import ACCOUNTS, DemoAccount

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parents[1] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps calling Google's services, which this machine's
# closed network refuses; --no-sandbox because the tests may run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IPPROTECT = Path(sys.executable).with_name("ipprotect")  # the console script of this venv
SERVER_START_SECONDS = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test, so the `page` fixture knows whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def demo_account(username: str) -> DemoAccount:
    """One of the accounts `ipprotect demo` creates (and `make run` prints), to log in with."""
    return next(account for account in ACCOUNTS if account.username == username)


def log_in(page: Page, username: str, password: str) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login")
    form = page.locator('form[action="/login"]')
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()


def _ipprotect(env: dict[str, str], cwd: Path, *args: str) -> None:
    subprocess.run([IPPROTECT, *args], env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def _prepare_data_dir(env: dict[str, str], data_dir: Path) -> None:
    """What `make run` does before serving: migrate, then load the demo city and its accounts."""
    _ipprotect(env, data_dir, "db", "upgrade")
    _ipprotect(env, data_dir, "demo")


def _wait_until_healthy(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll the health endpoint until it answers, the server dies, or the deadline passes."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as response:  # noqa: S310 - our own http://127.0.0.1 URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        try:
            # Waiting on the process both paces the polling and notices an early exit.
            code = server.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the server exited with {code}:\n{log.read_text()}")
    pytest.fail(f"the server did not answer within {SERVER_START_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real `ipprotect serve` on a free loopback port, with its own database."""
    data_dir = tmp_path_factory.mktemp("e2e-var")
    # The working directory is the data directory, so a developer's .env is not read.
    env = {**os.environ, "IPPROTECT_DATA_DIR": str(data_dir), "IPPROTECT_DATABASE_URL": ""}
    _prepare_data_dir(env, data_dir)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [IPPROTECT, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=data_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(server, url, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh (or `make test`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context per test, as a user in China sees the site."""
    context = browser.new_context(base_url=server_url, locale="zh-CN", timezone_id="Asia/Shanghai")
    # Fail in seconds rather than Playwright's default 30 s when an element never appears.
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
