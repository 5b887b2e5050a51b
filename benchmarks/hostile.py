"""Hostile pages at full size, each in its own process: input size, time, peak memory and outcome.

    python3 benchmarks/hostile.py                 # every case, full size and a tenth of it
    python3 benchmarks/hostile.py --only siblings-block text-node-50mb --no-tenth
    python3 benchmarks/hostile.py --markdown out/hostile.md

Each case runs in a fresh child process (this script again, with the hidden ``--child`` flag): the child imports
blocksift, loads the shipped model and warms it up on a small page, builds the case's input in memory, then times
``blocksift.extract_blocks(input)`` alone (the gzip case times ``read_html_file`` with the ``predict`` size limit,
as the batch path reads a ``.html.gz``), and then, apart, the page written as plain text and as Markdown with every
block kept (the output path at its largest: ``--threshold 0``). The peak memory is the child's ``ru_maxrss`` from
``wait4``, over both: it includes the interpreter, blocksift and the model (the ``baseline`` row) and the input
itself. The parent imports nothing heavy, since Linux carries a parent's RSS high-water mark into its children.

Cases whose size scales also run at a tenth of it (unless ``--no-tenth``); the ``x10`` column is the full size's
time over the tenth's: about 10 for work linear in the input, under 10 where fixed costs still weigh. A case that
takes longer than ``--timeout`` seconds is stopped and reported as such; nothing in the table is a pass/fail verdict.
The inputs follow ``tests/test_hostile.py``, which runs smaller versions of the same shapes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PARAGRAPH = (
    "The harbour master confirmed on Tuesday that the morning ferry will leave twenty minutes earlier from next month, "
    "because the tide tables for the winter season have shifted. "
)
JAPANESE = "東京都立図書館は、来月から平日の開館時間を夜九時まで延長すると発表しました。利用者が増えています。"
CHINESE = "北京市图书馆宣布，从下个月起，工作日的开放时间将延长到晚上九点，因为下班后来借书的读者越来越多。"
GERMAN = "Das Freibad an der Lindenau öffnet in diesem Jahr schon Anfang Mai, teilte die Stadt am Dienstag mit. "
MB = 1_000_000


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>Hostile page</title></head><body>{body}</body></html>"


def paragraphs(size: int, text: str = PARAGRAPH, first: int = 0) -> str:
    """About ``size`` characters of paragraphs, numbered from ``first`` so that none repeats another."""
    return "".join(f"<p>{i}. {text}</p>" for i in range(first, first + max(1, size // (len(text) + 15))))


def random_bytes(size: int) -> bytes:
    return random.Random(0).randbytes(size)


def nul_sprinkled(size: int) -> bytes:
    data = page(paragraphs(size)).encode()
    return data.replace(b"e", b"e\x00").replace(b"<p>", b"<\x00p>")


def mixed(size: int) -> bytes:
    """A UTF-8 page whose second half is Windows-1252 text (pasted from an old database)."""
    first = paragraphs(size // 2, GERMAN)
    second = paragraphs(size // 2, GERMAN, first=first.count("<p>"))
    return page(first + "@@").encode().replace(b"@@", second.encode("cp1252"))


def bilingual(size: int) -> bytes:
    """A UTF-8 page of German and Japanese paragraphs."""
    return page(paragraphs(size // 4, GERMAN) + paragraphs(size // 4, JAPANESE)).encode()


def read_as_cp1252(data: bytes) -> bytes:
    """``data`` read as Windows-1252 and written out as UTF-8 again ("Ã¶" for "ö"); the bytes Windows-1252 leaves
    undefined are read as Latin-1 reads them."""
    undefined = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    return "".join(chr(b) if b in undefined else bytes([b]).decode("cp1252") for b in data).encode()


def gbk_stray_bytes(size: int) -> bytes:
    """A page declared GBK with five stray bytes through it and cut inside its last character, as a broken download
    is: browsers keep the declaration; a strict check of it, and the guesser, read such pages as windows-1252."""
    body = page(paragraphs(size // 2, CHINESE), '<meta charset="gbk">').encode("gb18030")
    step = len(body) // 6
    parts = [body[k * step : (k + 1) * step] for k in range(5)] + [body[5 * step :]]
    return b"\x81 ".join(parts)[: -len("</p></body></html>") - 1]


def unclosed_markup(size: int) -> bytes:
    """An undeclared Windows-1252 page followed by comments, scripts and styles that never close: the guess path
    reads the text between tags to tell Latin code pages apart (a lazy regular expression took 10 s on 64 kB)."""
    text = page(paragraphs(2_000).replace("earlier", "früher")).encode("cp1252")
    return text + b"<!--<script><style>" * ((size - len(text)) // 19)


def mhtml(size: int) -> bytes:
    """A page saved as MHTML ("Webpage, single file"): mail headers, the page's HTML quoted-printable in one part,
    and a base64 image part of a fifth of the size; read from its HTML part (``mhtml.py``)."""
    import base64
    import quopri

    html = quopri.encodestring(page(paragraphs(size * 2 // 3, GERMAN)).encode())
    image = base64.encodebytes(random_bytes(size // 5))
    head = "\r\n".join(
        ["From: <Saved by Blink>", "Snapshot-Content-Location: https://example.org/a", "MIME-Version: 1.0",
         'Content-Type: multipart/related; type="text/html"; boundary="B"', "", "--B",
         'Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable",
         "Content-Location: https://example.org/a", "", ""]
    )  # fmt: skip
    image_head = "\r\n--B\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    return head.encode() + html + image_head.encode() + image + b"\r\n--B--\r\n"


def encoded_twice(size: int) -> bytes:
    """A page encoded twice throughout: repaired whole (``mojibake.py``)."""
    return read_as_cp1252(bilingual(size))


def encoded_twice_mixed(size: int) -> bytes:
    """The same, every other paragraph as meant: repaired sequence by sequence, a megabyte of text at a time."""
    parts = bilingual(size).split(b"<p>")
    return b"<p>".join(read_as_cp1252(part) if i % 2 else part for i, part in enumerate(parts))


def soup(size: int) -> str:
    rng = random.Random(7)
    pieces = ["<div>", "</div>", "<p>", "</p>", "<b>", "</i>", "<table>", "<td>", "<li>", "'", '"', ">", "<", "&"]
    pieces += ["&amp;", "<!--", "-->", "<br/>", "word ", "text ", "<a href=", "\x00", "&#xD800;", "&#99999999;"]
    out: list[str] = []
    length = 0
    while length < size:
        piece = rng.choice(pieces)
        out.append(piece)
        length += len(piece)
    return "".join(out)


def entities(size: int) -> str:
    noise = "&amp no semicolon &#0; &#xD800; &#x110000; &#99999999999; &bogus; &#; &#x; &#xZZ; &&&; "
    return page(paragraphs(size, PARAGRAPH + noise))


def nested(n: int, close: bool = True) -> str:
    return page("<div>" * n + f"<p>{PARAGRAPH}</p>" + ("</div>" * n if close else ""))


def siblings(n: int, tag: str) -> str:
    inner = "".join(f"<{tag}>item {i}</{tag}>" for i in range(n))
    return page(f"<p>{PARAGRAPH}</p><div>{inner}</div><p>{PARAGRAPH}</p>")


def text_node(size: int) -> str:
    return page("<p>" + PARAGRAPH * (size // len(PARAGRAPH)) + "</p>")


def br_lines(n: int) -> str:
    """One element of ``n`` lines split by ``<br>``, each with a link and bold words: as many blocks of one owner."""
    lines = "".join(f'line {i} <a href="/item/{i}">item {i}</a> <b>note {i}</b><br>' for i in range(n))
    return page(f"<p>{PARAGRAPH}</p><div>{lines}</div>")


def pre_lines(n: int) -> str:
    """A ``<pre>`` of ``n`` lines split by ``<br>`` (as code highlighters write them): a block per line."""
    return page(f"<p>{PARAGRAPH}</p><pre>" + "".join(f"value_{i} = compute({i})<br>" for i in range(n)) + "</pre>")


def row_cells(n: int) -> str:
    """A table row of ``n`` cells, a block each: the plain text writes it as one line (joined once, not cell by
    cell, which would copy the growing line ``n`` times)."""
    return page(f"<p>{PARAGRAPH}</p><table><tr>" + "".join(f"<td>cell {i}</td>" for i in range(n)) + "</tr></table>")


def cell_lines(n: int) -> str:
    """A table cell of ``n`` lines split by ``<br>`` (an old forum's or a log's layout table): a cell of ``n`` blocks,
    which Markdown and HTML write as one cell."""
    lines = "".join(f"line {i} of the cell<br>" for i in range(n))
    return page(f"<p>{PARAGRAPH}</p><table><tr><td>{lines}</td></tr></table>")


def gzip_bomb(inflated_mb: int) -> Path:
    """A .html.gz of ``inflated_mb`` MB of zeros made of repeated gzip members (about 1 KB per inflated MB)."""
    import gzip

    member = gzip.compress(b"\x00" * (1 << 20), compresslevel=9)
    fd, name = tempfile.mkstemp(suffix=".html.gz")
    with os.fdopen(fd, "wb") as fh:
        for _ in range(inflated_mb):
            fh.write(member)
    return Path(name)


# name -> (full size, size unit, whether it scales, input builder taking the size)
CASES: dict[str, tuple[int, str, bool, Callable[[int], bytes | str | Path]]] = {
    "baseline": (20_000, "bytes", False, lambda n: page(paragraphs(n))),
    "empty": (0, "bytes", False, lambda n: b""),
    "whitespace-only": (10 * MB, "bytes", True, lambda n: b" \n\t" * (n // 3)),
    "binary-junk": (50 * MB, "bytes", True, random_bytes),
    "pdf": (10 * MB, "bytes", True, lambda n: b"%PDF-1.7\n" + random_bytes(n)),
    "png": (10 * MB, "bytes", True, lambda n: b"\x89PNG\r\n\x1a\n" + random_bytes(n)),
    "json": (50 * MB, "bytes", True, lambda n: json.dumps([{"text": PARAGRAPH}] * (n // 170)).encode()),
    "nul-bytes-in-page": (10 * MB, "bytes", True, nul_sprinkled),
    "nul-bytes-only": (50 * MB, "bytes", True, lambda n: b"\x00" * n),
    "utf16-no-bom": (10 * MB, "bytes", True, lambda n: page(paragraphs(n // 2)).encode("utf-16-le")),
    "shift-jis-declared-latin1": (
        10 * MB,
        "bytes",
        True,
        lambda n: page(paragraphs(n // 2, JAPANESE), '<meta charset="iso-8859-1">').encode("shift_jis"),
    ),
    "gb18030-declared-utf8": (
        10 * MB,
        "bytes",
        True,
        lambda n: page(paragraphs(n // 2, CHINESE), '<meta charset="utf-8">').encode("gb18030"),
    ),
    "gbk-stray-bytes": (10 * MB, "bytes", True, gbk_stray_bytes),
    "mixed-utf8-cp1252": (10 * MB, "bytes", True, mixed),
    "latin-unclosed-markup": (10 * MB, "bytes", True, unclosed_markup),
    "mhtml-archive": (10 * MB, "bytes", True, mhtml),
    "utf8-encoded-twice": (10 * MB, "bytes", True, encoded_twice),
    "utf8-encoded-twice-mixed": (10 * MB, "bytes", True, encoded_twice_mixed),
    "malformed-entities": (10 * MB, "bytes", True, entities),
    "markup-soup": (10 * MB, "bytes", True, soup),
    "nested-100k": (100_000, "elements", True, nested),
    "nested-100k-unclosed": (100_000, "elements", True, lambda n: nested(n, close=False)),
    "nested-1m": (1_000_000, "elements", True, nested),
    "siblings-inline-1m": (1_000_000, "elements", True, lambda n: siblings(n, "span")),
    "siblings-block-1m": (1_000_000, "elements", True, lambda n: siblings(n, "p")),
    "text-node-50mb": (50 * MB, "bytes", True, text_node),
    "br-lines-100k": (100_000, "lines", True, br_lines),
    "pre-lines-100k": (100_000, "lines", True, pre_lines),
    "row-cells-100k": (100_000, "cells", True, row_cells),
    "cell-lines-100k": (100_000, "lines", True, cell_lines),
    "gzip-bomb-10gb": (10_000, "MB inflated", True, gzip_bomb),
}


def child(name: str, size: int) -> None:
    """Run one case in this process and print its figures as one JSON line."""
    import blocksift
    from blocksift.batch import MAX_PAGE_BYTES
    from blocksift.datasets import read_html_file
    from blocksift.errors import BlocksiftError

    blocksift.extract_blocks(page(paragraphs(5_000)))  # warm up: model, compiled code
    data = CASES[name][3](size)
    input_bytes = data.stat().st_size if isinstance(data, Path) else len(data)
    start = time.perf_counter()
    extraction = None
    try:
        if isinstance(data, Path):
            read_html_file(data, MAX_PAGE_BYTES)
            outcome = "read in full"
        else:
            extraction = blocksift.extract_blocks(data)
            kept = f"{int(extraction.keep.sum()):,} of {len(extraction.blocks):,} blocks kept"
            outcome = f"{kept}, read as {extraction.encoding}"
    except BlocksiftError as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    except MemoryError:
        outcome = "MemoryError"
    seconds = time.perf_counter() - start
    if isinstance(data, Path):
        data.unlink()
    render_seconds = None if extraction is None else render_seconds_of(extraction)
    print(json.dumps({"input_bytes": input_bytes, "seconds": seconds, "outcome": outcome, "render": render_seconds}))


def render_seconds_of(extraction: Any) -> float:
    """Seconds to write the page as plain text and as Markdown with every block kept (``--threshold 0``): the output
    path's work at its largest, timed apart from the extraction."""
    import dataclasses

    import numpy as np

    from blocksift.render import to_markdown

    everything = dataclasses.replace(extraction, keep=np.ones(len(extraction.blocks), dtype=bool))
    start = time.perf_counter()
    everything.text  # noqa: B018 (the plain text, built on access)
    to_markdown(everything)
    return time.perf_counter() - start


