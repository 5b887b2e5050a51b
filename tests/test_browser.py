"""The browser fixture itself: it renders local HTML, runs its script, and refuses the network."""

from __future__ import annotations

from pathlib import Path

from browser import file_url


def test_renders_local_html_and_runs_script(browser_page, tmp_path: Path) -> None:
    page_file = tmp_path / "p.html"
    page_file.write_text(
        "<!doctype html><p id=a>one</p><script>document.getElementById('a').textContent = 'two'</script>",
        encoding="utf-8",
    )
    browser_page.goto(file_url(page_file))
    assert browser_page.locator("#a").text_content() == "two"
    assert browser_page.js_errors == []


def test_network_is_refused(browser_page, tmp_path: Path) -> None:
    page_file = tmp_path / "p.html"
    page_file.write_text(
        "<!doctype html><script>const i = new Image(); i.onerror = () => document.title = 'refused';"
        "i.src = 'http://example.org/x.png'</script>",
        encoding="utf-8",
    )
    browser_page.goto(file_url(page_file))
    browser_page.wait_for_function("document.title === 'refused'")
