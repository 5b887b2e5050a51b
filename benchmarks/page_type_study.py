"""Page-type study: would knowing what kind of page a block is on (article, forum, product, ...) help the model?

The datasets disagree on conventions that depend on the kind of page (a forum's posts are its content, an
article's reader comments are not), and wcxb names each page's type. This study gives every row of a page seven
columns, one per wcxb page type, and trains the shipped recipe on them, in two modes:

- ``oracle``: the page's true type (its dataset's ``page_type`` where it has one, as wcxb and our own pages do;
  the other datasets' pages as articles, cleaneval's, a mix of kinds, as unknown: all zeros), on the training and
  the test pages: the most page types could give;
- ``predicted``: the probabilities of a page classifier that reads the page's columns (its profile and page-level
  features), out of fold on the training pages, fitted on all of them for the test pages: what a model could use.

    python3 benchmarks/page_type_study.py oracle --seeds 0
    python3 benchmarks/page_type_study.py predicted --seeds 0,1
    python3 benchmarks/page_type_study.py predicted --label dataset --seeds 2,3

``--label dataset`` gives one column per dataset instead (nine on the shared ones): the dataset a page comes
from, whose conventions its gold follows (headline in or out, comments, captions). ``oracle`` then tells each
page's own dataset, training and test pages alike: what knowing a page's convention could give; ``predicted``
guesses it from the page's columns, out of fold, and with ``--markup`` also from signals of the raw HTML that date
its markup and tell one source from another (doctype, HTML5 tags, libraries: ``blocksift.markup``) (session 17:
docs/experiments.md). That guess is now part of the shipped recipe (``blocksift.convention``, session 18), so
these columns come on top of the model's own unless the setting turns them off: ``--setting '{"conventions":
false}'`` reproduces the session 17 runs (whose markup signals counted "schema.org" and "web.archive.org" as
regular expressions, any byte for the dot: one signal differs on 18 of the 5,393 pages).

Each seed is one training of the shipped size; it prints the held-out and test means as ``settings_study.py``
does (docs/experiments.md). Needs ../shared/datasets (or $BLOCKSIFT_SHARED_DATASETS).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import KFold

from blocksift.convention import PAGE_COLUMNS as CONVENTION_COLUMNS
from blocksift.convention import page_classifier
from blocksift.datasets import Page
from blocksift.table import PageRows
from dataset_study import SHARED, log, write_json
from settings_study import Pairs, load_splits, run_setting

TYPES = ("article", "service", "product", "collection", "forum", "listing", "documentation")
# The page-level columns the type classifier reads: the same on every row of a page (as the shipped model's page
# classifier reads them).
PAGE_COLUMNS = CONVENTION_COLUMNS


def true_type(page: Page) -> str | None:
    """The page's own ``page_type`` where its dataset names one (wcxb, our own pages); otherwise an article,
    except cleaneval's pages, a mix of kinds (unknown)."""
    kind = page.meta.get("page_type")
    if kind:
        return str(kind)
    return None if page.dataset == "cleaneval" else "article"


@dataclass(frozen=True)
class Label:
    """What the columns tell: their classes, in order, and each page's class (None: unknown, all zeros)."""

    classes: tuple[str, ...]
    of: Callable[[Page], str | None]


def label_for(name: str, train: Pairs) -> Label:
    """``type``: wcxb's seven page types; ``dataset``: the datasets of the training pages."""
    if name == "dataset":
        return Label(tuple(sorted({p.dataset for p, _ in train})), lambda page: page.dataset)
    return Label(TYPES, true_type)


def one_hot(kind: str | None, classes: tuple[str, ...] = TYPES) -> npt.NDArray[np.float64]:
    out = np.zeros(len(classes))
    if kind in classes:
        out[classes.index(kind)] = 1.0
    return out


def with_columns(rows: PageRows, columns: npt.NDArray[np.float64]) -> PageRows:
    """The page's rows with ``columns`` appended to every row."""
    extra = np.broadcast_to(columns, (len(rows.features), len(columns))).astype(np.float32)
    return dataclasses.replace(rows, features=np.hstack([rows.features, extra]))


def page_vector(rows: PageRows) -> npt.NDArray[np.float32]:
    return rows.features[0, PAGE_COLUMNS] if len(rows.features) else np.zeros(len(PAGE_COLUMNS), np.float32)


