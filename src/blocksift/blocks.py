"""tree -> blocks.

A block is a maximal run of visible text between block-level boundaries (DESIGN.md's contract). Inline elements,
links included, stay inside their block so that link density can be measured. Every block-level element that is
opened on the way becomes a *container*; a block remembers the chain of containers from the root to the element
that holds it (its *owner*), which is what ancestor features, rendering and the annotated page are made from.

The walk is one pass of lxml's ``iterwalk`` over the cleaned tree (no recursion, so 100,000 nested elements are fine).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

from blocksift.charclass import TOKEN_RE as TOKEN_RE  # re-exported: the other stages import it from here
from blocksift.charclass import word_counts
from blocksift.page import Document

BLOCK_TAGS = frozenset(
    {
        "html", "body", "address", "article", "aside", "blockquote", "center", "details", "dialog", "dd", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "frame", "noframes",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p",
        "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "ul",
        "legend", "label", "option", "button", "textarea", "dir", "listing", "xmp", "search", "output", "marquee",
        "noscript",
    }
)  # fmt: skip
# Elements that end a run of text without being containers.
BREAK_TAGS = frozenset({"br", "img", "input"})


@dataclass(slots=True)
class Container:
    """A block-level element met during segmentation."""

    id: int
    element: etree._Element
    tag: str
    parent: int  # -1 for the root
    depth: int
    attrs: str  # lowercased class and id values, space-separated
    cls: str = ""  # the class attribute as written (features compare siblings' classes)
    # One past the last container inside this one. Containers are numbered as they open, so this one's subtree is
    # the ids ``id`` to ``end - 1`` and a block is under it when its owner is in that range: sums over subtrees
    # are then differences of running sums (``features.PageArrays.under``) instead of one entry per (block,
    # ancestor) pair. Set when the element ends.
    end: int = -1


@dataclass(slots=True)
class Block:
    """A run of visible text: what it says, how much of it is linked, and where it sits in the tree."""

    index: int
    text: str
    n_tokens: int
    n_link_tokens: int
    path: tuple[int, ...]  # container ids from the root to the owner

    @property
    def owner(self) -> int:
        """Id of the innermost container holding the block."""
        return self.path[-1]

    @property
    def parent(self) -> int:
        """Id of the container above the owner (the owner itself where it is the page's root), as the features'
        ``structure[:, 1]`` has it."""
        return self.path[-2] if len(self.path) > 1 else self.path[-1]

    @property
    def depth(self) -> int:
        """Number of block-level ancestors (the owner included)."""
        return len(self.path)

    @property
    def n_chars(self) -> int:
        """Length of the block's normalised text."""
        return len(self.text)


@dataclass(frozen=True)
class Segmentation:
    """A page as blocks, with the containers they sit in."""

    blocks: tuple[Block, ...]
    containers: tuple[Container, ...]
    title: str

    def element(self, block: Block) -> etree._Element:
        """The element that holds ``block`` (its innermost block-level ancestor)."""
        return self.containers[block.owner].element

    def tag_path(self, block: Block) -> tuple[str, ...]:
        """Tags of the block's block-level ancestors, root first."""
        return tuple(self.containers[c].tag for c in block.path)

    def attr_tokens(self, block: Block) -> tuple[str, ...]:
        """class and id tokens of the block's block-level ancestors, root first."""
        return tuple(t for c in block.path for t in self.containers[c].attrs.split())


def _inline_image(el: etree._Element) -> bool:
    """An image that stands in a line of text for a character: an emoji or smiley (WordPress and most forums draw
    each as an ``<img class="emoji" alt="😀">``). It does not end the run of text as other images do, so that "I
    love it 😀 and so do you." stays one block rather than two short ones that the decision may drop."""
    cls = (el.get("class") or "").lower()
    if "emoji" in cls or "smiley" in cls:
        return True
    alt = (el.get("alt") or "").strip()
    # An emoji itself as the alt text: symbols, joined or varied by format and combining marks (not a bullet's "•"
    # or a separator's "»", which stand between items of a menu).
    return (
        0 < len(alt) <= 8
        and unicodedata.category(alt[0]) == "So"
        and all(unicodedata.category(c) in ("So", "Sk", "Mn", "Cf") for c in alt)
    )


# The class MediaWiki gives the image of a formula set in a sentence (one on a line of its own is "...-display").
MATH_INLINE_CLASS = "mwe-math-fallback-image-inline"


def _in_line(el: etree._Element, in_link: bool) -> bool:
    """Whether an image stands in a line of text, so that it does not end the run of text as an image between items
    does (a gallery's, a card's, a logo beside a menu). An emoji (``_inline_image``), MediaWiki's inline formula,
    and any image outside a link with words right before and right after it at its own level: "Click the <img>
    icon to open", "If the matrix <img> is row full-rank". Before, each such image cut its sentence into two
    blocks, printed on two lines, and a short piece could be dropped as an island. Images between links or other
    elements ("<a>Home</a> <img> <a>News</a>", "<img><span>caption</span><img>"), in a link, or beside a ``<br>``
    still end it.

    On the datasets' pages, of the images that cut a run of text with words on both sides (a shingle's worth), the
    gold text holds both sides of 80 of the 116 this takes in line (reading across the image in 60), against 66
    of the 538 other images outside links, whose sides are mostly both boilerplate (361: separators and icons
    between menu items), and 66 of 1,133 images in links (icons between links: "Facebook <img> Twitch")."""
    if _inline_image(el) or MATH_INLINE_CLASS in (el.get("class") or ""):
        return True
    return not in_link and _text_before(el) and _text_after(el)


def _blank(el: etree._Element) -> bool:
    """An inline element with nothing to see: no text and no image (the emptied ``display: none`` MathML MediaWiki
    puts before each formula's image)."""
    return (
        el.tag not in BREAK_TAGS
        and el.tag not in BLOCK_TAGS
        and not any(t.strip() for t in el.itertext())
        and next(el.iter("img"), None) is None
    )


def _text_before(el: etree._Element) -> bool:
    """Whether words stand right before ``el`` at its own level: in the tail of the element before it (blank
    elements passed over) or in its parent's text, climbing out of the inline elements that ``el`` starts."""
    while True:
        prev = el.getprevious()
        while prev is not None and _blank(prev) and not (prev.tail or "").strip():
            prev = prev.getprevious()
        if prev is not None:
            return bool((prev.tail or "").strip())
        parent = el.getparent()
        if parent is None:
            return False
        if (parent.text or "").strip():
            return True
        if parent.tag in BLOCK_TAGS:
            return False
        el = parent


def _text_after(el: etree._Element) -> bool:
    """Whether words stand right after ``el`` at its own level: in its tail (or a blank element's after it),
    climbing out of the inline elements that ``el`` ends."""
    while True:
        if (el.tail or "").strip():
            return True
        nxt = el.getnext()
        while nxt is not None and _blank(nxt) and not (nxt.tail or "").strip():
            nxt = nxt.getnext()
        if nxt is not None:
            return _blank(nxt)  # a blank element's tail with words, or else an element: not words of its own level
        parent = el.getparent()
        if parent is None or parent.tag in BLOCK_TAGS:
            return False
        el = parent


def breaks_run(el: etree._Element) -> bool:
    """Whether ``el`` ends a run of text, as ``segment`` reads it (which tests the same inline, for speed, knowing
    whether a link is open): a line break, an input, or an image that does not stand in the line (``_in_line``)."""
    tag = el.tag
    if tag != "img":
        return tag in BREAK_TAGS
    return not _in_line(el, any(a.tag == "a" for a in el.iterancestors()))


# A heading's or a definition's permalink: a link to the page's own anchor whose text is one of these marks (Sphinx's
# "¶", rustdoc's "§", GitHub's and many blogs' "#"). It is no word of the text, and "## Options¶" is no heading.
PERMALINK_MARKS = frozenset({"¶", "§", "#", "🔗", "⚓", "⚓︎", "🔗︎"})
PERMALINK_MAX_CHARS = 8


def _permalink(el: etree._Element, text: str) -> bool:
    """Whether a link is a permalink mark (``PERMALINK_MARKS``, to an anchor of the page, with nothing inside)."""
    return text.strip() in PERMALINK_MARKS and not len(el) and (el.get("href") or "").startswith("#")


# Characters that are never seen and only break a word apart for a tokenizer or a search index: the zero-width space
# and the word joiner (places a line may or may not break) and a byte-order mark inside the text. Removed from the
# blocks' text: no gold text of the datasets holds one, where the HTML of 32 test pages holds a zero-width space.
# (The soft hyphen stays: the page's own text has it, and so does the gold of the pages that hold one, fundus's
# German news; left out, fundus's test split scored 0.0002 lower.)
INVISIBLE_CHARS = "\u200b\u2060\ufeff"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE_CHARS}]")
_WITHOUT_INVISIBLE = str.maketrans("", "", INVISIBLE_CHARS)


