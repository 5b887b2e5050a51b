"""``blocksift evaluate --report DIR``: the evaluation as a folder of plots, an HTML page and a Markdown page.

The folder holds ``index.html`` and ``report.md`` (the same content; both reference the PNG plots beside them by
relative paths, so the folder can be moved, zipped or committed), the plots, and ``pages/`` with a ``show`` report
(``show.py``) of each of the worst pages. The plots:

* shingle F1 per dataset (and per page type where meta.jsonl has ``page_type``), beside the peers' figures of a
  ``benchmarks/compare.py --json`` file when one is given (``--peers``);
* page-averaged token precision, recall and F1 against the decision threshold (the curve the model's threshold
  was chosen on), with the threshold in use marked;
* the distribution of p(content) for blocks labelled content and boilerplate;
* permutation importance of the feature groups (``features.py``'s registry) on a sample of the evaluated blocks,
  through both stages of the model, bounded in time.

matplotlib is an optional dependency (the ``report`` extra) and is imported only here, when a report is written.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift.datasets import Page
from blocksift.errors import BlocksiftError
from blocksift.evaluate import PageResult, Report, score_rows
from blocksift.metrics import shingle_score
from blocksift.predictor import Predictor
from blocksift.table import PageRows, labels_refused, rows_proba

BLOCKSIFT = "blocksift"
GREEN = "#18794e"
PEER_COLOURS = ("#1c64f2", "#d9480f", "#6741d9", "#b08800", "#0e7490", "#be185d", "#4b5563", "#65a30d")
PEER_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "h")
# Permutation importance: at most this many blocks, whole pages, and at most this many seconds of repeats.
IMPORTANCE_BLOCKS = 10_000
IMPORTANCE_SECONDS = 8.0
IMPORTANCE_REPEATS = 3
GROUP_NAMES = {
    "_local": "the block's own text (size, density, links, punctuation)",
    "_owner_tag": "the tag that holds it",
    "_ancestor_tags": "ancestor tags (nav, footer, article, ...)",
    "_attr_any": "class/id words of any ancestor",
    "_attr_near": "class/id words of near ancestors",
    "_position": "position in the page",
    "_ancestors": "what its containers hold",
    "_region": "the page's densest region",
    "_neighbours": "its neighbours",
    "_page": "the page as a whole",
    "_profile": "the page's profile (page means)",
}


class ReportError(BlocksiftError):
    """A report cannot be written (matplotlib missing, unreadable peers file)."""


@dataclass
class PeerFigures:
    """Shingle F1 of other systems from a compare.py JSON file: per dataset and per (dataset, page type)."""

    source: str = ""
    created: str = ""
    split: str = ""
    datasets: dict[str, dict[str, float]] = field(default_factory=dict)
    page_types: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)

    @property
    def systems(self) -> list[str]:
        """The peers named anywhere in the file, in the file's order."""
        seen: dict[str, None] = {}
        for figures in [*self.datasets.values(), *self.page_types.values()]:
            seen.update(dict.fromkeys(figures))
        return list(seen)


def load_peers(path: Path) -> PeerFigures:
    """Read ``benchmarks/compare.py --json`` output: ``datasets[dataset][system]['shingle_f1']``, and the page
    records (``pages``: page key, system, page_type, shingle tp/fp/fn) from which page-type figures are rebuilt per
    dataset with the benchmark's averaging. blocksift's own figures in the file are left out (this run has its own).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        per_dataset = data["datasets"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"cannot read peers' figures from {path}: {exc}") from exc
    try:
        return _peer_figures(path, data, per_dataset)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReportError(f"cannot read peers' figures from {path}: {type(exc).__name__}: {exc}") from exc


def _peer_figures(path: Path, data: Any, per_dataset: Any) -> PeerFigures:
    from blocksift.metrics import PageCounts

    peers = PeerFigures(source=str(path), created=str(data.get("created", "")))
    peers.split = str((data.get("config") or {}).get("split", ""))
    for dataset, systems in per_dataset.items():
        peers.datasets[dataset] = {
            s: float(v["shingle_f1"]) for s, v in systems.items() if s != BLOCKSIFT and "shingle_f1" in v
        }
    counts: dict[tuple[str, str, str], list[PageCounts]] = {}
    for rec in data.get("pages") or []:
        if not isinstance(rec, dict) or not rec.get("page_type") or rec.get("system") == BLOCKSIFT:
            continue
        dataset = str(rec["page"]).split("/", 1)[0]
        key = (dataset, str(rec["page_type"]), str(rec["system"]))
        counts.setdefault(key, []).append(PageCounts(int(rec["tp"]), int(rec["fp"]), int(rec["fn"])))
    for (dataset, ptype, system), page_counts in sorted(counts.items()):
        peers.page_types.setdefault((dataset, ptype), {})[system] = shingle_score(page_counts).f1
    return peers


# ---------------------------------------------------------------------------------------------------------------
# Figures computed from the evaluated pages


@dataclass
class Evaluated:
    """The evaluated pages: rows, the model's p(content) and keep decision per page, and the scores."""

    pages: Sequence[Page]
    rows: Sequence[PageRows]
    proba: list[npt.NDArray[np.float64]]
    keep: list[npt.NDArray[np.bool_]]
    threshold: float | None  # the caller's one threshold; None: the model's own rule (``Predictor.cuts``)
    marked: float  # the fixed threshold the plots mark: the caller's, or the one the model would use alone
    report: Report


