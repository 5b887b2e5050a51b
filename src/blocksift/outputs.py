"""Writing results: atomic files and one output name per page.

A result file is written to a temporary name in the same directory (``.NAME.XXXXXXXX.tmp``) and renamed into place,
so a batch that is interrupted leaves either the whole file or none of it; a batch killed outright (SIGKILL, power)
can leave a temporary file behind, which the next run into the same directory removes (``remove_temporaries``).

A page found below a directory keeps its place below the output directory (``sub/index.html`` -> ``sub/index.txt``):
a mirrored site holds an ``index.html`` in every folder, and numbered names in one folder would not tell which
page each output came from.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from blocksift.datasets import page_id

TEMP_SUFFIX = ".tmp"
# The longest file name most file systems take, in bytes, less what the temporary name adds (a dot before, a dot,
# eight random characters and TEMP_SUFFIX after): an output name within it can always be written.
MAX_NAME_BYTES = 255 - (2 + 8 + len(TEMP_SUFFIX))
# Room kept for the number that tells apart two pages of the same name ("-12").
_NUMBER_ROOM = 8


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


def output_name(source: str, extension: str, used: set[str], folder: str = "") -> str:
    """The path, below the output directory, of ``source``'s result: ``folder`` (where the page sits below the
    directory it was found in), then its page id plus ``extension``, numbered where two pages would share it. A
    name too long to write (``MAX_NAME_BYTES``) is cut, with a digest of the whole name to keep it apart."""
    base = _fitted("stdin" if source == "<stdin>" else page_id(Path(source)), MAX_NAME_BYTES - len(extension))
    prefix = f"{folder}/" if folder else ""
    name, n = prefix + base + extension, 1
    while name in used:
        n += 1
        name = f"{prefix}{base}-{n}{extension}"
    used.add(name)
    return name


def _fitted(base: str, room: int) -> str:
    """``base``, or where it takes more than ``room`` bytes less ``_NUMBER_ROOM``, its first characters and a digest
    of the whole."""
    room -= _NUMBER_ROOM
    raw = os.fsencode(base)
    if len(raw) <= room:
        return base
    digest = "~" + hashlib.sha1(raw).hexdigest()[:8]
    kept, size = [], 0
    for ch in base:
        size += len(os.fsencode(ch))
        if size > room - len(digest):
            break
        kept.append(ch)
    return "".join(kept) + digest


def remove_temporaries(paths: Iterable[Path]) -> int:
    """Remove the temporary files that an interrupted ``atomic_write`` of one of ``paths`` left beside it."""
    folders: dict[Path, set[str]] = {}
    for path in paths:
        folders.setdefault(path.parent, set()).add(path.name)
    return sum(_remove_temporaries(folder, names) for folder, names in folders.items() if folder.is_dir())


def _remove_temporaries(directory: Path, wanted: set[str]) -> int:
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
