"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live_server.

Skipped when Chromium is not installed, unless REQUIRE_BROWSER=1 (as in .ci/run), where a
missing browser is an error. `playwright install` cannot download browsers here.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# alongside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture(params=["desktop", "phone"])
def page(request, browser, live_server):
    size = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}[request.param]
    context = browser.new_context(viewport=size, locale="en-GB", base_url=live_server.url,
                                  is_mobile=request.param == "phone")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.device = request.param
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    def shoot(name, other=None, device=None):
        """Save a full-page PNG of `page` (or of `other`, a second window) under test-artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        (other or page).screenshot(path=str(ARTIFACTS / f"{name}-{device or page.device}.png"), full_page=True)

    return shoot


def header_menu(page):
    """The header's links and buttons, after opening the menu where it is folded (a phone)."""
    # By the width, as the stylesheet decides (760 px): asking whether the button is visible can
    # be answered before the stylesheet applies, on a page that is still loading.
    if page.viewport_size["width"] < 760 and not page.locator("#menu-toggle").is_checked():
        page.locator("label.menu-button").click()
    return page.locator("header")


def confirm(page, step, yes):
    """An irreversible step: open it (its <summary>), then press its confirmation button."""
    page.locator("details.confirm > summary", has_text=step).click()
    page.get_by_role("button", name=yes).click()
