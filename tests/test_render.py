"""Every output format, on a page whose content structure is known."""

from __future__ import annotations

import html as htmlmod
from dataclasses import replace
from typing import Any

import numpy as np

from blocksift.blocks import TOKEN_RE, segment
from blocksift.extraction import Extraction
from blocksift.page import parse_html
from blocksift.render import block_records, classify, page_record, to_html, to_markdown

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
        "1. First step\n2. Second step\n   - A detail\n\n"
        "| Size | Price |\n| --- | --- |\n| Small | £3 |\n\n"
        "```\nx = 1\ny = 2\n```\n\n"
        "> Quoted line.\n"
    )


def test_html_is_clean_and_escaped() -> None:
    out = to_html(extraction())
    assert "<title>Render me</title>" in out
    assert "<h2>Steps &amp; notes</h2>" in out
    assert "<ol>\n<li>First step</li>\n<li>Second step\n<ul>\n<li>A detail</li>\n</ul></li>\n</ol>" in out
    assert "<tr><th>Size</th><th>Price</th></tr>\n<tr><td>Small</td><td>£3</td></tr>" in out  # header cells kept
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


LINKED = """<html lang="en-GB"><head><title>Links</title><link rel="canonical" href="https://ex.org/guide/page">
<style>p {color: red}</style></head><body><nav><a href="/">Home</a></nav><article>
<h1><a href="https://ex.org/guide/page">The guide</a></h1>
<p onclick="evil()" class="x">Read <a href="../docs/start?a=1" class="btn" style="c">the (first) docs</a>,
<a href="javascript:alert(1)">not this</a>, <strong>bold words</strong> and <em>soft ones</em> with
<code>run --it</code>; also <a href="#part-2">part [2]</a>.</p>
<ul><li>Top <a href="https://other.example/x y">elsewhere</a><ul><li>Nested <b>deep</b></li></ul></li>
<li>Second</li></ul>
<script>document.write("<p>injected</p>")</script>
<table><tr><th>Name</th><th>Link</th></tr><tr><td>Row</td><td><a href="/r">row link</a></td></tr></table>
<pre><span>line one</span><br><span>line two</span><br></pre>
<blockquote><p>Said <i>so</i>.</p></blockquote></article></body></html>"""


def linked() -> Extraction:
    seg = segment(parse_html(LINKED))
    keep = np.array([b.text != "Home" for b in seg.blocks])
    return Extraction(seg, np.where(keep, 0.9, 0.1), keep, 0.5, "str", source=LINKED)


def test_markdown_keeps_links_resolved_and_emphasis() -> None:
    from markdown_it import MarkdownIt

    md = to_markdown(linked())
    assert "Read [the (first) docs](https://ex.org/docs/start?a=1)," in md
    assert "not this" in md and "javascript" not in md  # the text stays, the script link goes
    assert "**bold words** and *soft ones* with `run --it`" in md
    assert "[part \\[2\\]](https://ex.org/guide/page#part-2)" in md
    assert md.startswith("# The guide\n")  # a link to the page itself is just the heading
    tokens = MarkdownIt().enable("table").parse(md)
    inline = [t for tok in tokens if tok.type == "inline" for t in tok.children or []]
    links = [t.attrs["href"] for t in inline if t.type == "link_open"]
    assert links == [
        "https://ex.org/docs/start?a=1",
        "https://ex.org/guide/page#part-2",
        "https://other.example/x%20y",
        "https://ex.org/r",
    ]
    types = [t.type for t in tokens]
    assert types.count("bullet_list_open") == 2 and max(t.level for t in tokens if t.type == "bullet_list_open") > 0
    assert "table_open" in types and "blockquote_open" in types
    fences = [t.content for t in tokens if t.type == "fence"]
    assert fences == ["line one\nline two\n"]  # <br> in code is a line break
    assert {"strong_open", "em_open", "code_inline"} <= {t.type for t in inline}


def test_markdown_of_the_sample_pages_parses_back_with_their_headings() -> None:
    from markdown_it import MarkdownIt

    import blocksift
    from conftest import SAMPLE

    for path in sorted((SAMPLE / "html").glob("*.html")):
        ex = blocksift.extract_blocks(path.read_bytes())
        md = to_markdown(ex)
        tokens = MarkdownIt().enable("table").parse(md)
        headings = [b for b in ex.content if classify(ex.segmentation, b).kind == "heading"]
        parsed = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        assert len(parsed) == len(headings), path.name
        links = [c for tok in tokens if tok.type == "inline" for c in tok.children or [] if c.type == "link_open"]
        assert all(not c.attrs["href"].startswith("javascript:") for c in links)


