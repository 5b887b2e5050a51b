"""labelled blocks -> text, markdown, html, json records, block rows.

Rendering reads the structure a content block sits in from its tag path (heading, list item, table cell,
preformatted code, quotation, paragraph), so markdown and html keep headings, lists and tables; and the inline
markup inside each block (links, with their targets resolved against the page's URL or ``<base href>``; bold,
italics, inline code), each placed where its element is in its block (``owner_text``: one walk of the block's
element counts the characters other than white space before each inline element and each block). Markdown escapes
the page's text only where Markdown would read it as markup (a tag, a reference, emphasis marks, a block's opening
at a line's start: ``_MD_INLINE_RE``), so its users (indexes, RAG chunkers, language-model corpora) get the words
with few backslashes, and nothing in the text turns into live HTML. Images, which hold no text, are not rendered.
"""

from __future__ import annotations

import html as htmlmod
import itertools
import re
import string
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, NamedTuple
from urllib.parse import urljoin

from lxml import etree

from blocksift.blocks import BLOCK_TAGS, TOKEN_RE, Block, Segmentation, breaks_run, without_invisible
from blocksift.extraction import CELL_TAGS, PRE_TAGS, Extraction, code_text, pre_runs, table_cells
from blocksift.formulas import DISPLAY_ATTRIBUTE, FORMULA_TAG, TEX_ATTRIBUTE
from blocksift.metadata import tree_root

HEADINGS = {f"h{i}": i for i in range(1, 7)}
LISTS = ("ul", "ol", "menu", "dir")
_BACKTICKS_RE = re.compile("`+")
# Inline elements and the mark each is written with. Keys pressed (kbd), a program's output (samp), teletype text
# (tt) and a variable's name (var) are shown in a monospace font, as code is: they are code spans.
INLINE = {
    "a": "link", "strong": "strong", "b": "strong", "em": "em", "i": "em",
    "code": "code", "kbd": "code", "samp": "code", "tt": "code", "var": "code", FORMULA_TAG: "math",
}  # fmt: skip
# A formula (``formulas.py``: its TeX on the element around it) set in its line, and one set apart as a display.
MATH_KINDS = frozenset({"math", "display-math"})
# Link targets that are not places to go (or are unsafe in a document made of scraped pages): scripts, inline data,
# and a file on the disk of whoever made the page ("file:///C:/Users/..."), which no reader of it can open. They are
# the schemes Markdown renderers refuse (markdown-it writes such a link's label and URL out as text).
_UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
CODE_TAGS = frozenset(tag for tag, kind in INLINE.items() if kind == "code")
MD_MARKS = {"strong": "**", "em": "*"}
# The spans that join a span of their kind right before them (``spans``).
_JOINED = frozenset({*MD_MARKS, "code"})
HTML_TAGS = {"strong": "strong", "em": "em", "code": "code"}


@dataclass(frozen=True)
class Span:
    """Inline markup over ``text[start:end]`` of a block: a link (with its resolved ``href``), strong, em, code."""

    start: int
    end: int
    kind: str
    href: str = ""
    code: bool = False  # a link on code (an API name linked to its documentation): its label is a code span
    tex: str = ""  # a formula's TeX, written in place of ``text[start:end]`` (its glyphs, or nothing)
    inner: tuple[Span, ...] = ()  # a link's: the formulas in its label (KaTeX's glyphs, linked), written as such


class ListLevel(NamedTuple):
    """One list a list item's block sits in: the list's and the item's container ids, and the item's number."""

    list_id: int  # the <ul>/<ol> (-1: an <li> outside any list)
    item_id: int  # the <li>
    ordered: bool
    number: int = 1  # in an ordered list: the item's number, its list's start= and its own value= read


class Quote(NamedTuple):
    """A quotation (``<blockquote>``) a block sits in: its container id."""

    quote_id: int


# A structure that holds blocks of any kind, and that Markdown writes as a prefix to each of their lines (a list
# item's marker and indent, a quotation's "> "): the list items and quotations a block sits in, outermost first.
Frame = ListLevel | Quote


@dataclass(frozen=True)
class Item:
    """One content block with the structure it belongs to."""

    kind: str  # heading, code, cell, item, quote, para
    text: str
    level: int = 0  # heading level, or list nesting depth
    ordered: bool = False
    group: tuple[int, ...] = ()  # container ids: (table, row, cell) for cells, (li,) for list items, (pre,) for code
    spans: tuple[Span, ...] = ()
    nest: tuple[Frame, ...] = ()  # the list items and quotations around the item (a table's, a code's), outermost first
    place: tuple[int, int] = (-1, -1)  # a cell's row and first column in its table's grid (-1: not known)
    language: str = ""  # code's language, where the page names it ("js", "python")
    preformatted: bool = False  # a data table cell's item that is a <pre>'s code (``text`` keeps its lines)
    direction: str = ""  # the ``dir`` of its nearest block-level ancestor that sets one ("rtl": ``block_direction``)

    @property
    def lists(self) -> tuple[ListLevel, ...]:
        """The list items the item sits in, outermost first."""
        return tuple(frame for frame in self.nest if isinstance(frame, ListLevel))


def _nearest(tags: tuple[str, ...], wanted: tuple[str, ...] | frozenset[str] | dict[str, int]) -> int:
    for i in range(len(tags) - 1, -1, -1):
        if tags[i] in wanted:
            return i
    return -1


def classify(seg: Segmentation, block: Block, layout: frozenset[int] = frozenset()) -> Item:
    """The structure ``block`` sits in, from the nearest telling ancestor. A block of preformatted code gives its
    own text; ``items`` writes all of a ``<pre>``'s content blocks as one item (``extraction.code_text``). The cells
    of the tables in ``layout`` (container ids: layout tables, ``extraction.table_cells``) are no cells: a block in
    one is the paragraph, list item or quotation it is inside the cell. Every item also has the list items and
    quotations around it (``nest``: for a cell, around its table; for code, around its ``<pre>``), so that a code
    block, a table or a quotation inside a list item, or a list inside a quotation, is written inside it."""
    tags = seg.tag_path(block)
    path = block.path
    h = _nearest(tags, HEADINGS)
    if h >= 0:
        return Item("heading", block.text, level=HEADINGS[tags[h]], nest=_nest(tags, path, h))
    pre = next((i for i, tag in enumerate(tags) if tag in PRE_TAGS), -1)  # the outermost, as ``pre_runs`` reads
    cell, table = _data_cell(tags, path, layout)
    if cell >= 0 and (pre < 0 or pre > cell):  # code in a data table's cell is a value of the table
        row = _nearest(tags[:cell], ("tr",))
        ids = (path[table] if table >= 0 else -1, path[row] if row >= 0 else -1, path[cell])
        nest = _nest(tags, path, table if table >= 0 else cell)
        return Item("cell", block.text, level=int(tags[cell] == "th"), group=ids, nest=nest, preformatted=pre >= 0)
    if pre >= 0:
        return Item("code", block.text, group=(path[pre],), nest=_nest(tags, path, pre))
    nest = _nest(tags, path, len(tags))
    li, quote = _nearest(tags, ("li", "dd", "dt")), _nearest(tags, ("blockquote",))
    if li > quote and tags[li] == "li":
        lists = tuple(frame for frame in nest if isinstance(frame, ListLevel))
        return Item("item", block.text, level=len(lists), ordered=lists[-1].ordered, group=(path[li],), nest=nest)
    if quote >= 0:
        return Item("quote", block.text, nest=nest)
    return Item("para", block.text, nest=nest)


def _nest(tags: tuple[str, ...], path: tuple[int, ...], end: int) -> tuple[Frame, ...]:
    """The list items and quotations among the first ``end`` containers of a block's path, outermost first."""
    frames: list[Frame] = []
    for i in range(end):
        if tags[i] == "li":
            frames.append(_list_level(tags, path, i))
        elif tags[i] == "blockquote":
            frames.append(Quote(path[i]))
    return tuple(frames)


def _data_cell(tags: tuple[str, ...], path: tuple[int, ...], layout: frozenset[int]) -> tuple[int, int]:
    """The places in a block's path of its innermost cell that is not a layout table's, and of that cell's table
    (-1 for a cell outside any); (-1, -1) where it is in none. One scan up the path, however deep the tables nest."""
    cell = -1
    for i in range(len(tags) - 1, -1, -1):
        if cell < 0 and tags[i] in CELL_TAGS:
            cell = i
        elif cell >= 0 and tags[i] == "table":
            if path[i] not in layout:
                return cell, i
            cell = -1  # a layout table's cell: look on above its table
    return cell, -1