def evaluate_pages(
    pages: Sequence[Page], rows: Sequence[PageRows], model: Predictor, threshold: float | None = None
) -> Evaluated:
    """Score every page once, keeping each page's probabilities for the plots."""
    proba: list[npt.NDArray[np.float64]] = []
    keep: list[npt.NDArray[np.bool_]] = []
    for r in rows:
        if r.error is not None or not len(r.labels):
            proba.append(np.zeros(0))
            keep.append(np.zeros(0, dtype=bool))
            continue
        p = rows_proba(model, r)
        proba.append(p)
        keep.append(model.keep(r.texts, r.n_tokens, p, threshold, r.structure[:, 1]))
    by_rows = {id(r): k for r, k in zip(rows, keep, strict=True)}
    report = score_rows(pages, rows, lambda r: by_rows[id(r)])
    marked = model.threshold_ if threshold is None else float(threshold)
    return Evaluated(pages, rows, proba, keep, threshold, marked, report)


def cut_words(model: Predictor, threshold: float | None) -> str:
    """How the pages were cut, for the report's summary."""
    if threshold is not None:
        return f"threshold {threshold:.2f}"
    if model.cut_floor_ is None:
        words = f"threshold {model.threshold_:.2f}"
    else:
        words = f"cut per page at half its best expected F1, at least {model.cut_floor_:.3f}"
    if model.empty_below_:
        words += f"; nothing kept where that F1 is below {model.empty_below_:.2f}"
    return words


def scored(r: PageResult) -> bool:
    """Whether a page counts in the figures, as ``evaluate`` counts it: it has a gold text or labels, and its labels
    file (where it has one) was not refused."""
    return r.page.labelled and not labels_refused(r.error)


def page_type_scores(ev: Evaluated) -> dict[tuple[str, str], tuple[int, float]]:
    """(pages, shingle F1) per (dataset, page type) for the scored pages whose meta has a ``page_type``."""
    groups: dict[tuple[str, str], list[PageResult]] = {}
    for d in ev.report.datasets:
        for r in d.results:
            ptype = r.page.meta.get("page_type")
            if ptype and scored(r):
                groups.setdefault((d.dataset, str(ptype)), []).append(r)
    return {k: (len(v), shingle_score([r.counts for r in v]).f1) for k, v in sorted(groups.items())}


def _concat(ev: Evaluated) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.bool_], Any]:
    """Page index, tokens, labels and p(content) of every scored block."""
    ok = [i for i, p in enumerate(ev.proba) if len(p)]
    if not ok:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool), np.zeros(0)
    groups = np.concatenate([np.full(len(ev.proba[i]), i, dtype=np.int64) for i in ok])
    tokens = np.concatenate([ev.rows[i].n_tokens for i in ok]).astype(np.float64)
    labels = np.concatenate([ev.rows[i].labels for i in ok]).astype(bool)
    return groups, tokens, labels, np.concatenate([ev.proba[i] for i in ok])


