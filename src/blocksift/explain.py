"""Why did the model score a block as it did: a cheap, honest per-block attribution for the two-stage model.

For one block, the weight of a feature is how much the block's p(content) moves when that one feature is set to a
*neutral reference*, its median over the page's blocks, everything else left as it is ("occlusion"):
``weight = p(block) - p(block with the feature at its reference)``. A positive weight means the block's own value
pushed it towards content, a negative one towards boilerplate; a feature whose value equals the reference weighs 0.

The two-stage model is followed exactly (``predictor.Predictor``): the final forest reads the block's features and
the context columns made from the first-stage scores of the whole page. So

* a *block feature* changed on block i changes its first-stage score (the mean of the first-stage forests), which
  changes block i's own context columns (its score, its containers' and the page's mean score, the page's content
  share; ``context_row_updates``), and the final forest reads both the changed feature and that changed context;
* a *context column* changed on block i is read by the final forest only (what the block's surroundings look like).

The weights are one-at-a-time effects, not a decomposition: they need not add up to p. They cost one walk of the
forests per (block, feature that differs from the reference): a few hundred milliseconds for a typical page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.context import CONTEXT_FEATURES, CONTEXT_NAMES, HIGH, context_features
from blocksift.features import ANCESTOR_LEVELS, FEATURES
from blocksift.forest import Forest
from blocksift.predictor import Predictor

FloatArray = npt.NDArray[np.float64]
TOP = 8
# Rows of substituted blocks sent through the forests at once (bounds memory on pages of many thousand blocks).
CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class Weight:
    """One feature's weight for one block: its value, the reference it was replaced by, and p's change."""

    name: str
    doc: str
    value: float
    reference: float
    weight: float


@dataclass(frozen=True)
class Attribution:
    """Every block's weight for every column the final forest reads (block features, then context columns)."""

    names: tuple[str, ...]
    docs: tuple[str, ...]
    values: npt.NDArray[np.float32]  # (blocks, columns)
    reference: npt.NDArray[np.float32]  # (columns,)
    weights: FloatArray  # (blocks, columns)
    proba: FloatArray  # (blocks,) the final p(content), as predict_proba gives it

    def top(self, block: int, k: int = TOP) -> list[Weight]:
        """The ``k`` features that weighed most for ``block`` (largest absolute weight first, zeros left out)."""
        w = self.weights[block]
        order = [int(j) for j in np.argsort(-np.abs(w), kind="stable")[:k] if w[j] != 0.0]
        return [
            Weight(self.names[j], self.docs[j], float(self.values[block, j]), float(self.reference[j]), float(w[j]))
            for j in order
        ]


