"""Property-based tests: generated HTML trees and raw byte strings through parsing, segmentation, features,
extraction and rendering.

The invariants hold for any input, not just for the sample pages: nothing raises but the documented
``BlocksiftError`` subclasses; a block's text comes from the page's visible text and no visible word is lost; there
is one feature row, one probability and one label per block, features are finite and probabilities within [0, 1];
``extract`` is the kept blocks; every output format renders and encodes to UTF-8.

Generated trees carry their own reference text (what a reader sees, with the entities decoded), so the tests know
what the blocks may say without re-implementing the parser. Script and style bodies are made of marker words that
must never reach a block.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import html as htmlmod
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from blocksift.blocks import TOKEN_RE, Segmentation, segment
from blocksift.charclass import word_re
from blocksift.errors import BlocksiftError, InputError
from blocksift.extraction import CELL_LINES_APART, CELLS_APART, PRE_TAGS, Extraction, extract, extract_blocks
from blocksift.features import ANCESTOR_LEVELS, FEATURE_NAMES, featurize, structure
from blocksift.mojibake import may_hold_mojibake
from blocksift.page import Document, decode_html, parse_html
from blocksift.render import block_records, items, page_record, to_html, to_markdown

# Modest example counts and no deadline: the whole file runs in well under a minute on a busy 2-core machine.
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCRIPT_MARK = "zqscriptmark"
STYLE_MARK = "zqstylemark"
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------------------------
# Generated HTML trees
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A fragment of generated HTML and the visible text it stands for (None inside script and style)."""

    html: str
    text: str
    has_noscript: bool = False
    title: str = ""


# Characters left out of generated text while a finding is open (none now: U+FFFE/U+FFFF beside a dropped element
# crashed the page loader until page.py removed them before parsing; see test_fuzz_regressions.py).
OPEN_FINDING_CHARS = ""
# Characters for text nodes: any letter, digit, mark, punctuation, symbol or separator, minus the control characters
# and the noncharacters U+FFFE and U+FFFF that the page loader strips (they are never visible, so "0<U+FFFE>0" is
# read "00", which the visible-text check would not find in the source) and the surrogates that are no text at all.
_TEXT_CHARS = st.characters(
    exclude_categories=("Cc", "Cs"), exclude_characters="\ufeff\ufffe\uffff" + OPEN_FINDING_CHARS
) | st.sampled_from(list(" \t\n\r\u00a0\u2003\u3000"))
_ANY_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters=OPEN_FINDING_CHARS)
# Titles of any visible characters, "&" and "<" among them (escaped into the page): page metadata once mangled
# non-ASCII titles and unescaped entities twice (test_fuzz_regressions.py, finding 3).
_TITLE_CHARS = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufeff\ufffe\uffff")
_WORDS = st.sampled_from(
    ["harbour", "ferry", "timetable", "Über", "naïve", "東京", "港", "Привет", "العربية", "x", "42", "a_b", "ω"]
)
# Entities and the character each decodes to.
_ENTITIES = st.sampled_from(
    [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&nbsp;", "\u00a0"),
        ("&copy;", "©"),
        ("&eacute;", "é"),
        ("&#233;", "é"),
        ("&#x4E2D;", "中"),
        ("&#x1F600;", "\U0001f600"),
        ("&#8212;", "—"),
    ]
)


@st.composite
def _text_fragment(draw: st.DrawFn) -> Piece:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        raw = draw(st.text(_TEXT_CHARS, max_size=12))
        return Piece(htmlmod.escape(raw, quote=False), raw)
    if kind == 1:
        word = draw(_WORDS)
        return Piece(word, word)
    if kind == 2:
        ent, char = draw(_ENTITIES)
        return Piece(ent, char)
    ws = draw(st.sampled_from([" ", "\n", "\t", "  \n  ", "\r\n"]))
    return Piece(ws, ws)


_TEXT = st.lists(_text_fragment(), max_size=5).map(
    lambda ps: Piece("".join(p.html for p in ps), "".join(p.text for p in ps))
)

