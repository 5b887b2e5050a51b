"""labelled blocks -> text, markdown, html, json records, block rows.

Rendering reads the structure a content block sits in from its tag path (heading, list item, table cell,
preformatted code, quotation, paragraph), so markdown and html keep headings, lists and tables; and the inline
markup inside each block (links, with their targets resolved against the page's URL or ``<base href>``; bold,
italics, inline code), each placed where its element is in its block (``owner_text``: one walk of the block's
element counts the characters other than white space before each inline element and each block). Markdown is written
without escaping, except the brackets of link texts: its users (indexes, RAG chunkers, language-model corpora) want
the words, not backslashes. Images, which hold no text, are not rendered.
"""

from __future__ import annotations

import html as htmlmod
import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from blocksift.blocks import BLOCK_TAGS, TOKEN_RE, Block, Segmentation
from blocksift.extraction import CELL_TAGS, PRE_TAGS, Extraction, code_text, pre_runs

HEADINGS = {f"h{i}": i for i in range(1, 7)}
LISTS = ("ul", "ol", "menu", "dir")
_BACKTICKS_RE = re.compile("`+")
INLINE = {"a": "link", "strong": "strong", "b": "strong", "em": "em", "i": "em", "code": "code"}
# Link targets that are not places to go (or are unsafe in a document made of scraped pages).
_UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
MD_MARKS = {"strong": "**", "em": "*"}
HTML_TAGS = {"strong": "strong", "em": "em", "code": "code"}


@dataclass(frozen=True)
class Span:
    """Inline markup over ``text[start:end]`` of a block: a link (with its resolved ``href``), strong, em, code."""

    start: int
    end: int
    kind: str
    href: str = ""


@dataclass(frozen=True)
class Item:
    """One content block with the structure it belongs to."""

    kind: str  # heading, code, cell, item, quote, para
    text: str
    level: int = 0  # heading level, or list nesting depth
    ordered: bool = False
    group: tuple[int, ...] = ()  # container ids: (table, row, cell) for cells, (li,) for list items, (pre,) for code
    spans: tuple[Span, ...] = ()


def _nearest(tags: tuple[str, ...], wanted: tuple[str, ...] | frozenset[str] | dict[str, int]) -> int:
    for i in range(len(tags) - 1, -1, -1):
        if tags[i] in wanted:
            return i
    return -1


def classify(seg: Segmentation, block: Block) -> Item:
    """The structure ``block`` sits in, from the nearest telling ancestor. A block of preformatted code gives its
    own text; ``items`` writes all of a ``<pre>``'s content blocks as one item (``extraction.code_text``)."""
    tags = seg.tag_path(block)
    path = block.path
    h = _nearest(tags, HEADINGS)
    if h >= 0:
        return Item("heading", block.text, level=HEADINGS[tags[h]])
    pre = next((i for i, tag in enumerate(tags) if tag in PRE_TAGS), -1)  # the outermost, as ``pre_runs`` reads
    if pre >= 0:
        return Item("code", block.text, group=(path[pre],))
    cell = _nearest(tags, CELL_TAGS)
    if cell >= 0:
        row = _nearest(tags[:cell], ("tr",))
        table = _nearest(tags[:cell], ("table",))
        ids = (path[table] if table >= 0 else -1, path[row] if row >= 0 else -1, path[cell])
        return Item("cell", block.text, level=int(tags[cell] == "th"), group=ids)
    li = _nearest(tags, ("li", "dd", "dt"))
    if li >= 0 and tags[li] == "li":
        depth = sum(1 for t in tags[:li] if t in LISTS) or 1
        ordered = _nearest(tags[:li], LISTS) >= 0 and tags[_nearest(tags[:li], LISTS)] == "ol"
        return Item("item", block.text, level=depth, ordered=ordered, group=(path[li],))
    if _nearest(tags, ("blockquote",)) >= 0:
        return Item("quote", block.text)
    return Item("para", block.text)


