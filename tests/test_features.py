"""Feature values on tiny pages, and the registry's contract."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blocksift import charclass
from blocksift.blocks import segment
from blocksift.charclass import token_counts
from blocksift.features import (
    _GROUPS,
    _LONGER_LOWER,
    ANCESTOR_LEVELS,
    FEATURE_NAMES,
    FEATURES,
    PROFILE_OF,
    SCHEMA_VERSION,
    PageArrays,
    _title_overlap,
    _title_overlap_tokens,
    featurize,
    page_matrices,
)
from blocksift.page import parse_html

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "sample" / "html"
PAGE = """<html><head><title>Ferry timetable changes</title></head><body>
<nav class="menu"><a href="/">Home</a> <a href="/a">About us</a></nav>
<article class="story"><h1>Ferry timetable changes</h1>
<p>The ferry will run every hour from May, the operator said on Tuesday, because two crews have left.</p>
<p>Passengers are asked to check the new times before they travel.</p></article>
<footer class="site-footer"><p>© 2024 Example News</p></footer>
</body></html>"""


@pytest.fixture(scope="module")
def frame() -> dict[str, np.ndarray]:
    seg = segment(parse_html(PAGE))
    X = featurize(seg)
    assert X.shape == (len(seg.blocks), len(FEATURE_NAMES)) == (5, len(FEATURE_NAMES))
    return {name: X[:, i] for i, name in enumerate(FEATURE_NAMES)}


def test_registry_is_ordered_named_and_documented() -> None:
    assert SCHEMA_VERSION >= 1
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES) == len(FEATURES)
    assert all(f.doc for f in FEATURES)


def test_token_counts_and_link_density(frame: dict[str, np.ndarray]) -> None:
    # blocks: menu, headline, paragraph 1, paragraph 2, footer
    assert frame["log_tokens"][0] == pytest.approx(math.log1p(3))
    assert frame["link_density"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert frame["log_tokens"][2] == pytest.approx(math.log1p(18))


def test_text_density_is_boilerpipes(frame: dict[str, np.ndarray]) -> None:
    # boilerpipe: tokens per line when the text is wrapped at 80 characters; a block shorter than one line counts
    # as one line. Paragraph 1 has 98 characters: two lines, 18 tokens.
    assert frame["text_density"][2] == pytest.approx(18 / 2, rel=0.05)
    assert frame["text_density"][1] == pytest.approx(3.0)


def test_position_and_tags(frame: dict[str, np.ndarray]) -> None:
    assert frame["rel_index"][0] == 0.0 and frame["rel_index"][-1] > frame["rel_index"][1]
    assert frame["owner_h1"].tolist() == [0, 1, 0, 0, 0]
    assert frame["owner_p"].tolist() == [0, 0, 1, 1, 1]
    assert frame["in_footer"].tolist() == [0, 0, 0, 0, 1]
    assert frame["has_copyright"].tolist() == [0, 0, 0, 0, 1]


def test_class_vocabulary_flags(frame: dict[str, np.ndarray]) -> None:
    assert frame["attr_nav"].tolist() == [1, 0, 0, 0, 0]
    assert frame["attr_article"].tolist() == [0, 1, 1, 1, 0]
    assert frame["attr_footer"].tolist() == [0, 0, 0, 0, 1]


def test_neighbours_and_ancestor_context(frame: dict[str, np.ndarray]) -> None:
    assert frame["nb-1_log_tokens"][0] == 0.0  # nothing before the first block
    assert frame["nb-1_log_tokens"][2] == pytest.approx(frame["log_tokens"][1])
    assert frame["nb+1_log_tokens"][2] == pytest.approx(frame["log_tokens"][3])
    # the article (one level above a paragraph) holds the headline and both paragraphs
    total = 3 + 3 + 18 + 11 + 3  # menu, headline, paragraphs, footer (the © is not a token)
    assert frame["anc1_token_share"][2] == pytest.approx((3 + 18 + 11) / total)
    assert frame["anc1_link_density"][2] == 0.0
    assert frame["title_overlap"][1] == 1.0


def test_page_profile_is_the_token_weighted_page_mean(frame: dict[str, np.ndarray]) -> None:
    # blocks: menu (3 tokens, all linked), headline (3), paragraph 1 (18), paragraph 2 (10), footer (4)
    tokens = np.expm1(frame["log_tokens"])
    for name in PROFILE_OF:
        column = frame[f"pagemean_{name}"]
        assert np.allclose(column, column[0]), name  # the same on every block of the page
        assert column[0] == pytest.approx(float(tokens @ frame[name] / tokens.sum()), rel=1e-5), name
    assert frame["pagemean_link_density"][0] == pytest.approx(3 / tokens.sum(), rel=1e-5)
    assert 0 < frame["pagemean_in_article"][0] < 1


def test_empty_page_has_no_rows() -> None:
    assert featurize(segment(parse_html("<p> </p>"))).shape == (0, len(FEATURE_NAMES))


def test_features_are_finite_on_odd_pages() -> None:
    odd = "<table>" + "<tr><td><a href=#>x</a></td></tr>" * 300 + "</table><p>" + "word " * 5000 + "</p>"
    X = featurize(segment(parse_html(odd)))
    assert not np.isnan(X).any() and np.isfinite(X).all()


def test_lower_case_keeps_tokens_except_dotted_capital_i() -> None:
    """_title_overlap's fast path rests on this: lowering any code point but U+0130 gives one character of the same
    \\w class, so a text's lower-cased tokens are its own tokens at the same places."""
    word = re.compile(r"\w")
    longer, flipped = [], []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        lower = ch.lower()
        if len(lower) != 1:
            longer.append(ch)
        elif bool(word.match(ch)) != bool(word.match(lower)):
            flipped.append(ch)
    assert longer == [_LONGER_LOWER]
    assert flipped == []


