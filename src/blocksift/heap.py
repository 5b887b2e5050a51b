"""The Python and C heaps of a process that extracts pages.

Peak memory on a 10 MB page is one of the speed issue's figures. Each stage of such a page (parsing and
segmentation, the features) makes temporary arrays of tens of MB, and glibc's allocator keeps what they free for
later use rather than returning it, so the stages' temporaries pile up in the process's resident memory
(``release_freed_memory``). And every page allocates thousands of short-lived objects that set off Python's cyclic
garbage collector, although reference counting frees them (``collect_less_often``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache

# Pages of at least this many blocks (a few MB of HTML) hand their freed memory back between stages.
RELEASE_AFTER_BLOCKS = 5_000
# The collector's thresholds in the processes blocksift runs: a collection of the youngest objects every 50,000
# new ones rather than Python's 700; the older generations' ratios as Python's.
COLLECTOR_THRESHOLDS = (50_000, 10, 10)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on another C library or system."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory(n_blocks: int) -> None:
    """On a page of RELEASE_AFTER_BLOCKS blocks or more, return the C heap's freed memory to the system.

    A stage's temporary numpy arrays of a big page are freed when it ends, but glibc keeps freed heap memory for
    reuse (and raises its threshold for serving large arrays from fresh pages once one is freed), so the next
    stage's arrays come on top of the last one's: the 10 MB page peaked at 407 MB, 378 MB with this call after
    segmentation and after the features (issue 5; ``benchmarks/memory.py``). Calling it after every feature group
    as well measured worse (406 MB against 397 in a process with the compiled tree walk loaded). It costs about a
    millisecond, so common pages skip it."""
    trim = _malloc_trim() if n_blocks >= RELEASE_AFTER_BLOCKS else None
    if trim is not None:
        trim(0)


def collect_less_often() -> None:
    """Run Python's cyclic garbage collector on fewer, larger batches of new objects, in a process that blocksift
    runs (the command line, the batch path's worker processes, training's joblib workers), never in a caller's own.

    A page's blocks, containers, tuples and lists are freed by reference counting once the page is done, and about
    one object a page is cyclic garbage; with Python's default thresholds they set off a collection every 700 new
    objects all the same, and every so often a full one that walks each object of the process. Over 405 dataset
    pages the collections took 8.6% of the extraction time; with these thresholds the same pages took 9% less wall
    time (medians of four interleaved runs, issue 5). The batches of new objects stay small against a page's own
    memory (50,000 objects are a few MB), so a long batch stays flat."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