def _list_level(tags: tuple[str, ...], path: tuple[int, ...], li: int) -> ListLevel:
    """The list the ``<li>`` at ``li`` of a block's path belongs to (numbered 1 here: ``_numbered`` reads the
    element's numbers)."""
    owner = _nearest(tags[:li], LISTS)
    return ListLevel(path[owner] if owner >= 0 else -1, path[li], owner >= 0 and tags[owner] == "ol")


# CommonMark reads at most nine digits as a list item's number.
MAX_LIST_NUMBER = 999_999_999


def _attribute_int(value: str | None, default: int) -> int:
    """An integer attribute as browsers read it (leading digits, an optional sign), else ``default``."""
    m = re.match(r"\s*([+-]?\d{1,12})", value or "")
    return int(m.group(1)) if m else default


def list_numbers(ol: Any) -> dict[Any, int]:
    """The number a browser shows beside each item of ``ol``: counting from its ``start`` (1 by default), an item's
    ``value`` setting the count from there on. Items of lists nested in it are theirs, not ``ol``'s."""
    numbers: dict[Any, int] = {}
    n = _attribute_int(ol.get("start"), 1) - 1
    for li in ol.iter("li"):
        if next((a for a in li.iterancestors() if a.tag in LISTS), None) is ol:
            n = _attribute_int(li.get("value"), n + 1)
            numbers[li] = n
    return numbers


def _numbered(seg: Segmentation, item: Item, numbers: dict[int, dict[Any, int]]) -> Item:
    """``item`` with the number of each of its ordered lists' items (``numbers``: each list's, found once)."""
    frames: list[Frame] = []
    for level in item.nest:
        if isinstance(level, ListLevel) and level.ordered and level.list_id >= 0:
            if level.list_id not in numbers:
                numbers[level.list_id] = list_numbers(seg.containers[level.list_id].element)
            number = numbers[level.list_id].get(seg.containers[level.item_id].element, 1)
            level = level._replace(number=min(max(number, 0), MAX_LIST_NUMBER))
        frames.append(level)
    return replace(item, nest=tuple(frames))


def table_grid(table: Any) -> dict[Any, tuple[int, int]]:
    """Where each cell of ``table`` sits, as a browser lays the table out: its row, and its first column once the
    cells before it in its row (their ``colspan``) and the cells above reaching down into the row (their
    ``rowspan``) are counted. A value in an empty cell's column, or beside a cell spanning rows, stays in its own
    column, not one to the left. Cells of tables nested in it are not its own."""
    grid: dict[Any, tuple[int, int]] = {}
    spans: list[tuple[int, int, int]] = []  # (first column, column after, last row) of cells reaching down
    for r, tr in enumerate(_table_rows(table)):
        spans = [s for s in spans if s[2] >= r]
        col = 0
        for cell in tr:
            if cell.tag not in CELL_TAGS:
                continue
            col = _free_column(col, spans)
            colspan = min(max(_attribute_int(cell.get("colspan"), 1), 1), 1000)  # the HTML standard's limits
            rowspan = min(max(_attribute_int(cell.get("rowspan"), 1), 1), 65534)
            grid[cell] = (r, col)
            if rowspan > 1:
                spans.append((col, col + colspan, r + rowspan - 1))
            col += colspan
    return grid


def _table_rows(table: Any) -> Iterator[Any]:
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if tr.tag == "tr")


def _free_column(col: int, spans: list[tuple[int, int, int]]) -> int:
    """The first column from ``col`` on that no cell from a row above reaches down into."""
    moved = True
    while moved:
        moved = False
        for first, after, _ in spans:
            if first <= col < after:
                col, moved = after, True
    return col


def base_url(extraction: Extraction, url: str | None = None) -> str:
    """What relative links resolve against: ``<base href>`` (itself resolved against ``url``), else ``url`` (where
    the page came from), else the canonical URL the page declares; "" where none is known (links stay relative)."""
    declared, base = extraction.location
    page = url or declared
    return urljoin(page, base) if base else page


# What a browser does to an href before resolving it (the URL standard): C0 controls and spaces at either end are
# stripped, and tabs and newlines anywhere are removed ("/a?x=1&#10;&amp;y=2" is "/a?x=1&y=2", not "/a?x=1%20&y=2").
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


def browser_url(value: str) -> str:
    """A URL attribute as a browser reads it before resolving it (see above)."""
    return value.strip(_URL_EDGES).translate(_URL_TAB_OR_NEWLINE)


def _href(node: Any, base: str) -> str:
    href = browser_url(node.get("href") or "")
    if not href or href.lower().startswith(_UNSAFE_SCHEMES):
        return ""
    return urljoin(base, href) if base else href


# Characters other than white space that may lie between one block of an element and the next in its text: runs
# without a token (a lone "|" or "·" between links) make no block. A block searched for further on is not found,
# and its markup is then searched for in its own text, so that a page of many blocks never searches the whole
# text again for each of them.
_SKIPPED = 2000


@dataclass(frozen=True)
class OwnerText:
    """Where an owner element's inline elements and blocks sit in its own text (what segmentation gives its blocks:
    not the text of nested block elements), counted in characters other than white space, which the blocks' space
    normalisation leaves as they are. With it a link goes on its own words, not on an earlier copy of them in the
    block or on a block of the same element that it is not in."""

    elements: list[tuple[str, Any]]  # (kind, element), in document order; None: a piece of code (``_CodePieces``)
    texts: list[str]  # each element's text, white space normalised as in the blocks
    offsets: list[int]  # non-space characters of the owner's text before each element (never decreasing)
    # block index -> the non-space characters of the owner's text before the block and to its end (absent: unknown)
    places: dict[int, tuple[int, int]]
    code_links: frozenset[int] = frozenset()  # the elements that are links on code
    # The elements with a run's end (a nested block element, a line break) between them and the text before them,
    # and between them and the text after them: a formula without text of its own is in a block only where no end
    # stands between the two (a displayed formula alone between two headings is in neither).
    apart_before: frozenset[int] = frozenset()
    apart_after: frozenset[int] = frozenset()

    def within(self, block: Block) -> range:
        """The elements that start in ``block``'s part of the owner's text, or at its end (a formula with no text
        of its own ending a paragraph); all of them where that is unknown."""
        place = self.places.get(block.index)
        if place is None:
            return range(len(self.elements))
        return range(bisect_left(self.offsets, place[0]), bisect_right(self.offsets, place[1]))

    @cached_property
    def ends(self) -> frozenset[int]:
        """Where the owner's blocks end in its text."""
        return frozenset(end for _, end in self.places.values())


def _squeezed(text: str | None) -> str:
    """``text`` without white space, and without the characters the blocks' text leaves out (``INVISIBLE_CHARS``)."""
    return without_invisible(text).replace(" ", "") if text else ""


class _CodePieces:
    """The text of a code element that holds links (rustdoc's ``<code><a>Option</a>&lt;T&gt;</code>``) outside
    those links: each run of it between them is a piece of code of its own, as the links are links on code (one
    mark cannot sit inside another in the spans)."""

    def __init__(self) -> None:
        self.element: Any = None  # the code element being walked, None outside one
        self.at = 0  # non-space characters of the owner's text before the piece being read
        self.text: list[str] = []

    def open(self, element: Any, at: int) -> None:
        """Start a piece of ``element``'s text, ``at`` non-space characters into the owner's text."""
        self.element, self.at = element, at
        self.text.clear()

    def close(self, elements: list[tuple[str, Any]], offsets: list[int], known: dict[int, str]) -> None:
        """Add the piece read so far, if it holds a character, to the owner's ``elements`` (with no element of its
        own: its text goes in ``known``)."""
        if text := without_invisible("".join(self.text)):
            known[len(elements)] = text
            elements.append(("code", None))
            offsets.append(self.at)
        self.text.clear()


