"""The page classifier of the training sources' conventions (convention.py) and the markup signals it reads
(markup.py)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from blocksift import markup
from blocksift.convention import INPUT_NAMES, PAGE_COLUMNS, fit_conventions, page_classifier, page_inputs
from blocksift.datasets import load_datasets
from blocksift.errors import ModelError
from blocksift.extraction import extract_blocks
from blocksift.features import FEATURE_NAMES
from blocksift.markup import HEAD_BYTES, HEAD_SIGNALS, MARKUP_NAMES, PAGE_SIGNALS, PARAGRAPH_SIGNALS, markup_signals
from blocksift.model import BlockClassifier
from blocksift.modelfile import load_model, save_model
from blocksift.training import train
from conftest import REPO, SAMPLE, model_card, rewrite_model

PAGE = (
    b'<!DOCTYPE html><html><head><meta charset=utf-8><script src="/js/jquery.min.js"></script></head>'
    b'<body><DIV class="a"><Section><p>one</p><P class=b>two</p><pre>three</pre></Section></DIV></body></html>'
)


def _signal(values: np.ndarray, name: str) -> float:
    return float(values[MARKUP_NAMES.index(name)])


def test_markup_signals_count_tags_libraries_and_doctypes_whatever_their_case() -> None:
    s = markup_signals(PAGE)
    assert s.shape == (len(MARKUP_NAMES),) and s.dtype == np.float32
    assert _signal(s, "log_bytes") == pytest.approx(np.log1p(len(PAGE)))
    assert _signal(s, "head_doctype_html") == 1.0 and _signal(s, "head_xhtml") == 0.0
    # under 1 kB counts as 1 kB: counts per kB are the counts
    assert _signal(s, "per_kb_div") == 1.0 and _signal(s, "per_kb_section") == 1.0
    assert _signal(s, "per_kb_p") == 2.0  # <p> and <P class=b>, not <pre>
    assert _signal(s, "per_kb_class") == 2.0 and _signal(s, "per_kb_jquery") == 1.0
    assert _signal(s, "per_kb_charset_utf_8") == 1.0 and _signal(s, "per_kb_font") == 0.0
    big = PAGE + b"<br>" * 1000
    assert _signal(markup_signals(big), "per_kb_br") == pytest.approx(1000 / (len(big) / 1024))


def test_markup_signals_of_text_are_those_of_its_utf8_bytes_and_empty_input_gives_zeros() -> None:
    page = "<html><body><p>Grüße aus Köln — 東京</p></body></html>"
    np.testing.assert_array_equal(markup_signals(page), markup_signals(page.encode("utf-8")))
    np.testing.assert_array_equal(markup_signals(b""), np.zeros(len(MARKUP_NAMES), np.float32))
    with pytest.raises(TypeError, match="bytes or str"):
        markup_signals(None)  # type: ignore[arg-type]


def _counted_naively(html: bytes) -> np.ndarray:
    """The signals as their definition says: ``bytes.count`` in the lowered page (what ``markup._counts`` does
    in a fifth of the time)."""
    low = html.lower()
    kb = max(len(html) / 1024, 1.0)
    return np.array(
        [
            np.log1p(len(html)),
            *(float(s in low[:HEAD_BYTES]) for s in HEAD_SIGNALS),
            *(low.count(s) / kb for s in PAGE_SIGNALS),
            sum(low.count(s) for s in PARAGRAPH_SIGNALS) / kb,
        ],
        dtype=np.float32,
    )


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_markup_signals_count_as_bytes_count_across_chunk_boundaries(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Pages made of the signals' pieces, their case mixed, counted a few bytes at a time and at once: the same as
    the definition, whatever chunk boundary falls inside a signal; a page of nothing but anchors too."""
    monkeypatch.setattr(markup, "CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    pieces = [s[:cut] for s in (*PAGE_SIGNALS, *PARAGRAPH_SIGNALS) for cut in (len(s), len(s) // 2)]
    pieces += [b" ", b"<", b"x", b"\xe9", b"-", b"PaGe"]
    for _ in range(30):
        page = b"".join(rng.choice(pieces, size=int(rng.integers(0, 400))))
        page = bytes(c ^ 32 if 97 <= c <= 122 and rng.random() < 0.3 else c for c in page)  # some upper case
        np.testing.assert_array_equal(markup_signals(page), _counted_naively(page))
    anchors = b"<" * 5000
    assert _signal(markup_signals(anchors), "per_kb_br") == 0.0
    np.testing.assert_array_equal(markup_signals(anchors), _counted_naively(anchors))


def _pages(sources: list[str], rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows of one page per source given (random columns, the same for every source) and markup signals
    that tell the sources apart only by their own tag: source k's pages hold the k-th page signal."""
    groups = np.repeat(np.arange(len(sources)), rows)
    X = rng.random((len(groups), len(FEATURE_NAMES))).astype(np.float32)
    X[:, PAGE_COLUMNS] = np.repeat(rng.random((len(sources), len(PAGE_COLUMNS))), rows, axis=0)
    markup = rng.random((len(sources), len(MARKUP_NAMES))).astype(np.float32) * 0.1
    names = sorted(set(sources))
    for i, s in enumerate(sources):
        markup[i, 5 + names.index(s)] += 1.0
    return X, groups, markup


@pytest.mark.parametrize("n_sources", [2, 3])
def test_the_page_classifier_learns_sources_from_markup_and_scores_as_scikit_learn(n_sources: int) -> None:
    rng = np.random.default_rng(0)
    sources = [f"source{k}" for k in rng.integers(0, n_sources, 90)]
    X, groups, markup = _pages(sources, 3, rng)
    conventions, columns, right = fit_conventions(X, groups, markup, sources, seed=0)
    assert conventions.classes == tuple(sorted(set(sources)))
    assert right > 0.9  # out of fold
    assert columns.shape == (len(X), n_sources)
    assert np.allclose(columns.sum(axis=1), 1.0, atol=1e-5)
    assert (columns[groups == 4] == columns[groups == 4][0]).all()  # one page, one guess on every row
    # the plain-array forests give what scikit-learn's fitted classifier gives
    inputs = page_inputs(X, groups, markup)
    y = np.array([conventions.classes.index(s) for s in sources])
    expected = page_classifier(0).fit(inputs, y).predict_proba(inputs)
    np.testing.assert_allclose(conventions.page_proba(inputs), expected, rtol=0, atol=1e-9)


def test_page_inputs_refuse_missing_or_miscounted_markup() -> None:
    X, groups, markup = _pages(["a", "b"], 4, np.random.default_rng(0))
    assert page_inputs(X, groups, markup).shape == (2, len(INPUT_NAMES))
    with pytest.raises(ValueError, match="markup_signals"):
        page_inputs(X, groups, None)
    with pytest.raises(ValueError, match="one row per page"):
        page_inputs(X, groups, markup[:1])


def _headline_pages(pages: int, seed: int) -> dict[str, object]:
    """Pages of two sources that disagree on one kind of block: a marker column flags each page's headline, which
    "keeps" counts as content and "drops" does not; every other block is content where column 0 is above 0.5.
    Only the markup tells the sources apart."""
    rng = np.random.default_rng(seed)
    sources = ["keeps" if k else "drops" for k in rng.integers(0, 2, pages)]
    X, groups, markup = _pages(sources, 12, rng)
    headline = np.zeros(len(X), dtype=bool)
    headline[::12] = True
    marker = FEATURE_NAMES.index("owner_h1")
    X[:, marker] = headline
    keeps = np.array(sources)[groups] == "keeps"
    y = np.where(headline, keeps, X[:, 0] > 0.5)
    return {"X": X, "y": y, "groups": groups, "markup": markup, "sources": sources, "headline": headline}


def test_a_model_with_conventions_learns_each_sources_rule_where_one_without_cannot() -> None:
    train_pages, new_pages = _headline_pages(160, 1), _headline_pages(60, 2)
    kw = {"max_iter": 60, "min_samples_leaf": 5, "context": False, "page_cut": False}
    tokens = np.full(len(train_pages["y"]), 10)  # every row fitted (no short blocks subsampled)
    fit_args = {k: train_pages[k] for k in ("groups", "markup", "sources")}
    accuracy = {}
    for conventions in (True, False):
        clf = BlockClassifier(conventions=conventions, **kw).fit(
            train_pages["X"], train_pages["y"], tokens=tokens, **fit_args
        )
        assert (clf.conventions_ is not None) == conventions
        p = clf.predict_proba(new_pages["X"], groups=new_pages["groups"], markup=new_pages["markup"])[:, 1]
        head = new_pages["headline"]
        accuracy[conventions] = np.mean((p[head] > 0.5) == new_pages["y"][head])
    assert BlockClassifier().conventions is True  # the shipped recipe
    assert accuracy[True] > 0.9 and accuracy[False] < 0.7, accuracy
    small = BlockClassifier(convention_max_iter=7, max_iter=5, context=False).fit(
        train_pages["X"], train_pages["y"], **fit_args
    )
    assert small.conventions_ is not None and [len(f.roots) for f in small.conventions_.forests] == [7]


def test_one_source_gives_no_page_classifier() -> None:
    pages = _headline_pages(20, 3)
    clf = BlockClassifier(max_iter=5, context=False).fit(
        pages["X"], pages["y"], groups=pages["groups"], markup=pages["markup"], sources=["only"] * 20
    )
    assert clf.conventions_ is None
    assert clf.convention_names_ == ()


@pytest.fixture(scope="module")
def two_source_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model trained on the repository's two datasets (the sample and our own pages): two sources."""
    pages = load_datasets([SAMPLE, REPO / "datasets" / "own"], splits=["train"])
    clf, record = train(pages, params={"max_iter": 30, "max_leaf_nodes": 15, "min_samples_leaf": 10})
    assert clf.conventions_ is not None and clf.conventions_.classes == ("own", "sample")
    path = tmp_path_factory.mktemp("conventions") / "two.npz"
    save_model(clf, path, record)
    return path


def test_a_model_with_a_page_classifier_round_trips_and_extracts(two_source_model: Path) -> None:
    model = load_model(two_source_model)
    assert model.conventions_ is not None and model.convention_names_ == ("convention_own", "convention_sample")
    card = json.loads((two_source_model.parent / "two.card.json").read_text())
    assert card["conventions"]["classes"] == ["own", "sample"] and card["conventions"]["inputs"] == list(INPUT_NAMES)
    assert "Page classifier" in (two_source_model.parent / "two.card.md").read_text()
    page = next(p for p in load_datasets([SAMPLE], splits=["test"]))
    html = page.read_html()
    ext = extract_blocks(html, model)
    assert ext.text and ext.keep.any()
    # the same page as text gives the same probabilities
    np.testing.assert_allclose(extract_blocks(html.decode(ext.encoding), model).proba, ext.proba, atol=1e-12)
    from blocksift.features import page_matrices

    X, shape = page_matrices(ext.segmentation)
    with pytest.raises(ValueError, match="markup"):
        model.predict_proba(X, structure=shape)
    p = model.predict_proba(X, structure=shape, tokens=[b.n_tokens for b in ext.blocks], markup=markup_signals(html))
    np.testing.assert_allclose(p[:, 1], ext.proba, atol=1e-12)


def test_a_page_classifier_reading_other_signals_is_refused(two_source_model: Path, tmp_path: Path) -> None:
    card = model_card(two_source_model)
    card["conventions"]["inputs"] = card["conventions"]["inputs"][:-1]
    bad = tmp_path / "bad.npz"
    rewrite_model(two_source_model, bad, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match="other page signals"):
        load_model(bad)
    # forests of a page classifier the card does not describe
    del card["conventions"]
    rewrite_model(two_source_model, bad, {"card": np.frombuffer(json.dumps(card).encode(), np.uint8)})
    with pytest.raises(ModelError, match="does not describe"):
        load_model(bad)
    assert zipfile.is_zipfile(bad)