def base_url(extraction: Extraction, url: str | None = None) -> str:
    """What relative links resolve against: ``<base href>`` (itself resolved against ``url``), else ``url`` (where
    the page came from), else the canonical URL the page declares; "" where none is known (links stay relative)."""
    declared, base = extraction.location
    page = url or declared
    return urljoin(page, base) if base else page


def _href(node: Any, base: str) -> str:
    href = " ".join((node.get("href") or "").split())
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

    elements: list[tuple[str, Any]]  # (kind, element), in document order
    texts: list[str]  # each element's text, white space normalised as in the blocks
    offsets: list[int]  # non-space characters of the owner's text before each element (never decreasing)
    # block index -> the non-space characters of the owner's text before the block and to its end (absent: unknown)
    places: dict[int, tuple[int, int]]

    def within(self, block: Block) -> range:
        """The elements that start in ``block``'s part of the owner's text; all of them where that is unknown."""
        place = self.places.get(block.index)
        if place is None:
            return range(len(self.elements))
        return range(bisect_left(self.offsets, place[0]), bisect_left(self.offsets, place[1]))


def _squeezed(text: str | None) -> str:
    return "".join(text.split()) if text else ""


def owner_text(owner: Any, blocks: list[Block]) -> OwnerText:
    """``owner``'s inline elements, and their and its ``blocks``' places in its own text, in one walk as ``segment``
    walks it (an element's text and tail belong to the innermost block element open around them), which skips the
    nested block elements. The inline elements are links, and emphasis or code that neither sits in another inline
    element nor holds a link (the link is kept, the emphasis around it is not). Linear in the owner's size."""
    elements: list[tuple[str, Any]] = []
    offsets: list[int] = []
    parts: list[str] = [_squeezed(owner.text)]
    size = len(parts[0])
    open_inline = open_links = 0
    walk = etree.iterwalk(owner, events=("start", "end"))
    for event, node in walk:
        if node is owner:
            continue
        tag = node.tag
        if event == "start":
            if tag in BLOCK_TAGS:
                walk.skip_subtree()  # its text is its own blocks'; its tail (at its end event) is the owner's
                continue
            kind = INLINE.get(tag)
            usable_link = kind == "link" and not open_links
            usable_mark = kind is not None and not open_inline and next(node.iter("a"), None) is None
            if kind is not None and (usable_link or usable_mark):
                elements.append((kind, node))
                offsets.append(size)
            open_inline += kind is not None
            open_links += kind == "link"
            text = node.text
        else:
            if tag not in BLOCK_TAGS:
                open_inline -= tag in INLINE
                open_links -= tag == "a"
            text = node.tail
        if text and (part := _squeezed(text)):
            parts.append(part)
            size += len(part)
    stream = "".join(parts)
    places: dict[int, tuple[int, int]] = {}
    cursor = 0
    for block in blocks:  # in document order; runs without a token made no block, so each is searched for
        squeezed = _squeezed(block.text)
        at = stream.find(squeezed, cursor, cursor + len(squeezed) + _SKIPPED)
        if at >= 0:
            cursor = at + len(squeezed)
            places[block.index] = (at, cursor)
    # the elements' texts once, not once per block (their subtrees are disjoint: an element inside another is none)
    texts = [" ".join("".join(node.itertext()).split()) for _, node in elements]
    return OwnerText(elements, texts, offsets, places)


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
        if not text or (kind == "link" and (not href or href == base or not TOKEN_RE.search(text))):
            continue  # a link without a target, to the page itself, or on a mark ("#", "¶", a heading anchor)
        if place is None:
            start = block.text.find(text, cursor)
        else:
            k = where.offsets[i] - place[0]
            start = k + bisect_right(gaps, k)
            if not block.text.startswith(text, start):
                continue  # its text runs on into another block (a <br> inside it)
        if start < cursor:
            continue  # not in this block, or overlapping the span before
        if kind in MD_MARKS and out and out[-1].kind == kind and out[-1].end == start:
            # Emphasis right after emphasis of its kind: "**a****b**" is no emphasis at all in Markdown, so it joins
            # the span before ("**bold***soft*", of two kinds, reads as both).
            out[-1] = replace(out[-1], end=start + len(text))
            cursor = start + len(text)
            continue
        out.append(Span(start, start + len(text), kind, href))
        cursor = start + len(text)
    return tuple(out)


