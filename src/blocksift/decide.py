"""p(content) -> labels.

The model scores blocks one at a time; deciding turns the scores into the set of blocks to keep.

The cut is chosen per page (``half_best_f1``). The metrics score each page's F1, and the cut that maximises a
page's expected F1 is half the best F1 the page can expect (Lipton, Elkan and Narayanaswamy, "Optimal
Thresholding of Classifiers to Maximize F1 Measure", 2014): on a page where the model is sure of itself the
cut is near 0.5, on a page where it is unsure (a product page, a listing) it falls and keeps more, since there
a missed paragraph costs more recall than a kept menu costs precision. A model's validated ``cut_floor_``
keeps it from falling too far. Against one fixed threshold (docs/experiments.md): the held-out training
pages score alike (shingle F1 -0.0005; wcxb +0.002, dragnet -0.006), the test splits +0.0023 (wcxb +0.008).

Besides the cut it removes *repeats*: responsive sites render the same paragraph two or three times for
different screen sizes (only one copy is visible), and teasers repeat a paragraph of the article. A long block
whose exact text was already kept adds nothing a reader wants, so only its first kept copy stays, but for a copy
whose owner shares a parent with the first copy's: a chorus, a clause a contract repeats, a table's repeated cell
are the page's own text, and responsive copies and teasers sit in containers of their own (session 33: on the
held-out training pages of seeds 2-5 +0.0016, higher on three; on the test splits +0.0006 on every
seed).

Before that it drops *islands*: a short kept block (``ISLAND_MAX_TOKENS`` tokens or fewer) that the model is not
sure of (p below ``ISLAND_BELOW``) and whose neighbours on both sides, in document order, are dropped. Content
comes in runs; such a block is mostly a stray teaser, date or caption line between pieces of furniture. On the
held-out training pages of four seeds it raised the mean shingle F1 by 0.0005 (every seed higher; no dataset
lower) and on the test splits by 0.0007 (docs/experiments.md, session 20). Larger islands or surer ones
(30 tokens below 0.8, 50 below 0.9, any length) were worth less or cost fundus and readability pages.
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
# Islands (see the module docstring): chosen on the held-out training pages of seeds 2-5 among 30/0.8, 50/0.9 and any
# length/0.9, as the one that raised the mean on every seed and lowered no dataset.
ISLAND_MAX_TOKENS = 10
ISLAND_BELOW = 0.6


def drop_islands(
    n_tokens: Sequence[int] | npt.NDArray[Any],
    proba: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
    max_tokens: int = ISLAND_MAX_TOKENS,
    below: float = ISLAND_BELOW,
) -> npt.NDArray[np.bool_]:
    """Unkeep each kept block of at most ``max_tokens`` tokens, p(content) under ``below``, whose previous and next
    blocks are both dropped (the page's first and last blocks have no block beyond them, which counts as dropped).
    Needs three blocks or more: on a page of one or two blocks, what is kept stays. The limits are parameters for
    ``benchmarks/decision_study.py``, which compares others."""
    keep = np.asarray(keep, dtype=bool)
    if len(keep) < 3:
        return keep.copy()
    alone = ~np.r_[False, keep[:-1]] & ~np.r_[keep[1:], False]
    short = np.asarray(n_tokens) <= max_tokens
    return keep & ~(alone & short & (np.asarray(proba) < below))


def drop_repeats(
    texts: Sequence[str],
    n_tokens: Sequence[int],
    keep: npt.NDArray[np.bool_],
    parents: Sequence[int] | npt.NDArray[Any] | None = None,
) -> npt.NDArray[np.bool_]:
    """Unkeep each kept block of at least REPEAT_MIN_TOKENS tokens whose text an earlier kept block has. Given each
    block's ``parents`` (the container above its owner), a copy whose owner shares the first copy's parent stays:
    a chorus, a repeated clause, a table's repeated cell are siblings, while responsive copies and teasers sit in
    containers of their own."""
    out = np.array(keep, dtype=bool)
    first: dict[str, int] = {}
    for i in np.flatnonzero(out).tolist():
        if n_tokens[i] < REPEAT_MIN_TOKENS:
            continue
        j = first.setdefault(texts[i], i)
        if j != i and (parents is None or parents[i] != parents[j]):
            out[i] = False
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
    texts: Sequence[str],
    n_tokens: Sequence[int],
    proba: npt.NDArray[np.float64],
    threshold: float | npt.NDArray[Any],
    parents: Sequence[int] | npt.NDArray[Any] | None = None,
) -> npt.NDArray[np.bool_]:
    """Blocks to keep: probability at or above ``threshold`` (one cut, or one per block), islands dropped, first
    copies only (but for copies beside their first, given each block's ``parents``: ``drop_repeats``)."""
    reached = np.asarray(proba) >= threshold
    return drop_repeats(texts, n_tokens, drop_islands(n_tokens, proba, reached), parents)


def checked_threshold(threshold: float | None) -> float | None:
    """``threshold`` as a float in [0, 1], or None (the model's per-page cut). Anything else is refused: a threshold
    above 1 (or NaN) keeps nothing and one below 0 keeps everything, which would pass for an extraction; a bool is no
    probability (``threshold=True`` is a mistake for another argument)."""
    if threshold is None:
        return None
    if isinstance(threshold, bool):  # a flag passed for a probability: True read as 1.0 kept nothing
        raise TypeError(f"threshold is a probability between 0 and 1 or None, not {threshold!r}")
    value = float(threshold)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"threshold must lie between 0 and 1, not {threshold!r} (lower keeps more text)")
    return value
