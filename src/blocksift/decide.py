"""p(content) -> labels.

The model scores blocks one at a time; deciding turns the scores into the set of blocks to keep. Besides the
threshold it removes *repeats*: responsive sites render the same paragraph two or three times for different screen
sizes (only one copy is visible), and teasers repeat a paragraph of the article. A long block whose exact text was
already kept adds nothing a reader wants, so only its first kept copy stays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

# Short texts ("Reply", "Read more", a date) legitimately repeat inside content; a paragraph of this many tokens
# does not. Chosen as the smallest value that removed the duplicated responsive copies in wcxb's train split.
REPEAT_MIN_TOKENS = 8


def drop_repeats(texts: Sequence[str], n_tokens: Sequence[int], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Unkeep each kept block of at least REPEAT_MIN_TOKENS tokens whose text an earlier kept block has."""
    out = np.array(keep, dtype=bool)
    seen: set[str] = set()
    for i in np.flatnonzero(out).tolist():
        if n_tokens[i] < REPEAT_MIN_TOKENS:
            continue
        if texts[i] in seen:
            out[i] = False
        else:
            seen.add(texts[i])
    return out


def decide(
    texts: Sequence[str], n_tokens: Sequence[int], proba: npt.NDArray[np.float64], threshold: float
) -> npt.NDArray[np.bool_]:
    """Blocks to keep: probability at or above ``threshold``, first copies only."""
    return drop_repeats(texts, n_tokens, np.asarray(proba) >= threshold)
