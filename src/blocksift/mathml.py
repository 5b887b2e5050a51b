"""MathML -> a formula as text: its TeX where the page gives it, else a linear reading of its layout.

A ``<math>`` element holds layout, not words: its tokens' text run together reads "x2+y2=z2" for x²+y²=z², which is
wrong, so the cleaner used to drop every formula, and "the element a_ij" became "the element". Pages that write
formulas in MathML mostly give their TeX with it (KaTeX and MediaWiki an ``<annotation
encoding="application/x-tex">``, MediaWiki an ``alttext`` too): that is what a reader, an index or a language model
can read, and what Markdown writes between dollar signs. Where no TeX is given (MathJax's assistive MathML), the
formula is read linearly in TeX's notation: ``x^{2}``, ``(a)/(b)``, ``√(x)``.

``formulas_as_text`` puts each formula's text in place of its ``<math>`` element's content, keeping the element
(``display="block"`` for a displayed formula) so that rendering knows where a formula is. A renderer's visual copy
of the formula beside it (KaTeX's and MathJax's ``aria-hidden`` glyphs, whose letters would repeat the formula) is
removed.
"""

from __future__ import annotations

import re

from lxml import etree

# What an annotation's encoding is called where it holds TeX.
TEX_ENCODINGS = frozenset({"application/x-tex", "application/x-latex", "tex", "latex"})
# MediaWiki wraps each formula's TeX in the style it sets it in: "{\displaystyle a_{ij}}" says no more than a_{ij}.
_STYLE_WRAPPER_RE = re.compile(r"^\{\\(?:display|text|script|scriptscript)style\s*(.*)\}$", re.DOTALL)
# The layout elements with a base and scripts, and the mark each script is written after.
_SCRIPTS = {
    "msup": ("^",), "msub": ("_",), "msubsup": ("_", "^"), "mover": ("^",), "munder": ("_",), "munderover": ("_", "^"),
}  # fmt: skip
# What a formula holds that is no part of its layout: its annotations (TeX, other encodings) and what it says it
# is for screen readers only.
_NOT_LAYOUT = frozenset({"annotation", "annotation-xml", "none", "mprescripts"})


def formulas_as_text(root: etree._Element) -> None:
    """Each outermost ``<math>`` of the tree holds its formula's text (``formula_text``) and nothing else, with its
    ``display`` kept; one whose formula has no text at all is removed (its tail kept). The ``aria-hidden`` elements
    beside it, or beside the inline element that wraps it, are removed as a renderer's visual copy of it."""
    outermost = [m for m in root.iter("math") if not any(a.tag == "math" for a in m.iterancestors())]
    for math in outermost:
        _drop_visual_copies(math)
        text = formula_text(math)
        display = (math.get("display") or "").strip().lower()
        tail = math.tail
        math.clear()
        math.tail = tail
        if text:
            math.text = text
            if display == "block":
                math.set("display", "block")
        else:
            _remove_keeping_tail(math)


def formula_text(math: etree._Element) -> str:
    """The formula of ``math`` as text: the TeX it is annotated with or its ``alttext`` (without MediaWiki's style
    wrapper), else its layout read linearly (``linear_text``); white space normalised."""
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


def linear_text(element: etree._Element) -> str:
    """A MathML layout read in a line, in TeX's notation: a script after ``^`` or ``_`` (braced where it is more
    than one character), a fraction as ``(a)/(b)``, a root as ``√(x)``; other elements' parts in order. Linear in
    the formula's size, and bounded in depth by the parser's nesting limit."""
    tag = element.tag if isinstance(element.tag, str) else ""
    parts = [linear_text(child) for child in element if isinstance(child.tag, str) and child.tag not in _NOT_LAYOUT]
    if not parts:
        text = " ".join((element.text or "").split())
        return f" {text} " if tag == "mtext" else text  # words in a formula ("if", "for all") stay apart
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


def _drop_visual_copies(math: etree._Element) -> None:
    """Remove the ``aria-hidden`` siblings of ``math`` and, where an inline element wraps it alone (KaTeX's
    ``katex-mathml`` span, MathJax's ``mjx-assistive-mml``), of that wrapper: a renderer's drawing of the formula,
    its glyphs' letters a second copy of what ``formula_text`` gives."""
    holders = [math]
    parent = math.getparent()
    if parent is not None and (parent.tag == "span" or "-" in str(parent.tag)) and len(parent) == 1:
        holders.append(parent)
    for holder in holders:
        for sibling in [*holder.itersiblings(), *holder.itersiblings(preceding=True)]:
            if isinstance(sibling.tag, str) and (sibling.get("aria-hidden") or "").strip().lower() == "true":
                _remove_keeping_tail(sibling)


def _remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
