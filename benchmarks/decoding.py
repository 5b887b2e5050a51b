"""Decoding against known encodings: how many files of a corpus decode to exactly the text their encoding gives.

The corpus is a directory of folders named for the encoding of the files inside, as chardet's and uchardet's test
suites are laid out (``windows-1250-czech/``, ``SHIFT_JIS/``, ``UTF-32BE/``): the part of the name before the
language, or the whole name, is read as a browser reads that charset label (GB2312 as GBK, TIS-620 as windows-874,
Shift_JIS as cp932: what the page's author saw), else looked up as a Python codec. Each file goes through
``decode_with_encoding`` and is compared with that strict decoding, white space and NUL bytes left out. A file that
differs is listed with the codec used and the share of its non-ASCII characters found in the output.

    python3 benchmarks/decoding.py /path/to/chardet/tests
"""

from __future__ import annotations

import argparse
import codecs
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from blocksift.charset import web_codec
from blocksift.page import decode_with_encoding


def folder_codec(name: str) -> str | None:
    """The Python codec a folder's name names, read as browsers read it (``iso-8859-2-czech`` -> ``iso8859-2``,
    ``SHIFT_JIS`` -> ``cp932``), or None."""
    parts = name.split("-")
    for count in range(len(parts), 0, -1):
        prefix = "-".join(parts[:count])
        try:
            return web_codec(prefix) or codecs.lookup(prefix).name
        except LookupError:
            continue
    return None


def compare_file(path: Path, codec: str) -> tuple[str, float] | None:
    """None where ``path`` decodes as its folder says; else the codec used and the share of its non-ASCII
    characters found in the output. Raises ``UnicodeDecodeError`` where the folder's codec cannot decode it."""
    data = path.read_bytes()
    truth = data.decode(codec).removeprefix("\ufeff")
    text, used = decode_with_encoding(data)
    expected = "".join(truth.split()).replace("\x00", "")
    if "".join(text.split()) == expected:
        return None
    wanted = [ch for ch in expected if ord(ch) > 127]
    found = set(text)
    return used, sum(ch in found for ch in wanted) / max(len(wanted), 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a directory of folders named for their files' encoding")
    args = parser.parse_args(argv)
    counts: Counter[str] = Counter()
    for folder in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
        codec = folder_codec(folder.name)
        if codec is None:
            print(f"skipped {folder.name}/: no Python codec of that name")
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            try:
                result = compare_file(path, codec)
            except UnicodeDecodeError:
                counts["not valid in its folder's codec"] += 1
                continue
            counts["exact" if result is None else "differs"] += 1
            if result is not None:
                print(f"{folder.name}/{path.name}: decoded as {result[0]}, {result[1]:.0%} of its non-ASCII found")
    total = counts["exact"] + counts["differs"]
    print(f"exact {counts['exact']} of {total}; " + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "exact"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
