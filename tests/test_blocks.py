"""Segmentation of hand-written pages into known blocks."""

from __future__ import annotations

from blocksift.blocks import segment
from blocksift.page import parse_html

PAGE = """<html><head><title>Known blocks</title></head><body>
<nav class="top-menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<main id="content">
  <article class="post">
    <h1>The headline</h1>
    <p>First paragraph with <a href="/x">an inline link</a> inside it.</p>
    <p>Second<br>paragraph after a break.</p>
    <pre>code line one
code line two</pre>
    <table><caption>Fares</caption><tr><th>Route</th><td>Adult fare</td></tr></table>
    <form><label>Your email</label><button>Send</button></form>
    <div>Loose text in a div <span>with a span</span> and <em>emphasis</em>.</div>
  </article>
</main>
<footer><p>© 2024 Example</p></footer>
</body></html>"""


def blocks_of(html: str) -> list[str]:
    return [b.text for b in segment(parse_html(html)).blocks]


def test_known_blocks_in_document_order() -> None:
    assert blocks_of(PAGE) == [
        "Home",
        "News",
        "The headline",
        "First paragraph with an inline link inside it.",
        "Second",
        "paragraph after a break.",
        "code line one code line two",
        "Fares",
        "Route",
        "Adult fare",
        "Your email",
        "Send",
        "Loose text in a div with a span and emphasis.",
        "© 2024 Example",
    ]


def test_block_counts_links_paths_and_elements() -> None:
    seg = segment(parse_html(PAGE))
    by_text = {b.text: b for b in seg.blocks}
    para = by_text["First paragraph with an inline link inside it."]
    assert (para.n_tokens, para.n_link_tokens, para.n_chars) == (8, 3, 46)
    assert seg.tag_path(para) == ("html", "body", "main", "article", "p")
    assert para.depth == 5
    assert "post" in seg.attr_tokens(para) and "content" in seg.attr_tokens(para)
    assert seg.element(para).tag == "p"
    home = by_text["Home"]
    assert home.n_link_tokens == home.n_tokens == 1
    assert seg.tag_path(home)[-3:] == ("nav", "ul", "li")
    assert "top-menu" in seg.attr_tokens(home)
    assert [b.index for b in seg.blocks] == list(range(len(seg.blocks)))
    assert seg.title == "Known blocks"


def test_headings_cells_captions_and_labels_are_their_own_blocks() -> None:
    seg = segment(parse_html(PAGE))
    owners = {b.text: seg.element(b).tag for b in seg.blocks}
    assert owners["The headline"] == "h1"
    assert owners["Route"] == "th" and owners["Adult fare"] == "td"
    assert owners["Fares"] == "caption"
    assert owners["Your email"] == "label"
    assert owners["code line one code line two"] == "pre"


def test_page_without_text_has_no_blocks() -> None:
    assert blocks_of("<html><body><div><img src='x.png'></div><p>   </p></body></html>") == []


def test_text_directly_in_body_is_a_block() -> None:
    assert blocks_of("<html><body>bare text<p>para</p>tail text</body></html>") == [
        "bare text",
        "para",
        "tail text",
    ]


def test_punctuation_only_text_is_not_a_block() -> None:
    assert blocks_of("<p>|</p><p>»</p><p>real words</p>") == ["real words"]


def test_each_container_knows_where_its_subtree_ends() -> None:
    seg = segment(parse_html(PAGE))
    by_element = {c.element: c.id for c in seg.containers}
    for c in seg.containers:
        inner = [by_element[el] for el in c.element.iterdescendants() if el in by_element]
        # the containers inside are exactly the ids after this one, up to its end
        assert inner == list(range(c.id + 1, c.end))
    article = next(c for c in seg.containers if c.tag == "article")
    assert {b.text for b in seg.blocks if article.id <= b.owner < article.end} == {
        b.text for b in seg.blocks if article.id in b.path
    }


