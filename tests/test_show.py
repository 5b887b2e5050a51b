"""`blocksift show`: the per-block attribution (exact for the two-stage model) and the HTML report, in a browser."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from blocksift.align import align
from blocksift.blocks import segment
from blocksift.cli import app
from blocksift.context import context_features
from blocksift.explain import attribute, context_row_updates
from blocksift.features import page_matrices
from blocksift.markup import markup_signals
from blocksift.model import BlockClassifier
from blocksift.modelfile import default_model, load_model
from blocksift.page import parse_html
from blocksift.show import build_view, render_report
from browser import file_url
from conftest import REPO, SAMPLE

PAGE = SAMPLE / "html" / "news-ferry-timetable.html"
GOLD = SAMPLE / "gold" / "news-ferry-timetable.txt"
SCREENSHOT_ENV = "BLOCKSIFT_DOCS_SCREENSHOT"  # set to 1 to refresh docs/show.png from the browser test


def _page(path: Path = PAGE):
    seg = segment(parse_html(path.read_bytes()))
    X, shape = page_matrices(seg)
    tokens = np.array([b.n_tokens for b in seg.blocks], dtype=np.float64)
    return seg, X, shape, tokens


def _with_conventions(model, X: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The page's block features and the convention columns the shipped model's stages read after them."""
    columns = model.conventions_.columns(X, np.zeros(len(X), dtype=np.int64), markup_signals(PAGE.read_bytes()))
    return np.hstack([X, columns])


def test_context_row_updates_match_the_whole_page_recomputed() -> None:
    _, X, shape, tokens = _page()
    model = default_model()
    X = _with_conventions(model, X)
    p1 = model.stage1_proba([X])
    rng = np.random.default_rng(1)
    rows = rng.integers(0, len(X), 40)
    # new scores on both sides of the likely-content cut, and the block's own score (no change)
    new = np.concatenate([rng.random(38), p1[rows[38:]]])
    fast = context_row_updates(p1, tokens, shape.astype(np.int64), rows, new)
    for k, (i, v) in enumerate(zip(rows, new, strict=True)):
        changed = p1.copy()
        changed[i] = v
        whole = context_features(changed, tokens, shape, np.zeros(len(X), dtype=np.int64))[i]
        np.testing.assert_allclose(fast[k], whole, atol=1e-6, err_msg=f"row {i}, p1 -> {v}")


def test_two_stage_weights_equal_the_model_rerun_with_one_feature_at_its_reference() -> None:
    _, X, shape, tokens = _page()
    model = default_model()
    markup = markup_signals(PAGE.read_bytes())
    attr = attribute(model, X, tokens, shape, markup)
    proba = model.predict_proba(X, tokens=tokens, structure=shape, markup=markup)[:, 1]
    np.testing.assert_allclose(attr.proba, proba)
    assert attr.names[X.shape[1] : X.shape[1] + len(model.convention_names_)] == model.convention_names_
    n_block = X.shape[1] + len(model.convention_names_)
    rng = np.random.default_rng(2)
    checked = 0
    for i in rng.choice(len(X), 8, replace=False):
        for w in attr.top(int(i)):
            j = attr.names.index(w.name)
            if j < X.shape[1]:  # a block feature: the whole two-stage predictor on the changed page
                changed = X.copy()
                changed[i, j] = attr.reference[j]
                again = model.predict_proba(changed, tokens=tokens, structure=shape, markup=markup)[i, 1]
            elif j < n_block:  # a convention column: both stages, the block's own row changed
                changed = _with_conventions(model, X)
                changed[i, j] = attr.reference[j]
                ctx = context_features(model.stage1_proba([changed]), tokens, shape, np.zeros(len(X), dtype=np.int64))
                again = model.forest_.predict_proba(np.hstack([changed, ctx]))[i]
            else:  # a context column: the final forest on the changed design row
                row = attr.values[i].copy()
                row[j] = attr.reference[j]
                again = model.forest_.predict_proba(row[None, :])[0]
            assert w.weight == pytest.approx(proba[i] - again, abs=1e-9), (i, w.name)
            checked += 1
    assert checked > 15
    # a feature at its reference weighs nothing; the top list is sorted by size
    same = attr.values == attr.reference
    assert not attr.weights[same].any()
    sizes = [abs(w.weight) for w in attr.top(int(np.argmax(proba)))]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) <= 8


