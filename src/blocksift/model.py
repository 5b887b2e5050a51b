"""The classifier: fit, predict_proba, threshold.

``BlockClassifier`` is a scikit-learn estimator over the feature matrix. Fitting:

1. holds out a share of the *pages* (GroupShuffleSplit on page ids: no page's blocks on both sides),
2. fits a HistGradientBoostingClassifier on the rest, each block weighted by its token count, capped, since the
   metrics count tokens and a 2,000-word block should not outweigh a hundred paragraphs, then divided by its
   page's total (``page_norm``), since the metrics average over pages and a long page should not outweigh ten,
3. picks the decision threshold that maximises token-level F1 on the held-out pages (precision and recall averaged
   per page, as the benchmark does), the floor of the per-page cut (``decide.half_best_f1``) likewise, and the
   best expected F1 below which a page keeps nothing (``empty_below_``: pages without main content; 0, off,
   unless it also keeps the mean of the pages' own F1), and records the held-out figures of the rule kept,
4. fits the final forest again on all pages, the held-out ones too, with the same settings, where asked
   (``refit``: a fifth more pages to learn from, for half as much fitting time again: +0.0045 on 30 training pages,
   nothing measurable from 120, +0.0005 on all the shared datasets' over eight seeds; docs/experiments.md), and
   keeps the trees as a plain-array ``Forest``. The threshold and the cut's floor chosen in step 3 carry over, and
   the held-out figures recorded are those of step 2's forest.

With ``context=True`` (the default) it is two-stage ("auto-context", DESIGN.md): a first, smaller forest scores
every block from its own features; the second sees those scores around each block too (``context.py``). The
first-stage scores it trains on are out-of-fold (page-grouped K-fold), so the second stage learns how far to trust
first-stage scores on pages the first stage has not seen. For prediction, one more first-stage forest is fitted on
all pages (``stage1_refit``), or else (the default) the K fold forests are averaged: as accurate on the held-out
and test pages, and a third less fitting time, for twice the first-stage trees to walk.

With ``conventions=True`` (the default) and pages of two sources or more, a page classifier comes first: it
guesses which source's convention of content each page follows from the page's profile and markup
(``convention.py``), and both stages read its probabilities, out of fold on the training pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, GroupShuffleSplit
from sklearn.utils.validation import check_is_fitted

from blocksift.context import context_features, group_sum
from blocksift.convention import FOLDS, Conventions, fit_conventions
from blocksift.decide import half_best_f1
from blocksift.errors import DatasetError
from blocksift.forest import Forest
from blocksift.predictor import Predictor, page_args

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
FLOOR_GRID = np.round(np.arange(0.0, 0.501, 0.025), 3)
# Best expected F1 below which a page yields no text (``Predictor.cuts``); 0 (first) leaves every page its cut.
EMPTY_GRID = np.round(np.arange(0.0, 0.501, 0.05), 2)
# The fewest blocks a leaf may hold where the rows are too few for ``min_samples_leaf`` (``_fit_booster``).
MIN_LEAF_FLOOR = 5


def _page_counts(
    groups: npt.NDArray[Any],
    tokens: npt.NDArray[Any],
    truth: npt.NDArray[np.bool_],
    pred: npt.NDArray[np.bool_],
    weights: npt.NDArray[Any] | None,
) -> tuple[npt.NDArray[Any], ...]:
    """Per page: true positive, false positive and false negative tokens, and the page's weight (the mean of its
    rows' ``weights``, 1 without them)."""
    _, g = np.unique(groups, return_inverse=True)
    tp = np.bincount(g, weights=tokens * (pred & truth))
    fp = np.bincount(g, weights=tokens * (pred & ~truth))
    fn = np.bincount(g, weights=tokens * (~pred & truth))
    w = np.ones(len(tp)) if weights is None else np.bincount(g, weights=weights) / np.bincount(g)
    return tp, fp, fn, w


