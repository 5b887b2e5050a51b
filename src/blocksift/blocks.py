"""tree -> blocks.

A block is a maximal run of visible text between block-level boundaries (DESIGN.md's contract). Inline elements,
links included, stay inside their block so that link density can be measured. Every block-level element that is
opened on the way becomes a *container*; a block remembers the chain of containers from the root to the element
that holds it (its *owner*), which is what ancestor features, rendering and the annotated page are made from.

The walk is one pass of lxml's ``iterwalk`` over the cleaned tree (no recursion, so 100,000 nested elements are fine).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from blocksift.charclass import TOKEN_RE as TOKEN_RE  # re-exported: the other stages import it from here
from blocksift.charclass import token_counts
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


class _Walker:
    """State of one segmentation pass: the open containers and the text of the block being built.

    Most text nodes of a page are the indentation between tags; they only matter as word separators, so a block's
    text is joined and tokenised only when a chunk with visible characters arrived (``has_text``).
    """

    __slots__ = ("chunks", "containers", "has_text", "link_chunks", "link_depth", "pending", "stack")

    def __init__(self) -> None:
        self.pending: list[tuple[str, str, tuple[int, ...]]] = []  # (text, linked text, path) of each run
        self.containers: list[Container] = []
        self.stack: list[int] = []
        self.chunks: list[str] = []
        self.link_chunks: list[str] = []
        self.link_depth = 0
        self.has_text = False

    def open(self, el: etree._Element, tag: str) -> None:
        if self.chunks:
            self.flush()
        get = el.get
        cls, eid = get("class"), get("id")
        attrs = f"{cls or ''} {eid or ''}".lower().strip() if cls or eid else ""
        stack = self.stack
        cid = len(self.containers)
        self.containers.append(Container(cid, el, tag, stack[-1] if stack else -1, len(stack), attrs, cls or ""))
        stack.append(cid)

    def close(self) -> None:
        if self.chunks:
            self.flush()
        if self.stack:
            self.stack.pop()

    def add(self, text: str) -> None:
        self.chunks.append(text)
        if not self.has_text and not text.isspace():
            self.has_text = True
        if self.link_depth:
            self.link_chunks.append(text)

    def flush(self) -> None:
        if not self.has_text:
            self.chunks.clear()
            self.link_chunks.clear()
            return
        self.has_text = False
        text = " ".join("".join(self.chunks).split())
        self.chunks.clear()
        linked = " ".join(self.link_chunks)
        self.link_chunks.clear()
        if self.stack:
            self.pending.append((text, linked, tuple(self.stack)))

    def finish(self) -> list[Block]:
        """The blocks of the pending runs that hold a token. Tokens are counted for the whole page at once
        (``charclass.token_counts``), not per run."""
        pending = self.pending
        if not pending:
            return []
        tokens = token_counts([t for t, _, _ in pending])
        links = token_counts([linked for _, linked, _ in pending])
        blocks: list[Block] = []
        for (text, _, path), n_tokens, n_link in zip(pending, tokens, links, strict=True):
            if n_tokens:
                blocks.append(Block(len(blocks), text, n_tokens, min(n_tokens, n_link), path))
        return blocks


def _events(root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    return etree.iterwalk(root, events=("start", "end"))


def segment(doc: Document) -> Segmentation:
    """Split a cleaned page into blocks, in document order."""
    w = _Walker()
    opened, closed, add, flush = w.open, w.close, w.add, w.flush
    block_tags, break_tags = BLOCK_TAGS, BREAK_TAGS
    for event, el in _events(doc.root):
        tag = el.tag
        if event == "start":
            if tag in block_tags:
                opened(el, tag)
            elif tag in break_tags:
                if w.chunks:
                    flush()
            elif tag == "a":
                w.link_depth += 1
            text = el.text
            if text:
                add(text)
        else:
            if tag in block_tags:
                closed()
            elif tag == "a":
                w.link_depth -= 1
            tail = el.tail
            if tail:
                add(tail)
    flush()
    return Segmentation(blocks=tuple(w.finish()), containers=tuple(w.containers), title=doc.title)
