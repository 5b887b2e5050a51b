"""bytes/str -> decoded, parsed, cleaned lxml tree.

Decoding follows what a browser would end up showing, ordered by how often each signal is right on real pages:
a byte-order mark wins; then bytes that are valid UTF-8 are UTF-8 (legacy pages mislabelled as Latin-1 are common, the
reverse is almost impossible since non-ASCII Latin-1 text is almost never valid UTF-8); then the charset the page
declares, as browsers read its label (``charset.py``); then a statistical guess (charset-normalizer), where a Latin
guess is Windows-1252 unless the letters of the text say Central European, Turkish or Baltic; and in the end
Windows-1252, which decodes any byte. ISO-2022-JP and -KR, 7-bit and so valid UTF-8, are told by their escapes.
Where a browser would show garbage, the text is recovered instead: a page that mixes UTF-8 with a single-byte legacy
encoding (a UTF-8 template around text from an old database) is decoded run by run; a page declared UTF-8 whose bytes
are not, or declared Latin-1 whose non-ASCII bytes come in the long runs of a multi-byte encoding (Shift-JIS, GB18030,
EUC-KR...), is decoded with the statistical guess. Text that was encoded twice ("â€™" for an apostrophe, "Ã©" for
"é": UTF-8 read as Windows-1252 and written out as UTF-8 again), which valid UTF-8 bytes carry unseen, is repaired
(``mojibake.py``).

Input that is not a page is refused with ``InputError`` saying what it is, rather than extracted as noise: the
formats crawlers fetch by mistake, by their magic numbers (PDF, images, archives, compressed data, fonts, audio and
video, executables); other binary data (control bytes in the first 4 KB); JSON (an API response saved as a page); a
news feed (RSS, Atom) or a sitemap; and input with no characters besides white space and control characters. NUL and
other control characters inside a page are dropped, as browsers drop them.
"""

from __future__ import annotations

import codecs
import itertools
import json
import operator
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from lxml import etree

from blocksift import webcodecs
from blocksift.charset import (
    FALLBACK_ENCODING,
    LATIN_CODECS,
    NON_ASCII_RE,
    RUNS_BYTES,
    guessed_codec,
    in_script_words,
    latin_reading,
    legacy_runs,
    text_bytes,
    web_codec,
    widened,
)
from blocksift.errors import InputError
from blocksift.formulas import mark_formulas
from blocksift.mhtml import is_mhtml, page_part
from blocksift.mojibake import may_hold_mojibake, repair_mojibake

if TYPE_CHECKING:
    from typing_extensions import Buffer

# Elements whose content is never visible text. <noframes> is shown only by browsers without frames (none now), and
# libxml2 reads it as raw text, so its markup came out as words ("<a href=...><img ...></a>" after an embedded
# video's <iframe>, on dragnet's R212).
# (<map> and <picture> are not among them: browsers show what they hold besides their <area> and <source>
# elements, and an unclosed one holds the rest of the page.)
# A <title> outside the head is hidden too (browsers' style sheet: display none); the page's title is read before.
DROP_TAGS = frozenset(
    {
        "script", "style", "template", "iframe", "svg", "math", "param", "canvas", "title",
        "head", "select", "datalist", "video", "audio", "area", "noframes",
    }
)  # fmt: skip
# Tags removed with what they hold kept. Empty elements that libxml2 does not know to be empty: it puts what follows
# them inside them, so a <picture> left open took the rest of the page into its <source>, and an <embed> the rest of
# its paragraph. And <object>: no browser runs its plug-in now, so each shows the content the object holds for
# want of one (a Flash video's caption).
UNWRAPPED_TAGS = ("source", "track", "wbr", "embed", "object")
# What a page's <head> may hold (and comments). libxml2 knows no HTML5 element, so a <main>, <header> or custom
# element before <body> stays in the head, which is dropped; browsers end the head there and show it.
HEAD_TAGS = frozenset({"title", "meta", "link", "style", "script", "base", "noscript", "template"})
# libxml2 ignores an end tag </br>; browsers read it as <br>.
_END_BR_RE = re.compile(r"</br\s*>", re.IGNORECASE)
# The HTML elements that end SVG or MathML content where they appear in it (the HTML standard's parsing rules for
# foreign content; <font> too, with a color, face or size): what follows is the page again. libxml2 does not know the
# rule, so an <svg> never closed took the rest of the page into it, and all of it was dropped with the drawing.
BREAKOUT_TAGS = (
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby",
    "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var",
)  # fmt: skip
# Where SVG and MathML hold HTML of their own (shown inside the drawing or formula), which does not end them.
INTEGRATION_POINTS = frozenset({"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"})

