"""A big page hands its freed memory back between the stages of its extraction; a common page does not pay for it.
The processes blocksift runs (the command line, batch workers) collect cyclic garbage less often; a caller's own
process keeps its collector settings."""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import blocksift
from blocksift import heap, table
from blocksift.batch import Result, Source, run
from blocksift.datasets import load_datasets
from blocksift.mojibake import may_hold_mojibake
from blocksift.table import build_rows
from conftest import SAMPLE, twice


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


ENTRY_POINT = """
import gc, sys
from blocksift import cli
sys.argv = ["blocksift", "--version"]
try:
    cli.main()
except SystemExit:
    pass
print(gc.get_threshold())
"""


def test_the_command_line_collects_less_often() -> None:
    out = subprocess.run([sys.executable, "-c", ENTRY_POINT], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == str(heap.COLLECTOR_THRESHOLDS)
    assert heap.COLLECTOR_THRESHOLDS[0] > gc.get_threshold()[0]  # this test process still has Python's own


def _threshold(source: Source) -> Result:
    return Result(source, str(gc.get_threshold()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the test's page function reaches workers by fork")
def test_batch_workers_collect_less_often_and_the_caller_keeps_its_settings() -> None:
    before = gc.get_threshold()
    results = list(run([Source(f"p{i}") for i in range(4)], model_path=None, fmt="text", jobs=2, work=_threshold))
    assert [r.output for r in results] == [str(heap.COLLECTOR_THRESHOLDS)] * 4
    blocksift.extract(b"<html><body><p>" + b"A short page with one sentence. " * 10 + b"</p></body></html>")
    assert gc.get_threshold() == before


def test_training_rows_in_workers_match_and_the_caller_keeps_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = load_datasets([SAMPLE], splits=["test"])[:4]
    before = gc.get_threshold()
    set_in: list[int] = []
    monkeypatch.setattr(table, "collect_less_often", lambda: set_in.append(os.getpid()))
    alone = build_rows(pages, jobs=1)
    assert set_in == [] and gc.get_threshold() == before  # one job runs here: this process is the caller's
    monkeypatch.undo()
    shared = build_rows(pages, jobs=2)
    assert gc.get_threshold() == before
    assert [r.key for r in shared] == [r.key for r in alone]
    assert all(np.array_equal(a.features, b.features) for a, b in zip(alone, shared, strict=True))


def test_a_training_worker_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        rows = table._worker_page_rows(load_datasets([SAMPLE], splits=["test"])[0], None)
        assert rows.error is None and gc.get_threshold() == heap.COLLECTOR_THRESHOLDS
    finally:
        gc.set_threshold(*before)


def _left_in_cycles(pages: list[bytes | str]) -> int:
    """Objects that extracting ``pages`` leaves in reference cycles (the collector paused meanwhile)."""
    from blocksift.predictor import load_compiled

    load_compiled()  # numba's compilation leaves cycles of its own, once a process
    blocksift.extract(SAMPLE.joinpath("html", "blog-rye-bread.html").read_bytes())  # the model and lazy tables
    gc.collect()
    gc.disable()
    try:
        for page in pages:
            with contextlib.suppress(blocksift.BlocksiftError):  # the inputs that hold no page
                blocksift.extract(page)
        return gc.collect()
    finally:
        gc.enable()


def test_extraction_leaves_no_reference_cycles() -> None:
    """With the collector run rarely, any garbage a page leaves in a reference cycle stays until a full collection,
    and a long batch grows by it (session 27: an error raised through a codec handler kept its page alive, 67 MB
    over 10,000 pages). Pages, pages that fail and pages that take the repair path must leave none."""
    pages: list[bytes | str] = [p.read_bytes() for p in sorted(SAMPLE.glob("html/*.html"))]
    pages += [
        b"",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        b'{"a": [1, 2, 3]}',
        "<html><body><p>" + twice("café, “quoted” — ") * 3 + " an arrow → as meant</p></body></html>",
        ("<html><body><p>" + twice("Grüße aus Köln") + "</p></body></html>").encode("utf-8"),
        # a legacy page (its guess retries the CJK encodings, web-euc-jp's error handler among them) and an EUC-JP
        # page with a byte no index holds
        ("<p>" + "Le garçon était très fâché contre sa sœur. " * 20 + "</p>").encode("cp1252"),
        b'<meta charset="euc-jp"><p>' + "東京の天気は晴れです。".encode("euc_jp") * 20 + b"\xff</p>",
    ]
    found = _left_in_cycles(pages)
    assert found == 0, f"{found} objects were left in reference cycles"


def test_real_pages_leave_no_reference_cycles(shared: Path) -> None:
    """The same on real pages: every test page whose bytes may hold text encoded twice (the repair's paths), and
    every tenth of the others."""
    pages = load_datasets(sorted(p for p in shared.iterdir() if p.is_dir()), splits=["test"])
    raw = [p.read_html() for p in pages]
    chosen: list[bytes | str] = [d for k, d in enumerate(raw) if may_hold_mojibake(d) or k % 10 == 0]
    found = _left_in_cycles(chosen)
    assert found == 0, f"{found} objects were left in reference cycles by {len(chosen)} test pages"