def without_invisible(text: str) -> str:
    """``text`` without ``INVISIBLE_CHARS``, its white space normalised again."""
    return " ".join(text.translate(_WITHOUT_INVISIBLE).split())


def _finish(pending: list[tuple[str, str, tuple[int, ...]]]) -> list[Block]:
    """The blocks of the pending runs that hold a token. A block's length is its words (``charclass.word_counts``:
    tokens, but each ideograph or kana one word), counted for the whole page at once, not per run."""
    if not pending:
        return []
    if _INVISIBLE_RE.search("".join(t for t, _, _ in pending)):  # one search of the page's text, mostly in vain
        pending = [(without_invisible(t), without_invisible(linked), path) for t, linked, path in pending]
    tokens = word_counts([t for t, _, _ in pending])
    links = word_counts([linked for _, linked, _ in pending])
    blocks: list[Block] = []
    for (text, _, path), n_tokens, n_link in zip(pending, tokens, links, strict=True):
        if n_tokens:
            blocks.append(Block(len(blocks), text, n_tokens, min(n_tokens, n_link), path))
    return blocks


def _flush(
    pending: list[tuple[str, str, tuple[int, ...]]],
    chunks: list[str],
    link_chunks: list[str],
    stack: list[int],
) -> None:
    """End the run of text being built (it has visible characters): keep it, normalised, where a container holds
    it."""
    if stack:
        pending.append((" ".join("".join(chunks).split()), " ".join(link_chunks), tuple(stack)))
    chunks.clear()
    link_chunks.clear()


