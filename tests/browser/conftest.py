"""Pages in a real browser: Playwright for Python driving Debian's Chromium against the live test server.

Playwright's own browser download is not available here, so it launches /usr/bin/chromium (or
LAUREL_CHROMIUM); without Chromium these tests skip (or, in CI, fail) naming the package.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.services import require_program

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
STAFF_PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module.

    While Playwright's sync API is started it keeps an event loop running in this thread; the
    tests' own ORM calls are still synchronous, so Django's guard against ORM use inside a loop is
    lifted for the module's tests only, and put back after (a `manage.py check --deploy` run by
    another module must not inherit it).
    """
    executable = os.environ.get("LAUREL_CHROMIUM") or require_program("chromium", package="chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab at 1280 px; `page.goto("/admin/")` is relative to the live server."""
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def sign_in(page, username: str, password: str = STAFF_PASSWORD) -> None:
    """Sign in through the admin's own sign-in form, as a person would."""
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def wait_until(page, condition, what: str, seconds: int = 20) -> None:
    """Polls `condition` from the test (the pages' CSP forbids evaluating a string in them)."""
    for _ in range(seconds * 10):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not {what} within {seconds} seconds")


@pytest.fixture
def superuser_page(page, db):
    """A tab signed in as a superuser (no two-factor device, as the default allows)."""
    User.objects.create_superuser("admin@example.org", "admin@example.org", STAFF_PASSWORD)
    sign_in(page, "admin@example.org")
    return page


DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where a test's screenshots go: its own temporary folder, or docs/images with LAUREL_DOCS_SCREENSHOTS=1
    (to refresh the documentation's pictures), so a test run leaves the checkout as it found it."""
    return DOCS_IMAGES if os.environ.get("LAUREL_DOCS_SCREENSHOTS") == "1" else tmp_path
