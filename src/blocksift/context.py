"""Second-stage features: what the first stage thinks of a block's neighbours and containers ("auto-context").

A block classifier that sees one block at a time makes isolated mistakes: a short paragraph in the middle of an
article scored as boilerplate, a teaser in a sidebar scored as content. The second stage reads the first stage's
probabilities around each block: of its neighbours in document order, of the blocks that share each of its
containers, and of the page as a whole, so that a block can follow its region. Rows of many pages are handled in
one pass; ``pages`` gives each row's page and rows of a page are contiguous and in document order.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.features import ANCESTOR_LEVELS
from blocksift.groups import page_runs

FloatArray = npt.NDArray[np.float64]
NEIGHBOURS = (-3, -2, -1, 1, 2, 3)
WINDOW = 5
HIGH = 0.5

CONTEXT_FEATURES: tuple[tuple[str, str], ...] = (
    ("ctx_p", "first-stage p(content) of the block"),
    *((f"ctx_nb{o:+d}_p", f"first-stage p of the block {abs(o)} {'before' if o < 0 else 'after'} (-1 past the page)")
      for o in NEIGHBOURS),
    ("ctx_win_mean_p", f"mean first-stage p of the blocks within {WINDOW} places (the block excluded)"),
    ("ctx_win_max_p", f"highest first-stage p within {WINDOW} places (the block excluded)"),
    *((f"ctx_anc{lv}_mean_p", f"token-weighted mean first-stage p of the blocks under ancestor {lv}")
      for lv in ANCESTOR_LEVELS),
    *((f"ctx_anc{lv}_content_share", f"share of the page's likely-content tokens under ancestor {lv}")
      for lv in ANCESTOR_LEVELS),
    ("ctx_page_mean_p", "token-weighted mean first-stage p of the page"),
    ("ctx_page_content_share", f"share of the page's tokens with first-stage p >= {HIGH}"),
    ("ctx_content_before", "share of the page's likely-content tokens before the block"),
    ("ctx_content_after", "share of the page's likely-content tokens after the block"),
    ("ctx_gap_prev_high", "log(1 + blocks back to the nearest likely-content block); 0 when none"),
    ("ctx_gap_next_high", "log(1 + blocks on to the nearest likely-content block); 0 when none"),
)  # fmt: skip
CONTEXT_NAMES: tuple[str, ...] = tuple(name for name, _ in CONTEXT_FEATURES)


def _page_bounds(pages: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and one-past-last row of each row's page."""
    starts, lengths = page_runs(pages)
    page_of = np.repeat(np.arange(len(starts)), lengths)
    return starts[page_of], (starts + lengths)[page_of]


