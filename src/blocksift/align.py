"""blocks + gold text -> training labels.

A block's *alignment* is the share of its tokens that sit inside a run of ``SHINGLE`` consecutive page tokens that
also occurs in the gold text. Runs are taken over the page's whole token stream, across block boundaries, so a
two-word heading that the gold keeps (it is followed there by the same paragraph as on the page) aligns, while the
same two words in a menu do not. Matching is exact on case-kept ``\\w+`` tokens, the benchmark's own tokens, and is
done on 64-bit hashes of the runs with numpy, so a 1 MB page aligns in milliseconds.

A block is labelled content when its alignment reaches ``CONTENT_MIN_ALIGNED``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blocksift.blocks import TOKEN_RE, Segmentation
from blocksift.charclass import token_counts

SHINGLE = 4
# Calibrated on the shared datasets' train splits with `blocksift label --report` (see README): 0.5 and 0.7 were
# within 0.002 of each other on most datasets; the stricter rule gains on dragnet, whose gold leaves out
# captions and bylines that share a few runs with the article.
CONTENT_MIN_ALIGNED = 0.7

_MULT = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Alignment:
    """Per-block aligned share and the content label derived from it."""

    aligned: npt.NDArray[np.float64]
    labels: npt.NDArray[np.bool_]


def _token_ids(tokens: list[str]) -> npt.NDArray[np.uint64]:
    """A 64-bit id per token: Python's string hash, computed in C (twice as fast as numbering the tokens through a
    dict). Equal tokens get equal ids; two different tokens of one page and its gold share an id with a chance of
    about n**2 / 2**64, which would only make a run match that should not."""
    return np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens)).view(np.uint64)


def _run_hashes(ids: npt.NDArray[np.uint64], n: int) -> npt.NDArray[np.uint64]:
    """Hash of every run of ``n`` consecutive ids (wrapping 64-bit arithmetic)."""
    if len(ids) < n:
        return np.empty(0, dtype=np.uint64)
    h = np.zeros(len(ids) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * _MULT + ids[k : len(ids) - n + 1 + k] + np.uint64(1)
    return h


def aligned_share(seg: Segmentation, gold: str, shingle: int = SHINGLE) -> npt.NDArray[np.float64]:
    """Share of each block's tokens that lie in a run of ``shingle`` page tokens found in the gold."""
    n_blocks = len(seg.blocks)
    if n_blocks == 0:
        return np.zeros(0)
    gold_ids = _token_ids(TOKEN_RE.findall(gold))
    # One pass over the page: no ``\w+`` token runs across the spaces that join the blocks' texts, so the tokens are
    # the blocks' own, in order, and ``token_counts`` (segmentation's one-pass counter) says how many are each one's.
    texts = [b.text for b in seg.blocks]
    page_ids = _token_ids(TOKEN_RE.findall(" ".join(texts)))
    counts = np.array(token_counts(texts))
    n = max(1, min(shingle, len(gold_ids)))
    if len(gold_ids) == 0 or len(page_ids) < n:
        return np.zeros(n_blocks)
    hits = np.isin(_run_hashes(page_ids, n), _run_hashes(gold_ids, n)).astype(np.int32)
    # A token is matched when any run that covers it is a hit.
    covered = np.convolve(hits, np.ones(n, dtype=np.int32))[: len(page_ids)] > 0
    owner = np.repeat(np.arange(n_blocks), counts)
    matched = np.bincount(owner, weights=covered, minlength=n_blocks)
    return matched / np.maximum(counts, 1)


def align(seg: Segmentation, gold: str, threshold: float = CONTENT_MIN_ALIGNED) -> Alignment:
    """Label each block of a page content (True) or boilerplate from the page's gold text."""
    aligned = aligned_share(seg, gold)
    return Alignment(aligned=aligned, labels=aligned >= threshold)
