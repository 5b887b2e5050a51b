"""A trained gradient-boosted forest as plain arrays: saved without pickle, evaluated with numpy.

scikit-learn's HistGradientBoostingClassifier keeps its trees as numpy record arrays of nodes. We copy the fields
that prediction needs (feature, threshold, children, leaf value, where missing values go) into flat arrays, all
trees concatenated, and evaluate every tree for every block at once, one tree level per step. A model file is then
an ``.npz`` of numbers, read with ``allow_pickle=False``: loading it cannot run code, and it does not depend on the
scikit-learn version that trained it.

Nodes are numbered breadth first within each tree, so that a node's two children are neighbours (right = left + 1)
and the top levels of a tree, which every row visits, share a few cache lines; a step down is then arithmetic
(``left + went_right``) rather than a branch the processor must guess. scikit-learn numbers depth first; the
compiled walk takes 30% less time over the breadth-first numbering (``_breadth_first``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.errors import ModelError

# The raw score of a forest fitted to one class alone: p = 1 - 1e-13 (``Forest.from_sklearn``).
SURE = 30.0
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
    def from_sklearn(cls, model: Any, klass: int = 0) -> Forest:
        """Copy a fitted HistGradientBoostingClassifier's trees (numeric splits only): a binary model's, or the
        trees of class ``klass`` of a multiclass model, whose raw score is then that class's (softmax over the
        classes' forests gives the probabilities: ``convention.Conventions``)."""
        classes = getattr(model, "classes_", None)
        if classes is not None and len(classes) == 1:
            # Fitted to rows of one class (a fold of a few pages): scikit-learn's score is then the log-odds of a
            # class it never saw, -33.7 for "content" where every row was content. The forest says the one class.
            return cls.constant(SURE if bool(classes[0]) else -SURE, int(model.n_features_in_))
        trees = [predictors[klass] for predictors in model._predictors]
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
        arrays = _breadth_first({k: np.concatenate(v) for k, v in parts.items()})
        return cls(
            **arrays,
            baseline=float(np.ravel(model._baseline_prediction)[klass]),
            max_depth=max_depth,
            n_features=int(model.n_features_in_),
        )

    @classmethod
    def constant(cls, score: float, n_features: int) -> Forest:
        """A forest of no trees: every row gets ``score``."""
        ints, floats, flags = np.zeros(0, np.int32), np.zeros(0, np.float64), np.zeros(0, bool)
        return cls(ints, floats, ints, ints, floats, flags, flags, ints, float(score), 0, n_features)

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
        out = np.empty(n)
        if walk is None or not walk(X, *self._packed, self.roots, out):
            return self.baseline + self._walk_numpy(X)
        return self.baseline + out

    @cached_property
    def _packed(self) -> tuple[npt.NDArray[Any], ...]:
        """The compiled walk's node arrays: split feature (-1 at a leaf), threshold (the value at a leaf), left
        child. Three arrays to read per step where the saved layout has five."""
        inner = ~self.is_leaf
        if not (self.right[inner] == self.left[inner] + 1).all():
            raise ModelError(
                "the forest's nodes are not numbered breadth first (build it with from_sklearn or from_arrays)"
            )
        return (
            np.where(self.is_leaf, -1, self.feature).astype(np.int32),
            np.where(self.is_leaf, self.value, self.threshold),
            self.left,
        )

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
        # Added tree by tree, in the order the compiled walk adds them: numpy's pairwise sum rounds differently, so a
        # process's first pages (walked here) and its later ones (compiled) gave the same page probabilities that
        # differed in the last bit, and a page's output could then depend on how many pages came before it.
        values = self.value[node]
        total = np.zeros(X.shape[0])
        for t in range(values.shape[1]):
            total += values[:, t]
        return total

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
            nodes: dict[str, npt.NDArray[Any]] = {
                "feature": arrays["feature"].astype(np.int32),
                "threshold": arrays["threshold"].astype(np.float64),
                "left": arrays["left"].astype(np.int32),
                "right": arrays["right"].astype(np.int32),
                "value": arrays["value"].astype(np.float64),
                "is_leaf": arrays["is_leaf"].astype(bool),
                "missing_left": arrays["missing_left"].astype(bool),
                "roots": arrays["roots"].astype(np.int32),
            }
            depth, width = int(max_depth), int(n_features)
            # Checked before renumbering too: the renumbering walks the trees, which must be trees.
            cls(**nodes, baseline=baseline, max_depth=depth, n_features=width).check()
            ordered = _breadth_first(nodes)
            forest = cls(**ordered, baseline=baseline, max_depth=depth, n_features=width)
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"the model's tree arrays are incomplete or malformed ({exc})") from exc
        if ordered is not nodes:
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
        reached = np.concatenate([self.roots, self.left[inner], self.right[inner]])
        if len(np.unique(reached)) != len(reached):
            raise ModelError("the model's trees share nodes (a node with two parents)")