# The web archive's toolbar that msv and other captured pages carry. The archive inserts it at the start of the body
# (on all 276 dataset pages that carry it, a child of body), so it is looked for near the root only: down to
# ``DROP_ID_DEPTH`` elements from it (html/body/div is 3), which also catches it inside a wrapper or two.
DROP_ID_PREFIXES = ("wm-ipp", "wm-capinfo", "donato")
DROP_ID_DEPTH = 5

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
DECLARED_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.\-]+)""", re.IGNORECASE)
SNIFF_BYTES = 8192
# Statistical guessing is slow on big pages; a sample of this many bytes decides as well.
GUESS_BYTES = 65536
# Bytes of valid multi-byte UTF-8 a page needs before its other non-ASCII bytes are read as a second encoding (and
# they must be at least a third as many as those bytes). Legacy text is almost never valid UTF-8 by accident.
MIXED_MIN_BYTES = 12
# A page declared UTF-8 with at most this many invalid sequences stays UTF-8.
FEW_BROKEN = 8
# A declared code page stands with a few bytes it leaves undefined, if they are this rare among the non-ASCII ones
# (one stray byte always: a short page has too few others to weigh it against).
STRAY_SHARE = 100
# The multi-byte encodings a guess tries again with a few broken sequences cut out (browsers' readings).
MULTIBYTE_READINGS = ("cp932", "gb18030", "cp949", "big5hkscs", webcodecs.NAME)
# Bytes that may stand inside a character of a legacy multi-byte encoding: all but controls, space, punctuation
# below "@" and the digits GB18030's four-byte sequences hold (Shift_JIS and Big5 trail bytes start at 0x40).
_INSIDE_CHARACTERS = bytes(b for b in range(256) if not (b < 0x30 or 0x3A <= b < 0x40))
# The guesses that name a multi-byte reading: Japanese text is often named by the JIS X 0213 codecs.
_GUESSED_AS = {
    webcodecs.NAME: (webcodecs.NAME, "euc_jis_2004", "euc_jisx0213"),
    "cp932": ("cp932", "shift_jis_2004", "shift_jisx0213"),
}
# The guesser's name for a reading it does not know.
_GUESSER_NAME = {webcodecs.NAME: "euc_jp"}
_HIGH_BYTES = bytes(range(0x80, 0x100))
_JSON = json.JSONDecoder()
_UTF16_NO_BOM_RE = re.compile(rb"^(?:[\x09\x0a\x0d\x20-\x7e]\x00){8}|^(?:\x00[\x09\x0a\x0d\x20-\x7e]){8}")
_UTF32_NO_BOM_RE = re.compile(rb"^(?:[\x09\x0a\x0d\x20-\x7e]\x00{3}){8}|^(?:\x00{3}[\x09\x0a\x0d\x20-\x7e]){8}")
# ISO-2022 text is 7-bit: it passes for ASCII (and so for UTF-8) but for the escape sequences that switch to
# two-byte Japanese (JIS X 0208, ESC $ @ or ESC $ B) or announce Korean (KS X 1001, ESC $ ) C).
_ISO2022_RE = re.compile(rb"\x1b\$[@B]|\x1b\$\)C")

# <noscript> mostly holds "enable JavaScript" notes and tracking pixels, but some sites (every Discourse forum)
# put the whole page there for readers without scripts: keep a noscript that holds structured text.
_STRUCTURED = etree.XPath(
    "boolean(.//*[self::p or self::article or self::li or self::h1 or self::h2 or self::h3 or self::table"
    " or self::div[normalize-space(text())]])"
)

# Control characters (and the noncharacters U+FFFE, U+FFFF) are not allowed in XML text nodes and never visible; NUL
# bytes come with binary junk. Character references to them (&#1;, &#xFFFE;) are dropped too: libxml2 would put the
# characters in the tree, where lxml refuses to join them to other text (drop_tree raises ValueError).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]+")
_CONTROL_REF_RE = re.compile(
    r"&#(?:0*(?:[1-8]|1[1-24-9]|2[0-9]|3[01]|6553[45])(?![0-9])|[xX]0*(?:[1-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])"
    r"(?![0-9a-fA-F]));?"
)


# Inputs longer than this are never taken for a URL or a file name (``names_a_page``).
MAX_LOCATION_CHARS = 4096
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NONCHARACTERS = ("\ufffe", "\uffff")
_JSON_START_RE = re.compile(r"\s*[\[{]")
# The root element, after the XML prolog, stylesheet instructions and comments, of a document that lists pages rather
# than being one: a news feed (RSS 2.0 and 0.9x, Atom, RSS 1.0) or a sitemap. Its items' text would come out run
# together with their links, as no page's content.
_PAGE_LIST_ROOT_RE = re.compile(r"<(rss|feed|rdf:RDF|urlset|sitemapindex)\b[^>]*>", re.I)
PAGE_LIST_SNIFF_CHARS = 4096
_PAGE_LISTS = {
    "rss": "an RSS feed, not a page: extract the pages its items link to",
    "feed": "an Atom feed, not a page: extract the pages its entries link to",
    "rdf:rdf": "an RSS 1.0 feed, not a page: extract the pages its items link to",
    "urlset": "a sitemap, not a page: extract the pages it lists",
    "sitemapindex": "a sitemap index, not a page: extract the pages its sitemaps list",
}
# A whole input that names a page instead of holding one: a URL, or a file name ending as pages and crawls do. One
# line, no markup, no white space inside: the page's text would have some.
_URL_RE = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://\S+\s*")
_PAGE_FILE_RE = re.compile(r"\s*\S+\.(?:html?|xhtml|html?\.gz|warc|warc\.gz|arc\.gz)\s*", re.IGNORECASE)


def _control_ref(match: re.Match[str]) -> str:
    """A form feed (white space in HTML) becomes a space; other control characters nothing."""
    digits = match.group().strip("&#;")
    code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
    return " " if code == 0x0C else ""


# lxml.etree's parser, not lxml.html's: its elements are plain (no per-element class lookup in Python when a walk
# touches them, which cost a third of segmentation), and the pipeline needs nothing that HtmlElement adds.
_PARSER = etree.HTMLParser(
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

    root: etree._Element
    encoding: str
    title: str


def declared_encoding(data: bytes) -> str | None:
    """The charset the page declares in its first bytes (``<meta charset>``, http-equiv, or an XML prolog), outside
    comments: browsers pass over a commented-out ``<meta>`` (a Greek page's old windows-1251 one read it as
    Cyrillic), though not one in a script's string."""
    head = _without_comments(data[:SNIFF_BYTES])
    match = DECLARED_RE.search(head) or XML_DECL_RE.search(head)
    return web_codec(match.group(1).decode("ascii", "replace")) if match else None


def _bom_encoding(data: bytes) -> tuple[str, int] | None:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, len(bom)
    if _UTF32_NO_BOM_RE.match(data):
        return ("utf-32-le" if data[0] != 0 else "utf-32-be"), 0
    if _UTF16_NO_BOM_RE.match(data):
        return ("utf-16-le" if data[1] == 0 else "utf-16-be"), 0
    return None


def _without_comments(head: bytes) -> bytes:
    """``head`` without its ``<!-- -->`` comments (an unclosed one runs to the end), in one pass. As browsers' prescan
    reads them, ``<!-->`` is a whole comment."""
    kept: list[bytes] = []
    at = 0
    while (start := head.find(b"<!--", at)) >= 0:
        kept.append(head[at:start])
        end = head.find(b"-->", start + 2)
        if end < 0:
            return b"".join(kept)
        at = end + 3
    kept.append(head[at:])
    return b"".join(kept)


