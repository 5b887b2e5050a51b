"""Codecs that browsers have and Python lacks: EUC-JP as the WHATWG Encoding Standard decodes it.

Browsers decode EUC-JP's two-byte codes with the standard's JIS X 0208 index, the one their Shift_JIS uses, which is
Windows': it holds NEC's row 13 (①, №, ㈱) and the NEC-selected IBM characters (rows 0xF9-0xFC), and reads six marks
as Windows does (FULLWIDTH TILDE where JIS has WAVE DASH). Python's ``euc_jp`` has JIS's table: it rejects those
characters, so a page holding one ① failed its declared charset and went to the statistical guess, and it gives
the six marks JIS's way. ``web-euc-jp`` is Python's ``euc_jp`` with both mended: a two-byte code that ``euc_jp``
rejects is the same JIS X 0208 position in cp932 (one index, two byte layouts), and the six marks are mapped after.
Checked against Node's ``TextDecoder("euc-jp")`` on every two-byte code: identical wherever either defines one.
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
        try:
            return otherwise(exc)
        finally:
            del exc

    codecs.register_error(name, handle)
    return name


_HANDLERS = {mode: _handler(mode) for mode in ("strict", "replace", "ignore", "surrogateescape")}


def _decode(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
    data = bytes(data)
    text = codecs.decode(data, "euc_jp", _HANDLERS.get(errors, errors))
    return text.translate(_WINDOWS_MARKS), len(data)


def _encode(text: str, errors: str = "strict", /) -> tuple[bytes, int]:
    return codecs.encode(text, "euc_jp", errors), len(text)


_INFO = codecs.CodecInfo(_encode, _decode, name=NAME)


def _search(name: str) -> codecs.CodecInfo | None:
    return _INFO if name.replace("_", "-") == NAME else None


codecs.register(_search)
