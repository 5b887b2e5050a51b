"""decoded text -> the same text with double-encoded UTF-8 repaired.

Some pages reach us encoded twice: their UTF-8 bytes were once read as Windows-1252 (or Latin-1) and written out as
UTF-8 again, so an apostrophe arrives as "â€™", a dash as "â€”" (or "â" and two control characters, by way of
Latin-1), "é" as "Ã©" and 日本 as "æ—¥æœ¬". The bytes are valid UTF-8 and usually say so, so no encoding detection can
see it; the text, its tokens and the features read from them are wrong, and so is every word of output that holds
such a character ("debtâ" where the page says "debt"). On the labelled datasets' pages, 70 hold such sequences in
their blocks' text; the gold of 48 of them has the characters the page meant, that of 22 kept the damage.

A sequence is repaired where its characters, as the bytes Windows-1252 (Latin-1 where it leaves a byte undefined)
gives them, are one well-formed UTF-8 character: a lead character (U+00C2-U+00F4) and one to three continuation
characters (bytes 0x80-0xBF), the shape that double encoding leaves. Text that only looks like it (an
upper-case É before a closing quote: "CAFÉ”", which as bytes is U+0254) is left alone twice over: the repaired
character must be of a kind that text holds (``_PLAUSIBLE``: Latin, Greek, Cyrillic, Hebrew, Arabic, Indic scripts,
punctuation and symbols, CJK, Hangul; not IPA letters, combining marks or NKo), and a page is repaired only where
it holds at least ``MIN_REPAIRS`` such sequences, as a page encoded twice does throughout.

The repair runs where it can be needed: on bytes, a search of the raw page for the bytes double encoding makes
(``_DOUBLE_UTF8_BYTES``: 0.03 ms on the median test page) says whether to look at the text at all.
"""

from __future__ import annotations

import codecs
import itertools
import re
from functools import lru_cache

# Repair a page only where it holds this many repairable sequences: a page encoded twice holds one for every
# non-ASCII character it meant (on the datasets' pages, from 5 to over a thousand), a page in its own right holds
# lookalikes by accident, one or two at most.
MIN_REPAIRS = 3

