"""rows grouped by page -> where each page's rows start.

Training, the context columns, the per-page cut and the page classifier all take the rows of many pages in one
array, each page's rows contiguous and named by a group id (``BlockClassifier``'s ``groups``). They need the same
thing from it: where each page begins. It lives here, apart from any of them, so that none imports another's stage
for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def page_starts(groups: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """The first row of each page: the rows where the group id differs from the row before."""
    if not len(groups):
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))


def page_runs(groups: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Each page's first row and how many rows it has, from one pass over ``groups``."""
    starts = page_starts(groups)
    return starts, np.diff(np.append(starts, len(groups)))