def test_one_stage_model_weights() -> None:
    seg, X, shape, tokens = _page()
    y = align(seg, GOLD.read_text(encoding="utf-8")).labels
    model = BlockClassifier(context=False, max_iter=15, max_leaf_nodes=7, min_samples_leaf=3, validation_fraction=0)
    model.fit(X, y, tokens=tokens, structure=shape)
    assert not model.stage1_
    attr = attribute(model, X, tokens, shape)
    assert len(attr.names) == X.shape[1]
    assert np.abs(attr.weights).max() > 0.01
    for i in range(0, len(X), 7):
        for w in attr.top(i, 3):
            j = attr.names.index(w.name)
            changed = X.copy()
            changed[i, j] = attr.reference[j]
            assert w.weight == pytest.approx(attr.proba[i] - model.predict_proba(changed)[i, 1], abs=1e-9)


def test_report_is_self_contained_and_has_every_block() -> None:
    view = build_view(PAGE.read_bytes(), source=PAGE.name, gold=GOLD.read_text(encoding="utf-8"))
    html = render_report(view)
    n = len(view.extraction.blocks)
    assert len(re.findall(r'<div class="block ', html)) == n
    # nothing fetched: no external scripts, styles, images, fonts or frames
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html, re.I)
    assert "@import" not in html and "url(" not in html
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S).group(1))
    assert len(data["blocks"]) == n and data["gold"] is True
    fk, fd = int(view.wrongly_kept.sum()), int(view.wrongly_dropped.sum())
    assert html.count('data-mistake="fp"') == fk and html.count('data-mistake="fn"') == fd
    assert view.gold_f1 is not None and 0.0 <= view.gold_f1 <= 1.0


def test_report_escapes_page_text() -> None:
    page = b"<html><head><title>x</title></head><body><p>a </script><b>&lt;script&gt;alert(1)&lt;/script&gt;</b></p>"
    html = render_report(build_view(page))
    assert "<script>alert(1)" not in html
    assert html.count("<script") == 2  # the data and the report's own script


def test_report_of_a_page_without_expected_content() -> None:
    """A model that expects no content on the page keeps nothing; the report says so, and marks no block a
    repeat (blocks over the cut were dropped by the rule, not as copies)."""
    strict = load_model()
    strict.empty_below_ = 1.0
    view = build_view(PAGE.read_bytes(), model=strict)
    assert view.extraction.no_content and not view.extraction.keep.any()
    html = render_report(view)
    assert "none expected</b><span>main content" in html
    assert "badge rep" not in html
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S).group(1))
    assert not any(b["repeat"] for b in data["blocks"])
    assert not any(b["island"] for b in data["blocks"])


def test_empty_page_report() -> None:
    html = render_report(build_view(b"<html><body><img src=x></body></html>"))
    assert "no text blocks" in html


