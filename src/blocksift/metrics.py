"""The two standard quality metrics of ``datasets/README.md``.

* **Shingle F1** is the article-extraction benchmark's metric: tokens are ``\\w+`` matches (Unicode, case kept),
  a text becomes the multiset of its runs of 4 consecutive tokens (a text of 1-3 tokens is one run of them all).
  Precision and recall are computed per page, then averaged over the pages where they are defined, and F1 is
  the harmonic mean of the two averages (not the mean of per-page F1s).
* **Word F1** is the multi-type benchmark's metric: lowercase ``\\w+`` tokens as bags of words, F1 per page,
  averaged over pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TOKEN_RE = re.compile(r"\w+")
SHINGLE_SIZE = 4


def tokens(text: str) -> list[str]:
    """Split ``text`` into ``\\w+`` tokens, case kept (the benchmark's tokenisation)."""
    return TOKEN_RE.findall(text)


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of the runs of ``size`` consecutive tokens; a shorter non-empty text is one run of all its tokens."""
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < size:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


@dataclass(frozen=True)
class PageCounts:
    """Shingle counts of one page: true positives, false positives, false negatives."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        """Share of extracted shingles that are in the gold; None where nothing was extracted."""
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """Share of gold shingles that were extracted; None where the gold is empty."""
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        """This page's own shingle F1, for ranking pages (1.0 when neither side has a shingle). The benchmark's
        dataset figure is not the mean of these: ``shingle_score`` averages precision and recall first."""
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 1.0


def shingle_counts(extracted: str, gold: str) -> PageCounts:
    """Compare one page's extraction with its gold: shared shingles counted with multiplicity."""
    ext, ref = shingles(extracted), shingles(gold)
    tp = sum((ext & ref).values())
    return PageCounts(tp=tp, fp=sum(ext.values()) - tp, fn=sum(ref.values()) - tp)


@dataclass(frozen=True)
class ShingleScore:
    """Corpus-level shingle precision, recall and F1 (averaged per page as the benchmark does)."""

    precision: float
    recall: float
    f1: float
    pages: int


def shingle_score(pages: Iterable[PageCounts]) -> ShingleScore:
    """Aggregate per-page counts: mean precision over pages that extracted something, mean recall over pages
    with gold, F1 of the two means."""
    # As in the benchmark's evaluate.py, a page where both texts are empty counts in neither average.
    counts = list(pages)
    precisions = [p for c in counts if (p := c.precision) is not None]
    recalls = [r for c in counts if (r := c.recall) is not None]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return ShingleScore(precision=p, recall=r, f1=f1, pages=len(counts))


def shingle_f1(extracted: Sequence[str], gold: Sequence[str]) -> ShingleScore:
    """Shingle precision/recall/F1 of paired extractions and golds (one string per page)."""
    if len(extracted) != len(gold):
        raise ValueError(f"{len(extracted)} extractions but {len(gold)} gold texts; they must pair up")
    return shingle_score(shingle_counts(e, g) for e, g in zip(extracted, gold, strict=True))


def word_f1_page(extracted: str, gold: str) -> float:
    """Bag-of-words F1 of one page (lowercased ``\\w+`` tokens); 1 if both are empty, 0 if only one is."""
    ext = Counter(t.lower() for t in tokens(extracted))
    ref = Counter(t.lower() for t in tokens(gold))
    if not ext and not ref:
        return 1.0
    if not ext or not ref:
        return 0.0
    common = sum((ext & ref).values())
    if common == 0:
        return 0.0
    p = common / sum(ext.values())
    r = common / sum(ref.values())
    return 2 * p * r / (p + r)


def word_f1(extracted: Sequence[str], gold: Sequence[str]) -> float:
    """Mean per-page bag-of-words F1 of paired extractions and golds."""
    if len(extracted) != len(gold):
        raise ValueError(f"{len(extracted)} extractions but {len(gold)} gold texts; they must pair up")
    if not gold:
        return 0.0
    return sum(word_f1_page(e, g) for e, g in zip(extracted, gold, strict=True)) / len(gold)