def items(extraction: Extraction, url: str | None = None) -> list[Item]:
    """The content blocks as structured items with their inline markup; the blocks of a ``pre`` are one code item,
    as the plain text writes them (``extraction.code_text``). ``url``: where the page came from, for resolving
    relative links."""
    seg = extraction.segmentation
    base = base_url(extraction, url)
    owned: dict[int, list[Block]] = {}
    for block in seg.blocks:
        owned.setdefault(block.owner, []).append(block)
    inline: dict[int, OwnerText] = {}  # per owner element, found once for all its blocks
    out: list[Item] = []
    for pre, run in pre_runs(seg, extraction.content):
        if pre >= 0:  # a <pre>'s blocks are one code item (a <pre> of thousands of lines is as many blocks)
            out.append(Item("code", code_text(seg, pre, run), group=(pre,)))
            continue
        block = run[0]
        if block.owner not in inline:
            inline[block.owner] = owner_text(seg.element(block), owned[block.owner])
        out.append(replace(classify(seg, block), spans=spans(block, inline[block.owner], base)))
    return out


def _apply(item: Item, plain: Callable[[str], str], mark: Callable[[Span, str], str]) -> str:
    """``item``'s text with each span rendered by ``mark`` and the text between by ``plain``."""
    parts, at = [], 0
    for sp in item.spans:
        parts.append(plain(item.text[at : sp.start]))
        parts.append(mark(sp, item.text[sp.start : sp.end]))
        at = sp.end
    parts.append(plain(item.text[at:]))
    return "".join(parts)