def run_case(name: str, size: int, timeout: float) -> dict[str, object]:
    """Run a case in a child process; its figures plus the child's peak RSS."""
    cmd = [sys.executable, __file__, "--child", name, str(size)]
    # Files, not pipes: a child that writes much cannot block while the parent polls it.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        deadline = time.monotonic() + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak_mb = usage.ru_maxrss / 1024
    if proc.returncode != 0 or not stdout.strip():
        what = f"stopped after {timeout:g} s" if timed_out else f"child exited {proc.returncode}"
        tail = stderr.strip().splitlines()[-1:] if stderr.strip() else []
        return {"seconds": None, "input_bytes": None, "outcome": " ".join([what, *tail]), "peak_mb": peak_mb}
    record = json.loads(stdout.strip().splitlines()[-1])
    record["peak_mb"] = peak_mb
    return record


def fmt_size(n: object) -> str:
    if not isinstance(n, int):
        return "?"
    return f"{n / MB:,.1f} MB" if n >= 100_000 else f"{n:,} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), help="Run only these cases.")
    parser.add_argument("--no-tenth", action="store_true", help="Skip the runs at a tenth of the size.")
    parser.add_argument("--timeout", type=float, default=900.0, help="Seconds a case may take (default 900).")
    parser.add_argument("--markdown", type=Path, help="Also write the table to this file.")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    header = (
        "| case | size | input | time (s) | x10 | text + Markdown, all kept (s) | peak RSS (MB) | outcome |\n"
        "|---|---|---:|---:|---:|---:|---:|---|"
    )
    print(header, flush=True)
    lines = [header]
    for name in args.only or CASES:
        size, unit, scales, _ = CASES[name]
        tenth = run_case(name, size // 10, args.timeout) if scales and not args.no_tenth else None
        full = run_case(name, size, args.timeout)
        ratio = ""
        if tenth and isinstance(tenth["seconds"], float) and isinstance(full["seconds"], float) and tenth["seconds"]:
            ratio = f"{full['seconds'] / tenth['seconds']:.1f}"
        secs = f"{full['seconds']:.2f}" if isinstance(full["seconds"], float) else "—"
        render = f"{full['render']:.2f}" if isinstance(full.get("render"), float) else "—"
        outcome = str(full["outcome"]).replace("|", "/")
        if len(outcome) > 110:
            outcome = outcome[:107] + "..."
        line = (
            f"| {name} | {size:,} {unit} | {fmt_size(full['input_bytes'])} | {secs} | {ratio} | {render} "
            f"| {full['peak_mb']:,.0f} | {outcome} |"
        )
        print(line, flush=True)
        lines.append(line)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
