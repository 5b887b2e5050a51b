"""Every output format, on a page whose content structure is known."""

from __future__ import annotations

import numpy as np

from blocksift.blocks import segment
from blocksift.extract import Extraction
from blocksift.page import parse_html
from blocksift.render import block_records, page_record, to_html, to_markdown

PAGE = """<html><head><title>Render me</title></head><body><nav><a href="/">Home</a></nav>
<article><h2>Steps &amp; notes</h2><p>Intro paragraph.</p>
<ol><li>First step</li><li>Second step<ul><li>A detail</li></ul></li></ol>
<table><tr><th>Size</th><th>Price</th></tr><tr><td>Small</td><td>£3</td></tr></table>
<pre>x = 1
y = 2</pre><blockquote><p>Quoted line.</p></blockquote></article></body></html>"""


def extraction() -> Extraction:
    seg = segment(parse_html(PAGE))
    keep = np.array([b.text != "Home" for b in seg.blocks])
    return Extraction(seg, np.where(keep, 0.9, 0.1), keep, 0.5, "str")


def test_text_is_the_content_blocks() -> None:
    text = extraction().text
    assert text.splitlines()[0] == "Steps & notes" and "Home" not in text


def test_markdown_keeps_headings_lists_tables_code_quotes() -> None:
    md = to_markdown(extraction())
    assert md == (
        "## Steps & notes\n\n"
        "Intro paragraph.\n\n"
        "1. First step\n1. Second step\n  - A detail\n\n"
        "| Size | Price |\n| --- | --- |\n| Small | £3 |\n\n"
        "```\nx = 1\ny = 2\n```\n\n"
        "> Quoted line.\n"
    )


def test_html_is_clean_and_escaped() -> None:
    out = to_html(extraction())
    assert "<title>Render me</title>" in out
    assert "<h2>Steps &amp; notes</h2>" in out
    assert "<ol>\n<li>First step\n<li>Second step\n<ul>\n<li>A detail\n</ul>\n</ol>" in out
    assert "<tr><td>Small</td><td>£3</td></tr>" in out
    assert "<pre><code>x = 1\ny = 2</code></pre>" in out
    assert "Home" not in out
    parsed = parse_html(out)  # it parses back to the same text
    assert "Quoted line." in "".join(parsed.root.itertext())


def test_json_record_and_error_record() -> None:
    rec = page_record("page.html", extraction())
    assert rec["source"] == "page.html" and rec["title"] == "Render me" and rec["text"].startswith("Steps & notes")
    assert page_record("bad.html", None, "the page is empty") == {
        "source": "bad.html",
        "error": "the page is empty",
    }


def test_block_records_have_every_block() -> None:
    ex = extraction()
    rows = block_records("p.html", ex)
    assert len(rows) == len(ex.blocks)
    assert rows[0]["text"] == "Home" and rows[0]["label"] == "boilerplate" and rows[0]["proba"] == 0.1
    assert rows[1]["label"] == "content" and rows[1]["path"].endswith("article/h2")
