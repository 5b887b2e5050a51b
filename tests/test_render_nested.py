"""Markdown and HTML keep blocks inside the list items and quotations that hold them: code, tables, paragraphs,
lists and quotations nested in one another, as a CommonMark reader and a browser read them."""

from __future__ import annotations

import numpy as np
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from blocksift.blocks import segment
from blocksift.extraction import Extraction
from blocksift.page import parse_html
from blocksift.render import MAX_WRITTEN_NESTING, items, to_html, to_markdown


def _all_kept(body: str) -> Extraction:
    seg = segment(parse_html(f"<html><body><article>{body}</article></body></html>"))
    keep = np.ones(len(seg.blocks), dtype=bool)
    return Extraction(seg, keep.astype(float), keep, 0.5, "str")


def _shown(md: str) -> lxml_html.HtmlElement:
    """``md`` as a CommonMark (and GFM tables) reader renders it, in a ``<div>``."""
    return lxml_html.fromstring(f"<div>{MarkdownIt('commonmark').enable('table').render(md)}</div>")


def _body(ex: Extraction) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(to_html(ex)).body


def test_code_in_a_list_item_is_indented_under_it() -> None:
    """A ``<pre>`` in a list item was written at the left margin: it ended the list, and the next item started a new
    list (numbered 2 on its own). Indented by the item's marker width, it is the item's, with its lines as they
    are."""
    ex = _all_kept(
        "<ol><li><p>Install the tide tables.</p><pre><code class='language-sh'>pip install tides\n\n  tides --help"
        "</code></pre></li><li>Run it once.</li></ol>"
    )
    md = to_markdown(ex)
    assert md == (
        "1. Install the tide tables.\n\n   ```sh\n   pip install tides\n\n     tides --help\n   ```\n2. Run it once.\n"
    )
    shown = _shown(md)
    assert [el.tag for el in shown] == ["ol"] and len(shown.xpath("ol/li")) == 2
    assert shown.xpath("ol/li[1]/pre/code")[0].text == "pip install tides\n\n  tides --help\n"
    body = _body(ex)
    assert [el.tag for el in body] == ["ol"]
    assert body.xpath("ol/li[1]/pre/code")[0].text == "pip install tides\n\n  tides --help"


def test_a_list_and_code_in_a_quotation_keep_its_prefix() -> None:
    """Every line of a quotation's blocks starts with "> " (an empty one with ">"): its list, with the markers of
    its nested list, and its code were written outside it."""
    ex = _all_kept(
        "<blockquote><p>The ferryman said:</p><ul><li>Stay off the ramp<ol><li>in wind</li><li>in rain</li></ol>"
        "</li></ul><pre>wait()\n\nboard()</pre><p>We listened.</p></blockquote>"
    )
    md = to_markdown(ex)
    assert md == (
        "> The ferryman said:\n>\n> - Stay off the ramp\n>   1. in wind\n>   2. in rain\n>\n"
        "> ```\n> wait()\n>\n> board()\n> ```\n>\n> We listened.\n"
    )
    shown = _shown(md)
    assert [el.tag for el in shown] == ["blockquote"]
    assert [el.tag for el in shown[0]] == ["p", "ul", "pre", "p"]
    assert [li.text_content() for li in shown.xpath("blockquote/ul/li/ol/li")] == ["in wind", "in rain"]
    body = _body(ex)
    assert [el.tag for el in body] == ["blockquote"] and [el.tag for el in body[0]] == ["p", "ul", "pre", "p"]


def test_paragraphs_after_the_first_in_a_list_item_stay_in_it() -> None:
    ex = _all_kept(
        "<ol><li><p>Buy a ticket at the kiosk.</p><p>Keep it for the return.</p></li><li><p>Board.</p></li></ol>"
    )
    md = to_markdown(ex)
    assert md == "1. Buy a ticket at the kiosk.\n\n   Keep it for the return.\n2. Board.\n"
    assert [p.text for p in _shown(md).xpath("ol/li[1]/p")] == ["Buy a ticket at the kiosk.", "Keep it for the return."]
    assert _body(ex).xpath("ol/li[1]/p")[0].text == "Keep it for the return."