def test_html_is_a_clean_document_with_links() -> None:
    from lxml import html as lxml_html

    out = to_html(linked())
    root = lxml_html.document_fromstring(out)
    assert root.get("lang") == "en-GB"
    assert not root.xpath("//script | //style") and "injected" not in out and "evil" not in out
    attributes = {(el.tag, name) for el in root.iter() for name in el.attrib if isinstance(el.tag, str)}
    assert attributes <= {("html", "lang"), ("meta", "charset"), ("a", "href")}
    assert [a.get("href") for a in root.iter("a")] == [
        "https://ex.org/docs/start?a=1",
        "https://ex.org/guide/page#part-2",
        "https://other.example/x y",
        "https://ex.org/r",
    ]
    assert root.xpath("//ul/li/ul/li/b | //ul/li/ul/li/strong")  # the nested list keeps its bold word
    assert root.xpath("//table//td/a[@href='https://ex.org/r']") and root.xpath("//blockquote/p/em")
    assert root.xpath("//pre/code")[0].text == "line one\nline two"


def test_emphasis_right_after_emphasis_stays_emphasis() -> None:
    """``<b>a</b><b>b</b>`` written ``**a****b**`` is no emphasis in Markdown (hypothesis found the page): the same
    kind joins the span before; two kinds side by side read as both."""
    from markdown_it import MarkdownIt

    page = b"<html><body><p><b>harbour</b><b>front</b> and <b>bold</b><i>soft</i> end</p></body></html>"
    seg = segment(parse_html(page))
    ex = Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "utf-8")
    md = to_markdown(ex)
    assert md == "**harbourfront** and **bold***soft* end\n"
    shown = MarkdownIt("commonmark").render(md)
    assert "<strong>harbourfront</strong>" in shown and "<strong>bold</strong><em>soft</em>" in shown
    assert "<strong>bold</strong><em>soft</em>" in to_html(ex)


def test_emphasis_is_written_where_commonmark_reads_it_as_emphasis() -> None:
    """A bold label ending in punctuation against the next word ("<b>Name:</b>Ada") written "**Name:**Ada" is no
    emphasis in CommonMark (a closing mark after punctuation needs white space or punctuation after it): the reader
    showed the asterisks as words. The punctuation at the edge goes outside the marks; a span of punctuation alone
    (a bold "®") is written plain."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept(
        "<p><b>Name:</b>Ada, of the Engine<b>®</b> and x<i>“quoted”</i>y and <b>plain bold</b>.</p>"
        "<p>From <i>the Hospital</i><b>.</b> See <a href='/r'>the register</a><b>.</b></p>"
    )
    md = to_markdown(ex, url="https://ex.org/")
    assert md == (
        "**Name**:Ada, of the Engine® and x“*quoted*”y and **plain bold**.\n\n"
        "From *the Hospital*. See [the register](https://ex.org/r)**.**\n"
    )  # emphasis beside emphasis makes one run of marks with it ("***.**" opens nothing); a link's ")" is apart
    for preset in ("commonmark", "gfm-like"):
        shown = lxml_html.fromstring(f"<div>{MarkdownIt(preset, {'linkify': False}).render(md)}</div>")
        assert shown.text_content().split() == ex.text.split()
        assert [e.text for e in shown.iter("strong", "em")] == ["Name", "quoted", "plain bold", "the Hospital", "."]


def test_emphasis_on_text_with_asterisks_stays_emphasis() -> None:
    """Emphasis whose text holds an asterisk (Python's ``<em>*args</em>``, a bold "*** INCOMPLETE ***") was written
    plain, and lost; the asterisks that could be read as marks are escaped, as everywhere else."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept("<p>Call it with <em>*args</em>, see <b>*** DRAFT ***</b> and <i>the rc.* files</i>.</p>")
    md = to_markdown(ex)
    assert md == "Call it with *\\*args*, see **\\*\\*\\* DRAFT \\*\\*\\*** and *the rc.\\* files*.\n"
    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').render(md)}</div>")
    assert shown.text_content().split() == ex.text.split()
    assert [e.text for e in shown.iter("strong", "em")] == ["*args", "*** DRAFT ***", "the rc.* files"]


def test_inline_markup_goes_on_its_own_words_not_on_an_earlier_copy_of_them() -> None:
    """A link or emphasis is placed where its element is in the owner's text (counted without white space), not at
    the first copy of its words in the block, nor in another block of the same element (after a ``<br>`` or a
    nested block)."""

    def markdown(body: bytes) -> str:
        seg = segment(parse_html(b"<html><body>" + body + b"</body></html>"))
        return to_markdown(Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "u"))

    assert markdown(b'<p>See the harbour map: <a href="https://ex.org/h">harbour</a> now.</p>') == (
        "See the harbour map: [harbour](https://ex.org/h) now.\n"
    )
    assert markdown(b'<p>harbour<a href="https://ex.org/h">harbour</a></p>') == "harbour[harbour](https://ex.org/h)\n"
    assert markdown(b"<p>Go <b>home</b>, then home <i>home</i>.</p>") == "Go **home**, then home *home*.\n"
    page = (
        b'<div>First line<br>See <a href="https://ex.org/a">line</a> two<p>nested line</p>'
        b'tail <a href="https://ex.org/t">tail</a></div>'
    )
    assert markdown(page) == (
        "First line\n\nSee [line](https://ex.org/a) two\n\nnested line\n\ntail [tail](https://ex.org/t)\n"
    )
    # an alphabet index of one-letter links does not put its letters on the entries' first letters
    index = (
        b'<div><a href="#a">A</a> | <a href="#p">P</a><br>A Bear Called <a href="https://ex.org/b">Paddington</a></div>'
    )
    assert markdown(index) == "[A](#a) | [P](#p)\n\nA Bear Called [Paddington](https://ex.org/b)\n"


