"""Formulas in the Markdown and HTML outputs (``formulas.py``, ``render.py``): each one's TeX where it stands on the
page, while the blocks' text, which the model reads and the gold texts are scored against, stays as it was."""

from __future__ import annotations

import numpy as np
import pytest
from lxml import html as lxml_html

import blocksift.page as page_module
from blocksift.blocks import segment
from blocksift.extraction import Extraction
from blocksift.features import page_matrices
from blocksift.formulas import FORMULA_TAG, formula_tex
from blocksift.page import parse_html
from blocksift.render import to_html, to_markdown

KATEX = (
    '<span class="katex"><span class="katex-mathml"><math><semantics><msub><mi>a</mi><mi>ij</mi></msub>'
    '<annotation encoding="application/x-tex">a_{ij}</annotation></semantics></math></span>'
    '<span class="katex-html" aria-hidden="true"><span class="mord">a</span><span class="msupsub">ij</span></span>'
    "</span>"
)
# MathJax 3's CommonHTML output: glyphs drawn by CSS (no text), and MathML without TeX for screen readers.
MATHJAX3_FRACTION = (
    '<mjx-container class="MathJax" jax="CHTML"><mjx-math aria-hidden="true"><mjx-c class="mjx-c1D44E"></mjx-c>'
    "</mjx-math><mjx-assistive-mml><math><mfrac><mi>a</mi><mrow><mi>b</mi><mo>+</mo><mn>1</mn></mrow></mfrac></math>"
    "</mjx-assistive-mml></mjx-container>"
)
# MediaWiki: MathML hidden for browsers that draw an image, the image's alt its TeX in a style wrapper.
MEDIAWIKI = (
    '<span class="mwe-math-element"><span class="mwe-math-mathml-inline" style="display: none;">'
    '<math alttext="{\\displaystyle x&lt;y}"><mi>x</mi><mo>&lt;</mo><mi>y</mi></math></span></span>'
)


def _kept(page: str) -> Extraction:
    seg = segment(parse_html(page))
    n = len(seg.blocks)
    return Extraction(seg, np.ones(n), np.ones(n, dtype=bool), 0.5, "str", source=page)


def test_katex_glyphs_are_written_as_the_formula_tex_in_markdown_and_html() -> None:
    ex = _kept(f"<p>The element {KATEX} of the matrix costs $5.</p>")
    assert ex.text == "The element aij of the matrix costs $5."  # the text the model reads and is scored on
    # The glyphs give way to the TeX; the price's dollar sign is escaped, as a math renderer would pair it.
    assert to_markdown(ex) == "The element $a_{ij}$ of the matrix costs \\$5.\n"
    paragraph = lxml_html.document_fromstring(to_html(ex)).find(".//p")
    assert paragraph is not None and paragraph.find("span").get("class") == "math inline"
    assert paragraph.text_content() == "The element \\(a_{ij}\\) of the matrix costs $5."


def test_formulas_without_visible_text_take_their_place_in_the_sentence() -> None:
    ex = _kept(
        f"<p>A fraction {MATHJAX3_FRACTION}, then more.</p>"
        f"<p>We know {MEDIAWIKI} holds.</p>"
        '<p>Unrendered <script type="math/tex">x^2</script> TeX, and a display'
        '<script type="math/tex; mode=display">\\sum_i x_i</script></p>'
    )
    assert ex.text == "A fraction , then more.\nWe know holds.\nUnrendered TeX, and a display"
    assert to_markdown(ex) == (
        "A fraction $a/(b+1)$, then more.\n\nWe know $x\\lt y$ holds.\n\n"
        "Unrendered $x^2$ TeX, and a display $$\\sum_i x_i$$\n"
    )
    assert '<span class="math display">\\[\\sum_i x_i\\]</span>' in to_html(ex)


def test_mathjax2_frame_glyphs_are_replaced_by_the_script_tex() -> None:
    page = (
        '<p>Energy <span class="MathJax" id="MathJax-Element-1-Frame"><nobr><span class="math">E=mc2</span></nobr>'
        '<span class="MJX_Assistive_MathML"><math><mi>E</mi></math></span></span>'
        '<script type="math/tex" id="MathJax-Element-1">E=mc^2</script> is conserved.</p>'
    )
    ex = _kept(page)
    assert ex.text == "Energy E=mc2 is conserved."
    assert to_markdown(ex) == "Energy $E=mc^2$ is conserved.\n"


