"""Memory of blocksift: the peak on one 10 MB page, and whether a long run grows.

    python3 benchmarks/memory.py                 # both, on the test splits of ../shared/datasets
    python3 benchmarks/memory.py --pages 10000   # the long run's length (default 10,000 extractions)

*Big page*: a 10 MB page made in memory by joining the bodies of real test pages one after another (a long
document of many articles, as a forum thread or an archive page is), extracted in a fresh process; its peak RSS
(``ru_maxrss``) is printed beside the peak of the same process after loading the model and extracting one small page,
so that the page's own share is visible. Twice: as the process's first page (it then loads the compiled tree walk
itself, midway), and in a process that already has the walk loaded, as a batch worker has after its first pages.

*Long run*: ``--pages`` extractions in one process, cycling over the test pages, and the same number through the
batch path with two workers; the RSS of the extracting processes is sampled every 500 pages. A process whose memory
is flat ends where it was after its first thousand pages (the caches and the allocator's pools are full by then);
the script prints the samples and the growth between the 1,000th page and the last.

Nothing is written to disk. Needs ../shared/datasets (or $BLOCKSIFT_SHARED_DATASETS).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

SHARED = Path(os.environ.get("BLOCKSIFT_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
BIG_BYTES = 10 * 1024 * 1024
SAMPLE_EVERY = 500


def test_pages(limit: int | None = None) -> list[bytes]:
    """The raw bytes of the test pages of every shared dataset, in a fixed order."""
    from blocksift.datasets import load_datasets

    pages = load_datasets(sorted(p for p in SHARED.iterdir() if p.is_dir()), splits=["test"])
    return [p.read_html() for p in pages[:limit]]


def rss_mb(pid: int | None = None) -> float:
    """Current resident memory of a process (this one by default), in MB."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_page(pages: list[bytes]) -> bytes:
    """One page of about BIG_BYTES: the bodies of real pages one after another under one <html>. Each body is
    re-serialised from its parsed tree (scripts and styles already gone), so that no unclosed element of one page
    swallows the next: the 10 MB are all markup and visible text, the heaviest case for blocksift."""
    from lxml import etree

    from blocksift.errors import BlocksiftError
    from blocksift.page import parse_html

    bodies: list[bytes] = []
    size = 0
    for data in pages * 20:
        try:
            root = parse_html(data).root
        except BlocksiftError:
            continue
        body = root.find("body")
        if body is None:
            continue
        body.tag = "div"
        bodies.append(etree.tostring(body, encoding="utf-8", method="html"))
        size += len(bodies[-1])
        if size >= BIG_BYTES:
            break
    return b"<html><head><title>Big page</title></head><body>" + b"\n".join(bodies) + b"</body></html>"


def child_big(warm: bool) -> None:
    """In a fresh process: peak RSS after a small page, then after the big page. ``warm``: after enough small
    pages that the process walks its trees with the compiled walk (numba, about 100 MB), as a batch worker does;
    otherwise the big page is the process's first real work and loads it itself. The warm process also collects
    garbage as a worker does (``heap.collect_less_often``)."""
    import blocksift
    from blocksift import forest
    from blocksift.heap import collect_less_often

    pages = test_pages(200)
    data = big_page(pages)
    del pages
    small = b"<html><body><p>" + b"A small page with a sentence. " * 20 + b"</p></body></html>"
    blocksift.extract(small)
    if warm:
        collect_less_often()  # a batch worker's collector settings
        forest._WORK[0] = forest.COMPILE_AFTER + 1
        blocksift.extract(small)
        assert forest._compiled_walk() is not None and "numba" in sys.modules
    before = peak_mb()
    result = blocksift.extract_blocks(data)
    print(json.dumps({"bytes": len(data), "blocks": len(result.blocks), "peak_before_mb": before,
                      "peak_after_mb": peak_mb()}))  # fmt: skip


def long_single(pages: list[bytes], n: int) -> list[tuple[int, float]]:
    """RSS every SAMPLE_EVERY extractions in this process."""
    import blocksift

    samples = []
    for i in range(1, n + 1):
        with contextlib.suppress(blocksift.BlocksiftError):  # a page that is not HTML counts like the others
            blocksift.extract(pages[i % len(pages)])
        if i % SAMPLE_EVERY == 0:
            samples.append((i, rss_mb()))
    return samples


def long_batch(pages: list[bytes], n: int) -> list[tuple[int, float]]:
    """RSS of the two worker processes (summed) every SAMPLE_EVERY pages through the batch path."""
    from blocksift import batch

    sources = (batch.Source(f"p{i}", data=pages[i % len(pages)]) for i in range(n))
    samples = []
    me = os.getpid()
    for i, _result in enumerate(batch.run(sources, model_path=None, fmt="text", jobs=2), start=1):
        if i % SAMPLE_EVERY == 0:
            workers = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == me]
            samples.append((i, sum(rss_mb(w) for w in workers)))
    return samples


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def growth(samples: list[tuple[int, float]]) -> float:
    """MB gained between the sample at 1,000 pages (or the first) and the last."""
    base = next((mb for i, mb in samples if i >= 1000), samples[0][1])
    return samples[-1][1] - base


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000, help="extractions in the long run (0: the big page only)")
    parser.add_argument("--child-big", choices=["cold", "warm"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (the shared benchmark datasets)", file=sys.stderr)
        return 0
    if args.child_big:
        child_big(args.child_big == "warm")
        return 0
    for mode, what in (("cold", "as its first page"), ("warm", "after the compiled tree walk is loaded")):
        command = [sys.executable, __file__, "--child-big", mode]
        big = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        print(
            f"big page {what}: {big['bytes'] / 1e6:.1f} MB, {big['blocks']:,} blocks; peak RSS "
            f"{big['peak_after_mb']:.0f} MB (the process held {big['peak_before_mb']:.0f} MB before the page)"
        )
    if args.pages < 1:
        return 0
    pages = test_pages()
    for name, run in (("one process", long_single), ("batch, 2 workers", long_batch)):
        samples = run(pages, args.pages)
        trail = ", ".join(f"{i}: {mb:.0f}" for i, mb in samples[:: max(1, len(samples) // 10)])
        print(f"{name}: {args.pages:,} pages; RSS MB by page {trail}; last {samples[-1][1]:.0f} MB; "
              f"growth after page 1,000: {growth(samples):+.1f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
