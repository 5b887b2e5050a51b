"""`blocksift evaluate --report DIR`: plots, HTML and Markdown that link only to files that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image
from typer.testing import CliRunner

from blocksift.cli import app
from blocksift.datasets import load_datasets
from blocksift.features import FEATURE_NAMES
from blocksift.metrics import PageCounts, shingle_score
from blocksift.modelfile import default_model
from blocksift.report import evaluate_pages, feature_groups, load_peers, permutation_importance
from blocksift.table import build_rows
from browser import file_url
from conftest import REPO, SAMPLE

PNG = b"\x89PNG\r\n\x1a\n"


def _peers_file(tmp_path: Path) -> Path:
    """A compare.py-shaped JSON file with one peer on the sample dataset, page types included."""
    pages = [
        {"page": "sample/a", "system": "trafilatura", "page_type": "article", "tp": 8, "fp": 2, "fn": 0},
        {"page": "sample/b", "system": "trafilatura", "page_type": "article", "tp": 5, "fp": 0, "fn": 5},
        {"page": "sample/c", "system": "trafilatura", "page_type": "forum", "tp": 1, "fp": 1, "fn": 0},
        {"page": "sample/a", "system": "blocksift", "page_type": "article", "tp": 10, "fp": 0, "fn": 0},
    ]
    data = {
        "created": "2026-01-01T00:00:00+00:00",
        "config": {"split": "test"},
        "datasets": {"sample": {"blocksift": {"shingle_f1": 0.99}, "trafilatura": {"shingle_f1": 0.8123}}},
        "pages": pages,
    }
    path = tmp_path / "compare.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _links(text: str, pattern: str) -> list[str]:
    return [unquote(m) for m in re.findall(pattern, text) if not m.startswith(("http:", "https:", "#"))]


def test_load_peers_leaves_blocksift_out_and_averages_page_types_as_the_benchmark(tmp_path: Path) -> None:
    peers = load_peers(_peers_file(tmp_path))
    assert peers.systems == ["trafilatura"]
    assert peers.datasets == {"sample": {"trafilatura": 0.8123}}
    expected = shingle_score([PageCounts(8, 2, 0), PageCounts(5, 0, 5)]).f1
    assert peers.page_types[("sample", "article")]["trafilatura"] == pytest.approx(expected)
    assert set(peers.page_types) == {("sample", "article"), ("sample", "forum")}
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(Exception, match="cannot read peers"):
        load_peers(bad)


def test_permutation_importance_is_bounded_and_covers_every_group() -> None:
    pages = load_datasets([SAMPLE], splits=["test"])
    rows = build_rows(pages)
    model = default_model()
    ev = evaluate_pages(pages, rows, model)
    imp = permutation_importance(ev, model, max_blocks=400, seconds=0.0, repeats=3)
    assert imp.repeats == 1  # past the time budget after the first repeat
    assert imp.names == [name for name, _ in feature_groups()]
    columns = [c for _, cols in feature_groups() for c in cols]
    assert columns == list(range(len(FEATURE_NAMES)))  # every column in exactly one group, the page profile too
    assert 0 < imp.blocks <= 400 or imp.pages == 1
    assert max(imp.drop) > 0  # shuffling some group hurts the model


def test_evaluate_report_on_the_sample(tmp_path: Path, browser_page) -> None:
    out = tmp_path / "report"
    args = ["evaluate", str(SAMPLE), "--split", "test", "--split", "train", "--report", str(out),
            "--peers", str(_peers_file(tmp_path)), "--worst-pages", "3"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")

    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["f1_datasets.png", "f1_page_types.png", "importance.png", "scores.png", "threshold.png"]
    for name in pngs:
        data = (out / name).read_bytes()
        assert data[:8] == PNG
        with Image.open(out / name) as im:
            im.verify()
            assert im.size[0] > 400 and im.size[1] > 150

    html_links = _links(html, r'(?:src|href)="([^"]+)"')
    md_links = _links(md, r"\]\(([^)]+)\)")
    assert len(html_links) == len(md_links) == len(pngs) + 3
    for link in html_links + md_links:
        assert (out / link).is_file(), link
    assert sorted(p.name for p in (out / "pages").iterdir()) == sorted(
        link.split("/", 1)[1] for link in html_links if link.startswith("pages/")
    )
    assert "trafilatura 0.812" in html  # the peer beside our figure
    assert "| mean |" in md

    # the worst page's show report renders in the browser, every block in it
    worst = next(link for link in html_links if link.startswith("pages/"))
    browser_page.goto(file_url(out / worst))
    n = len(json.loads(browser_page.locator("#data").text_content())["blocks"])
    assert n > 0 and browser_page.locator("#blocks .block").count() == n
    # the report's plots load (relative paths) in the browser
    browser_page.goto(file_url(out / "index.html"))
    widths = browser_page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert len(widths) == len(pngs) and min(widths) > 400
    assert browser_page.js_errors == []


def test_evaluate_report_options_misuse(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["evaluate", str(SAMPLE), "--peers", str(_peers_file(tmp_path))]).exit_code == 2
    missing = ["evaluate", str(SAMPLE), "--report", str(tmp_path / "r"), "--peers", str(tmp_path / "none.json")]
    assert runner.invoke(app, missing).exit_code == 2


def test_evaluate_report_on_shared_datasets(shared: Path, tmp_path: Path) -> None:
    """A real dataset (the readability test split, 22 pages), with the peers of the last compare run if present."""
    dataset = shared / "readability"
    if not dataset.is_dir():
        pytest.skip(f"{dataset} is absent")
    compare = REPO / "benchmarks" / "out" / "compare.json"
    args = ["evaluate", str(dataset), "--report", str(tmp_path / "r"), "--worst-pages", "2"]
    if compare.is_file():
        args += ["--peers", str(compare)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    for link in _links(html, r'(?:src|href)="([^"]+)"'):
        assert (tmp_path / "r" / link).is_file(), link
    if compare.is_file():
        assert "trafilatura" in html


def test_report_markdown_shows_dataset_text_as_text_and_pages_never_share_a_report(tmp_path: Path) -> None:
    """A page type "<img onerror=...>" became a live element in the rendered report.md, and an id "[x](y)" a link;
    ids "a b" and "a_b" shared one page report; a "$" in a page type ended the report (matplotlib's math)."""
    from markdown_it import MarkdownIt

    from blocksift.datasets import Page
    from blocksift.report import page_file

    data = tmp_path / "shop"
    (data / "html").mkdir(parents=True)
    (data / "gold").mkdir()
    records = []
    for i, (pid, ptype) in enumerate([("a b", "<img src=x onerror=alert(1)>"), ("a_b", "$5 or $6"), ("[x](y)", "p")]):
        page = sorted((SAMPLE / "html").glob("*.html"))[i]
        (data / "html" / f"{pid}.html").write_bytes(page.read_bytes())
        (data / "gold" / f"{pid}.txt").write_bytes((SAMPLE / "gold" / f"{page.stem}.txt").read_bytes())
        records.append(json.dumps({"id": pid, "split": "test", "page_type": ptype}))
    (data / "meta.jsonl").write_text("\n".join(records) + "\n")
    result = CliRunner().invoke(app, ["evaluate", str(data), "--report", str(tmp_path / "rep"), "--no-cache"])
    assert result.exit_code == 0, result.stderr
    rendered = MarkdownIt().enable("table").render((tmp_path / "rep" / "report.md").read_text())
    assert "<img src=x" not in rendered and 'href="y"' not in rendered and "onerror" in rendered
    reports = sorted(p.name for p in (tmp_path / "rep" / "pages").iterdir())
    assert len(reports) == 3 and reports == sorted(
        {page_file(Page("shop", i, "test", Path(), None)) for i in ("a b", "a_b", "[x](y)")}
    )
    result = CliRunner().invoke(app, ["evaluate", str(data), "--report", str(data / "rep"), "--no-cache"])
    assert result.exit_code == 2 and "inside the dataset" in result.stderr  # it wrote over a page of a flat dataset


@pytest.mark.parametrize(
    "figures",
    [
        {"datasets": {"d": {"trafilatura": {"shingle_f1": "n/a"}}}},
        {"datasets": ["d"]},
        {"datasets": {}, "pages": [{"page": "d/1", "system": "x", "page_type": "article"}]},
    ],
)
def test_a_malformed_peers_file_is_named_not_a_traceback(tmp_path: Path, figures: dict[str, object]) -> None:
    from blocksift.report import ReportError

    path = tmp_path / "peers.json"
    path.write_text(json.dumps(figures))
    with pytest.raises(ReportError, match="cannot read peers' figures from"):
        load_peers(path)


def test_a_report_folder_used_again_holds_only_the_new_report(tmp_path: Path) -> None:
    """A second report into the same folder left the first one's page reports and plots beside it, which the new
    index did not speak of; a file of the user's there is kept."""
    out = tmp_path / "rep"
    runner = CliRunner()
    assert runner.invoke(app, ["evaluate", str(SAMPLE), "--report", str(out), "--worst-pages", "3"]).exit_code == 0
    (out / "pages" / "my-notes.html").write_text("<p>mine</p>")
    assert runner.invoke(app, ["evaluate", str(SAMPLE), "--report", str(out), "--worst-pages", "1"]).exit_code == 0
    pages = sorted(p.name for p in (out / "pages").iterdir())
    assert len(pages) == 2 and "my-notes.html" in pages
