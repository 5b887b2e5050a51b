"""page -> its convention: which training source's idea of content a page looks like it follows.

The labelled datasets disagree on what is content: one keeps the headline and another does not, one keeps
reader comments or captions and another drops them. A model that learns from all of them at once averages their
rules, and each dataset's own model beats the shared one on its own test split (README, "Which datasets help
which"). Where a page comes from is not a property of any one block, but the page as a whole shows it: its
profile (the page columns of the features) and its markup (``markup.py``: doctype, HTML5 tags, libraries).

A small multiclass forest reads those and gives each page the probability that it follows each training
source's convention; the probabilities are appended to every row of the page, so that both stages of the block
classifier can learn each source's rules where they differ. The training pages get out-of-fold probabilities, as
the block forests will see on pages the page classifier never fitted (session 18, over eight seeds: held out
+0.0028 [+0.0014, +0.0045], test +0.0021 [+0.0007, +0.0035]; docs/experiments.md).

Prediction needs numpy only: each class is a ``Forest`` of its own raw scores, combined by a softmax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.features import FEATURE_NAMES
from blocksift.forest import Forest
from blocksift.groups import page_runs, page_starts
from blocksift.markup import MARKUP_NAMES

# The feature columns that are the same on every row of a page: its profile and page-level figures.
PAGE_FEATURES: tuple[str, ...] = tuple(
    n for n in FEATURE_NAMES if n.startswith(("pagemean_", "page_")) or n == "best_region_share"
)
PAGE_COLUMNS = np.array([FEATURE_NAMES.index(n) for n in PAGE_FEATURES], dtype=np.intp)
# What the page classifier reads, in order: the page columns, then the markup signals.
INPUT_NAMES: tuple[str, ...] = (*PAGE_FEATURES, *(f"markup_{n}" for n in MARKUP_NAMES))
# Folds of the out-of-fold probabilities of the training pages.
FOLDS = 5


def page_inputs(
    X: npt.NDArray[np.float32], groups: npt.NDArray[Any], markup: npt.NDArray[Any] | None
) -> npt.NDArray[np.float32]:
    """One row per page (in the order the pages' rows come): its page columns and its markup signals.
    ``markup`` has one row of ``markup.markup_signals`` per page; a ValueError says what is missing."""
    starts = page_starts(groups)
    if markup is None:
        raise ValueError(
            "this model reads each page's markup signals: pass markup=blocksift.markup.markup_signals(html), "
            "one row per page (blocksift's own extraction does)"
        )
    signals = np.asarray(markup, dtype=np.float32).reshape(-1, len(MARKUP_NAMES))
    if len(signals) != len(starts):
        raise ValueError(f"markup has {len(signals)} rows for {len(starts)} pages: give one row per page")
    return np.hstack([X[starts][:, PAGE_COLUMNS], signals])


def to_rows(per_page: npt.NDArray[Any], groups: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Each page's row repeated over the page's rows."""
    return np.repeat(np.asarray(per_page, dtype=np.float32), page_runs(groups)[1], axis=0)


@dataclass(frozen=True)
class Conventions:
    """The page classifier: ``classes`` are the training sources (dataset names), ``forests`` one per class
    (or one for two classes, as scikit-learn fits a binary model, its score the second class's log-odds)."""

    classes: tuple[str, ...]
    forests: tuple[Forest, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The columns appended to the block features, one per class."""
        return tuple(f"convention_{c}" for c in self.classes)

    def page_proba(self, inputs: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Each page's probability of following each class's convention (rows: pages, columns: ``classes``)."""
        if len(self.forests) == 1:
            p = self.forests[0].predict_proba(inputs)
            return np.column_stack([1.0 - p, p])
        raw = np.column_stack([f.decision_function(inputs) for f in self.forests])
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
        return np.asarray(raw / raw.sum(axis=1, keepdims=True), dtype=np.float64)

    def columns(
        self, X: npt.NDArray[np.float32], groups: npt.NDArray[Any], markup: npt.NDArray[Any] | None
    ) -> npt.NDArray[np.float32]:
        """The convention columns of every row (``page_proba`` of its page)."""
        if not len(X):
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return to_rows(self.page_proba(page_inputs(X, groups, markup)), groups)


def page_classifier(seed: int, max_iter: int = 200) -> Any:
    """The page classifier's recipe: small trees, a slow rate (about 4,000 training pages, 75 inputs)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=max_iter, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=10, random_state=seed
    )


def fit_conventions(
    X: npt.NDArray[np.float32],
    groups: npt.NDArray[Any],
    markup: npt.NDArray[Any] | None,
    sources: Sequence[str],
    seed: int = 0,
    max_iter: int = 200,
) -> tuple[Conventions, npt.NDArray[np.float32], float]:
    """The page classifier fitted on every page, each row's out-of-fold convention columns (``FOLDS`` folds of
    pages, so that the block forests learn from probabilities like those of pages never seen), and the share of
    pages whose source the out-of-fold guess names. ``sources`` names each page's source, one per page."""
    from sklearn.model_selection import StratifiedKFold

    inputs = page_inputs(X, groups, markup)
    classes = tuple(sorted(set(sources)))
    if len(sources) != len(inputs):
        raise ValueError(f"sources has {len(sources)} entries for {len(inputs)} pages: give one per page")
    y = np.array([classes.index(s) for s in sources])
    folds = min(FOLDS, int(np.bincount(y).min()))
    oof = np.zeros((len(y), len(classes)))
    if folds >= 2:
        for fit, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(inputs, y):
            oof[held] = _fitted(inputs[fit], y[fit], seed, max_iter).page_proba(inputs[held])
    full = _fitted(inputs, y, seed, max_iter)
    if folds < 2:  # a source with a single page: no folds to hold it out of; its own fit's guess
        oof = full.page_proba(inputs)
    full = Conventions(classes, full.forests)
    return full, to_rows(oof, groups), float(np.mean(oof.argmax(axis=1) == y))


def _fitted(inputs: npt.NDArray[np.float32], y: npt.NDArray[np.int64], seed: int, max_iter: int) -> Conventions:
    """A page classifier fitted on ``inputs`` (every class present; classes unnamed: indices)."""
    model = page_classifier(seed, max_iter).fit(inputs, y)
    n = len(model.classes_)
    forests = (Forest.from_sklearn(model),) if n == 2 else tuple(Forest.from_sklearn(model, k) for k in range(n))
    return Conventions(tuple(str(c) for c in model.classes_), forests)
