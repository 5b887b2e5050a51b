"""Applying a trained model: the first-stage forests, the context columns, the final forest, the threshold.

Prediction needs only numpy (and numba when installed), never scikit-learn: importing scikit-learn takes longer
than extracting a hundred pages, so ``load_model`` returns a ``Model`` and only training imports the estimator
(``model.BlockClassifier``, which shares this code through ``Predictor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.context import CONTEXT_NAMES, _compiled_page_context, context_features
from blocksift.convention import Conventions
from blocksift.decide import checked_threshold, decide, half_best_f1
from blocksift.features import ANCESTOR_LEVELS
from blocksift.forest import Forest, _compiled_walk
from blocksift.lexicon import _compiled_lexicon

ROWS_PER_WALK = 8192


class Predictor:
    """Prediction from fitted forests: ``stage1_`` (empty for one stage), ``forest_``, and the cut: per page, half
    the page's best expected F1 but at least ``cut_floor_`` (``decide.half_best_f1``), or the fixed ``threshold_``
    where ``cut_floor_`` is None (models trained before the per-page cut, or with ``page_cut=False``). A page
    whose best expected F1 is below ``empty_below_`` keeps nothing (0: every page keeps what reaches its cut).
    ``conventions_``, where the model has one, is the page classifier whose columns both stages read after the block
    features (``convention.py``); it needs each page's markup signals."""

    forest_: Forest
    stage1_: list[Forest]
    threshold_: float
    cut_floor_: float | None = None
    empty_below_: float = 0.0
    validation_: dict[str, Any]
    conventions_: Conventions | None = None

    def design(
        self,
        X: npt.NDArray[Any],
        groups: npt.NDArray[Any] | None = None,
        tokens: npt.NDArray[Any] | None = None,
        structure: npt.NDArray[Any] | None = None,
        markup: npt.NDArray[Any] | None = None,
    ) -> npt.NDArray[np.float32]:
        """The matrix the final forest reads: ``X``, the convention columns when the model has a page classifier,
        and the context columns when the model is two-stage."""
        parts = self._parts(np.asarray(X, dtype=np.float32), groups, tokens, structure, markup)
        return np.hstack(parts) if len(parts) > 1 else parts[0]

    def _check_fitted(self) -> None:
        """Refuse a model without trees before reading its columns; a loaded model always has them (the
        estimator's ``BlockClassifier._check_fitted`` checks, as scikit-learn's estimators do)."""

    def _parts(
        self,
        X: npt.NDArray[np.float32],
        groups: npt.NDArray[Any] | None,
        tokens: npt.NDArray[Any] | None,
        structure: npt.NDArray[Any] | None,
        markup: npt.NDArray[Any] | None,
    ) -> list[npt.NDArray[np.float32]]:
        """The final forest's columns, side by side but not joined: ``X``, the convention columns
        (``convention.Conventions``) where the model has a page classifier, the context columns where it is
        two-stage."""
        self._check_fitted()
        groups, tokens, structure = page_args(len(X), groups, tokens, structure)
        parts = [X] if self.conventions_ is None else [X, self.conventions_.columns(X, groups, markup)]
        if self.stage1_:
            parts.append(context_features(self.stage1_proba(parts), tokens, structure, groups))
        return parts

    def stage1_proba(self, parts: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float64]:
        """The first-stage forests' mean p(content) of each row of the columns ``parts`` (side by side: the block
        features, then the convention columns where the model has a page classifier). Public for ``explain``, which
        re-scores occluded rows through the first stage."""
        return np.concatenate(
            [
                np.mean([f.predict_proba(_side_by_side(parts, a)) for f in self.stage1_], axis=0)
                for a in range(0, max(len(parts[0]), 1), ROWS_PER_WALK)
            ]
        )

    def predict_proba(
        self,
        X: npt.NDArray[Any],
        *,
        groups: npt.NDArray[Any] | None = None,
        tokens: npt.NDArray[Any] | None = None,
        structure: npt.NDArray[Any] | None = None,
        markup: npt.NDArray[Any] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Columns: p(boilerplate), p(content). ``markup`` holds each page's ``markup.markup_signals``, one row per
        page, for a model with a page classifier (``conventions_``), which refuses to guess without them.

        The forests read their columns ROWS_PER_WALK rows at a time (a common page is one slice), each row's
        probability the same: on a page of several MB, or a batch of pages, the whole matrix would be another copy
        of the features (30 MB of a 10 MB page's peak, issue 5)."""
        X = np.asarray(X, dtype=np.float32)
        parts = self._parts(X, groups, tokens, structure, markup)
        p = np.concatenate(
            [self.forest_.predict_proba(_side_by_side(parts, a)) for a in range(0, max(len(X), 1), ROWS_PER_WALK)]
        )
        return np.column_stack([1.0 - p, p])

    def predict(
        self,
        X: npt.NDArray[Any],
        *,
        groups: npt.NDArray[Any] | None = None,
        tokens: npt.NDArray[Any] | None = None,
        structure: npt.NDArray[Any] | None = None,
        markup: npt.NDArray[Any] | None = None,
    ) -> npt.NDArray[np.bool_]:
        """True for the blocks whose p(content) reaches their page's cut (``cuts``)."""
        p = self.predict_proba(X, groups=groups, tokens=tokens, structure=structure, markup=markup)[:, 1]
        g, t, _ = page_args(len(p), groups, tokens, None)
        return p >= self.cuts(p, t, g)

    def cuts(
        self,
        proba: npt.NDArray[np.float64],
        tokens: npt.NDArray[Any],
        groups: npt.NDArray[Any] | None = None,
        threshold: float | None = None,
        empty: bool = True,
    ) -> npt.NDArray[np.float64]:
        """Each row's cut: ``threshold`` when given (the user's override), else the model's rule, infinite on the
        pages without content (``without_content``) unless ``empty`` is False."""
        if threshold is not None:  # the one door for a caller's threshold: ``keep`` and the extraction pass here
            return np.full(len(proba), checked_threshold(threshold))
        if self.cut_floor_ is None:
            cut = np.full(len(proba), float(self.threshold_))
        else:
            cut = np.maximum(self.cut_floor_, half_best_f1(proba, tokens, groups))
        if empty:
            cut[self.without_content(proba, tokens, groups)] = np.inf
        return cut

    def without_content(
        self, proba: npt.NDArray[np.float64], tokens: npt.NDArray[Any], groups: npt.NDArray[Any] | None = None
    ) -> npt.NDArray[np.bool_]:
        """The rows of the pages that keep nothing: their best expected F1 is below ``empty_below_``. Section
        fronts and index pages have no main content; whatever is kept there is wrong, and the model's own
        expectation is what tells them from the pages it is merely unsure of (``BlockClassifier`` chooses the
        value on held-out pages, 0 where no value helps)."""
        if not self.empty_below_ or not len(proba):
            return np.zeros(len(proba), dtype=bool)
        return 2.0 * half_best_f1(proba, tokens, groups) < self.empty_below_

    def keep(
        self,
        texts: Sequence[str],
        tokens: npt.NDArray[Any],
        proba: npt.NDArray[np.float64],
        threshold: float | None = None,
        parents: npt.NDArray[Any] | None = None,
    ) -> npt.NDArray[np.bool_]:
        """The blocks of one page to keep, from their texts, token counts and p(content): at or above the page's
        cut (``cuts``), first copies of repeated long blocks only, but for copies beside their first (each block's
        ``parents``: the rows' ``structure[:, 1]``; ``decide.decide``)."""
        return decide(texts, list(tokens), proba, self.cuts(proba, tokens, threshold=threshold), parents)

    @property
    def feature_names_out_(self) -> tuple[str, ...]:
        """Names of the context columns the final forest reads after the block and convention columns."""
        return CONTEXT_NAMES if self.stage1_ else ()

    @property
    def convention_names_(self) -> tuple[str, ...]:
        """Names of the convention columns both stages read after the block features (none without them)."""
        return () if self.conventions_ is None else self.conventions_.names


class Model(Predictor):
    """A trained model read from a file: the forests, the threshold, the settings and the card it was saved with."""

    def __init__(
        self,
        forest: Forest,
        stage1: list[Forest],
        threshold: float,
        validation: dict[str, Any],
        params: dict[str, Any],
        card: dict[str, Any],
        cut_floor: float | None = None,
        empty_below: float = 0.0,
        conventions: Conventions | None = None,
    ) -> None:
        self.forest_ = forest
        self.conventions_ = conventions
        self.stage1_ = stage1
        self.threshold_ = threshold
        self.cut_floor_ = cut_floor
        self.empty_below_ = empty_below
        self.validation_ = validation
        self.params = params
        self.card_ = card
        self.random_state = params.get("random_state", 0)

    def get_params(self) -> dict[str, Any]:
        """The settings the model was trained with (as the estimator's ``get_params``)."""
        return dict(self.params)


def load_compiled() -> None:
    """Load the compiled tree walk, context pass and lexicon sums now. A process switches to them by itself once
    it has walked a dozen pages (``forest.COMPILE_AFTER``), so that a single extraction never waits for numba; a
    process that will extract many pages (batch workers, before they are forked) or that times its steady state
    (benchmarks) loads them up front instead."""
    _compiled_walk()
    _compiled_page_context()
    _compiled_lexicon()


def _side_by_side(parts: Sequence[npt.NDArray[np.float32]], start: int) -> npt.NDArray[np.float32]:
    """Rows ``start`` to ``start + ROWS_PER_WALK`` of the columns ``parts``, as one matrix."""
    if len(parts) == 1:
        return parts[0][start : start + ROWS_PER_WALK]
    return np.hstack([p[start : start + ROWS_PER_WALK] for p in parts])


def page_args(
    n: int, groups: npt.NDArray[Any] | None, tokens: npt.NDArray[Any] | None, structure: npt.NDArray[Any] | None
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Defaults for the page arguments: one page, one token per block, each block in a container of its own."""
    g = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups)
    t = np.ones(n) if tokens is None else np.asarray(tokens, dtype=np.float64)
    if structure is None:
        s = np.repeat(np.arange(n, dtype=np.int64)[:, None], len(ANCESTOR_LEVELS), axis=1)
    else:
        s = np.asarray(structure, dtype=np.int64)
    if not len(g) == len(t) == len(s) == n:
        raise ValueError(f"groups, tokens and structure must have one entry per row ({n})")
    return g, t, s
