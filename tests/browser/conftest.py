"""Browser tests: the admin console and /docs in a real Chromium (Debian's, driven by Playwright).

The running system is the end-to-end one (``system``, ``admin``, ``public``, ``mailbox`` of
tests/conftest.py): one per run for both suites. Chromium is started once per test module and
closed at its end: Playwright's sync API keeps an asyncio loop running in this thread while it is
open, which the end-to-end tests after these (their own loops) must not meet.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from trainyard_common.testing.system import System

CHROMIUM = Path("/usr/bin/chromium")
VIEWER_PASSWORD = secrets.token_urlsafe(16)

# The browser lane runs beside the other lanes on two CPUs: in CI, Swagger UI once took longer than
# Playwright's default 5 s to parse its bundle and draw /docs (the heading was there just after the
# timeout). An assertion on something that never appears still fails, only later.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser(system: System) -> Iterator[Browser]:
    """Chromium, started after the system (whose start-up runs its own asyncio loops: Playwright's
    sync API keeps one running in this thread while it is open)."""
    if not CHROMIUM.exists():  # a missing browser must not pass as a skipped suite
        pytest.fail("Chromium is not installed at /usr/bin/chromium: `make browser` installs it")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context()
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def viewer(system: System) -> tuple[str, str]:
    """A viewer admin's username and password."""
    username = f"viewer-{secrets.token_hex(4)}"
    with system.admin() as client:
        created = client.post(
            "/api/v1/admin/admins", json={"username": username, "password": VIEWER_PASSWORD, "role": "viewer"}
        )
        assert created.status_code == 201, created.text
    return username, VIEWER_PASSWORD
