"""Formulas: where each one is on the page, and its TeX, for the Markdown and HTML outputs.

The cleaner drops ``<math>`` (its tokens run together read "x2+y2=z2" for x²+y²=z²) and ``<script>``, so a formula
was missing from every output, and "the element a_ij of the matrix" read "the element of the matrix". The text the
model reads must stay as it is: the datasets' gold texts leave formulas out (browsers show MathML hidden or drawn by
a script), and giving the model formula text cost 0.003 of the mean and 0.6 on readability's MathJax page (session
34). So the formula's text is not added to the tree: each formula is *wrapped* in a ``FORMULA_TAG`` element that
carries its TeX as an attribute, around whatever of it stays visible (KaTeX's and MathJax 2's glyphs, or nothing).
Segmentation does not know the tag, which holds no text of its own: blocks and features are unchanged, and only
rendering (``render.py``) reads it, writing ``$tex$`` where the formula is (in place of its glyphs).

The TeX is the one the page gives: MathJax 2's ``<script type="math/tex">``, KaTeX's, MediaWiki's and LaTeXML's
``<annotation encoding="application/x-tex">`` or ``alttext``; else the MathML layout read in a line in TeX's
notation (``x^{2}``, ``(a)/(b)``, ``√(x)``, ``\\dot{x}``, a table as a ``matrix``, ``\\{`` for a brace), as
MathJax 3's assistive MathML has no TeX.
"""

from __future__ import annotations

import re

from lxml import etree

# Our own element around a formula; segmentation reads it as an inline element without text. A page's own element
# of that name (any page may write one) is renamed to ``PAGE_FORMULA_TAG`` before the formulas are marked.
FORMULA_TAG = "blocksift-formula"
PAGE_FORMULA_TAG = "blocksift-formula-of-the-page"
TEX_ATTRIBUTE = "tex"
DISPLAY_ATTRIBUTE = "display"  # "block" for a formula set apart on its own line
# What an annotation's encoding is called where it holds TeX.
TEX_ENCODINGS = frozenset({"application/x-tex", "application/x-latex", "tex", "latex"})
# MediaWiki wraps each formula's TeX in the style it sets it in: "{\displaystyle a_{ij}}" says no more than a_{ij}.
_STYLE_WRAPPER_RE = re.compile(r"^\{\\(?:display|text|script|scriptscript)style\s*(.*)\}$", re.DOTALL)
# Characters an XML attribute cannot hold (lxml refuses them): control characters, surrogates, non-characters; and
# those no TeX renderer reads, which the page's text leaves out too (DEL, the C1 controls, zero-width marks).
_NOT_TEX_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff\ud800-\udfff\ufffe\uffff]")
# The layout elements with a base and scripts, and the mark each script is written after.
_SCRIPTS = {
    "msup": ("^",), "msub": ("_",), "msubsup": ("_", "^"), "mover": ("^",), "munder": ("_",), "munderover": ("_", "^"),
}  # fmt: skip
# Accents set over a letter (a time derivative's dot, a vector's arrow), as TeX names them.
_ACCENTS = {
    "˙": "\\dot", "¨": "\\ddot", "^": "\\hat", "ˆ": "\\hat", "~": "\\tilde", "˜": "\\tilde", "¯": "\\bar", "→": "\\vec",
    "⃗": "\\vec",
}  # fmt: skip
# The characters TeX reads as markup, as a token's text in MathML means them ("{" of a set, "$" of a price, "%"): a
# "$" written as it is ends the formula in Markdown, and "{x}" reads as x.
_TEX_SPECIALS = str.maketrans({
    "\\": "\\backslash ", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#", "%": "\\%", "_": "\\_",
    "^": "\\hat{}", "~": "\\sim ",
})  # fmt: skip
# What a formula holds that is no part of its layout: its annotations and the empty marks of prescripts.
_NOT_LAYOUT = frozenset({"annotation", "annotation-xml", "none", "mprescripts"})
# Deeper layouts are read as their text in order: the reading recurses, and the parse keeps 2,048 levels.
MAX_LAYOUT_DEPTH = 100
# The elements renderers wrap a formula in (KaTeX's "katex" span around its MathML and its glyphs, MathJax's
# mjx-container and MathJax 2's "MathJax" frame, MediaWiki's "mwe-math-element" around its hidden MathML and fallback
# image): spans or custom elements whose class or tag names them, at most this many levels above the <math>.
_WRAPPER_RE = re.compile(r"katex|mjx|mathjax|mwe-math|\bmath\b", re.IGNORECASE)
_WRAPPER_LEVELS = 4
# A wrapper that sets its formula apart: KaTeX's "katex-display", MediaWiki's "mwe-math-mathml-display".
_DISPLAY_CLASS_RE = re.compile(r"katex-display|math-display|mathjax_display", re.IGNORECASE)