def test_an_element_of_thousands_of_lines_renders_each_link_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One element split by ``<br>`` into thousands of blocks: each block looks only at the links in its part of the
    element's text. Looking at all of them for every block took 274 s for 8,000 lines (quadratic); the number of
    links looked at is the number of links."""
    import blocksift.render as render

    looked: list[str] = []
    real = render._href
    monkeypatch.setattr(render, "_href", lambda node, base: looked.append(node.get("href")) or real(node, base))
    lines = "".join(f'line {i} <a href="https://ex.org/{i}">link {i}</a><br>' for i in range(2000))
    seg = segment(parse_html(f"<html><body><div>{lines}</div></body></html>"))
    md = to_markdown(Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "u"))
    assert len(looked) == 2000
    assert md.split("\n\n")[1234] == "line 1234 [link 1234](https://ex.org/1234)"


def test_a_pre_of_thousands_of_lines_is_read_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A ``<pre>`` split by ``<br>`` into a block per line is one code item, its text read from the element once
    (it was read again for every line: 11 s for 4,000 lines)."""
    import blocksift.extraction as extraction

    read: list[object] = []
    real = extraction.pre_text
    monkeypatch.setattr(extraction, "pre_text", lambda element: read.append(element) or real(element))
    code = "".join(f"x = {i}<br>" for i in range(2000))
    seg = segment(parse_html(f"<html><body><p>Before.</p><pre>{code}</pre><p>After.</p></body></html>"))
    md = to_markdown(Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "u"))
    assert len(read) == 1 and len(seg.blocks) == 2002
    assert md.startswith("Before.\n\n```\nx = 0\nx = 1\n") and md.endswith("x = 1999\n```\n\nAfter.\n")


# --- plain text keeps code's lines ---------------------------------------------------------------------------------

CODE_PAGE = (
    "<html><body><p>Count the lines of a file.</p><pre><code>def count(path):\n    with open(path) as fh:\n"
    "        return sum(1 for _ in fh)\n\n\nprint(count('a.txt'))\n</code></pre><p>It reads the file once.</p>"
    "</body></html>"
)


def kept(html: str, keep: list[bool] | None = None) -> Extraction:
    seg = segment(parse_html(html))
    mask = np.ones(len(seg.blocks), dtype=bool) if keep is None else np.array(keep)
    return Extraction(seg, mask.astype(float), mask, 0.5, "u")


def test_plain_text_keeps_the_lines_and_indentation_of_code() -> None:
    extraction = kept(CODE_PAGE)
    code_block = extraction.content[1].text  # what the features and the metrics read
    assert code_block == "def count(path): with open(path) as fh: return sum(1 for _ in fh) print(count('a.txt'))"
    assert extraction.text == (
        "Count the lines of a file.\ndef count(path):\n    with open(path) as fh:\n        return sum(1 for _ in fh)\n"
        "\n\nprint(count('a.txt'))\nIt reads the file once."
    )


def test_code_split_into_a_block_per_line_is_written_whole() -> None:
    # Highlighters end each line with <br>; a line of brackets alone holds no word, so it is no block, but it is code.
    lines = ["<span>fn main() {</span>", "    <span>run();</span>", "}"]
    extraction = kept(f"<html><body><p>Start here.</p><pre>{'<br>'.join(lines)}</pre></body></html>")
    assert len(extraction.blocks) == 3
    assert extraction.text == "Start here.\nfn main() {\n    run();\n}"


def test_code_of_a_block_element_per_line_keeps_its_lines() -> None:
    # Code viewers put each line in a <div> of its own, with no line break in the text: the browser shows lines.
    lines = "".join(f"<div class='line'>{line}</div>" for line in ("if ready:", "    start()", "else:", "    wait()"))
    extraction = kept(f"<html><body><pre>{lines}</pre></body></html>")
    assert len(extraction.blocks) == 4
    assert extraction.text == "if ready:\n    start()\nelse:\n    wait()"


def test_code_kept_in_part_is_written_block_by_block() -> None:
    # The text holds what the model kept, word for word: a <pre> it kept a part of is not written whole, in plain
    # text, Markdown or HTML.
    html = "<html><body><pre>first = 1<br>second = 2<br>third = 3</pre></body></html>"
    part = kept(html, [True, False, True])
    assert part.text == "first = 1\nthird = 3"
    assert to_markdown(part) == "```\nfirst = 1\nthird = 3\n```\n"
    assert "<pre><code>first = 1\nthird = 3</code></pre>" in to_html(part)
    assert kept(html).text == "first = 1\nsecond = 2\nthird = 3"


def test_plain_text_has_the_words_of_the_content_blocks() -> None:
    nested = "<html><body><pre>outer  text <pre>inner\n  line</pre> tail</pre><p>After   it.</p></body></html>"
    for html in (CODE_PAGE, nested):
        extraction = kept(html)
        words = " ".join(b.text for b in extraction.content).split()
        assert extraction.text.split() == words
    assert kept(nested).text == "outer  text\ninner\n  line\n tail\nAfter it."  # the inner <pre> a line of its own


