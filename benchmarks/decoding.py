"""Decoding against known encodings: how many files of a corpus decode to exactly the text their encoding gives.

The corpus is a directory of folders named for the encoding of the files inside, as chardet's and uchardet's test
suites are laid out (``windows-1250-czech/``, ``SHIFT_JIS/``, ``UTF-32BE/``): the part of the name before the
language, or the whole name, is read as a browser reads that charset label (GB2312 as GBK, TIS-620 as windows-874,
Shift_JIS as cp932: what the page's author saw), else looked up as a Python codec. Each file goes through
``decode_with_encoding`` and is compared with that strict decoding, white space and NUL bytes left out. A file that
differs is listed with the codec used and the share of its non-ASCII characters found in the output.

    python3 benchmarks/decoding.py /path/to/chardet/tests
    python3 benchmarks/decoding.py /path/to/chardet/tests --stray 4

``--stray N`` damages the files of the legacy multi-byte encodings (Shift_JIS, EUC-JP, GBK, EUC-KR, Big5, Johab)
instead: N copies of each, every copy with one stray byte (0x81, 0xA1, 0xFE or 0x8E) inserted at a seeded random
place in its middle half, as a damaged download or a bad edit leaves it. It counts the copies read in the file's
own encoding: browsers keep a declared encoding whatever one byte does, and a guess should not lose the page's
script to it.
"""

from __future__ import annotations

import argparse
import codecs
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from blocksift.charset import web_codec
from blocksift.page import MULTIBYTE_READINGS, decode_with_encoding, detect_encoding, names_reading

# The codecs ``folder_codec`` gives for legacy multi-byte folders: the readings blocksift retries a guess with, and
# Johab, which no browser has. A copy is read right where the encoding used names the folder's (``names_reading``:
# a guesser's JIS X 0213 codecs for Japanese text count).
MULTIBYTE = (*MULTIBYTE_READINGS, "johab")
STRAY_BYTES = (b"\x81", b"\xa1", b"\xfe", b"\x8e")


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


def stray_copies(data: bytes, copies: int, rng: random.Random) -> list[bytes]:
    """``copies`` versions of ``data``, each with one stray byte inserted in its middle half."""
    out = []
    for _ in range(copies):
        at = rng.randrange(len(data) // 4, max(len(data) * 3 // 4, len(data) // 4 + 1))
        out.append(data[:at] + rng.choice(STRAY_BYTES) + data[at:])
    return out


def stray_run(corpus: Path, copies: int) -> int:
    """Print, per legacy multi-byte folder, how many stray-byte copies are read in the folder's encoding."""
    rng = random.Random(0)
    right = total = 0
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        codec = folder_codec(folder.name)
        if codec not in MULTIBYTE:
            continue
        read = Counter(detect_encoding(copy) for path in sorted(folder.iterdir()) if path.is_file()
                       for copy in stray_copies(path.read_bytes(), copies, rng))  # fmt: skip
        ok = sum(n for used, n in read.items() if names_reading(used, codec))
        wrong = ", ".join(f"{used} {n}" for used, n in read.most_common() if not names_reading(used, codec))
        print(f"{folder.name}/: {ok} of {read.total()} read as {codec}" + (f"; {wrong}" if wrong else ""))
        right, total = right + ok, total + read.total()
    print(f"stray bytes: {right} of {total} copies read in their encoding")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a directory of folders named for their files' encoding")
    parser.add_argument("--stray", type=int, default=0, metavar="N", help="N stray-byte copies of each legacy "
                        "multi-byte file, counted by the encoding they are read in")  # fmt: skip
    args = parser.parse_args(argv)
    if args.stray:
        return stray_run(args.corpus, args.stray)
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