def threshold_curve(ev: Evaluated, grid: npt.NDArray[np.float64] | None = None) -> dict[str, list[float]]:
    """Page-averaged token precision, recall and F1 against the block labels, at each threshold of ``grid``."""
    from blocksift.model import page_token_f1

    grid = np.round(np.arange(0.02, 0.981, 0.02), 2) if grid is None else grid
    groups, tokens, labels, proba = _concat(ev)
    out: dict[str, list[float]] = {"threshold": [float(t) for t in grid], "precision": [], "recall": [], "f1": []}
    for t in grid:
        p, r, f = page_token_f1(groups, tokens, labels, proba >= t) if len(groups) else (0.0, 0.0, 0.0)
        out["precision"].append(p)
        out["recall"].append(r)
        out["f1"].append(f)
    return out


def feature_groups() -> list[tuple[str, list[int]]]:
    """(readable name, column indices) of each registered feature group, in the matrix's order."""
    from blocksift import features

    out, start = [], 0
    for name, width in features.COLUMN_GROUPS:
        out.append((GROUP_NAMES.get(name, name.strip("_")), list(range(start, start + width))))
        start += width
    return out


class _Sample:
    """The rows of some evaluated pages stacked as one batch (the arguments of ``predict_proba``) and their labels."""

    def __init__(self, ev: Evaluated, chosen: list[int]) -> None:
        self.X = np.vstack([ev.rows[i].features for i in chosen])
        self.groups = np.concatenate([np.full(len(ev.proba[i]), k, dtype=np.int64) for k, i in enumerate(chosen)])
        self.tokens = np.concatenate([ev.rows[i].n_tokens for i in chosen]).astype(np.float64)
        self.structure = np.vstack([ev.rows[i].structure for i in chosen])
        self.markup = np.vstack([ev.rows[i].markup for i in chosen])
        self.labels = np.concatenate([ev.rows[i].labels for i in chosen]).astype(bool)

    def f1(self, model: Predictor, X: npt.NDArray[np.float32], threshold: float | None) -> float:
        """Page-averaged token F1 of the model's decisions on ``X`` (these pages' rows, maybe shuffled)."""
        from blocksift.model import page_token_f1

        p = model.predict_proba(
            X, groups=self.groups, tokens=self.tokens, structure=self.structure, markup=self.markup
        )[:, 1]
        keep = p >= model.cuts(p, self.tokens, self.groups, threshold)
        return page_token_f1(self.groups, self.tokens, self.labels, keep)[2]


@dataclass(frozen=True)
class Importance:
    """Permutation importance of feature groups: the drop of page-averaged token F1 when a group is shuffled."""

    names: list[str]
    drop: list[float]
    spread: list[float]
    repeats: int
    blocks: int
    pages: int
    base_f1: float
    seconds: float


def permutation_importance(
    ev: Evaluated,
    model: Predictor,
    *,
    max_blocks: int = IMPORTANCE_BLOCKS,
    seconds: float = IMPORTANCE_SECONDS,
    repeats: int = IMPORTANCE_REPEATS,
    seed: int = 0,
) -> Importance:
    """Shuffle each feature group's columns across a sample of whole pages' blocks (seeded) and measure the drop
    of page-averaged token F1 at the threshold, the whole two-stage model rerun each time. The sample is cut to
    fewer pages when one repeat over every group would take more than ``seconds`` (timed on the unshuffled run);
    further repeats run only while under ``seconds``."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(len(ev.rows)) if len(ev.proba[i])]
    chosen, total = [], 0
    for i in order:
        if total and total + len(ev.proba[i]) > max_blocks:
            continue
        chosen.append(i)
        total += len(ev.proba[i])
    if not chosen:
        return Importance([], [], [], 0, 0, 0, 0.0, 0.0)
    named = feature_groups()
    sample = _Sample(ev, chosen)
    t0 = time.perf_counter()
    base = sample.f1(model, sample.X, ev.threshold)
    per_run = time.perf_counter() - t0
    if per_run * len(named) > seconds and len(chosen) > 1:
        # One repeat would overrun the budget: keep a share of the pages that fits it.
        keep = max(1, int(len(chosen) * seconds / (per_run * len(named))))
        chosen = chosen[:keep]
        sample = _Sample(ev, chosen)
        base = sample.f1(model, sample.X, ev.threshold)
    X = sample.X
    drops: list[list[float]] = [[] for _ in named]
    done = 0
    for rep in range(repeats):
        if rep and time.perf_counter() - started > seconds:
            break
        for g, (_, cols) in enumerate(named):
            shuffled = X.copy()
            shuffled[:, cols] = X[rng.permutation(len(X))][:, cols]
            drops[g].append(base - sample.f1(model, shuffled, ev.threshold))
        done += 1
    return Importance(
        names=[n for n, _ in named],
        drop=[float(np.mean(d)) for d in drops],
        spread=[float(np.std(d)) for d in drops],
        repeats=done,
        blocks=len(X),
        pages=len(chosen),
        base_f1=base,
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------------------------
# Plots


def check_plotting() -> None:
    """Raise ReportError where matplotlib is missing: ``evaluate --report`` asks before it scores a page, since the
    plots come last and a missing library found then cost the whole run."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ReportError("the report's plots need matplotlib: pip install 'blocksift[report]'") from exc