# --- plain text keeps a table row on one line ------------------------------------------------------------------------


def test_a_table_row_is_one_line_with_its_cells_apart() -> None:
    rows = [("Route", "Adult", "Child"), ("Harbour to Island", "12.50", "6.00")]
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    extraction = kept(f"<html><body><p>Winter prices.</p><table>{cells}</table><p>Sold on board.</p></body></html>")
    assert extraction.text == "Winter prices.\nRoute | Adult | Child\nHarbour to Island | 12.50 | 6.00\nSold on board."
    # the cells the model kept: a dropped cell leaves the others on their row's line
    assert kept(f"<html><body><table>{cells}</table></body></html>", [True, False, True] * 2).text == (
        "Route | Child\nHarbour to Island | 6.00"
    )


def test_a_cell_of_several_lines_stays_on_its_row_line() -> None:
    """A data table's cell of several lines (a ``<br>``, paragraphs or a list inside) keeps its row on one line, its
    lines joined by " / ": a line per block broke "Linux | 5.4 / 5.10 / 6.1 | Nightly" into five lines, whose cells
    could not be told apart."""
    html = (
        "<html><body><table><tr><th>System</th><th>Kernels</th><th>Checks</th></tr>"
        "<tr><td>Linux</td><td>5.4<br>5.10<br>6.1</td><td>Nightly</td></tr>"
        "<tr><td>BSD</td><td><p>13</p><p>14</p></td><td><ul><li>Weekly</li><li>On release</li></ul></td></tr>"
        "</table><p>Other systems are not tested.</p></body></html>"
    )
    assert kept(html).text == (
        "System | Kernels | Checks\nLinux | 5.4 / 5.10 / 6.1 | Nightly\nBSD | 13 / 14 | Weekly / On release\n"
        "Other systems are not tested."
    )


def test_a_layout_table_keeps_a_line_per_block() -> None:
    # A layout table's cells hold the page's paragraphs and lines: joining them to their neighbours would run them
    # together, as it would the menu beside them.
    html = (
        "<html><body><table><tr><td>Menu</td><td>Guides</td></tr><tr><td>Home<br>News</td><td>"
        "<p>The ferry leaves the harbour every hour, and the last one returns just after ten at night.</p>"
        "<p>Tickets are sold on board, and children under five travel free with an adult.</p></td></tr>"
        "</table></body></html>"
    )
    assert kept(html).text == (
        "Menu\nGuides\nHome\nNews\n"
        "The ferry leaves the harbour every hour, and the last one returns just after ten at night.\n"
        "Tickets are sold on board, and children under five travel free with an adult."
    )


def test_a_pipe_in_a_markdown_table_cell_is_escaped() -> None:
    page = (
        "<html><body><article><h1>Rates</h1><table><tr><th>Plan</th><th>Cost | term</th></tr>"
        "<tr><td>Basic</td><td>5 | month</td></tr><tr><td><code>a|b</code></td><td>7</td></tr></table>"
        "</article></body></html>"
    )
    seg = segment(parse_html(page))
    keep = np.ones(len(seg.blocks), dtype=bool)
    md = to_markdown(Extraction(seg, np.full(len(seg.blocks), 0.9), keep, 0.5, "str"))
    assert "| Plan | Cost \\| term |\n| --- | --- |\n| Basic | 5 \\| month |\n| `a\\|b` | 7 |" in md


def _all_kept(body: str, head: str = "") -> Extraction:
    seg = segment(parse_html(f"<html><head>{head}</head><body><article>{body}</article></body></html>"))
    return Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "str")