# StackExchange serves each formula as its TeX between its delimiters, in a span of this class that MathJax draws
# in the browser: the text the blocks hold, and the formula's glyphs here.
TEX_CONTAINER_CLASS = "math-container"
# A container's text that is one formula: its TeX between a pair of delimiters ("$$" and "\\[" for a display), with
# no delimiter of its own that is not escaped ("$a$ and $b$" is two).
_DELIMITED_RE = re.compile(
    r"\$\$((?:[^$\\]|\\.|\$(?!\$))+)\$\$|\\\[((?:(?!\\\]).)+)\\\]"
    r"|\$((?:[^$\\]|\\.)+)\$|\\\(((?:(?!\\\)).)+)\\\)",
    re.DOTALL,
)


def mark_formulas(root: etree._Element, text: str) -> None:
    """Wrap each formula of the tree (``text``: the page's source, to skip pages without one) in a ``FORMULA_TAG``
    element carrying its TeX: MathJax 2's TeX scripts first (with the glyphs MathJax drew just before each), then
    each outermost ``<math>`` not inside one of them (with its renderer's wrapper), then StackExchange's formulas
    that MathJax has not drawn (``_mark_tex_containers``). A page's own elements of our
    tag's name are renamed first: their ``tex`` was written as a formula over the words they hold (TeX no formula
    of the page holds, a line break in it opening a heading in Markdown), and a formula inside one was not marked.
    Another name an HTML parser does not know leaves the blocks as they were."""
    for own in list(root.iter(FORMULA_TAG)):  # next to free where the page has none: libxml2 knows no such name
        own.tag = PAGE_FORMULA_TAG
    mentioned = "math" in text  # a TeX script's type names it; one search of the text for most pages, which don't
    if mentioned and "math/" in text:
        for script in list(root.iter("script")):
            kind = (script.get("type") or "").replace(" ", "").lower()
            if kind.startswith("math/tex") and (tex := _tex(script.text)):
                _wrap(_drawn_before(script), tex, "mode=display" in kind)
    for math in [m for m in root.iter("math") if _outermost(m)]:  # as free where the page holds no <math>
        if tex := formula_tex(math):
            unit, display = _unit(math)
            _wrap(unit, tex, display or (math.get("display") or "").strip().lower() == "block")
    if mentioned and TEX_CONTAINER_CLASS in text:
        _mark_tex_containers(root)


def _mark_tex_containers(root: etree._Element) -> None:
    """Wrap each StackExchange formula that MathJax has not drawn (``TEX_CONTAINER_CLASS``: its TeX between
    delimiters, and nothing else) around the text it shows, as KaTeX's glyphs are; one MathJax drew is marked
    already."""
    for span in list(root.iter("span")):
        if TEX_CONTAINER_CLASS not in (span.get("class") or "").split() or len(span):
            continue
        match = _DELIMITED_RE.fullmatch((span.text or "").strip())
        if match is not None and match.lastindex and (tex := _tex(match.group(match.lastindex))):
            _wrap(span, tex, match.lastindex <= 2)


def _outermost(math: etree._Element) -> bool:
    return not any(a.tag in ("math", FORMULA_TAG) for a in math.iterancestors())


def _drawn_before(script: etree._Element) -> etree._Element:
    """What a MathJax 2 TeX script is shown as: the frame MathJax drew just before it (``id`` the script's plus
    "-Frame", inside a "MathJax_Display" block for a displayed formula), else the script itself (a page saved before
    MathJax ran)."""
    frame_id = f"{script.get('id') or ''}-Frame"
    previous = script.getprevious()
    if previous is None or not script.get("id"):
        return script
    if previous.get("id") == frame_id:
        return previous
    inner = next((child for child in previous if child.get("id") == frame_id), None)  # in a MathJax_Display
    return inner if inner is not None else script


def _unit(math: etree._Element) -> tuple[etree._Element, bool]:
    """The element that is the whole formula on the page (its renderer's outermost inline wrapper, or the
    ``<math>`` itself), and whether a wrapper sets it apart as a display."""
    unit, display = math, False
    for level, ancestor in enumerate(math.iterancestors()):
        if level >= _WRAPPER_LEVELS or not isinstance(ancestor.tag, str):
            break
        if ancestor.tag != "span" and "-" not in ancestor.tag:  # a block, or markup of the text around it
            break
        names = f"{ancestor.tag} {ancestor.get('class') or ''}"
        if not _WRAPPER_RE.search(names):
            break
        unit = ancestor
        display = display or bool(_DISPLAY_CLASS_RE.search(names)) or ancestor.get("display") == "true"
    return unit, display


