"""The markup lexicon: its words, its arithmetic, its file, and the out-of-fold scores training uses."""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blocksift import lexicon as lexicon_module
from blocksift.blocks import Segmentation, segment
from blocksift.datasets import load_datasets
from blocksift.features import FEATURE_NAMES, featurize
from blocksift.lexicon import (
    PREFIXES,
    EncodedBlocks,
    Lexicon,
    WordTable,
    block_words,
    fit_lexicon,
    out_of_fold_scores,
    page_digest,
    shipped_lexicon,
    value_words,
)
from blocksift.page import parse_html
from blocksift.table import build_rows, cached_rows
from blocksift.training import stack

REPO = Path(__file__).resolve().parents[1]
PAGE = b"""<html><head><title>t</title></head><body>
<nav class="site-nav menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article id="main-story"><div class="entry-content post_123">
<p class="lead">The council voted on Tuesday to keep the ferry running through the winter months.</p>
<p>Residents had asked for the service to continue, and the vote was unanimous in the end.</p></div></article>
<footer class="site-footer"><p>Copyright 2026 The Town Paper. All rights reserved.</p></footer>
</body></html>"""


def test_value_words_split_values_into_words_without_digits_or_repeats() -> None:
    values, words = value_words("entry-content post_123 entry-content x")
    assert values == ("entry-content", "post_123", "x")
    assert words == ("entry", "content", "post")


def test_block_words_name_the_owner_its_two_ancestors_and_the_whole_path() -> None:
    seg = segment(parse_html(PAGE))
    words = dict(zip((b.text[:12] for b in seg.blocks), block_words(seg), strict=True))
    lead = words["The council "]
    assert lead[0] == "t:p"
    assert {"0=lead", "0:lead", "1=entry-content", "1:entry", "1:post", "2=main-story", "2:story"} <= set(lead)
    assert {"a:entry", "a:main", "a:story"} <= set(lead) and "a:nav" not in lead
    assert {"a:nav", "a:menu", "a:site"} <= set(words["Home"])
    assert len(lead) == len(set(lead))


def test_scores_are_the_intercept_plus_normalised_known_weights(tmp_path: Path) -> None:
    lexicon = Lexicon({"a:x": 1.0, "a:y": 3.0}, -1.0, frozenset({"abc"}))
    got = lexicon.score_words([("a:x", "a:y", "a:unknown"), ("a:unknown",), ()])
    assert got == pytest.approx([4 / np.sqrt(3) - 1, -1, -1])  # every word counts in the length
    lexicon.save(tmp_path / "lex.npz")
    back = Lexicon.load(tmp_path / "lex.npz")
    assert back.weights == pytest.approx(lexicon.weights) and back.intercept == -1.0 and back.pages == {"abc"}


def _synthetic(sites: list[str]) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray, list[str]]:
    """Per site, a content block ("a:body") and a boilerplate block ("a:menu"); site s0 also has "a:only-s0"."""
    blocks, labels, site_of = [], [], []
    for s in sites:
        extra = ("a:only-s0",) if s == "s0" else ()
        blocks += [("t:p", "a:body", *extra), ("t:li", "a:menu", *extra)]
        labels += [True, False]
        site_of += [s, s]
    return blocks, np.array(labels), np.ones(len(blocks)), site_of


def test_fit_learns_signs_and_keeps_only_words_of_enough_sites() -> None:
    blocks, labels, weights, sites = _synthetic([f"s{i}" for i in range(6)])
    lexicon = fit_lexicon(blocks, labels, weights, sites, min_sites=3)
    assert lexicon.weights["a:body"] > 0 > lexicon.weights["a:menu"]
    assert "a:only-s0" not in lexicon.weights
    content, menu = lexicon.score_words(blocks[:2])
    assert content > 0 > menu