def _shift(p: FloatArray, offset: int, start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> FloatArray:
    idx = np.arange(len(p)) + offset
    ok = (idx >= start) & (idx < end)
    return np.where(ok, p[np.clip(idx, 0, len(p) - 1)], -1.0)


def group_sum(inverse: npt.NDArray[np.int64], weights: FloatArray) -> FloatArray:
    """Sum of ``weights`` over each row's group (``inverse``: group numbers from np.unique), for every row."""
    return np.bincount(inverse, weights=weights)[inverse].astype(np.float64)


def _gaps(high: npt.NDArray[np.bool_], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> FloatArray:
    idx = np.arange(len(high))
    last = np.maximum.accumulate(np.where(high, idx, -1))
    prev = np.concatenate([[-1], last[:-1]])
    nxt_all = np.minimum.accumulate(np.where(high, idx, len(high))[::-1])[::-1]
    nxt = np.concatenate([nxt_all[1:], [len(high)]])
    gap_prev = np.where(prev >= start, np.log1p(idx - prev), 0.0)
    gap_next = np.where(nxt < end, np.log1p(nxt - idx), 0.0)
    return np.column_stack([gap_prev, gap_next])


def context_features(
    p: FloatArray, tokens: npt.NDArray[Any], structure: npt.NDArray[Any], pages: npt.NDArray[Any]
) -> npt.NDArray[np.float32]:
    """The CONTEXT_NAMES columns for every row, from first-stage probabilities ``p``."""
    n = len(p)
    if n == 0:
        return np.zeros((0, len(CONTEXT_NAMES)), dtype=np.float32)
    p = np.asarray(p, dtype=np.float64)
    tok = np.asarray(tokens, dtype=np.float64)
    pages = np.asarray(pages)
    kernel = _compiled_page_context() if "numba" in sys.modules else None
    if kernel is not None and pages[0] == pages[-1] and (pages == pages[0]).all():
        out = np.empty((n, len(CONTEXT_NAMES)), dtype=np.float32)
        kernel(p, tok, np.ascontiguousarray(structure, dtype=np.int64), np.log1p(np.arange(n + 1.0)), out)
        return out
    _, page_idx = np.unique(pages, return_inverse=True)
    start, end = _page_bounds(pages)
    cols: list[FloatArray] = [p]
    cols += [_shift(p, o, start, end) for o in NEIGHBOURS]

    csum = np.concatenate([[0.0], np.cumsum(p)])
    idx = np.arange(n)
    lo, hi = np.maximum(idx - WINDOW, start), np.minimum(idx + WINDOW + 1, end)
    count = hi - lo - 1
    cols.append(np.where(count > 0, (csum[hi] - csum[lo] - p) / np.maximum(count, 1), -1.0))
    win_max = np.full(n, -1.0)
    for o in range(1, WINDOW + 1):
        win_max = np.maximum(win_max, np.maximum(_shift(p, -o, start, end), _shift(p, o, start, end)))
    cols.append(win_max)

    high_tokens = tok * (p >= HIGH)
    page_tokens = group_sum(page_idx, tok)
    page_high = group_sum(page_idx, high_tokens)
    n_containers = int(structure.max()) + 1 if structure.size else 1
    means, shares = [], []
    for j in range(len(ANCESTOR_LEVELS)):
        _, group = np.unique(page_idx.astype(np.int64) * n_containers + structure[:, j], return_inverse=True)
        under_tokens = group_sum(group, tok)
        means.append(np.where(under_tokens > 0, group_sum(group, tok * p) / np.maximum(under_tokens, 1), p))
        shares.append(np.where(page_high > 0, group_sum(group, high_tokens) / np.maximum(page_high, 1), 0.0))
    cols += means + shares

    safe_tokens = np.maximum(page_tokens, 1)
    cols.append(group_sum(page_idx, tok * p) / safe_tokens)
    cols.append(page_high / safe_tokens)
    before = np.cumsum(high_tokens) - high_tokens
    page_before = before - before[start]
    safe_high = np.maximum(page_high, 1)
    cols.append(np.where(page_high > 0, page_before / safe_high, 0.0))
    cols.append(np.where(page_high > 0, (page_high - page_before - high_tokens) / safe_high, 0.0))
    out = np.column_stack([*cols, _gaps(p >= HIGH, start, end)])
    return out.astype(np.float32)


def _page_context_source(
    p: Any, tok: Any, structure: Any, log1p_of: Any, out: Any
) -> None:  # pragma: no cover - run compiled by numba (tests check it against context_features' numpy path)
    """``context_features`` of one page's rows, into ``out``, in one compiled pass (numba).

    On a page of a few hundred blocks the numpy version is some sixty small array operations, which cost as much
    as walking a forest; this loop does the same arithmetic in the same order (sums run in row order, as
    np.cumsum and np.bincount add), so the columns are identical. ``log1p_of[k]`` is np.log1p(k), computed by numpy
    so that the gap columns do not depend on the C library's log1p.
    """
    n = p.shape[0]
    levels = structure.shape[1]
    col = 0
    for i in range(n):
        out[i, col] = p[i]
    col += 1
    for off in NEIGHBOURS:
        for i in range(n):
            j = i + off
            out[i, col] = p[j] if 0 <= j < n else -1.0
        col += 1
    csum = np.zeros(n + 1)
    for i in range(n):
        csum[i + 1] = csum[i] + p[i]
    for i in range(n):
        lo, hi = max(i - WINDOW, 0), min(i + WINDOW + 1, n)
        count = hi - lo - 1
        out[i, col] = (csum[hi] - csum[lo] - p[i]) / max(count, 1) if count > 0 else -1.0
        best = -1.0
        for o in range(1, WINDOW + 1):
            left = p[i - o] if i - o >= 0 else -1.0
            right = p[i + o] if i + o < n else -1.0
            best = max(best, max(left, right))
        out[i, col + 1] = best
    col += 2
    high = np.empty(n)
    page_tokens = 0.0
    page_high = 0.0
    page_weighted = 0.0
    for i in range(n):
        high[i] = tok[i] * (1.0 if p[i] >= HIGH else 0.0)
        page_tokens += tok[i]
        page_high += high[i]
        page_weighted += tok[i] * p[i]
    size = 1
    for i in range(n):
        for j in range(levels):
            size = max(size, structure[i, j] + 1)
    under = np.zeros(size)
    weighted = np.zeros(size)
    high_under = np.zeros(size)
    for j in range(levels):
        under[:] = 0.0
        weighted[:] = 0.0
        high_under[:] = 0.0
        for i in range(n):
            c = structure[i, j]
            under[c] += tok[i]
            weighted[c] += tok[i] * p[i]
            high_under[c] += high[i]
        for i in range(n):
            c = structure[i, j]
            out[i, col + j] = weighted[c] / max(under[c], 1.0) if under[c] > 0 else p[i]
            out[i, col + levels + j] = high_under[c] / max(page_high, 1.0) if page_high > 0 else 0.0
    col += 2 * levels
    safe_tokens = max(page_tokens, 1.0)
    safe_high = max(page_high, 1.0)
    run = 0.0
    for i in range(n):
        out[i, col] = page_weighted / safe_tokens
        out[i, col + 1] = page_high / safe_tokens
        run += high[i]
        before = run - high[i]
        out[i, col + 2] = before / safe_high if page_high > 0 else 0.0
        out[i, col + 3] = (page_high - before - high[i]) / safe_high if page_high > 0 else 0.0
    col += 4
    last = -1
    for i in range(n):
        out[i, col] = log1p_of[i - last] if last >= 0 else 0.0
        if p[i] >= HIGH:
            last = i
    nxt = n
    for i in range(n - 1, -1, -1):
        out[i, col + 1] = log1p_of[nxt - i] if nxt < n else 0.0
        if p[i] >= HIGH:
            nxt = i


@lru_cache(maxsize=1)
def _compiled_page_context() -> Callable[..., None] | None:
    """``_page_context_source`` compiled with numba (cached on disk), or None where numba is missing. Used once
    numba is loaded (forest.py loads it after a few pages), so a single extraction never waits for a compile."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return numba.njit(cache=True, nogil=True)(_page_context_source)  # type: ignore[no-any-return,unused-ignore]
