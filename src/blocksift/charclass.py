"""Counting character-class matches of many texts at once, from one array of code points per page.

Segmentation and the block features count, per block, the matches of a few patterns that are one character class
(``\\d``, punctuation, separators), a run of one (``\\w+``: the tokens), or a class after a word boundary
(``\\b[A-Z...]``). A regex substitution over the page's joined text did that in one call per pattern, but still
cost a seventh of an extraction. Here a page's texts become one numpy array of code points (one C-level encode),
each class a boolean lookup over it, and each text's count a difference of cumulative sums at the text boundaries.

Lookup tables cover the Basic Multilingual Plane and are made from the regex itself, the first time a class is
used, so they say exactly what ``re`` says (its Unicode tables, its ``\\w``). The rare code points above it
(emoji, historic scripts, CJK extension B) are asked of the regex one distinct code point at a time. A pattern that
is not one class (a copyright notice) is counted by ``match_counts``: one substitution over the page's joined texts.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import numpy.typing as npt

BMP = 0x10000
# A token: a run of word characters (Unicode \w), the unit of the metrics and of every count in the pipeline.
TOKEN_RE = re.compile(r"\w+")
# Texts joined by a character that page cleaning removes from every page (control characters never reach a block), so
# that one pass covers a whole page; for a regex, each match becomes _MARK, counted per text. A call per block and
# pattern cost more than the rest of segmentation or of the block features.
_SEP, _MARK = "\x00", "\x01"
# Characters per pass: a page's code-point array and the masks and running counts made from it are several bytes per
# character each, so a 10 MB page is counted a part at a time (issue 5: its peak memory); a common page is one part.
CHUNK_CHARS = 1 << 20
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@cache
def _bmp_table(pattern: str, flags: int) -> BoolArray:
    """Whether each code point of the BMP matches the one-character regex ``pattern`` (about 10 ms, once)."""
    rx = re.compile(pattern, flags)
    table = np.zeros(BMP, dtype=np.bool_)
    chars = "".join(map(chr, range(BMP)))
    table[[m.start() for m in rx.finditer(chars)]] = True
    return table


class PageText:
    """The texts of one page as a code-point array, with where each text starts and ends in it.

    Texts are joined with NUL, which page cleaning removes from every text, so no match spans two texts and no
    count changes; ``counts`` of a class are each text's number of matching characters.
    """

    def __init__(self, texts: list[str], joined: str) -> None:
        self.n = len(texts)
        self.joined = joined
        self.cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        self.top = int(self.cp.max()) if len(self.cp) else -1  # the highest code point (-1: no text)
        beyond = self.top >= BMP
        self.astral = self.cp >= BMP if beyond else None
        self.bmp_index = np.minimum(self.cp, BMP - 1) if beyond else self.cp
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=self.n)
        self.ends = np.cumsum(lengths + 1) - 1  # index of the NUL after each text (one past the end for the last)
        self.starts = self.ends - lengths

    @classmethod
    def of(cls, texts: list[str]) -> PageText | None:
        """The page's texts, or None where a text holds NUL itself (text that did not come through page cleaning)."""
        joined = _joined(texts)
        return None if joined is None else cls(texts, joined)

    def matches(self, pattern: str, flags: int = 0) -> BoolArray:
        """Per code point: does it match the one-character class ``pattern``?"""
        hit = np.take(_bmp_table(pattern, flags), self.bmp_index)
        if self.astral is not None:
            rx = re.compile(pattern, flags)
            for c in np.unique(self.cp[self.astral]).tolist():
                hit[self.cp == c] = rx.fullmatch(chr(c)) is not None
        return hit

    def counts(self, hit: BoolArray) -> IntArray:
        """Per text, how many of its code points are ``True`` in ``hit``."""
        if not len(hit):
            return np.zeros(self.n, dtype=np.int64)
        # int32 (pages are far below 2**31 code points) and no padded copy: on a 10 MB page this running count is the
        # largest array of the extraction.
        total = np.cumsum(hit, dtype=np.int32)
        upto = np.where(self.ends > 0, total[np.maximum(self.ends - 1, 0)], 0)
        before = np.where(self.starts > 0, total[np.maximum(self.starts - 1, 0)], 0)
        return (upto - before).astype(np.int64)

    def runs(self, hit: BoolArray) -> IntArray:
        """Per text, how many maximal runs of ``True`` it holds (``\\w+`` matches when ``hit`` is ``\\w``)."""
        return self.counts(self.after_boundary(hit, hit))

    def runs_holding(self, hit: BoolArray, joiner: BoolArray) -> IntArray:
        """Per text, how many maximal runs of ``hit`` or ``joiner`` hold a ``hit`` (``hit`` being word characters:
        its runs with the marks between and after them, but no run of joiners alone)."""
        starts = np.flatnonzero(self.after_boundary(hit, hit))  # where each run of hit begins
        if not len(starts):
            return np.zeros(self.n, dtype=np.int64)
        either = hit | joiner
        run = np.cumsum(self.after_boundary(either, either), dtype=np.int32)[starts]  # its run of hit-or-joiner
        first = np.zeros(len(hit), dtype=np.bool_)
        first[starts[np.r_[True, run[1:] != run[:-1]]]] = True  # the first run of hit in each
        return self.counts(first)

    def after_boundary(self, hit: BoolArray, word: BoolArray) -> BoolArray:
        """``hit`` where a word boundary (``\\b``, ``word`` being ``\\w``) comes before the code point: it and the
        one before (none at the start) differ in being word characters."""
        if not len(word):
            return hit
        before = np.empty_like(word)
        before[0] = False
        before[1:] = word[:-1]
        return hit & (before != word)