def test_an_emoji_drawn_as_an_image_does_not_cut_its_sentence() -> None:
    """WordPress and most forums draw each emoji as an <img>: the sentence around it was cut in two blocks, and a short
    piece could then be dropped as an island. A separator's image between links still ends a run of text."""
    page = (
        '<p>I love it <img class="wp-smiley emoji" alt="😀" src="e.png"> and so do you.</p>'
        '<p>Thumbs <img alt="👍🏽" src="t.png"> up</p>'
        '<p><a href="/">Home</a> <img alt="»" src="sep.gif"> <a href="/news">News</a></p>'
    )
    assert [b.text for b in segment(parse_html(page)).blocks] == [
        "I love it and so do you.", "Thumbs up", "Home", "News"
    ]  # fmt: skip


def test_an_image_in_a_sentence_does_not_cut_it_and_an_image_between_items_does() -> None:
    """An image with words right before and after it at its own level stands in the sentence (MediaWiki's inline
    formulas, "Click the <img> icon"): each cut the sentence into two blocks, printed on two lines. It counts as a
    space, so that the words beside it do not fuse. Images between items still end the run: a gallery's between
    captions, a separator between links, an icon inside a link, one before a line break."""
    formula = (  # MediaWiki's markup: the MathML is hidden (and emptied by the cleaning), the image shows
        '<span class="mwe-math-element"><span class="mwe-math-mathml-inline" style="display: none;">'
        '<math><mi>{0}</mi></math></span><img class="{1}" alt="{0}" src="{0}.svg"></span>'
    )
    page = (
        f"<p>If the matrix {formula.format('B', 'mwe-math-fallback-image-inline')} is row full-rank, then"
        f" {formula.format('A', 'tex')}is positive definite.</p>"
        '<p>Click the<img src="gear.png" alt="settings" width="16" height="16">icon to open the settings.</p>'
        '<div class="gallery"><img src="1.jpg" alt="">Harbour at dawn<img src="2.jpg" alt="">'
        "<span>The old lighthouse</span></div>"
        '<nav><a href="/ferries">Ferries</a> <img src="dot.gif" alt="|"> <a href="/times">Timetables</a></nav>'
        '<p>Read the <a href="/manual">manual <img src="ext.svg" alt="External"> online</a> first</p>'
        '<p>Photo <img src="p.jpg" alt=""><br>Ann Lee</p>'
    )
    assert [b.text for b in segment(parse_html(page)).blocks] == [
        "If the matrix is row full-rank, then is positive definite.",
        "Click the icon to open the settings.",
        "Harbour at dawn", "The old lighthouse",
        "Ferries", "Timetables",
        "Read the manual", "online first",
        "Photo", "Ann Lee",
    ]  # fmt: skip


def test_zero_width_spaces_and_byte_order_marks_do_not_split_words() -> None:
    """Never seen, they split a word for a tokenizer or a search index; no gold text of the datasets holds one. A
    soft hyphen stays: the page's own text has it, and the gold texts of pages with one keep it."""
    page = "<p>zero&#8203;width join&#8288;ed &#xFEFF;mark hy&shy;phen <a href='/x'>li&#8203;nk</a></p>"
    [block] = segment(parse_html(page)).blocks
    assert block.text == "zerowidth joined mark hy\xadphen link" and block.n_link_tokens == 1


def test_a_permalink_mark_is_no_part_of_its_heading() -> None:
    """Sphinx's "¶", rustdoc's "§" and the "#" of many blogs are links to the heading's own anchor: "## Options¶"
    is no heading a reader wants. A link of such a mark elsewhere, or one to another page ("#tag"), stays."""
    page = (
        '<h2>Options<a class="headerlink" href="#options">¶</a></h2><h3 id="u"><a href="#u">§</a> Usage</h3>'
        '<dl><dt>read(path)<a href="#read">¶</a></dt><dd>Reads the file.</dd></dl>'
        '<p>Tagged <a href="/tags/ferries">#ferries</a>, see <a href="/x">¶</a> 4.</p>'
    )
    assert blocks_of(page) == ["Options", "Usage", "read(path)", "Reads the file.", "Tagged #ferries, see ¶ 4."]