def _wrap(unit: etree._Element, tex: str, display: bool) -> None:
    """Put ``unit`` inside a new ``FORMULA_TAG`` element in its place (its tail after the new element)."""
    parent = unit.getparent()
    tex = _clean(tex)
    if parent is None or not tex:
        return
    wrapper = etree.Element(FORMULA_TAG)
    wrapper.set(TEX_ATTRIBUTE, tex)
    if display:
        wrapper.set(DISPLAY_ATTRIBUTE, "block")
    wrapper.tail, unit.tail = unit.tail, None
    parent.replace(unit, wrapper)
    wrapper.append(unit)


def _clean(tex: str) -> str:
    """``tex`` without the characters ``_NOT_TEX_RE`` names, and without a backslash left dangling at its end (a
    control space, "a\\ ", once its white space is trimmed): it would escape the "$" that closes the formula in
    Markdown, which then ran on into the text after it."""
    tex = " ".join(_NOT_TEX_RE.sub("", tex).split())
    dangling = (len(tex) - len(tex.rstrip("\\"))) % 2
    return tex[: len(tex) - dangling].rstrip()


def formula_tex(math: etree._Element) -> str:
    """The formula of ``math`` as TeX: the TeX it is annotated with or its ``alttext`` (without MediaWiki's style
    wrapper), else its layout read in a line (``linear_text``); white space normalised."""
    for annotation in math.iter("annotation"):
        if (annotation.get("encoding") or "").strip().lower() in TEX_ENCODINGS and (tex := _tex(annotation.text)):
            return tex
    if tex := _tex(math.get("alttext")):
        return tex
    return " ".join(linear_text(math).split())


def _tex(text: str | None) -> str:
    tex = " ".join((text or "").split())
    while match := _STYLE_WRAPPER_RE.match(tex):
        tex = match.group(1).strip()
    return tex


def linear_text(element: etree._Element, depth: int = 0) -> str:
    """A MathML layout read in a line, in TeX's notation: a script after ``^`` or ``_`` (braced where it is more
    than one character), a fraction as ``(a)/(b)``, a root as ``√(x)``, a table as a ``matrix``; other elements'
    parts in order, and the characters TeX reads as markup escaped (``\\{``, ``\\$``). Below
    ``MAX_LAYOUT_DEPTH`` levels, the text in order."""
    if depth >= MAX_LAYOUT_DEPTH:
        return " ".join("".join(element.itertext()).split()).translate(_TEX_SPECIALS)
    tag = element.tag if isinstance(element.tag, str) else ""
    children = [c for c in element if isinstance(c.tag, str) and c.tag not in _NOT_LAYOUT]
    parts = [linear_text(child, depth + 1) for child in children]
    if not parts:
        text = " ".join((element.text or "").split()).translate(_TEX_SPECIALS)
        return f" {text} " if tag == "mtext" else text  # words in a formula ("if", "for all") stay apart
    if tag == "mover" and len(parts) == 2 and (accent := (children[1].text or "").strip()) in _ACCENTS:
        return f"{_ACCENTS[accent]}{{{parts[0].strip()}}}"
    if tag == "mtable":  # in an environment: "&" and "\\\\" outside one are errors to every TeX renderer
        rows = " \\\\ ".join(part.strip() for part in parts)
        return f"\\begin{{matrix}} {rows} \\end{{matrix}}"
    if tag in ("mtr", "mlabeledtr"):
        return " & ".join(part.strip() for part in parts)
    marks = _SCRIPTS.get(tag)
    if marks is not None and len(parts) == len(marks) + 1:
        return parts[0] + "".join(mark + _braced(part) for mark, part in zip(marks, parts[1:], strict=True))
    if tag == "mfrac" and len(parts) == 2:
        return f"{_grouped(parts[0])}/{_grouped(parts[1])}"
    if tag == "msqrt":
        return f"√({''.join(parts)})"
    if tag == "mroot" and len(parts) == 2:
        return f"√[{parts[1]}]({parts[0]})"
    return "".join(parts)


def _braced(part: str) -> str:
    part = part.strip()
    return part if len(part) == 1 else f"{{{part}}}"


def _grouped(part: str) -> str:
    part = part.strip()
    return part if len(part) == 1 else f"({part})"