def test_a_formula_alone_between_headings_is_a_paragraph_of_its_own() -> None:
    """A displayed formula with no text of its own, between two headings, is in no block: it is written where it
    stands, as a paragraph of its own, and not carried into the paragraph after it (all of a page's formulas had
    piled up there); it goes where the blocks on both sides of it are dropped."""
    shown = MATHJAX3_FRACTION.replace('jax="CHTML"', 'jax="CHTML" display="true"')
    page = f"<body><h2>Quadratic</h2>{shown}<h2>Note</h2>Where {shown.replace('<mi>a</mi>', '<mi>c</mi>')} is.</body>"
    ex = _kept(page)
    assert to_markdown(ex) == "## Quadratic\n\n$$a/(b+1)$$\n\n## Note\n\nWhere $$c/(b+1)$$ is.\n"
    assert '<p><span class="math display">\\[a/(b+1)\\]</span></p>' in to_html(ex)
    menu = f"<body><ul><li><a href=/a>Home</a></li></ul>{shown}<p>The article starts here.</p></body>"
    seg = segment(parse_html(menu))
    keep = np.array([False, True])
    dropped_before = Extraction(seg, keep.astype(float), keep, 0.5, "str", source=menu)
    assert to_markdown(dropped_before) == "The article starts here.\n"


def test_the_blocks_and_features_do_not_change() -> None:
    """The formulas are for rendering only: the model's input on a page full of them is what it was without."""
    page = (
        f"<html><body><h1>Notes</h1><p>The element {KATEX} and {MATHJAX3_FRACTION} with {MEDIAWIKI}.</p>"
        '<div><script type="math/tex">x</script>Next <a href="/x">link</a></div></body></html>'
    )
    with_formulas = segment(parse_html(page))
    assert next(parse_html(page).root.iter(FORMULA_TAG), None) is not None
    original = page_module.mark_formulas
    page_module.mark_formulas = lambda root, text: None
    try:
        without = segment(parse_html(page))
    finally:
        page_module.mark_formulas = original
    assert [(b.text, b.path, b.n_link_tokens) for b in with_formulas.blocks] == [
        (b.text, b.path, b.n_link_tokens) for b in without.blocks
    ]
    assert np.array_equal(page_matrices(with_formulas)[0], page_matrices(without)[0], equal_nan=True)


@pytest.mark.parametrize(
    ("mathml", "tex"),
    [
        ('<math alttext="{\\displaystyle \\alpha }"><mi>α</mi></math>', "\\alpha"),
        ("<math><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><msqrt><mi>y</mi></msqrt></math>", "x^2+√(y)"),
        ("<math><msubsup><mi>a</mi><mi>k</mi><mn>10</mn></msubsup></math>", "a_k^{10}"),
        ('<math><mover accent="true"><mi>x</mi><mo>˙</mo></mover><mo>=</mo><mi>y</mi></math>', "\\dot{x}=y"),
        ("<math><mtable><mtr><mtd><mi>a</mi></mtd><mtd><mi>b</mi></mtd></mtr><mtr><mtd><mi>c</mi></mtd></mtr></mtable>"
         "</math>", "\\begin{matrix} a & b \\\\ c \\end{matrix}"),
        # TeX's own marks as a formula's text: a set's braces, a price, a percentage (a "$" ended the formula)
        ("<math><mo>{</mo><mi>$</mi><mn>5</mn><mo>}</mo><mo>%</mo><mi>a_b</mi></math>", "\\{\\$5\\}\\%a\\_b"),
        ("<math><mi>x</mi><mtext>if</mtext><mi>y</mi></math>", "x if y"),
    ],
)  # fmt: skip
def test_the_tex_of_a_formula(mathml: str, tex: str) -> None:
    math = next(lxml_html.fromstring(f"<p>{mathml}</p>").iter("math"))
    assert formula_tex(math) == tex


