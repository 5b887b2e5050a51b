"""train --from: adapting a model to a few labelled pages (adapt.py), on the repo's own datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from typer.testing import CliRunner

from blocksift.adapt import AdaptSettings, _Bins
from blocksift.cli import app
from blocksift.datasets import load_datasets
from blocksift.evaluate import model_chooser, score_rows
from blocksift.forest import Forest
from blocksift.modelfile import default_model, load_model
from blocksift.table import build_rows
from blocksift.training import adapt_model

REPO = Path(__file__).resolve().parents[1]
OWN = REPO / "datasets" / "own"
SAMPLE = REPO / "datasets" / "sample"


def test_trees_fitted_on_bin_codes_give_the_same_scores_on_raw_values() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 6)).astype(np.float32)
    X[:, 2] = rng.integers(0, 4, size=2000)  # few distinct values: midpoint edges
    X[rng.random(2000) < 0.05, 3] = np.nan  # missing values go where the tree learnt
    y = X[:, 0] * 2 + (X[:, 2] == 1) + np.nan_to_num(X[:, 3]) + rng.normal(scale=0.1, size=2000)
    bins = _Bins(X, max_bins=32)  # fewer bins than distinct values on the normal columns: percentile edges
    codes = bins.codes(X)
    reg = HistGradientBoostingRegressor(max_iter=1, learning_rate=1.0, max_leaf_nodes=15).fit(codes, y)
    raw = bins.raw_forest(Forest.from_sklearn(reg))
    np.testing.assert_allclose(raw.decision_function(X), reg.predict(codes), rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def own_pages() -> list:
    return load_datasets([OWN], splits=["train", "test"])


def _f1(model, pages) -> float:  # type: ignore[no-untyped-def]
    return score_rows(pages, build_rows(pages), model_chooser(model)).mean["f1"]


def test_adapting_learns_the_new_pages_and_keeps_the_old_trees(own_pages: list) -> None:
    base = default_model()
    train = [p for p in own_pages if p.split == "train"]
    adapted, record = adapt_model(base, train, settings=AdaptSettings(rounds=20))
    # Every tree of the base model is still there, unchanged, followed by the new ones.
    n = len(base.forest_.feature)
    assert len(adapted.forest_.roots) == len(base.forest_.roots) + 20
    np.testing.assert_array_equal(adapted.forest_.threshold[:n], base.forest_.threshold[:n])
    assert adapted.stage1_ == base.stage1_ and adapted.threshold_ == base.threshold_
    assert record["pages"] == len(train)
    # It fits the pages it was given much better than the base model did...
    assert _f1(adapted, train) > _f1(base, train) + 0.03
    # ...and has not forgotten the pages it knew: the sample pages score about as before.
    sample = load_datasets([SAMPLE], splits=["train", "test"])
    assert _f1(adapted, sample) > _f1(base, sample) - 0.02


def test_train_from_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "adapted.npz"
    result = CliRunner().invoke(
        app, ["train", str(OWN), "--split", "train", "--from", "shipped", "--rounds", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Adapted (`train --from`)" in result.output
    model = load_model(out)
    assert len(model.forest_.roots) == len(default_model().forest_.roots) + 5
    assert model.card_["params"]["adapt"]["rounds"] == 5
    again = CliRunner().invoke(
        app, ["train", str(OWN), "--from", str(out), "--rounds", "0", "--out", str(tmp_path / "x.npz")]
    )
    assert again.exit_code == 2 and "--rounds must be at least 1" in again.output
    missing = CliRunner().invoke(app, ["train", str(OWN), "--from", str(tmp_path / "none.npz"), "--out", str(out)])
    assert missing.exit_code == 2