def page_token_f1(
    groups: npt.NDArray[Any],
    tokens: npt.NDArray[Any],
    truth: npt.NDArray[np.bool_],
    pred: npt.NDArray[np.bool_],
    weights: npt.NDArray[Any] | None = None,
) -> tuple[float, float, float]:
    """Token precision, recall (each averaged over pages where defined, pages weighted by the mean of their rows'
    ``weights``) and their F1."""
    tp, fp, fn, w = _page_counts(groups, tokens, truth, pred, weights)
    has_p, has_r = tp + fp > 0, tp + fn > 0
    p = float(np.average(tp[has_p] / (tp + fp)[has_p], weights=w[has_p])) if has_p.any() else 0.0
    r = float(np.average(tp[has_r] / (tp + fn)[has_r], weights=w[has_r])) if has_r.any() else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def page_f1_mean(
    groups: npt.NDArray[Any],
    tokens: npt.NDArray[Any],
    truth: npt.NDArray[np.bool_],
    pred: npt.NDArray[np.bool_],
    weights: npt.NDArray[Any] | None = None,
) -> float:
    """The mean of the pages' own token F1 (1 where a page has no content and keeps none, 0 where only one of
    the two is empty), pages weighted as in ``page_token_f1``: the word-F1 benchmark's way of averaging."""
    tp, fp, fn, w = _page_counts(groups, tokens, truth, pred, weights)
    den = 2.0 * tp + fp + fn
    return float(np.average(np.divide(2.0 * tp, den, out=np.ones(len(tp)), where=den > 0), weights=w))


def best_threshold(
    groups: npt.NDArray[Any],
    tokens: npt.NDArray[Any],
    truth: npt.NDArray[np.bool_],
    proba: npt.NDArray[np.float64],
    weights: npt.NDArray[Any] | None = None,
) -> tuple[float, float]:
    """The threshold of THRESHOLD_GRID with the best page-averaged token F1, and that F1."""
    scores = [page_token_f1(groups, tokens, truth, proba >= t, weights)[2] for t in THRESHOLD_GRID]
    i = int(np.argmax(scores))
    return float(THRESHOLD_GRID[i]), float(scores[i])


