"""The decision after the cut: islands and repeats (``decide.py``)."""

from __future__ import annotations

import numpy as np

from blocksift.decide import ISLAND_BELOW, ISLAND_MAX_TOKENS, REPEAT_MIN_TOKENS, decide, drop_islands, drop_repeats
from blocksift.extraction import Extraction, extract_blocks


def test_a_short_unsure_block_between_dropped_neighbours_is_dropped() -> None:
    keep = np.array([True, False, True, False, False, True, True])
    proba = np.array([0.9, 0.1, 0.5, 0.1, 0.1, 0.4, 0.9])
    out = drop_islands([40, 5, 4, 5, 5, 3, 40], proba, keep)
    # block 2 is alone between dropped blocks: an island; block 5 is as short and unsure, but its next block is kept
    assert out.tolist() == [True, False, False, False, False, True, True]
    assert keep[2]  # the input is not changed


def test_long_or_sure_islands_and_tiny_pages_stay() -> None:
    keep = np.array([False, True, False])
    long_block = [5, ISLAND_MAX_TOKENS + 1, 5]
    assert drop_islands(long_block, np.array([0.1, 0.5, 0.1]), keep).tolist() == [False, True, False]
    sure = np.array([0.1, ISLAND_BELOW, 0.1])
    assert drop_islands([5, 3, 5], sure, keep).tolist() == [False, True, False]
    assert drop_islands([5, 3, 5], np.array([0.1, ISLAND_BELOW - 0.01, 0.1]), keep).tolist() == [False] * 3
    # one or two blocks: no neighbours to judge by, what reached the cut stays
    assert drop_islands([3], np.array([0.4]), np.array([True])).tolist() == [True]
    assert drop_islands([3, 3], np.array([0.4, 0.1]), np.array([True, False])).tolist() == [True, False]
    # the first and last blocks have one neighbour: beyond the page counts as dropped
    edge = drop_islands([3, 9, 3, 9], np.array([0.5, 0.1, 0.1, 0.1]), np.array([True, False, False, False]))
    assert edge.tolist() == [False] * 4


def test_repeats_keep_the_first_long_copy_only() -> None:
    long_text = "a paragraph rendered twice for two screen sizes"
    texts = [long_text, "Reply", long_text, "Reply"]
    tokens = [REPEAT_MIN_TOKENS, 1, REPEAT_MIN_TOKENS, 1]
    out = drop_repeats(texts, tokens, np.ones(4, dtype=bool))
    assert out.tolist() == [True, True, False, True]  # short texts may repeat inside content


def test_a_copy_beside_its_first_stays() -> None:
    """A chorus, a clause a contract repeats, a table's repeated cell: copies whose owners share a parent with the
    first copy's are the page's own text. Copies in other containers (responsive variants, teasers) are dropped."""
    chorus = "and the ferry sails on through the winter night again"
    texts = [chorus, "verse one of the song", chorus, "verse two of the song", chorus]
    tokens = [10, 5, 10, 5, 10]
    assert drop_repeats(texts, tokens, np.ones(5, dtype=bool), [7, 7, 7, 7, 7]).all()
    assert drop_repeats(texts, tokens, np.ones(5, dtype=bool), [7, 7, 8, 7, 7]).tolist() == [1, 1, 0, 1, 1]
    page = "<html><body><nav><a href='/'>Home</a></nav><article><h1>The ferry song</h1>"
    page += "".join(f"<p>{t}, as the old sailors sang it on the quay.</p>" for t in texts) + "</article></body></html>"
    assert extract_blocks(page).text.count("and the ferry sails on") == 3


def test_decide_drops_islands_before_it_looks_for_repeats() -> None:
    """An island dropped first is not the kept copy that a later, wanted copy would repeat."""
    text = "the same sentence of more than eight words on this page"
    texts = ["menu", text, "menu", "body one", text, "body two"]
    tokens = [2, 10, 2, 30, 10, 30]
    proba = np.array([0.1, 0.5, 0.1, 0.9, 0.9, 0.9])
    assert decide(texts, tokens, proba, 0.4).tolist() == [False, False, False, True, True, True]


def test_extraction_tells_islands_from_repeats() -> None:
    """On a real page with the shipped model: islands and repeats are disjoint, both among the blocks that reached
    the cut and were not kept, and together they are all of those."""
    page = (
        "<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav>"
        "<p>Posted by Ann</p><div><a href='/x'>Share this</a></div>"
        + "<div><p>A long paragraph of the article, with sentences that go on for a while about the subject.</p></div>"
        * 6
        + "<footer><a href='/c'>Contact</a></footer></body></html>"
    )
    ext: Extraction = extract_blocks(page)
    reached = ext.proba >= ext.threshold
    assert not (ext.islands & ext.repeats).any()
    assert np.array_equal(ext.islands | ext.repeats, reached & ~ext.keep)
    assert ext.text.count("A long paragraph") == 1  # the copies, each in a container of its own, are repeats
