"""Training on the sample pages, persistence round trips, and refusal of tampered or mismatched models."""

from __future__ import annotations

import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import blocksift
from blocksift.datasets import load_datasets
from blocksift.decide import half_best_f1
from blocksift.errors import ModelError
from blocksift.evaluate import model_chooser, score
from blocksift.features import FEATURE_NAMES
from blocksift.forest import ROW_BLOCK, Forest
from blocksift.model import BlockClassifier, best_threshold, page_f1_mean, page_token_f1
from blocksift.modelfile import default_model, load_model
from blocksift.predictor import Model
from blocksift.table import build_rows
from conftest import SAMPLE, model_card, rewrite_model


def test_model_trained_on_sample_extracts_held_out_pages(sample_model: BlockClassifier) -> None:
    pages = load_datasets([SAMPLE], splits=["test"])
    report = score(pages, model_chooser(sample_model))
    # 11 training pages only; the floor checks that learning happened, not that the model is good.
    assert report.mean["f1"] >= 0.7, report.as_dict()
    assert report.mean["block_accuracy"] >= 0.8


def test_card_records_what_made_the_model(sample_model: BlockClassifier, sample_model_path: Path) -> None:
    card = json.loads(sample_model_path.with_name("sample.card.json").read_text())
    assert card == sample_model.card_
    assert card["features"]["names"] == list(FEATURE_NAMES)
    assert card["training"]["datasets"]["sample"]["pages"] == 11
    assert card["training"]["splits"] == ["train"]
    assert card["seed"] == 0 and 0 < card["threshold"] < 1
    # The two first-stage fold forests, which gave the out-of-fold scores, are averaged for prediction.
    assert card["stage1_trees"] == [len(f.roots) for f in sample_model.stage1_] and len(card["stage1_trees"]) == 2
    assert {"blocksift", "scikit-learn", "numpy", "python"} <= set(card["versions"])
    assert card["validation"]["pages"] >= 1 and 0 <= card["validation"]["token_f1"] <= 1
    assert "Validation" in sample_model_path.with_name("sample.card.md").read_text()


def test_round_trip_gives_identical_predictions(
    sample_model: BlockClassifier, sample_model_path: Path, tmp_path: Path
) -> None:
    rows = build_rows(load_datasets([SAMPLE], splits=["test"]))
    X = np.vstack([r.features for r in rows])
    copy = tmp_path / "copy.npz"
    blocksift.save_model(sample_model, copy, sample_model.card_["training"])
    again = load_model(copy)
    assert np.array_equal(again.predict_proba(X), sample_model.predict_proba(X))
    assert again.threshold_ == sample_model.threshold_


def test_tampered_trees_are_refused(sample_model_path: Path, tmp_path: Path) -> None:
    with np.load(sample_model_path) as data:
        value = data["main__value"].copy()
    value[0] += 1.0
    bad = tmp_path / "tampered.npz"
    rewrite_model(sample_model_path, bad, {"main__value": value})
    with pytest.raises(ModelError, match="altered or damaged"):
        load_model(bad)


def test_other_feature_schema_is_refused(sample_model_path: Path, tmp_path: Path) -> None:
    card = model_card(sample_model_path)
    card["features"]["schema_version"] = 999
    bad = tmp_path / "schema.npz"
    rewrite_model(sample_model_path, bad, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match="feature schema 999"):
        load_model(bad)


def test_other_context_columns_are_refused(sample_model_path: Path, tmp_path: Path) -> None:
    card = model_card(sample_model_path)
    card["features"]["context_names"] = [*card["features"]["context_names"], "ctx_from_a_later_version"]
    bad = tmp_path / "context.npz"
    rewrite_model(sample_model_path, bad, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match=r"26 context columns; this blocksift computes 25 \(ctx_from_a_later_version"):
        load_model(bad)


@pytest.mark.parametrize("model", [123, b"model.npz", ["model.npz"]])
def test_a_model_that_is_neither_object_nor_path_is_a_model_error(model: object) -> None:
    """Every error of the library is one of its documented types; this one was a bare TypeError from numpy."""
    from blocksift import extract

    with pytest.raises(ModelError, match="a model file's path or None, not"):
        extract("<p>The ferry leaves at nine.</p>", model=model)  # type: ignore[arg-type]