def test_hostile_formulas_are_read_without_failing() -> None:
    """Control characters, which no XML attribute holds, and zero-width marks in a TeX script; a formula nested past
    Python's recursion limit; an empty formula, which is left out; a TeX ending in a control space, whose backslash
    escaped the closing "$" and ran the formula on into the next one."""
    deep = "<math>" + "<mrow>" * 3000 + "<mi>z</mi>" + "</mrow>" * 3000 + "</math>"
    ex = _kept(
        '<p>Bad <script type="math/tex">a\x01b\x0c\u200b\x7f</script> bytes.</p>'
        f"<p>Deep {deep} end.</p><p>Empty <math></math> one.</p>"
        '<p>Spaced <script type="math/tex">a\\ </script> then <script type="math/tex">b \\\\</script> end.</p>'
    )
    assert to_markdown(ex) == "Bad $ab$ bytes.\n\nDeep $z$ end.\n\nEmpty one.\n\nSpaced $a$ then $b \\\\$ end.\n"


def test_a_formula_alone_in_a_list_item_is_the_item_and_in_a_cell_is_the_cell() -> None:
    """A formula alone in its own list item is that item, not a paragraph of the item before; one alone in a data
    table's cell is that cell's value, in its row (set apart on its own line, it had cut the table in two); one in a
    layout table's cell is the paragraph it is there."""
    alone = '<math alttext="x_1"><mi>x</mi></math>'
    listed = _kept(f"<ol><li>First {alone}</li><li>{alone}</li></ol><p>After.</p>")
    assert to_markdown(listed) == "1. First $x_1$\n2. $$x_1$$\n\nAfter.\n"
    table = _kept(f"<table><tr><th>A</th><th>B</th></tr><tr><td>{alone}</td><td>v {alone} w</td></tr></table>")
    assert to_markdown(table) == "| A | B |\n| --- | --- |\n| $x_1$ | v $x_1$ w |\n"
    assert '<td><span class="math inline">' in to_html(table)
    prose = " ".join(["The column holds running text of an old page laid out in a table."] * 4)
    layout = _kept(f"<table><tr><td><p>{prose}</p>{alone}<p>{prose}</p></td></tr></table>")
    assert to_markdown(layout) == f"{prose}\n\n$$x_1$$\n\n{prose}\n"


def test_a_formula_inside_emphasis_is_kept_and_the_emphasis_is_not() -> None:
    """Marks cannot nest in the spans: where a formula sits inside an emphasis, the formula is written and the
    emphasis is not (a link around a formula keeps both: ``test_a_formula_in_a_link_is_written_in_its_label``)."""
    alone = '<math alttext="x_1"><mi>x</mi></math>'
    ex = _kept(f"<p>So <em>then {alone}</em> holds, <strong>always</strong>.</p>")
    assert to_markdown(ex) == "So then $x_1$ holds, **always**.\n"


def test_a_page_s_own_element_of_our_tag_name_is_no_formula() -> None:
    """A page may write ``<blocksift-formula tex=...>`` itself: its words stay words (its ``tex`` had been written in
    their place, a line break in it opening a heading in Markdown), and a formula inside it is still one."""
    page = (
        '<p>Hello <BlockSift-Formula tex="a&#10;&#10;# b" display="block">world</BlockSift-Formula> and'
        ' <blocksift-formula tex="outer"><math alttext="x_1"><mi>x</mi></math></blocksift-formula> end.</p>'
    )
    ex = _kept(page)
    assert to_markdown(ex) == "Hello world and $x_1$ end.\n"
    assert "outer" not in to_html(ex)


def test_a_formula_without_glyphs_keeps_its_space_before_a_sign_or_an_emphasis() -> None:
    """Where a formula shows no text, the space after it is put back before a word, a sign or an emphasis mark, and
    not before punctuation that ends a clause."""
    x = '<math alttext="x"><mi>x</mi></math>'
    ex = _kept(f"<p>So {x} = 5 and {x} <em>is</em> {x}, ({x}) {x}-axis {x} is.</p>")
    assert to_markdown(ex) == "So $x$ = 5 and $x$ *is* $x$, ($x$) $x$-axis $x$ is.\n"


