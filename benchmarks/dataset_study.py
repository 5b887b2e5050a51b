"""Which datasets help which: leave one dataset out of training, score every dataset's test split.

The nine shared datasets disagree on conventions (headline in or out of the gold, captions, silver gold of varying
quality), so a dataset may teach the model habits that cost another one. This trains one model on the train
splits of all datasets and one with each dataset left out, with the same settings, and prints for every test split
the shingle F1 of the full model and the change when each dataset is left out: a negative cell means the left-out
dataset helped that test set, a positive one that it hurt. It also trains the full model at several
dataset-balance exponents (``stack``'s ``balance``: 0 weighs every page the same, 1 every dataset the same).

    python3 benchmarks/dataset_study.py --json benchmarks/out/dataset_study.json
    python3 benchmarks/dataset_study.py --params '{"max_iter": 300}' --balances 0 0.5 1

A simpler model than the shipped one (``--params``; by default one stage of 150 trees, no second stage) keeps the
eleven trainings near a quarter of an hour on two cores; the differences between datasets are what is measured, not
the best figure. Feature rows come from the row cache, so only the first run parses the pages.
Needs ../shared/datasets (or $BLOCKSIFT_SHARED_DATASETS).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from blocksift.datasets import Page, load_datasets
from blocksift.defaults import DEFAULT_BALANCE
from blocksift.evaluate import model_chooser, score_rows
from blocksift.table import PageRows, build_rows, default_cache_dir
from blocksift.training import fit_classifier, stack

SHARED = Path(os.environ.get("BLOCKSIFT_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
STUDY_PARAMS: dict[str, Any] = {"max_iter": 150, "context": False}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_json(path: Path | None, data: Any) -> None:
    """A study's figures as JSON at ``path`` (its folder made), where one was asked for."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def fit_and_score(
    train: Sequence[tuple[Page, PageRows]], test: Sequence[tuple[Page, PageRows]], params: dict[str, Any],
    balance: float, jobs: int = 1,
) -> dict[str, dict[str, float]]:  # fmt: skip
    """Train on ``train`` and score ``test``: per test dataset, shingle F1 and word F1."""
    data = stack([p for p, _ in train], [r for _, r in train], balance, jobs=jobs, cache_dir=default_cache_dir())
    clf = fit_classifier(data, params)
    report = score_rows([p for p, _ in test], [r for _, r in test], model_chooser(clf))
    return {d.dataset: {"f1": d.f1, "word_f1": d.word_f1} for d in report.datasets}


def mean(scores: dict[str, dict[str, float]], key: str) -> float:
    return sum(s[key] for s in scores.values()) / len(scores)


def table(runs: dict[str, dict[str, dict[str, float]]], names: Sequence[str], key: str) -> str:
    """Markdown: the full model's figure per test dataset, then each left-out run's change."""
    full = runs["all"]
    head = "| trained on | " + " | ".join(names) + " | mean |"
    lines = [head, "|---" * (len(names) + 2) + "|"]
    lines.append("| all | " + " | ".join(f"{full[n][key]:.3f}" for n in names) + f" | {mean(full, key):.4f} |")
    for run, scores in runs.items():
        if run == "all":
            continue
        cells = []
        for n in names:
            delta = scores[n][key] - full[n][key]
            cells.append(f"**{delta:+.3f}**" if run == f"without {n}" else f"{delta:+.3f}")
        lines.append(f"| {run} | " + " | ".join(cells) + f" | {mean(scores, key) - mean(full, key):+.4f} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=SHARED, help="folder of the datasets")
    ap.add_argument("--params", default=json.dumps(STUDY_PARAMS), help="BlockClassifier settings (JSON)")
    ap.add_argument("--balance", type=float, default=DEFAULT_BALANCE, help="balance of the leave-one-out runs")
    ap.add_argument("--balances", type=float, nargs="*", default=[0.0, 1.0], help="extra full runs at these")
    ap.add_argument("--no-leave-out", action="store_true", help="only the balance runs")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write every figure here")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    roots = sorted(p for p in args.root.glob("*/") if (p / "meta.jsonl").exists()) if args.root.is_dir() else []
    if not roots:
        log(f"skipped: no datasets under {args.root} (set BLOCKSIFT_SHARED_DATASETS)")
        return 2
    params = json.loads(args.params)
    pages = load_datasets(roots, splits=["train", "test"])
    rows = build_rows(pages, jobs=args.jobs, cache_dir=default_cache_dir())
    train = [(p, r) for p, r in zip(pages, rows, strict=True) if p.split == "train"]
    test = [(p, r) for p, r in zip(pages, rows, strict=True) if p.split == "test"]
    names = sorted({p.dataset for p, _ in test})
    plan: list[tuple[str, list[tuple[Page, PageRows]], float]] = [("all", train, args.balance)]
    plan += [(f"all, balance {b:g}", train, b) for b in args.balances if b != args.balance]
    if not args.no_leave_out:
        plan += [(f"without {n}", [(p, r) for p, r in train if p.dataset != n], args.balance) for n in names]
    runs: dict[str, dict[str, dict[str, float]]] = {}
    for label, pages_in, balance in plan:
        t0 = time.perf_counter()
        runs[label] = fit_and_score(pages_in, test, params, balance, args.jobs)
        log(f"{label}: mean shingle F1 {mean(runs[label], 'f1'):.4f} ({time.perf_counter() - t0:.0f} s)")
    print(f"Settings: {params}, balance {args.balance:g} (leave-one-out runs); test splits.\n")
    print("**Shingle F1** (first row: trained on all; below: change when trained without a dataset)\n")
    print(table(runs, names, "f1"))
    print("\n**Word F1**\n")
    print(table(runs, names, "word_f1"))
    write_json(args.json, {"params": params, "balance": args.balance, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