def _code_only(link: Any) -> bool:
    """Whether every character of ``link``'s text is inside code (``<a><code>Promise.then()</code></a>``)."""
    inside = False
    walk = etree.iterwalk(link, events=("start", "end"))
    for event, node in walk:
        if event == "start" and node is not link and node.tag in CODE_TAGS:
            inside = inside or bool(_squeezed("".join(node.itertext())))
            walk.skip_subtree()  # its tail, at its end event, is outside it
            continue
        text = node.text if event == "start" else node.tail if node is not link else None
        if _squeezed(text):
            return False
    return inside


class _RunEnds:
    """Which formulas a run's end (a block element, a line break) sets apart from the text before them (``before``)
    and from the text after them (``after``), as a walk meets formulas, run ends and text in document order: a
    formula that shows no text belongs to a block only where no end stands between it and the block's text."""

    def __init__(self, broken: bool) -> None:
        self.before: set[int] = set()
        self.after: set[int] = set()
        self._waiting: list[int] = []  # formulas since the last text, which a run's end before the next text sets apart
        self._broken = broken  # a run's end since the last text

    def formula(self, key: int) -> None:
        self._waiting.append(key)
        if self._broken:
            self.before.add(key)

    def run_end(self) -> None:
        self.after.update(self._waiting)
        self._waiting.clear()
        self._broken = True

    def text(self) -> None:
        self._waiting.clear()
        self._broken = False


def owner_text(owner: Any, blocks: list[Block]) -> OwnerText:
    """``owner``'s inline elements, and their and its ``blocks``' places in its own text, in one walk as ``segment``
    walks it (an element's text and tail belong to the innermost block element open around them), which skips the
    nested block elements. The inline elements are links, and emphasis or code that neither sits in another inline
    element nor holds a link (the link is kept, the emphasis around it is not). A link inside a code element or
    around nothing but code is a link on code, and the text of a code element around links is code of its own
    (``_CodePieces``): API names linked to their documentation keep their code marks. Linear in the owner's size."""
    elements: list[tuple[str, Any]] = []
    offsets: list[int] = []
    known: dict[int, str] = {}  # the texts of the pieces of code, which have no element of their own
    code_links: set[int] = set()
    parts: list[str] = [_squeezed(owner.text)]
    size = len(parts[0])
    open_inline = open_links = 0
    code = _CodePieces()
    ends = _RunEnds(broken=False)
    walk = etree.iterwalk(owner, events=("start", "end"))
    for event, node in walk:
        if node is owner:
            continue
        tag = node.tag
        if event == "start":
            if tag in BLOCK_TAGS or breaks_run(node):
                ends.run_end()
            if tag in BLOCK_TAGS:
                walk.skip_subtree()  # its text is its own blocks'; its tail (at its end event) is the owner's
                continue
            kind = INLINE.get(tag)
            if kind == "math":  # wherever it is: the emphasis around it is not kept (and a link's wins over it)
                ends.formula(len(elements))
                elements.append((kind, node))
                offsets.append(size)
            elif kind == "link" and not open_links:
                if code.element is not None:
                    code.close(elements, offsets, known)
                if code.element is not None or _code_only(node):
                    code_links.add(len(elements))
                elements.append((kind, node))
                offsets.append(size)
            elif kind is not None and not open_inline:
                if next(node.iter("a", FORMULA_TAG), None) is None:
                    elements.append((kind, node))
                    offsets.append(size)
                elif kind == "code" and next(node.iter(FORMULA_TAG), None) is None:
                    code.open(node, size)
            open_inline += kind is not None
            open_links += kind == "link"
            text = node.text
        else:
            if tag not in BLOCK_TAGS:
                open_inline -= tag in INLINE
                open_links -= tag == "a"
            if node is code.element:
                code.close(elements, offsets, known)
                code.element = None
            elif tag == "a" and code.element is not None and not open_links:
                code.open(code.element, size)
            text = node.tail
        if text and (part := _squeezed(text)):
            parts.append(part)
            size += len(part)
            ends.text()
        if text and code.element is not None and not open_links:
            code.text.append(text)
    # the elements' texts once, not once per block (their subtrees are disjoint: an element inside another is none)
    texts = [known[i] if i in known else without_invisible("".join(n.itertext())) for i, (_, n) in enumerate(elements)]
    places = _places("".join(parts), blocks)
    return OwnerText(
        elements, texts, offsets, places, frozenset(code_links), frozenset(ends.before), frozenset(ends.after)
    )


def _places(stream: str, blocks: list[Block]) -> dict[int, tuple[int, int]]:
    """Where each of an owner's ``blocks`` sits in ``stream``, the owner's text without white space."""
    places: dict[int, tuple[int, int]] = {}
    cursor = 0
    for block in blocks:  # in document order; runs without a token made no block, so each is searched for
        squeezed = _squeezed(block.text)
        at = stream.find(squeezed, cursor, cursor + len(squeezed) + _SKIPPED)
        if at >= 0:
            cursor = at + len(squeezed)
            places[block.index] = (at, cursor)
    return places


def standalone_formulas(root: Any, blocks: tuple[Block, ...]) -> list[tuple[int, Any]]:
    """The formulas that show no text and stand apart from every run of text (a display alone between two
    paragraphs, or under a heading), each with the number of ``blocks`` before it: no block holds them (``spans``
    leaves them out), so they are written as paragraphs of their own. Read as ``owner_text`` reads a formula in its
    owner's text (a run ends at a block element and at a line break), over the whole tree in document order."""
    parts: list[str] = []
    size = 0
    formulas: list[tuple[int, Any]] = []  # (where in the text, formula), of the formulas that show no text
    ends = _RunEnds(broken=True)
    for event, node in etree.iterwalk(root, events=("start", "end")):
        tag = node.tag
        if (event == "start" and breaks_run(node)) or tag in BLOCK_TAGS:
            ends.run_end()
        if event == "start" and tag == FORMULA_TAG and not _squeezed("".join(node.itertext())):
            ends.formula(len(formulas))
            formulas.append((size, node))
        text = node.text if event == "start" else node.tail
        if text and (part := _squeezed(text)):
            parts.append(part)
            size += len(part)
            ends.text()
    ends.run_end()  # the page's end
    apart = [formulas[k] for k in sorted(ends.before & ends.after)]  # apart from the text on both sides
    places = _places("".join(parts), list(blocks))
    starts: list[int] = []
    for block in blocks:  # a block not found starts where the one before it did
        starts.append(places[block.index][0] if block.index in places else (starts[-1] if starts else 0))
    return [(bisect_left(starts, at), formula) for at, formula in apart]


def _formula_items(extraction: Extraction, layout: frozenset[int]) -> dict[int, list[Item]]:
    """The standalone formulas (``standalone_formulas``) between two content blocks (or after the last block, a
    content one), as items of a displayed formula alone (MediaWiki sets its displays in inline style in a ``<dd>``),
    under the index of the block they follow: a paragraph, a list item or a heading as the elements around the
    formula make it (``layout``: the layout tables, whose cells hold paragraphs). One alone in a data table's cell is
    that cell, in its line; in an equation table (``_EQUATION_TABLE_RE``: LaTeXML's, which sets each of a paper's
    displayed formulas in a table's cells beside its number) those of one row are one display where it stands."""
    seg = extraction.segmentation
    root = tree_root(seg)
    if root is None or next(root.iter(FORMULA_TAG), None) is None:
        return {}
    keep, n = extraction.keep, len(seg.blocks)
    ids = {c.element: c.id for c in seg.containers}
    found: dict[int, list[Item]] = {}
    last_row = (-1, -1)  # (where, row) of the last equation table's formula
    for after, formula in standalone_formulas(root, seg.blocks):
        if after == 0 or not keep[after - 1] or (after < n and not keep[after]):
            continue
        path = tuple(reversed([ids[a] for a in formula.iterancestors() if a in ids]))
        item = classify(seg, Block(-1, "", 0, 0, path), layout) if path else Item("para", "")
        tex = formula.get(TEX_ATTRIBUTE) or ""
        if item.kind == "cell":
            table = item.group[0]
            if table < 0:
                continue
            if not _EQUATION_TABLE_RE.search(seg.containers[table].element.get("class") or ""):
                found.setdefault(after - 1, []).append(replace(item, spans=(Span(0, 0, "math", tex=tex),)))
                continue  # a value of its table: a cell of its own, in its row
            row, item = (after, item.group[1]), classify(seg, Block(-1, "", 0, 0, path), layout | {table})
            if row == last_row:  # LaTeXML's aligned equations: a row's sides in cells of their own
                written = found[after - 1][-1]
                joined = replace(written.spans[0], tex=f"{written.spans[0].tex} {tex}")
                found[after - 1][-1] = replace(written, spans=(joined,))
                continue
            last_row = row
        span = Span(0, 0, "display-math", tex=tex)  # set apart, whatever its style
        found.setdefault(after - 1, []).append(replace(item, spans=(span,)))
    return found


