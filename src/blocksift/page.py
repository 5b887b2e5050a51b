"""bytes/str -> decoded, parsed, cleaned lxml tree.

Decoding follows what a browser would end up showing, ordered by how often each signal is right on real pages:
a byte-order mark wins; then bytes that are valid UTF-8 are UTF-8 (legacy pages mislabelled as Latin-1 are common, the
reverse is almost impossible since non-ASCII Latin-1 text is almost never valid UTF-8); then the charset the page
declares; then a statistical guess (charset-normalizer); and in the end Windows-1252, which decodes any byte.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree, html

from blocksift.errors import InputError

# Elements whose content is never visible text.
DROP_TAGS = frozenset(
    {
        "script", "style", "template", "iframe", "svg", "math", "object", "embed", "canvas",
        "head", "select", "datalist", "video", "audio", "map", "area", "track", "source", "picture",
    }
)  # fmt: skip

# The web archive's toolbar that msv and other captured pages carry.
DROP_ID_PREFIXES = ("wm-ipp", "wm-capinfo", "donato")

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
DECLARED_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.\-]+)""", re.IGNORECASE)
# The WHATWG encoding standard maps these labels to windows-1252; browsers never use strict Latin-1.
WHATWG_ALIASES = {"latin_1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "iso8859_1": "cp1252"}
SNIFF_BYTES = 8192
# Statistical guessing is slow on big pages; a sample of this many bytes decides as well.
GUESS_BYTES = 65536
FALLBACK_ENCODING = "cp1252"
LATIN_CODECS = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-9",
     "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16", "mac-roman", "mac-latin2", "cp850",
     "cp852", "cp775", "cp437", "mac-iceland", "mac-turkish", "mac-croatian", "mac-romanian"}
)  # fmt: skip
_UTF16_NO_BOM_RE = re.compile(rb"^(?:[\x09\x0a\x0d\x20-\x7e]\x00){8}|^(?:\x00[\x09\x0a\x0d\x20-\x7e]){8}")

# <noscript> mostly holds "enable JavaScript" notes and tracking pixels, but some sites (every Discourse forum)
# put the whole page there for readers without scripts: keep a noscript that holds structured text.
_STRUCTURED = etree.XPath(
    "boolean(.//*[self::p or self::article or self::li or self::h1 or self::h2 or self::h3 or self::table"
    " or self::div[normalize-space(text())]])"
)

# Control characters are not allowed in XML text nodes and never visible; NUL bytes come with binary junk.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_PARSER = html.HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    no_network=True,
    huge_tree=True,
    collect_ids=False,
)


@dataclass(frozen=True)
class Document:
    """A parsed, cleaned page: the lxml root and the encoding its bytes were decoded with."""

    root: html.HtmlElement
    encoding: str
    title: str


def _normalise_codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A UTF-16/32 label without a BOM is a lie in practice: WHATWG decodes such pages as UTF-8.
    if name.startswith(("utf-16", "utf-32")):
        return None
    return WHATWG_ALIASES.get(name, name)


def declared_encoding(data: bytes) -> str | None:
    """The charset the page declares in its first bytes (``<meta charset>``, http-equiv, or an XML prolog)."""
    head = data[:SNIFF_BYTES]
    match = DECLARED_RE.search(head) or XML_DECL_RE.search(head)
    return _normalise_codec(match.group(1).decode("ascii", "replace")) if match else None


def _bom_encoding(data: bytes) -> tuple[str, int] | None:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, len(bom)
    if _UTF16_NO_BOM_RE.match(data):
        return ("utf-16-le" if data[1] == 0 else "utf-16-be"), 0
    return None


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # imported lazily: only legacy pages need it

    best = from_bytes(data[:GUESS_BYTES]).best()
    guess = _normalise_codec(best.encoding) if best is not None else None
    # Guessers split hairs between Latin code pages on the few accented bytes of a mostly-ASCII page
    # (cleaneval's undeclared English pages come out as cp1250); windows-1252 is what such pages were written in.
    if guess in LATIN_CODECS:
        return FALLBACK_ENCODING
    return guess


def _mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8, or UTF-8 with a handful of stray bytes among many well-formed multi-byte characters."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    # Calibrated on the shared datasets' pages: mixed pages carry hundreds of good characters per stray byte.
    return good >= 20 and bad * 50 <= good


