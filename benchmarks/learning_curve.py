"""Learning curve: how well a model trained on N labelled pages of a dataset does on that dataset's test split.

For a user about to label pages of their own (``blocksift annotate``, ``import-labels``, ``train``): how many are
enough, and which settings suit a small set. For each size N this draws N pages of the datasets' train splits
(``--draws`` seeded draws; the pages depend on the draw only, so every setting fits the same pages), trains each
named setting on them with the shipped recipe's other settings, and scores the datasets' test splits. It prints the
mean shingle and word F1 over the draws per size and setting, and each setting against the first on the same
draws: the mean difference and in how many draws it was higher.

    python3 benchmarks/learning_curve.py ../shared/datasets/wcxb --sizes 30,60,120,250 --draws 6 \\
        --setting shipped '{}' --setting refit '{"refit": true}'

Session 17 ran that to size up ``blocksift train --refit`` (docs/experiments.md). One difference from a user's
own pages: the shared datasets' train pages are the shipped lexicon's, so ``blocksift train`` gives the pages drawn
a lexicon column out of fold (lexicons fitted by site on the other pages drawn), weaker the fewer they are, where a
user's pages get the shipped lexicon's score, as the test pages do. So the small sizes understate what a user's
model reaches; the differences between settings on the same draws are what this measures. A fit of 30 pages takes
seconds, 250 pages half a minute. Needs the datasets given (``../shared/datasets/<name>``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from blocksift.datasets import load_datasets
from blocksift.table import build_rows, default_cache_dir
from blocksift.training import usable
from dataset_study import log, write_json
from settings_study import Pairs, run_setting


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", type=Path, help="dataset folders: train pages drawn, test split scored")
    ap.add_argument("--sizes", default="30,60,120,250", help="comma-separated numbers of training pages")
    ap.add_argument("--draws", type=int, default=4, help="seeded draws of pages per size")
    ap.add_argument(
        "--setting", nargs=2, action="append", metavar=("NAME", "JSON"),
        help="a named setting, as in settings_study.py (repeatable; default: shipped '{}')",
    )  # fmt: skip
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write every figure here")
    return ap.parse_args(argv)


def draw(train: Pairs, size: int, seed: int) -> Pairs:
    """``size`` of the training pages, in their order, the same for every setting of one draw."""
    chosen = np.random.default_rng(1000 + seed).choice(len(train), size, replace=False)
    return [train[i] for i in sorted(chosen)]


def curve_table(results: dict[str, dict[str, Any]], names: Sequence[str], sizes: Sequence[int], draws: int) -> str:
    """One row per size and setting: mean test F1 over the draws, and the difference from the first setting."""
    lines = [
        "| pages | setting | shingle F1 | word F1 | - first (shingle) | higher in | fit s |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        base = [results[f"{size} {names[0]} draw {d}"]["test"]["mean"] for d in range(draws)]
        for name in names:
            runs = [results[f"{size} {name} draw {d}"] for d in range(draws)]
            shingle = [r["test"]["mean"] for r in runs]
            word = np.mean([r["test"]["word_mean"] for r in runs])
            diff = np.subtract(shingle, base)
            fit_s = np.mean([r["fit_s"] for r in runs])
            lines.append(
                f"| {size} | {name} | {np.mean(shingle):.4f} | {word:.4f} | {np.mean(diff):+.4f} "
                f"| {int((diff > 0).sum())} of {draws} | {fit_s:.0f} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [d for d in args.datasets if not (d / "meta.jsonl").exists()]
    if missing:
        log(f"skipped: no dataset at {missing[0]} (a folder with meta.jsonl)")
        return 2
    settings = {name: json.loads(text) for name, text in (args.setting or [("shipped", "{}")])}
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = load_datasets(args.datasets, splits=["train", "test"])
    rows = build_rows(pages, jobs=args.jobs, cache_dir=default_cache_dir())
    train = usable(
        [p for p in pages if p.split == "train"], [r for p, r in zip(pages, rows, strict=True) if p.split == "train"]
    )
    test = [(p, r) for p, r in zip(pages, rows, strict=True) if p.split == "test"]
    if max(sizes) > len(train):
        log(f"learning_curve.py: --sizes asks for {max(sizes)} pages; the train splits hold {len(train)} usable ones")
        return 2
    if not test:
        log("learning_curve.py: the datasets have no test pages to score")
        return 2
    results: dict[str, dict[str, Any]] = {}
    for size in sizes:
        for d in range(args.draws):
            chosen = draw(train, size, d)
            for name, setting in settings.items():
                r = run_setting(chosen, test, {**setting, "random_state": d}, args.jobs)
                results[f"{size} {name} draw {d}"] = {k: v for k, v in r.items() if not k.endswith("_pages")}
                log(f"{size} pages, {name}, draw {d}: test {r['test']['mean']:.4f} ({r['fit_s']} s to fit)")
    names = ", ".join(d.name for d in args.datasets)
    print(f"Test splits of {names} ({len(test)} pages): mean over {args.draws} draws of the training pages per size;")
    print("the difference is against the first setting on the same draws.\n")
    print(curve_table(results, list(settings), sizes, args.draws))
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
