"""Error analysis: the worst pages of a dataset, with the text a model wrongly kept and wrongly dropped.

Each improvement should start from evidence. For every page of the chosen datasets and split this scores the
model's extraction (shingle F1 against the gold, as `blocksift evaluate` does), sorts the pages from worst, and
for the worst ones prints the blocks the model kept that the gold alignment calls boilerplate ("wrongly kept"),
and the blocks it dropped that the alignment calls content ("wrongly dropped"), with p(content) and tag path.
A summary counts, over all pages, the wrongly kept and dropped tokens by the block's owner tag, so that the
largest kinds of mistake stand out.

    python benchmarks/errors.py ../shared/datasets/wcxb --worst 10
    python benchmarks/errors.py ../shared/datasets/*/ --model my-model.npz --worst 3 --split test
    python benchmarks/errors.py ../shared/datasets/wcxb --held-out --page-type product

``--held-out`` looks at the training pages the final forest never fitted (the 20% it held out to choose its
threshold): evidence to act on without looking at the test splits, which stay for measuring. A model trained with
``blocksift train --refit`` has fitted them too, and is refused. Each first-stage fold forest did fit half of
them, and the page classifier of conventions all of them (its guess of their dataset is surer than on a new page),
so they look a little easier than new pages (``settings_study.py`` scores them cleanly, from the scores ``fit``
gave them, with out-of-fold convention columns).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from blocksift.datasets import Page, load_datasets
from blocksift.evaluate import model_chooser, score_rows, worst_pages
from blocksift.modelfile import load_model
from blocksift.predictor import Predictor
from blocksift.table import PageRows, build_rows, default_cache_dir, rows_proba
from blocksift.training import usable

CLIP = 160


def clip(text: str) -> str:
    """One line of at most CLIP characters."""
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    """Print the worst pages of each dataset and the mistakes by owner tag."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", type=Path, help="dataset folders")
    ap.add_argument("--split", default="test")
    ap.add_argument("--model", type=Path, default=None, help="model file (default: the shipped model)")
    ap.add_argument("--worst", type=int, default=5, help="pages shown per dataset")
    ap.add_argument("--blocks", type=int, default=8, help="wrong blocks shown per page and kind")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--held-out",
        action="store_true",
        help="the training pages the model held out to choose its threshold (its final forest never fitted them): the "
        "model must have been trained on the train splits of every dataset beside the given ones, as the shipped "
        "model was",
    )
    ap.add_argument("--page-type", help="only pages of this page_type (wcxb: product, forum, documentation, ...)")
    args = ap.parse_args(argv)
    missing = [d for d in args.datasets if not d.is_dir()]
    if missing:
        print(f"errors.py: no dataset folder at {missing[0]}", file=sys.stderr)
        return 2
    model = load_model(args.model)
    if args.held_out and model.get_params().get("refit", False):
        print(
            "errors.py: this model's final forest was fitted again on all its training pages, the held-out ones too "
            "(blocksift train --refit): their mistakes would look fewer than a new page's. Train a model with "
            "--no-refit (the same seed gives the same held-out pages) and pass it with --model.",
            file=sys.stderr,
        )
        return 2
    if args.held_out:
        pages, page_rows = held_out_pages(args.datasets, model, args.jobs)
    else:
        pages = load_datasets(args.datasets, splits=[args.split])
        page_rows = build_rows(pages, jobs=args.jobs, cache_dir=default_cache_dir())
    if args.page_type:
        chosen = [i for i, p in enumerate(pages) if p.meta.get("page_type") == args.page_type]
        pages, page_rows = [pages[i] for i in chosen], [page_rows[i] for i in chosen]
    report = score_rows(pages, page_rows, model_chooser(model))
    rows = {r.key: r for r in page_rows}
    kinds: Counter[tuple[str, str]] = Counter()
    for d in report.datasets:
        print(f"\n=== {d.dataset}: {d.pages} pages, shingle F1 {d.f1:.4f} (P {d.precision:.3f}, R {d.recall:.3f})")
        for r in d.results:
            _count_mistakes(rows[r.page.key], model, kinds)
        for r in worst_pages(d, args.worst):
            kind, url = r.page.meta.get("page_type", ""), r.page.meta.get("url", "")
            print(f"\n--- {r.page.key}  F1 {r.counts.f1:.3f}  {kind} {url}")
            _show_page(rows[r.page.key], model, args.blocks)
    print("\n=== wrongly kept / wrongly dropped tokens by the block's owner tag (all pages)")
    for (kind, tag), n in kinds.most_common(20):
        print(f"{kind:16s} {tag:12s} {n:>9,}")
    return 0


def held_out_pages(datasets: list[Path], model: Predictor, jobs: int) -> tuple[list[Page], list[PageRows]]:
    """The given datasets' pages among those ``model`` held out of fitting: the page-grouped split that
    ``BlockClassifier.fit`` draws, redrawn over the same training pages with the model's own settings (the groups
    alone: the feature matrix is not stacked)."""
    from blocksift.model import validation_split

    roots = sorted(p for p in datasets[0].parent.glob("*/") if (p / "meta.jsonl").exists())
    pages = load_datasets(roots, splits=["train"])
    good = usable(pages, build_rows(pages, jobs=jobs, cache_dir=default_cache_dir()))
    groups = np.repeat(np.arange(len(good)), [len(r.labels) for _, r in good])  # as ``stack`` numbers the rows
    params = model.get_params()
    _, va = validation_split(groups, params["validation_fraction"], params["random_state"])
    wanted = {d.resolve().name for d in datasets}
    chosen = [good[i] for i in np.unique(groups[va]) if good[i][0].dataset in wanted]
    return [p for p, _ in chosen], [r for _, r in chosen]


def _decisions(rows, model) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    proba = rows_proba(model, rows)
    return proba, model.keep(rows.texts, rows.n_tokens, proba, parents=rows.structure[:, 1])


def _owner_tags(rows) -> list[str]:  # type: ignore[no-untyped-def]
    from blocksift.features import FEATURE_NAMES

    owner_cols = [i for i, n in enumerate(FEATURE_NAMES) if n.startswith("owner_")]
    names = [FEATURE_NAMES[i][6:] for i in owner_cols]
    sub = rows.features[:, owner_cols]
    return [names[int(np.argmax(row))] if row.any() else "other" for row in sub]


def _count_mistakes(rows, model, kinds: Counter[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    if rows.error is not None or not len(rows.labels):
        return
    _, keep = _decisions(rows, model)
    for tag, k, lab, n in zip(_owner_tags(rows), keep, rows.labels, rows.n_tokens, strict=True):
        if k and not lab:
            kinds["wrongly kept", tag] += int(n)
        elif lab and not k:
            kinds["wrongly dropped", tag] += int(n)


def _show_page(rows, model, limit: int) -> None:  # type: ignore[no-untyped-def]
    if rows.error is not None:
        print(f"  error: {rows.error}")
        return
    proba, keep = _decisions(rows, model)
    for title, mask in (("wrongly kept", keep & ~rows.labels), ("wrongly dropped", ~keep & rows.labels)):
        idx = np.flatnonzero(mask)
        tokens = int(rows.n_tokens[idx].sum())
        print(f"  {title}: {len(idx)} blocks, {tokens} tokens")
        for i in sorted(idx, key=lambda j: -rows.n_tokens[j])[:limit]:
            print(f"    p={proba[i]:.2f} [{rows.n_tokens[i]:>4}] {clip(rows.texts[i])}")


if __name__ == "__main__":
    sys.exit(main())