def _joined(texts: list[str]) -> str | None:
    """The texts joined with _SEP, or None where a text holds _SEP itself (it did not come through page cleaning)."""
    joined = _SEP.join(texts)
    return joined if joined.count(_SEP) == len(texts) - 1 else None


def chunks(texts: list[str], size: int = CHUNK_CHARS) -> list[list[str]]:
    """The texts in consecutive runs of about ``size`` characters (a longer text alone): every count here is per
    text, so counting run by run gives the same counts with arrays of a run's size."""
    if sum(map(len, texts)) <= size:
        return [texts]
    out: list[list[str]] = []
    run: list[str] = []
    total = 0
    for t in texts:
        if run and total + len(t) > size:
            out.append(run)
            run, total = [], 0
        run.append(t)
        total += len(t) + 1
    out.append(run)
    return out


def token_counts(texts: list[str]) -> list[int]:
    """``len(TOKEN_RE.findall(t))`` for each text (where a text holds NUL, asked of the regex text by text)."""
    return [n for part in chunks(texts) for n in _token_counts(part)]


def _token_counts(texts: list[str]) -> list[int]:
    page = PageText.of(texts)
    if page is None:
        return [len(TOKEN_RE.findall(t)) for t in texts]
    return page.runs(page.matches(r"\w")).tolist()


# The characters of scripts written without spaces between words whose every character is a word or a morpheme: Han
# ideographs (CJK Unified, extension A, compatibility, and the supplementary planes' extensions) and Japanese kana
# (full and half width). A \w+ run of Chinese or Japanese is a clause, so a paragraph counted as three "tokens" and
# looked like a caption to every count of length.
WORD_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
_WORD_CHAR = f"[{WORD_CHARS}]"
# Below the first of them (hiragana), a page holds none: its words are its tokens.
_FIRST_WORD_CHAR = 0x3040
# Combining marks are not \w, so \w+ cuts a word at each: Hindi's "हिन्दी" is three tokens, a Tamil, Bengali or
# vocalised Arabic or Hebrew line counts two to four times its words, and so does Latin text in decomposed form. A mark
# (Mn, Mc) and the zero-width (non-)joiners that Persian and Indic words hold continue a word. Not in Thai, Lao,
# Myanmar and Khmer, written without spaces between words: a \w+ run there is a phrase, and the marks' cuts leave
# pieces nearer a word. Nor variation selectors and the marks for symbols, which follow emoji and arrows.
_UNJOINED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x20D0, 0x20FF), (0xFE00, 0xFE0F))
_JOINER_EXTRA = (0x200C, 0x200D)
# Below the first mark (U+0300) a page holds no joiner.
_FIRST_JOINER = 0x0300


@cache
def joiner_class() -> str:
    """The regex class of the characters that continue a word (made from ``unicodedata`` on first use, ~10 ms)."""
    codes = [
        c
        for c in range(_FIRST_JOINER, BMP)
        if unicodedata.category(chr(c)) in ("Mn", "Mc") and not any(lo <= c <= hi for lo, hi in _UNJOINED)
    ]
    ranges: list[list[int]] = []
    for c in sorted([*codes, *_JOINER_EXTRA]):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "[" + "".join(f"\\u{lo:04x}" + (f"-\\u{hi:04x}" if hi > lo else "") for lo, hi in ranges) + "]"


@cache
def word_re() -> re.Pattern[str]:
    """A word: an ideograph or kana alone, or a run of other word characters and joiners that holds a word
    character (a mark after a space or an emoji's joiner is no word)."""
    other = f"(?:(?!{_WORD_CHAR})\\w)"
    return re.compile(f"{_WORD_CHAR}|{other}(?:{other}|{joiner_class()})*")


def word_counts(texts: list[str]) -> list[int]:
    """``len(word_re().findall(t))`` for each text: its tokens (``\\w+`` runs), but each ideograph or kana one word
    on its own, and a word's combining marks part of it. The length that segmentation, the features and the
    decision read; the metrics and the alignment with a gold text count tokens (``token_counts``), as the
    benchmarks define them."""
    return [n for part in chunks(texts) for n in _word_counts(part)]


def _word_counts(texts: list[str]) -> list[int]:
    page = PageText.of(texts)
    if page is None:
        rx = word_re()
        return [len(rx.findall(t)) for t in texts]
    word = page.matches(r"\w")
    alone = page.matches(_WORD_CHAR) if page.top >= _FIRST_WORD_CHAR else None
    if alone is not None:
        word &= ~alone
    joiner = page.matches(joiner_class()) if page.top >= _FIRST_JOINER else None
    joined = page.runs_holding(word, joiner) if joiner is not None and joiner.any() else page.runs(word)
    return (joined if alone is None else joined + page.counts(alone)).tolist()


def match_counts(rx: re.Pattern[str], texts: list[str]) -> list[int]:
    """``len(rx.findall(t))`` for each text, from one substitution over all of them, for the patterns that are not
    one character class (``rx`` must not match _SEP or _MARK)."""
    return [n for part in chunks(texts) for n in _match_counts(rx, part)]


def _match_counts(rx: re.Pattern[str], texts: list[str]) -> list[int]:
    joined = _joined(texts)
    if joined is None or _MARK in joined:  # not from a cleaned page: count one by one
        return [len(rx.findall(t)) for t in texts]
    return [part.count(_MARK) for part in rx.sub(_MARK, joined).split(_SEP)]
