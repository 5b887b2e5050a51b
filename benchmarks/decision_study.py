"""Decision study: how rules that turn p(content) into kept blocks score, without training again for each rule.

A decision rule (the cut, the island and repeat steps of ``blocksift.decide``) changes no forest, so one training
per seed serves every rule. For each seed this trains the shipped recipe (as ``settings_study.py`` does), saves
each held-out training page's out-of-fold p(content) and each test page's, with the cut the model's rule gives
the page, then scores every rule in ``RULES`` on both and prints their means against the first rule, seed by seed
and per dataset. The held-out pages choose; the test splits confirm (docs/experiments.md, session 20)::

    python3 benchmarks/decision_study.py --seeds 2,3,4,5 --scores benchmarks/out/decision-scores

With ``--scores`` the saved scores of a seed are read back instead of training again (about three and a half
minutes a seed on two cores), so adding a rule costs only its scoring. Needs ../shared/datasets (or
$BLOCKSIFT_SHARED_DATASETS, or ``--root``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from blocksift.decide import REPEAT_MIN_TOKENS, decide, drop_islands, drop_repeats, half_best_f1
from blocksift.defaults import DEFAULT_BALANCE
from blocksift.evaluate import score_rows
from blocksift.features import FEATURE_NAMES
from blocksift.table import PageRows, default_cache_dir, rows_proba
from blocksift.training import fit_classifier, stack
from dataset_study import SHARED, log, write_json
from settings_study import Pairs, load_splits

# A rule: (p(content), the page's rows, the model's cut for the page) -> the blocks to keep.
Rule = Callable[[np.ndarray, PageRows, float], np.ndarray]
# Each split's pages: key -> (p(content) of each block, the page's cut; infinite where the model expects no content)
Scores = dict[str, dict[str, tuple[np.ndarray, float]]]


def islands(max_tokens: int, below: float) -> Rule:
    """The cut, then islands of at most ``max_tokens`` tokens under ``below`` dropped, then repeats."""

    def rule(p: np.ndarray, r: PageRows, cut: float) -> np.ndarray:
        kept = drop_islands(r.n_tokens, p, p >= cut, max_tokens=max_tokens, below=below)
        return drop_repeats(r.texts, r.n_tokens, kept)

    return rule


def chain_posterior(p: np.ndarray, stay: float) -> np.ndarray:
    """p(content) of each block smoothed along the page: the posterior (forward-backward) of a two-state chain,
    content and boilerplate, that stays in its state from one block to the next with probability ``stay`` and
    reads each block's odds p / (1 - p) as its evidence. ``stay`` 0.5 gives ``p`` back."""
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    evidence = np.stack([np.log1p(-q), np.log(q)], axis=1)
    move = np.log(np.array([[stay, 1 - stay], [1 - stay, stay]]))
    forward, backward = np.empty_like(evidence), np.zeros_like(evidence)
    forward[0] = evidence[0]
    for i in range(1, len(q)):
        forward[i] = np.logaddexp(forward[i - 1, 0] + move[0], forward[i - 1, 1] + move[1]) + evidence[i]
    for i in range(len(q) - 2, -1, -1):
        ahead = evidence[i + 1] + backward[i + 1]
        backward[i] = np.logaddexp(move[:, 0] + ahead[0], move[:, 1] + ahead[1])
    post = forward + backward
    return np.asarray(np.exp(post[:, 1] - np.logaddexp(post[:, 0], post[:, 1])))


def smoothed(stay: float) -> Rule:
    """The page's probabilities smoothed along its blocks (``chain_posterior``), the page cut again from them (half
    their best expected F1, not below the model's floor, which is read off the saved cut: the cut where it is above
    the page's own half best F1, else at most 0.25, the shipped floor), then islands and repeats (session 21)."""

    def rule(p: np.ndarray, r: PageRows, cut: float) -> np.ndarray:
        if len(p) < 3 or not np.isfinite(cut):
            return decide(r.texts, r.n_tokens, p, cut)
        tokens = np.asarray(r.n_tokens)
        own = float(half_best_f1(p, tokens)[0])
        floor = cut if cut > own + 1e-12 else min(0.25, cut)
        q = chain_posterior(p, stay)
        return decide(r.texts, r.n_tokens, q, max(floor, float(half_best_f1(q, tokens)[0])))

    return rule