# The class of a table that only sets displayed equations out beside their numbers (LaTeXML: "ltx_equation",
# "ltx_equationgroup", "ltx_eqn_table").
_EQUATION_TABLE_RE = re.compile(r"\bltx_eq")


def spans(block: Block, where: OwnerText, base: str) -> tuple[Span, ...]:
    """The inline markup of ``block``: each of its owner's inline elements that is in it, at its own place (where
    the block's place in the owner's text is unknown, at the first copy of its text after the span before)."""
    out: list[Span] = []
    cursor = 0
    place = where.places.get(block.index)
    # Non-space characters before each space of the block's text, whose only white space is single spaces: the
    # k-th non-space character is at k plus the number of spaces with at most k before them.
    gaps = list(itertools.accumulate(map(len, block.text.split(" ")[:-1])))
    for i in where.within(block):
        (kind, node), text = where.elements[i], where.texts[i]
        href = _href(node, base) if kind == "link" else ""
        code = i in where.code_links
        if kind == "math":
            formula = _formula(block, where, i, node, place, gaps)
            if formula is not None and formula.start >= cursor:
                out.append(formula)
                cursor = formula.end
            elif formula is not None and out and out[-1].kind == "link" and out[-1].start <= formula.start:
                out[-1] = replace(out[-1], inner=(*out[-1].inner, formula))  # in the label of the link before
            continue
        if not text:
            continue
        if kind == "link" and (not href or href == base or not TOKEN_RE.search(text)):
            if not code:
                continue  # a link without a target, to the page itself, or on a mark ("#", "¶", a heading anchor)
            kind, code = "code", False  # a link on code going nowhere: the code stays
        if place is None:
            start = block.text.find(text, cursor)
        else:
            k = where.offsets[i] - place[0]
            start = k + bisect_right(gaps, k)
            if not block.text.startswith(text, start):
                continue  # its text runs on into another block (a <br> inside it)
        if start < cursor:
            continue  # not in this block, or overlapping the span before
        if kind in _JOINED and out and out[-1].kind == kind and out[-1].end == start:
            # Emphasis right after emphasis of its kind: "**a****b**" is no emphasis at all in Markdown, so it joins
            # the span before ("**bold***soft*", of two kinds, reads as both); so does code right after code, as
            # "`F``TAB`" is one code span of "F``TAB" (keys side by side: <kbd>F</kbd><kbd>TAB</kbd>).
            out[-1] = replace(out[-1], end=start + len(text))
            cursor = start + len(text)
            continue
        out.append(Span(start, start + len(text), kind, href, code))
        cursor = start + len(text)
    return tuple(out)


def _formula(
    block: Block, where: OwnerText, i: int, node: Any, place: tuple[int, int] | None, gaps: list[int]
) -> Span | None:
    """The span of the formula ``where.elements[i]`` in ``block``: over its glyphs (KaTeX's, MathJax 2's), or at
    its place where it shows none (MathJax 3, MediaWiki, a TeX script): there, a formula at a block's end is that
    block's unless another block starts there. None where its place in the block is not known."""
    if place is None:
        return None
    offset, text = where.offsets[i], where.texts[i]
    if not text and not place[0] < offset < place[1]:
        joined_before, joined_after = i not in where.apart_before, i not in where.apart_after
        at_end = offset == place[1] and joined_before
        at_start = offset == place[0] and joined_after and not (joined_before and offset in where.ends)
        if not (at_end or at_start):
            return None
    k = offset - place[0]
    start = k + bisect_right(gaps, k)
    if text and not block.text.startswith(text, start):
        return None  # its glyphs run on into another block
    kind = "display-math" if node.get(DISPLAY_ATTRIBUTE) == "block" else "math"
    return Span(start, start + len(text), kind, tex=node.get(TEX_ATTRIBUTE) or "")


def items(extraction: Extraction, url: str | None = None) -> list[Item]:
    """The content blocks as structured items with their inline markup; the blocks of a ``pre`` are one code item,
    as the plain text writes them (``extraction.code_text``). ``url``: where the page came from, for resolving
    relative links. A layout table's blocks are the paragraphs, headings and lists they are (``_in_columns``)."""
    seg = extraction.segmentation
    base = base_url(extraction, url)
    layout = table_cells(seg).layout
    owned: dict[int, list[Block]] = {}
    for block in seg.blocks:
        owned.setdefault(block.owner, []).append(block)
    inline: dict[int, OwnerText] = {}  # per owner element, found once for all its blocks
    out: list[Item] = []
    sources: list[Block | None] = []  # each item's block (None: a <pre>'s code, or a formula alone)
    formulas = _formula_items(extraction, layout)
    for pre, run in pre_runs(seg, extraction.content):
        if pre >= 0:  # a <pre>'s blocks are one code item (a <pre> of thousands of lines is as many blocks)
            around = classify(seg, run[0], layout)  # a data cell's value, or code in the list items around it
            text, language = code_text(seg, pre, run), code_language(seg.containers[pre].element)
            direction = block_direction(seg, run[0].path)
            if around.kind == "cell":
                out.append(replace(around, text=text, language=language, direction=direction))
            else:
                out.append(Item("code", text, group=(pre,), nest=around.nest, language=language, direction=direction))
            sources.append(None)
        else:
            block = run[0]
            if block.owner not in inline:
                inline[block.owner] = owner_text(seg.element(block), owned[block.owner])
            found = spans(block, inline[block.owner], base)
            out.append(replace(classify(seg, block, layout), spans=found, direction=block_direction(seg, block.path)))
            sources.append(block)
        alone = formulas.get(run[-1].index, [])  # the formulas set apart after the run's last block
        out.extend(alone)
        sources.extend([None] * len(alone))
    numbers: dict[int, dict[Any, int]] = {}  # per ordered list, counted once for all its items
    return [_numbered(seg, it, numbers) if it.lists else it for it in _in_columns(seg, out, sources, layout)]


def _in_columns(seg: Segmentation, out: list[Item], sources: list[Block | None], layout: frozenset[int]) -> list[Item]:
    """``out`` with each cell at its place in its table's grid (``table_grid``), and the cells of a table whose kept
    cells all sit in one column written as the blocks they are, as a layout table's: a column of values, without
    the columns the model dropped beside it, is no table to line up ("| text |" without a header row is none in
    Markdown, and its pipes would end up in the text)."""
    grids: dict[int, dict[Any, tuple[int, int]]] = {}  # per table, laid out once for all its cells
    columns: dict[int, set[int]] = {}  # per table, the columns of its kept cells
    for i, item in enumerate(out):
        if item.kind == "cell" and item.group[0] >= 0:
            table = item.group[0]
            if table not in grids:
                grids[table] = table_grid(seg.containers[table].element)
            out[i] = replace(item, place=grids[table].get(seg.containers[item.group[2]].element, (-1, -1)))
            columns.setdefault(table, set()).add(out[i].place[1])
    column = frozenset(t for t, cols in columns.items() if len(cols) == 1 and -1 not in cols)
    if not column:
        return out
    flat = layout | column
    for i, (item, block) in enumerate(zip(out, sources, strict=True)):
        if item.kind == "cell" and item.group[0] in column:
            if block is not None:
                out[i] = replace(classify(seg, block, flat), spans=item.spans)
            else:  # a <pre>'s code, in a cell that is no table's: a code block
                out[i] = Item("code", item.text, nest=item.nest, language=item.language)
    return out


