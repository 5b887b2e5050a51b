"""A real headless browser for tests of HTML output: Debian's chromium driven by Playwright for Python.

Usage in a test module (the fixtures are registered for the whole suite by ``tests/conftest.py``)::

    def test_report(browser_page, tmp_path):
        browser_page.goto(file_url(tmp_path / "report.html"))
        assert browser_page.locator(".block").count() == 12

``chromium`` is one browser per test session (launching takes about a second); ``browser_page`` is a fresh page
in its own context per test, closed afterwards, with network requests other than ``file:`` and ``data:`` refused,
so a report that needs the network fails its test instead of passing on a connected machine.

Nothing downloads: we launch the system chromium (``apt-get install chromium``, which ``.ci/run`` does when it is
missing) by path, never Playwright's own browser builds. When chromium or the playwright package is absent, the
fixtures skip with that reason; when both are there but the browser fails to start, the test errors (a broken
setup must not pass as a skip). Outside pytest, ``launch()`` gives a browser to a script.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the package is optional: only the type names are needed here
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = os.environ.get("BLOCKSIFT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # tests run as root in CI containers, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT = {"width": 1280, "height": 900}


def missing() -> str | None:
    """Why the browser cannot run here, or None when chromium and playwright are both installed."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def launch(playwright: Playwright) -> Browser:
    """Start the system chromium, headless, with nothing that reaches the network in the background."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True)


def file_url(path: Path) -> str:
    """The ``file:`` URL of a local file, for ``page.goto``."""
    return path.resolve().as_uri()


def _refuse_network(route: Any) -> None:
    """Let local files and inline data load; abort anything else (a report must be self-contained)."""
    url: str = route.request.url
    if url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless chromium for the session; skips where chromium or playwright is absent."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    """A fresh page (own context, 1280x900) that refuses network requests and records the page's JS errors."""
    context = chromium.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.route("**/*", _refuse_network)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]  # tests assert it stays empty
    try:
        yield page
    finally:
        context.close()