RULES: dict[str, Rule] = {
    "cut, repeats (before session 20)": lambda p, r, cut: drop_repeats(r.texts, r.n_tokens, p >= cut),
    "cut, islands, repeats (decide)": lambda p, r, cut: decide(r.texts, r.n_tokens, p, cut),
    "islands of at most 30 tokens under 0.8": islands(30, 0.8),
    "islands of at most 50 tokens under 0.9": islands(50, 0.9),
    "smoothed along the page, stay 0.7": smoothed(0.7),
    "repeats kept beside their first copy": lambda p, r, cut: drop_repeats(
        r.texts, r.n_tokens, drop_islands(r.n_tokens, p, p >= cut), r.structure[:, 1]
    ),
    "headings are no islands (h1-h6), repeats beside their first kept": lambda p, r, cut: _headings_stay(
        p, r, cut, HEADING_COLUMN
    ),
    "an h1 is no island, repeats beside their first kept": lambda p, r, cut: _headings_stay(p, r, cut, H1_COLUMN),
    "repeats dropped only in a run of copies": lambda p, r, cut: _run_repeats(
        r.texts, r.n_tokens, drop_islands(r.n_tokens, p, p >= cut), None
    ),
    "repeats dropped only in a run of copies, not beside their first": lambda p, r, cut: _run_repeats(
        r.texts, r.n_tokens, drop_islands(r.n_tokens, p, p >= cut), r.structure[:, 1]
    ),
}


# The feature columns that say a block is (in) a heading: any of h1-h6, and an <h1> owner.
HEADING_COLUMN = FEATURE_NAMES.index("in_heading")
H1_COLUMN = FEATURE_NAMES.index("owner_h1")


def _headings_stay(p: np.ndarray, r: PageRows, cut: float, column: int) -> np.ndarray:
    """A study rule (session 34): the shipped decision, but a heading the cut keeps is never dropped as an island. A
    page's headline often stands alone between a dropped menu and a dropped byline, and short and unsure, the island
    step dropped it above the page's cut (the README audit: sample's forum-mesh-wifi, p 0.51 against a cut of 0.47)."""
    keep = p >= cut
    heading = np.asarray(r.features[:, column]) > 0
    kept = drop_islands(r.n_tokens, p, keep) | (keep & heading)
    return drop_repeats(r.texts, r.n_tokens, kept, r.structure[:, 1])


def _run_repeats(texts: Sequence[str], n_tokens: Any, keep: np.ndarray, parents: Any) -> np.ndarray:
    """A study rule: a long kept block whose text an earlier kept block has is dropped only where a neighbour of it
    (the block before or after, kept or not) is a copy of the first copy's neighbour too, or it follows its first
    copy at once (responsive copies and duplicated regions come in runs; a chorus or a repeated description stands
    between other text), and, given
    ``parents``, not where it shares the first copy's parent."""
    out = np.array(keep, dtype=bool)
    first: dict[str, int] = {}
    n = len(texts)
    for i in np.flatnonzero(out).tolist():
        if n_tokens[i] < REPEAT_MIN_TOKENS:
            continue
        j = first.setdefault(texts[i], i)
        if j == i or (parents is not None and parents[i] == parents[j]):
            continue
        before = i > 0 and j > 0 and texts[i - 1] == texts[j - 1]
        after = i + 1 < n and j + 1 < n and texts[i + 1] == texts[j + 1]
        if i == j + 1 or before or after:
            out[i] = False
    return out


def page_scores(train: Pairs, test: Pairs, seed: int, jobs: int, params: dict[str, Any]) -> Scores:
    """Train the shipped recipe (``params`` over it) with ``random_state`` ``seed``; each held-out page's
    out-of-fold p(content) (the final forest on the first stage's out-of-fold scores, as
    ``settings_study.held_out_chooser`` reads them) and each test page's, with the cut the model's rule gives each
    page."""
    data = stack(
        [p for p, _ in train], [r for _, r in train], DEFAULT_BALANCE, jobs=jobs, cache_dir=default_cache_dir()
    )
    clf = fit_classifier(data, {**params, "random_state": seed})
    order = np.argsort(clf.held_out_rows_, kind="stable")
    page_of, proba = data.groups[clf.held_out_rows_[order]], clf.held_out_proba_[order]
    scores: Scores = {"held_out": {}, "test": {}}
    for g in np.unique(page_of):  # ``stack`` numbers the pages in the order of ``train``
        page, r = train[g]
        scores["held_out"][page.key] = _with_cut(clf, proba[page_of == g], r)
    for page, r in test:
        scores["test"][page.key] = _with_cut(clf, rows_proba(clf, r) if len(r.labels) else np.zeros(0), r)
    return scores


