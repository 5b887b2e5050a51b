"""raw page -> markup signals: what dates a page's markup and tells one source from another.

The labelled datasets disagree on what a page's content is (the headline in or out, reader comments, captions),
and which convention a page's gold follows depends on where the page came from, not on any one block. The
parsed tree loses most of what tells sources apart: the doctype, XHTML, the HTML5 sectioning tags, the libraries
a page loads, how much of it is scripts and attributes. These signals, read from the raw bytes, let the page
classifier (``convention.py``) guess a page's convention; no block forest reads them.

The signals are counted in one pass over the lowered page per anchor byte (``_counts``), a megabyte at a time:
0.3 ms on the median test page, about a third of its lxml parse.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Present or not in the page's first 2 kB, where a doctype or XML prologue sits.
HEAD_BYTES = 2000
HEAD_SIGNALS = (b"<!doctype html>", b"<!doctype html public", b"xhtml", b"<?xml")
# Occurrences per kB of the whole page: tags, attributes, libraries, encodings.
PAGE_SIGNALS = (
    b"<section", b"<article", b"<nav", b"<header", b"<footer", b"<main", b"<figure", b"<table", b"<font",
    b"<center", b"<br", b"data-", b"class=", b"<script", b"<style", b"<link", b"wp-content", b"jquery",
    b"react", b"og:", b"web.archive.org", b"<iframe", b"<svg", b"charset=utf-8", b"charset=iso-8859",
    b'<meta name="viewport', b"schema.org", b"<time", b"aria-", b"<noscript", b"<span", b"<div",
)  # fmt: skip
# A paragraph tag with attributes or without, counted together (``<p`` alone would count <pre> and <param>).
PARAGRAPH_SIGNALS = (b"<p ", b"<p>")


def _name(signal: bytes) -> str:
    return "".join(c if c.isalnum() else "_" for c in signal.decode("ascii")).strip("_")


MARKUP_NAMES: tuple[str, ...] = (
    "log_bytes",
    *(f"head_{_name(s)}" for s in HEAD_SIGNALS),
    *(f"per_kb_{_name(s)}" for s in PAGE_SIGNALS),
    "per_kb_p",
)


# Each page signal is found at the occurrences of one of its bytes, its anchor: the first of these it holds, all
# rarer in HTML than the letters. The page's bytes around each occurrence are then compared with the signal, 8 at a
# time. "react" has none of them and is counted by ``bytes.count``.
ANCHORS = b"<-=:q."
_PAD = 32  # zero bytes on either side of the page: every comparison reads inside the buffer


def _anchor(signal: bytes) -> int:
    """Where the signal's anchor byte sits in it; -1 where it holds none."""
    return next((signal.index(b) for b in ANCHORS if b in signal), -1)


def _words(signal: bytes) -> tuple[tuple[int, np.uint64, np.uint64], ...]:
    """The signal in 8-byte words: (offset, mask, value), little-endian as ``_Page.words`` reads them."""
    return tuple(
        (o, np.uint64((1 << (8 * len(w))) - 1), np.uint64(int.from_bytes(w, "little")))
        for o, w in ((o, signal[o : o + 8]) for o in range(0, len(signal), 8))
    )


_COUNTED = (*PAGE_SIGNALS, *PARAGRAPH_SIGNALS)
_BY_ANCHOR: dict[int, list[tuple[int, int, tuple[tuple[int, np.uint64, np.uint64], ...]]]] = {}
for _i, _s in enumerate(_COUNTED):
    if _anchor(_s) >= 0:
        _BY_ANCHOR.setdefault(_s[_anchor(_s)], []).append((_i, _anchor(_s), _words(_s)))
_UNANCHORED = tuple((i, s) for i, s in enumerate(_COUNTED) if _anchor(s) < 0)


# Pages are counted a chunk at a time, so that what the counting holds stays bounded whatever the page: a position
# and a word (16 bytes) per anchor byte, which a hostile page of nothing but "<" would make of every byte.
CHUNK = 1 << 20


def _counts(data: bytes) -> npt.NDArray[np.float64]:
    """Occurrences of each of ``_COUNTED`` in the page, case ignored, as ``bytes.count`` gives them in the lowered
    page (none of the signals can overlap itself), in a fifth of its time: 34 scans of the page cost 1.1 ms on the
    median test page (63 kB), 6 scans for the anchors and comparisons at their occurrences 0.3 ms."""
    counts = np.zeros(len(_COUNTED))
    for start in range(0, len(data), CHUNK):
        counts += _chunk_counts(data, start)
    return counts


def _chunk_counts(data: bytes, start: int) -> npt.NDArray[np.float64]:
    """The occurrences that start (``_UNANCHORED``) or have their anchor (the others) in ``data[start:start +
    CHUNK]``: each occurrence of the page in exactly one chunk."""
    stop = min(start + CHUNK, len(data))
    before = min(start, _PAD)
    window = data[start - before : stop + _PAD].lower()
    padded = np.zeros(_PAD + len(window) + _PAD, dtype=np.uint8)
    padded[_PAD - before : _PAD - before + len(window)] = np.frombuffer(window, dtype=np.uint8)
    chunk = padded[_PAD : _PAD + stop - start]
    # the 8 bytes starting at each offset, as one little-endian word (a strided view: nothing is copied)
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    counts = np.zeros(len(_COUNTED))
    for byte, signals in _BY_ANCHOR.items():
        at = np.flatnonzero(chunk == byte) + _PAD
        first: dict[int, npt.NDArray[np.uint64]] = {}  # the words at each signal's start, shared by the signals
        for i, k, ((offset, mask, value), *rest) in signals:
            if k not in first:
                first[k] = words[at - k + offset]
            found = at[(first[k] & mask) == value]
            for offset, mask, value in rest:
                found = found[(words[found - k + offset] & mask) == value]
            counts[i] = len(found)
    for i, s in _UNANCHORED:  # those starting in the chunk: they end before its end + len(s) - 1
        counts[i] = window.count(s, before, before + stop - start + len(s) - 1)
    return counts


def markup_signals(html: bytes | str) -> npt.NDArray[np.float32]:
    """The page's size (log bytes), its doctype flags and its markup signals per kB, in ``MARKUP_NAMES``' order.

    Case is ignored (ASCII only, as in HTML's own names). Text is counted as its UTF-8 bytes, so a page gives
    the same signals as bytes or as the text decoded from them, wherever it was UTF-8."""
    if not isinstance(html, bytes | str):
        raise TypeError(f"a page must be bytes or str, not {type(html).__name__}")
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    kb = max(len(data) / 1024, 1.0)
    counts = _counts(data)
    head = data[:HEAD_BYTES].lower()
    n = len(PAGE_SIGNALS)
    return np.array(
        [
            np.log1p(len(data)),
            *(float(s in head) for s in HEAD_SIGNALS),
            *(counts[:n] / kb),
            counts[n:].sum() / kb,
        ],
        dtype=np.float32,
    )