# A class naming a code block's language: "language-js" or "lang-js" (highlight.js, Prism and Markdown renderers,
# on the <pre> or its <code>), "highlight-python3" or "highlight-source-python" (Sphinx and GitHub, on a <div>
# around the <pre>), "brush: js" (SyntaxHighlighter). Only a clean name is taken: it goes after a fence.
_LANGUAGE_CLASS_RE = re.compile(
    r"(?:^|\s)(?:language-|lang-|highlight-(?:source-)?|brush:\s*)([A-Za-z0-9_+#.-]{1,30})(?=[\s;]|$)"
)
_LANGUAGE_RE = re.compile(r"[A-Za-z0-9_+#.-]{1,30}")
# Names that name no language: plain text, the highlighter's default lexer (Sphinx's "highlight-default") or its
# guess (Discourse's "lang-auto").
_NO_LANGUAGE = frozenset({"none", "text", "txt", "plain", "plaintext", "nohighlight", "default", "auto"})
# How far above a <pre> its language may be named: Sphinx's <div class="highlight-python3"><div class="highlight">.
_LANGUAGE_ANCESTORS = 2


def code_language(pre: Any) -> str:
    """The language a ``<pre>`` of code is in, where the page names it: a class of its ``<code>``, of itself or of
    the elements just around it (``_LANGUAGE_CLASS_RE``), or a ``data-lang`` attribute; lower case, "" where none is
    named. Markdown writes it after the code's fence, so that a reader or renderer highlights it."""
    code = next(pre.iter("code"), None)
    around = list(itertools.islice(pre.iterancestors(), _LANGUAGE_ANCESTORS))
    for element in (code, pre, *around):
        if element is None:
            continue
        match = _LANGUAGE_CLASS_RE.search(element.get("class") or "")
        named = match.group(1) if match else (element.get("data-lang") or "").strip()
        if named and _LANGUAGE_RE.fullmatch(named):
            return _language(named.lower())
    return ""


def _language(name: str) -> str:
    """A language's name as a fence's info string: "" for one that names none, "html" for GitHub's "text-html-basic"
    and its kind."""
    if name in _NO_LANGUAGE:
        return ""
    return name.removeprefix("text-").split("-")[0] if name.startswith("text-") else name


def _apply(item: Item, plain: Callable[[str], str], mark: Callable[[Span, str], str]) -> str:
    """``item``'s text with each span rendered by ``mark`` and the text between by ``plain``."""
    parts, at = [], 0
    for sp in item.spans:
        parts.append(plain(item.text[at : sp.start]))
        parts.append(_spaced(item.text, sp, mark(sp, item.text[sp.start : sp.end])))
        at = sp.end
    parts.append(plain(item.text[at:]))
    return "".join(parts)


def _spaced(text: str, sp: Span, written: str) -> str:
    """``written`` (the span ``sp`` of ``text`` as written) with a space where a formula that shows no text of its
    own would touch the text: the blocks' text has one space where "where <math> is" had two, and the formula sits
    after it ("where |is"), and none where a block ended "is: <math>". A formula after an opening bracket, or before
    a comma, a full stop or a closing bracket, stays against it; before a word, a sign ("= 5") or an emphasis mark
    ("*so*", which read as the formula's glyphs run into the word), it takes a space."""
    if sp.kind not in MATH_KINDS or sp.start != sp.end:
        return written
    before = " " if sp.start > 0 and not text[sp.start - 1].isspace() and text[sp.start - 1] not in _OPENING else ""
    following = text[sp.start] if sp.start < len(text) else " "
    after = "" if following.isspace() or following in _ATTACHED else " "
    return f"{before}{written}{after}"


# What a formula without a space before it may follow: an opening bracket or quotation mark.
_OPENING = frozenset("([{\"'“‘«")
# What a formula without a space after it may precede: punctuation that ends a sentence or a clause, a closing
# bracket or quotation mark, and what joins a word to the one before ("x-axis", "a/b", "5%", "f(x)").
_ATTACHED = frozenset(",.;:!?…)]}\"'”’»%-/(")


# What a link's destination cannot hold as it is: white space, control characters, parentheses and angle brackets
# (a destination ends at a space or an unbalanced ")", one that starts with "<" ends at ">", and a control
# character ends it or makes no link at all), written percent-encoded, as browsers send them (or as they mean the
# same place); and what CommonMark reads in a destination as it does in text, a character reference ("&amp;" in a
# query would become "&") and a backslash (before punctuation, or at the end, before the ")" that closes the link),
# escaped with a backslash.
_MD_URL_RE = re.compile(r"[\x00-\x20()<>\x7f]|&(?=#?[A-Za-z0-9]+;)|\\(?=[!-/:-@\[-`{-~]|\Z)")


def _md_url(href: str) -> str:
    """``href`` as a Markdown link's destination (``_MD_URL_RE``), which a reader turns back into ``href``."""
    return _MD_URL_RE.sub(_md_url_escape, href)


def _md_url_escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return "\\" + char if char in "&\\" else f"%{ord(char):02X}"


# Text that Markdown would read as markup rather than as the page's words, escaped with a backslash (which renders
# as nothing): a tag or comment ("<script>" in the page's text must not become a live element where the Markdown is
# rendered), a character reference ("&amp;" written out), a backslash before punctuation, a "*" or "_" that could
# open or close emphasis, a backtick (a pair of them is a code span, and one can pair with another across a link,
# as "`quoted' in the old style" does), a "]" before "(" (the page's "[docs](http://x)" or "![logo](x.png)" would be
# a live link or image) and a "!" before "["; and at the start of a line, what would open a heading, a list, a
# quotation or a code fence, a rule ("1986. A year" is not item 1986), or a link reference definition ("[1]:
# http://x" would vanish, and turn "[1]" elsewhere into a link). An underscore inside a word ("snake_case"), a "*"
# between spaces ("5 * 3") and brackets that make no link ("[1]", "[edit]": a link needs "(" after its "]", or a
# definition, and none is left) mark nothing, and stay as they are, so that a corpus is not filled with backslashes.
_MD_INLINE_RE = re.compile(
    r"<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)|\\(?=[!-/:-@\[-`{-~])|(?<![^\W_])_|_(?![^\W_])|\*(?!\s)|(?<!\s)\*"
    r"|`|\](?=\()|!(?=\[)"
)
# A link's label: its brackets too, which would end it early or open a link of their own.
_MD_LABEL_RE = re.compile(_MD_INLINE_RE.pattern + r"|[\[\]]")
_MD_LINE_START_RE = re.compile(
    r"(?:#{1,6}|[-+*]|>|```|~~~)(?=\s|$)|>|```|~~~|(?:[-*_=]\s*){3,}$|[=-]+\s*$|\[(?=(?:[^\]\\]|\\.)*\]:)"
)
_MD_NUMBER_RE = re.compile(r"(\d{1,9})([.)])(?=\s|$)")
# The characters that _MD_INLINE_RE escapes only for what follows them, which may be the next part of a line.
_MD_BEFORE = frozenset("<&\\]!")


def _md_inline(text: str) -> str:
    return _MD_INLINE_RE.sub(lambda m: "\\" + m.group(0), text)


def _md_line(text: str) -> str:
    """``text`` (a line of Markdown) with what would open a block at its start escaped."""
    if _MD_LINE_START_RE.match(text):
        return "\\" + text
    number = _MD_NUMBER_RE.match(text)
    return f"{number.group(1)}\\{text[number.end(1) :]}" if number else text


def _md_text(item: Item) -> str:
    """``item``'s text as Markdown: its spans marked, the text between them escaped (``_md_inline``), and where the
    text before a part ends with a character that the part's start makes markup ("Wow!" before a link would make
    it an image, "C:\\" would escape the link's "["), that character escaped as well."""
    parts: list[str] = []
    at = 0
    # Beside a formula, a dollar sign of the text ("$5") would pair with the formula's for a math renderer; so do
    # two of the text's own that a math renderer pairs (the TeX of a page saved before MathJax ran, "$a*b$"), whose
    # escaped text between them it would read as TeX ("a\\*b"): they are the page's text, written as text.
    beside_math = any(sp.kind in MATH_KINDS for sp in item.spans) or _TEXT_MATH_RE.search(item.text)
    plain = _md_inline_beside_math if beside_math else _md_inline
    for i, written in enumerate(item.spans):
        sp = _md_flanked(item, i) if written.kind in MD_MARKS else written
        if sp is None:
            continue  # emphasis of punctuation alone: its text is written plain with the text after it
        _md_append(parts, plain(item.text[at : sp.start]))
        _md_append(parts, _spaced(item.text, sp, _md_span(sp, item.text[sp.start : sp.end])))
        at = sp.end
    _md_append(parts, plain(item.text[at:]))
    return "".join(parts)


