"""A big page hands its freed memory back between the stages of its extraction; a common page does not pay for it."""

from __future__ import annotations

import sys

import pytest

import blocksift
from blocksift import heap


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(heap, "_malloc_trim", lambda: calls.append)
    return calls


def test_a_big_page_releases_after_segmentation_and_after_the_features(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _calls(monkeypatch)
    paragraphs = b"".join(b"<p>Paragraph %d of a very long page, with a sentence.</p>" % i for i in range(6_000))
    result = blocksift.extract_blocks(b"<html><body>" + paragraphs + b"</body></html>")
    assert len(result.blocks) >= heap.RELEASE_AFTER_BLOCKS and calls == [0, 0]


def test_a_common_page_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _calls(monkeypatch)
    blocksift.extract(b"<html><body><p>" + b"A short page with one sentence. " * 10 + b"</p></body></html>")
    assert calls == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is looked up on Linux")
def test_malloc_trim_is_found_and_runs() -> None:
    trim = heap._malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)
    heap.release_freed_memory(heap.RELEASE_AFTER_BLOCKS)