def detect_encoding(data: bytes) -> str:
    """The encoding to decode ``data`` with (BOM, valid UTF-8, declared charset, statistical guess, cp1252)."""
    bom = _bom_encoding(data)
    if bom is not None:
        return bom[0]
    if _mostly_utf8(data):
        return "utf-8"
    declared = declared_encoding(data)
    if declared == "utf-8":
        return declared  # declared UTF-8 with a few broken bytes: browsers keep UTF-8 and show U+FFFD
    if declared:
        try:
            data.decode(declared)
            return declared
        except (UnicodeDecodeError, LookupError):
            pass
    return _guess_encoding(data) or FALLBACK_ENCODING


def decode_html(data: bytes) -> str:
    """Decode a page's bytes to text as a browser would; never fails (undecodable bytes become U+FFFD)."""
    return decode_with_encoding(data)[0]


def decode_with_encoding(data: bytes) -> tuple[str, str]:
    """Decode and also return the encoding used."""
    encoding = detect_encoding(data)
    bom = _bom_encoding(data)
    body = data[bom[1] :] if bom is not None else data
    return body.decode(encoding, errors="replace"), encoding


def _drop_invisible(root: html.HtmlElement) -> None:
    doomed = []
    for el in root.iter():
        tag = el.tag
        if (
            not isinstance(tag, str)
            or tag in DROP_TAGS
            or (tag == "noscript" and not _STRUCTURED(el))
            or el.get("id", "").startswith(DROP_ID_PREFIXES)
        ):  # comments and processing instructions left by a lenient parse
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the element's tail text, which belongs to the surrounding content


def _title(root: html.HtmlElement) -> str:
    for el in root.iter("title"):
        return " ".join((el.text_content() or "").split())
    return ""


# Where libxml2 stops (its limit is 2,048 open elements even with huge_tree), elements opened deeper than this are
# dropped from the markup (their text stays): no real page nests this deep on purpose.
MAX_NESTING = 1000
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
VOID_TAGS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)


MAX_TITLE_CHARS = 2000
_UNCLOSED_TITLE_RE = re.compile(r"<title[^>]*>[^\n<]*", re.IGNORECASE)
_CLOSE_TITLE_RE = re.compile(r"</title", re.IGNORECASE)


def flatten_nesting(text: str, limit: int = MAX_NESTING) -> str:
    """Remove the start and end tags of elements nested deeper than ``limit``, keeping all text (linear time)."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, kept)
    pos = 0
    for m in _TAG_RE.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        closing, tag, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if closing:
            if stack and stack[-1][0] == tag:
                if stack.pop()[1]:
                    out.append(m.group(0))
            else:
                out.append(m.group(0))
        elif tag in VOID_TAGS or self_closing:
            out.append(m.group(0))
        else:
            kept = len(stack) < limit
            stack.append((tag, kept))
            if kept:
                out.append(m.group(0))
    out.append(text[pos:])
    return "".join(out)


def _parse(text: str) -> html.HtmlElement:
    try:
        return html.document_fromstring(text.encode("utf-8", errors="replace"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"lxml could not parse the page: {exc}") from exc


def parse_html(page: bytes | str) -> Document:
    """Decode (where bytes), parse and clean a page; raise InputError for input that holds no HTML at all."""
    if isinstance(page, bytes):
        text, encoding = decode_with_encoding(page)
    elif isinstance(page, str):
        text, encoding = page, "str"
    else:
        raise InputError(f"a page must be bytes or str, not {type(page).__name__}")
    text = _CONTROL_RE.sub("", text)
    if not text.strip():
        raise InputError("the page is empty (no characters besides white space)")
    root = _parse(text)
    if any("Excessive depth" in e.message for e in _PARSER.error_log):
        # libxml2 gives up on the whole document past 2,048 open elements; flatten the excess and parse again.
        root = _parse(flatten_nesting(text))
    title = _title(root)
    if len(title) > MAX_TITLE_CHARS and _UNCLOSED_TITLE_RE.search(text) and not _CLOSE_TITLE_RE.search(text):
        # A <title> never closed swallows the rest of the page (it is raw text up to </title>); close it at the
        # end of its line, where the author meant it to end.
        text = _UNCLOSED_TITLE_RE.sub(lambda m: m.group(0) + "</title>", text, count=1)
        root = _parse(text)
        title = _title(root)
    _drop_invisible(root)
    return Document(root=root, encoding=encoding, title=title)