def _md_url(href: str) -> str:
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _md_span(sp: Span, text: str) -> str:
    if sp.kind == "link":
        label = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"[{label}]({_md_url(sp.href)})"
    if sp.kind == "code":
        ticks = "`" * (max((len(r) for r in _BACKTICKS_RE.findall(text)), default=0) + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{ticks}{pad}{text}{pad}{ticks}"
    mark = MD_MARKS[sp.kind]
    return text if "*" in text else f"{mark}{text}{mark}"


def _md(item: Item) -> str:
    return _apply(item, lambda t: t, _md_span)


def _html_span(sp: Span, text: str) -> str:
    if sp.kind == "link":
        return f'<a href="{htmlmod.escape(sp.href, quote=True)}">{_e(text)}</a>'
    tag = HTML_TAGS[sp.kind]
    return f"<{tag}>{_e(text)}</{tag}>"


def _h(item: Item) -> str:
    return _apply(item, _e, _html_span)


def _runs(seq: list[Item]) -> Iterator[list[Item]]:
    """Consecutive items that render together: cells of one table, items of lists, lines of one quotation."""
    i = 0
    while i < len(seq):
        j = i + 1
        kind = seq[i].kind
        while j < len(seq) and kind in ("cell", "item", "quote") and seq[j].kind == kind:
            if kind == "cell" and seq[j].group[0] != seq[i].group[0]:
                break
            j += 1
        yield seq[i:j]
        i = j


def _rows(cells: list[Item], text: Callable[[Item], str]) -> list[list[tuple[str, bool]]]:
    """Cells grouped into rows: each cell's blocks rendered by ``text`` and joined by a space, and whether it is a
    header cell (``<th>``)."""
    rows: list[list[tuple[list[str], bool]]] = []  # parts joined at the end: a cell of 100,000 lines stays linear
    last_row, last_cell = None, None
    for c in cells:
        _, row, cell = c.group
        if row != last_row or not rows:
            rows.append([])
            last_cell = None
        if cell == last_cell:
            rows[-1][-1][0].append(text(c))
        else:
            rows[-1].append(([text(c)], c.level == 1))
        last_row, last_cell = row, cell
    return [[(" ".join(parts), header) for parts, header in row] for row in rows]


def _html_cell(text: str, header: bool) -> str:
    return f"<th>{text}</th>" if header else f"<td>{text}</td>"


def _fence(code: str) -> str:
    """A code fence longer than any run of backticks in ``code``, so that no line of it closes the block."""
    return "`" * max(3, max((len(run) + 1 for run in _BACKTICKS_RE.findall(code)), default=0))


def to_markdown(extraction: Extraction, url: str | None = None) -> str:
    """Content as Markdown: # headings, - and 1. lists, | tables |, ``` code, > quotations, [links](href), **bold**,
    *italics*, `code`; ``url`` (where the page came from) resolves relative links."""
    parts: list[str] = []
    for run in _runs(items(extraction, url)):
        kind = run[0].kind
        if kind == "heading":
            parts.append("#" * run[0].level + " " + _md(run[0]))
        elif kind == "code":
            fence = _fence(run[0].text)
            parts.append(f"{fence}\n{run[0].text}\n{fence}")
        elif kind == "cell":
            # A pipe inside a cell, code spans and links included, is escaped: GFM splits a row at every other one.
            rows = [[text.replace("|", "\\|") for text, _ in r] for r in _rows(run, _md)]
            width = max(len(r) for r in rows)
            lines = ["| " + " | ".join(r + [""] * (width - len(r))).replace("\n", " ") + " |" for r in rows]
            if len(rows) > 1 or width > 1:
                lines.insert(1, "|" + " --- |" * width)
            parts.append("\n".join(lines))
        elif kind == "item":
            lines, last = [], None
            for it in run:
                indent = "  " * (it.level - 1)
                lines.append(indent + ("  " if it.group == last else ("1. " if it.ordered else "- ")) + _md(it))
                last = it.group
            parts.append("\n".join(lines))
        elif kind == "quote":
            parts.append("\n>\n".join("> " + _md(it) for it in run))
        else:
            parts.append(_md(run[0]))
    return "\n\n".join(parts) + ("\n" if parts else "")


def _e(text: str) -> str:
    return htmlmod.escape(text, quote=False)


def _html_list(run: list[Item]) -> str:
    out: list[str] = []
    open_lists: list[str] = []
    last: tuple[int, ...] | None = None
    for it in run:
        while len(open_lists) < it.level:
            tag = "ol" if it.ordered else "ul"
            out.append(f"<{tag}>")
            open_lists.append(tag)
        while len(open_lists) > it.level:
            out.append(f"</{open_lists.pop()}>")
        out.append(f"<p>{_h(it)}</p>" if it.group == last else f"<li>{_h(it)}")
        last = it.group
    out.extend(f"</{t}>" for t in reversed(open_lists))
    return "\n".join(out)


def to_html(extraction: Extraction, url: str | None = None) -> str:
    """Content as a small, clean HTML document: headings, paragraphs, lists, tables, code, quotations, links (``href``
    only, resolved as in ``to_markdown``), strong, em and code; no scripts, styles or other attributes."""
    body: list[str] = []
    for run in _runs(items(extraction, url)):
        kind = run[0].kind
        if kind == "heading":
            body.append(f"<h{run[0].level}>{_h(run[0])}</h{run[0].level}>")
        elif kind == "code":
            body.append(f"<pre><code>{_e(run[0].text)}</code></pre>")
        elif kind == "cell":
            rows = "\n".join("<tr>" + "".join(_html_cell(*c) for c in r) + "</tr>" for r in _rows(run, _h))
            body.append(f"<table>\n{rows}\n</table>")
        elif kind == "item":
            body.append(_html_list(run))
        elif kind == "quote":
            body.append("<blockquote>" + "".join(f"<p>{_h(it)}</p>" for it in run) + "</blockquote>")
        else:
            body.append(f"<p>{_h(run[0])}</p>")
    title = f"<title>{_e(extraction.title)}</title>\n" if extraction.title else ""
    lang = extraction.meta.language
    opening = f'<html lang="{htmlmod.escape(lang, quote=True)}">' if lang else "<html>"
    return (
        f'<!DOCTYPE html>\n{opening}\n<head>\n<meta charset="utf-8">\n'
        + title
        + "</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


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