def _guess_sample(data: bytes) -> bytes:
    """The part of ``data`` a guess reads: ``GUESS_BYTES`` from a little before the first non-ASCII byte (the text,
    not the ASCII head), ended where no character can be cut (a sample cut inside a GBK character decodes only as
    Shift_JIS-2004)."""
    first = NON_ASCII_RE.search(data)
    start = max(0, first.start() - 1024) if first is not None else 0
    sample = data[start : start + GUESS_BYTES]
    if len(data) > start + GUESS_BYTES:
        whole = sample.rstrip(_INSIDE_CHARACTERS)
        sample = whole if len(sample) - len(whole) <= GUESS_BYTES // 2 else sample
    return sample


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # imported lazily: only legacy pages need it

    sample = _guess_sample(data)
    best = from_bytes(sample).best()  # the whole sample: a Shift_JIS page may hold its Japanese in comments only
    guess = guessed_codec(best.encoding) if best is not None else None
    # A few broken sequences keep a multi-byte reading out of the guesser's choice, whatever it chose instead: a
    # single-byte code page, no encoding, or another multi-byte encoding (Shift_JIS text with a stray byte, which
    # GB18030 decodes, as Chinese).
    if not _strict_multibyte(sample, guess):
        guess = _broken_multibyte(sample) or guess
    if guess in LATIN_CODECS:
        return latin_reading(text_bytes(sample))
    if _single_byte(guess):
        # Cyrillic, Greek, Arabic, Hebrew or Thai words are runs of non-ASCII bytes; a page whose few non-ASCII
        # bytes stand alone beside ASCII letters ("Brand®", "café") that a guesser calls Urdu (cp1006) is Latin text.
        text = text_bytes(sample)
        if not in_script_words(text):
            return latin_reading(text)
    return guess


# Multi-byte encodings that decode most byte strings: a guess of one of them says little (a GBK sample cut inside a
# character decodes only as Shift_JIS-2004).
LENIENT_MULTIBYTE = frozenset({"gb18030", "shift_jis_2004", "shift_jisx0213"})


def _strict_multibyte(sample: bytes, guess: str | None) -> bool:
    """True where the guess is a multi-byte encoding that decodes every byte of the sample, the lenient ones aside
    (``LENIENT_MULTIBYTE``): the guesser chose it on the whole text, and a reading that needs sequences cut out to
    fit is no better. An EUC-JP page with one JIS X 0212 "©" was read as Big5 or GB18030 without this."""
    return guess is not None and guess not in LENIENT_MULTIBYTE and not _single_byte(guess) and _decodes(sample, guess)


def _broken_multibyte(sample: bytes) -> str | None:
    """The multi-byte encoding of a sample that decodes in it but for a few broken sequences (a stray byte, a page
    or sample cut inside a character), where the sample without them is guessed to be in it. The guesser only
    offers encodings that decode every byte, so such a Japanese, Chinese or Korean page was read as windows-1252."""
    from charset_normalizer import from_bytes

    for whole_runs in CUTS:
        for codec in MULTIBYTE_READINGS:
            kept = _without_broken(sample, codec, whole_runs, declared=False)
            if kept is not None and len(kept) < len(sample):
                best = from_bytes(kept).best()
                if best is not None and names_reading(guessed_codec(best.encoding), codec):
                    return codec
    return None


def _without_broken(data: bytes, encoding: str, whole_runs: bool, declared: bool = True) -> bytes | None:
    """``data`` with the sequences ``encoding`` cannot decode cut out, or with the runs of text that hold them
    (``whole_runs``), where there are at most ``FEW_BROKEN`` of them and they are rare (``_rare``); None where there
    are more (or no such encoding).

    Runs are cut whole (``_damaged_run``) because a stray lead byte pairs with the next character's lead byte, and
    every character after it is read shifted by one byte until the run ends: those characters decode, to nonsense,
    and the guess on a short page with them left in named no encoding at all. ``CUTS`` says when each cut is tried.
    """
    kept = data
    for cuts in range(FEW_BROKEN + 1):
        try:
            kept.decode(encoding)
        except UnicodeDecodeError as exc:
            start, end = _damaged_run(kept, exc.start, exc.end) if whole_runs else (exc.start, exc.end)
            kept = kept[:start] + kept[end:]
            continue
        except LookupError:
            return None
        return kept if _rare(cuts, data, declared) else None
    return None


# The guess judges a page with its damaged runs cut first (for every reading, before the next cut: with the
# misread run left in, EUC-JP text guessed as GB18030), then with the broken sequences alone cut, which keeps the
# text where one run is all of it.
CUTS = (True, False)


# How far a run of text is searched for its ends around a broken sequence; further, only the sequence is cut.
RUN_REACH = 4096
# 0 for the bytes that stand outside every character of the legacy multi-byte encodings (they end a misread
# run), 1 for the others.
_RUN_ENDS = bytes(int(b in _INSIDE_CHARACTERS) for b in range(256))


def _damaged_run(data: bytes, start: int, end: int) -> tuple[int, int]:
    """The run of bytes that may stand inside characters (``_INSIDE_CHARACTERS``) around ``data[start:end]``: where a
    misread character sequence begins and ends. ``(start, end)`` where no run end lies within ``RUN_REACH``."""
    before = data[max(0, start - RUN_REACH) : start].translate(_RUN_ENDS)
    after = data[end : end + RUN_REACH].translate(_RUN_ENDS)
    first, last = before.rfind(b"\x00"), after.find(b"\x00")
    if (first < 0 and start > len(before)) or (last < 0 and end + len(after) < len(data)):
        return start, end
    return start - len(before) + first + 1, end + (last if last >= 0 else len(after))


def names_reading(guess: str | None, codec: str) -> bool:
    """True where a guess names the multi-byte reading ``codec`` (``_GUESSED_AS``; ``benchmarks/decoding.py`` counts
    its stray-byte copies by it)."""
    return guess in _GUESSED_AS.get(codec, (codec,))


def _count_of(data: bytes, which: bytes) -> int:
    """How many of ``data``'s bytes are among ``which`` (one pass in C)."""
    return len(data) - len(data.translate(None, which))


def _rare(broken: int, data: bytes, declared: bool = True) -> bool:
    """True where ``broken`` (undefined bytes, or the cuts ``_without_broken`` made) is at most one in ``STRAY_SHARE``
    of the page's non-ASCII bytes, or one on a page that declares its encoding. An undeclared page's guess gets no
    such allowance: on a short page one cut byte lets almost any multi-byte reading through, and the guesser agrees
    with it (70 bytes of Thai read as cp932)."""
    return (declared and broken <= 1) or broken * STRAY_SHARE <= _count_of(data, _HIGH_BYTES)