def test_a_table_keeps_each_value_in_its_column_across_empty_and_spanning_cells() -> None:
    """An empty cell makes no block, and a cell spanning rows has none in the rows below: the values after either
    stay in their own columns (they moved one to the left, under the wrong header)."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept(
        "<table><tr><th>Route</th><th>Adult</th><th>Child</th></tr><tr><td></td><td>14.00</td><td>7.00</td></tr>"
        "<tr><td rowspan=2>Night</td><td>3.00</td><td>1.00</td></tr><tr><td>4.00</td><td>2.00</td></tr>"
        "<tr><td colspan=2>Family</td><td>30.00</td></tr></table>"
    )
    md = to_markdown(ex)
    assert md == (
        "| Route | Adult | Child |\n| --- | --- | --- |\n|  | 14.00 | 7.00 |\n| Night | 3.00 | 1.00 |\n"
        "|  | 4.00 | 2.00 |\n| Family |  | 30.00 |\n"
    )
    rows = lxml_html.fromstring(MarkdownIt().enable("table").render(md)).xpath("//tbody/tr")
    assert [td.text_content() for td in rows[0]] == ["", "14.00", "7.00"]
    table = lxml_html.document_fromstring(to_html(ex)).xpath("//table")[0]
    assert [[c.text_content() for c in tr] for tr in table.iter("tr")][3] == ["", "4.00", "2.00"]
    assert ex.text.splitlines()[1] == "14.00 | 7.00"  # plain text lists the kept cells, as before


def test_a_table_of_one_column_is_paragraphs() -> None:
    """A layout table (one column: the page's paragraphs in cells) is not data to line up; "| text |" without a
    header row is no table in Markdown, and its pipes would end up in the text."""
    ex = _all_kept("<table><tr><td>Layout text.</td></tr><tr><td>More text.</td></tr></table>")
    assert to_markdown(ex) == "Layout text.\n\nMore text.\n"
    assert "<p>Layout text.</p>\n<p>More text.</p>" in to_html(ex) and "<table>" not in to_html(ex)


def test_lists_keep_their_numbers_nesting_and_boundaries() -> None:
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept(
        '<ol start="4"><li>Show your ticket</li><li value="9">Board<ul><li>Upper deck</li></ul>then sit</li></ol>'
        "<ol><li>Another list</li></ol><ul><li>Bullets</li></ul><ul><li>More bullets</li></ul>"
        "<ol><li>Parent<ol start=3><li>Third</li></ol></li></ol>"
    )
    md = to_markdown(ex)
    assert md == (
        "4. Show your ticket\n9. Board\n   - Upper deck\n\n   then sit\n\n1) Another list\n\n- Bullets\n\n"
        "* More bullets\n\n1. Parent\n\n   3. Third\n"
    )
    shown = lxml_html.fromstring(MarkdownIt("commonmark").render(md))
    assert len(shown.xpath("ol | ul")) == 5  # five lists, as on the page, none run into another
    assert shown.xpath("ol[1]")[0].get("start") == "4" and shown.xpath("ol[1]/li[2]/ul/li")
    assert shown.xpath("ol[1]/li[2]/p[2]")[0].text == "then sit"  # the text after the nested list is its item's
    assert shown.xpath("ol[3]/li/ol")[0].get("start") == "3"  # nested, not the item's text run on
    page = lxml_html.document_fromstring(to_html(ex))
    lists = page.xpath("/html/body/ol | /html/body/ul")
    assert [el.tag for el in lists] == ["ol", "ol", "ul", "ul", "ol"]
    assert lists[0].get("start") == "4" and lists[0].xpath("li")[1].get("value") == "9"
    assert lists[0].xpath("li[2]/ul/li")[0].text_content() == "Upper deck"
    assert lists[0].xpath("li[2]/p")[0].text == "then sit"


def test_markdown_escapes_what_would_be_read_as_markup() -> None:
    """The page's words, not markup: text that reads as a tag must not become a live element where the Markdown is
    rendered, and a line that reads as a heading, a list item or a rule must stay a paragraph."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    lines = [
        "<script>alert(1)</script>", "# not a heading", "1986. A year", "- not a list", "> not a quote",
        "a &amp; b", "C:\\*x", "**stars** and _under_ and __init__", "snake_case and 5 * 3", "+ plus",
    ]  # fmt: skip
    ex = _all_kept("".join(f"<p>{htmlmod.escape(line)}</p>" for line in lines))
    md = to_markdown(ex)
    assert "snake_case and 5 * 3" in md  # nothing to escape inside words or between spaces
    shown = lxml_html.fromstring(MarkdownIt("commonmark").render(md))
    assert [p.text_content() for p in shown] == lines and {p.tag for p in shown} == {"p"}
    assert not shown.xpath("//script | //strong | //em")


def test_link_targets_lose_tabs_and_newlines_as_browsers_read_them() -> None:
    ex = _all_kept('<p>See <a href=" /a?x=1&#10;&amp;y=2&#9; ">the timetable</a> now.</p>')
    assert to_markdown(ex, url="https://ex.org/b/") == "See [the timetable](https://ex.org/a?x=1&y=2) now.\n"


def test_link_targets_keep_references_backslashes_and_angle_brackets() -> None:
    """CommonMark reads a destination as it reads text: "&amp;" in a query became "&", a backslash before
    punctuation vanished, and a destination starting with "<" (a blog template's unfilled "<$BlogURL$>") ended at
    ">", losing both. The reader's link goes where the page's does."""
    from urllib.parse import unquote

    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    hrefs = ["/q?a=1&amp;amp;b=2", "/docs\\_build/x", "&lt;$BlogURL$&gt;", "/p?t=&lt;b&gt;"]
    ex = _all_kept("".join(f'<p>Go to <a href="{href}">place {i}</a> now.</p>' for i, href in enumerate(hrefs)))
    wanted = [a.get("href") for a in lxml_html.document_fromstring(to_html(ex)).iter("a")]
    assert wanted == ["/q?a=1&amp;b=2", "/docs\\_build/x", "<$BlogURL$>", "/p?t=<b>"]
    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').render(to_markdown(ex))}</div>")
    assert [unquote(a.get("href")) for a in shown.iter("a")] == wanted
    assert shown.text_content().split() == ex.text.split()


