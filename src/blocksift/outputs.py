"""Writing results: atomic files and one output name per page.

A result file is written to a temporary name in the same directory and renamed into place, so a batch that is
interrupted leaves either the whole file or none of it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from blocksift.datasets import page_id


@contextmanager
def atomic_write(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        fh: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_name(source: str, extension: str, used: set[str]) -> str:
    """A file name for ``source``'s result: its page id plus ``extension``, numbered where two pages share an id."""
    base = "stdin" if source == "<stdin>" else page_id(Path(source))
    name, n = base + extension, 1
    while name in used:
        n += 1
        name = f"{base}-{n}{extension}"
    used.add(name)
    return name