def test_out_of_fold_scores_never_use_the_pages_own_site() -> None:
    sites = [f"s{i}" for i in range(6)]
    blocks, labels, weights, _ = _synthetic(sites)
    pages = [blocks[2 * i : 2 * i + 2] for i in range(6)]
    page_labels = [labels[2 * i : 2 * i + 2] for i in range(6)]
    page_weights = [weights[2 * i : 2 * i + 2] for i in range(6)]
    scores = out_of_fold_scores(pages, page_labels, page_weights, sites, folds=3)
    for s in scores:
        assert s[0] > 0 > s[1]  # learned from the other sites' pages
    # one site only: no fold to learn from, so every score is 0 (no evidence) rather than an in-sample one
    assert [list(s) for s in out_of_fold_scores(pages[:1], page_labels[:1], page_weights[:1], ["s0"])] == [[0, 0]]


def test_the_shipped_lexicon_knows_the_common_vocabulary() -> None:
    lexicon = shipped_lexicon()
    assert len(lexicon.weights) > 10_000 and len(lexicon.pages) > 4_000
    w = lexicon.weights
    assert w["a:entry"] > 0 and w["t:p"] > 0
    assert w["a:footer"] < 0 and w["a:comment"] < 0 and w["a:nav"] < 0 and w["a:related"] < 0


def test_the_lexicon_column_ranks_an_article_above_its_menu_and_footer() -> None:
    seg = segment(parse_html(PAGE))
    column = featurize(seg)[:, FEATURE_NAMES.index("attr_lexicon")]
    by_text = {b.text[:12]: float(v) for b, v in zip(seg.blocks, column, strict=True)}
    article = min(by_text["The council "], by_text["Residents ha"])
    assert article > by_text["Home"] and article > by_text["Copyright 20"]


