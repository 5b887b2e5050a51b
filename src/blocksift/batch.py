"""Many pages in, one result per page out: what ``blocksift predict`` runs.

Inputs are files, directories (every .html, .htm, .html.gz and .htm.gz below them, in sorted order) and ``-`` for
stdin. Each page is read, extracted and rendered on its own, in ``jobs`` processes; a page that cannot be read or
parsed yields an error result and the batch goes on. Workers load the model from its file once each, so nothing but
paths and bytes crosses process boundaries.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from blocksift.datasets import is_html_file, read_html_file
from blocksift.errors import BlocksiftError, InputError, PageTimeoutError
from blocksift.extract import extract_blocks
from blocksift.modelfile import load_model
from blocksift.predictor import Predictor
from blocksift.render import block_records, page_record, to_html, to_markdown

STDIN = "-"
# Larger inputs are refused unread: no real page is this big, and parsing one would take minutes and gigabytes.
MAX_PAGE_BYTES = 64 * 1024 * 1024
# Seconds one page may take, reading to rendering. Real pages take milliseconds; the limit stops pathological input.
PAGE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Source:
    """One input: a file path, or stdin with its bytes already read."""

    name: str
    path: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Result:
    """One page's rendered output, or the error that stopped it."""

    source: Source
    output: str | dict[str, Any] | list[dict[str, Any]] | None
    error: str | None = None


def expand(inputs: Iterable[str], stdin: Any = None) -> Iterator[Source]:
    """Sources named by ``inputs``; raises InputError for a path that does not exist."""
    for item in inputs:
        if item == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield Source("<stdin>", data=stream.read(MAX_PAGE_BYTES + 1))
            continue
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for f in sorted(files):
                    p = Path(root) / f
                    if is_html_file(p):
                        yield Source(str(p), path=p)
        elif path.exists():
            yield Source(str(path), path=path)
        else:
            raise InputError(f"no such file or directory: {item}")


@lru_cache(maxsize=4)
def _model(path: str | None) -> Predictor:
    return load_model(path)


def render(source: Source, html: bytes, model: Predictor, fmt: str, threshold: float | None) -> Result:
    """Extract one page and render it in ``fmt``."""
    extraction = extract_blocks(html, model, threshold)
    output: str | dict[str, Any] | list[dict[str, Any]]
    if fmt == "text":
        output = extraction.text + "\n" if extraction.text else ""
    elif fmt == "markdown":
        output = to_markdown(extraction)
    elif fmt == "html":
        output = to_html(extraction)
    elif fmt == "blocks":
        output = block_records(source.name, extraction)
    else:
        output = page_record(source.name, extraction)
    return Result(source, output)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise PageTimeoutError in the block after ``seconds`` (a no-op off the main thread or without SIGALRM)."""
    usable = seconds and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise PageTimeoutError(f"the page took longer than the {seconds:g}-second limit")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_one(
    source: Source,
    model_path: str | None,
    fmt: str,
    threshold: float | None,
    max_bytes: int,
    timeout: float | None = PAGE_TIMEOUT,
) -> Result:
    """Read, extract and render one source within ``timeout`` seconds; every domain error becomes an error result."""
    try:
        with time_limit(timeout):
            return _run_one(source, model_path, fmt, threshold, max_bytes)
    except BlocksiftError as exc:
        return Result(source, None, str(exc))


def _run_one(source: Source, model_path: str | None, fmt: str, threshold: float | None, max_bytes: int) -> Result:
    try:
        if source.data is not None:
            if len(source.data) > max_bytes:
                raise InputError(f"the input is larger than the {max_bytes:,}-byte limit")
            html = source.data
        else:
            assert source.path is not None
            html = read_html_file(source.path, max_bytes)
        return render(source, html, _model(model_path), fmt, threshold)
    except (OSError, EOFError, zlib.error) as exc:
        return Result(source, None, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    except RecursionError:
        return Result(source, None, "the page is nested too deeply to process")
    except MemoryError:
        return Result(source, None, "out of memory while processing the page")


def run(
    sources: Iterable[Source],
    *,
    model_path: str | None,
    fmt: str,
    threshold: float | None = None,
    jobs: int = 1,
    max_bytes: int = MAX_PAGE_BYTES,
    timeout: float | None = PAGE_TIMEOUT,
) -> Iterator[Result]:
    """Results in input order, computed by ``jobs`` processes."""
    from joblib import Parallel, delayed  # imported on use: the CLI starts faster

    runner = Parallel(n_jobs=jobs, return_as="generator", batch_size=1 if jobs != 1 else "auto")
    yield from runner(delayed(run_one)(s, model_path, fmt, threshold, max_bytes, timeout) for s in sources)