@dataclass(frozen=True)
class _Utf8Damage:
    """How a page's bytes fare read as UTF-8 (``good``/``bad`` over the whole page, runs over a sample)."""

    good: int  # well-formed non-ASCII characters
    bad: int  # invalid sequences
    valid_run_bytes: int  # bytes in runs of non-ASCII bytes that are valid UTF-8
    invalid_run_bytes: int  # bytes in runs that are not
    long_invalid_run_bytes: int  # bytes in invalid runs of 4 bytes or more: multi-byte legacy text, not Latin

    @property
    def mostly_utf8(self) -> bool:
        """UTF-8 with a handful of stray bytes among many well-formed multi-byte characters."""
        # Calibrated on the shared datasets' pages: mixed pages carry hundreds of good characters per stray byte.
        return self.good >= 20 and self.bad * 50 <= self.good

    @property
    def multibyte_legacy(self) -> bool:
        """Most non-UTF-8 bytes come in long runs, as in Shift-JIS, GB18030, Big5, EUC or Cyrillic text."""
        return self.invalid_run_bytes >= 16 and self.long_invalid_run_bytes * 2 >= self.invalid_run_bytes


def _utf8_damage(data: bytes) -> _Utf8Damage:
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    del text
    valid = invalid = long_invalid = 0
    for match in NON_ASCII_RE.finditer(data, 0, RUNS_BYTES):
        run = match.group()
        try:
            run.decode("utf-8")
            valid += len(run)
        except UnicodeDecodeError:
            invalid += len(run)
            if len(run) >= 4:
                long_invalid += len(run)
    return _Utf8Damage(non_ascii - bad, bad, valid, invalid, long_invalid)


def _single_byte(encoding: str | None) -> bool:
    """True for encodings with one character per byte (windows-125x, ISO-8859-x, KOI8...)."""
    if not encoding or encoding == "utf-8":
        return False
    try:
        return len(_HIGH_BYTES.decode(encoding, errors="replace")) == len(_HIGH_BYTES)
    except LookupError:
        return False


def _mixed_fallback(data: bytes, damage: _Utf8Damage, declared: str | None) -> str | None:
    """The single-byte encoding of the non-UTF-8 runs of a page that mixes it with UTF-8, or None if not mixed."""
    # On a page declared UTF-8, one valid multi-byte character is evidence enough.
    least = 2 if declared == "utf-8" else MIXED_MIN_BYTES
    if damage.valid_run_bytes < least or damage.valid_run_bytes * 3 < damage.invalid_run_bytes:
        return None
    if declared is not None and _single_byte(declared):
        return widened(data, declared)
    # Otherwise only Latin text (accented letters one or two bytes apart, not long runs) is safe to decode run by
    # run: windows-1252, or the Central European, Turkish or Baltic code page its letters say.
    return None if damage.multibyte_legacy else latin_reading(text_bytes(legacy_runs(data[:GUESS_BYTES])))


def _mixed_error_handler(encoding: str) -> str:
    """The name of a codec error handler that decodes the bytes UTF-8 rejects with ``encoding``."""
    name = f"blocksift-{encoding}"
    try:
        codecs.lookup_error(name)
    except LookupError:

        def handler(exc: UnicodeError) -> tuple[str, int]:
            assert isinstance(exc, UnicodeDecodeError)
            return exc.object[exc.start : exc.end].decode(encoding, errors="replace"), exc.end

        codecs.register_error(name, handler)
    return name