def validation_split(
    groups: npt.NDArray[Any], fraction: float, seed: int | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Rows of the pages the final forest fits, and of the pages it holds out to choose the threshold: a share
    ``fraction`` of the pages (``groups``), drawn with ``seed``. The draw depends on the groups alone, so the
    benchmarks can name a trained model's held-out pages without its feature matrix."""
    split = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    tr, va = next(split.split(groups, groups=groups))
    return tr, va


# The ``verbose`` level from which scikit-learn's boosting prints its internals; below it only the stages are said.
VERBOSE_INTERNALS = 2


class BlockClassifier(Predictor, ClassifierMixin, BaseEstimator):
    """Gradient-boosted block classifier with a validated decision threshold.

    Parameters mirror HistGradientBoostingClassifier's; ``weight_cap`` caps the token-count weight of a block,
    ``page_norm`` divides each block's weight by its page's total weight to that power (1: every page weighs the same,
    as in the page-averaged metrics; 0: long pages weigh more), ``validation_fraction`` is the share of pages held out
    to choose the threshold, ``refit`` fits the final forest again on all pages after that. ``page_cut`` decides each
    page at half its best expected F1 with a floor chosen on the held-out pages (``cut_floor_``), where that scores
    better there than the fixed ``threshold_`` (which is kept for callers who ask for one cut). Blocks of at most
    ``short_tokens`` tokens (menu items, buttons, dates: 59% of the blocks of the shared datasets but 11% of their
    tokens) are subsampled at ``short_rate`` for fitting, their weight divided by the rate, which halves the fitting
    time with the same expected loss. ``context`` adds the first stage of ``context_folds`` forests of
    ``stage1_max_iter`` trees with ``stage1_max_leaf_nodes`` leaves; with ``stage1_refit`` prediction uses one
    first-stage forest fitted on all pages instead of the average of the fold forests (which still give the out-of-fold
    scores the second stage learns from): half the trees to walk. ``conventions`` adds a page classifier of the
    training sources' conventions (``convention.py``; ``convention_max_iter`` boosting iterations per class) when
    ``fit`` is given each page's source and markup signals.
    ``random_state`` seeds the page splits, the subsample and the boosting. ``verbose``: 1 says each stage, 2 also
    lets scikit-learn print its boosting's internals (binning, the time of each iteration).

    ``fit`` and ``predict_proba`` take the rows of whole pages: ``groups`` names each row's page (rows of a page
    contiguous, in document order), ``tokens`` its token count and ``structure`` its container ids
    (``features.structure``). Without them, the rows are taken as one page with no shared containers.
    """

    def __init__(
        self,
        *,
        max_iter: int = 150,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 127,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        max_bins: int = 255,
        weight_cap: float = 200.0,
        page_norm: float = 1.0,
        short_tokens: int = 3,
        short_rate: float = 0.25,
        context: bool = True,
        context_folds: int = 2,
        stage1_max_iter: int = 150,
        stage1_max_leaf_nodes: int = 63,
        stage1_refit: bool = False,
        conventions: bool = True,
        convention_max_iter: int = 200,
        validation_fraction: float = 0.2,
        refit: bool = False,
        page_cut: bool = True,
        random_state: int = 0,
        verbose: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_bins = max_bins
        self.weight_cap = weight_cap
        self.page_norm = page_norm
        self.short_tokens = short_tokens
        self.short_rate = short_rate
        self.context = context
        self.context_folds = context_folds
        self.stage1_max_iter = stage1_max_iter
        self.stage1_max_leaf_nodes = stage1_max_leaf_nodes
        self.stage1_refit = stage1_refit
        self.conventions = conventions
        self.convention_max_iter = convention_max_iter
        self.validation_fraction = validation_fraction
        self.refit = refit
        self.page_cut = page_cut
        self.random_state = random_state
        self.verbose = verbose

    def _check_fitted(self) -> None:
        """An estimator not fitted yet raises scikit-learn's ``NotFittedError`` in ``predict_proba``, ``predict`` and
        ``design``, as every scikit-learn estimator does (it was an ``AttributeError`` naming ``stage1_``)."""
        check_is_fitted(self, "forest_")

    def _fit_booster(
        self, X: npt.NDArray[Any], y: npt.NDArray[np.bool_], weight: npt.NDArray[Any], stage1: bool = False
    ) -> HistGradientBoostingClassifier:
        """A forest fitted to the rows given. On a few hundred blocks (a user's first labelled pages) a leaf may hold
        fewer than ``min_samples_leaf`` of them (a twentieth of the rows, at least ``MIN_LEAF_FLOOR``): with 40, a
        tree of 85 blocks had no split at all, and the model gave every block the same probability."""
        leaf = min(self.min_samples_leaf, max(MIN_LEAF_FLOOR, len(y) // 20))
        return self._booster(stage1, leaf).fit(X, y, sample_weight=weight)

    def _booster(self, stage1: bool = False, min_samples_leaf: int | None = None) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.stage1_max_iter if stage1 else self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.stage1_max_leaf_nodes if stage1 else self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf if min_samples_leaf is None else min_samples_leaf,
            l2_regularization=self.l2_regularization,
            max_bins=self.max_bins,
            early_stopping=False,
            random_state=self.random_state,
            # scikit-learn's own lines ("Binning ...", "Time spent ...") are detail: at the level that asks for it.
            verbose=int(self.verbose >= VERBOSE_INTERNALS),
        )

    def fit(
        self,
        X: npt.NDArray[Any],
        y: npt.NDArray[Any],
        *,
        groups: npt.NDArray[Any] | None = None,
        tokens: npt.NDArray[Any] | None = None,
        structure: npt.NDArray[Any] | None = None,
        sample_weight: npt.NDArray[Any] | None = None,
        markup: npt.NDArray[Any] | None = None,
        sources: Sequence[str] | None = None,
    ) -> BlockClassifier:
        """Fit on blocks ``X`` with content flags ``y`` (see the class docstring for the page arguments);
        ``sample_weight`` is an extra per-block weight. ``sources`` names each page's source (its dataset) and
        ``markup`` holds each page's ``markup.markup_signals``, one row per page in the order of their rows: with
        ``conventions`` and two sources or more, the model learns a page classifier of their conventions."""
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y).astype(bool)
        if len(y) and (y.all() or not y.any()):
            kind = "content" if y.all() else "boilerplate"
            raise DatasetError(
                f"every labelled block is {kind}: a model learns to tell the two apart only from blocks of both "
                "kinds (label some of the other kind, or adapt the shipped model to these pages with --from shipped)"
            )
        groups, tokens, structure = page_args(len(y), groups, tokens, structure)
        weight = self._page_normalised(np.minimum(tokens, self.weight_cap), groups)
        weight = weight * (1.0 if sample_weight is None else np.asarray(sample_weight))
        fit_rows = self._fit_rows(tokens)
        weight = weight / np.where(tokens <= self.short_tokens, self.short_rate, 1.0)
        self.classes_ = np.array([False, True])
        self.n_features_in_ = X.shape[1]
        self.stage1_: list[Forest] = []
        self.conventions_: Conventions | None = None
        if self.conventions and sources is not None and len(set(sources)) >= 2:
            X = np.hstack([X, self._fit_conventions(X, groups, markup, sources)])
        if self.context:
            oof = self._fit_stage1(X, y, groups, weight, fit_rows)
            X = np.hstack([X, context_features(oof, tokens, structure, groups)])
        self.threshold_ = 0.5
        self.cut_floor_: float | None = None
        self.empty_below_ = 0.0
        self.validation_: dict[str, Any] = {}
        if self.validation_fraction > 0 and len(np.unique(groups)) >= 5:
            tr, va = validation_split(groups, self.validation_fraction, self.random_state)
            fit_tr = tr[fit_rows[tr]]
            self._say(f"final forest: {len(fit_tr):,} blocks, {self.max_iter} iterations; {len(va):,} held out")
            booster = self._fit_booster(X[fit_tr], y[fit_tr], weight[fit_tr])
            page_weight = None if sample_weight is None else np.asarray(sample_weight)[va]
            # Kept for studies: these scores read the first stage's out-of-fold scores, as pages the model never saw
            # would be scored; predicting the held-out rows again would use first-stage forests fitted on them.
            self.held_out_rows_, self.held_out_proba_ = va, booster.predict_proba(X[va])[:, 1]
            self._validate(self.held_out_proba_, y[va], groups[va], tokens[va], page_weight)
            if not self.refit:
                self.forest_ = Forest.from_sklearn(booster)
                return self
        if self.validation_:
            self._say(f"final forest on all pages, the held-out ones too: {int(fit_rows.sum()):,} blocks")
        self.forest_ = Forest.from_sklearn(self._fit_booster(X[fit_rows], y[fit_rows], weight[fit_rows]))
        return self

    def _fit_conventions(
        self, X: npt.NDArray[np.float32], groups: npt.NDArray[Any], markup: npt.NDArray[Any] | None,
        sources: Sequence[str],
    ) -> npt.NDArray[np.float32]:  # fmt: skip
        """Fit the page classifier of the sources' conventions; returns every row's out-of-fold columns."""
        self._say(f"page classifier: {len(sources):,} pages of {len(set(sources))} sources, {FOLDS} folds")
        self.conventions_, columns, right = fit_conventions(
            X, groups, markup, sources, self.random_state, self.convention_max_iter
        )
        self.convention_accuracy_ = right
        self._say(f"page classifier: {right:.1%} of the pages' sources guessed right out of fold")
        return columns

    def _fit_stage1(
        self,
        X: npt.NDArray[np.float32],
        y: npt.NDArray[np.bool_],
        groups: npt.NDArray[Any],
        weight: npt.NDArray[np.float64],
        fit_rows: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.float64]:
        """Fit the first-stage fold forests; returns every row's out-of-fold first-stage probability."""
        oof = np.zeros(len(y))
        folds = min(self.context_folds, len(np.unique(groups)))
        if folds < 2:
            booster = self._fit_booster(X[fit_rows], y[fit_rows], weight[fit_rows], stage1=True)
            forest = Forest.from_sklearn(booster)
            self.stage1_ = [forest]
            return forest.predict_proba(X)
        for k, (tr, va) in enumerate(GroupKFold(n_splits=folds).split(X, y, groups), start=1):
            fit_tr = tr[fit_rows[tr]]
            self._say(f"first stage, fold {k} of {folds}: {len(fit_tr):,} blocks, {self.stage1_max_iter} iterations")
            booster = self._fit_booster(X[fit_tr], y[fit_tr], weight[fit_tr], stage1=True)
            forest = Forest.from_sklearn(booster)
            self.stage1_.append(forest)
            oof[va] = forest.predict_proba(X[va])
        if self.stage1_refit:
            self._say(f"first stage on all pages: {int(fit_rows.sum()):,} blocks, {self.stage1_max_iter} iterations")
            booster = self._fit_booster(X[fit_rows], y[fit_rows], weight[fit_rows], stage1=True)
            self.stage1_ = [Forest.from_sklearn(booster)]
        return oof

    def _say(self, message: str) -> None:
        """A progress line on stdout when ``verbose`` (the CLI sends stdout to stderr while training)."""
        if self.verbose:
            print(f"[blocksift] {message}", flush=True)

    def _validate(
        self,
        proba: npt.NDArray[np.float64],
        y: npt.NDArray[np.bool_],
        groups: npt.NDArray[Any],
        tokens: npt.NDArray[Any],
        weights: npt.NDArray[Any] | None,
    ) -> None:
        """Choose the threshold and the per-page cut's floor on held-out pages (weighted like the training pages)
        and record their figures under the rule kept."""
        self.threshold_, fixed_f1 = best_threshold(groups, tokens, y, proba, weights)
        if self.page_cut:
            half = half_best_f1(proba, tokens, groups)
            scores = [page_token_f1(groups, tokens, y, proba >= np.maximum(f, half), weights)[2] for f in FLOOR_GRID]
            i = int(np.argmax(scores))
            if scores[i] > fixed_f1:
                self.cut_floor_ = float(FLOOR_GRID[i])
            keep = proba >= self.cuts(proba, tokens, groups, empty=False)
            self.empty_below_ = self._choose_empty_below(keep, half, y, groups, tokens, weights)
        kept = proba >= self.cuts(proba, tokens, groups)  # the rule as prediction applies it
        p, r, f = page_token_f1(groups, tokens, y, kept, weights)
        self.validation_ = {
            "pages": len(np.unique(groups)),
            "blocks": len(y),
            "token_precision": p,
            "token_recall": r,
            "token_f1": f,
            "block_accuracy": float(np.mean(kept == y)),
            "threshold": self.threshold_,
            "fixed_threshold_token_f1": fixed_f1,
            "cut_floor": self.cut_floor_,
            "empty_below": self.empty_below_,
        }

    @staticmethod
    def _choose_empty_below(
        keep: npt.NDArray[np.bool_],
        half: npt.NDArray[np.float64],
        y: npt.NDArray[np.bool_],
        groups: npt.NDArray[Any],
        tokens: npt.NDArray[Any],
        weights: npt.NDArray[Any] | None,
    ) -> float:
        """The EMPTY_GRID value below which a page's best expected F1 makes it keep nothing: the one that scores
        best on the held-out pages among those that raise the benchmark's F1 (precision and recall averaged over
        pages) and do not lower the mean of the pages' own F1; 0 where none does.

        Section fronts and index pages have no main content (2 of cleanportaleval's 71 pages, 23 training pages
        in all); whatever is kept there is wrong, and the model's own expectation is what tells them from pages it
        is merely unsure of. Both figures must agree because they disagree on those other pages: keeping nothing
        on a page with content takes a low precision out of the benchmark's average (a gain there) while its own
        F1 falls to 0 (a loss to whoever reads the page)."""
        kept = [keep & (2.0 * half >= e) for e in EMPTY_GRID]
        benchmark = np.array([page_token_f1(groups, tokens, y, k, weights)[2] for k in kept])
        own = np.array([page_f1_mean(groups, tokens, y, k, weights) for k in kept])
        allowed = (benchmark > benchmark[0]) & (own >= own[0])
        if not allowed.any():
            return 0.0
        return float(EMPTY_GRID[int(np.argmax(np.where(allowed, benchmark, -np.inf)))])

    def _page_normalised(self, weight: npt.NDArray[np.float64], groups: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """Divide each block's weight by its page's total weight ** ``page_norm``, rescaled to the same mean.

        The metrics average precision and recall per page, so a page of 5,000 words counts as much as one of 300;
        token weights alone let long pages dominate the fit."""
        if not self.page_norm:
            return weight
        _, inverse = np.unique(groups, return_inverse=True)
        scaled = weight / np.maximum(group_sum(inverse, weight), 1.0) ** self.page_norm
        return scaled * (weight.sum() / max(scaled.sum(), 1e-12))

    def _fit_rows(self, tokens: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Which blocks the boosting sees: every long block, a seeded sample of the short ones."""
        rng = np.random.default_rng(self.random_state)
        if self.short_rate >= 1.0:
            return np.ones(len(tokens), dtype=bool)
        if not self.short_rate > 0.0:
            raise ValueError("short_rate must lie in (0, 1]")
        return (tokens > self.short_tokens) | (rng.random(len(tokens)) < self.short_rate)