def test_latexml_equations_set_in_a_table_are_displays() -> None:
    """LaTeXML (arXiv's HTML papers) sets each displayed equation in a table's cell beside its number: it is written
    as a display (an aligned equation's sides, in cells of one row, as one), where a formula alone in a data table's
    cell is that cell's value."""

    def math(tex: str) -> str:
        return f'<td class="ltx_eqn_cell"><math alttext="{tex}" display="block"><mi>x</mi></math></td>'

    page = (
        "<p>Then</p>"
        f'<table class="ltx_equation ltx_eqn_table"><tr><td class="ltx_eqn_cell"></td>{math("f(x)=0")}'
        '<td class="ltx_eqn_eqno">(1)</td></tr></table><p>where</p>'
        f'<table class="ltx_equationgroup ltx_eqn_table"><tr>{math("a")}{math("=b")}<td>(2)</td></tr></table>'
        f"<p>Done.</p><table><tr><th>A</th><th>B</th></tr><tr><td>v</td>{math('c')}</tr></table>"
    )
    assert to_markdown(_kept(page)) == (
        "Then\n\n$$f(x)=0$$\n\n(1)\n\nwhere\n\n$$a =b$$\n\n(2)\n\nDone.\n\n| A | B |\n| --- | --- |\n| v | $c$ |\n"
    )


def test_tex_in_the_text_of_a_page_saved_before_mathjax_ran_stays_text() -> None:
    """TeX between dollar signs in the page's text (MathJax had not drawn it) is the page's text: its dollars are
    escaped with the rest, not left for a math renderer to pair over escaped TeX ("a\\*b"); lone prices stay as they
    are."""
    ex = _kept("<p>Raw $a*b_{x}$ and $$x\\,y$$ here.</p><p>It costs $5 or $10.</p>")
    assert to_markdown(ex) == "Raw \\$a\\*b\\_{x}\\$ and \\$\\$x\\\\,y\\$\\$ here.\n\nIt costs $5 or $10.\n"


def test_stackexchange_formulas_mathjax_has_not_drawn_are_formulas() -> None:
    """StackExchange serves each formula as its TeX between dollars in a "math-container" span: written as the
    formula (its TeX as it is, not escaped as text), once, whether MathJax drew it before the page was saved or not;
    a container of two formulas is left as text."""
    drawn = (
        '<span class="math-container"><span class="MathJax_Preview"></span><span class="MathJax_SVG"'
        ' id="MathJax-Element-1-Frame"><svg></svg></span>'
        '<script type="math/tex" id="MathJax-Element-1">y</script></span>'
    )
    ex = _kept(
        f'<p>Prove <span class="math-container">$x\\,y_1$</span> for all {drawn}.</p>'
        '<p><span class="math-container">$$\\int f$$</span></p>'
        '<p>Two <span class="math-container">$a$ or $b$</span></p>'
    )
    assert ex.text == "Prove $x\\,y_1$ for all .\n$$\\int f$$\nTwo $a$ or $b$"
    assert to_markdown(ex) == "Prove $x\\,y_1$ for all $y$.\n\n$$\\int f$$\n\nTwo \\$a\\$ or \\$b\\$\n"
    assert '<span class="math inline">\\(x\\,y_1\\)</span>' in to_html(ex)


def test_a_formula_in_a_link_is_written_in_its_label() -> None:
    """A formula inside a link had its glyphs written as the label ("[α particles]"), its TeX lost: the link's span
    covered it, and marks do not nest. The label now holds it, as Markdown's and HTML's links may."""
    ex = _kept(f'<p>See <a href="https://example.org/a">{KATEX} particles</a> and <a href="https://example.org/b">'
               '<math alttext="x_1"><mi>x</mi></math> values</a>.</p>')  # fmt: skip
    assert ex.text == "See aij particles and values."
    assert to_markdown(ex) == (
        "See [$a_{ij}$ particles](https://example.org/a) and [$x_1$ values](https://example.org/b).\n"
    )
    link = lxml_html.document_fromstring(to_html(ex)).find(".//a")
    assert link is not None and link.find("span").get("class") == "math inline"
    assert link.text_content() == "\\(a_{ij}\\) particles"
