"""labelled pages -> a fitted, saved BlockClassifier: what ``blocksift train`` runs.

Stacks the cached feature rows of every readable page, fits the classifier (page-grouped validation picks the
threshold), and writes the model file with a card that names the data it learned from. Pages that cannot be read
are reported and left out; they never stop training.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from blocksift.datasets import Page
from blocksift.defaults import DEFAULT_BALANCE
from blocksift.errors import DatasetError
from blocksift.predictor import Predictor
from blocksift.table import PageRows, build_rows, save_npz

if TYPE_CHECKING:
    from blocksift.adapt import AdaptSettings
    from blocksift.model import BlockClassifier


@dataclass
class TrainingData:
    """The stacked block matrix of the readable pages, and the pages that failed."""

    X: npt.NDArray[np.float32]
    y: npt.NDArray[np.bool_]
    groups: npt.NDArray[np.int64]
    tokens: npt.NDArray[np.int64]
    structure: npt.NDArray[np.int32]
    weight: npt.NDArray[np.float64]
    datasets: dict[str, dict[str, int]]
    # One row per page, in the order of ``groups``: its markup signals and its source (dataset), which the page
    # classifier of conventions learns from.
    markup: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    sources: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def usable(pages: Sequence[Page], rows: Sequence[PageRows]) -> list[tuple[Page, PageRows]]:
    """The pages a model learns from, with their rows: read without error and holding a block. ``stack`` numbers
    them in this order (its ``groups``)."""
    return [(p, r) for p, r in zip(pages, rows, strict=True) if r.error is None and len(r.labels)]


def stack(
    pages: Sequence[Page], rows: Sequence[PageRows], balance: float = 0.0, *, jobs: int = 1,
    cache_dir: Path | None = None,
) -> TrainingData:  # fmt: skip
    """One matrix of every readable page's blocks, with page ids as groups.

    ``balance`` weights each page by (mean pages per dataset / its dataset's pages) ** balance: 0 lets every page
    count the same (a dataset of 1,000 pages outweighs one of 50 twenty times), 1 lets every dataset count the same.
    The lexicon's out-of-fold scores are fitted by ``jobs`` threads and kept in ``cache_dir`` beside the rows.
    """
    good = usable(pages, rows)
    failed = [(r.key, r.error) for r in rows if r.error is not None]
    empty = [r.key for r in rows if r.error is None and not len(r.labels)]
    if not good:
        why = "; ".join(f"{key}: {error}" for key, error in failed[:3]) + ("; ..." if len(failed) > 3 else "")
        raise DatasetError("no readable page with blocks to train on" + (f" ({why})" if why else ""))
    datasets: dict[str, dict[str, int]] = {}
    for p, r in good:
        d = datasets.setdefault(p.dataset, {"pages": 0, "blocks": 0})
        d["pages"] += 1
        d["blocks"] += len(r.labels)
    mean_pages = np.mean([d["pages"] for d in datasets.values()])
    page_weight = {name: (mean_pages / d["pages"]) ** balance for name, d in datasets.items()}
    return TrainingData(
        weight=np.concatenate([np.full(len(r.labels), page_weight[p.dataset]) for p, r in good]),
        X=_lexicon_out_of_fold(good, jobs, cache_dir),
        y=np.concatenate([r.labels for _, r in good]),
        groups=np.concatenate([np.full(len(r.labels), i, dtype=np.int64) for i, (_, r) in enumerate(good)]),
        tokens=np.concatenate([r.n_tokens for _, r in good]),
        structure=np.vstack([r.structure for _, r in good]),
        markup=np.vstack([r.markup for _, r in good]),
        sources=[p.dataset for p, _ in good],
        datasets=datasets,
        failed=failed,
        empty=empty,
    )


def _lexicon_out_of_fold(
    good: Sequence[tuple[Page, PageRows]], jobs: int = 1, cache_dir: Path | None = None
) -> npt.NDArray[np.float32]:
    """The stacked features, with the lexicon column of the shipped lexicon's own pages replaced by out-of-fold
    scores (``lexicon.out_of_fold_scores``); other pages keep the shipped lexicon's score, as new pages get it.
    The scores are cached: they take half a minute to fit, and a second training run with other model settings
    should start fitting at once (issue 5)."""
    from blocksift.features import FEATURE_NAMES
    from blocksift.lexicon import out_of_fold_scores, page_site, page_weights, shipped_lexicon

    X = np.vstack([r.features for _, r in good])
    own = [(i, p, r) for i, (p, r) in enumerate(good) if r.digest in shipped_lexicon().pages and r.words]
    if not own:
        return X
    sites = [page_site(p) for _, p, _ in own]
    cache = _OutOfFoldCache(cache_dir, [r for _, _, r in own], sites) if cache_dir is not None else None
    scores = cache.load() if cache is not None else None
    if scores is None:
        scores = out_of_fold_scores(
            [r.words for _, _, r in own],
            [r.labels for _, _, r in own],
            [page_weights(r.n_tokens) for _, _, r in own],
            sites,
            jobs=jobs,
        )
        if cache is not None:
            cache.save(scores)
    starts = np.cumsum([0] + [len(r.labels) for _, r in good])
    column = FEATURE_NAMES.index("attr_lexicon")
    for (i, _, _), s in zip(own, scores, strict=True):
        X[starts[i] : starts[i + 1], column] = s
    return X


class _OutOfFoldCache:
    """The out-of-fold lexicon scores of a set of pages, in one ``.npz`` beside the row cache, named by a hash of
    the rows' code fingerprint and of each page's digest, site, labels and token counts (what the scores are
    computed from). Loaded with ``allow_pickle=False``; a damaged or mismatched file is recomputed."""

    def __init__(self, cache_dir: Path, rows: Sequence[PageRows], sites: Sequence[str]) -> None:
        from blocksift.lexicon import MIN_SITES, OOF_FOLDS
        from blocksift.table import rows_fingerprint

        h = hashlib.sha1(f"oof:{rows_fingerprint()}:{OOF_FOLDS}:{MIN_SITES}".encode())
        for r, site in zip(rows, sites, strict=True):
            for part in (r.digest.encode(), site.encode(), r.labels.tobytes(), r.n_tokens.tobytes()):
                h.update(len(part).to_bytes(8, "little"))
                h.update(part)
        self.path = cache_dir / "lexicon-oof" / f"{h.hexdigest()}.npz"
        self.lengths = [len(r.labels) for r in rows]

    def load(self) -> list[npt.NDArray[np.float64]] | None:
        try:
            with np.load(self.path, allow_pickle=False) as z:
                scores = z["scores"]
        except (OSError, ValueError, KeyError):
            return None
        if len(scores) != sum(self.lengths):
            return None
        return np.split(scores, np.cumsum(self.lengths)[:-1])

    def save(self, scores: Sequence[npt.NDArray[np.float64]]) -> None:
        save_npz(self.path, scores=np.concatenate(scores))


def train(
    pages: Sequence[Page],
    *,
    params: dict[str, Any] | None = None,
    balance: float = DEFAULT_BALANCE,
    jobs: int = 1,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[Predictor, dict[str, Any]]:
    """Fit a classifier on ``pages``; returns it and the training record for its card."""
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    data = _stacked(pages, balance, jobs, cache_dir, progress, say)
    t1 = time.perf_counter()
    clf = fit_classifier(data, params)
    t2 = time.perf_counter()
    trees = len(clf.forest_.roots) + sum(len(f.roots) for f in clf.stage1_)
    trees += sum(len(f.roots) for f in clf.conventions_.forests) if clf.conventions_ else 0
    say(f"fitted {trees} trees in {t2 - t1:.0f} s")
    return clf, {**_record(pages, data, t1 - t0, t2 - t1), "balance": balance}


def fit_classifier(data: TrainingData, params: dict[str, Any] | None = None) -> BlockClassifier:
    """A BlockClassifier with ``params`` fitted on stacked pages (what ``train`` and the benchmarks' studies fit)."""
    from blocksift.model import BlockClassifier  # scikit-learn: imported only when training

    clf = BlockClassifier(**(params or {}))
    # scikit-learn reports boosting iterations on stdout; the CLI keeps stdout for results.
    with contextlib.redirect_stdout(sys.stderr):
        clf.fit(
            data.X, data.y, groups=data.groups, tokens=data.tokens, structure=data.structure,
            sample_weight=data.weight, markup=data.markup, sources=data.sources,
        )  # fmt: skip
    return clf


def _stacked(
    pages: Sequence[Page], balance: float, jobs: int, cache_dir: Path | None,
    progress: Callable[[int], None] | None, say: Callable[[str], None],
) -> TrainingData:  # fmt: skip
    """The pages' feature rows (from the cache where it has them) stacked, with what was read and left out said."""
    t0 = time.perf_counter()
    rows = build_rows(pages, jobs=jobs, cache_dir=cache_dir, progress=progress)
    data = stack(pages, rows, balance, jobs=jobs, cache_dir=cache_dir)
    say(
        f"features: {data.X.shape[0]:,} blocks x {data.X.shape[1]} features from "
        f"{sum(d['pages'] for d in data.datasets.values()):,} pages in {time.perf_counter() - t0:.0f} s; "
        f"{len(data.empty)} pages without text left out, {len(data.failed)} pages failed"
    )
    for key, error in data.failed:
        say(f"  skipped {key}: {error}")
    return data


def _record(pages: Sequence[Page], data: TrainingData, features_s: float, fit_s: float) -> dict[str, Any]:
    """What the model card says about the data a model learned from."""
    return {
        "datasets": data.datasets,
        "splits": sorted({p.split for p in pages}),
        "pages": sum(d["pages"] for d in data.datasets.values()),
        "blocks": int(data.X.shape[0]),
        "content_share": float(data.y.mean()),
        "failed_pages": len(data.failed),
        "pages_without_text": len(data.empty),
        "seconds": {"features": round(features_s, 1), "fit": round(fit_s, 1)},
    }


def adapt_model(
    base: Predictor,
    pages: Sequence[Page],
    *,
    settings: AdaptSettings | None = None,
    jobs: int = 1,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[Predictor, dict[str, Any]]:
    """``base`` adapted to ``pages`` (``adapt.py``); returns it and the training record for its card. Every page
    counts the same: the pages given are the ones the model should move towards."""
    from blocksift.adapt import adapt

    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    data = _stacked(pages, 0.0, jobs, cache_dir, progress, say)
    t1 = time.perf_counter()
    model = adapt(
        base, data.X, data.y, groups=data.groups, tokens=data.tokens, structure=data.structure,
        markup=data.markup, settings=settings, log=say,
    )  # fmt: skip
    t2 = time.perf_counter()
    base_training = (getattr(base, "card_", {}) or {}).get("training", {}) or {}
    # What the base learned from (and what its own bases did), so that evaluate warns on those pages too.
    base_data = {"datasets": sorted(base_training.get("datasets") or {}), "splits": base_training.get("splits")}
    learned_from = [*(base_training.get("learned_from") or []), base_data]
    record = _record(pages, data, t1 - t0, t2 - t1)
    return model, {"adapted_from": base_training.get("command", "a model"), **record, "learned_from": learned_from}