def test_a_backslash_ending_a_label_an_emphasis_or_a_url_escapes_no_mark() -> None:
    """A link's label, an emphasis or a link's URL that ends in a backslash ("C:\\", an archived URL cut at one) was
    written before the "]", "*" or ")" that closes it, which the backslash escaped: the reader showed the marks and
    the URL as text."""
    from urllib.parse import unquote

    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept('<p>Open <a href="/d/">C:\\</a> then <b>D:\\</b> and <a href="/e\\">the E drive</a>.</p>')
    md = to_markdown(ex, url="https://ex.org/")
    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').render(md)}</div>")
    assert shown.text_content().split() == ex.text.split()
    assert ex.text == "Open C:\\ then D:\\ and the E drive."
    assert [unquote(a.get("href")) for a in shown.iter("a")] == ["https://ex.org/d/", "https://ex.org/e\\"]
    assert [e.text for e in shown.iter("strong")] == ["D:\\"]


def test_a_link_to_a_file_on_the_authors_disk_is_its_text() -> None:
    """A "file:" link (the page's author linked a copy on their own disk) goes nowhere a reader can follow, and
    markdown-it refuses it: the Markdown reader showed "[label](file:///...)" as text."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept('<p>Read <a href="file:///C:/Users/ann/report.html">the report</a> and <a href="/r">this</a>.</p>')
    md = to_markdown(ex, url="https://ex.org/")
    assert md == "Read the report and [this](https://ex.org/r).\n"
    assert MarkdownIt("commonmark").render(md).count("<a ") == 1
    assert [a.text for a in lxml_html.document_fromstring(to_html(ex, url="https://ex.org/")).iter("a")] == ["this"]


# --- layout tables are written as the blocks in their cells --------------------------------------------------------

_WALK = (
    "<h1>Crossing the salt marsh at low tide</h1>"
    "<p>The marsh path starts behind the old mill and follows the dyke for two miles before it turns to the sea.</p>"
    "<p>Wear boots that you do not mind losing to the mud, and carry a printed tide table rather than a phone.</p>"
    "<ul><li>Leave two hours before low water</li><li>Turn back at the third marker post</li></ul>"
    "<p>The return leg is quicker, because the wind usually comes from behind you in the afternoon.</p>"
)


def _markdown_words(md: str) -> list[str]:
    """The words of ``md`` as rendered (markup gone), in order."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').enable('table').render(md)}</div>")
    for br in shown.iter("br"):  # a line break in a table cell: words apart, as a browser shows them
        br.tail = "\n" + (br.tail or "")
    return TOKEN_RE.findall(shown.text_content())


def test_a_layout_table_is_written_as_the_blocks_in_its_cells() -> None:
    """An old page's columns in a table: the article's cell holds a heading, paragraphs and a list. They were one
    huge table cell in Markdown and HTML (every block of a cell joined by a space); they are the blocks they are,
    as in the plain text, with the same words in the same order."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept(
        f'<table><tr><td><a href="/">Start</a><br><a href="/old">Archive</a></td><td>{_WALK}</td></tr></table>'
    )
    md = to_markdown(ex)
    assert md == (
        "[Start](/)\n\n[Archive](/old)\n\n# Crossing the salt marsh at low tide\n\n"
        "The marsh path starts behind the old mill and follows the dyke for two miles before it turns to the sea.\n\n"
        "Wear boots that you do not mind losing to the mud, and carry a printed tide table rather than a phone.\n\n"
        "- Leave two hours before low water\n- Turn back at the third marker post\n\n"
        "The return leg is quicker, because the wind usually comes from behind you in the afternoon.\n"
    )
    blocks = ["p", "p", "h1", "p", "p", "ul", "p"]
    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').enable('table').render(md)}</div>")
    assert [el.tag for el in shown] == blocks
    assert _markdown_words(md) == TOKEN_RE.findall(ex.text)
    assert [el.tag for el in lxml_html.document_fromstring(to_html(ex)).body] == blocks


def test_a_post_of_several_paragraphs_beside_its_author_is_no_table_cell() -> None:
    """A forum's posts in a table (author beside message, a header row of ``<th>``): a post's ``<br><br>``
    paragraphs are running text, not one cell's value."""
    ex = _all_kept(
        "<table><tr><th>Author</th><th>Message</th></tr><tr><td>tidewatcher</td><td>"
        "I tried the marsh walk last weekend and the mud was deeper than the guide suggests.<br><br>"
        "Next time I will go on a neap tide, when the water stays further out for longer."
        "</td></tr></table>"
    )
    assert to_markdown(ex).split("\n\n") == [
        "Author",
        "Message",
        "tidewatcher",
        "I tried the marsh walk last weekend and the mud was deeper than the guide suggests.",
        "Next time I will go on a neap tide, when the water stays further out for longer.\n",
    ]
    assert "<table>" not in to_html(ex)


