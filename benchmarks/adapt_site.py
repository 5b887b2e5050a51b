"""Leave one site out, then give it back a few pages at a time: adapting a model (``train --from``) vs retraining.

For a site (cleanportaleval's portals by ``domain``, fundus's publishers by ``publisher``, other datasets by the
URL's host), the site's pages are split once, with a fixed seed, into a pool of labelled pages and a held-out set.
A base model is trained on the train split of every dataset with the whole site left out (the model "did not know
the site"). Then, for k = 0, 5, 10, 20 pool pages (as many as the site allows while keeping at least
``--min-held-out`` pages held out):

- *adapted*: the base model adapted to the k pages (``blocksift.adapt``, what ``train --from`` runs),
- *retrained*: a model trained from scratch on the base model's pages plus the k pages,

each scored on the held-out pages (shingle F1 as the benchmark computes it, and word F1), with its time.

    python3 benchmarks/adapt_site.py --site tv.msnbc.com_news        # one site
    python3 benchmarks/adapt_site.py --rank                          # the shipped model's worst sites, no training

Feature rows come from the row cache (``~/.cache/blocksift/rows``), so only the first run parses the pages.
Needs ../shared/datasets (or $BLOCKSIFT_SHARED_DATASETS).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from blocksift.adapt import AdaptSettings
from blocksift.datasets import Page, load_datasets
from blocksift.evaluate import model_chooser, score_rows
from blocksift.modelfile import default_model
from blocksift.predictor import Predictor
from blocksift.table import PageRows, build_rows, default_cache_dir
from blocksift.training import adapt_model, train

SHARED = Path(os.environ.get("BLOCKSIFT_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
KS = (0, 5, 10, 20)


def site_of(page: Page) -> str:
    """The site a page belongs to: the portal or publisher where the dataset names it, else the URL's host."""
    meta = page.meta
    name = meta.get("domain") or meta.get("publisher") or urlparse(meta.get("url") or "").netloc
    return f"{page.dataset}:{name}" if name else ""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def held_out_score(model: Predictor, pages: Sequence[Page], rows: Sequence[PageRows]) -> dict[str, float]:
    """Shingle precision, recall, F1 and word F1 of ``model`` on the pages (one dataset: the site's)."""
    report = score_rows(pages, rows, model_chooser(model))
    d = report.datasets[0]
    return {"precision": d.precision, "recall": d.recall, "f1": d.f1, "word_f1": d.word_f1}


def rank_sites(pages: list[Page], rows: list[PageRows], min_pages: int) -> list[tuple[str, int, float]]:
    """(site, pages, shingle F1 of the shipped model on its test pages) for sites with at least ``min_pages``."""
    by_site: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pages):
        by_site[site_of(p)].append(i)
    model = default_model()
    ranked = []
    for site, idx in by_site.items():
        test = [i for i in idx if pages[i].split == "test"]
        if not site or len(idx) < min_pages or not test:
            continue
        f1 = held_out_score(model, [pages[i] for i in test], [rows[i] for i in test])["f1"]
        ranked.append((site, len(idx), f1))
    return sorted(ranked, key=lambda r: r[2])


def experiment(site: str, pages: list[Page], rows: list[PageRows], args: argparse.Namespace) -> dict[str, Any]:
    """The base model without the site, then adapted and retrained models with k of its pages."""
    site_idx = [i for i, p in enumerate(pages) if site_of(p) == site]
    random.Random(args.seed).shuffle(site_idx)
    pool_size = min(max(KS), len(site_idx) - args.min_held_out)
    ks = [k for k in KS if k <= pool_size]
    pool, held = site_idx[:pool_size], site_idx[pool_size:]
    held_pages, held_rows = [pages[i] for i in held], [rows[i] for i in held]
    others = [p for p in pages if site_of(p) != site and p.split == "train"]
    log(f"{site}: {len(site_idx)} pages, {len(held)} held out, k = {ks}; {len(others)} training pages without it")
    cache = default_cache_dir()
    params = {"random_state": args.seed}
    start = time.perf_counter()
    base, _ = train(others, params=params, jobs=args.jobs, cache_dir=cache, log=log)
    base_s = time.perf_counter() - start
    results: list[dict[str, Any]] = []
    for k in ks:
        added = [pages[i] for i in pool[:k]]
        row: dict[str, Any] = {"k": k}
        if k == 0:
            row["adapted"] = row["retrained"] = {**held_out_score(base, held_pages, held_rows), "seconds": base_s}
        else:
            start = time.perf_counter()
            adapted, _ = adapt_model(base, added, settings=AdaptSettings(), jobs=args.jobs, cache_dir=cache, log=log)
            seconds = time.perf_counter() - start
            row["adapted"] = {**held_out_score(adapted, held_pages, held_rows), "seconds": seconds}
            start = time.perf_counter()
            scratch, _ = train(others + added, params=params, jobs=args.jobs, cache_dir=cache, log=log)
            seconds = time.perf_counter() - start
            row["retrained"] = {**held_out_score(scratch, held_pages, held_rows), "seconds": seconds}
        log(f"k={k}: adapted F1 {row['adapted']['f1']:.3f} ({row['adapted']['seconds']:.1f} s), "
            f"retrained F1 {row['retrained']['f1']:.3f} ({row['retrained']['seconds']:.0f} s)")  # fmt: skip
        results.append(row)
    return {"site": site, "pages": len(site_idx), "held_out": len(held), "rows": results}


def markdown(result: dict[str, Any]) -> str:
    """The figures of one site as a Markdown table."""
    lines = [
        f"**{result['site']}**: {result['pages']} pages, {result['held_out']} held out",
        "",
        "| labelled pages | adapted (`--from`) F1 | word F1 | time | retrained F1 | word F1 | time |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        a, s = r["adapted"], r["retrained"]
        lines.append(
            f"| {r['k']} | {a['f1']:.3f} | {a['word_f1']:.3f} | {a['seconds']:.1f} s "
            f"| {s['f1']:.3f} | {s['word_f1']:.3f} | {s['seconds']:.0f} s |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", action="append", help="dataset:site to run (repeatable); see --rank")
    parser.add_argument("--rank", action="store_true", help="list the shipped model's worst sites and stop")
    parser.add_argument("--min-pages", type=int, default=12, help="sites with fewer pages are not ranked")
    parser.add_argument("--min-held-out", type=int, default=4, help="pages of the site always held out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        log(f"skipped: {SHARED} is absent (the shared benchmark datasets)")
        return 0
    pages = load_datasets(sorted(p for p in SHARED.iterdir() if p.is_dir()), splits=["train", "test"])
    rows = build_rows(pages, jobs=args.jobs, cache_dir=default_cache_dir())
    if args.rank or not args.site:
        for site, n, f1 in rank_sites(pages, rows, args.min_pages)[:15]:
            print(f"{f1:.3f}  {n:4d} pages  {site}")
        return 0
    results = [experiment(site, pages, rows, args) for site in args.site]
    for result in results:
        print(markdown(result) + "\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