def test_corrupt_and_foreign_files_are_refused(sample_model_path: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(sample_model_path.read_bytes()[:500])
    text = tmp_path / "text.npz"
    text.write_text("not a model")
    with pytest.raises(ModelError, match="not a readable"):
        load_model(truncated)
    with pytest.raises(ModelError, match="is not a blocksift model file"):
        load_model(text)
    card = tmp_path / "m.card.json"  # numpy called it "pickled data"
    card.write_text(json.dumps(model_card(sample_model_path)))
    with pytest.raises(ModelError, match=r"that is a model's card: give the \.npz beside it"):
        load_model(card)
    with pytest.raises(ModelError, match="no model file"):
        load_model(tmp_path / "missing.npz")


class _Payload:
    def __reduce__(self) -> tuple:
        return (Path.touch, (Path(_Payload.target),))

    target = ""


def test_saving_a_model_to_a_directory_names_the_directory_and_writes_nothing(
    sample_model: BlockClassifier, tmp_path: Path
) -> None:
    target = tmp_path / "models"
    target.mkdir()
    with pytest.raises(IsADirectoryError, match=r"models is a directory; a model is saved to a file: name it, such as"):
        blocksift.save_model(sample_model, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"] and not any(target.iterdir())


def test_pickle_payload_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    _Payload.target = str(marker)
    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(evil, "w") as z:  # an .npz whose arrays are pickled objects
        z.writestr("card.npy", b"")
        z.writestr("value.pkl", pickle.dumps(_Payload()))
    obj = tmp_path / "object.npz"
    np.savez(obj, card=np.array([_Payload()], dtype=object))
    for path in (evil, obj, tmp_path / "evil.pkl"):
        if path.suffix == ".pkl":
            path.write_bytes(pickle.dumps(_Payload()))
        with pytest.raises(ModelError):
            load_model(path)
    assert not marker.exists()


def test_threshold_maximises_page_token_f1() -> None:
    groups = np.array([0, 0, 0, 1, 1, 1])
    tokens = np.array([10, 10, 10, 10, 10, 10])
    truth = np.array([True, True, False, True, False, False])
    proba = np.array([0.9, 0.6, 0.3, 0.7, 0.5, 0.1])
    t, f1 = best_threshold(groups, tokens, truth, proba)
    assert 0.5 < t <= 0.6 and f1 == 1.0
    assert page_token_f1(groups, tokens, truth, proba >= 0.95) == (0.0, 0.0, 0.0)


def _expected_f1(p: np.ndarray, t: np.ndarray, keep: np.ndarray) -> float:
    """A page's expected token F1 when ``keep`` is kept and each block is content with probability ``p``."""
    return float(2 * (p * t)[keep].sum() / (t[keep].sum() + (p * t).sum()))


def test_half_best_f1_is_half_the_best_expected_f1_of_each_page() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(40)
    t = rng.integers(1, 50, 40).astype(float)
    pages = rng.integers(0, 4, 40)  # rows of a page need not be contiguous
    half = half_best_f1(p, t, pages)
    for g in range(4):
        rows = pages == g
        order = np.argsort(-p[rows])
        best = max(
            _expected_f1(p[rows], t[rows], np.isin(np.arange(rows.sum()), order[:k])) for k in range(1, rows.sum() + 1)
        )
        assert np.allclose(half[rows], best / 2)
    one = pages == 0
    assert np.array_equal(half_best_f1(p[one], t[one]), half[one])  # extraction's one-page path agrees
    assert half_best_f1(np.zeros(0), np.zeros(0)).shape == (0,)
    assert half_best_f1(np.array([0.3]), np.array([0.0]))[0] == 0.0  # a page without tokens: no F1 to expect


def test_the_page_cut_keeps_more_where_the_model_is_unsure() -> None:
    """A sure page is cut near 0.5; on a page of middling scores the cut falls and keeps the likely blocks a fixed
    threshold drops; the floor and a caller's threshold bound and replace the rule."""
    model = Model(Forest.from_sklearn(_tiny_booster()), [], threshold=0.41, validation={}, params={}, card={})
    sure = np.array([0.97, 0.95, 0.03, 0.02])
    unsure = np.array([0.38, 0.35, 0.33, 0.05])
    tokens = np.full(4, 20.0)
    assert np.all(model.cuts(unsure, tokens) == 0.41)  # no floor: a model from before the per-page cut
    model.cut_floor_ = 0.2
    assert 0.45 < model.cuts(sure, tokens)[0] < 0.5
    unsure_cut = model.cuts(unsure, tokens)[0]
    assert 0.2 <= unsure_cut < 0.33 and (unsure >= unsure_cut).sum() == 3
    model.cut_floor_ = 0.34
    assert model.cuts(unsure, tokens)[0] == 0.34
    assert np.all(model.cuts(unsure, tokens, threshold=0.9) == 0.9)


def test_a_page_the_model_expects_nothing_of_keeps_nothing() -> None:
    """Below ``empty_below_`` (best expected F1 of the page) every cut is infinite; a page above it, a caller's
    threshold, and models without the rule keep their ordinary cuts."""
    model = Model(Forest.from_sklearn(_tiny_booster()), [], threshold=0.41, validation={}, params={}, card={})
    index_page = np.array([0.3, 0.25, 0.2, 0.1, 0.1, 0.05])  # best expected F1 about 0.38
    article = np.array([0.97, 0.9, 0.1, 0.05, 0.3, 0.6])
    tokens = np.full(6, 20.0)
    assert 0.3 < 2 * half_best_f1(index_page, tokens)[0] < 0.45
    assert not model.without_content(index_page, tokens).any()  # 0: the rule is off
    model.empty_below_ = 0.5
    assert model.without_content(index_page, tokens).all()
    assert np.all(np.isinf(model.cuts(index_page, tokens)))
    assert not model.keep(["a b c"] * 6, tokens, index_page).any()
    assert np.all(model.cuts(index_page, tokens, empty=False) == 0.41)
    assert np.all(model.cuts(index_page, tokens, threshold=0.2) == 0.2)  # the caller's threshold decides alone
    assert np.all(model.cuts(article, tokens) == 0.41)
    both = np.r_[index_page, article]
    pages = np.repeat([0, 1], 6)
    assert np.array_equal(model.without_content(both, np.r_[tokens, tokens], pages), pages == 0)
    model.cut_floor_ = 0.2
    assert np.all(np.isinf(model.cuts(index_page, tokens))) and np.isfinite(model.cuts(article, tokens)).all()


def test_empty_below_is_chosen_where_both_averages_gain() -> None:
    """Held-out pages where the model is unsure of index pages (no content) and sure of articles: the rule turns
    on and keeps the articles; where the unsure pages have content it stays off, since their own F1 would fall
    to 0 although the benchmark's precision average would rise."""
    rng = np.random.default_rng(5)
    sure = [np.r_[rng.uniform(0.8, 1.0, 5), rng.uniform(0.0, 0.2, 5)] for _ in range(30)]
    unsure = [rng.uniform(0.15, 0.4, 10) for _ in range(4)]
    proba = np.concatenate(sure + unsure)
    groups = np.repeat(np.arange(34), 10)
    tokens = np.full(len(proba), 10.0)
    half = half_best_f1(proba, tokens, groups)
    keep = proba >= np.maximum(0.1, half)
    articles = np.tile(np.r_[np.ones(5, bool), np.zeros(5, bool)], 30)
    no_content = np.r_[articles, np.zeros(40, bool)]
    chosen = BlockClassifier._choose_empty_below(keep, half, no_content, groups, tokens, None)
    assert 0.0 < chosen <= 0.7 and np.all(2 * half[groups >= 30] < chosen) and np.all(2 * half[groups < 30] >= chosen)
    with_content = np.r_[articles, np.tile(np.r_[np.ones(3, bool), np.zeros(7, bool)], 4)]
    assert BlockClassifier._choose_empty_below(keep, half, with_content, groups, tokens, None) == 0.0


def test_page_f1_mean_scores_empty_pages_as_the_word_metric_does() -> None:
    groups = np.array([0, 0, 1, 1, 2])
    tokens = np.array([3.0, 1.0, 2.0, 2.0, 4.0])
    truth = np.array([True, False, False, False, True])
    pred = np.array([True, True, False, False, False])
    # page 0: tp 3, fp 1 -> 6/7; page 1: nothing either side -> 1; page 2: content missed -> 0
    assert page_f1_mean(groups, tokens, truth, pred) == pytest.approx((6 / 7 + 1 + 0) / 3)
    pred[2] = True  # page 1 now keeps a block of a page without content
    assert page_f1_mean(groups, tokens, truth, pred) == pytest.approx((6 / 7 + 0 + 0) / 3)


def _tiny_booster():  # type: ignore[no-untyped-def]
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.arange(40.0)[:, None]
    return HistGradientBoostingClassifier(max_iter=3).fit(X, X[:, 0] > 20)


def test_cards_without_a_cut_floor_keep_their_threshold(sample_model_path: Path, tmp_path: Path) -> None:
    card = model_card(sample_model_path)
    assert "cut_floor" in card and card["validation"]["cut_floor"] == card["cut_floor"]
    older = tmp_path / "older.npz"
    del card["cut_floor"]
    rewrite_model(sample_model_path, older, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    assert load_model(older).cut_floor_ is None
    card["cut_floor"] = "low"
    bad = tmp_path / "bad.npz"
    rewrite_model(sample_model_path, bad, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match="cut_floor"):
        load_model(bad)


def test_cards_record_empty_below_and_older_cards_load_without_it(sample_model_path: Path, tmp_path: Path) -> None:
    card = model_card(sample_model_path)
    assert card["empty_below"] == card["validation"]["empty_below"]
    assert load_model(sample_model_path).empty_below_ == card["empty_below"]
    older = tmp_path / "older.npz"
    del card["empty_below"]
    rewrite_model(sample_model_path, older, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    assert load_model(older).empty_below_ == 0.0
    card["empty_below"] = 2.0
    bad = tmp_path / "bad.npz"
    rewrite_model(sample_model_path, bad, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match="empty_below"):
        load_model(bad)


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("threshold", None, "threshold None is not a number between 0 and 1"),  # none: KeyError
        ("threshold", "0.4", "threshold '0.4' is not a number"),  # a str: float() took it or raised ValueError
        ("threshold", 7.0, "threshold 7.0 is not a number between 0 and 1"),  # kept: every block dropped
        ("features", "schema 3", "its card's features is str, not an object"),  # AttributeError
        ("validation", [1, 2], "its card's validation is list, not an object"),  # TypeError
        ("params", "max_iter=150", "its card's params is str, not an object"),  # ValueError
    ],
)
def test_a_card_of_another_shape_is_a_model_error(
    sample_model_path: Path, tmp_path: Path, key: str, value: object, says: str
) -> None:
    """The digest covers the trees, not the card: a card edited by hand or laid out by a later version reaches the
    loader, which promises a ModelError for any file it cannot trust, not a KeyError from inside."""
    card = model_card(sample_model_path)
    card[key] = value
    if value is None:
        del card[key]
    edited = tmp_path / "edited.npz"
    rewrite_model(sample_model_path, edited, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match=re.escape(says)):
        load_model(edited)


def test_classifier_is_a_scikit_learn_estimator() -> None:
    clf = BlockClassifier(max_iter=5)
    assert clf.get_params()["max_iter"] == 5
    rng = np.random.default_rng(0)
    X = rng.random((400, 3))
    y = X[:, 0] > 0.5
    clf.fit(X, y, groups=np.repeat(np.arange(20), 20), tokens=np.full(400, 10))
    assert clf.score(X, y) > 0.9 and clf.predict_proba(X).shape == (400, 2)


def test_an_unfitted_classifier_says_it_is_not_fitted() -> None:
    """scikit-learn's contract for an estimator used before ``fit``; both raised ``AttributeError: ... 'stage1_'``."""
    from sklearn.exceptions import NotFittedError

    clf = BlockClassifier(max_iter=5)
    X = np.random.default_rng(0).random((4, 3))
    for call in (clf.predict_proba, clf.predict):
        with pytest.raises(NotFittedError, match="not fitted"):
            call(X)
    with pytest.raises(ModelError, match="the classifier is not fitted"):
        blocksift.extract("<p>The ferry leaves at nine.</p>", model=clf)


def test_compiled_and_numpy_tree_walks_agree(sample_model: BlockClassifier) -> None:
    forest = sample_model.forest_
    rng = np.random.default_rng(1)
    # A block of ROW_BLOCK rows and one of 47: the compiled walk takes each block's rows eight at a time, then the
    # last seven alone.
    X = rng.normal(size=(ROW_BLOCK + 47, forest.n_features)) * 5
    X[0, 0], X[1, 1] = np.inf, -np.inf
    out = np.empty(len(X))
    assert _compiled_walk_or_fail()(X, *forest._packed, forest.roots, out)
    # To the last bit: a process walks its first pages in numpy and later ones compiled, and a page's probabilities
    # must not depend on how many pages came before it.
    assert np.array_equal(forest.baseline + out, forest.baseline + forest._walk_numpy(X))
    assert np.array_equal(forest.decision_function(X), forest.baseline + out)
    # A missing value anywhere: the compiled walk declines and the numpy walk, which sends it where scikit-learn
    # learned to, scores the matrix.
    X[-1, -1] = np.nan
    assert not _compiled_walk_or_fail()(X, *forest._packed, forest.roots, out)
    assert np.array_equal(forest.decision_function(X), forest.baseline + forest._walk_numpy(X))


def _depth_first(forest: Forest) -> dict[str, np.ndarray]:
    """The forest's arrays numbered depth first, as scikit-learn numbers its nodes (and older model files)."""
    arrays = {k: v for k, v in forest.to_arrays().items() if k != "scalars"}
    order: list[int] = []

    def visit(node: int) -> None:
        order.append(node)
        if not arrays["is_leaf"][node]:
            visit(int(arrays["left"][node]))
            visit(int(arrays["right"][node]))

    for root in arrays["roots"].tolist():
        visit(root)
    old = np.array(order)
    new_of = np.empty(len(old), dtype=np.int32)
    new_of[old] = np.arange(len(old))
    out = {k: v[old] for k, v in arrays.items() if k != "roots"}
    for side in ("left", "right"):
        out[side] = np.where(out["is_leaf"], 0, new_of[out[side]]).astype(np.int32)
    out["roots"] = new_of[arrays["roots"]]
    out["scalars"] = forest.to_arrays()["scalars"]
    return out


def test_nodes_are_numbered_breadth_first_and_score_as_scikit_learn(sample_model: BlockClassifier) -> None:
    """The walk relies on a node's children being neighbours; renumbering must not change a single score, and a
    file numbered depth first (as models saved before the renumbering are) loads into the same forest."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(2)
    X = rng.normal(size=(600, 6))
    X[rng.random(X.shape) < 0.05] = np.nan
    y = (X[:, 0] > 0) ^ (np.nan_to_num(X[:, 1]) > 1)
    booster = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=15, random_state=0).fit(X, y)
    forest = Forest.from_sklearn(booster)
    inner = ~forest.is_leaf
    assert (forest.right[inner] == forest.left[inner] + 1).all()
    assert (forest.left[inner] > np.flatnonzero(inner)).all()
    expected = booster.decision_function(X)
    assert np.allclose(forest._walk_numpy(X) + forest.baseline, expected)
    assert np.allclose(forest.decision_function(X), expected)
    finite = ~np.isnan(X).any(axis=1)
    out = np.empty(int(finite.sum()))
    assert _compiled_walk_or_fail()(X[finite], *forest._packed, forest.roots, out)
    assert np.allclose(out + forest.baseline, expected[finite])
    old_layout = Forest.from_arrays(_depth_first(sample_model.forest_))
    for name in ("feature", "threshold", "left", "right", "value", "is_leaf", "missing_left", "roots"):
        assert np.array_equal(getattr(old_layout, name), getattr(sample_model.forest_, name)), name


def _compiled_walk_or_fail():  # type: ignore[no-untyped-def]
    from blocksift.forest import _compiled_walk

    walk = _compiled_walk()
    assert walk is not None, "numba is a dependency; the compiled walk must load"
    return walk


def test_trees_sharing_a_node_are_refused(sample_model: BlockClassifier) -> None:
    """A tampered file whose two nodes point at one child would make the renumbering walk a node twice."""
    arrays = sample_model.forest_.to_arrays()
    inner = np.flatnonzero(~arrays["is_leaf"])
    arrays["right"] = arrays["right"].copy()
    arrays["right"][inner[1]] = arrays["right"][inner[0]]
    with pytest.raises(ModelError, match="share nodes"):
        Forest.from_arrays(arrays)


def test_page_norm_lets_every_page_count_alike() -> None:
    """One long page says x=1 is boilerplate, twelve short pages say it is content: token weights side with the
    long page; with ``page_norm=1`` (each page's weights summing alike, as the per-page metrics count pages) the
    twelve pages win."""
    long_x, long_y = np.ones(20), np.zeros(20, dtype=bool)
    short_x, short_y = np.ones(12), np.ones(12, dtype=bool)
    other_x, other_y = np.zeros(13), np.array([True] * 6 + [False] * 7)  # x=0 blocks: both classes present
    X = np.concatenate([long_x, short_x, other_x])[:, None]
    y = np.concatenate([long_y, short_y, other_y])
    groups = np.concatenate([np.zeros(20), np.arange(1, 13), np.arange(13, 26)])
    tokens = np.concatenate([np.full(20, 500), np.full(12, 20), np.full(13, 20)])
    p_content = {}
    for norm in (0.0, 1.0):
        clf = BlockClassifier(max_iter=5, min_samples_leaf=1, context=False, validation_fraction=0, page_norm=norm)
        clf.fit(X, y, groups=groups, tokens=tokens)
        p_content[norm] = clf.predict_proba(np.ones((1, 1)))[0, 1]
    assert p_content[0.0] < 0.5 < p_content[1.0]
    weights = BlockClassifier(page_norm=1.0)._page_normalised(np.array([1.0, 2, 3, 10, 10]), np.array([0, 0, 0, 1, 1]))
    assert np.isclose(weights[:3].sum(), weights[3:].sum()) and np.isclose(weights.sum(), 26.0)


def test_refit_learns_the_held_out_pages_and_keeps_the_rule_chosen_on_them() -> None:
    """``refit`` fits the final forest again on every page once the held-out pages have chosen the threshold: here the
    held-out pages follow a rule no other page shows (the label inverted where a marker column is 1), which only the
    refitted forest can know. The threshold, the cut and the held-out figures are the held-out forest's, the same with
    or without the refit."""
    from blocksift.model import validation_split

    rng = np.random.default_rng(1)
    pages, per_page = 40, 30
    groups = np.repeat(np.arange(pages), per_page)
    _, va = validation_split(groups, 0.2, 0)
    held = np.isin(groups, np.unique(groups[va]))
    x = rng.random(len(groups))
    X = np.column_stack([x, held.astype(float)])
    y = (x > 0.5) != held
    kw = {"max_iter": 50, "min_samples_leaf": 5, "context": False, "page_cut": False}
    tokens = np.full(len(y), 10)  # no block is short (``short_rate``): every row is fitted
    fitted = {r: BlockClassifier(refit=r, **kw).fit(X, y, groups=groups, tokens=tokens) for r in (True, False)}
    assert BlockClassifier().refit is False  # the shipped recipe
    accuracy = {r: np.mean((clf.predict_proba(X[held])[:, 1] > 0.5) == y[held]) for r, clf in fitted.items()}
    assert accuracy[True] > 0.95 and accuracy[False] < 0.05, accuracy
    assert fitted[True].threshold_ == fitted[False].threshold_
    assert fitted[True].validation_ == fitted[False].validation_
    assert np.array_equal(fitted[True].held_out_proba_, fitted[False].held_out_proba_)


def test_many_rows_are_scored_a_slice_at_a_time_with_the_same_probabilities(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over ROWS_PER_WALK rows the forests read their columns in slices (a big page's memory); every row's
    probability is what the whole design matrix gives, pages spanning slices included."""
    from blocksift import predictor

    model = default_model()
    pages = load_datasets([SAMPLE], splits=["test"])
    rows = [r for r in build_rows(pages, jobs=1) if r.error is None and len(r.labels)]
    X = np.vstack([r.features for r in rows])
    args = {
        "groups": np.concatenate([np.full(len(r.labels), i) for i, r in enumerate(rows)]),
        "tokens": np.concatenate([r.n_tokens for r in rows]),
        "structure": np.vstack([r.structure for r in rows]),
        "markup": np.vstack([r.markup for r in rows]),
    }
    whole = model.forest_.predict_proba(model.design(X, **args))
    monkeypatch.setattr(predictor, "ROWS_PER_WALK", 37)
    assert len(X) > 3 * 37
    sliced = model.predict_proba(X, **args)[:, 1]
    np.testing.assert_allclose(sliced, whole, rtol=0, atol=1e-12)


def test_extraction_says_when_the_model_expects_no_content() -> None:
    """A page the model expects nothing of yields no text and says so (``no_content``, and the json record's
    flag), its ordinary cut kept for display; a caller's threshold still extracts it."""
    from blocksift.extraction import extract_blocks
    from blocksift.render import page_record

    page = load_datasets([SAMPLE], splits=["test"])[0].read_html()
    shipped = default_model()
    ordinary = extract_blocks(page, shipped)
    assert not ordinary.no_content and ordinary.text and "no_content" not in page_record("p", ordinary)
    strict = load_model()  # a private copy: the shipped model object is shared by the process
    strict.empty_below_ = 1.0  # no page can expect an F1 of 1 unless every block is certain
    result = extract_blocks(page, strict)
    assert result.no_content and result.text == "" and not result.keep.any()
    assert result.threshold == ordinary.threshold
    assert page_record("p", result)["no_content"] is True
    forced = extract_blocks(page, strict, threshold=0.5)
    assert not forced.no_content and forced.text


@pytest.mark.parametrize("threshold", [1.5, -0.1, float("nan"), float("inf")])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    from blocksift.evaluate import model_chooser
    from blocksift.extraction import extract, extract_blocks

    page = (SAMPLE / "html" / "blog-rye-bread.html").read_bytes()
    with pytest.raises(ValueError, match="between 0 and 1"):
        extract(page, threshold=threshold)
    with pytest.raises(ValueError, match="between 0 and 1"):  # evaluate's chooser keeps what extract keeps
        model_chooser(load_model(), threshold)
    model, texts, tokens = load_model(), ["One block.", "Another block."], np.array([2, 2])
    for call in (  # the model's own methods, called from Python, refuse it as well
        lambda: model.cuts(np.array([0.2, 0.9]), tokens, threshold=threshold),
        lambda: model.keep(texts, tokens, np.array([0.2, 0.9]), threshold=threshold),
    ):
        with pytest.raises(ValueError, match="between 0 and 1"):
            call()
    # the ends of the range are thresholds like any other: everything (but repeats) and next to nothing
    kept = [int(extract_blocks(page, threshold=t).keep.sum()) for t in (0.0, None, 1.0)]
    assert kept[0] >= kept[1] >= kept[2] and kept[0] > kept[2]


def test_a_page_given_as_a_buffer_extracts_as_its_bytes_and_a_path_is_refused_with_a_hint() -> None:
    from blocksift.errors import InputError
    from blocksift.extraction import extract

    path = SAMPLE / "html" / "blog-rye-bread.html"
    data = path.read_bytes()
    assert extract(bytearray(data)) == extract(memoryview(data)) == extract(data) != ""
    with pytest.raises(InputError, match=r"not PosixPath: read the file first|not WindowsPath: read the file first"):
        extract(path)  # type: ignore[arg-type]


def test_blocks_of_one_kind_are_refused_and_a_fold_of_one_kind_says_that_kind() -> None:
    """scikit-learn fits rows of one class, and its raw score is then the log-odds of a class it never saw: a model
    trained on pages whose every block was content kept nothing (p = 2e-15 on every block)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from blocksift.errors import DatasetError

    rng = np.random.default_rng(0)
    X = rng.random((200, 3))
    with pytest.raises(DatasetError, match="every labelled block is content"):
        BlockClassifier(max_iter=5).fit(X, np.ones(200, bool), groups=np.repeat(np.arange(10), 20))
    for kind in (True, False):
        one_kind = HistGradientBoostingClassifier(max_iter=5).fit(X, np.full(200, kind))
        p = Forest.from_sklearn(one_kind).predict_proba(X)
        assert (p > 0.999).all() if kind else (p < 0.001).all()


def test_a_few_labelled_pages_are_enough_for_trees_that_split() -> None:
    """With min_samples_leaf 40, 85 blocks made trees of one leaf each: every block got the same probability."""
    rng = np.random.default_rng(0)
    X = rng.random((85, 3))
    y = X[:, 0] > 0.5
    clf = BlockClassifier(max_iter=20, context=False, validation_fraction=0).fit(X, y, tokens=np.full(85, 10))
    p = clf.predict_proba(X)[:, 1]
    assert p.std() > 0.1 and ((p > 0.5) == y).mean() > 0.9


def test_the_shipped_model_is_named_as_train_from_names_it() -> None:
    from blocksift import extract

    page = (SAMPLE / "html" / "news-ferry-timetable.html").read_bytes()
    assert extract(page, model="shipped") == extract(page)


def test_load_model_names_the_shipped_model_as_model_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """extract(model="shipped") and --model shipped name the shipped model; load_model("shipped") looked for a file
    of that name in the working directory, which a path object still names."""
    monkeypatch.chdir(tmp_path)
    shipped = load_model("shipped")
    assert shipped.card_["digest"] == default_model().card_["digest"]
    assert shipped is not default_model()  # a copy of its own, as load_model() gives, free to change
    with pytest.raises(ModelError, match="no model file at shipped"):
        load_model(Path("shipped"))


PICKLED_PAGES = {
    "utf-8 bytes": (SAMPLE / "html" / "news-ferry-timetable.html").read_bytes(),
    "str": (SAMPLE / "html" / "forum-mesh-wifi.html").read_text(encoding="utf-8"),
    "windows-1250 bytes": "<html><body><article><h1>Řeka</h1><p>Příliš žluťoučký kůň úpěl ďábelské ódy, když večer "
    "přišel k řece a díval se na lodě u mola.</p></article></body></html>".encode("cp1250"),
}


@pytest.mark.parametrize("kind", sorted(PICKLED_PAGES))
def test_an_extraction_pickles_as_a_worker_process_returns_it(kind: str) -> None:
    """``ProcessPoolExecutor.map(extract_blocks, pages)`` failed: "cannot pickle 'lxml.etree._Element' object". The
    pickle holds the page and the model's output, and unpickling parses the page again with the codec it was read
    with: every output of the copy is the original's."""
    from blocksift.render import to_html, to_markdown

    page = PICKLED_PAGES[kind]
    original = blocksift.extract_blocks(page)
    copy = pickle.loads(pickle.dumps(original))
    assert copy.text == original.text != "" and copy.encoding == original.encoding
    assert copy.blocks == original.blocks and copy.meta == original.meta and copy.title == original.title
    np.testing.assert_array_equal(copy.proba, original.proba)
    np.testing.assert_array_equal(copy.keep, original.keep)
    assert to_markdown(copy) == to_markdown(original) and to_html(copy) == to_html(original)


def test_an_extraction_pickled_by_a_blocksift_that_segments_otherwise_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its probabilities and labels belong to the blocks it was pickled with; read against others they would label
    the wrong text without a word."""
    from blocksift import extraction

    data = pickle.dumps(blocksift.extract_blocks(PICKLED_PAGES["utf-8 bytes"]))
    segment = extraction.segment

    def one_block_fewer(doc: object) -> object:
        seg = segment(doc)  # type: ignore[arg-type]
        return type(seg)(seg.blocks[1:], seg.containers, seg.title)

    monkeypatch.setattr(extraction, "segment", one_block_fewer)
    with pytest.raises(
        pickle.UnpicklingError, match=r"splits the page into other blocks \((\d+) then, (?!\1)\d+ now\)"
    ):
        pickle.loads(data)
