"""A trained gradient-boosted forest as plain arrays: saved without pickle, evaluated with numpy.

scikit-learn's HistGradientBoostingClassifier keeps its trees as numpy record arrays of nodes. We copy the fields
that prediction needs (feature, threshold, children, leaf value, where missing values go) into flat arrays, all
trees concatenated, and evaluate every tree for every block at once, one tree level per step. A model file is then
an ``.npz`` of numbers, read with ``allow_pickle=False``: loading it cannot run code, and it does not depend on the
scikit-learn version that trained it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.errors import ModelError

ARRAYS = ("feature", "threshold", "left", "right", "value", "is_leaf", "missing_left", "roots")


@dataclass(frozen=True)
class Forest:
    """Binary-classification trees: p(content) = sigmoid(baseline + sum of the leaf values reached)."""

    feature: npt.NDArray[np.int32]
    threshold: npt.NDArray[np.float64]
    left: npt.NDArray[np.int32]  # global node index (into the concatenated arrays)
    right: npt.NDArray[np.int32]
    value: npt.NDArray[np.float64]
    is_leaf: npt.NDArray[np.bool_]
    missing_left: npt.NDArray[np.bool_]
    roots: npt.NDArray[np.int32]
    baseline: float
    max_depth: int
    n_features: int

    @classmethod
    def from_sklearn(cls, model: Any) -> Forest:
        """Copy a fitted binary HistGradientBoostingClassifier's trees (numeric splits only)."""
        trees = [predictors[0] for predictors in model._predictors]
        parts: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ARRAYS}
        offset = 0
        max_depth = 0
        for tree in trees:
            nodes = tree.nodes
            if nodes["is_categorical"].any():
                raise ModelError("categorical splits are not supported by the array forest")
            parts["feature"].append(nodes["feature_idx"].astype(np.int32))
            parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
            parts["left"].append((nodes["left"] + offset).astype(np.int32))
            parts["right"].append((nodes["right"] + offset).astype(np.int32))
            parts["value"].append(nodes["value"].astype(np.float64))
            parts["is_leaf"].append(nodes["is_leaf"].astype(bool))
            parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
            parts["roots"].append(np.array([offset], dtype=np.int32))
            max_depth = max(max_depth, int(nodes["depth"].max()))
            offset += len(nodes)
        arrays = {k: np.concatenate(v) for k, v in parts.items()}
        return cls(
            **arrays,
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            max_depth=max_depth,
            n_features=int(model.n_features_in_),
        )

    def decision_function(self, X: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        """Raw score (log-odds of content) of each row."""
        # float32 feature matrices are walked as they are (each value widened to float64 for the comparison, which is
        # exact), saving a copy of the matrix per forest.
        X = np.ascontiguousarray(X, dtype=X.dtype if X.dtype in (np.float32, np.float64) else np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ModelError(f"the model expects {self.n_features} feature columns, got shape {X.shape}")
        n = X.shape[0]
        if n == 0 or len(self.roots) == 0:
            return np.full(n, self.baseline)
        _WORK[0] += n * len(self.roots)
        walk = _compiled_walk() if _WORK[0] > COMPILE_AFTER or "numba" in sys.modules else None
        if walk is None:
            return self.baseline + self._walk_numpy(X)
        out = np.empty(n)
        walk(X, self.feature, self.threshold, self.left, self.right, self.value, self.is_leaf, self.missing_left,
             self.roots, out)  # fmt: skip
        return self.baseline + out

    def _walk_numpy(self, X: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """Sum of the leaf values reached, every tree and row at once, one level per step (no numba)."""
        node = np.broadcast_to(self.roots, (X.shape[0], len(self.roots))).copy()
        rows = np.arange(X.shape[0])[:, None]
        for _ in range(self.max_depth):
            leaf = self.is_leaf[node]
            if leaf.all():
                break
            x = X[rows, self.feature[node]]
            go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            node = np.where(leaf, node, np.where(go_left, self.left[node], self.right[node]))
        return self.value[node].sum(axis=1)

    def predict_proba(self, X: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        """p(content) of each row."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The forest as named arrays (for ``np.savez``)."""
        out: dict[str, npt.NDArray[Any]] = {k: getattr(self, k) for k in ARRAYS}
        out["scalars"] = np.array([self.baseline, self.max_depth, self.n_features], dtype=np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]]) -> Forest:
        """Rebuild a forest from ``to_arrays`` output, checking that the arrays are consistent."""
        try:
            baseline, max_depth, n_features = (float(v) for v in arrays["scalars"])
            forest = cls(
                feature=arrays["feature"].astype(np.int32),
                threshold=arrays["threshold"].astype(np.float64),
                left=arrays["left"].astype(np.int32),
                right=arrays["right"].astype(np.int32),
                value=arrays["value"].astype(np.float64),
                is_leaf=arrays["is_leaf"].astype(bool),
                missing_left=arrays["missing_left"].astype(bool),
                roots=arrays["roots"].astype(np.int32),
                baseline=baseline,
                max_depth=int(max_depth),
                n_features=int(n_features),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"the model's tree arrays are incomplete or malformed ({exc})") from exc
        forest.check()
        return forest

    def check(self) -> None:
        """Refuse arrays that would index out of bounds (a corrupt or tampered file)."""
        n = len(self.feature)
        same = {len(a) for a in (self.threshold, self.left, self.right, self.value, self.is_leaf, self.missing_left)}
        if same != {n}:
            raise ModelError("the model's node arrays differ in length")
        inner = ~self.is_leaf
        # Children come after their parent (as scikit-learn numbers them), so every walk ends at a leaf.
        inner_ids = np.flatnonzero(inner)
        if (self.left[inner] <= inner_ids).any() or (self.right[inner] <= inner_ids).any():
            raise ModelError("the model's trees have a child before its parent (a cycle would never end)")
        for name, idx in (("left", self.left[inner]), ("right", self.right[inner]), ("roots", self.roots)):
            if len(idx) and (idx.min() < 0 or idx.max() >= n):
                raise ModelError(f"the model's {name} node indices point outside the tree arrays")
        if len(self.feature[inner]) and (self.feature[inner].min() < 0 or self.feature[inner].max() >= self.n_features):
            raise ModelError("the model's split features point outside the feature columns")
        if not 0 <= self.max_depth <= 1000:
            raise ModelError(f"implausible tree depth {self.max_depth}")


def _walk_source(
    X: Any, feature: Any, threshold: Any, left: Any, right: Any, value: Any, is_leaf: Any, missing_left: Any,
    roots: Any, out: Any,
) -> None:  # fmt: skip
    """Per row, the sum over trees of the leaf value reached (compiled by numba: one tight loop, no temporaries).

    Trees are the outer loop, so one tree's nodes stay in the cache while every row walks it; each row still adds
    its leaf values in tree order, so the sums are the same as a row-by-row walk.
    """
    n = X.shape[0]
    for i in range(n):
        out[i] = 0.0
    for t in range(roots.shape[0]):
        root = roots[t]
        for i in range(n):
            node = root
            while not is_leaf[node]:
                x = X[i, feature[node]]
                if x != x:  # NaN: the side scikit-learn sent missing values to
                    node = left[node] if missing_left[node] else right[node]
                elif x <= threshold[node]:
                    node = left[node]
                else:
                    node = right[node]
            out[i] += value[node]


# Importing numba and loading the compiled walk takes about a second; the numpy walk does one page's forests in
# tens of milliseconds. So a process switches to the compiled walk once it has walked this many (row, tree) pairs
# (a few pages): `blocksift predict page.html` stays quick, batches and training get the compiled speed.
COMPILE_AFTER = 1_000_000
_WORK = [0]


@lru_cache(maxsize=1)
def _compiled_walk() -> Callable[..., None] | None:
    """The tree walk compiled with numba (cached on disk after the first run), or None where numba is missing."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency; the numpy walk is the fallback
        return None
    return numba.njit(cache=True, nogil=True)(_walk_source)  # type: ignore[no-any-return,unused-ignore]