CONTAINER_TAGS = [
    "p", "div", "span", "a", "b", "em", "li", "ul", "ol", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
    "h6", "pre", "blockquote", "section", "nav", "header", "footer", "article", "dl", "dt", "dd",
]  # fmt: skip
_ATTR_WORDS = st.sampled_from(["content", "main", "nav", "menu", "footer", "comment", "sidebar", "post", "x-1", "Ü"])
_ATTRS = st.lists(
    st.tuples(st.sampled_from(["class", "id"]), st.lists(_ATTR_WORDS | st.text(_TEXT_CHARS, max_size=5), max_size=3)),
    max_size=2,
).map(lambda attrs: "".join(f' {k}="{htmlmod.escape(" ".join(v), quote=True)}"' for k, v in attrs))

_RAW_BODY = st.text(st.sampled_from(list("abc {}();=.'\"\n")), max_size=20)


def _leaf() -> st.SearchStrategy[Piece]:
    void = st.sampled_from(["<br>", "<br/>", '<img src="x.png" alt="picture">', "<img>"]).map(lambda h: Piece(h, ""))
    script = _RAW_BODY.map(lambda s: Piece(f"<script>var {SCRIPT_MARK} = 1; {s}</script>", ""))
    style = _RAW_BODY.map(lambda s: Piece(f"<style>.{STYLE_MARK} {{ {s} }}</style>", ""))
    lines = st.lists(st.sampled_from(["x = 1", "```", "````", "~~~", "# not a heading", "  indented", ""]), max_size=4)
    code = lines.map(lambda ls: "\n".join(ls)).map(lambda c: Piece(f"<pre>{htmlmod.escape(c, quote=False)}</pre>", c))
    return _TEXT | void | script | style | code


def _extend(children: st.SearchStrategy[Piece]) -> st.SearchStrategy[Piece]:
    @st.composite
    def element(draw: st.DrawFn) -> Piece:
        kids = draw(st.lists(children, max_size=4))
        inner = Piece("".join(k.html for k in kids), "".join(k.text for k in kids), any(k.has_noscript for k in kids))
        kind = draw(st.integers(0, 9))
        if kind == 0:
            # A noscript may be kept or dropped by the loader: spaces around it keep words from joining across it.
            return Piece(f" <noscript>{inner.html}</noscript> ", f" {inner.text} ", True)
        if kind == 1:
            cells = "".join(f"<td>{k.html}</td>" for k in kids)
            return Piece(f"<table><tr>{cells}</tr></table>", inner.text, inner.has_noscript)
        tag = draw(st.sampled_from(CONTAINER_TAGS))
        attrs = draw(_ATTRS)
        href = ' href="/x"' if tag == "a" else ""
        close = draw(st.booleans()) or tag not in ("p", "li", "td", "tr", "dt", "dd")
        return Piece(
            f"<{tag}{attrs}{href}>{inner.html}" + (f"</{tag}>" if close else ""), inner.text, inner.has_noscript
        )

    return element()


TREES = st.recursive(_leaf(), _extend, max_leaves=12)


@st.composite
def pages(draw: st.DrawFn) -> Piece:
    """A whole page: doctype, a head with a title (and a charset declaration or none), and a generated body."""
    body = draw(st.lists(TREES, min_size=1, max_size=3))
    title = draw(st.text(_TITLE_CHARS, max_size=10))
    meta = draw(st.sampled_from(["", '<meta charset="utf-8">']))
    head = draw(st.permutations([f"<title>{htmlmod.escape(title, quote=False)}</title>", meta]))
    html = f"<!DOCTYPE html><html><head>{''.join(head)}</head><body>{''.join(p.html for p in body)}</body></html>"
    return Piece(html, "".join(p.text for p in body), any(p.has_noscript for p in body), title)


def _words(text: str) -> str:
    return "".join(TOKEN_RE.findall(text))


# ---------------------------------------------------------------------------------------------------------------
# Raw byte strings
# ---------------------------------------------------------------------------------------------------------------

_CODECS = ["utf-8", "cp1252", "latin-1", "shift_jis", "euc-jp", "gb18030", "koi8-r", "iso-8859-5", "big5", "utf-16"]
_LABELS = [
    *_CODECS,
    "utf-32",
    "UTF8",
    "x-unknown",
    "",
    "iso-8859-1 ",
    "utf-16le",
    "unicode-1-1-utf-7",
    "ascii",
    "x-sjis",
    "windows-874",
    "x-user-defined",
    "utf-7",
    "cp037",
    "unicode_escape",
]
_BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]