TEXTS = st.lists(st.text(alphabet=st.sampled_from(list("abAB İiı_9 .,-ÄäΣσς\u0307")), max_size=12), min_size=1)


@settings(max_examples=300, deadline=None)
@given(texts=TEXTS, title=st.sets(st.text(alphabet=st.sampled_from(list("abAiıİ_9Σσς\u0307")), min_size=1, max_size=4)))
def test_title_overlap_search_equals_token_lookup(texts: list[str], title: set[str]) -> None:
    """The literal search gives exactly what looking every lower-cased token up gives, for any texts and title."""
    title = {t.lower() for t in title}
    n_tokens = np.array(token_counts(texts), dtype=np.float64)
    assert np.array_equal(_title_overlap(texts, title, n_tokens), _title_overlap_tokens(texts, title))
    with pytest.MonkeyPatch.context() as mp:  # a very long page: a part at a time, the same shares
        mp.setattr(charclass.chunks, "__defaults__", (5,))
        assert np.array_equal(_title_overlap(texts, title, n_tokens), _title_overlap_tokens(texts, title))


def test_the_matrix_is_the_groups_columns_side_by_side_then_the_page_profile() -> None:
    """page_matrices writes each group into one float32 matrix (no stacked float64 copies): the same numbers as
    stacking the groups and appending the token-weighted means of the PROFILE_OF columns."""
    for html in (PAGE, *(p.read_bytes() for p in sorted(SAMPLE.glob("*.html"))[:4])):
        seg = segment(parse_html(html))
        arrays = PageArrays(seg)
        block = np.hstack([fn(arrays) for _, fn in _GROUPS])
        names = [f.name for cols, _ in _GROUPS for f in cols]
        profile = arrays.n_tokens @ block[:, [names.index(n) for n in PROFILE_OF]] / max(arrays.n_tokens.sum(), 1.0)
        expected = np.hstack([block, np.broadcast_to(profile, (len(block), len(PROFILE_OF)))]).astype(np.float32)
        X, shape = page_matrices(seg)
        assert X.dtype == np.float32 and np.array_equal(X, expected)
        assert shape.tolist() == np.column_stack([arrays.ancestor(lv) for lv in ANCESTOR_LEVELS]).tolist()


def test_subtree_sums_and_path_maxima_match_the_blocks_paths() -> None:
    """The id-range shortcuts of ``PageArrays`` give what walking each block's path gives."""
    seg = segment(parse_html(PAGE))
    a = PageArrays(seg)
    n_containers = len(seg.containers)
    expected_tokens = np.zeros(n_containers)
    for b in seg.blocks:
        expected_tokens[list(b.path)] += b.n_tokens
    assert np.array_equal(a.tokens_under, expected_tokens)
    assert np.array_equal(a.blocks_under, np.bincount([c for b in seg.blocks for c in b.path], minlength=n_containers))
    values = np.random.default_rng(0).normal(size=n_containers)
    assert np.array_equal(a.path_max(values), [max(values[list(b.path)]) for b in seg.blocks])
    for c in range(n_containers):
        assert a.inside(c).tolist() == [c in b.path for b in seg.blocks]