def _differs(a: npt.NDArray[Any], ref: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    return ~((a == ref) | (np.isnan(a) & np.isnan(ref)))


def attribute(
    model: Predictor,
    X: npt.NDArray[Any],
    tokens: npt.NDArray[Any],
    structure: npt.NDArray[Any],
    markup: npt.NDArray[Any] | None = None,
) -> Attribution:
    """The occlusion weight of every column for every block of one page (``X``: its feature matrix; ``markup``:
    its markup signals, for a model with a page classifier, whose convention columns are weighed as block columns
    are, since both stages read them)."""
    X = np.asarray(X, dtype=np.float32)
    tok = np.asarray(tokens, dtype=np.float64)
    shape = np.asarray(structure, dtype=np.int64)
    names = tuple(ft.name for ft in FEATURES)
    docs = tuple(ft.doc for ft in FEATURES)
    if X.shape[1] != len(names):
        raise ValueError(f"expected {len(names)} feature columns, got {X.shape[1]}")
    if model.conventions_ is not None:
        X = np.hstack([X, model.conventions_.columns(X, np.zeros(len(X), dtype=np.int64), markup)])
        names += model.conventions_.names
        docs += tuple(f"the page's probability of following the convention of {c}" for c in model.conventions_.classes)
    n, f = X.shape
    two_stage = bool(model.stage1_)
    if two_stage:
        names += CONTEXT_NAMES
        docs += tuple(d for _, d in CONTEXT_FEATURES)
        p1 = model.stage1_proba([X])
        design = np.hstack([X, context_features(p1, tok, shape, np.zeros(n, dtype=np.int64))])
    else:
        p1 = np.zeros(n)
        design = X
    forest: Forest = model.forest_
    proba = forest.predict_proba(design) if n else np.zeros(0)
    reference = np.median(design, axis=0).astype(np.float32) if n else np.zeros(design.shape[1], np.float32)
    weights = np.zeros(design.shape, dtype=np.float64)

    # Block features: through the first stage and the block's own context, then the final forest.
    rows, cols = np.nonzero(_differs(X, reference[:f]))
    for lo in range(0, len(rows), CHUNK_ROWS):
        r, c = rows[lo : lo + CHUNK_ROWS], cols[lo : lo + CHUNK_ROWS]
        changed = X[r].copy()
        changed[np.arange(len(r)), c] = reference[c]
        if two_stage:
            ctx = context_row_updates(p1, tok, shape, r, model.stage1_proba([changed]))
            changed = np.hstack([changed, ctx])
        weights[r, c] = proba[r] - forest.predict_proba(changed)

    # Context columns: read by the final forest only.
    if two_stage:
        rows, cols = np.nonzero(_differs(design[:, f:], reference[f:]))
        cols = cols + f
        for lo in range(0, len(rows), CHUNK_ROWS):
            r, c = rows[lo : lo + CHUNK_ROWS], cols[lo : lo + CHUNK_ROWS]
            changed = design[r].copy()
            changed[np.arange(len(r)), c] = reference[c]
            weights[r, c] = proba[r] - forest.predict_proba(changed)
    return Attribution(names, docs, design, reference, weights, proba)


def context_row_updates(
    p: FloatArray,
    tokens: FloatArray,
    structure: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    new_p: FloatArray,
) -> npt.NDArray[np.float32]:
    """Row ``rows[k]`` of ``context_features`` for one page when only that block's first-stage score becomes
    ``new_p[k]``: one row per (block, new score) pair, without recomputing the page for each.

    Which columns move follows from ``context.py``: the block's own score, its containers' token-weighted means
    and shares of likely-content tokens, the page's mean and share, and the before/after shares (through the
    page's total); neighbours, window and gap columns exclude the block itself and stay. ``tests/test_show.py``
    checks this against ``context_features`` on the whole changed page.
    """
    n = len(p)
    base = context_features(p, tokens, structure, np.zeros(n, dtype=np.int64)).astype(np.float64)
    out = base[rows].copy()
    col = {name: i for i, name in enumerate(CONTEXT_NAMES)}
    high = tokens * (p >= HIGH)
    t_i, old = tokens[rows], p[rows]
    d_tp = t_i * (new_p - old)  # change of the token-weighted sum of p
    new_high_i = t_i * (new_p >= HIGH)
    d_high = new_high_i - high[rows]
    page_tokens = max(float(tokens.sum()), 1.0)
    page_high = float(high.sum()) + d_high
    safe_high = np.maximum(page_high, 1.0)

    out[:, col["ctx_p"]] = new_p
    for j, lv in enumerate(ANCESTOR_LEVELS):
        _, inverse = np.unique(structure[:, j], return_inverse=True)
        under = np.bincount(inverse, weights=tokens)[inverse[rows]]
        under_tp = np.bincount(inverse, weights=tokens * p)[inverse[rows]]
        under_high = np.bincount(inverse, weights=high)[inverse[rows]]
        out[:, col[f"ctx_anc{lv}_mean_p"]] = np.where(under > 0, (under_tp + d_tp) / np.maximum(under, 1), new_p)
        out[:, col[f"ctx_anc{lv}_content_share"]] = np.where(page_high > 0, (under_high + d_high) / safe_high, 0.0)
    out[:, col["ctx_page_mean_p"]] = (float((tokens * p).sum()) + d_tp) / page_tokens
    out[:, col["ctx_page_content_share"]] = page_high / page_tokens
    before = (np.cumsum(high) - high)[rows]
    out[:, col["ctx_content_before"]] = np.where(page_high > 0, before / safe_high, 0.0)
    out[:, col["ctx_content_after"]] = np.where(page_high > 0, (page_high - before - new_high_i) / safe_high, 0.0)
    return out.astype(np.float32)