def segment(doc: Document) -> Segmentation:
    """Split a cleaned page into blocks, in document order.

    One function with local state rather than a walker object: the loop runs once per start and end of every
    element, and local names cost a fraction of attribute lookups there. Most text nodes of a page are the
    indentation between tags; they only matter as word separators, so white space is kept only after a chunk with
    visible characters (``has_text``), and only such a run is joined and tokenised.
    """
    pending: list[tuple[str, str, tuple[int, ...]]] = []  # (text, linked text, path) of each run
    containers: list[Container] = []
    stack: list[int] = []
    chunks: list[str] = []
    link_chunks: list[str] = []
    link_depth = 0
    has_text = False
    block_tags, break_tags = BLOCK_TAGS, BREAK_TAGS

    for event, el in etree.iterwalk(doc.root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            opens = tag in block_tags
            if has_text and (opens or tag in break_tags):
                if tag == "img" and _in_line(el, link_depth > 0):
                    chunks.append(" ")  # the image stands for a word: the words on either side stay apart
                else:
                    _flush(pending, chunks, link_chunks, stack)
                    has_text = False
            if opens:
                cls, eid = el.get("class"), el.get("id")
                attrs = f"{cls or ''} {eid or ''}".lower().strip() if cls or eid else ""
                cid = len(containers)
                containers.append(Container(cid, el, tag, stack[-1] if stack else -1, len(stack), attrs, cls or ""))
                stack.append(cid)
            elif tag == "a":
                link_depth += 1
                mark = el.text
                if mark and len(mark) <= PERMALINK_MAX_CHARS and _permalink(el, mark):
                    continue  # its tail still comes with its end
            text = el.text
        else:
            if tag in block_tags:
                if has_text:
                    _flush(pending, chunks, link_chunks, stack)
                    has_text = False
                if stack:
                    containers[stack.pop()].end = len(containers)
            elif tag == "a":
                link_depth -= 1
            text = el.tail
        if text and (has_text or not text.isspace()):
            has_text = True
            chunks.append(text)
            if link_depth:
                link_chunks.append(text)
    if has_text:
        _flush(pending, chunks, link_chunks, stack)
    return Segmentation(blocks=tuple(_finish(pending)), containers=tuple(containers), title=doc.title)
