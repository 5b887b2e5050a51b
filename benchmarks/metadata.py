"""Accuracy of the page metadata blocksift reads (title, author, publication date) against wcxb's meta gold.

    python benchmarks/metadata.py [--split test] [--datasets-root ../shared/datasets] [--show 10]

A title counts as right when it equals the gold after white-space and case folding, an author when the gold name
is among the names found (or equal), a date when the YYYY-MM-DD parts agree. Only what the page itself declares is
used (not the URL it was crawled from, which meta.jsonl records). Pages whose gold field is empty
are left out of that field's figure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from blocksift.blocks import segment
from blocksift.datasets import load_datasets
from blocksift.metadata import headline, iso_date, page_meta, tree_root
from blocksift.page import decode_html, parse_html

ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def norm(text: str) -> str:
    """Case-, quote- and white-space-folded text."""
    return " ".join(text.casefold().replace("’", "'").replace("‘", "'").split())


def right(field: str, found: str, gold: str) -> bool:
    """Whether ``found`` matches the gold value of ``field``."""
    if field == "date":
        return bool(iso_date(found)) and iso_date(found) == iso_date(gold)
    if field == "author":

        def names(text: str) -> set[str]:
            return {norm(n) for n in text.replace(" and ", ",").replace("&", ",").split(",") if n.strip()}

        return bool(names(gold)) and names(gold) <= names(found)
    return norm(found) == norm(gold)


def main(argv: list[str] | None = None) -> int:
    """Print per-field accuracy and a few misses."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets-root", type=Path, default=ROOT)
    ap.add_argument("--split", default="test")
    ap.add_argument("--show", type=int, default=5, help="misses shown per field")
    args = ap.parse_args(argv)
    folder = args.datasets_root / "wcxb"
    if not folder.is_dir():
        print(f"metadata.py: no wcxb dataset at {folder}", file=sys.stderr)
        return 2
    pages = load_datasets([folder], splits=[args.split])
    fields = {"title": "title", "author": "author", "date": "publish_date"}
    hits = {f: 0 for f in fields}
    totals = {f: 0 for f in fields}
    misses: dict[str, list[str]] = {f: [] for f in fields}
    start = time.perf_counter()
    for page in pages:
        data = page.read_html()
        seg = segment(parse_html(data))  # as extraction does: the body's markup is read from its cleaned tree
        meta = page_meta(decode_html(data), headline(seg), root=tree_root(seg))
        for field, key in fields.items():
            gold = str(page.meta.get(key) or "").strip()
            if not gold:
                continue
            totals[field] += 1
            found = getattr(meta, field)
            if right(field, found, gold):
                hits[field] += 1
            elif len(misses[field]) < args.show:
                misses[field].append(f"{page.id}: found {found!r}, gold {gold!r}")
    seconds = time.perf_counter() - start
    per_page = seconds / max(len(pages), 1) * 1000
    print(f"wcxb {args.split}: {len(pages)} pages, {per_page:.1f} ms per page (decode, parse, segment, meta)")
    print(f"{'field':8s} {'pages':>6s} {'right':>6s} {'accuracy':>9s}")
    for field in fields:
        acc = hits[field] / totals[field] if totals[field] else 0.0
        print(f"{field:8s} {totals[field]:6d} {hits[field]:6d} {acc:9.3f}")
    for field, lines in misses.items():
        for line in lines:
            print(f"  {field} miss  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
