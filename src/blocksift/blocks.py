"""tree -> blocks.

A block is a maximal run of visible text between block-level boundaries (DESIGN.md's contract). Inline elements,
links included, stay inside their block so that link density can be measured. Every block-level element that is
opened on the way becomes a *container*; a block remembers the chain of containers from the root to the element
that holds it (its *owner*), which is what ancestor features, rendering and the annotated page are made from.

The walk is one pass of lxml's ``iterwalk`` over the cleaned tree (no recursion, so 100,000 nested elements are fine).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree, html

from blocksift.page import Document

TOKEN_RE = re.compile(r"\w+")

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


@dataclass(frozen=True, slots=True)
class Container:
    """A block-level element met during segmentation."""

    id: int
    element: html.HtmlElement
    tag: str
    parent: int  # -1 for the root
    depth: int
    attrs: str  # lowercased class and id values, space-separated


@dataclass(frozen=True, slots=True)
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

    def element(self, block: Block) -> html.HtmlElement:
        """The element that holds ``block`` (its innermost block-level ancestor)."""
        return self.containers[block.owner].element

    def tag_path(self, block: Block) -> tuple[str, ...]:
        """Tags of the block's block-level ancestors, root first."""
        return tuple(self.containers[c].tag for c in block.path)

    def attr_tokens(self, block: Block) -> tuple[str, ...]:
        """class and id tokens of the block's block-level ancestors, root first."""
        return tuple(t for c in block.path for t in self.containers[c].attrs.split())


class _Walker:
    """State of one segmentation pass: the open containers and the text of the block being built."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.containers: list[Container] = []
        self.stack: list[int] = []
        self.chunks: list[str] = []
        self.link_chunks: list[str] = []
        self.link_depth = 0

    def open(self, el: html.HtmlElement, tag: str) -> None:
        self.flush()
        attrs = f"{el.get('class', '')} {el.get('id', '')}".lower().strip()
        parent = self.stack[-1] if self.stack else -1
        cid = len(self.containers)
        self.containers.append(Container(cid, el, tag, parent, len(self.stack), attrs))
        self.stack.append(cid)

    def close(self) -> None:
        self.flush()
        if self.stack:
            self.stack.pop()

    def add(self, text: str) -> None:
        self.chunks.append(text)
        if self.link_depth:
            self.link_chunks.append(text)

    def flush(self) -> None:
        if not self.chunks:
            return
        text = " ".join("".join(self.chunks).split())
        self.chunks.clear()
        linked = " ".join(self.link_chunks)
        self.link_chunks.clear()
        n_tokens = len(TOKEN_RE.findall(text))
        if n_tokens == 0 or not self.stack:
            return
        n_link = min(n_tokens, len(TOKEN_RE.findall(linked))) if linked else 0
        self.blocks.append(Block(len(self.blocks), text, n_tokens, n_link, tuple(self.stack)))


def _events(root: html.HtmlElement) -> Iterator[tuple[str, html.HtmlElement]]:
    return etree.iterwalk(root, events=("start", "end"))


def segment(doc: Document) -> Segmentation:
    """Split a cleaned page into blocks, in document order."""
    w = _Walker()
    for event, el in _events(doc.root):
        tag = el.tag
        if event == "start":
            if tag in BLOCK_TAGS:
                w.open(el, tag)
            elif tag in BREAK_TAGS:
                w.flush()
            elif tag == "a":
                w.link_depth += 1
            if el.text:
                w.add(el.text)
        else:
            if tag in BLOCK_TAGS:
                w.close()
            elif tag == "a":
                w.link_depth -= 1
            if el.tail:
                w.add(el.tail)
    w.flush()
    return Segmentation(blocks=tuple(w.blocks), containers=tuple(w.containers), title=doc.title)