# Two dollar signs a math renderer reads as a formula, as pandoc pairs them: the first before a character other than
# white space, the second after one and not before a digit ("$5 and $10" is none).
_TEXT_MATH_RE = re.compile(r"\$(?=[^\s$])(?:[^$\\]|\\.)*?(?<=\S)(?<!\\)\$(?!\d)")


def _md_flanked(item: Item, i: int) -> Span | None:
    """``item``'s span ``i`` (emphasis) narrowed to where CommonMark reads its marks as emphasis. An opening "*" or "**"
    must come before a character other than white space, and where that character is punctuation, after white space
    or punctuation; a closing one the same, mirrored. "**Name:**SDH" and "Dumper**®**" are no emphasis: a reader
    shows their asterisks. The white space and punctuation at the span's edges that break this are left outside it
    ("**Name**:SDH"); a span of nothing else (a bold "®") is none (None), its text plain. A link, code or formula
    right before or after it is written with marks ("[", ")", "`", "$") beside it: punctuation, whatever its text;
    emphasis right beside it makes one run of marks with its own ("*soft***.**"), between the two texts."""
    text, sp = item.text, item.spans[i]
    start, end = sp.start, sp.end
    before = _md_beside(item, i - 1, start - 1, start)
    while start < end and not _md_flanking(text[start], before):
        before = text[start]
        start += 1
    after = _md_beside(item, i + 1, end, end)
    while end > start and not _md_flanking(text[end - 1], after):
        after = text[end - 1]
        end -= 1
    return replace(sp, start=start, end=end) if start < end else None


def _md_beside(item: Item, j: int, k: int, at: int) -> str:
    """The character written beside emphasis at ``at`` in ``item``'s text, on the side of its span ``j`` and of its
    text's character ``k``: a mark, punctuation, where a link, code or formula touches it there; else the text's
    character (emphasis touching it makes one run of marks with it); a space at the line's edge."""
    span = item.spans[j] if 0 <= j < len(item.spans) else None
    if span is not None and span.kind not in MD_MARKS and at in (span.start, span.end):
        return "*"
    return item.text[k] if 0 <= k < len(item.text) else " "


def _md_flanking(inner: str, outer: str) -> bool:
    """Whether an emphasis mark between ``inner`` (the first or last character of its span) and ``outer`` (the
    character written beside it outside the span, a space at the line's edge) opens or closes emphasis: CommonMark's
    left- and right-flanking delimiter runs. The text's character is what is written there, or a backslash escaping
    it, which is punctuation as well. Symbols ("®", "©", "€") are punctuation inside the span, as CommonMark 0.31
    reads them, and not outside it, as readers of its earlier versions do: the marks then read in both."""
    inside = unicodedata.category(inner)[0] in "PS"
    outside = outer.isspace() or outer in _ASCII_PUNCTUATION or unicodedata.category(outer)[0] == "P"
    return not inner.isspace() and (not inside or outside)


_ASCII_PUNCTUATION = frozenset(string.punctuation)


def _md_inline_beside_math(text: str) -> str:
    return _md_inline(text).replace("$", "\\$")


def _md_append(parts: list[str], part: str) -> None:
    """Add ``part`` to a line's ``parts``, escaping the character before it where the two would read as markup.
    Such a character ends the text before unescaped (``_MD_BEFORE``: escaped only for what follows it)."""
    if not part:
        return
    if parts and parts[-1][-1] in _MD_BEFORE and _MD_INLINE_RE.match(parts[-1][-1] + part[:40]):
        parts[-1] = parts[-1][:-1] + "\\" + parts[-1][-1]
    parts.append(part)


def _md_span(sp: Span, text: str) -> str:
    if sp.kind == "link":
        label = _md_code(text) if sp.code else _label(sp, text, lambda part: _md_marked(part, _MD_LABEL_RE), _md_span)
        return f"[{label}]({_md_url(sp.href)})"
    if sp.kind == "code":
        return _md_code(text)
    if sp.kind in MATH_KINDS:
        return _md_math(sp.tex, sp.kind == "display-math")
    mark = MD_MARKS[sp.kind]
    return f"{mark}{_md_marked(text, _MD_INLINE_RE)}{mark}"  # its own asterisks escaped where read as marks


def _label(link: Span, text: str, plain: Callable[[str], str], mark: Callable[[Span, str], str]) -> str:
    """A link's label (``text``): its formulas (``link.inner``, in place of their glyphs, each in its line: a label is
    one line) marked by ``mark``, the text around them by ``plain``."""
    parts, at = [], 0
    for formula in link.inner:
        start, end = formula.start - link.start, formula.end - link.start
        inline = replace(formula, start=start, end=end, kind="math")
        parts.append(plain(text[at:start]))
        parts.append(_spaced(text, inline, mark(inline, text[start:end])))
        at = end
    parts.append(plain(text[at:]))
    return "".join(parts)


def _md_marked(text: str, markup: re.Pattern[str]) -> str:
    """``text`` inside a link's label or emphasis, what ``markup`` matches escaped, and a backslash at its end too:
    the "]" or "*" written after it would be an escaped character ("[C:\\](u)" is no link, "**D:\\**" no bold)."""
    written = markup.sub(lambda m: "\\" + m.group(0), text)
    return written + "\\" if text.endswith("\\") else written


# "<" before a letter in a formula ("a<b"), which Markdown would read as a tag: TeX's own name for it.
_TEX_LESS_RE = re.compile(r"<(?=[A-Za-z/!?])")


def _md_math(tex: str, display: bool) -> str:
    """A formula as Markdown's math: ``$tex$`` in its line, ``$$tex$$`` set apart (as pandoc, GitHub, and KaTeX's and
    MathJax's renderers read them). The TeX is written as it is, not escaped as text ("a\\_{i}" is no TeX), but for
    a "<" that would open a tag, written as TeX's ``\\lt``."""
    tex = _TEX_LESS_RE.sub(r"\\lt ", tex)
    return f"$${tex}$$" if display else f"${tex}$"