def _mixed_codec(name: str) -> codecs.CodecInfo | None:
    """The codec ``"utf-8+<encoding>"`` (UTF-8, with the bytes it rejects read as a single-byte ``encoding``).

    Registered, so that the encoding a mixed page reports decodes its bytes anywhere: ``data.decode(doc.encoding)``.
    Codec search sees the name normalised (``utf_8_cp1252``).
    """
    if not name.startswith("utf_8_"):
        return None
    try:
        fallback = codecs.lookup(name[len("utf_8_") :]).name
    except LookupError:
        return None
    if not _single_byte(fallback):
        return None
    handler = _mixed_error_handler(fallback)

    def decode(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
        raw = bytes(data)
        return raw.decode("utf-8", errors=handler), len(raw)

    def encode(text: str, errors: str = "strict", /) -> tuple[bytes, int]:
        return codecs.utf_8_encode(text, errors)

    return codecs.CodecInfo(encode, decode, name=f"utf-8+{fallback}")


codecs.register(_mixed_codec)


def detect_encoding(data: bytes) -> str:
    """The encoding to decode ``data`` with (BOM, valid UTF-8, declared charset, statistical guess, cp1252).

    A page that mixes UTF-8 with a single-byte encoding gets ``"utf-8+<that encoding>"``, a codec registered here.
    """
    bom = _bom_encoding(data)
    if bom is not None:
        return bom[0]
    try:
        data.decode("utf-8")
        return _iso2022(data) or "utf-8"
    except UnicodeDecodeError:
        pass
    damage = _utf8_damage(data)
    if damage.mostly_utf8:
        return "utf-8"
    declared = declared_encoding(data)
    mixed = _mixed_fallback(data, damage, declared)
    if mixed is not None:
        return f"utf-8+{mixed}"
    if declared == "utf-8":
        # Declared UTF-8 with a few broken bytes: keep UTF-8 (browsers show U+FFFD). With many, the declaration is
        # wrong (a legacy page in a UTF-8 template, a CJK page): the guess recovers the text a browser would mangle.
        return "utf-8" if damage.bad <= FEW_BROKEN else _guess_encoding(data) or FALLBACK_ENCODING
    if declared:
        declared = widened(data, declared)
        if _decodes(data, declared) or _few_undefined(data, declared) or _few_broken_sequences(data, declared):
            if _single_byte(declared) and damage.multibyte_legacy:
                return _written_otherwise(data, declared) or declared
            return declared
    return _guess_encoding(data) or FALLBACK_ENCODING


def _written_otherwise(data: bytes, declared: str) -> str | None:
    """The encoding a page labelled with a code page was written in, where its long runs of non-ASCII bytes say it
    was another (a template's default charset on a CJK page): a guess that decodes them, not Latin; under a
    non-Latin label only where the guess reads better (``_reads_better``), since Cyrillic or Greek words are long
    runs too. None where the label stands."""
    guess = _guess_encoding(data)
    if guess is None or guess in LATIN_CODECS or not _decodes(data, guess):
        return None
    return guess if declared in LATIN_CODECS or _reads_better(data, guess, declared) else None


# Below this share of letters among its non-ASCII characters, a page's reading in the code page it declares is no
# alphabet's text (``_letter_share``).
PLAUSIBLE_LETTERS = 0.9


def _reads_better(data: bytes, guess: str, declared: str) -> bool:
    """Whether a multi-byte ``guess`` reads the page as more plausible text than the non-Latin code page it declares
    (charset-normalizer's judgement between the two alone), where the declared reading is no alphabet's text.
    Cyrillic, Greek or Thai words are long runs of non-ASCII bytes as CJK text is, and Thai in windows-874 decodes
    as Shift_JIS-2004 and cp932 too, as nonsense that a short page can leave the guesser preferring."""
    from charset_normalizer import from_bytes

    sample = _guess_sample(data)
    if _single_byte(guess) or _letter_share(sample, declared) >= PLAUSIBLE_LETTERS:
        return False
    best = from_bytes(sample, cp_isolation=[guess, declared]).best()
    return best is not None and names_reading(guessed_codec(best.encoding), guess)


def _letter_share(sample: bytes, encoding: str) -> float:
    """The share of letters and marks among the non-ASCII characters of ``sample`` read in ``encoding`` (1 where it
    has none). A code page's text is its alphabet; a multi-byte page misread as one is half punctuation and
    symbols (GBK as windows-1251: "КРЅ»НЁ№ЬАнѕЦЅ«ґ")."""
    chars = [c for c in sample.decode(encoding, errors="replace") if ord(c) > 0x7F]
    if not chars:
        return 1.0
    return sum(unicodedata.category(c)[0] in "LM" for c in chars) / len(chars)


def _iso2022(data: bytes) -> str | None:
    """ISO-2022-JP or -KR for 7-bit text holding their escape sequences (declared or not: browsers sniff it)."""
    if b"\x1b" not in data:
        return None
    match = _ISO2022_RE.search(data)
    if match is None:
        return None
    codec = "iso2022_kr" if match.group().endswith(b"C") else "iso2022_jp_ext"
    return codec if _decodes(data, codec) else None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _few_undefined(data: bytes, encoding: str) -> bool:
    """True for a single-byte encoding that leaves a few of the page's bytes undefined: at most ``FEW_BROKEN``, and
    rare (``_rare``). Browsers never drop a declared code page for a stray byte it lacks (a windows-1253 page's 0x81
    shows as a control code); a guess on such a page read Greek as Cyrillic. More undefined bytes mean a wrong
    declaration (Russian text in windows-1251 labelled windows-1253 holds "Т" and "я" at bytes windows-1253 lacks:
    one letter in fifty)."""
    undefined = _undefined_bytes(encoding)
    if not undefined:
        return False
    stray = _count_of(data, undefined)
    return stray <= FEW_BROKEN and _rare(stray, data)


def _few_broken_sequences(data: bytes, encoding: str) -> bool:
    """True for a multi-byte encoding that fails on a few of the page's sequences only (``_without_broken``: a page
    cut inside a character, a stray byte), where the page without them is guessed to be in that encoding. Browsers
    keep the declaration and show U+FFFD; the guess on the whole page, which a strict decoding must pass, read such
    Japanese, Chinese and Korean pages as windows-1252. The guess stands guard because text of another script also
    passes as a multi-byte encoding with few errors: French "é" followed by a letter is a valid Shift_JIS pair."""
    if _single_byte(encoding):
        return False
    for whole_runs in CUTS:
        kept = _without_broken(data, encoding, whole_runs)
        if kept is None:
            continue
        guess = _guess_encoding(kept)
        # No guess at all says nothing against the declaration (chardet's x-sjis page "yomenai moji" is guessed as
        # nothing even undamaged); the fallback in its place, windows-1252, would lose all of its Japanese.
        if guess is None or names_reading(guess, encoding) or _reads_as_text(kept, encoding):
            return True
    return False


def _reads_as_text(data: bytes, encoding: str) -> bool:
    """True where the guesser, asked about ``encoding`` alone, finds ``data`` plausible text in it, and ``data``
    holds text enough to judge (``STRAY_SHARE`` non-ASCII bytes). Where a page's declaration is in doubt, this is
    the guess that matters: the guesser's own first choice misses on Japanese pages (an EUC-JP page of chardet's
    tests, undamaged, is guessed as GB18030), and French text under a CJK label is not plausible in any. With
    little text, any encoding is plausible, and the check says nothing."""
    from charset_normalizer import from_bytes

    sample = _guess_sample(data)
    if _count_of(sample, _HIGH_BYTES) < STRAY_SHARE:
        return False
    asked = _GUESSER_NAME.get(encoding, encoding)
    return from_bytes(sample, cp_isolation=[asked]).best() is not None


@lru_cache(maxsize=64)
def _undefined_bytes(encoding: str) -> bytes:
    """The bytes a single-byte encoding leaves undefined; empty for any other encoding."""
    if not _single_byte(encoding):
        return b""
    return bytes(b for b in _HIGH_BYTES if bytes((b,)).decode(encoding, errors="replace") == "\ufffd")


def decode_payload(data: bytes, charset: str | None) -> bytes | str:
    """The page to extract: text decoded with the HTTP ``charset`` where it applies, else the bytes themselves
    (which the page loader decodes by BOM, UTF-8 validity, the page's declared charset, and a guess)."""
    codec = web_codec(charset) if charset else None
    if codec is None or codec == "utf-8" or data.isascii() or _bom_encoding(data) is not None:
        return data
    try:
        data.decode("utf-8")
        return data  # valid UTF-8 is UTF-8 whatever the label says
    except UnicodeDecodeError:
        pass
    if codec == "cp1252":
        declared = declared_encoding(data)
        if declared is not None and declared != codec:
            return data  # a server's default Latin-1 label; the page knows its own charset
    return data.decode(widened(data, codec), errors="replace")


def unwrap_archive(page: bytes | str, encoding: str | None = None) -> bytes | str:
    """The page itself where ``page`` is an MHTML archive of it: its HTML part, decoded with the part's charset
    (``decode_payload``) unless ``encoding`` is given; anything else unchanged."""
    if not isinstance(page, bytes) or not is_mhtml(page):
        return page
    html, charset = page_part(page)
    return html if encoding is not None else decode_payload(html, charset)


def whole_characters(text: str) -> str:
    """``text`` with its UTF-16 surrogates made characters: a pair joined into the character it encodes, a lone one
    U+FFFD, as undecodable bytes become. A str from a UTF-16 source (a JavaScript string, a Windows API, a decoder's
    ``surrogatepass``) can hold them; the UTF-8 that lxml and the metadata read wrote each as "?", so an emoji came
    out as "??" and a stray surrogate as a question mark no reader could tell from the page's own. Pages without any
    cost one ``encode`` (1 ms per 800,000 characters outside ASCII)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", errors="surrogatepass").decode("utf-16-le", errors="replace")
    return text


def decode_html(data: bytes, encoding: str | None = None) -> str:
    """Decode a page's bytes to text as a browser would; never fails (undecodable bytes become U+FFFD).
    ``encoding`` (a Python codec name) replaces the detection, except where the page starts with a byte-order mark.
    A page saved as MHTML gives its own HTML's text, as ``parse_html`` reads it."""
    page = unwrap_archive(data, encoding)
    return page if isinstance(page, str) else decode_with_encoding(page, encoding)[0]


def decode_with_encoding(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode and also return the encoding used; characters encoded twice are repaired (``mojibake.py``)."""
    bom = _bom_encoding(data)
    if encoding is None or bom is not None:
        encoding = detect_encoding(data)
    body = data[bom[1] :] if bom is not None else data
    if not encoding.startswith(("utf-16", "utf-32")) and b"\x00" in body:
        body = body.replace(b"\x00", b"")  # NUL is never visible; dropping the bytes is far faster than the chars
    text = body.decode(encoding, errors="replace")  # "utf-8+cp1252" too: a codec of its own
    return (repair_mojibake(text) if may_hold_mojibake(body) else text), encoding


# Formats that crawlers fetch by mistake and store as pages, by their magic number: (prefix, offset, what it is).
MAGIC_NUMBERS: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"WEBP", 8, "a WebP image"),
    (b"WAVE", 8, "a WAV audio file"),
    (b"AVI ", 8, "an AVI video"),
    (b"ftyp", 4, "an MP4/QuickTime video or a HEIF/AVIF image"),
    (b"\x1aE\xdf\xa3", 0, "a Matroska/WebM video"),
    (b"OggS", 0, "an Ogg audio or video file"),
    (b"fLaC", 0, "a FLAC audio file"),
    (b"ID3", 0, "an MP3 audio file"),
    (b"PK\x03\x04", 0, "a ZIP archive (or an Office document, EPUB or JAR)"),
    (b"PK\x05\x06", 0, "an empty ZIP archive"),
    (b"\x1f\x8b", 0, "gzip-compressed data (files named .html.gz are inflated)"),
    (b"\xfd7zXZ\x00", 0, "xz-compressed data"),
    (b"(\xb5/\xfd", 0, "zstd-compressed data"),
    (b"BZh", 0, "bzip2-compressed data"),
    (b"7z\xbc\xaf'\x1c", 0, "a 7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "a Microsoft Office document"),
    (b"\x7fELF", 0, "an executable (ELF)"),
    (b"\x00asm", 0, "a WebAssembly module"),
    (b"wOFF", 0, "a web font (WOFF)"),
    (b"wOF2", 0, "a web font (WOFF2)"),
    (b"SQLite format 3\x00", 0, "an SQLite database"),
)
# Bytes that text never holds (NUL apart: pages do carry stray NULs, and UTF-16 is full of them). Random or compressed
# data has about one in ten; a page, none or a few.
_BINARY_BYTES = bytes(range(0x01, 0x09)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20))
BINARY_SAMPLE = 4096
BINARY_SHARE = 0.03
# Below this many control bytes the sample is too small to call binary (a page with a stray byte table is a page).
BINARY_MIN_CONTROLS = 32


def sniff_binary(data: bytes) -> str | None:
    """What ``data`` is when it is plainly not text (``"a PDF document"``, ``"binary data"``), else None."""
    head = data[:64]
    stripped = head.lstrip()
    for prefix, offset, what in MAGIC_NUMBERS:
        if head[offset : offset + len(prefix)] == prefix:
            if offset == 8 and not head.startswith(b"RIFF"):
                continue
            if prefix == b"BZh" and head[4:10] != b"1AY&SY":
                continue
            if prefix == b"ID3" and not (head[3:4] in (b"\x02", b"\x03", b"\x04") and head[4:5] == b"\x00"):
                continue
            return what
    if stripped.startswith(b"%PDF-"):
        return "a PDF document"
    if _bom_encoding(data) is not None:
        return None  # UTF-16/32 text
    sample = data[:BINARY_SAMPLE].replace(b"\x00", b"")
    if len(sample) < 64:
        return None
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return "binary data" if controls >= max(BINARY_MIN_CONTROLS, BINARY_SHARE * len(sample)) else None


_PASS_THE_PAGE = {
    "a URL": "blocksift never downloads; fetch the page and pass its HTML (`curl -sL URL | blocksift predict -`)",
    "a file name": "pass the file's contents (`Path(name).read_bytes()`), or the path to `blocksift predict`",
}


# What a WARC file read as a page is said to be: the start of page.py's, batch's and show's messages for it (show
# tells such a file by it, to give its own advice).
WARC_NOT_A_PAGE = "a WARC file, not a page"


def _crawl_archive(text: str) -> str | None:
    """What a web crawl's archive is, where ``text`` is one that was not named as one (read as a page, its first
    record's headers were its text); None for anything else."""
    start = text[:16].lstrip()
    if start.startswith("WARC/"):
        return f"{WARC_NOT_A_PAGE}: name it .warc (.warc.gz where compressed) to have its records read one by one"
    if start.startswith("filedesc://"):
        return "an ARC file, not a page (the WARC format's predecessor, which blocksift does not read): make it a WARC"
    return None


def names_a_page(text: str) -> str | None:
    """What the input is where it is a URL or a page's file name rather than a page (``extract("page.html")``, a
    common slip, would otherwise give an empty extraction and no sign of why); None for anything else."""
    if len(text) > MAX_LOCATION_CHARS or "<" in text:
        return None
    if _URL_RE.fullmatch(text):
        return "a URL"
    return "a file name" if _PAGE_FILE_RE.fullmatch(text) else None


def page_list_kind(text: str) -> str | None:
    """What ``text`` is, and what to do instead, where it is a news feed or a sitemap; None for anything else.

    Scanned, not matched with one expression: a lazy pattern over "<?...?>" repeats backtracks exponentially on a
    run of them."""
    pos = len(text) - len(text.lstrip())
    while True:
        end = _PROLOG_ENDS.get(text[pos : pos + 4]) or _PROLOG_ENDS.get(text[pos : pos + 2])
        if end is None:
            break
        close = text.find(end, pos + 2)
        if close < 0:
            return None
        pos = close + len(end)
        pos += len(text[pos:]) - len(text[pos:].lstrip())
    root = _PAGE_LIST_ROOT_RE.match(text, pos)
    if root is None:
        return None
    kind = root.group(1).lower()
    if kind == "feed" and "2005/Atom" not in root.group():  # an HTML page's own <feed> element is no Atom feed
        return None
    return _PAGE_LISTS[kind]


_PROLOG_ENDS = {"<?": "?>", "<!--": "-->"}


def looks_like_json(text: str) -> bool:
    """True when the text is a JSON object or array (or JSON Lines of them), as API responses are."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        _value, end = _JSON.raw_decode(stripped)
    except ValueError:
        return False
    rest = stripped[end : end + 64].lstrip()
    return not rest or rest.startswith(("{", "["))


# What `_drop_invisible` removes in C (lxml's strip_elements, which leaves each element's tail in place); <noscript>
# is looked at one by one, and the web archive's toolbar is looked for by id in the top levels of the tree.
# (Finding and unlinking them in Python took a fifth of the parse; one XPath for all of it four times as long.)
_STRIP = (etree.Comment, etree.ProcessingInstruction, *sorted(DROP_TAGS))
_DROP_BY_ID = etree.XPath(
    " | ".join(
        "/*" * depth + f"[starts-with(@id, '{prefix}')]"
        for depth in range(3, DROP_ID_DEPTH + 1)
        for prefix in DROP_ID_PREFIXES
    )
)


def _unclosed_foreign(text: str) -> bool:
    """Whether the page opens more ``<svg>`` or ``<math>`` elements than it closes. Only then does
    ``_end_foreign_content`` look for where they end: a closed icon holding a ``<div>`` of hidden text keeps it
    inside and dropped, as before, rather than spilling its ``<title>`` into the page (which browsers would hide).
    (Counting takes 0.5 ms on the median page, so it is done only where a drawing holds such an element.)"""
    return any(text.count(f"<{name}") > text.count(f"</{name}") for name in ("svg", "math", "SVG", "MATH"))


def _end_foreign_content(root: etree._Element, text: str) -> None:
    """Where an ``<svg>`` or ``<math>`` holds an HTML element that ends such content (``BREAKOUT_TAGS``: a ``<p>``, a
    ``<div>``) and the page leaves one open, that element and all that follows it inside the drawing are moved out
    after it, as browsers read the page. (A drawing is dropped with all it holds: an icon left open before the
    article emptied the page.)"""
    starts = []
    for foreign in root.iter("svg", "math"):
        start = next((el for el in foreign.iter(*BREAKOUT_TAGS) if not _integrated(el, foreign)), None)
        if start is not None:
            starts.append((foreign, start))
    if not starts or not _unclosed_foreign(text):
        return
    for foreign, start in starts:
        if not any(a is foreign for a in start.iterancestors()):
            continue  # moved out already, with an outer drawing's content
        # start and what follows it in its parent, then what follows each of its ancestors inside the drawing, in
        # document order (the ancestors found before anything moves)
        ancestors = list(itertools.takewhile(partial(operator.is_not, foreign), start.iterancestors()))
        following = [start, *start.itersiblings()]
        for ancestor in ancestors:
            following.extend(ancestor.itersiblings())
        cursor = foreign
        for el in following:
            cursor.addnext(el)  # moved with its tail: the text after it is the page's too
            cursor = el


def _integrated(el: etree._Element, foreign: etree._Element) -> bool:
    """Whether ``el`` sits inside one of ``foreign``'s HTML integration points (an SVG ``<foreignObject>``)."""
    for ancestor in el.iterancestors():
        if ancestor is foreign:
            return False
        if isinstance(ancestor.tag, str) and ancestor.tag.lower() in INTEGRATION_POINTS:
            return True
    return False


def _drop_invisible(root: etree._Element) -> None:
    """Remove what is never visible text (scripts, styles, media, comments, the web archive's toolbar), keeping
    each removed element's tail, which belongs to the surrounding content."""
    etree.strip_elements(root, *_STRIP, with_tail=False)
    etree.strip_tags(root, *UNWRAPPED_TAGS)
    doomed = [el for el in root.iter("noscript") if not _STRUCTURED(el)]
    # An XPath over the top levels of the tree, not a search of the page's text for the prefixes first: that took
    # 0.5 ms on a 400 kB page, the XPath 0.05.
    doomed.extend(_DROP_BY_ID(root))
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            _remove_keeping_tail(el, parent)


_SHADOW_ROOTS = etree.XPath("//template[@shadowrootmode or @shadowroot]")
_OPENED = "blocksift-shadow-root"


def _open_shadow_roots(root: etree._Element) -> None:
    """Unwrap declarative shadow DOM: a ``<template shadowrootmode>`` is what browsers render inside its host
    element (server-rendered web components: Lit, WebC), not an inert template to drop with the others. Its
    children take its place; the host's own children stay beside them (a slot would show them)."""
    for el in _SHADOW_ROOTS(root):
        el.tag = _OPENED
    etree.strip_tags(root, _OPENED)


def _remove_keeping_tail(el: etree._Element, parent: etree._Element) -> None:
    tail = el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _title(root: etree._Element) -> str:
    """The page's ``<title>``: the first one outside inline SVG and MathML, whose ``<title>`` names a drawing (an
    icon's "Search" on a page that has no title of its own is not the page's title)."""
    for el in root.iter("title"):
        if not any(a.tag in _FOREIGN_TAGS for a in el.iterancestors()):
            return " ".join("".join(el.itertext()).split())
    return ""


_FOREIGN_TAGS = frozenset({"svg", "math"})


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


def clean_bytes(text: str) -> bytes:
    """The text as UTF-8 for libxml2, without control characters and the noncharacters U+FFFE and U+FFFF.

    Deleting single bytes from the encoded text (``bytes.translate``) is about twenty times faster than a regular
    expression over the str; in UTF-8 a byte below 0x80 is always a whole character, so nothing else is touched.
    """
    data = text.encode("utf-8", errors="replace").translate(None, _CONTROL_BYTES)
    # Looked for in the str: one code point is found there about thirty times faster than its three bytes in the
    # UTF-8 (0.01 against 0.45 ms on a 400 kB page), and only U+FFFE and U+FFFF encode to those bytes.
    for nonchar in _NONCHARACTERS:
        if nonchar in text:
            data = data.replace(nonchar.encode(), b"")
    return data


def _blank(data: bytes) -> bool:
    lead = data.lstrip()
    return not lead or (lead[0] >= 0x80 and not lead.decode("utf-8", errors="replace").strip())


def _adopt_trailing_roots(root: etree._Element) -> None:
    """Move what libxml2 parsed after ``</html>`` into the page's body. libxml2 puts it in a second ``<html>``
    beside the first, which segmentation never walks; a browser shows it at the end of the body (HTML's "after after
    body" mode reprocesses it there), and some pages put all their content there (wcxb's dev-0310 kept nothing; 106
    of the shared datasets' 5,393 pages have such a root, most of them with a tracking script or two)."""
    extra = root.getnext()
    if extra is None:
        return
    body = root.find("body")
    target = body if body is not None else root
    while extra is not None:
        following = extra.getnext()
        if isinstance(extra.tag, str):
            _append_content(target, extra)
        extra = following


def _append_content(target: etree._Element, source: etree._Element) -> None:
    """``source``'s text and children at the end of ``target`` (a ``<head>`` or ``<body>`` inside it opened up)."""
    _append_text(target, source.text)
    for child in list(source):
        if child.tag in ("head", "body"):
            _append_content(target, child)
            _append_text(target, child.tail)
            source.remove(child)
        else:
            target.append(child)  # its tail goes with it


def _append_text(target: etree._Element, text: str | None) -> None:
    """``text`` after everything ``target`` holds (white space alone is left out)."""
    if not text or not text.strip():
        return
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text


def _open_head(root: etree._Element) -> None:
    """Move what libxml2 left in ``<head>`` from its first element that no head holds (``HEAD_TAGS``) on to the
    start of the body, as browsers end the head there. A page that opens with ``<main>`` or ``<header>`` before any
    ``<body>`` lost all of it with the head (one l3s-gn1 page gave no block at all)."""
    head = root.find("head")
    if head is None:
        return
    start = next((i for i, el in enumerate(head) if isinstance(el.tag, str) and el.tag not in HEAD_TAGS), None)
    if start is None:
        return
    body = root.find("body")
    if body is None:
        body = etree.Element("body")
        head.addnext(body)
    moved = head[start:]
    if body.text and body.text.strip():  # the body's own first text stays after what comes before it
        moved[-1].tail = (moved[-1].tail or "") + body.text
        body.text = None
    for i, el in enumerate(moved):
        body.insert(i, el)  # moved with its tail


def _parse(text: str) -> etree._Element:
    data = clean_bytes(text)
    if _blank(data):
        raise InputError("the page is empty (no characters besides white space and control characters)")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.LxmlError, ValueError) as exc:
        log = getattr(exc, "error_log", None) or _PARSER.error_log
        if any(e.type_name == "ERR_NO_MEMORY" for e in log):  # libxml2 reports a failed malloc as a syntax error
            raise MemoryError("libxml2 ran out of memory while parsing the page") from exc
        raise InputError(f"lxml could not parse the page: {exc}") from exc
    if root is None:
        raise InputError("lxml could not parse the page: Document is empty")
    _adopt_trailing_roots(root)
    _open_head(root)
    return root


def _parse_errors() -> tuple[bool, bool]:
    """Whether the last parse gave up past libxml2's nesting limit, and whether it met an end tag ``</br>``."""
    deep = end_br = False
    for e in _PARSER.error_log:
        message = e.message
        if "Excessive depth" in message:
            deep = True
        elif message == "Unexpected end tag : br":
            end_br = True
    return deep, end_br


def parse_html(page: bytes | str, encoding: str | None = None) -> Document:
    """Decode (where bytes: with ``encoding``, a Python codec, where given), parse and clean a page; raise
    InputError for input that holds no HTML at all. A page saved as MHTML is read from its archive."""
    page = unwrap_archive(page, encoding)
    if isinstance(page, bytes):
        what = sniff_binary(page)
        if what is not None:
            raise InputError(f"the input looks like {what}, not HTML")
        text, encoding = decode_with_encoding(page, encoding)
    elif isinstance(page, str):
        page = whole_characters(page)  # as extract_blocks reads it: a surrogate pair is its character, not "??"
        what = sniff_binary(page[:BINARY_SAMPLE].encode("latin-1", errors="replace"))
        if what is not None:
            raise InputError(f"the input looks like {what} (decoded as text), not HTML")
        # the raw bytes' check on the text's UTF-8 (a fifth of the time of searching the text itself)
        double = not page.isascii() and may_hold_mojibake(page.encode("utf-8", errors="surrogatepass"))
        text, encoding = (repair_mojibake(page) if double else page), "str"
    else:
        hint = ": read the file first (Path.read_bytes())" if isinstance(page, os.PathLike) else ""
        raise InputError(f"a page must be bytes or str, not {type(page).__name__}{hint}")
    if "&#" in text:
        text = _CONTROL_REF_RE.sub(_control_ref, text)
    if _JSON_START_RE.match(text) and looks_like_json(_CONTROL_RE.sub("", text)):
        raise InputError("the input is JSON, not HTML")
    listing = page_list_kind(text[:PAGE_LIST_SNIFF_CHARS])
    if listing is not None:
        raise InputError(f"the input is {listing}")
    archive = _crawl_archive(text)
    if archive is not None:
        raise InputError(f"the input is {archive}")
    named = names_a_page(text)
    if named is not None:
        raise InputError(f"the input is {named} ({text.strip()[:200]}), not a page's HTML: {_PASS_THE_PAGE[named]}")
    root = _parse(text)
    deep, end_br = _parse_errors()
    if deep:  # libxml2 gives up on the whole document past 2,048 open elements; flatten the excess and parse again.
        text = flatten_nesting(text)
        root = _parse(text)
        end_br = _parse_errors()[1]
    if end_br:
        # libxml2 ignores an end tag </br>, which browsers read as <br>. Looked for in its error log, which the parse
        # writes anyway: a search of every page's text for it took 0.4 ms on the median page.
        text = _END_BR_RE.sub("<br>", text)
        root = _parse(text)
    title = _title(root)
    if len(title) > MAX_TITLE_CHARS and _UNCLOSED_TITLE_RE.search(text) and not _CLOSE_TITLE_RE.search(text):
        # A <title> never closed swallows the rest of the page (it is raw text up to </title>); close it at the
        # end of its line, where the author meant it to end.
        text = _UNCLOSED_TITLE_RE.sub(lambda m: m.group(0) + "</title>", text, count=1)
        root = _parse(text)
        title = _title(root)
    if "shadowroot" in text or "shadowRoot" in text:
        _open_shadow_roots(root)
    _end_foreign_content(root, text)
    mark_formulas(root, text)  # before <math> and <script> go: their TeX, for rendering only (formulas.py)
    _drop_invisible(root)
    return Document(root=root, encoding=encoding, title=title)
