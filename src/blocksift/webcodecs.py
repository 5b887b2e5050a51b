"""Codecs that browsers have and Python lacks: EUC-JP as the WHATWG Encoding Standard decodes it.

Browsers decode EUC-JP's two-byte codes with the standard's JIS X 0208 index, the one their Shift_JIS uses, which is
Windows': it holds NEC's row 13 (①, №, ㈱) and the NEC-selected IBM characters (rows 0xF9-0xFC), and reads six marks
as Windows does (FULLWIDTH TILDE where JIS has WAVE DASH). Python's ``euc_jp`` has JIS's table: it rejects those
characters, so a page holding one ① failed its declared charset and went to the statistical guess, and it gives
the six marks JIS's way. ``web-euc-jp`` is Python's ``euc_jp`` with both mended: a two-byte code that ``euc_jp``
rejects is the same JIS X 0208 position in cp932 (one index, two byte layouts), and the six marks are mapped after.
Checked against Node's ``TextDecoder("euc-jp")`` on every two-byte code: identical wherever either defines one.

The three-byte codes (0x8F, then JIS X 0212) are Python's but for one: the standard's JIS X 0212 index reads
0x8F 0xA2 0xB7 as FULLWIDTH TILDE, Python's as "~". The index stops at pointer 7210 (row 0xED), so the IBM rows
0xF3-0xF4 that Node's ICU decoder reads (small Roman numerals, ㈱) are errors in browsers, as they are here.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

NAME = "web-euc-jp"
# JIS's reading -> Windows' (and the standard's), for the six marks where they differ. In Python's euc_jp these
# code points come only from those six JIS X 0208 codes, so mapping them afterwards is exact.
_WINDOWS_MARKS = str.maketrans(
    {"\u301c": "\uff5e", "\u2016": "\u2225", "\u2212": "\uff0d", "\xa2": "\uffe0", "\xa3": "\uffe1", "\xac": "\uffe2"}
)


def _jis_as_cp932(pair: bytes) -> str | None:
    """The character at a two-byte EUC-JP code's JIS X 0208 position, read from cp932 (its Shift_JIS layout)."""
    if len(pair) != 2 or not (0xA1 <= pair[0] <= 0xFE and 0xA1 <= pair[1] <= 0xFE):
        return None
    lead, trail = divmod((pair[0] - 0xA1) * 94 + pair[1] - 0xA1, 188)
    sjis = bytes((lead + (0x81 if lead < 0x1F else 0xC1), trail + (0x40 if trail < 0x3F else 0x41)))
    try:
        return sjis.decode("cp932")
    except UnicodeDecodeError:
        return None


def _unknown_jis0212(code: bytes) -> bool:
    """True for a whole three-byte code (0x8F and two bytes 0xA1-0xFE): where Python rejects one, it is an error in
    browsers too, one error for the three bytes, where Python's stops at 0x8F and reads the other two as a kanji."""
    return len(code) == 3 and code[0] == 0x8F and 0xA1 <= code[1] <= 0xFE and 0xA1 <= code[2] <= 0xFE


def _handler(fallback: str) -> str:
    """Register an error handler that reads what euc_jp rejects from cp932, else does as ``fallback`` does."""
    name = f"blocksift-{NAME}-{fallback}"
    otherwise = codecs.lookup_error(fallback)

    def handle(exc: UnicodeError) -> tuple[str | bytes, int]:
        """The error stands where cp932 has nothing either. This frame's name for it is deleted first, as in
        ``mojibake._c1_as_bytes``: a raised error's traceback holds this frame, and a frame that still held the
        error would keep it, and through it the whole page (``exc.object``), in a reference cycle."""
        if isinstance(exc, UnicodeDecodeError):
            found = _jis_as_cp932(exc.object[exc.start : exc.start + 2])
            if found is not None:
                return found, exc.start + 2
            if _unknown_jis0212(exc.object[exc.start : exc.start + 3]):
                exc.end = exc.start + 3  # one error for the whole code, as in browsers (not 0x8F alone)
            elif exc.end - exc.start > 1 and min(exc.object[exc.start + 1 : exc.end]) < 0x80:
                exc.end = exc.start + 1  # an ASCII byte after a lead is read again, as in browsers (euc_jp ate it)
        try:
            return otherwise(exc)
        finally:
            del exc

    codecs.register_error(name, handle)
    return name


_HANDLERS = {mode: _handler(mode) for mode in ("strict", "replace", "ignore", "surrogateescape")}


# JIS X 0212's tilde, which the standard reads as FULLWIDTH TILDE and euc_jp as "~". 0x8F is only ever a lead byte in
# EUC-JP (trail bytes are 0xA1-0xFE), so the three bytes are always one character.
_JIS0212_TILDE = b"\x8f\xa2\xb7"


def _decode(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
    """The text between JIS X 0212's tildes is decoded piece by piece, so that an error's place is the caller's
    (``page._without_broken`` cuts at it): bytes replaced before decoding would have moved every error after them.
    The error is raised after its ``except`` block: raised inside it, it would hold the piece's error, whose frame
    holds it back, and the page with them, in a reference cycle (as ``_handler`` says)."""
    raw = bytes(data)
    handler = _HANDLERS.get(errors, errors)
    texts: list[str] = []
    at = 0
    failed: tuple[int, int, str] | None = None
    for part in raw.split(_JIS0212_TILDE):
        try:
            texts.append(codecs.decode(part, "euc_jp", handler))
        except UnicodeDecodeError as exc:
            failed = (at + exc.start, at + exc.end, exc.reason)
            break
        at += len(part) + len(_JIS0212_TILDE)
    if failed is not None:
        raise UnicodeDecodeError(NAME, raw, *failed)
    return "\uff5e".join(texts).translate(_WINDOWS_MARKS), len(raw)


def _encode(text: str, errors: str = "strict", /) -> tuple[bytes, int]:
    return codecs.encode(text, "euc_jp", errors), len(text)


_INFO = codecs.CodecInfo(_encode, _decode, name=NAME)


def _search(name: str) -> codecs.CodecInfo | None:
    return _INFO if name.replace("_", "-") == NAME else None


codecs.register(_search)