# The characters Windows-1252 puts at bytes 0x80-0x9F, by byte. Latin-1 reads those bytes as the C1 controls
# U+0080-U+009F instead (and Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined, which decoders turn
# into those controls too), so both are read back to the byte.
_CP1252_HIGH = {bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_CONTINUATION = "\u0080-\u00bf" + "".join(sorted(_CP1252_HIGH))


def _c1_as_bytes(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler: the C1 controls (U+0080-U+009F) Windows-1252 cannot encode, as the byte they stood for
    (Latin-1's reading); any other character is no byte, and the error stands.

    The error is raised again with this frame's name for it deleted: the raised error's traceback holds this frame,
    and a frame that still held the error would make a reference cycle that keeps the error, and through it the
    whole page being encoded (``error.object``), until a full garbage collection. A batch worker runs those rarely
    (``heap.collect_less_often``): 10,000 pages grew one by 67 MB before this."""
    if isinstance(error, UnicodeEncodeError):
        chars = error.object[error.start : error.end]
        if all(0x80 <= ord(c) <= 0x9F for c in chars):
            return chars.encode("latin-1"), error.end
    try:
        raise error
    finally:
        del error


codecs.register_error("blocksift-c1-bytes", _c1_as_bytes)
_SEQUENCE_RE = re.compile(
    f"[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}"
)
# The UTF-8 bytes of a double-encoded character, as they sit in the raw page: a lead byte 0xC2-0xF4 read as a
# Latin-1 character and encoded (C3 82-B4), then a continuation byte read as one (C2 80-BF, or a Windows-1252
# character: C5 92..., C6 92, CB 86/9C, E2 80 xx, E2 82 AC, E2 84 A2).
_DOUBLE_UTF8_BYTES = re.compile(
    rb"[\xc3][\x82-\xb4](?:\xc2[\x80-\xbf]|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]|\xc6\x92|\xcb[\x86\x9c]"
    rb"|\xe2(?:\x80[\x93-\xba]|\x82\xac|\x84\xa2))"
)
# Code point ranges a repaired character may fall in (inclusive): what pages hold. Left out: IPA letters
# (U+0250-U+02AF, where É and Ê before a quote or a dash lead), spacing modifiers and combining marks
# (U+02B0-U+036F), and Syriac to NKo (U+0700-U+07FF, where ß before a no-break space leads).
_PLAUSIBLE = (
    (0x00A0, 0x024F),  # Latin-1 supplement, Latin extended A and B
    (0x0370, 0x06FF),  # Greek, Cyrillic, Armenian, Hebrew, Arabic
    (0x0900, 0x1FFF),  # Indic scripts to Greek extended
    (0x2000, 0x2BFF),  # punctuation, currency, letterlike symbols, arrows, shapes, dingbats
    (0x2E80, 0xD7FF),  # CJK, kana, Hangul
    (0xF900, 0xFFFD),  # compatibility ideographs, presentation forms, full-width forms
    (0x10000, 0x10FFFF),  # emoji and the other planes
)


def _gaps(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The code points past ASCII that none of ``ranges`` (sorted, inclusive) holds, as inclusive ranges."""
    out, at = [], 0x80
    for lo, hi in ranges:
        if lo > at:
            out.append((at, lo - 1))
        at = hi + 1
    return out + ([(at, 0x10FFFF)] if at <= 0x10FFFF else [])


# Characters outside ``_PLAUSIBLE`` (past ASCII): no repaired sequence may be one, and a page decoded again at once
# must hold none of them.
_IMPLAUSIBLE_RE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _gaps(_PLAUSIBLE)) + "]")
_ASCII_RE = re.compile("[\x00-\x7f]")
# Characters repaired per piece of a page that mixes sequences with characters as meant.
CHUNK = 1 << 20


def _bytes_of(sequence: str) -> bytes:
    """The bytes a double-encoded sequence's characters stood for (each one byte, by Windows-1252 or Latin-1);
    ``UnicodeEncodeError`` where a character is no byte of either."""
    return sequence.encode("cp1252", errors="blocksift-c1-bytes")


@lru_cache(maxsize=4096)
def _repaired(sequence: str) -> str | None:
    """The character a sequence stood for, or None where its bytes are no well-formed UTF-8 character of a kind
    that pages hold (cached: a page repeats its few dozen distinct sequences)."""
    try:
        char = _bytes_of(sequence).decode("utf-8")
    except UnicodeError:
        return None
    return None if _IMPLAUSIBLE_RE.match(char) else char  # one character, past ASCII, as a sequence decodes to


def may_hold_mojibake(data: bytes) -> bool:
    """Whether a page's raw UTF-8 bytes hold a double-encoded character (cheap: no decoding)."""
    return _DOUBLE_UTF8_BYTES.search(data) is not None


def _whole(text: str) -> str | None:
    """The text decoded once more, all of it at once, where it is encoded twice throughout (every non-ASCII
    character part of a sequence, as on most pages encoded twice) and that gives enough plausible characters; else
    None. All in C: a 10 MB page encoded twice is repaired in a few tens of milliseconds."""
    try:
        fixed = _bytes_of(text).decode("utf-8")
    except UnicodeError:
        return None
    non_ascii = len(fixed) - len(fixed.encode("ascii", errors="ignore"))
    if non_ascii < MIN_REPAIRS or _IMPLAUSIBLE_RE.search(fixed):
        return None
    return fixed


def _replace(match: re.Match[str]) -> str:
    return _repaired(match.group()) or match.group()


def repair_mojibake(text: str) -> str:
    """``text`` with its double-encoded characters repaired (see the module docstring); ``text`` itself where it
    holds fewer than ``MIN_REPAIRS`` of them.

    A page encoded twice throughout is decoded again at once (``_whole``); one that mixes such sequences with
    characters as meant is repaired sequence by sequence, ``CHUNK`` characters at a time, so that the pieces of a
    huge page of them are never all held at once."""
    if text.isascii():
        return text
    whole = _whole(text)
    if whole is not None:
        return whole
    found = (m for m in _SEQUENCE_RE.finditer(text) if _repaired(m.group()))
    if sum(1 for _ in itertools.islice(found, MIN_REPAIRS)) < MIN_REPAIRS:
        return text
    parts: list[str] = []
    start = 0
    while start < len(text):
        cut = _ASCII_RE.search(text, min(start + CHUNK, len(text)))  # sequences are never cut: they hold no ASCII
        end = cut.start() if cut else len(text)
        parts.append(_SEQUENCE_RE.sub(_replace, text[start:end]))
        start = end
    return "".join(parts)