def _breadth_first(arrays: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """The same trees with each tree's nodes numbered breadth first, a node's children next to each other.

    Every row still reaches the same leaves in the same tree order, so scores are identical to the bit. Arrays
    already in this order come back as they are; the walk needs the order, so loaded files are renumbered too.
    """
    left, right, is_leaf, roots = arrays["left"], arrays["right"], arrays["is_leaf"], arrays["roots"]
    inner = np.flatnonzero(~is_leaf)
    if (right[inner] == left[inner] + 1).all() and (left[inner] > inner).all():
        return arrays
    order: list[int] = []
    for root in roots.tolist():
        level = np.array([root])
        while len(level):
            order.extend(level.tolist())
            split = level[~is_leaf[level]]
            level = np.column_stack([left[split], right[split]]).ravel()
    old = np.array(order, dtype=np.int64)
    if len(old) != len(left) or len(np.unique(old)) != len(old):
        raise ModelError("the model's trees do not cover their node arrays exactly once")
    new_of = np.empty(len(old), dtype=np.int32)
    new_of[old] = np.arange(len(old), dtype=np.int32)
    out = {k: v[old] for k, v in arrays.items() if k != "roots"}
    out["left"] = np.where(out["is_leaf"], 0, new_of[out["left"]]).astype(np.int32)
    out["right"] = np.where(out["is_leaf"], 0, new_of[out["right"]]).astype(np.int32)
    out["roots"] = new_of[roots]
    return out


# Rows walked through every tree before the next rows start: their features (under 1 KB a row) stay in the
# processor's cache while 150 trees are walked. Tree by tree over all of a 10 MB page's 38,816 rows (26 MB of
# features) read the matrix from memory once per tree: 530-595 ms per forest on that page, 100 ms in blocks of 256
# rows (64 to 1,024 measured alike; common pages of about 150 rows are one block and walk as fast as before).
ROW_BLOCK = 256


def _walk_source(X: Any, feature: Any, threshold: Any, left: Any, roots: Any, out: Any) -> bool:
    """Per row, the sum over trees of the leaf value reached (compiled by numba: one tight loop, no temporaries);
    False, with nothing walked, where ``X`` holds a missing value (NaN), which ``Forest._walk_numpy`` then walks.

    ``Forest._packed``'s arrays: ``feature`` is -1 at a leaf, whose value is in ``threshold``; a node's right
    child is ``left + 1``, taken when the value is above the threshold. Missing values are left to the numpy walk
    because the features never make them (a caller's own matrix may): testing each step for one, and looking up
    where scikit-learn sends it, took a sixth of the walk (the two first-stage forests over 240 dataset pages:
    0.62 against 0.51 ms a page, median), where the scan for them first costs a few microseconds. Within a block
    of ``ROW_BLOCK`` rows, trees are the outer loop, so one tree's nodes stay in the cache while the block's rows
    walk it, and eight rows walk it side by side: their steps do not wait on each other, so the processor overlaps
    them. The eight steps are written out because a helper function or an inner loop measured slower; eight rows
    walked a 150-tree forest over 270 dataset pages in 0.35 ms a page (median) where four took 0.42, six 0.35,
    twelve 0.36 and sixteen 0.39. Each row adds its leaf values in tree order, so the sums are the same as a
    row-by-row walk.
    """
    n = X.shape[0]
    for i in range(n):
        for j in range(X.shape[1]):
            if X[i, j] != X[i, j]:
                return False
    for i in range(n):
        out[i] = 0.0
    for start in range(0, n, ROW_BLOCK):
        stop = min(start + ROW_BLOCK, n)
        whole = stop - (stop - start) % 8
        for t in range(roots.shape[0]):
            root = roots[t]
            for i in range(start, whole, 8):
                a, b, c, d, e, f, g, h = root, root, root, root, root, root, root, root
                while True:
                    fa, fb, fc, fd = feature[a], feature[b], feature[c], feature[d]
                    fe, ff, fg, fh = feature[e], feature[f], feature[g], feature[h]
                    if fa < 0 and fb < 0 and fc < 0 and fd < 0 and fe < 0 and ff < 0 and fg < 0 and fh < 0:
                        break
                    if fa >= 0:
                        x = X[i, fa]
                        a = left[a] + (x > threshold[a])
                    if fb >= 0:
                        x = X[i + 1, fb]
                        b = left[b] + (x > threshold[b])
                    if fc >= 0:
                        x = X[i + 2, fc]
                        c = left[c] + (x > threshold[c])
                    if fd >= 0:
                        x = X[i + 3, fd]
                        d = left[d] + (x > threshold[d])
                    if fe >= 0:
                        x = X[i + 4, fe]
                        e = left[e] + (x > threshold[e])
                    if ff >= 0:
                        x = X[i + 5, ff]
                        f = left[f] + (x > threshold[f])
                    if fg >= 0:
                        x = X[i + 6, fg]
                        g = left[g] + (x > threshold[g])
                    if fh >= 0:
                        x = X[i + 7, fh]
                        h = left[h] + (x > threshold[h])
                out[i] += threshold[a]
                out[i + 1] += threshold[b]
                out[i + 2] += threshold[c]
                out[i + 3] += threshold[d]
                out[i + 4] += threshold[e]
                out[i + 5] += threshold[f]
                out[i + 6] += threshold[g]
                out[i + 7] += threshold[h]
            for i in range(whole, stop):
                node = root
                fi = feature[node]
                while fi >= 0:
                    x = X[i, fi]
                    node = left[node] + (x > threshold[node])
                    fi = feature[node]
                out[i] += threshold[node]
    return True


# Importing numba and loading the compiled walk takes about a second; the numpy walk does one page's forests in
# tens of milliseconds. So a process switches to the compiled walk once it has walked this many (row, tree) pairs
# (a few pages): `blocksift predict page.html` stays quick, batches and training get the compiled speed.
COMPILE_AFTER = 1_000_000
_WORK = [0]


@lru_cache(maxsize=1)
def _compiled_walk() -> Callable[..., bool] | None:
    """The tree walk compiled with numba (cached on disk after the first run), or None where numba is missing."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency; the numpy walk is the fallback
        return None
    return numba.njit(cache=True, nogil=True)(_walk_source)  # type: ignore[no-any-return,unused-ignore]
