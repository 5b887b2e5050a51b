"""Second-stage context features on hand-made probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from blocksift.context import CONTEXT_NAMES, context_features
from blocksift.model import BlockClassifier


def columns(p: list[float], tokens: list[int], structure: list[list[int]], pages: list[int]) -> dict[str, np.ndarray]:
    out = context_features(np.array(p), np.array(tokens), np.array(structure), np.array(pages))
    assert out.shape == (len(p), len(CONTEXT_NAMES))
    return {name: out[:, i] for i, name in enumerate(CONTEXT_NAMES)}


def test_neighbours_stop_at_page_edges() -> None:
    c = columns([0.1, 0.9, 0.8, 0.2], [1, 1, 1, 1], [[i] * 5 for i in range(4)], [0, 0, 1, 1])
    assert c["ctx_nb-1_p"].tolist() == pytest.approx([-1, 0.1, -1, 0.8])
    assert c["ctx_nb+1_p"].tolist() == pytest.approx([0.9, -1, 0.2, -1])
    assert c["ctx_win_max_p"].tolist() == pytest.approx([0.9, 0.1, 0.2, 0.8])


def test_container_means_are_token_weighted_within_a_page() -> None:
    # blocks 0-2 share container 7 at every level; block 3 is alone in container 8; page 1 reuses id 7
    structure = [[7] * 5, [7] * 5, [7] * 5, [8] * 5, [7] * 5]
    c = columns([1.0, 0.0, 1.0, 0.5, 0.0], [10, 30, 10, 50, 5], structure, [0, 0, 0, 0, 1])
    assert c["ctx_anc0_mean_p"][:3] == pytest.approx([20 / 50] * 3)
    assert c["ctx_anc0_mean_p"][4] == 0.0  # the same id on another page is another container
    # likely-content tokens (p >= 0.5): 10 + 10 + 50 on page 0
    assert c["ctx_anc1_content_share"][0] == pytest.approx(20 / 70)
    assert c["ctx_page_content_share"][0] == pytest.approx(70 / 100)
    assert c["ctx_content_before"].tolist()[:4] == pytest.approx([0, 10 / 70, 10 / 70, 20 / 70])
    assert c["ctx_gap_next_high"][1] == pytest.approx(np.log1p(1))
    assert c["ctx_gap_prev_high"][0] == 0.0 and c["ctx_gap_next_high"][4] == 0.0


def _region_pages(seed: int, pages: int = 60, rows_per_page: int = 40) -> tuple[np.ndarray, ...]:
    # Content is decided by the region (the first half of each page's blocks share container 0, the rest container
    # 1) while the block's own feature is noise on a quarter of the blocks: only the context can fix those.
    rng = np.random.default_rng(seed)
    region = np.tile(np.repeat([0, 1], rows_per_page // 2), pages)
    y = region == 0
    own = np.where(rng.random(len(y)) < 0.25, rng.random(len(y)), y.astype(float))
    X = np.column_stack([own, rng.random(len(y))])
    groups = np.repeat(np.arange(pages), rows_per_page)
    return X, y, groups, np.repeat(region[:, None], 5, axis=1)


def test_two_stage_learns_to_follow_the_region() -> None:
    X, y, groups, structure = _region_pages(0)
    kw = {"max_iter": 30, "stage1_max_iter": 30, "min_samples_leaf": 5, "short_rate": 1.0}
    two = BlockClassifier(**kw).fit(X, y, groups=groups, structure=structure)
    one = BlockClassifier(context=False, **kw).fit(X, y, groups=groups)
    Xt, yt, gt, st = _region_pages(1)
    acc_two = np.mean(two.predict(Xt, groups=gt, structure=st) == yt)
    acc_one = np.mean(one.predict(Xt) == yt)
    assert acc_two > 0.95 and acc_two > acc_one + 0.05


def test_stage1_refit_predicts_with_one_first_stage_forest() -> None:
    # The second stage still learns from out-of-fold scores; prediction walks one first-stage forest fitted on all
    # pages instead of the fold forests' average, and follows the region as well.
    X, y, groups, structure = _region_pages(0)
    kw = {"max_iter": 30, "stage1_max_iter": 30, "min_samples_leaf": 5, "short_rate": 1.0}
    refit = BlockClassifier(stage1_refit=True, **kw).fit(X, y, groups=groups, structure=structure)
    folds = BlockClassifier(stage1_refit=False, **kw).fit(X, y, groups=groups, structure=structure)
    assert len(refit.stage1_) == 1 and len(folds.stage1_) == 2
    assert len(refit.stage1_[0].roots) == 30
    Xt, yt, gt, st = _region_pages(1)
    assert np.mean(refit.predict(Xt, groups=gt, structure=st) == yt) > 0.95


def _numpy_context(*args: np.ndarray) -> np.ndarray:
    """context_features by its numpy path (the compiled one switched off)."""
    import blocksift.context as context

    compiled = context._compiled_page_context
    context._compiled_page_context = lambda: None  # type: ignore[assignment]
    try:
        return context_features(*args)
    finally:
        context._compiled_page_context = compiled  # type: ignore[assignment]


@pytest.mark.parametrize("n", [1, 2, 7, 40, 600])
def test_compiled_page_context_equals_numpy(n: int) -> None:
    """One page's columns from the compiled pass are those of the numpy path, bit for bit: p at and around the
    0.5 cut, blocks without tokens, containers shared at some levels and not others."""
    import numba  # noqa: F401  (context_features takes the compiled path once numba is loaded)

    from blocksift.context import _compiled_page_context

    assert _compiled_page_context() is not None, "numba is a dependency; the compiled pass must load"
    rng = np.random.default_rng(n)
    p = rng.choice([0.0, 0.2, 0.49999, 0.5, 0.7, 1.0], size=n) if n < 40 else rng.random(n)
    tokens = rng.integers(0, 40, size=n).astype(np.float64)
    structure = np.sort(rng.integers(0, max(n // 3, 1), size=(n, 5)), axis=0)
    pages = np.zeros(n, dtype=np.int64)
    compiled = context_features(p, tokens, structure, pages)
    assert np.array_equal(compiled, _numpy_context(p, tokens, structure, pages))
    assert not np.array_equal(compiled, np.zeros_like(compiled))