def test_training_scores_the_lexicons_own_pages_out_of_fold(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pages = load_datasets([REPO / "datasets" / "own", REPO / "datasets" / "sample"], splits=["train"])
    rows = build_rows(pages, cache_dir=tmp_path)
    for p, r in zip(pages, rows, strict=True):
        assert r.digest == page_digest(p.read_html()) and len(r.words) == len(r.labels)
    column = FEATURE_NAMES.index("attr_lexicon")
    plain = stack(pages, rows).X[:, column]
    assert np.array_equal(plain, np.concatenate([r.features[:, column] for r in rows if len(r.labels)]))
    # the same pages, as if the shipped lexicon had learned from the "own" ones: those are rescored, the rest not
    own = {r.digest for p, r in zip(pages, rows, strict=True) if p.dataset == "own"}
    fake = Lexicon(shipped_lexicon().weights, shipped_lexicon().intercept, frozenset(own))
    monkeypatch.setattr("blocksift.lexicon.shipped_lexicon", lambda: fake)
    rescored = stack(pages, rows).X[:, column]
    is_own = np.concatenate([np.full(len(r.labels), p.dataset == "own") for p, r in zip(pages, rows, strict=True)])
    assert not np.allclose(rescored[is_own], plain[is_own])
    assert np.array_equal(rescored[~is_own], plain[~is_own])


def _random_blocks(seed: int) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray, list[str]]:
    """Blocks of 8 sites drawing 0-6 words each from 25, with random labels and weights."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"a:w{i}" for i in range(25)]
    blocks = [tuple(rng.choice(vocabulary, size=int(rng.integers(0, 7)), replace=False)) for _ in range(120)]
    sites = [f"s{int(k)}" for k in np.sort(rng.integers(0, 8, size=120))]  # a site's blocks together, as pages are
    return blocks, rng.random(120) < 0.5, rng.random(120) + 0.1, sites


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_folds_matrix_is_its_sites_blocks_over_the_words_of_enough_of_those_sites(seed: int) -> None:
    """``EncodedBlocks.design`` against the definition, spelt out with sets and a dense matrix."""
    blocks, _, _, sites = _random_blocks(seed)
    encoded = EncodedBlocks.of(blocks, sites)
    for chosen in ({"s0", "s3", "s4", "s7"}, set(sites), {"s1"}, {"s1", "not a site"}):
        X, fitted, words = encoded.design(encoded.sites(chosen), min_sites=2)
        rows = [i for i, s in enumerate(sites) if s in chosen]
        seen = {w: {sites[i] for i in rows if w in blocks[i]} for i in rows for w in blocks[i]}
        vocabulary = sorted(w for w, on in seen.items() if len(on) >= 2)
        expected = np.zeros((len(rows), max(len(vocabulary), 1)))
        for r, i in enumerate(rows):
            for w in blocks[i]:
                if w in vocabulary:
                    expected[r, vocabulary.index(w)] = 1 / np.sqrt(len(blocks[i]))
        assert words == vocabulary and fitted.nonzero()[0].tolist() == rows
        assert np.array_equal(X.toarray(), expected)


def test_a_fold_of_the_encoded_blocks_is_the_lexicon_of_its_sites_blocks_alone() -> None:
    blocks, labels, weights, sites = _random_blocks(3)
    encoded = EncodedBlocks.of(blocks, sites)
    chosen = {"s1", "s2", "s5", "s6"}
    rows = [i for i, s in enumerate(sites) if s in chosen]
    fold = encoded.fit(encoded.sites(chosen), labels, weights)
    alone = fit_lexicon([blocks[i] for i in rows], labels[rows], weights[rows], [sites[i] for i in rows])
    assert dict(fold.weights) == dict(alone.weights) and fold.intercept == alone.intercept


def test_out_of_fold_scores_are_the_same_with_threads() -> None:
    blocks, labels, weights, sites = _random_blocks(4)
    cuts = [0, *[i for i in range(1, 120) if sites[i] != sites[i - 1] or i % 7 == 0], 120]  # pages: runs of a site
    spans = list(itertools.pairwise(cuts))
    args = ([blocks[a:b] for a, b in spans], [labels[a:b] for a, b in spans], [weights[a:b] for a, b in spans])
    page_sites = [sites[a] for a, _ in spans]
    one = out_of_fold_scores(*args, page_sites, jobs=1)
    two = out_of_fold_scores(*args, page_sites, jobs=2)
    assert all(np.array_equal(a, b) for a, b in zip(one, two, strict=True)) and any(np.any(a) for a in one)


def test_training_keeps_the_out_of_fold_scores_and_recomputes_them_when_a_page_changes(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    pages = load_datasets([REPO / "datasets" / "own", REPO / "datasets" / "sample"], splits=["train"])
    rows = build_rows(pages, cache_dir=tmp_path)
    own = {r.digest for p, r in zip(pages, rows, strict=True) if p.dataset == "own"}
    fake = Lexicon(shipped_lexicon().weights, shipped_lexicon().intercept, frozenset(own))
    monkeypatch.setattr("blocksift.lexicon.shipped_lexicon", lambda: fake)
    calls = []
    fitted = out_of_fold_scores

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return fitted(*args, **kwargs)

    monkeypatch.setattr("blocksift.lexicon.out_of_fold_scores", counted)
    uncached = stack(pages, rows).X
    first = stack(pages, rows, cache_dir=tmp_path).X
    again = stack(pages, rows, cache_dir=tmp_path).X
    assert len(calls) == 2 and np.array_equal(first, uncached) and np.array_equal(again, first)
    # another page's labels: other scores, fitted again
    i = next(k for k, p in enumerate(pages) if p.dataset == "own")
    relabelled = list(rows)
    relabelled[i] = dataclasses.replace(rows[i], labels=~rows[i].labels)
    stack(pages, relabelled, cache_dir=tmp_path)
    assert len(calls) == 3
    # a damaged file is fitted again, and rewritten
    for path in (tmp_path / "lexicon-oof").glob("*.npz"):
        path.write_bytes(b"not an npz")
    assert np.array_equal(stack(pages, rows, cache_dir=tmp_path).X, first) and len(calls) == 4
    assert np.array_equal(stack(pages, rows, cache_dir=tmp_path).X, first) and len(calls) == 4


def test_the_row_cache_keeps_words_and_digest(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pages = load_datasets([REPO / "datasets" / "sample"], splits=["train"])[:2]
    first = build_rows(pages, cache_dir=tmp_path)

    def not_again(*args: object) -> None:
        raise AssertionError("rows were rebuilt instead of read from the cache")

    monkeypatch.setattr("blocksift.table._rows", not_again)
    again = build_rows(pages, cache_dir=tmp_path)
    for a, b in zip(first, again, strict=True):
        assert a.words == b.words and a.digest == b.digest and a.words and a.digest


def test_workers_make_only_the_rows_the_cache_lacks_and_the_rows_keep_the_pages_order(tmp_path: Path) -> None:
    pages = load_datasets([REPO / "datasets" / "own", REPO / "datasets" / "sample"], splits=["train"])
    assert len(pages) >= 8
    build_rows(pages[::3], cache_dir=tmp_path)  # a third of them cached, the first page among them
    counts: list[int] = []
    rows = build_rows(pages, jobs=2, cache_dir=tmp_path, progress=counts.append)
    plain = build_rows(pages)
    assert [r.key for r in rows] == [p.key for p in pages] and counts == [1] * len(pages)
    for a, b in zip(rows, plain, strict=True):
        assert np.array_equal(a.features, b.features) and a.words == b.words and a.texts == b.texts
    counts.clear()
    again = build_rows(pages, jobs=2, cache_dir=tmp_path, progress=counts.append)  # every page cached now
    assert [r.key for r in again] == [p.key for p in pages] and counts == [1] * len(pages)
    assert all(np.array_equal(a.features, b.features) for a, b in zip(again, plain, strict=True))


def test_a_cold_cache_leaves_the_lookups_to_the_workers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pages = load_datasets([REPO / "datasets" / "sample"], splits=["train"])
    looked_up: list[str] = []
    real = cached_rows

    def counted(page, cache):  # type: ignore[no-untyped-def]
        looked_up.append(page.key)
        return real(page, cache)

    monkeypatch.setattr("blocksift.table.cached_rows", counted)
    monkeypatch.setattr("blocksift.table.COLD_PROBE", 3)
    rows = build_rows(pages, jobs=2, cache_dir=tmp_path)  # nothing cached: three lookups here, the rest in workers
    assert len(looked_up) == 3 and [r.key for r in rows] == [p.key for p in pages]
    looked_up.clear()
    again = build_rows(pages, jobs=2, cache_dir=tmp_path)  # the workers filled the cache: every page read here
    assert len(looked_up) == len(pages)
    assert all(np.array_equal(a.features, b.features) for a, b in zip(rows, again, strict=True))


def test_the_per_container_score_equals_the_per_block_words_score() -> None:
    lexicon = shipped_lexicon()
    for path in [*sorted((REPO / "datasets" / "sample" / "html").glob("*.html"))[:6], None]:
        seg = segment(parse_html(path.read_bytes() if path else PAGE))
        assert lexicon.score(seg) == pytest.approx(lexicon.score_words(block_words(seg)), abs=1e-9)


def test_looking_words_up_a_few_at_a_time_gives_the_same_scores(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lexicon = shipped_lexicon()
    segs = [segment(parse_html(p.read_bytes())) for p in sorted((REPO / "datasets" / "sample" / "html").glob("*.html"))]
    whole = [lexicon.score(seg) for seg in segs]
    monkeypatch.setattr("blocksift.lexicon.LOOKUP_CHUNK", 3)  # chunks end inside a class string's words
    assert all(np.array_equal(lexicon.score(seg), w) for seg, w in zip(segs, whole, strict=True))


def test_the_memos_kept_between_pages_change_no_score_and_stay_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lexicon_module, "_compiled_lexicon", lambda: None)  # the memos are the Python loops'
    shipped = shipped_lexicon()
    segs = [segment(parse_html(p.read_bytes())) for p in sorted((REPO / "datasets" / "sample" / "html").glob("*.html"))]
    fresh = [Lexicon(shipped.weights, shipped.intercept).score(seg) for seg in segs]  # a new lexicon per page
    for size in (8192, 40, 0):
        monkeypatch.setattr("blocksift.lexicon.MEMO_SIZE", size)
        lexicon = Lexicon(shipped.weights, shipped.intercept)
        for _ in range(2):  # every page again, with the memos the other pages left
            assert all(np.array_equal(lexicon.score(seg), f) for seg, f in zip(segs, fresh, strict=True))
        memos = lexicon._memos  # type: ignore[attr-defined]
        assert all(len(m) <= size for m in memos) and (size < 8192 or all(memos))
    copy = pickle.loads(pickle.dumps(lexicon))  # a worker's copy: the same scores, its memos empty
    assert not any(copy._memos) and np.array_equal(copy.score(segs[0]), fresh[0])  # type: ignore[attr-defined]


def test_the_word_table_looks_words_up_as_a_dict_would() -> None:
    weights = {"a:x": 1.5, "0=entry-content": -2.0, "t:p": 0.25, "1:ñandú": 3.0}
    table = WordTable.of(weights)
    assert dict(table) == weights and len(table) == 4 and list(table) == sorted(weights)
    assert table["a:x"] == 1.5 and table.get("a:y") is None and table.get("a:y", 0.0) == 0.0
    assert "t:p" in table and "t:div" not in table and 3 not in table
    with pytest.raises(KeyError):
        table["nope"]
    assert table.lookup(["t:p", "nope", "1:ñandú"]).tolist() == [0.25, 0.0, 3.0]
    assert WordTable.of({}).lookup(["a"]).tolist() == [0.0] and WordTable.of({}).get("a") is None
    # weights are kept exactly (a lexicon fitted in training scores with its float64 weights, as a dict did)
    assert WordTable.of({"a:x": 0.1})["a:x"] == 0.1 and Lexicon({"a:x": 0.1}, 0.0).score_words([["a:x"]])[0] == 0.1
    with pytest.raises(ValueError, match="line break"):
        WordTable(["a\nb"], [1.0])
    with pytest.raises(ValueError, match="share a hash"):
        WordTable(["a", "a"], [1.0, 2.0])


def test_a_pickled_word_table_works_in_a_process_of_another_hash_seed() -> None:
    """Lookups go by ``hash(str)``, which each process salts: a table sent to a worker rebuilds its hashes there."""
    data = pickle.dumps(WordTable.of({"a:menu": -1.0, "a:content": 2.0}))
    code = "import pickle, sys; t = pickle.loads(sys.stdin.buffer.read()); print(t['a:content'], t.get('a:x'))"
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code], input=data, capture_output=True, check=True, env={"PYTHONHASHSEED": seed}
        )
        assert done.stdout.decode().split() == ["2.0", "None"]


_CLASS_WORDS = st.sampled_from(["post", "entry-content", "post-body", "nav", "menu_item", "side-bar", "x1", "a"])


@st.composite
def _nested_markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Nested block elements whose class and id values repeat and share words with their ancestors', with text."""
    tag = draw(st.sampled_from(["div", "section", "p", "li", "ul", "article", "span"]))
    values = draw(st.lists(_CLASS_WORDS, max_size=3))
    attrs = draw(st.sampled_from(["class", "id"])) if values else ""
    open_tag = f'<{tag} {attrs}="{" ".join(values)}">' if values else f"<{tag}>"
    kids = draw(st.lists(_nested_markup(depth + 1), max_size=3)) if depth < 5 else []
    text = draw(st.sampled_from(["", "Some words of text here. ", "A link row "]))
    return f"{open_tag}{text}{''.join(kids)}</{tag}>"