def _with_cut(clf: Any, p: np.ndarray, r: PageRows) -> tuple[np.ndarray, float]:
    cut = clf.cuts(p, np.asarray(r.n_tokens)) if len(p) else np.array([clf.threshold_])
    return p, float(cut[0])


def score_rule(rule: Rule, pairs: Pairs, scores: dict[str, tuple[np.ndarray, float]]) -> dict[str, Any]:
    """The benchmark's mean shingle F1 (and each dataset's) of ``rule`` on ``pairs``, from their saved scores."""
    key_of = {id(r): page.key for page, r in pairs}

    def choose(r: PageRows) -> np.ndarray:
        p, cut = scores[key_of[id(r)]]
        return rule(p, r, cut) if len(p) else np.zeros(0, dtype=bool)

    report = score_rows([p for p, _ in pairs], [r for _, r in pairs], choose)
    return {"mean": report.mean["f1"], "datasets": {d.dataset: d.f1 for d in report.datasets}}


def seed_scores(train: Pairs, test: Pairs, seed: int, folder: Path | None, jobs: int, params: dict[str, Any]) -> Scores:
    """A seed's saved scores from ``folder`` where it has them; else trained, and saved there."""
    path = None if folder is None else folder / f"seed-{seed}.joblib"
    if path is not None and path.exists():
        log(f"seed {seed}: scores read from {path}")
        return joblib.load(path)  # type: ignore[no-any-return]
    scores = page_scores(train, test, seed, jobs, params)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(scores, path)
    return scores


def summary(results: dict[str, dict[int, dict[str, Any]]], split: str) -> list[str]:
    """One line per rule: its mean over the seeds, the difference from the first rule, seed by seed, and the
    datasets it moved by 0.001 or more (their mean difference over the seeds)."""
    names = list(results)
    first = results[names[0]]
    lines = []
    for name in names:
        per_seed = results[name]
        seeds = sorted(per_seed)
        diffs = [per_seed[s][split]["mean"] - first[s][split]["mean"] for s in seeds]
        moved = {
            d: np.mean([per_seed[s][split]["datasets"][d] - first[s][split]["datasets"][d] for s in seeds])
            for d in per_seed[seeds[0]][split]["datasets"]
        }
        moves = ", ".join(f"{d} {v:+.4f}" for d, v in sorted(moved.items(), key=lambda kv: kv[1]) if abs(v) >= 0.001)
        mean = np.mean([per_seed[s][split]["mean"] for s in seeds])
        lines.append(
            f"{split:8s} {mean:.4f} {np.mean(diffs):+.4f} (seeds {', '.join(f'{x:+.4f}' for x in diffs)})"
            f"  {name}" + (f"  [{moves}]" if moves else "")
        )
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=SHARED, help="folder of the datasets (default: %(default)s)")
    parser.add_argument("--seeds", default="2,3,4,5", help="comma-separated random_state values (default: %(default)s)")
    parser.add_argument("--scores", type=Path, help="folder to save each seed's scores in, and read them back from")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the feature rows")
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument(
        "--params", type=json.loads, default={}, help="BlockClassifier arguments over the shipped recipe, as JSON"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    loaded = load_splits(args.root, args.jobs)
    if loaded is None:
        return 2
    train, test = loaded
    results: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in RULES}
    for seed in (int(s) for s in args.seeds.split(",")):
        scores = seed_scores(train, test, seed, args.scores, args.jobs, args.params)
        held = [pair for pair in train if pair[0].key in scores["held_out"]]
        for name, rule in RULES.items():
            results[name][seed] = {
                "held_out": score_rule(rule, held, scores["held_out"]),
                "test": score_rule(rule, test, scores["test"]),
            }
            log(f"seed {seed}, {name}: held out {results[name][seed]['held_out']['mean']:.4f}, "
                f"test {results[name][seed]['test']['mean']:.4f}")  # fmt: skip
    print(f"Mean shingle F1 over the datasets, the difference from the first rule ({next(iter(RULES))}):\n")
    print("\n".join([*summary(results, "held_out"), "", *summary(results, "test")]))
    write_json(args.json, {name: {str(s): v for s, v in r.items()} for name, r in results.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
