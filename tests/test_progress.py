"""Progress and messages: a rich bar on a terminal, sparse plain lines elsewhere, --quiet and --verbose."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from blocksift.progress import NORMAL, QUIET, VERBOSE, Reporter, duration
from conftest import REPO, SAMPLE

PAGES = sorted((SAMPLE / "html").glob("*.html"))[:4]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reporter(level: int) -> tuple[Reporter, io.StringIO, FakeClock]:
    stream = io.StringIO()
    clock = FakeClock()
    console = Console(file=stream, force_terminal=False, width=200)
    return Reporter(console, level, clock=clock, interval=10.0), stream, clock


def test_plain_lines_are_sparse_and_say_count_rate_and_eta() -> None:
    rep, stream, clock = reporter(NORMAL)
    with rep.track("labelling", 400) as tracker:
        for _ in range(400):
            clock.now += 0.125  # 8 pages/s: 50 s in all
            tracker()
    lines = stream.getvalue().splitlines()
    # one line per 10 s of work (4 while running) and the closing line; never one per page
    assert len(lines) == 5
    assert lines[0] == "labelling: 80/400 pages (20%), 8.0 pages/s, ETA 40 s"
    assert lines[-1] == "labelling: 400 pages in 50 s (8.0 pages/s)"


def test_unknown_total_and_early_stop() -> None:
    rep, stream, clock = reporter(NORMAL)
    with rep.track("extracting", None) as tracker:
        for _ in range(30):
            clock.now += 1.0
            tracker.advance()
    assert stream.getvalue().splitlines()[0] == "extracting: 10 pages, 1.0 pages/s"
    rep, stream, clock = reporter(NORMAL)
    with pytest.raises(KeyboardInterrupt), rep.track("extracting", 10) as tracker:
        tracker.advance()
        raise KeyboardInterrupt
    assert stream.getvalue() == ""  # no closing line for a stage that did not finish


def test_levels() -> None:
    rep, stream, clock = reporter(QUIET)
    with rep.track("scoring", 3) as tracker:
        for _ in range(3):
            clock.now += 20
            tracker()
    rep.info("stage message")
    rep.summary("3 pages done")
    rep.error("page.html: the page is empty")
    assert stream.getvalue() == "blocksift: page.html: the page is empty\n"

    rep, stream, clock = reporter(VERBOSE)
    with rep.track("scoring", 2, names=["a/1", "a/2"]) as tracker:
        clock.now += 1
        tracker()
        clock.now += 1
        tracker.advance(name="b/9", error="cannot read")
    lines = stream.getvalue().splitlines()
    assert lines[:2] == ["[1/2 1.0 s] a/1", "[2/2 2.0 s] b/9: failed: cannot read"]


def test_duration() -> None:
    assert [duration(s) for s in (0.42, 41.2, 725, 11220)] == ["0.4 s", "41 s", "12 min 05 s", "3 h 07 min"]


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "blocksift", *map(str, args)]


ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "150", "TERM": "xterm"}


@pytest.fixture()
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for p in PAGES:
        shutil.copy(p, folder / p.name)
    return folder


def test_cli_plain_progress_on_a_pipe(pages: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        cli("predict", pages, "-o", tmp_path / "out"), capture_output=True, text=True, env=ENV, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == ["blocksift: 4 pages: 4 done"]  # a batch this short needs no progress line
    assert "\x1b[" not in proc.stderr  # no terminal control codes in a log


def test_cli_quiet_prints_only_errors(pages: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        cli("--quiet", "predict", pages, "-o", tmp_path / "out"), capture_output=True, text=True, env=ENV, check=False
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    (pages / "empty.html").write_bytes(b"  ")
    proc = subprocess.run(
        cli("-q", "predict", pages, "-o", tmp_path / "out2"), capture_output=True, text=True, env=ENV, check=False
    )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"blocksift: {pages / 'empty.html'}: ") and "empty" in lines[0]


def test_cli_verbose_prints_a_line_per_page(pages: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        cli("--verbose", "predict", pages, "-o", tmp_path / "out"), capture_output=True, text=True, env=ENV, check=False
    )
    assert proc.returncode == 0, proc.stderr
    per_page = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert [line.split("] ", 1)[1] for line in per_page] == [str(pages / p.name) for p in PAGES], proc.stderr
    assert per_page[-1].startswith("[4/4 ")
    assert any(line.startswith("extracting: 4 pages in ") for line in proc.stderr.splitlines())  # the rate


def test_cli_quiet_and_verbose_together_is_misuse(pages: Path) -> None:
    proc = subprocess.run(cli("-q", "-v", "predict", pages), capture_output=True, text=True, env=ENV, check=False)
    assert proc.returncode == 2 and "contradict" in proc.stderr


def test_cli_draws_a_rich_bar_with_eta_on_a_terminal(pages: Path, tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        cli("predict", pages, "-o", tmp_path / "out"), stdout=subprocess.DEVNULL, stderr=secondary, env=ENV
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", errors="replace")
    assert "\x1b[" in screen and "━" in screen  # drawn with control codes and bar glyphs
    assert "ETA" in screen and "4/4" in screen and "pages/s" in screen
    assert "blocksift: 4 pages: 4 done" in screen
