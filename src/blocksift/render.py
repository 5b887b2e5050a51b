"""labelled blocks -> text, markdown, html, json records, block rows.

Rendering reads the structure a content block sits in from its tag path (heading, list item, table cell,
preformatted code, quotation, paragraph), so markdown and html keep headings, lists and tables. Markdown is written
without escaping: its users (indexes, RAG chunkers, language-model corpora) want the words, not backslashes.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from blocksift.blocks import Block, Segmentation
from blocksift.extract import Extraction

FORMATS = ("text", "markdown", "json", "jsonl", "html", "blocks")
EXTENSIONS = {
    "text": ".txt",
    "markdown": ".md",
    "json": ".json",
    "jsonl": ".jsonl",
    "html": ".content.html",
    "blocks": ".blocks.jsonl",
}
HEADINGS = {f"h{i}": i for i in range(1, 7)}
LISTS = ("ul", "ol", "menu", "dir")
_BACKTICKS_RE = re.compile("`+")


@dataclass(frozen=True)
class Item:
    """One content block with the structure it belongs to."""

    kind: str  # heading, code, cell, item, quote, para
    text: str
    level: int = 0  # heading level, or list nesting depth
    ordered: bool = False
    group: tuple[int, ...] = ()  # container ids: (table, row, cell) for cells, (li,) for list items, (pre,) for code


def _nearest(tags: tuple[str, ...], wanted: tuple[str, ...] | frozenset[str] | dict[str, int]) -> int:
    for i in range(len(tags) - 1, -1, -1):
        if tags[i] in wanted:
            return i
    return -1


def classify(seg: Segmentation, block: Block) -> Item:
    """The structure ``block`` sits in, from the nearest telling ancestor."""
    tags = seg.tag_path(block)
    path = block.path
    h = _nearest(tags, HEADINGS)
    if h >= 0:
        return Item("heading", block.text, level=HEADINGS[tags[h]])
    pre = _nearest(tags, ("pre", "xmp", "listing"))
    if pre >= 0:
        return Item("code", "".join(seg.containers[path[pre]].element.itertext()).strip("\n"), group=(path[pre],))
    cell = _nearest(tags, ("td", "th"))
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


def items(extraction: Extraction) -> list[Item]:
    """The content blocks as structured items; a ``pre`` split into several blocks is given once."""
    seg = extraction.segmentation
    out: list[Item] = []
    for block in extraction.content:
        item = classify(seg, block)
        if item.kind == "code" and out and out[-1].kind == "code" and out[-1].group == item.group:
            continue
        out.append(item)
    return out


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


def _rows(cells: list[Item]) -> list[list[str]]:
    """Cells grouped into rows, several blocks of one cell joined by a space."""
    rows: list[list[str]] = []
    last_row, last_cell = None, None
    for c in cells:
        _, row, cell = c.group
        if row != last_row or not rows:
            rows.append([])
            last_cell = None
        if cell == last_cell:
            rows[-1][-1] += " " + c.text
        else:
            rows[-1].append(c.text)
        last_row, last_cell = row, cell
    return rows


def _fence(code: str) -> str:
    """A code fence longer than any run of backticks in ``code``, so that no line of it closes the block."""
    return "`" * max(3, max((len(run) + 1 for run in _BACKTICKS_RE.findall(code)), default=0))


def to_markdown(extraction: Extraction) -> str:
    """Content as Markdown: # headings, - and 1. lists, | tables |, ``` code, > quotations."""
    parts: list[str] = []
    for run in _runs(items(extraction)):
        kind = run[0].kind
        if kind == "heading":
            parts.append("#" * run[0].level + " " + run[0].text)
        elif kind == "code":
            fence = _fence(run[0].text)
            parts.append(f"{fence}\n{run[0].text}\n{fence}")
        elif kind == "cell":
            rows = _rows(run)
            width = max(len(r) for r in rows)
            lines = ["| " + " | ".join(r + [""] * (width - len(r))).replace("\n", " ") + " |" for r in rows]
            if len(rows) > 1 or width > 1:
                lines.insert(1, "|" + " --- |" * width)
            parts.append("\n".join(lines))
        elif kind == "item":
            lines, last = [], None
            for it in run:
                indent = "  " * (it.level - 1)
                lines.append(indent + ("  " if it.group == last else ("1. " if it.ordered else "- ")) + it.text)
                last = it.group
            parts.append("\n".join(lines))
        elif kind == "quote":
            parts.append("\n>\n".join("> " + it.text for it in run))
        else:
            parts.append(run[0].text)
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
        out.append(f"<p>{_e(it.text)}</p>" if it.group == last else f"<li>{_e(it.text)}")
        last = it.group
    out.extend(f"</{t}>" for t in reversed(open_lists))
    return "\n".join(out)


def to_html(extraction: Extraction) -> str:
    """Content as a small, clean HTML document (headings, paragraphs, lists, tables, code, quotations)."""
    body: list[str] = []
    for run in _runs(items(extraction)):
        kind = run[0].kind
        if kind == "heading":
            body.append(f"<h{run[0].level}>{_e(run[0].text)}</h{run[0].level}>")
        elif kind == "code":
            body.append(f"<pre><code>{_e(run[0].text)}</code></pre>")
        elif kind == "cell":
            rows = "\n".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in _rows(run))
            body.append(f"<table>\n{rows}\n</table>")
        elif kind == "item":
            body.append(_html_list(run))
        elif kind == "quote":
            body.append("<blockquote>" + "".join(f"<p>{_e(it.text)}</p>" for it in run) + "</blockquote>")
        else:
            body.append(f"<p>{_e(run[0].text)}</p>")
    title = f"<title>{_e(extraction.title)}</title>\n" if extraction.title else ""
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
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