def _generated_page(bodies: list[str]) -> tuple[Segmentation, list[str]]:
    """The segmented page of generated bodies, and the lexicon words its blocks have, sorted."""
    seg = segment(parse_html(f"<html><body>{''.join(bodies)}</body></html>"))
    return seg, sorted({w for ws in block_words(seg) for w in ws})


@settings(max_examples=150, deadline=None)
@given(st.lists(_nested_markup(), min_size=1, max_size=3), st.data())
def test_the_per_container_score_equals_the_words_score_on_generated_markup(
    bodies: list[str], data: st.DataObject
) -> None:
    # A lexicon that knows some of the page's words (and one it does not have) at weights that are multiples of 1/8,
    # so that any order of adding them gives the same float: the per-container score must equal the score of the
    # words spelled out block by block, exactly, whatever the nesting and the repeats of class/id values and words.
    seg, found = _generated_page(bodies)
    words = sorted({*found, "a:absent"})
    weights = data.draw(st.lists(st.integers(-40, 40), min_size=len(words), max_size=len(words)))
    known = data.draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    lexicon = Lexicon({w: k / 8 for w, k, keep in zip(words, weights, known, strict=True) if keep}, -0.5)
    assert np.array_equal(lexicon.score(seg), lexicon.score_words(block_words(seg)))