def test_a_data_table_stays_a_table_beside_layout() -> None:
    """Short cells in a grid are data, even with a line break or a short list in a cell, and a data table nested
    in a layout table's cell stays a table while the cell's paragraphs around it are paragraphs."""
    grid = (
        "<table><tr><th>Route</th><th>Days</th></tr><tr><td>North loop</td><td>Mon<br>Wed<br>Fri</td></tr>"
        "<tr><td>Marsh path</td><td><ul><li>Sat</li><li>Sun</li></ul></td></tr></table>"
    )
    table = "| Route | Days |\n| --- | --- |\n| North loop | Mon<br>Wed<br>Fri |\n| Marsh path | Sat<br>Sun |"
    assert to_markdown(_all_kept(grid)) == table + "\n"
    ex = _all_kept(f"<table><tr><td>Menu</td><td>{_WALK}{grid}</td></tr></table>")
    md = to_markdown(ex)
    assert md.startswith("Menu\n\n# Crossing the salt marsh") and md.endswith("afternoon.\n\n" + table + "\n")
    assert _markdown_words(md) == TOKEN_RE.findall(ex.text)


def test_a_table_of_one_kept_column_is_written_as_its_blocks() -> None:
    """Where the model kept one column of a table (the values, not the labels beside them), the cells are written
    as the blocks they are: each paragraph its own, not joined into one."""
    ex = _all_kept(
        "<table><tr><td>Note</td><td><p>Bring water.</p><p>Bring a map.</p></td></tr>"
        "<tr><td>Tip</td><td>Start early.</td></tr></table>"
    )
    ex = replace(ex, keep=np.array([b.text != "Note" and b.text != "Tip" for b in ex.blocks]))
    assert to_markdown(ex) == "Bring water.\n\nBring a map.\n\nStart early.\n"
    assert "<p>Bring water.</p>\n<p>Bring a map.</p>\n<p>Start early.</p>" in to_html(ex)


def test_markdown_escapes_brackets_and_backticks_that_would_make_links_images_or_code() -> None:
    """The page's own "[text](url)", "![alt](src)", "[label]: url" and backticks are its words: rendered, they must
    not become a link, an image, a vanished reference definition or a code span. Brackets that make no link stay
    unescaped, and so does text beside the page's real links, but for a character the link would turn into markup
    ("Wow!" before a link is no image)."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    lines = [
        "Read [the guide](https://ex.org/guide) first", "![harbour map](map.png)", "[2]: https://ex.org/notes",
        "Run `make` twice", "an `old style' quotation", "Footnote [3] and [edit] stay", "- [x] done",
    ]  # fmt: skip
    links = '<p>Wow!<a href="https://ex.org/a">this</a> and C:\\<a href="https://ex.org/b">that</a></p>'
    ex = _all_kept("".join(f"<p>{htmlmod.escape(line)}</p>" for line in lines) + links)
    md = to_markdown(ex)
    assert "Footnote [3] and [edit] stay" in md  # nothing to escape where no link can form
    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').render(md)}</div>")
    assert [p.text_content() for p in shown] == [*lines, "Wow!this and C:\\that"]
    assert not shown.xpath("//img | //code | //ul")
    assert [a.get("href") for a in shown.iter("a")] == ["https://ex.org/a", "https://ex.org/b"]
    assert "[the \\[draft\\] guide](https://ex.org/d)" in to_markdown(
        _all_kept('<p>See <a href="https://ex.org/d">the [draft] guide</a>.</p>')
    )


def test_keys_output_teletype_and_variables_are_code() -> None:
    """``<kbd>``, ``<samp>``, ``<tt>`` and ``<var>`` show in a monospace font, as ``<code>`` does: code spans in
    Markdown, ``<code>`` in HTML. Keys inside keys (``<kbd><kbd>Ctrl</kbd>+<kbd>S</kbd></kbd>``) are one span."""
    ex = _all_kept(
        "<p>Press <kbd><kbd>Ctrl</kbd>+<kbd>S</kbd></kbd>, wait for <samp>Saved</samp>, then set <var>depth</var> "
        "in <tt>tides.cfg</tt>.</p>"
    )
    assert to_markdown(ex) == "Press `Ctrl+S`, wait for `Saved`, then set `depth` in `tides.cfg`.\n"
    # code right after code is one span: "`F``TAB`" would be one code span of "F``TAB"
    joined = _all_kept("<p>Then <kbd>F</kbd><kbd>TAB</kbd> and <code>tide</code><code>.rise()</code></p>")
    assert to_markdown(joined) == "Then `FTAB` and `tide.rise()`\n"
    assert "<p>Press <code>Ctrl+S</code>, wait for <code>Saved</code>, then set <code>depth</code> in " in to_html(ex)


def test_a_link_on_code_keeps_its_code_marks() -> None:
    """API names linked to their documentation (``<a><code>``, as MDN and Sphinx write them, and ``<code><a>``, as
    rustdoc does, with the code's text outside the link code as well) are links on code, not plain links; a link
    whose words are only partly code is a plain link, as before."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    ex = _all_kept(
        '<p>Call <a href="https://ex.org/then"><code>Tide.then()</code></a> or <code><a href="https://ex.org/ebb">'
        'ebb()</a></code>, which returns <code><a href="https://ex.org/opt">Option</a>&lt;Tide&gt;</code>; '
        'see <a href="https://ex.org/x">the <code>flow</code> guide</a>.</p>'
        '<p>Set <a name="depth"><code>depth</code></a></p>'
    )
    md = to_markdown(ex)
    assert md == (
        "Call [`Tide.then()`](https://ex.org/then) or [`ebb()`](https://ex.org/ebb), which returns "
        "[`Option`](https://ex.org/opt)`<Tide>`; see [the flow guide](https://ex.org/x).\n\n"
        "Set `depth`\n"  # a link on code that goes nowhere is code
    )
    shown = lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').render(md)}</div>")
    assert [a.xpath("string(code)") for a in shown.iter("a")] == ["Tide.then()", "ebb()", "Option", ""]
    assert [p.text_content() for p in shown] == ex.text.splitlines()
    page = lxml_html.document_fromstring(to_html(ex))
    assert [a.xpath("string(code)") for a in page.iter("a")] == ["Tide.then()", "ebb()", "Option", ""]
    assert page.xpath("//p/code")[0].text == "<Tide>"