def _pyplot() -> Any:
    check_plotting()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "font.size": 9.5,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#98a2b3",
            "axes.labelcolor": "#344054",
            "xtick.color": "#475467",
            "ytick.color": "#475467",
            "axes.grid": True,
            "grid.color": "#eaecf0",
            "grid.linewidth": 0.8,
            "axes.axisbelow": True,
            "legend.frameon": False,
            "svg.hashsalt": "blocksift",
            # Labels are the datasets' names and page types: "$5 or $6" is text, not math (a "$" ended the report)
            "text.parse_math": False,
        }
    )
    return plt


def _save(fig: Any, path: Path) -> None:
    fig.savefig(path, format="png", bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)


def plot_dots(rows: list[tuple[str, float, dict[str, float]]], peers: list[str], title: str, path: Path) -> None:
    """A dot plot: one line per row label, blocksift's F1 as a large dot, each peer's as a small marker."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.2, 0.42 * len(rows) + 1.3))
    y = np.arange(len(rows))[::-1]
    values = [v for _, v, _ in rows] + [f for _, _, fig_peers in rows for f in fig_peers.values()]
    lo = max(0.0, min(values) - 0.05) if values else 0.0
    for k, peer in enumerate(peers):
        xs = [(yy, r[2][peer]) for yy, r in zip(y, rows, strict=True) if peer in r[2]]
        if xs:
            ax.scatter([x for _, x in xs], [yy for yy, _ in xs], s=26, marker=PEER_MARKERS[k % len(PEER_MARKERS)],
                       color=PEER_COLOURS[k % len(PEER_COLOURS)], alpha=0.75, label=peer, zorder=2)  # fmt: skip
    ax.hlines(y, lo, [v for _, v, _ in rows], color="#d0d5dd", linewidth=1, zorder=1)
    ax.scatter([v for _, v, _ in rows], y, s=90, color=GREEN, label=BLOCKSIFT, zorder=3, edgecolor="white")
    for yy, (_, v, _) in zip(y, rows, strict=True):
        ax.annotate(f"{v:.3f}", (v, yy), xytext=(7, 5), textcoords="offset points", fontsize=8.5, color=GREEN,
                    fontweight="bold")  # fmt: skip
    ax.set_yticks(y, [label for label, _, _ in rows])
    ax.set_xlim(lo, 1.0)
    ax.set_xlabel("shingle F1")
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", color="#1f2328")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, handletextpad=0.3)
    _save(fig, path)


def plot_threshold(curve: dict[str, list[float]], threshold: float, path: Path) -> None:
    """Precision, recall and F1 against the threshold, the threshold in use marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.2, 3.8))
    t = curve["threshold"]
    ax.plot(t, curve["precision"], color="#1c64f2", label="precision", linewidth=1.8)
    ax.plot(t, curve["recall"], color="#d9480f", label="recall", linewidth=1.8)
    ax.plot(t, curve["f1"], color=GREEN, label="F1", linewidth=2.4)
    ax.axvline(threshold, color="#344054", linestyle="--", linewidth=1)
    f_at = float(np.interp(threshold, t, curve["f1"]))
    ax.annotate(f"threshold {threshold:.2f}\nF1 {f_at:.3f}", (threshold, f_at), xytext=(8, -30),
                textcoords="offset points", fontsize=8.5, color="#344054")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_xlabel("decision threshold on p(content)")
    ax.set_ylabel("token figure (page mean)")
    ax.set_title("Precision and recall against the threshold", loc="left", fontsize=11, fontweight="bold")
    ax.legend(loc="lower left")
    _save(fig, path)


