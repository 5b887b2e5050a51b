"""How sure is a lead? A paired bootstrap of one system's margin over another on the benchmark's figures.

The quality table reports one number per dataset and their mean; blocksift is judged on pages it has not seen,
drawn from the same kinds of sites. The pages are a sample, so a margin of +0.030 on the mean is an estimate: one
page of cleanportaleval's 15 moves that mean by 0.0038 (README, "Session 13's lesson"). This resamples the pages
of each dataset with replacement, the same draw for both systems (paired: a hard page is hard for both), scores
each draw exactly as the benchmark does (shingle precision and recall averaged over pages, then F1; word F1 the
mean of the pages' own), and reports the spread of the margin: a 95% interval, and the share of draws in which
it is above 0 and above a target.

``compare.py`` prints it for blocksift against the best peer of each dataset and of the mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RESAMPLES = 2000
SEED = 0


@dataclass(frozen=True)
class PageFigures:
    """Per-page figures of one system on one dataset's pages, in a fixed page order: shingle precision (NaN where
    nothing was extracted), shingle recall (NaN where the gold is empty) and word F1."""

    precision: npt.NDArray[np.float64]
    recall: npt.NDArray[np.float64]
    word_f1: npt.NDArray[np.float64]

    @classmethod
    def of(cls, counts: Sequence[tuple[int, int, int]], word_f1: Sequence[float]) -> PageFigures:
        """From (tp, fp, fn) shingle counts and word F1s, page by page."""
        c = np.asarray(counts, dtype=np.float64).reshape(-1, 3)
        tp, fp, fn = c[:, 0], c[:, 1], c[:, 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
            recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        return cls(precision, recall, np.asarray(word_f1, dtype=np.float64))


@dataclass(frozen=True)
class Margin:
    """One system's figure minus another's: on the pages as they are, and over the bootstrap draws."""

    observed: float
    low: float  # 2.5th percentile of the draws
    high: float  # 97.5th percentile
    above_zero: float  # share of draws with a margin > 0
    above_target: float  # share of draws with a margin >= the target


def _nanmean_rows(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row's mean over its defined entries, 0 for a row with none (``metrics.shingle_score``'s rule)."""
    defined = ~np.isnan(values)
    n = defined.sum(axis=1)
    total = np.where(defined, values, 0.0).sum(axis=1)
    return np.divide(total, n, out=np.zeros(len(values)), where=n > 0)


def _f1(p: npt.NDArray[np.float64], r: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.divide(2 * p * r, p + r, out=np.zeros(len(p)), where=p + r > 0)


def figure(pages: PageFigures, metric: str, draws: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """The dataset figure (``shingle_f1`` or ``word_f1``) of each draw, a row of page indices."""
    if metric == "shingle_f1":
        return _f1(_nanmean_rows(pages.precision[draws]), _nanmean_rows(pages.recall[draws]))
    if metric == "word_f1":
        return pages.word_f1[draws].mean(axis=1)
    raise ValueError(f"unknown metric {metric!r}")


def draws_for(
    sizes: Mapping[str, int], resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, npt.NDArray[np.intp]]:
    """Each dataset's bootstrap draws (``resamples`` rows of page indices), the first row the pages as they are."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, n in sizes.items():
        draws = rng.integers(0, n, size=(resamples + 1, n))
        draws[0] = np.arange(n)
        out[name] = draws
    return out


def differences(
    a: Mapping[str, PageFigures],
    b: Mapping[str, PageFigures],
    metric: str,
    draws: Mapping[str, npt.NDArray[np.intp]],
) -> npt.NDArray[np.float64]:
    """``a``'s figure minus ``b``'s in each draw (the first: the pages as they are), averaged over the datasets
    given (each weighs the same, as in the table's mean), with the same draws of pages for both."""
    return np.mean([figure(a[d], metric, draws[d]) - figure(b[d], metric, draws[d]) for d in a], axis=0)


def summarise(diff: npt.NDArray[np.float64], target: float = 0.0) -> Margin:
    """A ``Margin`` from ``differences`` (or their mean over several pairs of runs, draw by draw)."""
    boot = diff[1:]
    low, high = np.percentile(boot, [2.5, 97.5])
    return Margin(
        observed=float(diff[0]),
        low=float(low),
        high=float(high),
        above_zero=float(np.mean(boot > 0)),
        above_target=float(np.mean(boot >= target - 1e-12)),
    )


def margin(
    a: Mapping[str, PageFigures],
    b: Mapping[str, PageFigures],
    metric: str,
    draws: Mapping[str, npt.NDArray[np.intp]],
    target: float = 0.0,
) -> Margin:
    """``a``'s margin over ``b`` on the pages as they are and over the draws (``differences``)."""
    return summarise(differences(a, b, metric, draws), target)