def test_a_code_fence_names_the_language_the_page_names() -> None:
    """The language a page gives its code (a class on the ``<code>``, on the ``<pre>`` or on the ``<div>`` of a
    highlighter around it) goes after the Markdown fence, and in HTML on the ``<code>`` as CommonMark renders it;
    a name that is not clean, or names no language, is left out."""
    from markdown_it import MarkdownIt

    blocks = [
        '<pre><code class="hljs language-js">let tide = 3;</code></pre>',
        '<pre class="lang-rust"><code>let ebb = 2;</code></pre>',
        '<div class="highlight-python3 notranslate"><div class="highlight"><pre>ebb = 2</pre></div></div>',
        '<div class="highlight highlight-source-shell"><pre>echo flood</pre></div>',
        '<pre class="brush: c#; gutter: false">var slack = 1;</pre>',
        '<pre class="language-none">plain words</pre>',
        '<pre class="language-js&quot;onload">x = 1</pre>',
        '<pre class="highlight-default">y = 2</pre>',
        '<pre><code class="lang-auto">z = 3</code></pre>',
    ]
    ex = _all_kept("".join(blocks))
    fences = [t.info for t in MarkdownIt("commonmark").parse(to_markdown(ex)) if t.type == "fence"]
    assert fences == ["js", "rust", "python3", "shell", "c#", "", "", "", ""]
    assert '<pre><code class="language-js">let tide = 3;</code></pre>' in to_html(ex)
    assert "<pre><code>plain words</code></pre>" in to_html(ex)


def test_html_keeps_the_text_direction_of_the_page() -> None:
    """A right-to-left page (``dir="rtl"`` on its ``<html>`` or ``<body>``) stays right to left in the HTML output,
    beside its ``lang``; only the values browsers know are kept."""
    from lxml import html as lxml_html

    def opening(page: str) -> dict[str, str]:
        seg = segment(parse_html(page))
        ex = Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "str", source=page)
        return dict(lxml_html.document_fromstring(to_html(ex)).attrib)

    text = "<p>המעבורת יוצאת בשעה שמונה בבוקר.</p>"
    assert opening(f'<html lang="he" dir="RTL"><body>{text}</body></html>') == {"lang": "he", "dir": "rtl"}
    assert opening(f'<html lang="he"><body dir="rtl">{text}</body></html>') == {"lang": "he", "dir": "rtl"}
    assert opening(f'<html dir="sideways"><body>{text}</body></html>') == {}


def test_html_keeps_the_direction_of_a_block_set_apart_from_the_page() -> None:
    """A ``dir`` below ``<body>`` was lost: an Arabic quotation on an English page came out left to right, and a
    site that sets ``dir="rtl"`` on its article's ``<div>`` (not on ``<html>``) lost it for the whole text."""
    from lxml import html as lxml_html

    def shown(page: str) -> Any:
        seg = segment(parse_html(page))
        ex = Extraction(seg, np.ones(len(seg.blocks)), np.ones(len(seg.blocks), dtype=bool), 0.5, "str", source=page)
        return lxml_html.document_fromstring(to_html(ex))

    arabic = "العبارة تغادر الميناء في الساعة الثامنة صباحا كل يوم."
    mixed = shown(
        f'<html lang="en"><body><p>The notice at the pier reads:</p><div dir="RTL"><p>{arabic}</p>'
        f"<ul><li>{arabic}</li></ul><h2>{arabic}</h2></div><p>It is posted in two languages.</p></body></html>"
    )
    assert "dir" not in mixed.attrib and [p.get("dir") for p in mixed.xpath("//p")] == [None, "rtl", None]
    assert mixed.xpath("//li")[0].get("dir") == "rtl" and mixed.xpath("//h2")[0].get("dir") == "rtl"
    wrapped = shown(f'<html><body><div dir="rtl"><h1>{arabic}</h1><p>{arabic}</p></div></body></html>')
    assert wrapped.get("dir") == "rtl" and not wrapped.xpath("//body//*[@dir]")  # said once, on <html>
    english = shown(f'<html dir="rtl"><body><p>{arabic}</p><pre dir="ltr">ferry --at 08:00</pre></body></html>')
    assert english.get("dir") == "rtl" and english.xpath("//pre")[0].get("dir") == "ltr"
    assert english.xpath("//p")[0].get("dir") is None
