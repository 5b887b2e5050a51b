"""An existing model + a few labelled pages of a new site -> an adapted model (``blocksift train --from``).

Retraining from scratch needs every page the model learned from; a user with twenty labelled pages of their own
site has only those. So adaptation keeps every tree of the model and adds boosting rounds fitted to the new pages
only: each round fits one small regression tree to the Newton step of the log-loss at the model's current scores
(target ``(y - p) / (p (1 - p))``, weights ``p (1 - p)`` times the block weight), exactly what gradient boosting
does, starting from the model's margin instead of a constant. The model's old trees still carry what it knew; the
new trees move the scores only where the new pages disagree with it, and few, shrunk, well-populated leaves keep
them from memorising a handful of pages.

The first stage of a two-stage model is kept as it is: its scores feed the context columns, which the old final
trees were trained to read, so the new trees are added to the final forest and see the same columns as it.
The decision threshold stays the model's (a few pages are too few to choose a new one); ``predict --threshold``
overrides it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.forest import ARRAYS, Forest
from blocksift.predictor import Model, Predictor, page_args


@dataclass(frozen=True)
class AdaptSettings:
    """How far the new pages may move the model: boosting rounds, their shrinkage and the size of each tree."""

    rounds: int = 40
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0
    weight_cap: float = 200.0
    random_state: int = 0


class _Bins:
    """Each column's bin edges, found once: the regression trees are fitted on bin codes, because binning the raw
    columns anew in every round (with sample weights, a weighted percentile per feature) took seconds a round.

    A code k means ``edges[k - 1] < x <= edges[k]``, scikit-learn's convention; a tree's split ``code <= c`` is then
    ``x <= edges[floor(c)]`` on the raw column, which is what the saved forest holds.
    """

    def __init__(self, X: npt.NDArray[np.float32], max_bins: int = 255) -> None:
        self.edges: list[npt.NDArray[np.float64]] = []
        for j in range(X.shape[1]):
            col = X[:, j].astype(np.float64)
            distinct = np.unique(col[~np.isnan(col)])
            if len(distinct) <= max_bins:
                edges = (distinct[:-1] + distinct[1:]) / 2
            else:
                edges = np.unique(np.percentile(distinct, np.linspace(0, 100, max_bins + 1)[1:-1]))
            self.edges.append(edges)

    def codes(self, X: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Bin codes of every value (NaN stays NaN: the trees learn where missing values go)."""
        out = np.empty(X.shape, dtype=np.float32)
        for j, edges in enumerate(self.edges):
            col = X[:, j].astype(np.float64)
            out[:, j] = np.where(np.isnan(col), np.nan, np.searchsorted(edges, col, side="left"))
        return out

    def raw_forest(self, forest: Forest) -> Forest:
        """``forest`` (fitted on codes) with each split threshold turned back into the raw column's value."""
        threshold = forest.threshold.copy()
        for node in np.flatnonzero(~forest.is_leaf):
            edges = self.edges[forest.feature[node]]
            k = int(np.floor(threshold[node]))
            threshold[node] = edges[k] if k < len(edges) else np.inf
        return replace(forest, threshold=threshold)