def page_vectors(pairs: Pairs, markup: bool) -> npt.NDArray[np.float32]:
    """What the page classifier reads: each page's columns, and with ``markup`` its markup signals."""
    if not markup:
        return np.array([page_vector(r) for _, r in pairs])
    return np.array([np.concatenate([page_vector(r), r.markup]) for _, r in pairs])


def type_classifier() -> HistGradientBoostingClassifier:
    """The shipped page classifier's recipe (``convention.page_classifier``), seed 0."""
    return page_classifier(0)  # type: ignore[no-any-return]


def type_proba(
    model: HistGradientBoostingClassifier, x: npt.NDArray[np.float32], n_classes: int
) -> npt.NDArray[np.float64]:
    """Probabilities in the classes' order, zero for those the model never saw (a fold may lack a rare type)."""
    out = np.zeros((len(x), n_classes))
    out[:, model.classes_] = model.predict_proba(x)
    return out


def predicted_types(
    train: Pairs, test: Pairs, label: Label, markup: bool = False
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Class probabilities of the training pages (out of fold, 5 folds) and of the test pages (a classifier fitted
    on every training page with a class); pages of unknown class are scored by that classifier too."""
    x_train = page_vectors(train, markup)
    y = np.array([label.classes.index(k) if (k := label.of(p)) else -1 for p, _ in train])
    known = np.flatnonzero(y >= 0)
    n = len(label.classes)
    oof = np.zeros((len(train), n))
    for fit, held in KFold(5, shuffle=True, random_state=0).split(known):
        model = type_classifier().fit(x_train[known[fit]], y[known[fit]])
        oof[known[held]] = type_proba(model, x_train[known[held]], n)
    full = type_classifier().fit(x_train[known], y[known])
    unknown = np.flatnonzero(y < 0)
    if len(unknown):
        oof[unknown] = type_proba(full, x_train[unknown], n)
    test_proba = type_proba(full, page_vectors(test, markup), n)
    report_accuracy(train, oof, y, test, test_proba, label)
    return oof, test_proba


def report_accuracy(
    train: Pairs,
    oof: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    test: Pairs,
    test_proba: npt.NDArray[np.float64],
    label: Label,
) -> None:
    wcxb = np.array([p.dataset == "wcxb" for p, _ in train])
    right = oof.argmax(1) == y
    log(f"type classifier, out of fold: {right[y >= 0].mean():.3f} right, {share(right, wcxb)} on wcxb's pages")
    truth = np.array([label.classes.index(k) if p.dataset == "wcxb" and (k := label.of(p)) else -1 for p, _ in test])
    log(f"type classifier on wcxb's test split: {share(test_proba.argmax(1) == truth, truth >= 0)} right")


def share(right: npt.NDArray[np.bool_], mask: npt.NDArray[np.bool_]) -> str:
    return f"{right[mask].mean():.3f}" if mask.any() else "no pages"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["oracle", "predicted"])
    ap.add_argument(
        "--label", choices=["type", "dataset"], default="type", help="columns of the page's type or dataset"
    )
    ap.add_argument("--markup", action="store_true", help="predicted: the classifier reads markup signals too")
    ap.add_argument("--seeds", default="0", help="comma-separated random_state values, one training each")
    ap.add_argument("--root", type=Path, default=SHARED, help="folder of the datasets")
    ap.add_argument("--setting", default="{}", help="model settings over the shipped ones, as settings_study.py's")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args(argv)
    loaded = load_splits(args.root, args.jobs)
    if loaded is None:
        return 2
    train, test = loaded
    label = label_for(args.label, train)
    if args.mode == "oracle":
        train_cols = np.array([one_hot(label.of(p), label.classes) for p, _ in train])
        test_cols = np.array([one_hot(label.of(p), label.classes) for p, _ in test])
    else:
        train_cols, test_cols = predicted_types(train, test, label, args.markup)
    train = [(p, with_columns(r, c)) for (p, r), c in zip(train, train_cols, strict=True)]
    test = [(p, with_columns(r, c)) for (p, r), c in zip(test, test_cols, strict=True)]
    results = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        r = results[seed] = run_setting(train, test, {**json.loads(args.setting), "random_state": seed})
        kinds = " ".join(f"{k} {v:.3f}" for k, v in r["test"]["page_types"].items())
        log(f"{args.mode}, seed {seed}: held out {r['held_out']['mean']:.4f}, test {r['test']['mean']:.4f}; {kinds}")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
