"""The two standard metrics against hand-computed cases."""

import pytest

from blocksift.metrics import shingle_counts, shingle_f1, word_f1_page


def test_shingle_counts_hand_computed() -> None:
    # gold runs: (a b c d), (b c d e); extracted runs: (a b c d), (b c d x)
    c = shingle_counts("a b c d x", "a b c d e")
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)


def test_short_text_is_one_run() -> None:
    c = shingle_counts("Hello world", "Hello world")
    assert (c.tp, c.fp, c.fn) == (1, 0, 0)


def test_both_empty_page_counts_in_neither_average() -> None:
    score = shingle_f1(["", "a b c d"], ["", "a b c d"])
    assert score.precision == 1.0 and score.recall == 1.0


def test_word_f1_page() -> None:
    assert word_f1_page("The cat", "the cat sat") == pytest.approx(2 * 1.0 * (2 / 3) / (1 + 2 / 3))
    assert word_f1_page("", "") == 1.0
    assert word_f1_page("x", "") == 0.0


def test_page_f1_ranks_pages() -> None:
    from blocksift.metrics import PageCounts

    assert PageCounts(tp=3, fp=1, fn=2).f1 == 6 / 9
    assert PageCounts(tp=0, fp=0, fn=0).f1 == 1.0
    assert PageCounts(tp=0, fp=4, fn=0).f1 == 0.0