def plot_scores(ev: Evaluated, path: Path) -> None:
    """Histograms of p(content) for blocks labelled content and boilerplate (log scale: boilerplate dominates)."""
    plt = _pyplot()
    _, _, labels, proba = _concat(ev)
    fig, ax = plt.subplots(figsize=(8.2, 3.6))
    bins = np.linspace(0, 1, 41)
    ax.hist(proba[~labels], bins=bins, color="#98a2b3", alpha=0.75, label=f"boilerplate ({(~labels).sum():,})")
    ax.hist(proba[labels], bins=bins, color=GREEN, alpha=0.65, label=f"content ({labels.sum():,})")
    ax.axvline(ev.marked, color="#344054", linestyle="--", linewidth=1, label=f"threshold {ev.marked:.2f}")
    ax.set_yscale("log")
    ax.set_xlim(0, 1)
    ax.set_xlabel("p(content)")
    ax.set_ylabel("blocks (log scale)")
    ax.set_title("Scores of content and boilerplate blocks", loc="left", fontsize=11, fontweight="bold")
    ax.legend(loc="upper center")
    _save(fig, path)


def plot_importance(imp: Importance, path: Path) -> None:
    """Horizontal bars: the F1 drop when each feature group is shuffled."""
    plt = _pyplot()
    order = np.argsort(imp.drop)
    fig, ax = plt.subplots(figsize=(8.2, 0.36 * len(order) + 1.2))
    ax.barh([imp.names[i] for i in order], [imp.drop[i] for i in order],
            xerr=[imp.spread[i] for i in order] if imp.repeats > 1 else None,
            color=GREEN, alpha=0.85, error_kw={"ecolor": "#475467", "capsize": 2, "linewidth": 0.8})  # fmt: skip
    ax.set_xlabel("drop of page-averaged token F1 when the group is shuffled")
    ax.set_title("Feature groups by permutation importance", loc="left", fontsize=11, fontweight="bold")
    ax.grid(axis="y", visible=False)
    _save(fig, path)


# ---------------------------------------------------------------------------------------------------------------
# The report


@dataclass
class Section:
    """A part of the report: a heading, paragraphs, an optional table and an optional plot."""

    title: str
    text: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    image: str | None = None
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (href, label, note)


def _e(text: object) -> str:
    return htmlmod.escape(str(text), quote=True)


def _md_text(text: object) -> str:
    """Text from the datasets (names, ids, page types) as Markdown shows it: never markup. "<img onerror=...>" in a
    page type became a live element where report.md was rendered, and an id "[x](y)" a link."""
    escaped = htmlmod.escape(str(text), quote=False).replace("\\", "\\\\")
    return re.sub(r"([\[\]()*_`|])", r"\\\1", escaped).replace("\n", " ")


def page_file(page: Page) -> str:
    """The file name of a page's show report inside ``pages/``: the page's key in letters a file system takes, and
    a digest of the key itself, so that two pages ("a b" and "a_b", "café" and "cafe") never share one."""
    key = f"{page.dataset}__{page.id}"
    digest = hashlib.sha1(key.encode("utf-8", errors="surrogatepass")).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:100] + f"-{digest}.html"


def write_show_reports(
    results: list[PageResult], model: Predictor, threshold: float | None, directory: Path, model_label: str
) -> dict[str, str]:
    """A show report for each page (gold from the dataset; its hand labels where it has them); returns, per page
    key, the error of the pages whose report could not be written."""
    from blocksift.blocks import segment
    from blocksift.labels import read_block_labels
    from blocksift.page import parse_html
    from blocksift.show import build_view, write_report

    directory.mkdir(parents=True, exist_ok=True)
    failed: dict[str, str] = {}
    for r in results:
        try:
            html = r.page.read_html()
            labels = None
            if r.page.labels_path is not None:
                seg = segment(parse_html(html))
                labels = read_block_labels(r.page.labels_path.read_text(encoding="utf-8", errors="replace"), seg)
            view = build_view(
                html, source=r.page.key, model=model, threshold=threshold, gold=r.page.read_gold(), labels=labels,
                url=str(r.page.meta.get("url") or ""), model_label=model_label,
            )  # fmt: skip
            write_report(view, directory / page_file(r.page))
        except (BlocksiftError, OSError) as exc:
            failed[r.page.key] = str(exc)
    return failed