def test_cli_show(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["show", str(PAGE), "--gold", str(GOLD), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert runner.invoke(app, ["show", str(tmp_path / "missing.html")]).exit_code == 2
    assert runner.invoke(app, ["show", str(PAGE), "--threshold", "2"]).exit_code == 2
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    assert runner.invoke(app, ["show", str(empty), "-o", str(tmp_path / "e.html")]).exit_code == 1


def test_cli_show_stops_at_its_time_limit(tmp_path: Path) -> None:
    """show reads, segments and explains a page in one process: a page that would take too long is stopped with
    a message and no report, as predict stops it (its default limit is predict's)."""
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["show", str(PAGE), "--timeout", "0.000001", "-o", str(out)])
    assert result.exit_code == 1 and "second limit" in result.output and not out.exists()
    assert runner.invoke(app, ["show", str(PAGE), "--timeout", "0", "-o", str(out)]).exit_code == 0  # no limit
    assert runner.invoke(app, ["show", str(PAGE), "--timeout", "-1"]).exit_code == 2


def test_cli_show_decodes_with_the_encoding_it_is_given(tmp_path: Path) -> None:
    text = "Příliš žluťoučký kůň úpěl ďábelské ódy, když večer přišel k řece a díval se na lodě u mola."
    page = tmp_path / "p.html"
    page.write_bytes(f"<html><body><article><p>{text}</p><p>{text}</p></article></body></html>".encode("cp1250"))
    runner = CliRunner()
    out = tmp_path / "r.html"
    assert runner.invoke(app, ["show", str(page), "-o", str(out)]).exit_code == 0
    assert text in out.read_text(encoding="utf-8")  # detected
    assert runner.invoke(app, ["show", str(page), "--encoding", "windows-1252", "-o", str(out)]).exit_code == 0
    assert "Pøíliš" in out.read_text(encoding="utf-8")  # as told, though it is wrong
    assert runner.invoke(app, ["show", str(page), "--encoding", "rot13", "-o", str(out)]).exit_code == 2


def test_report_in_a_browser(browser_page, tmp_path: Path) -> None:
    view = build_view(PAGE.read_bytes(), source=PAGE.name, gold=GOLD.read_text(encoding="utf-8"))
    report = tmp_path / "report.html"
    report.write_text(render_report(view), encoding="utf-8")
    n = len(view.extraction.blocks)
    kept = int(view.extraction.keep.sum())
    mistakes = int(view.wrongly_kept.sum() + view.wrongly_dropped.sum())
    page = browser_page
    page.goto(file_url(report))
    blocks = page.locator("#blocks .block")
    assert blocks.count() == n
    visible = page.locator("#blocks .block:visible")
    assert visible.count() == n

    for name, expected in (("kept", kept), ("dropped", n - kept), ("mistakes", mistakes), ("all", n)):
        page.click(f'.filters button[data-filter="{name}"]')
        assert visible.count() == expected, name
    page.click('.filters button[data-filter="kept"]')
    assert all(el.get_attribute("data-keep") == "1" for el in visible.all())
    page.click('.filters button[data-filter="mistakes"]')
    assert {el.get_attribute("data-mistake") for el in visible.all()} <= {"fp", "fn"}

    # clicking a block shows its features panel with the weights computed in Python
    page.click('.filters button[data-filter="all"]')
    i = int(np.argmax(view.extraction.proba))
    page.locator(f'.block[data-i="{i}"]').click()
    panel = page.locator("#panel")
    assert panel.locator("h2").first.text_content() == f"Block {i}"
    names = [t.text_content() for t in panel.locator("table.w td.n").all()]
    assert names == [w.name for w in view.attribution.top(i)]
    assert f"{view.extraction.proba[i]:.3f}" in panel.locator(".verdict").text_content()
    # keyboard: j selects the next visible block
    page.keyboard.press("j")
    assert panel.locator("h2").first.text_content() == f"Block {i + 1}"
    assert page.locator(".block.sel").count() == 1
    assert page.js_errors == []

    # the screenshot: a mistake selected (tmp_path always; docs/show.png on request)
    page.click('.filters button[data-filter="all"]')
    first_mistake = int(np.flatnonzero(view.wrongly_kept | view.wrongly_dropped)[0])
    page.locator(f'.block[data-i="{first_mistake}"]').click()
    shot = tmp_path / "show.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get(SCREENSHOT_ENV):
        shutil.copyfile(shot, REPO / "docs" / "show.png")


def test_the_report_links_only_web_urls_and_loads_nothing(tmp_path: Path) -> None:
    """A canonical link of "javascript:..." became a link in the report's header that ran when clicked; a relative
    one led into the local disk."""
    runner = CliRunner()
    for href, linked in [("JaVaScRiPt&#x3a;alert(1)//", False), ("java&#x09;script:alert(1)", False),
                         ("/news/2024/ferry", False), ("https://example.org/ferry", True)]:  # fmt: skip
        page = tmp_path / "p.html"
        page.write_text(f'<html><head><link rel="canonical" href="{href}"></head><body>{"<p>Words here.</p>" * 3}')
        out = tmp_path / "p.show.html"
        assert runner.invoke(app, ["show", str(page), "-o", str(out)]).exit_code == 0
        report = out.read_text()
        assert bool(re.search(r'<a class="url" href="https://example\.org/ferry"', report)) is linked, href
        assert 'class="url" href="java' not in report.lower().replace("\t", "")
        assert "Content-Security-Policy\" content=\"default-src 'none'" in report


def test_show_writes_over_neither_its_page_nor_its_gold_and_takes_any_file_name(tmp_path: Path) -> None:
    runner = CliRunner()
    gold = tmp_path / "gold.txt"
    shutil.copy(GOLD, gold)
    result = runner.invoke(app, ["show", str(PAGE), "--gold", str(gold), "-o", str(gold)])
    assert result.exit_code == 2 and gold.read_bytes() == GOLD.read_bytes()
    assert runner.invoke(app, ["show", str(PAGE), "-o", str(tmp_path)]).exit_code == 2  # a directory
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.html"))  # a name that is not UTF-8
    shutil.copy(PAGE, odd)
    result = runner.invoke(app, ["show", str(odd), "-o", str(tmp_path / "odd.html")])
    assert result.exit_code == 0 and "caf\ufffd.html" in (tmp_path / "odd.html").read_text()
