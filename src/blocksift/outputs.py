"""Writing results: atomic files and one output name per page.

A result file is written to a temporary name in the same directory (``.NAME.XXXXXXXX.tmp``) and renamed into place,
so a batch that is interrupted leaves either the whole file or none of it; a batch killed outright (SIGKILL, power)
can leave a temporary file behind, which the next run into the same directory removes (``remove_temporaries``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from blocksift.datasets import page_id

TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        fh: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with fh:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; outputs get the usual permissions
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


def remove_temporaries(directory: Path, names: Iterable[str]) -> int:
    """Remove the temporary files that an interrupted ``atomic_write`` of one of ``names`` left in ``directory``."""
    wanted = set(names)
    removed = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)) or not entry.is_file(follow_symlinks=False):
                continue
            target = name[1 : -len(TEMP_SUFFIX)].rpartition(".")[0]  # .NAME.XXXXXXXX.tmp -> NAME
            if target in wanted:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
    return removed