def build_report(
    ev: Evaluated,
    model: Predictor,
    out_dir: Path,
    *,
    peers: PeerFigures | None = None,
    worst: int = 10,
    model_label: str = "",
    importance_seconds: float = IMPORTANCE_SECONDS,
    log: Callable[[str], None] | None = None,
) -> list[Section]:
    """Write the plots and the worst pages' show reports into ``out_dir``; return the report's sections."""
    say = log or (lambda _m: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = [_summary(ev, model, peers, model_label)]
    sections += _f1_plots(ev, peers, out_dir, say)
    say("plotting the threshold curve and the score distribution")
    sections += _threshold_and_scores(ev, out_dir)
    say("permutation importance")
    sections += _importance(ev, model, importance_seconds, out_dir)
    if worst > 0:
        sections.append(_worst_pages(ev, model, worst, model_label, out_dir, say))
    return sections


def _summary(ev: Evaluated, model: Predictor, peers: PeerFigures | None, model_label: str) -> Section:
    """The run in words, and a row per dataset (with the best peer's shingle F1 where the peers are known)."""
    report, mean = ev.report, ev.report.mean
    n_pages = sum(d.pages for d in report.datasets)
    summary = Section("Summary")
    summary.text.append(
        f"{n_pages:,} pages of {len(report.datasets)} dataset(s); model: {model_label}; "
        f"{cut_words(model, ev.threshold)}. "
        f"Mean over datasets: shingle F1 {mean['f1']:.4f} (precision {mean['precision']:.4f}, recall "
        f"{mean['recall']:.4f}), word F1 {mean['word_f1']:.4f}, block accuracy {mean['block_accuracy']:.4f}."
    )
    if peers:
        summary.text.append(
            f"Peers' figures from {Path(peers.source).name} (split {peers.split or '?'}, created "
            f"{peers.created[:10] or '?'}), on the datasets both runs have; they are comparable only where this run "
            "scored the same pages."
        )
    head = ["dataset", "pages", "failed", "left out", "precision", "recall", "shingle F1", "word F1", "block acc."]
    rows = [
        [d.dataset, f"{d.pages:,}", f"{d.failed:,}", f"{d.left_out:,}", *(f"{v:.4f}" for v in
         (d.precision, d.recall, d.f1, d.word_f1, d.block_accuracy))]
        for d in report.datasets
    ]  # fmt: skip
    rows.append(["mean", f"{n_pages:,}", "", *(f"{mean[k]:.4f}" for k in
                 ("precision", "recall", "f1", "word_f1", "block_accuracy"))])  # fmt: skip
    if peers:
        head.append("best peer (shingle F1)")
        for row, d in zip(rows, [*report.datasets, None], strict=True):
            figures = peers.datasets.get(d.dataset, {}) if d is not None else {}
            best = max(figures.items(), key=lambda kv: kv[1]) if figures else None
            row.append(f"{best[0]} {best[1]:.3f}" if best else "")
    summary.table = (head, rows)
    return summary


def _f1_plots(ev: Evaluated, peers: PeerFigures | None, out_dir: Path, say: Callable[[str], None]) -> list[Section]:
    """Shingle F1 per dataset (and their mean), and per page type where the pages have types, beside the peers."""
    say("plotting F1 per dataset")
    report, peer_names = ev.report, peers.systems if peers else []
    dot_rows = [(d.dataset, d.f1, peers.datasets.get(d.dataset, {}) if peers else {}) for d in report.datasets]
    if len(report.datasets) > 1:
        mean_peers: dict[str, float] = {}
        for name in peer_names:
            vals = [peer_f1.get(name) for _, _, peer_f1 in dot_rows]
            if all(v is not None for v in vals):
                mean_peers[name] = float(np.mean([v for v in vals if v is not None]))
        dot_rows.append(("mean", report.mean["f1"], mean_peers))
    plot_dots(dot_rows, peer_names, "Shingle F1 per dataset", out_dir / "f1_datasets.png")
    sections = [Section("F1 per dataset", image="f1_datasets.png")]
    types = page_type_scores(ev)
    if types:
        say("plotting F1 per page type")
        type_rows = [
            (f"{ds} · {pt} ({n})", f1, peers.page_types.get((ds, pt), {}) if peers else {})
            for (ds, pt), (n, f1) in types.items()
        ]
        plot_dots(type_rows, peer_names, "Shingle F1 per page type", out_dir / "f1_page_types.png")
        sec = Section("F1 per page type", image="f1_page_types.png")
        sec.table = (["dataset", "page type", "pages", "shingle F1"],
                     [[ds, pt, str(n), f"{f1:.4f}"] for (ds, pt), (n, f1) in types.items()])  # fmt: skip
        sections.append(sec)
    return sections


def _threshold_and_scores(ev: Evaluated, out_dir: Path) -> list[Section]:
    """Precision and recall against a fixed threshold, and the distribution of p(content) by label."""
    plot_threshold(threshold_curve(ev), ev.marked, out_dir / "threshold.png")
    plot_scores(ev, out_dir / "scores.png")
    curve = Section(
        "Precision and recall against the threshold",
        ["Token precision and recall of the blocks at or above each threshold, against the block labels (the "
         "gold aligned to the blocks), averaged over pages: the curve the model's fixed threshold is chosen on "
         "(a model that cuts each page at half its best expected F1 keeps it for callers who ask for one cut). "
         "The repeat rule of the decision is left out here."],
        image="threshold.png",
    )  # fmt: skip
    return [curve, Section("Score distribution", ["p(content) of every block, by its label."], image="scores.png")]


def _importance(ev: Evaluated, model: Predictor, seconds: float, out_dir: Path) -> list[Section]:
    """Permutation importance of the feature groups, where the time allows a sample."""
    imp = permutation_importance(ev, model, seconds=seconds)
    if not imp.names:
        return []
    plot_importance(imp, out_dir / "importance.png")
    section = Section(
        "Feature importance",
        [f"Permutation importance on {imp.blocks:,} blocks of {imp.pages:,} evaluated pages (a seeded sample of "
         f"whole pages): each group of feature columns is shuffled across the sample's blocks and the whole "
         f"two-stage model rerun; the bar is the drop of page-averaged token F1 at the threshold (from "
         f"{imp.base_f1:.4f}), {imp.repeats} repeat(s), {imp.seconds:.1f} s."],
        image="importance.png",
    )  # fmt: skip
    return [section]


def _worst_pages(
    ev: Evaluated, model: Predictor, worst: int, model_label: str, out_dir: Path, say: Callable[[str], None]
) -> Section:
    """The ``worst`` pages by their own shingle F1, each with a link to its ``blocksift show`` report."""
    every = [r for d in ev.report.datasets for r in d.results if scored(r)]  # no gold: no score to rank it by
    chosen = sorted(every, key=lambda r: (r.counts.f1, r.page.key))[:worst]
    say(f"writing show reports of the {len(chosen)} worst pages")
    failed = write_show_reports(chosen, model, ev.threshold, out_dir / "pages", model_label)
    sec = Section(
        "The worst page" if len(chosen) == 1 else f"The {len(chosen)} worst pages",
        ["By the page's own shingle F1; each links to its `blocksift show` report (blocks wrongly kept and "
         "wrongly dropped marked)."],
    )  # fmt: skip
    for r in chosen:
        c = r.counts
        note = f"shingle F1 {c.f1:.3f} (tp {c.tp}, fp {c.fp}, fn {c.fn})"
        if r.error or r.page.key in failed:
            sec.links.append(("", r.page.key, f"{note}; no report: {r.error or failed[r.page.key]}"))
        else:
            sec.links.append((f"pages/{page_file(r.page)}", r.page.key, note))
    return sec


def to_markdown(sections: list[Section], title: str, subtitle: str = "") -> str:
    """The report as Markdown (plots and page reports by relative links)."""
    lines = [f"# {title}", ""] + ([subtitle, ""] if subtitle else [])
    for s in sections:
        lines += [f"## {s.title}", ""]
        for t in s.text:
            lines += [t, ""]
        if s.image:
            lines += [f"![{s.title}]({s.image})", ""]
        if s.table:
            head, rows = s.table
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
            lines += ["| " + " | ".join(_md_text(c) for c in row) + " |" for row in rows]
            lines.append("")
        for href, label, note in s.links:
            lines.append(
                f"- [{_md_text(label)}]({href}): {_md_text(note)}" if href else f"- {_md_text(label)}: {_md_text(note)}"
            )
        if s.links:
            lines.append("")
    return "\n".join(lines)


_CSS = """
body{font:14px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",
"Liberation Sans",sans-serif;color:#1f2328;background:#f3f4f6;margin:0}
.wrap{max-width:980px;margin:0 auto;padding:28px 24px 60px}
h1{font-size:24px;margin:0 0 4px}.sub{color:#667085;margin:0 0 20px}
section{background:#fff;border:1px solid #e6e8eb;border-radius:10px;padding:18px 22px;margin:0 0 18px;
box-shadow:0 1px 3px rgba(16,24,40,.05)}
h2{font-size:16px;margin:0 0 10px}
p{margin:6px 0 10px;color:#344054}
img{max-width:100%;height:auto;display:block;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th{font-size:11.5px;color:#667085;text-align:right;font-weight:600;border-bottom:1px solid #e6e8eb;padding:5px 8px}
td{text-align:right;padding:5px 8px;border-bottom:1px solid #f0f1f3;font-variant-numeric:tabular-nums}
th:first-child,td:first-child{text-align:left}
tr.total td{font-weight:650}
ul.worst{padding-left:18px}ul.worst li{margin:3px 0}
ul.worst a{color:#1c64f2;text-decoration:none;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
ul.worst a:hover{text-decoration:underline}.note{color:#667085;font-size:12.5px}
code{font:12.5px ui-monospace,monospace;background:#f2f4f7;padding:1px 4px;border-radius:4px}
"""


def _inline_md(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def to_html(sections: list[Section], title: str, subtitle: str) -> str:
    """The report as a self-contained HTML page (its plots are PNG files beside it)."""
    parts = []
    for s in sections:
        body = [f"<h2>{_e(s.title)}</h2>"]
        body += [f"<p>{_inline_md(t)}</p>" for t in s.text]
        if s.image:
            body.append(f'<img src="{_e(s.image)}" alt="{_e(s.title)}">')
        if s.table:
            head, rows = s.table
            body.append("<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>")
            body += [
                ('<tr class="total">' if row and row[0] == "mean" else "<tr>")
                + "".join(f"<td>{_e(c)}</td>" for c in row)
                + "</tr>"
                for row in rows
            ]
            body.append("</tbody></table>")
        if s.links:
            items = [
                (f'<li><a href="{_e(h)}">{_e(label)}</a> <span class="note">{_e(note)}</span></li>' if h
                 else f'<li>{_e(label)} <span class="note">{_e(note)}</span></li>')
                for h, label, note in s.links
            ]  # fmt: skip
            body.append('<ul class="worst">' + "".join(items) + "</ul>")
        parts.append("<section>" + "\n".join(body) + "</section>")
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
        f'<style>{_CSS}</style></head><body><div class="wrap"><h1>{_e(title)}</h1>'
        f'<p class="sub">{_e(subtitle)}</p>\n' + "\n".join(parts) + "</div></body></html>\n"
    )


# What a report writes besides index.html and report.md: an earlier run's copies are removed first, so that a folder
# used twice holds no plot or page report that the new index does not speak of.
PLOT_FILES = ("f1_datasets.png", "f1_page_types.png", "threshold.png", "scores.png", "importance.png")
SHOW_GENERATOR = '<meta name="generator" content="blocksift'


def _remove_earlier_report(out_dir: Path) -> None:
    """Remove the plots and page reports an earlier report wrote into ``out_dir``; files of the user's are kept (a
    page report is known by the generator line ``show`` writes near its top)."""
    for name in PLOT_FILES:
        (out_dir / name).unlink(missing_ok=True)
    for page in (out_dir / "pages").glob("*.html"):
        with page.open("rb") as fh:
            head = fh.read(1024)
        if SHOW_GENERATOR.encode() in head:
            page.unlink()


def write_report(
    out_dir: Path,
    ev: Evaluated,
    model: Predictor,
    *,
    peers: PeerFigures | None = None,
    worst: int = 10,
    model_label: str = "",
    subtitle: str = "",
    importance_seconds: float = IMPORTANCE_SECONDS,
    log: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write ``index.html``, ``report.md``, the plots and ``pages/`` into ``out_dir``; returns the two pages."""
    from blocksift.outputs import atomic_write

    title = "blocksift evaluation"
    _remove_earlier_report(out_dir)
    sections = build_report(
        ev, model, out_dir, peers=peers, worst=worst, model_label=model_label,
        importance_seconds=importance_seconds, log=log,
    )  # fmt: skip
    written = []
    pages = {"index.html": to_html(sections, title, subtitle), "report.md": to_markdown(sections, title, subtitle)}
    for name, text in pages.items():
        with atomic_write(out_dir / name) as fh:
            fh.write(text)
        written.append(out_dir / name)
    return written
