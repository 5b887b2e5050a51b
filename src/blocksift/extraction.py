"""page -> labelled blocks -> content: the top of the flow.

``extract_blocks`` runs every stage (decode and parse, segment, featurise, score, decide) and returns an
``Extraction`` that keeps the blocks, their probabilities and labels, and the segmentation (so that rendering can
map blocks back to their elements). ``extract`` is the one-call version that returns the content as text.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from lxml import etree

from blocksift.blocks import BLOCK_TAGS, TOKEN_RE, Block, Segmentation, segment
from blocksift.charset import named_codec
from blocksift.decide import checked_threshold, decide, drop_islands
from blocksift.errors import ModelError
from blocksift.features import page_matrices
from blocksift.heap import release_freed_memory
from blocksift.markup import markup_signals
from blocksift.metadata import PageMeta, headline, page_location, page_meta, tree_root
from blocksift.modelfile import SHIPPED, default_model, load_model
from blocksift.page import decode_html, parse_html, unwrap_archive, whole_characters
from blocksift.predictor import Predictor

# Elements whose text is preformatted (white space and line breaks are part of it), and table cells: the two
# structures the plain text keeps (``plain_text``). Here, not in blocks.py: the row cache's key hashes the source of
# every stage that makes feature rows, and these helpers make none.
PRE_TAGS = ("pre", "xmp", "listing")
CELL_TAGS = ("td", "th")
HEADING_TAGS = frozenset(f"h{i}" for i in range(1, 7))
# A cell holding this many words outside links, in two blocks or more (paragraphs, lines, list items), holds running
# text, a column of the page, not a value: "5.4<br>5.10<br>6.1" or a short list of options is 2 to 6 words, a post's
# or an article's paragraphs are dozens.
LAYOUT_CELL_TOKENS = 20
# The share of a table's words that its running text cells hold where it is a layout table: a data table's odd
# description of two paragraphs among its values does not make it one.
LAYOUT_SHARE = 0.5


@dataclass(frozen=True)
class TableCells:
    """Where each container sits among the page's tables, and which tables lay out the page rather than hold data.

    A layout table (an old page's columns, a forum's post beside its author) holds the page's blocks in its cells:
    rendering writes them as the paragraphs, headings and lists they are, not as one table cell each. A data table's
    cells are values to keep in their rows and columns."""

    cell: tuple[int, ...]  # per container: the innermost table cell (td, th) it is or is in, -1 outside any
    table: tuple[int, ...]  # per container: the innermost table it is or is in, -1 outside any
    layout: frozenset[int]  # the layout tables' container ids

    def data_cell(self, container: int) -> int:
        """The cell of a data table that holds ``container`` (-1 where none does: a layout table's cell is none)."""
        cell = self.cell[container]
        return cell if cell >= 0 and self.table[cell] not in self.layout else -1


def table_cells(seg: Segmentation) -> TableCells:
    """The page's table cells and its layout tables, read from its structure (every block, not the ones kept, so a
    table is read alike whatever the model keeps). A table is a layout table where one of its own cells holds a
    table or a heading, where most of its words (``LAYOUT_SHARE``) sit in cells of running text (``_running_text``),
    or where it has one column (a row of one cell each: no grid to line up). Linear in the page: containers are
    numbered as they open, so a container's parent is found before it."""
    n = len(seg.containers)
    cell, table, width = [-1] * n, [-1] * n, [0] * n
    layout: set[int] = set()
    for c in seg.containers:
        outer_cell = cell[c.parent] if c.parent >= 0 else -1
        outer_table = table[c.parent] if c.parent >= 0 else -1
        cell[c.id] = c.id if c.tag in CELL_TAGS else outer_cell
        table[c.id] = c.id if c.tag == "table" else outer_table
        if outer_cell >= 0 and (c.tag == "table" or c.tag in HEADING_TAGS):
            layout.add(table[outer_cell])
        if c.tag == "tr" and outer_table >= 0:
            width[outer_table] = max(width[outer_table], sum(child.tag in CELL_TAGS for child in c.element))
    layout.update(_running_text(seg.blocks, cell, table))
    layout.update(c.id for c in seg.containers if c.tag == "table" and width[c.id] == 1)
    layout.discard(-1)
    return TableCells(tuple(cell), tuple(table), frozenset(layout))


def _running_text(blocks: Sequence[Block], cell: list[int], table: list[int]) -> set[int]:
    """The tables (by ``cell`` and ``table``, each container's innermost) whose words outside links sit mostly in
    cells of running text: cells of two blocks or more (paragraphs, lines, list items) that hold
    ``LAYOUT_CELL_TOKENS`` such words or more."""
    words: dict[int, list[int]] = {}  # per cell: its blocks and their words outside links
    for b in blocks:
        if (own := cell[b.owner]) >= 0:
            counts = words.setdefault(own, [0, 0])
            counts[0] += 1
            counts[1] += b.n_tokens - b.n_link_tokens
    running: dict[int, list[int]] = {}  # per table: the words of its running text cells, and of all its cells
    for own, (n_blocks, tokens) in words.items():
        counts = running.setdefault(table[own], [0, 0])
        counts[0] += tokens if n_blocks >= 2 and tokens >= LAYOUT_CELL_TOKENS else 0
        counts[1] += tokens
    return {t for t, (text, total) in running.items() if text and text >= LAYOUT_SHARE * total}


@dataclass
class Extraction:
    """A page's blocks with p(content) and the keep decision of each."""

    segmentation: Segmentation
    proba: npt.NDArray[np.float64]
    keep: npt.NDArray[np.bool_]
    threshold: float  # the cut this page was decided at: the model's per-page cut, or the caller's threshold
    encoding: str  # the codec the page's bytes were read with ("utf-8", "cp1252"), or "str" for a page given as text
    no_content: bool = False  # the model expects no main content on the page, so nothing is kept (Predictor)
    source: bytes | str = field(default=b"", repr=False)
    # The page's markup signals, where the model has a page classifier that read them (``show`` weighs them again)
    markup: npt.NDArray[np.float32] | None = field(default=None, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the page and what the model made of it, not the parsed tree, whose lxml elements do not pickle: an
        Extraction returned from a worker process (``ProcessPoolExecutor.map(extract_blocks, pages)``) failed with
        "cannot pickle 'lxml.etree._Element' object". Unpickling parses and segments the page again, which costs
        about a third of the time of its extraction: a worker that returns only ``text`` or a rendering sends less
        and leaves its parent that work. ``copy.copy`` shares the tree instead (``__copy__``)."""
        state = (self.source, self.encoding, self.blocks, self.proba, self.keep, self.threshold, self.no_content)
        return (_unpickled, (*state, self.markup))

    def __copy__(self) -> Extraction:
        """A shallow copy that shares the segmentation and arrays, without parsing the page again."""
        return dataclasses.replace(self)

    @cached_property
    def meta(self) -> PageMeta:
        """What the page declares about itself: title (its visible headline first), author, date, language, URL."""
        return page_meta(self._text, headline(self.segmentation), root=tree_root(self.segmentation))

    @cached_property
    def location(self) -> tuple[str, str]:
        """The URL the page declares and its ``<base href>`` (``meta.url``, ``meta.base``), which rendering resolves
        links against: read from the page's head alone unless ``meta`` is known already."""
        if "meta" in self.__dict__:
            return self.meta.url, self.meta.base
        return page_location(self._text)

    @property
    def _text(self) -> str:
        if isinstance(self.source, bytes):
            try:
                return self.source.decode(self.encoding, errors="replace")
            except LookupError:  # not one codec's name (a page that mixes two): decode as the page loader did
                return decode_html(self.source)
        return self.source

    @cached_property
    def islands(self) -> npt.NDArray[np.bool_]:
        """The blocks that reached the cut but were dropped as islands: short, unsure, between dropped neighbours
        (``decide.drop_islands``); none on a page the model expects no content of."""
        if self.no_content:
            return np.zeros(len(self.proba), dtype=bool)
        reached = self.proba >= self.threshold
        return reached & ~drop_islands([b.n_tokens for b in self.blocks], self.proba, reached)

    @cached_property
    def repeats(self) -> npt.NDArray[np.bool_]:
        """The blocks that reached the cut but were dropped as copies of a kept block (``decide.drop_repeats``);
        none on a page the model expects no content of, where nothing reached a kept block."""
        if self.no_content:
            return np.zeros(len(self.proba), dtype=bool)
        return (self.proba >= self.threshold) & ~self.keep & ~self.islands

    @property
    def title(self) -> str:
        """The page's <title>, white space normalised ("" where it has none)."""
        return self.segmentation.title

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Every block of the page, in document order."""
        return self.segmentation.blocks

    @property
    def content(self) -> list[Block]:
        """The blocks labelled content, in document order."""
        return [b for b, k in zip(self.blocks, self.keep, strict=True) if k]

    @property
    def text(self) -> str:
        """The content as plain text, a line per block, code with its own lines and a data table's row on one
        (``plain_text``)."""
        return plain_text(self.segmentation, self.content)


def _unpickled(
    source: bytes | str,
    encoding: str,
    blocks: tuple[Block, ...],
    proba: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
    threshold: float,
    no_content: bool,
    markup: npt.NDArray[np.float32] | None,
) -> Extraction:
    """An Extraction from its pickled parts (``Extraction.__reduce__``): the page parsed again with the codec it was
    read with, and segmented. Refused where that gives other blocks than were pickled (a pickle kept on disk and read
    by a blocksift that segments otherwise): the probabilities and labels would belong to other blocks."""
    doc = parse_html(source, None if isinstance(source, str) else encoding)
    seg = segment(doc)
    if seg.blocks != blocks:
        raise pickle.UnpicklingError(
            f"this Extraction was pickled by a blocksift that splits the page into other blocks ({len(blocks)} "
            f"then, {len(seg.blocks)} now): extract the page again"
        )
    return Extraction(seg, proba, keep, threshold, doc.encoding, no_content, source=source, markup=markup)


def plain_text(seg: Segmentation, content: Sequence[Block]) -> str:
    """Content blocks as plain text, a line per block, but for two structures that a line per block would lose:
    preformatted code keeps its own lines and indentation (``code_text``), and a data table's row is one line, its
    kept cells joined by " | " and the lines of a cell of several (a ``<br>``, a paragraph or a list inside) by " / "
    ("Linux | 5.4 / 5.10 / 6.1 | Tested nightly", not five lines whose cells cannot be told apart). A layout table's
    cells (``table_cells``) hold the page's paragraphs, and keep a line per block. A block's text has its white space
    normalised, and these are what the features and metrics read; only white space and the " | " and " / " between
    cells and their lines differ from a line per block, so the words, in order, are the same."""
    if not any(c.tag in PRE_TAGS or c.tag in CELL_TAGS for c in seg.containers):
        return "\n".join(b.text for b in content)
    tables = table_cells(seg)
    lines: list[list[list[str]]] = []  # each line's cells, each cell's lines, joined at the end: stays linear
    last_row = last_cell = -1
    for pre, run in pre_runs(seg, content):
        cell = tables.data_cell(run[0].owner)
        row = _row(seg, cell)
        text = run[0].text if pre < 0 else code_text(seg, pre, run)
        if row < 0:
            lines.append([[text]])
        else:
            # code in a cell (a command, an example) is a value: its lines are the cell's, its row stays one line
            cell_lines = [text] if pre < 0 else [" ".join(line.split()) for line in text.splitlines() if line.strip()]
            if row != last_row:
                lines.append([cell_lines])
            elif cell == last_cell:
                lines[-1][-1].extend(cell_lines)
            else:
                lines[-1].append(cell_lines)
        last_row, last_cell = row, cell
    return "\n".join(CELLS_APART.join(CELL_LINES_APART.join(cell) for cell in line) for line in lines)


# What the plain text writes between the kept cells of a data table's row, and between the lines of a cell.
CELLS_APART = " | "
CELL_LINES_APART = " / "


def _row(seg: Segmentation, cell: int) -> int:
    """The ``<tr>`` of the table cell ``cell`` (-1 for no cell, or one outside a row)."""
    parent = seg.containers[cell].parent if cell >= 0 else -1
    return parent if parent >= 0 and seg.containers[parent].tag == "tr" else -1


def pre_runs(seg: Segmentation, content: Sequence[Block]) -> Iterator[tuple[int, Sequence[Block]]]:
    """The content blocks in order, in runs: each run of blocks inside one ``<pre>`` with its container id, every
    other block alone with -1."""
    in_pre = outermost_pre(seg)
    i = 0
    while i < len(content):
        pre = in_pre.get(content[i].owner, -1)
        j = i + 1
        while pre >= 0 and j < len(content) and in_pre.get(content[j].owner, -1) == pre:
            j += 1
        yield pre, content[i:j]
        i = j


def code_text(seg: Segmentation, pre: int, run: Sequence[Block]) -> str:
    """The text of ``run``, the content blocks of the ``<pre>`` ``pre``: the element's own text, with its lines and
    indentation, where that holds exactly the words of the run, so that only white space differs from what the model
    kept; the blocks' texts a line each where the model kept a part of it."""
    code = pre_text(seg.containers[pre].element)
    if TOKEN_RE.findall(code) != TOKEN_RE.findall(" ".join(b.text for b in run)):
        return "\n".join(b.text for b in run)
    lines = [line.rstrip() for line in code.splitlines()]
    first = next(i for i, line in enumerate(lines) if line)  # the run holds a word, so some line does
    last = len(lines) - next(i for i, line in enumerate(reversed(lines)) if line)
    return "\n".join(lines[first:last])


def pre_text(element: etree._Element) -> str:
    """The text of preformatted code as written, a ``<br>`` as a line break (highlighters end each line with one).

    A block's text has its white space normalised, which is what the features and the metrics read; code read that
    way loses its lines and indentation, so the outputs read a ``<pre>``'s text from its element instead."""
    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        # A block-level element inside (a line of a code viewer: a <div> per line, a table of line numbers) is a line
        # of its own, as a browser shows it and as segmentation splits it.
        if node is not element and node.tag in BLOCK_TAGS and parts and not parts[-1].endswith("\n"):
            parts.append("\n")
        if event == "start":
            if node.tag == "br":
                parts.append("\n")
            if node.text and isinstance(node.tag, str):
                parts.append(node.text)
        elif node is not element and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def outermost_pre(seg: Segmentation) -> dict[int, int]:
    """The outermost ``<pre>`` of every container inside one (a ``<pre>`` inside another is part of its text).
    Containers are numbered as they open, so a container's subtree is the ids from its own to its ``end``."""
    under: dict[int, int] = {}
    for c in seg.containers:
        if c.tag in PRE_TAGS and c.id not in under:
            under.update(dict.fromkeys(range(c.id, c.end), c.id))
    return under


# What ``model=`` takes: a model object, a model file's path (a str or a path object, as ``load_model`` takes), or None
# (or "shipped") for the shipped model. One alias, so that the hints of ``extract`` and ``extract_blocks`` say what
# ``resolve_model`` accepts: they said ``str`` alone, and a user's ``model=Path("m.npz")`` failed a type check.
ModelChoice: TypeAlias = Predictor | str | os.PathLike[str] | None


def resolve_model(model: ModelChoice) -> Predictor:
    """A classifier from an object, a model file path, or None (or "shipped", as ``train --from`` names it) for the
    shipped model."""
    if model is None or (isinstance(model, str) and model == SHIPPED):
        return default_model()
    if isinstance(model, Predictor):
        if not hasattr(model, "forest_"):  # a BlockClassifier() never fitted: it has no trees to score with
            raise ModelError("the classifier is not fitted; call fit() (or blocksift train) before extracting with it")
        return model
    if not isinstance(model, str | os.PathLike):
        raise ModelError(f"a model is a model object, a model file's path or None, not {type(model).__name__}")
    return load_model(model)


def given_codec(html: object, encoding: str | None) -> str | None:
    """The Python codec of the ``encoding`` a caller names for the page ``html`` (None where none is named).

    Only bytes are decoded: a ``str`` page is text already, so an encoding named with it could only be ignored, and
    a caller who named one believes the page is read in it (``extract(text, encoding="latin-1")`` gave the text as it
    was, with no sign that the encoding had not applied). Refused with ``ValueError`` instead, saying what to pass."""
    if encoding is None:
        return None
    codec = named_codec(encoding)
    if isinstance(html, str):
        raise ValueError(
            f"encoding={encoding!r} applies to a page's bytes, and this page is a str, already decoded: pass its "
            "bytes to have them decoded as that encoding, or leave encoding out"
        )
    return codec


def extract_blocks(
    html: bytes | bytearray | memoryview | str,
    model: ModelChoice = None,
    threshold: float | None = None,
    encoding: str | None = None,
) -> Extraction:
    """Label every block of ``html``; ``threshold`` replaces the model's per-page cut (lower keeps more, higher
    keeps less); ``encoding`` decodes the page's bytes instead of detecting how (a byte-order mark still wins). A
    ``str`` page is text already, decoded by whoever made it: ``encoding`` is refused with it (``given_codec``).

    Raises ``InputError`` for input that holds no page (empty, not text), ``ModelError`` for an unusable model,
    ``ValueError`` for a threshold outside [0, 1], an unknown encoding or an encoding given with a ``str`` page, and
    ``TypeError`` for an encoding that is not a ``str``.
    """
    threshold = checked_threshold(threshold)
    codec = given_codec(html, encoding)
    if isinstance(html, bytearray | memoryview):  # a buffer of the page's bytes, as a socket or a mapped file gives
        html = bytes(html)
    elif isinstance(html, str):  # before anything reads it: the signals, the parse and the metadata see one text
        html = whole_characters(html)
    html = unwrap_archive(html, codec)  # a page saved as MHTML: its own HTML from here on (signals, text, metadata)
    clf = resolve_model(model)
    # Before the parse: the signals' few copies of the page (20 MB on a 10 MB page) are gone before the tree,
    # blocks and features, whose peak they would otherwise add to. Input of another type is parse_html's to refuse.
    wanted = clf.conventions_ is not None and isinstance(html, bytes | str)
    markup = markup_signals(html) if wanted else None
    doc = parse_html(html, codec)
    seg = segment(doc)
    tokens = np.array([b.n_tokens for b in seg.blocks])
    if seg.blocks:
        release_freed_memory(len(seg.blocks))
        X, shape = page_matrices(seg)
        release_freed_memory(len(seg.blocks))
        proba = clf.predict_proba(X, tokens=tokens, structure=shape, markup=markup)[:, 1]
    else:
        proba = np.zeros(0)
    cuts = clf.cuts(proba, tokens, threshold=threshold, empty=False)
    cut = float(cuts[0]) if len(cuts) else float(clf.threshold_ if threshold is None else threshold)
    no_content = threshold is None and bool(clf.without_content(proba, tokens).any())
    texts, lengths = [b.text for b in seg.blocks], [b.n_tokens for b in seg.blocks]
    keep = decide(texts, lengths, proba, np.inf if no_content else cut, [b.parent for b in seg.blocks])
    return Extraction(
        seg, proba, keep, threshold=cut, encoding=doc.encoding, source=html, no_content=no_content, markup=markup
    )


def extract(
    html: bytes | bytearray | memoryview | str,
    model: ModelChoice = None,
    threshold: float | None = None,
    encoding: str | None = None,
) -> str:
    """The main content of a page as plain text, a line per block, code with its own lines and a data table's row on one
    ("" when nothing is content). ``threshold`` and ``encoding`` as for ``extract_blocks``."""
    return extract_blocks(html, model, threshold, encoding).text
