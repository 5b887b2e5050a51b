"""Settings study: train with chosen model settings, score the training pages held out and then the test splits.

Settings are chosen on the training pages a model holds out to pick its threshold (the page-grouped split of
``BlockClassifier.fit``; it never fits them), never on the test splits, which stay for measuring. For each named
setting this trains on the train splits of every dataset, then prints the mean shingle F1 over the datasets on
the held-out pages and on the test splits, each dataset's figure, and wcxb's page types: the rows of
docs/experiments.md.

    python3 benchmarks/settings_study.py --setting shipped '{}'
    python3 benchmarks/settings_study.py --setting 'final 500 trees' '{"max_iter": 500}' \\
        --setting 'balance 1' '{"balance": 1}' --json benchmarks/out/settings.json

With ``--seeds 2,3,4,5`` every setting runs once per seed and a summary compares each with the first setting
on the same seeds (the mean differences, a paired bootstrap interval of the held-out one over the held-out pages,
on how many seeds it is higher, and which held-out datasets moved): compare settings on seeds that did not choose
the shipped recipe (docs/experiments.md). ``--baseline FILE`` takes the first setting's runs from an earlier
``--json`` file instead of training it again (a run of the shipped recipe on the same seeds, with the same rows and
code but the change studied), so that a study of one change costs one training per seed, not two::

    python3 benchmarks/settings_study.py --seeds 2,3,4,5 --setting shipped '{}' --json out/shipped.json
    python3 benchmarks/settings_study.py --seeds 2,3,4,5 --baseline out/shipped.json --setting NAME '{...}'

A setting is JSON: ``BlockClassifier`` arguments (``max_iter``, ``stage1_max_iter``, ``stage1_refit``,
``context_folds``, ``max_leaf_nodes``, ...) over the shipped defaults, ``balance`` for the dataset weights
(``blocksift train --balance``) and ``type_balance`` for page-type weights within a dataset (``type_balanced``).
Each setting is one training of the shipped size and its scoring, about two and a half minutes on two cores (session
15); feature rows and the lexicon's out-of-fold scores come from the row cache, so only the first run parses the
pages and fits the five lexicons.
Needs ../shared/datasets (or $BLOCKSIFT_SHARED_DATASETS, or ``--root``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from blocksift.datasets import Page, load_datasets
from blocksift.defaults import DEFAULT_BALANCE
from blocksift.evaluate import Report, model_chooser, score_rows
from blocksift.metrics import shingle_score
from blocksift.table import PageRows, build_rows, default_cache_dir
from blocksift.training import TrainingData, fit_classifier, stack, usable
from dataset_study import SHARED, log, write_json
from margin import Margin, PageFigures, differences, draws_for, summarise

Pairs = Sequence[tuple[Page, PageRows]]


def run_setting(train: Pairs, test: Pairs, setting: dict[str, Any], jobs: int = 1) -> dict[str, Any]:
    """Fit on ``train`` with ``setting``; the figures of the pages it held out and of ``test``. The lexicon's
    out-of-fold scores come from the row cache after the first setting (they do not depend on the settings)."""

    params = {k: v for k, v in setting.items() if k not in ("balance", "type_balance")}
    balance = float(setting.get("balance", DEFAULT_BALANCE))
    data = stack([p for p, _ in train], [r for _, r in train], balance, jobs=jobs, cache_dir=default_cache_dir())
    if setting.get("type_balance"):
        data = type_balanced(train, data, float(setting["type_balance"]))
    t0 = time.perf_counter()
    clf = fit_classifier(data, params)
    fit_s = time.perf_counter() - t0
    held = [train[i] for i in np.unique(data.groups[clf.held_out_rows_])]  # ``stack`` numbers pages in this order
    out: dict[str, Any] = {"setting": setting, "fit_s": round(fit_s), "threshold": clf.threshold_}
    for label, pairs, choose in (("held_out", held, held_out_chooser(clf, data.groups, held)), ("test", test, None)):
        report = score_rows([p for p, _ in pairs], [r for _, r in pairs], choose or model_chooser(clf))
        out[label] = figures(report)
        # each page's counts, for the paired intervals of ``seed_summary``
        out[f"{label}_pages"] = {
            r.page.key: [r.counts.tp, r.counts.fp, r.counts.fn, r.word_f1] for d in report.datasets for r in d.results
        }
    return out


def type_balanced(train: Pairs, data: TrainingData, power: float) -> TrainingData:
    """Within each dataset with page types (wcxb's), each page weighted by (mean pages per type / its type's
    pages) ** power, the dataset's total page weight unchanged: ``type_balance`` in a setting, so that the rarer
    kinds of page (product, listing) count for more beside the many articles."""
    good = usable([p for p, _ in train], [r for _, r in train])
    kinds = [(p.dataset, p.meta.get("page_type")) for p, _ in good]
    per_type = Counter(kinds)
    factor = np.ones(len(good))
    for dataset in {d for d, k in kinds if k}:
        types = {k: n for (d, k), n in per_type.items() if d == dataset}
        mean = np.mean(list(types.values()))
        idx = [i for i, (d, _) in enumerate(kinds) if d == dataset]
        raw = np.array([(mean / types[kinds[i][1]]) ** power for i in idx])
        factor[idx] = raw * len(idx) / raw.sum()
    return dataclasses.replace(data, weight=data.weight * factor[data.groups])


def held_out_chooser(clf: Any, groups: np.ndarray, held: Pairs) -> Callable[[PageRows], np.ndarray]:
    """Keep what the model keeps on its held-out pages (``held``, in page order), from the scores ``fit`` gave
    them: the final forest on the first stage's out-of-fold scores. Predicting them again would run first-stage
    forests fitted on these very pages (the refitted one on all of them, each fold forest on half), and flatter
    settings by how much of the first stage saw them."""
    order = np.argsort(clf.held_out_rows_, kind="stable")
    page_of, proba = groups[clf.held_out_rows_[order]], clf.held_out_proba_[order]
    by_rows = {id(r): proba[page_of == g] for g, (_, r) in zip(np.unique(page_of), held, strict=True)}

    def choose(r: PageRows) -> np.ndarray:
        p = by_rows[id(r)]
        if len(p) != len(r.labels):
            raise AssertionError("held-out pages scored out of order")
        return clf.keep(r.texts, r.n_tokens, p, parents=r.structure[:, 1])

    return choose


def figures(report: Report) -> dict[str, Any]:
    """Mean and per-dataset shingle and word F1, and shingle F1 per page type (where pages have one)."""
    types: dict[str, list[Any]] = {}
    for d in report.datasets:
        for r in d.results:
            kind = r.page.meta.get("page_type")
            if kind:
                types.setdefault(str(kind), []).append(r.counts)
    return {
        "mean": report.mean["f1"],
        "word_mean": report.mean["word_f1"],
        "datasets": {d.dataset: {"f1": d.f1, "word_f1": d.word_f1, "pages": len(d.results)} for d in report.datasets},
        "page_types": {kind: shingle_score(counts).f1 for kind, counts in sorted(types.items())},
    }


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """One row per setting: held-out and test means, then each test dataset and page type."""
    first = next(iter(results.values()))
    names = list(first["test"]["datasets"])
    kinds = list(first["test"]["page_types"])
    head = ["setting", "held out", "test", *names, *kinds]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for label, r in results.items():
        test = r["test"]
        cells = [f"{r['held_out']['mean']:.4f}", f"{test['mean']:.4f}"]
        cells += [f"{test['datasets'][n]['f1']:.3f}" for n in names]
        cells += [f"{test['page_types'].get(k, float('nan')):.3f}" for k in kinds]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=SHARED, help="folder of the datasets")
    ap.add_argument(
        "--setting", nargs=2, action="append", metavar=("NAME", "JSON"), required=True,
        help="a named setting: BlockClassifier arguments and 'balance', as JSON (repeatable)",
    )  # fmt: skip
    ap.add_argument(
        "--seeds", help="comma-separated seeds: each setting runs once per seed, and a summary compares every setting "
        "with the first on the same seeds (seeds that did not choose the shipped recipe: 2,3,4,5)",
    )  # fmt: skip
    ap.add_argument(
        "--baseline", type=Path, help="with --seeds: an earlier run's --json file whose first setting, on every seed "
        "asked for, is the one the others are compared with (it is not trained again)",
    )  # fmt: skip
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write every figure here")
    return ap.parse_args(argv)


def load_splits(root: Path, jobs: int) -> tuple[Pairs, Pairs] | None:
    """The usable training pages and the test pages of every dataset under ``root``, with their rows (from the
    row cache where it has them); None, said on stderr, where there are no datasets."""
    roots = sorted(p for p in root.glob("*/") if (p / "meta.jsonl").exists()) if root.is_dir() else []
    if not roots:
        log(f"skipped: no datasets under {root} (set BLOCKSIFT_SHARED_DATASETS or pass --root)")
        return None
    pages = load_datasets(roots, splits=["train", "test"])
    rows = build_rows(pages, jobs=jobs, cache_dir=default_cache_dir())
    train = usable(
        [p for p in pages if p.split == "train"], [r for p, r in zip(pages, rows, strict=True) if p.split == "train"]
    )
    return train, [(p, r) for p, r in zip(pages, rows, strict=True) if p.split == "test"]


SEED_SEP = " seed "


def run_key(name: str, seed: int) -> str:
    """A setting's run on one seed, as results and the JSON files name it (``NAME seed S``)."""
    return f"{name}{SEED_SEP}{seed}"


