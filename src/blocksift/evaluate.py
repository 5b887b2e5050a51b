"""Extractions scored against gold text, per dataset and as the mean over datasets.

One scorer serves two questions: how good is a model (``evaluate``: the blocks the model keeps), and how good are
the training labels (``oracle``: exactly the blocks labelled content, the ceiling any model trained on them can
reach). Both use the feature-row cache, so scoring thousands of pages takes seconds once rows exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.datasets import Page
from blocksift.decide import checked_threshold
from blocksift.metrics import PageCounts, shingle_counts, shingle_score, word_f1_page
from blocksift.predictor import Predictor
from blocksift.table import PageRows, build_rows, labels_refused, rows_proba


@dataclass(frozen=True)
class PageResult:
    """One page's extraction and scores."""

    page: Page
    extracted: str
    counts: PageCounts
    word_f1: float
    correct_blocks: int
    blocks: int
    error: str | None = None


@dataclass
class DatasetScore:
    """The figures of one dataset: shingle precision, recall, F1 (benchmark averaging), word F1, block accuracy.

    ``pages``: the pages the figures are over (one that cannot be read among them, as an empty extraction);
    ``failed``: the pages that failed, each named on stderr; ``left_out``: those of them not in the figures (no gold,
    or a refused labels file). The pages read are ``pages + left_out``: "pages 18, failed 2" over 17 pages scored
    read as if every page counted."""

    dataset: str
    pages: int = 0
    failed: int = 0
    left_out: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    word_f1: float = 0.0
    block_accuracy: float = 0.0
    results: list[PageResult] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The figures without the page results."""
        keys = ("dataset", "pages", "failed", "left_out", "precision", "recall", "f1", "word_f1", "block_accuracy")
        return {k: getattr(self, k) for k in keys}

    @property
    def read(self) -> int:
        """The pages among the figures that were read (not failed): a dataset without one is left out of the mean."""
        return self.pages - (self.failed - self.left_out)


@dataclass
class Report:
    """Per-dataset scores and their means (each dataset counts once, whatever its size)."""

    datasets: list[DatasetScore]

    @property
    def mean(self) -> dict[str, float]:
        """Mean of each figure over the datasets."""
        keys = ("precision", "recall", "f1", "word_f1", "block_accuracy")
        scored = [d for d in self.datasets if d.read > 0]
        return {k: float(np.mean([getattr(d, k) for d in scored])) if scored else 0.0 for k in keys}

    def as_dict(self) -> dict[str, Any]:
        """Figures for scripts (``--json``)."""
        return {"datasets": [d.as_dict() for d in self.datasets], "mean": self.mean}


Chooser = Callable[[PageRows], npt.NDArray[np.bool_]]


def model_chooser(model: Predictor, threshold: float | None = None) -> Chooser:
    """Keep what ``model`` keeps on a page, exactly as ``extract`` does (and refuse the thresholds it refuses)."""
    threshold = checked_threshold(threshold)

    def choose(rows: PageRows) -> npt.NDArray[np.bool_]:
        if not len(rows.labels):
            return np.zeros(0, dtype=bool)
        return model.keep(rows.texts, rows.n_tokens, rows_proba(model, rows), threshold, rows.structure[:, 1])

    return choose


def oracle_chooser(rows: PageRows) -> npt.NDArray[np.bool_]:
    """Keep exactly the blocks labelled content."""
    return rows.labels.astype(bool)


def score_page(page: Page, rows: PageRows, choose: Chooser) -> PageResult:
    """Extract with ``choose`` and score against the page's gold text."""
    gold = page.read_gold()
    if rows.error is not None:
        return PageResult(page, "", shingle_counts("", gold), word_f1_page("", gold), 0, 0, rows.error)
    keep = choose(rows)
    text = "\n".join(t for t, k in zip(rows.texts, keep, strict=True) if k)
    correct = int(np.sum(keep == rows.labels))
    return PageResult(page, text, shingle_counts(text, gold), word_f1_page(text, gold), correct, len(keep))


def _dataset_score(name: str, results: list[PageResult]) -> DatasetScore:
    # A page that could not be read counts as an empty extraction: it lowers recall, as it would for a user. A page
    # with no gold at all cannot be scored: against an empty gold its empty extraction would count as a perfect one
    # (word F1 1), so it is counted as failed and left out of the figures; so is a page whose labels file is refused
    # (the page was read: scored as empty, its dataset's recall fell from 0.94 to 0.80).
    scored = [r for r in results if r.page.labelled and not labels_refused(r.error)]
    s = shingle_score([r.counts for r in scored])
    blocks = sum(r.blocks for r in scored)
    left_out = len(results) - len(scored)
    return DatasetScore(
        dataset=name,
        pages=len(scored),
        failed=sum(r.error is not None for r in scored) + left_out,
        left_out=left_out,
        precision=s.precision,
        recall=s.recall,
        f1=s.f1,
        word_f1=float(np.mean([r.word_f1 for r in scored])) if scored else 0.0,
        block_accuracy=sum(r.correct_blocks for r in scored) / blocks if blocks else 0.0,
        results=results,
    )


def score(
    pages: Sequence[Page],
    choose: Chooser,
    *,
    jobs: int = 1,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Score ``choose``'s extraction of every page, grouped by dataset in the order first seen."""
    return score_rows(pages, build_rows(pages, jobs=jobs, cache_dir=cache_dir, progress=progress), choose)


def score_rows(pages: Sequence[Page], rows: Sequence[PageRows], choose: Chooser) -> Report:
    """``score`` for rows already built (one row set per page, in the same order)."""
    by_dataset: dict[str, list[PageResult]] = {}
    for page, r in zip(pages, rows, strict=True):
        by_dataset.setdefault(page.dataset, []).append(score_page(page, r, choose))
    return Report([_dataset_score(name, results) for name, results in by_dataset.items()])


def worst_pages(score_: DatasetScore, n: int) -> list[PageResult]:
    """The ``n`` pages with the lowest shingle F1 (pages with no gold and no extraction do not count)."""
    return sorted(score_.results, key=lambda r: r.counts.f1)[:n]