@st.composite
def _declared(draw: st.DrawFn) -> bytes:
    """A page that declares a charset, encoded in that charset or another one."""
    label = draw(st.sampled_from(_LABELS))
    codec = draw(st.sampled_from(_CODECS))
    text = draw(st.text(_TEXT_CHARS, max_size=40))
    meta = draw(
        st.sampled_from(
            [
                f'<meta charset="{label}">',
                f"<meta http-equiv='Content-Type' content='text/html; charset={label}'>",
                f'<?xml version="1.0" encoding="{label}"?>',
            ]
        )
    )
    page = f"{meta}<html><body><p>{htmlmod.escape(text, quote=False)}</p></body></html>"
    return page.encode(codec, errors="replace")


@st.composite
def _with_bom(draw: st.DrawFn) -> bytes:
    """A byte-order mark, then text in any encoding (matching the mark or not)."""
    text = draw(st.text(_TEXT_CHARS, max_size=40))
    codec = draw(st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp1252"]))
    return draw(st.sampled_from(_BOMS)) + f"<p>{text}</p>".encode(codec, errors="replace")


@st.composite
def _truncated(draw: st.DrawFn) -> bytes:
    """A UTF-8 page cut at any byte, possibly inside a multi-byte character."""
    data = draw(pages()).html.encode("utf-8")
    return data[: draw(st.integers(0, len(data)))]


@st.composite
def _spliced(draw: st.DrawFn) -> bytes:
    """A UTF-8 page with random bytes put in at random places."""
    data = bytearray(draw(pages()).html.encode("utf-8"))
    for junk in draw(st.lists(st.binary(min_size=1, max_size=4), max_size=5)):
        at = draw(st.integers(0, len(data)))
        data[at:at] = junk
    return bytes(data)


RAW_BYTES = (
    st.binary(max_size=300)
    | _declared()
    | _with_bom()
    | _truncated()
    | _spliced()
    | st.text(_TEXT_CHARS, max_size=30).map(lambda t: t.encode("utf-16-be"))  # UTF-16 without a mark
)


# ---------------------------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------------------------


def check_segmentation(seg: Segmentation) -> None:
    """Blocks are numbered in order, hold normalised text with counted tokens, and sit in real containers."""
    for i, c in enumerate(seg.containers):
        assert c.id == i
        assert -1 <= c.parent < i
        assert c.depth == (0 if c.parent < 0 else seg.containers[c.parent].depth + 1)
        # a subtree is a run of ids, nested in its parent's
        assert i < c.end <= len(seg.containers)
        assert c.parent < 0 or seg.containers[c.parent].end >= c.end
    for i, b in enumerate(seg.blocks):
        assert b.index == i
        assert b.text and b.text == " ".join(b.text.split())
        # a block holds a token; its length counts words (an ideograph one, a word's marks none of their own)
        assert b.n_tokens == len(word_re().findall(b.text)) > 0 and TOKEN_RE.search(b.text)
        assert 0 <= b.n_link_tokens <= b.n_tokens
        assert b.path and all(0 <= c < len(seg.containers) for c in b.path)
        assert seg.containers[b.path[0]].parent == -1
        assert all(seg.containers[b.path[k]].parent == b.path[k - 1] for k in range(1, len(b.path)))
        # the containers whose id range holds the owner are exactly the block's path
        assert [c.id for c in seg.containers if c.id <= b.owner < c.end] == list(b.path)


def check_features(seg: Segmentation) -> None:
    """One finite row per block, one column per feature name; one structure row per block."""
    X = featurize(seg)
    assert X.dtype == np.float32
    assert X.shape == (len(seg.blocks), len(FEATURE_NAMES))
    assert np.isfinite(X).all()
    S = structure(seg)
    assert S.shape == (len(seg.blocks), len(ANCESTOR_LEVELS))
    assert S.min(initial=0) >= 0 and S.max(initial=0) < max(len(seg.containers), 1)


def _lines_apart(text: str, separators: tuple[str, ...]) -> str:
    """``text`` with each of ``separators`` a line break."""
    for sep in separators:
        text = text.replace(sep, "\n")
    return text


def check_extraction(ex: Extraction) -> None:
    """One probability and one label per block, probabilities in [0, 1], the text is the kept blocks' words (a line
    each, or a table row's cells on one, where the page holds no preformatted code, which keeps its own lines)."""
    n = len(ex.blocks)
    assert ex.proba.shape == (n,) and ex.keep.shape == (n,)
    assert ex.keep.dtype == np.bool_
    assert np.all((ex.proba >= 0.0) & (ex.proba <= 1.0))
    lines = "\n".join(b.text for b, k in zip(ex.blocks, ex.keep, strict=True) if k)
    assert TOKEN_RE.findall(ex.text) == TOKEN_RE.findall(lines)
    if not any(c.tag in PRE_TAGS for c in ex.segmentation.containers):
        # a data table's row is one line, " | " between its cells and " / " between a cell's lines
        apart = (CELLS_APART, CELL_LINES_APART)
        assert _lines_apart(ex.text, apart) == _lines_apart(lines, apart)
    assert ex.content == [b for b, k in zip(ex.blocks, ex.keep, strict=True) if k]


_MARKDOWN = MarkdownIt("commonmark")


def _markdown_lines(text: str) -> str:
    """``text`` with the line ends and NULs that a markdown parser normalises, normalised."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def _shown_text(html: str) -> str:
    """The text an HTML fragment shows: its tags dropped, entities decoded."""
    return htmlmod.unescape(re.sub(r"<[^>]*>", "", html))


def check_rendering(ex: Extraction) -> None:
    """Every output format renders, encodes to UTF-8, and carries every word of every kept block."""
    markdown, html = to_markdown(ex), to_html(ex)
    record = json.dumps(page_record("page.html", ex), ensure_ascii=False)
    rows = block_records("page.html", ex)
    assert len(rows) == len(ex.blocks)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    for out in (markdown, html, record, lines):
        out.encode("utf-8")
    assert json.loads(record)["text"] == ex.text
    # A word that a link or emphasis cuts in two ("see<a>link</a>here") is cut in the source by the markup around
    # it, so a token missing from the source must be in the text the markup shows.
    shown_md = shown_html = None
    for block in ex.content:
        for token in TOKEN_RE.findall(block.text):
            if token not in markdown:
                shown_md = shown_md if shown_md is not None else _shown_text(_MARKDOWN.render(markdown))
                assert token in shown_md, (token, markdown)
            if token not in html:
                shown_html = shown_html if shown_html is not None else _shown_text(html)
                assert token in shown_html, (token, html)
    # Each code block is one fenced block of the markdown, whatever backticks it holds (markdown is not escaped, so
    # other text that opens a fence of its own is left out of this check).
    structured = items(ex)
    for it in structured:  # inline markup lies inside its item's text, in order, without overlapping
        end = 0
        for sp in it.spans:
            assert end <= sp.start < sp.end <= len(it.text), (it.text, it.spans)
            end = sp.end
    code = [it.text for it in structured if it.kind == "code"]
    if not any("```" in it.text or "~~~" in it.text for it in structured if it.kind != "code"):
        fences = [t.content for t in _MARKDOWN.parse(markdown) if t.type == "fence"]
        assert fences == [_markdown_lines(c) + "\n" for c in code], (fences, code)


def run_all(page: bytes | str) -> Extraction | None:
    """Every stage on ``page``; None where the page is refused with an InputError."""
    try:
        doc = parse_html(page)
    except InputError:
        return None
    assert isinstance(doc, Document)
    if doc.encoding != "str":
        for name in doc.encoding.split("+"):  # a codec, or "utf-8+cp1252" for a page that mixes two
            codecs.lookup(name)
    seg = segment(doc)
    check_segmentation(seg)
    check_features(seg)
    ex = extract_blocks(page)
    assert ex.blocks == seg.blocks
    check_extraction(ex)
    check_rendering(ex)
    return ex


# ---------------------------------------------------------------------------------------------------------------
# Generated trees
# ---------------------------------------------------------------------------------------------------------------


@SOME
@given(pages())
def test_generated_page_blocks_come_from_the_visible_text(page: Piece) -> None:
    # Text that reads as UTF-8 decoded as windows-1252 ("Î\xa0" for "Π") is repaired (test_mojibake.py): its
    # blocks do not come from the text as drawn.
    assume(not may_hold_mojibake(page.html.encode("utf-8", "surrogatepass")))
    doc = parse_html(page.html)  # a page with markup is never refused
    seg = segment(doc)
    check_segmentation(seg)
    visible = CONTROL_RE.sub("", page.text)
    for block in seg.blocks:
        assert SCRIPT_MARK not in block.text and STYLE_MARK not in block.text
        for token in TOKEN_RE.findall(block.text):
            assert token in visible, (token, block.text, visible)
    if not page.has_noscript:
        # No visible word is lost or reordered: the blocks' word characters are the page's, in order.
        assert _words(" ".join(b.text for b in seg.blocks)) == _words(visible)


@FEW
@given(pages())
def test_generated_page_features_extraction_and_rendering(page: Piece) -> None:
    ex = run_all(page.html)
    assert ex is not None
    assert extract(page.html) == ex.text
    # The JSON record's title is the page's <title> or a visible headline.
    record = page_record("page.html", ex)
    for token in TOKEN_RE.findall(record.get("title", "")):
        assert token in page.title or token in page.text, (token, record)
    # The page's UTF-8 bytes are read as UTF-8 and extract alike.
    from_bytes = extract_blocks(page.html.encode("utf-8"))
    assert from_bytes.encoding == "utf-8"
    assert from_bytes.text == ex.text
    # A threshold of 1 keeps only blocks the model is certain of (none, as a rule); above 1 is refused; 0 keeps
    # everything but later copies of long repeated blocks.
    none = extract_blocks(page.html, threshold=1.0)
    assert (none.proba[none.keep] >= 1.0).all() and (none.text == "") == (not none.keep.any())
    with pytest.raises(ValueError, match="between 0 and 1"):
        extract_blocks(page.html, threshold=1.0000001)
    everything = extract_blocks(page.html, threshold=0.0)
    texts = [b.text for b in everything.blocks]
    for b, kept in zip(everything.blocks, everything.keep, strict=True):
        assert kept or (b.n_tokens >= 8 and texts.index(b.text) < b.index)
    check_rendering(everything)


@FEW
@given(pages(), st.data())
def test_rendering_any_choice_of_blocks(page: Piece, data: st.DataObject) -> None:
    """Markdown, html and the records render whichever blocks are kept: any cells of any tables, any list items."""
    ex = extract_blocks(page.html)
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(ex.blocks), max_size=len(ex.blocks))), dtype=bool)
    check_rendering(dataclasses.replace(ex, keep=keep))


# ---------------------------------------------------------------------------------------------------------------
# Raw bytes and odd text
# ---------------------------------------------------------------------------------------------------------------


@SOME
@given(RAW_BYTES)
@example(b"")
@example(codecs.BOM_UTF8)
@example(b"\x00" * 16)
@example(b"<")
@example(b"\xff\xfe<\x00p\x00>\x00h\x00i\x00")
def test_raw_bytes_raise_only_documented_errors(data: bytes) -> None:
    text = decode_html(data)  # documented never to fail
    assert isinstance(text, str)
    text.encode("utf-8")  # undecodable bytes became U+FFFD, never lone surrogates
    if b"\x00" not in data and not data.startswith(tuple(_BOMS)) and b"\x1b$" not in data:  # ISO-2022's escapes
        with contextlib.suppress(UnicodeDecodeError):
            assert text == data.decode("utf-8")  # valid UTF-8 is read as UTF-8, whatever the page declares
    with contextlib.suppress(BlocksiftError):
        run_all(data)


@SOME
@given(st.text(_ANY_CHARS, max_size=200) | st.text(_ANY_CHARS, max_size=50).map(lambda t: f"<p>{t}\ud800</p>"))
def test_any_text_raises_only_documented_errors(text: str) -> None:
    with contextlib.suppress(BlocksiftError):
        run_all(text)


@pytest.mark.parametrize("page", [None, 42, 3.5, ["<p>x</p>"]])
def test_pages_that_are_not_bytes_or_text_are_input_errors(page: Any) -> None:
    with pytest.raises(InputError):
        parse_html(page)
    with pytest.raises(InputError):
        extract(page)