def test_a_quotation_in_a_list_item_stays_in_it() -> None:
    """A ``<blockquote>`` in a list item was written as a plain paragraph of the item: its quotation marks lost."""
    ex = _all_kept(
        "<ul><li>The guide says:<blockquote><p>No crossing is worth a soaked coat.</p><p>Wait.</p></blockquote></li>"
        "<li>It lists the cafés.</li></ul>"
    )
    md = to_markdown(ex)
    assert md == (
        "- The guide says:\n\n  > No crossing is worth a soaked coat.\n  >\n  > Wait.\n- It lists the cafés.\n"
    )
    shown = _shown(md)
    assert [p.text for p in shown.xpath("ul/li[1]/blockquote/p")] == ["No crossing is worth a soaked coat.", "Wait."]
    assert len(shown.xpath("ul/li")) == 2
    assert _body(ex).xpath("ul/li[1]/blockquote/p")[0].text == "No crossing is worth a soaked coat."
    assert [it.kind for it in items(ex)] == ["item", "quote", "quote", "item"]


def test_a_table_and_a_heading_in_a_list_item_stay_in_it() -> None:
    ex = _all_kept(
        "<ol><li><h3>Prices</h3><table><tr><th>Adult</th><th>Child</th></tr><tr><td>4.00</td><td>2.00</td></tr>"
        "</table></li><li>Pay on board.</li></ol>"
    )
    md = to_markdown(ex)
    assert md == "1. ### Prices\n\n   | Adult | Child |\n   | --- | --- |\n   | 4.00 | 2.00 |\n2. Pay on board.\n"
    shown = _shown(md)
    assert shown.xpath("ol/li[1]/h3") and shown.xpath("ol/li[1]/table//td")[1].text == "2.00"
    assert _body(ex).xpath("ol/li[1]/table//td")[1].text == "2.00"


def test_quotations_side_by_side_stay_two_and_lists_side_by_side_in_an_item_too() -> None:
    """Two quotations were joined into one, and two lists in one item into one list."""
    ex = _all_kept(
        "<blockquote><p>One.</p></blockquote><blockquote><p>Two.</p></blockquote>"
        "<ul><li>Bring<ul><li>boots</li></ul><ul><li>a map</li></ul></li></ul>"
    )
    md = to_markdown(ex)
    assert md == "> One.\n\n> Two.\n\n- Bring\n  - boots\n\n  * a map\n"
    shown = _shown(md)
    assert len(shown.xpath("blockquote")) == 2 and len(shown.xpath("ul/li/ul")) == 2
    assert len(_body(ex).xpath("blockquote")) == 2 and len(_body(ex).xpath("ul/li/ul")) == 2


# --- block elements inside a data table's cells ----------------------------------------------------------------------


def _table_rows(shown: lxml_html.HtmlElement) -> list[list[str]]:
    """Each rendered table row's cells, a ``<br>`` in them as a newline."""
    for br in shown.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return [[cell.text_content() for cell in tr] for tr in shown.iter("tr")]