def _newton_tree(
    codes: npt.NDArray[np.float32], y: npt.NDArray[np.float64], margin: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64], s: AdaptSettings,
) -> Any:  # fmt: skip
    """One regression tree fitted to the log-loss Newton step at ``margin``."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    p = 1.0 / (1.0 + np.exp(-margin))
    hess = np.clip(p * (1.0 - p), 1e-6, None)
    reg = HistGradientBoostingRegressor(
        max_iter=1,
        learning_rate=1.0,
        max_leaf_nodes=s.max_leaf_nodes,
        min_samples_leaf=s.min_samples_leaf,
        l2_regularization=s.l2_regularization,
        early_stopping=False,
        random_state=s.random_state,
    )
    return reg.fit(codes, (y - p) / hess, sample_weight=weight * hess)


def adapt(
    model: Predictor,
    X: npt.NDArray[Any],
    y: npt.NDArray[Any],
    *,
    groups: npt.NDArray[Any] | None = None,
    tokens: npt.NDArray[Any] | None = None,
    structure: npt.NDArray[Any] | None = None,
    sample_weight: npt.NDArray[Any] | None = None,
    markup: npt.NDArray[Any] | None = None,
    settings: AdaptSettings | None = None,
    log: Callable[[str], None] | None = None,
) -> Model:
    """A copy of ``model`` whose final forest has ``settings.rounds`` more trees fitted to these blocks (the rows of
    whole pages, as ``BlockClassifier.fit`` takes them; ``markup``: each page's markup signals, which a model with
    a page classifier of conventions reads). The page classifier and the first stage are kept as they are."""
    s = settings or AdaptSettings()
    say = log or (lambda _msg: None)
    yf = np.asarray(y).astype(np.float64)
    groups, tokens, structure = page_args(len(yf), groups, tokens, structure)
    design = model.design(np.asarray(X, dtype=np.float32), groups, tokens, structure, markup)
    margin = model.forest_.decision_function(design)
    weight = np.minimum(tokens, s.weight_cap) * (1.0 if sample_weight is None else np.asarray(sample_weight))
    bins = _Bins(design)
    codes = bins.codes(design)
    trees: list[Any] = []
    start = time.perf_counter()
    for r in range(s.rounds):
        reg = _newton_tree(codes, yf, margin, weight, s)
        step = reg.predict(codes)
        margin = margin + s.learning_rate * step
        trees.append(reg)
        if (r + 1) % 20 == 0 or r + 1 == s.rounds:
            say(f"adapting: {r + 1} of {s.rounds} trees ({time.perf_counter() - start:.1f} s)")
    added = [bins.raw_forest(Forest.from_sklearn(reg)) for reg in trees]
    forest = extend_forest(model.forest_, added, s.learning_rate)
    return _adapted(model, forest, s, len(np.unique(groups)), len(yf))


def extend_forest(forest: Forest, added: list[Forest], scale: float) -> Forest:
    """``forest`` followed by the trees of the ``added`` forests, each added tree's output (its forest's baseline
    included) multiplied by ``scale``."""
    if not added:
        return forest
    arrays: dict[str, list[npt.NDArray[Any]]] = {k: [getattr(forest, k)] for k in ARRAYS}
    offset = len(forest.feature)
    baseline = forest.baseline
    for f in added:
        arrays["feature"].append(f.feature)
        arrays["threshold"].append(f.threshold)
        arrays["left"].append(f.left + offset)
        arrays["right"].append(f.right + offset)
        arrays["value"].append(f.value * scale)
        arrays["is_leaf"].append(f.is_leaf)
        arrays["missing_left"].append(f.missing_left)
        arrays["roots"].append(f.roots + offset)
        baseline += scale * f.baseline
        offset += len(f.feature)
    joined = {k: np.concatenate(v) for k, v in arrays.items()}
    return Forest(
        **joined,
        baseline=baseline,
        max_depth=max(forest.max_depth, *(f.max_depth for f in added)),
        n_features=forest.n_features,
    )


def _adapted(model: Predictor, forest: Forest, s: AdaptSettings, pages: int, blocks: int) -> Model:
    """The adapted model, with the settings and the base model's identity in its parameters."""
    base_card = getattr(model, "card_", {}) or {}
    params = dict(model.get_params()) if hasattr(model, "get_params") else {}
    params["adapt"] = {
        "rounds": s.rounds,
        "learning_rate": s.learning_rate,
        "max_leaf_nodes": s.max_leaf_nodes,
        "min_samples_leaf": s.min_samples_leaf,
        "l2_regularization": s.l2_regularization,
        "pages": pages,
        "blocks": blocks,
        "base_digest": base_card.get("digest"),
        "base_trees": len(model.forest_.roots),
        "base_validation": copy.deepcopy(getattr(model, "validation_", {})),
    }
    return Model(
        forest=forest,
        stage1=list(model.stage1_),
        threshold=float(model.threshold_),
        cut_floor=model.cut_floor_,
        empty_below=model.empty_below_,
        validation={},  # the base model's held-out figures say nothing about the adapted one
        params=params,
        card=dict(base_card),
        conventions=model.conventions_,
    )
