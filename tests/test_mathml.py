"""Formulas (MathML) are text: their TeX where the page gives it, else their layout read in a line; Markdown writes
them between dollar signs, and a renderer's visual copy of a formula does not double it."""

from __future__ import annotations

import numpy as np
from lxml import html as lxml_html

from blocksift.blocks import segment
from blocksift.extraction import Extraction
from blocksift.mathml import formula_text
from blocksift.page import parse_html
from blocksift.render import to_html, to_markdown


def _all_kept(body: str) -> Extraction:
    seg = segment(parse_html(f"<html><body><article>{body}</article></body></html>"))
    keep = np.ones(len(seg.blocks), dtype=bool)
    return Extraction(seg, keep.astype(float), keep, 0.5, "str")


# KaTeX's markup: the MathML with its TeX for screen readers, and an aria-hidden drawing whose glyphs are letters.
KATEX = (
    '<p>The rest energy is <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>E</mi>'
    "<mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></mrow>"
    '<annotation encoding="application/x-tex">E = mc^2</annotation></semantics></math></span>'
    '<span class="katex-html" aria-hidden="true"><span class="mord">E</span><span class="mrel">=</span>'
    '<span class="mord">m</span><span class="mord">c<span class="msupsub">2</span></span></span></span>'
    " of a body, proved for $5.</p>"
)


def test_a_formula_is_its_tex_once_in_text_markdown_and_html() -> None:
    """The formula was dropped with the ``<math>`` ("The rest energy is Em=c2 of a body": KaTeX's drawing alone);
    it is its TeX, once. Markdown sets it between dollar signs, and escapes a dollar sign of the text beside it."""
    ex = _all_kept(KATEX)
    assert ex.text == "The rest energy is E = mc^2 of a body, proved for $5."
    assert to_markdown(ex) == "The rest energy is $E = mc^2$ of a body, proved for \\$5.\n"
    body = lxml_html.document_fromstring(to_html(ex)).body
    assert body.xpath("p/span[@class='math inline']")[0].text == "\\(E = mc^2\\)"


def test_mediawiki_tex_loses_its_style_wrapper_and_the_fallback_image_adds_nothing() -> None:
    ex = _all_kept(
        '<p>Each entry <span class="mwe-math-element"><span class="mwe-math-mathml-inline" style="display: none;">'
        '<math alttext="{\\displaystyle a_{ij}}"><semantics><mrow><msub><mi>a</mi><mrow><mi>i</mi><mi>j</mi>'
        '</mrow></msub></mrow><annotation encoding="application/x-tex">{\\displaystyle a_{ij}}</annotation>'
        '</semantics></math></span><img src="f.svg" aria-hidden="true" alt="{\\displaystyle a_{ij}}"></span>'
        " is real.</p>"
    )
    assert ex.text == "Each entry a_{ij} is real."
    assert to_markdown(ex) == "Each entry $a_{ij}$ is real.\n"


def test_a_displayed_formula_without_tex_is_read_in_a_line() -> None:
    """MathJax's assistive MathML has no TeX: its layout read linearly, not its tokens run together
    ("x=−b±b2−4ac2a"); a displayed formula is ``$$...$$`` in Markdown."""
    ex = _all_kept(
        '<p>The roots are</p><mjx-container display="true"><mjx-math aria-hidden="true"><mjx-c>x</mjx-c></mjx-math>'
        '<mjx-assistive-mml><math display="block"><mi>x</mi><mo>=</mo><mfrac><mrow><mo>−</mo><mi>b</mi><mo>±</mo>'
        "<msqrt><msup><mi>b</mi><mn>2</mn></msup><mo>−</mo><mn>4</mn><mi>a</mi><mi>c</mi></msqrt></mrow>"
        "<mrow><mn>2</mn><mi>a</mi></mrow></mfrac></math></mjx-assistive-mml></mjx-container>"
    )
    assert ex.text == "The roots are\nx=(−b±√(b^2−4ac))/(2a)"
    assert to_markdown(ex) == "The roots are\n\n$$x=(−b±√(b^2−4ac))/(2a)$$\n"
    assert '<span class="math display">\\[x=(−b±√(b^2−4ac))/(2a)\\]</span>' in to_html(ex)


def test_a_less_than_in_a_formula_opens_no_tag_and_an_empty_formula_leaves_its_tail() -> None:
    ex = _all_kept("<p>Where <math><mi>a</mi><mo>&lt;</mo><mi>b</mi></math> holds.</p><p>A <math></math> gap.</p>")
    assert ex.text == "Where a<b holds.\nA gap."
    assert to_markdown(ex) == "Where $a\\lt b$ holds.\n\nA gap.\n"


def test_scripts_and_words_in_a_formula_read_linearly() -> None:
    math = lxml_html.fragment_fromstring(
        "<math><msubsup><mi>x</mi><mi>i</mi><mn>10</mn></msubsup><mtext>for all</mtext><mroot><mi>y</mi><mn>3</mn>"
        "</mroot></math>"
    )
    assert formula_text(math) == "x_i^{10} for all √[3](y)"