def test_a_cell_of_several_lines_is_one_row_with_line_breaks() -> None:
    """A GFM row is one line: a cell's lines (a ``<br>``, paragraphs, list items) are apart by a ``<br>``, not run
    together by a space ("5.4 5.10 6.1"), and a pipe in them is escaped."""
    ex = _all_kept(
        "<table><tr><th>System</th><th>Kernels</th><th>Checks</th></tr>"
        "<tr><td>Linux</td><td>5.4<br>5.10<br>6.1</td><td>Nightly</td></tr>"
        "<tr><td>BSD</td><td><p>13</p><p>14</p></td><td><ul><li>Weekly</li><li>On release | rc</li></ul></td></tr>"
        "</table>"
    )
    md = to_markdown(ex)
    assert md == (
        "| System | Kernels | Checks |\n| --- | --- | --- |\n| Linux | 5.4<br>5.10<br>6.1 | Nightly |\n"
        "| BSD | 13<br>14 | Weekly<br>On release \\| rc |\n"
    )
    rows = [
        ["System", "Kernels", "Checks"],
        ["Linux", "5.4\n5.10\n6.1", "Nightly"],
        ["BSD", "13\n14", "Weekly\nOn release | rc"],
    ]
    assert _table_rows(_shown(md)) == rows
    assert _table_rows(_body(ex)) == rows
    assert ex.text.splitlines()[1] == "Linux | 5.4 / 5.10 / 6.1 | Nightly"  # the plain text as before


def test_code_in_a_data_cell_stays_in_its_row() -> None:
    """A ``<pre>`` in a data table's cell was a code block that cut the table in two (its second half without a
    header row, no table at all in GFM), and lines of its own in the plain text; it is the cell's value: a code span
    per line in Markdown, a ``<pre>`` in the cell in HTML, the cell's lines in the plain text."""
    ex = _all_kept(
        "<table><tr><th>Option</th><th>Example</th></tr><tr><td>--port</td><td><pre>tides --port 80\n"
        "tides --port 443</pre></td></tr><tr><td>--host</td><td>any name</td></tr></table>"
    )
    md = to_markdown(ex)
    assert md == (
        "| Option | Example |\n| --- | --- |\n| --port | `tides --port 80`<br>`tides --port 443` |\n"
        "| --host | any name |\n"
    )
    shown = _shown(md)
    assert _table_rows(shown)[1] == ["--port", "tides --port 80\ntides --port 443"] and len(shown.xpath("//table")) == 1
    body = _body(ex)
    assert (
        len(body.xpath("table")) == 1
        and body.xpath("table//td/pre/code")[0].text == "tides --port 80\ntides --port 443"
    )
    # the plain text's row stays one line too, the code's lines apart as a cell's lines are
    assert ex.text == "Option | Example\n--port | tides --port 80 / tides --port 443\n--host | any name"


def test_a_backslash_before_a_cell_line_break_stays_text() -> None:
    md = to_markdown(
        _all_kept("<table><tr><th>Drive</th><th>Use</th></tr><tr><td>C:\\<br>D:\\</td><td>data</td></tr></table>")
    )
    assert _table_rows(_shown(md))[1] == ["C:\\\nD:\\", "data"]


def test_a_list_holding_nothing_kept_but_nested_lists_is_left_out() -> None:
    """A contents box's outer item whose own text the model dropped: its nested list is written in its place, not
    as an item of no text around it ("- - CoreDNS"); an item with text of its own keeps its nested list."""
    html = "<ul><li><span>Contents</span><ul><li>CoreDNS</li><li>Local DNS</li></ul></li></ul>"
    ex = _all_kept(html)
    ex = Extraction(ex.segmentation, ex.proba, np.array([b.text != "Contents" for b in ex.blocks]), 0.5, "str")
    assert to_markdown(ex) == "- CoreDNS\n- Local DNS\n"
    assert [el.tag for el in _body(ex)] == ["ul"] and not _body(ex).xpath("ul/li/ul")
    assert to_markdown(_all_kept(html)) == "- Contents\n  - CoreDNS\n  - Local DNS\n"


def test_lists_nested_hundreds_deep_are_written_without_recursing_that_deep() -> None:
    """The writers recurse once per level: past ``MAX_WRITTEN_NESTING`` levels a block is written at that depth,
    its words kept, rather than failing with a RecursionError."""
    ex = _all_kept("<ul><li>step" * 600)
    md, page = to_markdown(ex), to_html(ex)
    assert md.count("step") == len(ex.blocks) == page.count("step")
    assert max(len(line) - len(line.lstrip()) for line in md.splitlines()) == 2 * MAX_WRITTEN_NESTING