def _scores_by_each_path(lexicon: Lexicon, seg: Segmentation) -> list[np.ndarray]:
    """``lexicon.score(seg)`` with the sums of the Python loops, of the compiled kernel's source run as Python, and of
    the kernel compiled by numba, each with empty memos."""
    import numba  # noqa: F401 - the compiled path is taken only once numba is loaded

    out = []
    for kernel in (None, lexicon_module._lexicon_source, lexicon_module._compiled_lexicon()):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(lexicon_module, "_compiled_lexicon", lambda k=kernel: k)
            out.append(Lexicon(lexicon.weights, lexicon.intercept).score(seg))
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(_nested_markup(), min_size=1, max_size=3), st.data())
def test_the_compiled_sums_give_the_python_loops_floats_on_generated_markup(
    bodies: list[str], data: st.DataObject
) -> None:
    # Weights of any float, so that a different order of adding a path's words would show in the last bits.
    seg, words = _generated_page(bodies)
    weights = data.draw(st.lists(st.floats(-6, 6), min_size=len(words), max_size=len(words)))
    python, source, compiled = _scores_by_each_path(Lexicon(dict(zip(words, weights, strict=True)), 0.3), seg)
    assert np.array_equal(python, source) and np.array_equal(python, compiled)


def test_the_compiled_sums_give_the_python_loops_floats_on_real_pages() -> None:
    lexicon = shipped_lexicon()
    for path in [*sorted((REPO / "datasets" / "sample" / "html").glob("*.html")), None]:
        seg = segment(parse_html(path.read_bytes() if path else PAGE))
        python, source, compiled = _scores_by_each_path(lexicon, seg)
        assert np.array_equal(python, source) and np.array_equal(python, compiled)


def test_the_columns_table_gives_each_prefix_its_word_weight() -> None:
    weights = {"0=entry-content": -2.0, "1:entry": 0.5, "a:entry": 1.25, "t:p": 0.25, "2:ñandú": 3.0}
    lexicon = Lexicon(weights, 0.0)
    got = lexicon.columns.lookup(["entry", "entry-content", "p", "ñandú", "absent"])
    column = {prefix: k for k, prefix in enumerate(PREFIXES)}
    for i, token in enumerate(["entry", "entry-content", "p", "ñandú", "absent"]):
        assert {p: got[i, k] for p, k in column.items() if got[i, k]} == {
            w[:2]: v for w, v in weights.items() if w[2:] == token
        }
    assert Lexicon({}, 0.0).columns.lookup(["x"]).tolist() == [[0.0] * len(PREFIXES)]
    copy = pickle.loads(pickle.dumps(lexicon))  # built again in the process that uses it (hashes are per process)
    assert copy._columns == [] and np.array_equal(copy.columns.lookup(["entry"]), got[:1])  # type: ignore[attr-defined]
