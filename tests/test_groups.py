"""Where each page's rows start (groups.py), which training, the context columns, the per-page cut and the page
classifier share."""

from __future__ import annotations

import numpy as np

from blocksift.groups import page_runs, page_starts


def test_page_starts_and_lengths_of_contiguous_pages_whatever_their_ids() -> None:
    groups = np.array(["b", "b", "a", "a", "a", "c", "b"])  # ids need not be sorted; a repeated id later is a new run
    np.testing.assert_array_equal(page_starts(groups), [0, 2, 5, 6])
    starts, lengths = page_runs(groups)
    np.testing.assert_array_equal(starts, [0, 2, 5, 6])
    np.testing.assert_array_equal(lengths, [2, 3, 1, 1])
    assert lengths.sum() == len(groups)


def test_no_rows_no_pages_and_one_row_one_page() -> None:
    assert len(page_starts(np.array([]))) == 0 and all(len(a) == 0 for a in page_runs(np.array([])))
    np.testing.assert_array_equal(page_starts(np.array([7])), [0])
    np.testing.assert_array_equal(page_runs(np.array([7]))[1], [1])