def per_seed(settings: dict[str, dict[str, Any]], seeds: Sequence[int]) -> dict[str, dict[str, Any]]:
    """Each setting once per seed (``random_state``: the held-out pages, folds and short-block sample), named
    ``NAME seed S``, the settings' order kept."""
    return {run_key(name, s): {**setting, "random_state": s} for name, setting in settings.items() for s in seeds}


SUMMARY_HEAD = (
    "| setting | held out | test | held out - first | its 95% interval (draws > 0) | test - first "
    "| its 95% interval (draws > 0) | seeds higher held out | largest held-out moves |\n"
    "|---|---:|---:|---:|---|---:|---|---:|---|"
)


def seed_summary(results: dict[str, dict[str, Any]], names: Sequence[str], seeds: Sequence[int]) -> str:
    """One row per setting: its held-out and test means over the seeds, then against the first setting on the
    same seeds: the mean differences and their paired bootstrap intervals (``page_interval``), on how many seeds
    it scored higher held out, and the held-out datasets that moved most. A single draw moves the mean by
    0.003-0.006, and a whole-page flip in a small dataset (cleanportaleval's section fronts: README) by as much; the
    last column shows which kind of gain a row is."""
    lines = [f"Over seeds {', '.join(map(str, seeds))}; differences against {names[0]!r} on the same seeds.\n"]
    lines.append(SUMMARY_HEAD)
    for name in names:
        rows = [results[run_key(name, s)] for s in seeds]
        base = [results[run_key(names[0], s)] for s in seeds]
        lines.append(_summary_row(name, rows, base))
    return "\n".join(lines)