def _md_code(text: str) -> str:
    """``text`` as a code span: its backticks in a longer run of them, and padded where it starts or ends with one."""
    ticks = "`" * (max((len(r) for r in _BACKTICKS_RE.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md(item: Item) -> str:
    return _md_line(_md_text(item))


def _html_span(sp: Span, text: str) -> str:
    if sp.kind == "link":
        label = f"<code>{_e(text)}</code>" if sp.code else _label(sp, text, _e, _html_span)
        return f'<a href="{htmlmod.escape(sp.href, quote=True)}">{label}</a>'
    if sp.kind == "math":  # as pandoc writes a formula for MathJax and KaTeX to draw
        return f'<span class="math inline">\\({_e(sp.tex)}\\)</span>'
    if sp.kind == "display-math":
        return f'<span class="math display">\\[{_e(sp.tex)}\\]</span>'
    tag = HTML_TAGS[sp.kind]
    return f"<{tag}>{_e(text)}</{tag}>"


def _h(item: Item) -> str:
    return _apply(item, _e, _html_span)


def _groups(run: list[Item], depth: int) -> Iterator[list[Item]]:
    """Consecutive items that render together at ``depth`` of their nesting (their frames before it are the same):
    those in one quotation or one list (their frame at ``depth``), the cells of one table, each other item alone."""
    i = 0
    while i < len(run):
        key = _group_key(run[i], depth)
        j = i + 1
        while key is not None and j < len(run) and _group_key(run[j], depth) == key:
            j += 1
        yield run[i:j]
        i = j


def _group_key(item: Item, depth: int) -> tuple[str, int] | None:
    """What ``item`` renders together with at ``depth``: its quotation, its list, its table (None: nothing)."""
    if depth < len(item.nest):
        frame = item.nest[depth]
        return ("quote", frame.quote_id) if isinstance(frame, Quote) else ("list", frame.list_id)
    return ("table", item.group[0]) if item.kind == "cell" else None


def _list_items(run: list[Item], depth: int) -> Iterator[list[Item]]:
    """The items of one list (``run``, the group of its frame at ``depth``), each list item's blocks together."""
    for _, group in itertools.groupby(run, key=lambda it: it.nest[depth]):
        yield list(group)


def _frame(item: Item, depth: int) -> Frame | None:
    return item.nest[depth] if depth < len(item.nest) else None


# The list items and quotations a block is written inside at most; deeper ones are not written (its text stays). The
# writers recurse once per level, and no page nests content this deep (a hostile one nests 500 lists: MAX_NESTING);
# markdown-it stops reading nested blocks at 100 in its default preset, at 20 (about ten lists) in its "commonmark"
# one, where a forum's deepest replies are left out of the rendering; cmark and pandoc read any depth.
MAX_WRITTEN_NESTING = 50


def _written(run: list[Item]) -> list[Item]:
    """The items as the writers take them: nested at most ``MAX_WRITTEN_NESTING`` deep, bare list levels left out."""
    deep = MAX_WRITTEN_NESTING
    return _unwrapped([replace(it, nest=it.nest[:deep]) if len(it.nest) > deep else it for it in run])


def _unwrapped(run: list[Item], depth: int = 0) -> list[Item]:
    """``run`` without the list levels that hold nothing kept but lists nested in their items (a slider's or a
    contents box's outer list, whose items' own text was dropped): their nested lists are written in their place,
    not as items of no text around them ("- - CoreDNS")."""
    out: list[Item] = []
    for group in _groups(run, depth):
        frame = _frame(group[0], depth)
        if frame is None:
            out.extend(group)
        elif isinstance(frame, ListLevel) and all(isinstance(_frame(it, depth + 1), ListLevel) for it in group):
            out.extend(_unwrapped([replace(it, nest=it.nest[:depth] + it.nest[depth + 1 :]) for it in group], depth))
        else:
            out.extend(_unwrapped(group, depth + 1))
    return out


def _rows(
    cells: list[Item], text: Callable[[Item], str], join: Callable[[list[str]], str]
) -> list[list[tuple[str, bool]]]:
    """The kept cells of one table as rows of equal width: each cell's blocks rendered by ``text`` and joined by
    ``join`` (a line break: ``_md_cell``, ``_html_cell_lines``), with whether it is a header cell (``<th>``). A cell
    goes in its column of the table's grid, an empty string where the table has nothing kept, and the columns and
    rows that hold nothing kept are left out. Where a cell's place is not known (a cell outside a ``<tr>``), the
    cells are set side by side in their rows as they come."""
    if any(c.place[0] < 0 for c in cells):
        cells = _side_by_side(cells)
    placed: dict[tuple[int, int], tuple[list[str], bool]] = {}  # parts joined at the end: a cell of 100,000 lines
    for c in cells:
        placed.setdefault(c.place, ([], c.level == 1))[0].append(text(c))
    rows = sorted({r for r, _ in placed})
    columns = {col: i for i, col in enumerate(sorted({col for _, col in placed}))}
    grid = {r: [("", False)] * len(columns) for r in rows}
    for (r, col), (parts, header) in placed.items():
        grid[r][columns[col]] = (join(parts), header)
    return [grid[r] for r in rows]


def _side_by_side(cells: list[Item]) -> list[Item]:
    """``cells`` placed in rows and columns by their order alone: a new row at each ``<tr>``, a new column at each
    cell."""
    out: list[Item] = []
    r = col = -1
    last_row = last_cell = None
    for c in cells:
        _, row, cell = c.group
        if row != last_row:
            r, col, last_cell = r + 1, -1, None
        if cell != last_cell:
            col += 1
        out.append(replace(c, place=(r, col)))
        last_row, last_cell = row, cell
    return out


# Between the lines of a table cell of several (a <br>, paragraphs, list items, a <pre>'s lines): a line break. A GFM
# table's row is one line, so Markdown cannot break a cell's line itself; "<br>" is how GitHub and the other GFM
# renderers are told to (an inline tag they pass through), and a reader or a model sees a line break in it too. The
# plain text's " / " (``extraction.CELL_LINES_APART``) would be ambiguous here: "5.4 / 5.10" cannot be told from a
# value that holds a slash ("TCP/IP", "1/2 cup"), and a renderer would show it as part of the value.
CELL_LINE_BREAK = "<br>"


def _md_cell(parts: list[str]) -> str:
    """A table cell's blocks, in Markdown, as one line: a line break between them (``CELL_LINE_BREAK``), the
    character before one escaped where it would make it text ("C:\\<br>" would show the tag)."""
    out: list[str] = []
    for i, part in enumerate(parts):
        if i:
            _md_append(out, CELL_LINE_BREAK)
        _md_append(out, part)
    return "".join(out)


def _md_cell_part(item: Item) -> str:
    """A block of a table cell in Markdown: a ``<pre>``'s code a code span per line (a GFM row is one line)."""
    if item.preformatted:
        return CELL_LINE_BREAK.join(_md_code(line) for line in item.text.split("\n") if line.strip())
    return _md(item)


def _html_cell_lines(parts: list[str]) -> str:
    return CELL_LINE_BREAK.join(parts)


def _html_cell_part(item: Item) -> str:
    """A block of a table cell in HTML: a ``<pre>``'s code as the code block it is, which a cell may hold."""
    return f"<pre><code>{_e(item.text)}</code></pre>" if item.preformatted else _h(item)


def _html_cell(text: str, header: bool) -> str:
    return f"<th>{text}</th>" if header else f"<td>{text}</td>"


def _html_table(rows: list[list[tuple[str, bool]]]) -> list[str]:
    """A table's rows as one ``<table>``; a table of one column as a paragraph per cell, as ``_md_table``."""
    if len(rows[0]) == 1:
        return [f"<p>{text}</p>" for ((text, _),) in rows if text]
    return ["<table>\n" + "\n".join("<tr>" + "".join(_html_cell(*c) for c in r) + "</tr>" for r in rows) + "\n</table>"]


def _fence(code: str) -> str:
    """A code fence longer than any run of backticks in ``code``, so that no line of it closes the block."""
    return "`" * max(3, max((len(run) + 1 for run in _BACKTICKS_RE.findall(code)), default=0))


def to_markdown(extraction: Extraction, url: str | None = None) -> str:
    """Content as Markdown: # headings, - and 1. lists, | tables |, ``` code, > quotations, [links](href), **bold**,
    *italics*, `code`, $formulas$ (their TeX); ``url`` (where the page came from) resolves relative links. A block
    inside a list item or a quotation (code, a table, a nested list or quotation, another paragraph) is written inside
    it: its lines take the item's indent or the quotation's "> ", as CommonMark reads them."""
    body = _md_blocks(_written(items(extraction, url)), 0)
    return body + "\n" if body else ""


def _md_blocks(run: list[Item], depth: int, in_item: bool = False) -> str:
    """The items of ``run`` (all inside the same frames before ``depth``) as Markdown blocks apart by a blank line.
    In a list item, a list that may interrupt a paragraph (bullets, or numbers from 1) goes right under the
    paragraph before it, as the item's text and its nested list were always written (a tight list)."""
    out: list[str] = []
    turn = 0  # the bullet or delimiter of the last list: a list right after another takes the other
    last = ""  # what the last block was: "para", "list" or another kind
    for group in _groups(run, depth):
        frame = _frame(group[0], depth)
        if isinstance(frame, Quote):
            block, kind = _md_prefixed(_md_blocks(group, depth + 1), "> ", "> "), "quote"
        elif frame is not None:
            turn = 1 - turn if last == "list" else 0
            block, kind = _md_list(group, depth, turn), "list"
            if in_item and last == "para" and (not frame.ordered or frame.number == 1):
                out.append("\n" + block)
                last = kind
                continue
        else:
            block, kind = _md_leaf(group), group[0].kind
            kind = "para" if kind in ("item", "quote", "para") else kind
        out.append("\n\n" + block if out else block)
        last = kind
    return "".join(out)


def _md_leaf(group: list[Item]) -> str:
    """A heading, a code block, a table, or a paragraph."""
    first = group[0]
    if first.kind == "heading":
        return "#" * first.level + " " + _md_text(first)
    if first.kind == "code":
        fence = _fence(first.text)
        return f"{fence}{first.language}\n{first.text}\n{fence}"
    if first.kind == "cell":
        return "\n\n".join(_md_table(_rows(group, _md_cell_part, _md_cell)))
    return _md(first)


def _md_list(run: list[Item], depth: int, turn: int) -> str:
    """One list (``run``: its items' blocks, their frame at ``depth`` its items) as Markdown: each item's marker
    (its number in an ordered list; ``turn`` picks the bullet or delimiter) before its first line, its other lines
    indented by the marker's width, as CommonMark reads an item's blocks (three spaces under "1. ")."""
    lines = []
    for item in _list_items(run, depth):
        level = item[0].nest[depth]
        assert isinstance(level, ListLevel)
        marker = f"{level.number}{_DELIMITERS[turn]} " if level.ordered else f"{_BULLETS[turn]} "
        lines.append(_md_prefixed(_md_blocks(item, depth + 1, in_item=True), marker, " " * len(marker)))
    return "\n".join(lines)


def _md_prefixed(block: str, first: str, rest: str) -> str:
    """``block``'s lines, the first after ``first`` and the others after ``rest``; an empty line after ``rest``
    without its trailing spaces (">" in a quotation), so that no line ends in white space."""
    lines = block.split("\n")
    return "\n".join((first if i == 0 else rest if line else rest.rstrip()) + line for i, line in enumerate(lines))


def _md_table(rows: list[list[tuple[str, bool]]]) -> list[str]:
    """A table's rows as one GFM table, its first row the header; a table of one column as a paragraph per cell (a
    column of cells whose places are not known: ``_in_columns`` writes the others' blocks as they are)."""
    if len(rows[0]) == 1:
        return [text for ((text, _),) in rows if text]
    # A pipe inside a cell, code spans and links included, is escaped: GFM splits a row at every other one.
    lines = ["| " + " | ".join(text.replace("|", "\\|").replace("\n", " ") for text, _ in r) + " |" for r in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return ["\n".join(lines)]


_BULLETS = ("-", "*")
_DELIMITERS = (".", ")")


def _e(text: str) -> str:
    return htmlmod.escape(text, quote=False)


def _html_blocks(run: list[Item], depth: int, page_dir: str, in_item: bool = False) -> list[str]:
    """The items of ``run`` (all inside the same frames before ``depth``) as HTML blocks, each quotation and list
    the page's own, and what they hold inside them. A list item's first paragraph is its text, without a ``<p>``;
    a block set in another direction than ``page_dir`` (the ``dir`` on ``<html>``) has its own ``dir``."""
    out: list[str] = []
    for group in _groups(run, depth):
        frame = _frame(group[0], depth)
        if isinstance(frame, Quote):
            out.append("<blockquote>" + "\n".join(_html_blocks(group, depth + 1, page_dir)) + "</blockquote>")
        elif frame is not None:
            out.append(_html_list(group, depth, page_dir))
        elif in_item and not out and group[0].kind in ("item", "quote", "para"):
            out.append(_h(group[0]))
        else:
            out.extend(_html_leaf(group, page_dir))
    return out


def _html_leaf(group: list[Item], page_dir: str) -> list[str]:
    """A heading, a code block, a table, or a paragraph."""
    first = group[0]
    own = _own_direction(first, page_dir)
    if first.kind == "heading":
        return [f"<h{first.level}{own}>{_h(first)}</h{first.level}>"]
    if first.kind == "code":
        language = f' class="language-{first.language}"' if first.language else ""
        return [f"<pre{own}><code{language}>{_e(first.text)}</code></pre>"]
    if first.kind == "cell":
        return _html_table(_rows(group, _html_cell_part, _html_cell_lines))
    return [f"<p{own}>{_h(first)}</p>"]


def _own_direction(item: Item, page_dir: str) -> str:
    """A ``dir`` attribute for an element of ``item``'s, where its direction is not the page's (left to right where
    the page sets none: many pages mark every paragraph ``dir="ltr"``, which says nothing new)."""
    return f' dir="{item.direction}"' if item.direction not in ("", page_dir or "ltr") else ""


def _html_list(run: list[Item], depth: int, page_dir: str) -> str:
    """One list (``run``: its items' blocks, their frame at ``depth`` its items) as an ``<ul>`` or ``<ol>``: an
    ordered list starting at its first written item's number, an item out of the count with its own ``value``."""
    first = run[0].nest[depth]
    assert isinstance(first, ListLevel)
    tag = "ol" if first.ordered else "ul"
    start = f' start="{first.number}"' if first.ordered and first.number != 1 else ""
    lines = [f"<{tag}{start}>"]
    expected = first.number
    for item in _list_items(run, depth):
        level = item[0].nest[depth]
        assert isinstance(level, ListLevel)
        value = f' value="{level.number}"' if level.ordered and level.number != expected else ""
        expected = level.number + 1
        own = _own_direction(item[0], page_dir)
        lines.append(f"<li{value}{own}>" + "\n".join(_html_blocks(item, depth + 1, page_dir, in_item=True)) + "</li>")
    lines.append(f"</{tag}>")
    return "\n".join(lines)


def to_html(extraction: Extraction, url: str | None = None) -> str:
    """Content as a small, clean HTML document: headings, paragraphs, lists, tables, code, quotations, links (``href``
    only, resolved as in ``to_markdown``), strong, em and code; no scripts, styles or other attributes, but the
    page's ``lang`` and ``dir`` (``text_direction``) on ``<html>``, a block's own ``dir`` where it differs from the
    page's, a code block's language and a formula's class."""
    written = _written(items(extraction, url))
    direction = text_direction(extraction)
    ways = {item.direction for item in written}
    if not direction and len(ways) == 1:  # the page sets its direction on a wrapper of all its content
        direction = ways.pop()
    body = _html_blocks(written, 0, direction)
    title = f"<title>{_e(extraction.title)}</title>\n" if extraction.title else ""
    lang = extraction.meta.language
    attributes = f' lang="{htmlmod.escape(lang, quote=True)}"' if lang else ""
    if direction:
        attributes += f' dir="{direction}"'
    opening = f"<html{attributes}>"
    return (
        f'<!DOCTYPE html>\n{opening}\n<head>\n<meta charset="utf-8">\n'
        + title
        + "</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


_DIRECTIONS = ("ltr", "rtl", "auto")


def text_direction(extraction: Extraction) -> str:
    """The direction the page sets its text in (``dir`` on its ``<html>``, else on its ``<body>``: "rtl" for Arabic
    or Hebrew, which a browser would lay out left to right without it), "" where it sets none or a value browsers
    do not know."""
    root = tree_root(extraction.segmentation)
    return _first_direction((root, root.find("body")) if root is not None else ())


def block_direction(seg: Segmentation, path: tuple[int, ...]) -> str:
    """The direction a block is set in: the ``dir`` of its nearest block-level ancestor that sets a value browsers
    know ("" where none does). An Arabic quotation on an English page, or an Arabic site that sets ``dir`` on its
    article's ``<div>`` rather than on ``<html>``, reads right to left only if the output says so."""
    return _first_direction(seg.containers[container].element for container in reversed(path))


def _first_direction(elements: Iterable[Any]) -> str:
    """The first value browsers know among the ``dir`` attributes of ``elements`` (None among them passed over)."""
    for element in elements:
        value = (element.get("dir") or "").strip().lower() if element is not None else ""
        if value in _DIRECTIONS:
            return value
    return ""


def page_record(source: str, extraction: Extraction | None, error: str | None = None) -> dict[str, Any]:
    """The json/jsonl object of a page: source, the metadata it declares (title, author, date, language, url,
    site_name: each where found), and text; or source and error for a page that failed."""
    if extraction is None:
        return {"source": source, "error": error or "unknown error"}
    record: dict[str, Any] = {"source": source, **extraction.meta.as_dict()}
    if "title" not in record and extraction.title:
        record["title"] = extraction.title
    record["text"] = extraction.text
    if extraction.no_content:
        record["no_content"] = True  # empty text by the model's decision, not for want of blocks
    return record


def block_records(source: str, extraction: Extraction) -> list[dict[str, Any]]:
    """One object per block: index, label, p(content), tag path, token counts and text."""
    seg = extraction.segmentation
    return [
        {
            "source": source,
            "index": b.index,
            "label": "content" if keep else "boilerplate",
            "proba": round(float(p), 4),
            "path": "/".join(seg.tag_path(b)),
            "tokens": b.n_tokens,
            "link_tokens": b.n_link_tokens,
            "text": b.text,
        }
        for b, p, keep in zip(seg.blocks, extraction.proba, extraction.keep, strict=True)
    ]
