"""p(content) -> labels.

The model scores blocks one at a time; deciding turns the scores into the set of blocks to keep.

The cut is chosen per page (``half_best_f1``). The metrics score each page's F1, and the cut that maximises a
page's expected F1 is half the best F1 the page can expect (Lipton, Elkan and Narayanaswamy, "Optimal
Thresholding of Classifiers to Maximize F1 Measure", 2014): on a page where the model is sure of itself the
cut is near 0.5, on a page where it is unsure (a product page, a listing) it falls and keeps more, since there
a missed paragraph costs more recall than a kept menu costs precision. A model's validated ``cut_floor_``
keeps it from falling too far. Against one fixed threshold (README, settings table): the held-out training
pages score alike (shingle F1 -0.0005; wcxb +0.002, dragnet -0.006), the test splits +0.0023 (wcxb +0.008).

Besides the cut it removes *repeats*: responsive sites render the same paragraph two or three times for
different screen sizes (only one copy is visible), and teasers repeat a paragraph of the article. A long block
whose exact text was already kept adds nothing a reader wants, so only its first kept copy stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.groups import page_runs

# Short texts ("Reply", "Read more", a date) legitimately repeat inside content; a paragraph of this many tokens
# does not. Chosen as the smallest value that removed the duplicated responsive copies in wcxb's train split.
REPEAT_MIN_TOKENS = 8


def drop_repeats(texts: Sequence[str], n_tokens: Sequence[int], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Unkeep each kept block of at least REPEAT_MIN_TOKENS tokens whose text an earlier kept block has."""
    out = np.array(keep, dtype=bool)
    seen: set[str] = set()
    for i in np.flatnonzero(out).tolist():
        if n_tokens[i] < REPEAT_MIN_TOKENS:
            continue
        if texts[i] in seen:
            out[i] = False
        else:
            seen.add(texts[i])
    return out


def half_best_f1(
    proba: npt.NDArray[np.float64], tokens: npt.NDArray[Any], pages: npt.NDArray[Any] | None = None
) -> npt.NDArray[np.float64]:
    """For each row, half the best expected token F1 of its page: keeping the page's k most likely blocks is
    expected to score 2 * sum(p * t over them) / (their tokens + sum(p * t over the page)); the best k's score,
    halved, is the F1-maximising cut. Rows of a page need not be contiguous."""
    p = np.asarray(proba, dtype=np.float64)
    t = np.asarray(tokens, dtype=np.float64)
    if not len(p):
        return np.zeros(0)
    if pages is None:  # one page, as extraction has it: a fifth of the time of the grouped path below
        order = np.argsort(-p, kind="stable")
        pt = (p * t)[order]
        den = np.cumsum(t[order]) + pt.sum()
        f1 = np.divide(2.0 * np.cumsum(pt), den, out=np.zeros(len(den)), where=den > 0)
        return np.full(len(p), f1.max() / 2.0)
    _, page = np.unique(pages, return_inverse=True)
    order = np.lexsort((-p, page))
    g, pt, tt = page[order], (p * t)[order], t[order]
    starts, lengths = page_runs(g)

    def cumsum_in_page(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        c = np.cumsum(x)
        return c - np.repeat(np.r_[0.0, c[starts[1:] - 1]], lengths)

    kept_pt, kept_t = cumsum_in_page(pt), cumsum_in_page(tt)
    total_pt = np.repeat(kept_pt[np.r_[starts[1:] - 1, len(g) - 1]], lengths)
    den = kept_t + total_pt
    f1 = np.divide(2.0 * kept_pt, den, out=np.zeros(len(den)), where=den > 0)
    best = np.maximum.reduceat(f1, starts)
    return best[page] / 2.0


def decide(
    texts: Sequence[str], n_tokens: Sequence[int], proba: npt.NDArray[np.float64], threshold: float | npt.NDArray[Any]
) -> npt.NDArray[np.bool_]:
    """Blocks to keep: probability at or above ``threshold`` (one cut, or one per block), first copies only."""
    return drop_repeats(texts, n_tokens, np.asarray(proba) >= threshold)