def _summary_row(name: str, rows: list[dict[str, Any]], base: list[dict[str, Any]]) -> str:
    held = [r["held_out"]["mean"] - b["held_out"]["mean"] for r, b in zip(rows, base, strict=True)]
    test = [r["test"]["mean"] - b["test"]["mean"] for r, b in zip(rows, base, strict=True)]
    moves = _dataset_moves(rows, base)
    largest = sorted(moves.items(), key=lambda kv: -abs(kv[1]))[:3]
    interval = page_interval(rows, base, "held_out_pages")
    test_interval = page_interval(rows, base, "test_pages")
    cells = [
        f"{np.mean([r['held_out']['mean'] for r in rows]):.4f}",
        f"{np.mean([r['test']['mean'] for r in rows]):.4f}",
        f"{np.mean(held):+.4f}",
        _interval_cell(interval),
        f"{np.mean(test):+.4f}",
        _interval_cell(test_interval),
        f"{sum(h > 0 for h in held)} of {len(rows)}",
        ", ".join(f"{d} {v:+.3f}" for d, v in largest),
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def _interval_cell(interval: Margin | None) -> str:
    if interval is None:
        return "(no pages recorded)"
    return f"[{interval.low:+.4f}, {interval.high:+.4f}] ({interval.above_zero:.0%})"


def page_interval(rows: list[dict[str, Any]], base: list[dict[str, Any]], key: str) -> Margin | None:
    """The difference against the first setting with a paired bootstrap over the pages under ``key``
    (``held_out_pages`` or ``test_pages``; ``margin.py``): on each seed both settings scored the same pages, which are
    redrawn within each dataset, the same draw for both; the seeds' differences are averaged draw by draw. It tells a
    gain that a redraw of pages keeps from one that rests on a page or two. The held-out one decides; the test one
    is for settings the held-out pages cannot see (``refit``, ``stage1_refit``: the held-out pages are then fitted,
    or scored by forests the model does not keep). None where a run did not record its pages (JSON files written
    before session 17 have no ``test_pages``)."""
    if not all(key in r for r in [*rows, *base]):
        return None
    per_seed = []
    for r, b in zip(rows, base, strict=True):
        pages_r, pages_b = r[key], b[key]
        by_dataset: dict[str, list[str]] = {}
        for page in sorted(set(pages_r) & set(pages_b)):
            by_dataset.setdefault(page.split("/", 1)[0], []).append(page)
        figs = [
            {d: PageFigures.of([p[k][:3] for k in keys], [p[k][3] for k in keys]) for d, keys in by_dataset.items()}
            for p in (pages_r, pages_b)
        ]
        draws = draws_for({d: len(keys) for d, keys in by_dataset.items()})
        per_seed.append(differences(figs[0], figs[1], "shingle_f1", draws))
    return summarise(np.mean(per_seed, axis=0))


def _dataset_moves(rows: list[dict[str, Any]], base: list[dict[str, Any]]) -> dict[str, float]:
    """Each held-out dataset's shingle F1 minus the first setting's, averaged over the seeds."""
    moves: dict[str, float] = {}
    for r, b in zip(rows, base, strict=True):
        for dataset, d in r["held_out"]["datasets"].items():
            other = b["held_out"]["datasets"].get(dataset)
            if other is not None:
                moves[dataset] = moves.get(dataset, 0.0) + (d["f1"] - other["f1"]) / len(rows)
    return moves


def load_baseline(path: Path, seeds: Sequence[int]) -> tuple[str, dict[str, dict[str, Any]]]:
    """The first setting of an earlier run's JSON (gzipped where its name ends in .gz, as the one kept in
    ``benchmarks/baselines``) and its results on ``seeds`` (``NAME seed S``); ValueError, saying what is missing, where
    the file is not such a run or lacks a seed."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        earlier = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the baseline {path}: {exc}") from exc
    first = next((key.rsplit(SEED_SEP, 1)[0] for key in earlier if SEED_SEP in key), None)
    if first is None:
        raise ValueError(f"{path} holds no run with seeds (written by settings_study.py --seeds ... --json)")
    missing = [s for s in seeds if run_key(first, s) not in earlier]
    if missing:
        raise ValueError(f"{path} has no run of {first!r} on seed {', '.join(map(str, missing))}")
    return first, {run_key(first, s): earlier[run_key(first, s)] for s in seeds}


def warn_if_other_pages(results: dict[str, dict[str, Any]], names: Sequence[str], seeds: Sequence[int]) -> None:
    """Say where a setting held out other pages than the first on a seed: a baseline from other datasets or
    splits, whose differences would then compare different pages (the paired intervals use the pages both hold)."""
    for s in seeds:
        base = results[run_key(names[0], s)].get("held_out_pages")
        for name in names[1:]:
            other = results[run_key(name, s)].get("held_out_pages")
            if base is not None and other is not None and set(base) != set(other):
                log(f"warning: {name!r} held out other pages than {names[0]!r} on seed {s}: not the same data")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = {name: json.loads(text) for name, text in args.setting}
    names = list(settings)
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else []
    results: dict[str, dict[str, Any]] = {}
    if args.baseline is not None:
        if not seeds:
            log("--baseline needs --seeds: it compares runs seed by seed")
            return 2
        try:
            first, results = load_baseline(args.baseline, seeds)
        except ValueError as exc:
            log(str(exc))
            return 2
        if first in names:
            log(f"the baseline's setting {first!r} is also asked for: name the new setting otherwise")
            return 2
        names = [first, *names]
        log(f"baseline: {first!r} on seeds {', '.join(map(str, seeds))} from {args.baseline}")
    if seeds:
        settings = per_seed(settings, seeds)
    loaded = load_splits(args.root, args.jobs)
    if loaded is None:
        return 2
    train, test = loaded
    for name, setting in settings.items():
        results[name] = run_setting(train, test, setting, args.jobs)
        r = results[name]
        log(f"{name}: held out {r['held_out']['mean']:.4f}, test {r['test']['mean']:.4f} ({r['fit_s']} s to fit)")
    print("Mean shingle F1 over the datasets on the held-out training pages and the test splits; then each test")
    print("split's shingle F1 and each page type's (test).\n")
    print(markdown(results))
    if seeds:
        warn_if_other_pages(results, names, seeds)
        print("\n" + seed_summary(results, names, seeds))
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
