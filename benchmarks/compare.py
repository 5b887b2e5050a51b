"""Run blocksift and the established extractors on the same pages and compare them.

Prints, for the chosen split of each dataset, shingle F1 and word F1 per system (rows: datasets and their
mean; the best peer of each row is starred and the last columns say whether blocksift beats it), the same per
page type on wcxb, the failures, and pages per second per system. ``--json`` writes every figure (precision
and recall too, and per-page scores). Peers' outputs are cached per page (keyed by system, version and the
page's bytes), so a re-run recomputes only blocksift, whose outputs are never cached. See
``benchmarks/README.md``.

Run it with the benchmark virtualenv (``benchmarks/setup_env.sh``)::

    .venv-bench/bin/python benchmarks/compare.py --jobs 2 --json benchmarks/out/compare.json
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import margin
import peers
from blocksift.datasets import Page, load_dataset
from blocksift.metrics import PageCounts, shingle_counts, shingle_score, word_f1_page
from pool import Outcome, SetupError, Task, WorkerPool

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS_ROOT = REPO_ROOT.parent / "shared" / "datasets"
DEFAULT_CACHE = REPO_ROOT / "benchmarks" / "out" / "cache"
DATASETS = (
    "dragnet",
    "cleaneval",
    "cleanportaleval",
    "l3s-gn1",
    "msv-big9-chaos",
    "fundus",
    "readability",
    "newspaper-tests",
    "wcxb",
)
PAGE_TYPE_DATASET = "wcxb"
DEFAULT_TIMEOUT_S = 20.0
PROGRESS_EVERY_S = 30.0


def log(message: str) -> None:
    """Progress and notices go to stderr, so that stdout holds only the report."""
    print(f"[compare] {message}", file=sys.stderr, flush=True)


# --- inputs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageInput:
    """A page to extract: the dataset's record, the sha256 of its bytes (the cache key), its gold text, the
    sha256 of the gold (which tells whether a cached page score still holds), and the sha256 of the text that
    the peers taking ``str`` are given (which tells whether their cached output was made from the same text:
    blocksift's decoder, which gives it, changes between versions). That last one is computed when a system
    taking ``str`` first asks for it, so that a run of the peers given bytes decodes nothing."""

    page: Page
    sha256: str
    gold: str
    gold_sha256: str

    @functools.cached_property
    def text_sha256(self) -> str:
        """The sha256 of the text blocksift's decoder makes of the page, which the ``str`` peers are given."""
        return _sha256(peers.decode(self.page.read_html()).encode())

    @property
    def page_type(self) -> str | None:
        """wcxb's page type (article, forum, product, ...), where the meta has one."""
        value = self.page.meta.get("page_type")
        return str(value) if value else None


def load_pages(root: Path, datasets: Sequence[str], split: str, limit: int | None) -> list[PageInput]:
    """The pages of ``split`` (every split for ``all``) of each dataset, at most ``limit`` per dataset."""
    inputs: list[PageInput] = []
    for name in datasets:
        pages = [p for p in load_dataset(root / name) if split == "all" or p.split == split]
        for page in pages[:limit] if limit is not None else pages:
            data = page.read_html()
            gold = page.read_gold()
            inputs.append(PageInput(page, _sha256(data), gold, _sha256(gold.encode())))
    return inputs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class System:
    """A system to run: its name, version, how it is called, and whether its outputs may be cached."""

    name: str
    version: str
    setting: str
    input: str
    cacheable: bool
    takes_bytes: bool = True

    def input_sha256(self, item: PageInput) -> str:
        """The digest of what this system is given for ``item``: its bytes, or the text decoded from them."""
        return item.sha256 if self.takes_bytes else item.text_sha256


def available_systems(requested: Sequence[str] | None, model_path: str | None) -> list[System]:
    """The requested systems (all by default) that can run here; the others are skipped with a message."""
    decoder_name = peers.decoder()[0]
    systems: list[System] = []
    for name in requested or peers.SYSTEM_NAMES:
        if name == peers.BLOCKSIFT:
            version, reason = peers.blocksift_status()
            if version is None:
                log(f"skipping blocksift: {reason}")
                continue
            setting = (
                f"blocksift.extract(html, model=load_model({model_path!r}))"
                if model_path
                else ("blocksift.extract(html) with the shipped model")
            )
            systems.append(System(name, version, setting, "raw bytes", cacheable=False))
            continue
        peer = peers.PEERS[name]
        version = peers.peer_version(peer)
        if version is None:
            log(f"skipping {name}: the module {peer.module!r} is not installed (run benchmarks/setup_env.sh)")
            continue
        given = "raw bytes" if peer.takes_bytes else f"text decoded by {decoder_name}"
        systems.append(System(name, version, peer.setting, given, cacheable=True, takes_bytes=peer.takes_bytes))
    return systems


# --- per-page scores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageScore:
    """One extraction against its gold: shared, extra and missing shingles, and the bag-of-words F1."""

    tp: int
    fp: int
    fn: int
    word_f1: float

    @property
    def counts(self) -> PageCounts:
        """The shingle counts, as ``blocksift.metrics`` aggregates them."""
        return PageCounts(self.tp, self.fp, self.fn)


def page_score(text: str, gold: str) -> PageScore:
    """Score one page with the two standard metrics of ``blocksift.metrics``."""
    counts = shingle_counts(text, gold)
    return PageScore(counts.tp, counts.fp, counts.fn, word_f1_page(text, gold))


@dataclass(frozen=True)
class Scored:
    """One system's outcome on one page and its score."""

    outcome: Outcome
    score: PageScore


# --- the cache of peers' outputs --------------------------------------------------------------------------


class TextCache:
    """Peers' extracted texts, one JSON-lines file per system, version and dataset, under ``root``.

    A record is keyed by the page id and the sha256 of its bytes, and keeps the text, the seconds the call
    took when it was made, its failure if any, the sha256 of what the system was given (for a peer that takes
    ``str``, the text blocksift's decoder gave: a record made from other text is not used), and its page score
    with the sha256 of the gold it was scored against (scoring is slow enough to be worth keeping). Records are
    appended as results arrive, so an interrupted run keeps what it had done; the last record of a key wins.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._records: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = {}
        self._lines: dict[tuple[str, str, str], int] = defaultdict(int)

    def _path(self, system: System, dataset: str) -> Path:
        assert self.root is not None
        return self.root / system.name / system.version / f"{dataset}.jsonl"

    def _load(self, system: System, dataset: str) -> dict[tuple[str, str], dict[str, Any]]:
        key = (system.name, system.version, dataset)
        if key not in self._records:
            records: dict[tuple[str, str], dict[str, Any]] = {}
            path = self._path(system, dataset)
            # Iterating the file splits on "\n" only; str.splitlines would also split texts at U+2028 etc.
            with contextlib.suppress(FileNotFoundError), path.open(encoding="utf-8") as fh:
                for line in fh:
                    self._lines[key] += 1
                    try:
                        record = json.loads(line)
                        records[(record["id"], record["sha256"])] = record
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue  # a line cut short by an interrupted run
            self._records[key] = records
        return self._records[key]

    def get(self, system: System, item: PageInput) -> tuple[Outcome, PageScore | None] | None:
        """The cached outcome of ``system`` on this page and its score (None where the gold has changed
        since), or None where nothing is cached."""
        if self.root is None or not system.cacheable:
            return None
        record = self._load(system, item.page.dataset).get((item.page.id, item.sha256))
        if record is None or record.get("input_sha256", item.sha256) != system.input_sha256(item):
            return None  # never computed, or from other text than the decoder now gives
        outcome = Outcome(str(record["text"]), float(record["seconds"]), record.get("error"), cached=True)
        score = record.get("score")
        if not isinstance(score, dict) or score.get("gold_sha256") != item.gold_sha256:
            return outcome, None
        return outcome, PageScore(int(score["tp"]), int(score["fp"]), int(score["fn"]), float(score["word_f1"]))

    def put(self, system: System, item: PageInput, outcome: Outcome, score: PageScore) -> None:
        """Record an outcome of a cacheable system and its score."""
        if self.root is None or not system.cacheable:
            return
        record = {
            "id": item.page.id,
            "sha256": item.sha256,
            "input_sha256": system.input_sha256(item),
            "text": outcome.text,
            "seconds": outcome.seconds,
            "error": outcome.error,
            "score": {"gold_sha256": item.gold_sha256, **asdict(score)},
        }
        self._load(system, item.page.dataset)[(item.page.id, item.sha256)] = record
        self._lines[(system.name, system.version, item.page.dataset)] += 1
        path = self._path(system, item.page.dataset)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def compact(self) -> None:
        """Rewrite the files that hold superseded records (re-scored or recomputed pages), keeping the last
        record of each key; the new file replaces the old one atomically."""
        if self.root is None:
            return
        for (name, version, dataset), records in self._records.items():
            key = (name, version, dataset)
            if self._lines[key] <= len(records):
                continue
            path = self.root / name / version / f"{dataset}.jsonl"
            tmp = path.with_suffix(".jsonl.tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records.values())
            tmp.replace(path)
            self._lines[key] = len(records)


# --- running ----------------------------------------------------------------------------------------------

Results = dict[str, dict[str, Scored]]  # system name -> page key -> outcome and score


class Progress:
    """Counts finished calls and logs a line now and then."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failures = 0
        self.start = self.last = time.monotonic()

    def tick(self, outcome: Outcome) -> None:
        """Count one finished call; log every ``PROGRESS_EVERY_S`` seconds and at the end."""
        self.done += 1
        self.failures += outcome.error is not None
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S or self.done == self.total:
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            log(f"{self.done}/{self.total} calls done, {self.failures} failed, {rate:.1f} calls/s")


def run_systems(
    systems: Sequence[System],
    items: Sequence[PageInput],
    cache: TextCache,
    *,
    jobs: int,
    timeout: float,
    model_path: str | None,
    retry_failed: bool,
    quiet: bool,
) -> Results:
    """Every system's outcome on every page: from the cache where it has one, else computed in the pool."""
    results: Results = {s.name: {} for s in systems}
    by_name = {s.name: s for s in systems}
    tasks: list[Task] = []
    task_items: list[PageInput] = []
    for item in items:
        for system in systems:
            cached = cache.get(system, item)
            if cached is not None and not (retry_failed and cached[0].error is not None):
                outcome, score = cached
                if score is None:  # scored against an older gold: score again and remember it
                    score = page_score(outcome.text, item.gold)
                    cache.put(system, item, outcome, score)
                results[system.name][item.page.key] = Scored(outcome, score)
            else:
                url = item.page.meta.get("url")
                tasks.append(Task(len(tasks), system.name, str(item.page.html_path), str(url) if url else None))
                task_items.append(item)
    n_cached = sum(len(r) for r in results.values())
    log(f"{len(items)} pages x {len(systems)} systems: {n_cached} outcomes from the cache, {len(tasks)} to compute")
    if not tasks:
        cache.compact()
        return results
    progress = Progress(len(tasks))

    def on_result(task: Task, outcome: Outcome) -> None:
        item = task_items[task.index]
        score = page_score(outcome.text, item.gold)
        results[task.system][item.page.key] = Scored(outcome, score)
        cache.put(by_name[task.system], item, outcome, score)
        progress.tick(outcome)

    needed = sorted({t.system for t in tasks}, key=[s.name for s in systems].index)
    with WorkerPool(jobs, needed, model_path, timeout, quiet) as pool:
        pool.run(tasks, on_result)
    cache.compact()
    return results


# --- scoring ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """One system's figures on a set of pages."""

    pages: int
    shingle_precision: float
    shingle_recall: float
    shingle_f1: float
    word_f1: float
    errors: int
    timeouts: int
    seconds: float
    cached: int

    @property
    def pages_per_second(self) -> float:
        """Pages per second of extraction-call time (single process)."""
        return self.pages / self.seconds if self.seconds > 0 else float("nan")


def score(items: Sequence[PageInput], scored: dict[str, Scored]) -> Scores:
    """Both metrics, the failure counts and the time of one system on ``items``."""
    rows = [scored[item.page.key] for item in items]
    results = [r.outcome for r in rows]
    shingle = shingle_score(r.score.counts for r in rows)
    words = [r.score.word_f1 for r in rows]
    return Scores(
        pages=len(items),
        shingle_precision=shingle.precision,
        shingle_recall=shingle.recall,
        shingle_f1=shingle.f1,
        word_f1=sum(words) / len(words) if words else 0.0,
        errors=sum(o.error is not None and not o.timed_out for o in results),
        timeouts=sum(o.timed_out for o in results),
        seconds=sum(o.seconds for o in results),
        cached=sum(o.cached for o in results),
    )


def mean_scores(rows: Iterable[Scores]) -> Scores:
    """The mean of each metric over datasets (each dataset weighs the same); counts and seconds are summed."""
    rows = list(rows)
    n = len(rows) or 1
    return Scores(
        pages=sum(r.pages for r in rows),
        shingle_precision=sum(r.shingle_precision for r in rows) / n,
        shingle_recall=sum(r.shingle_recall for r in rows) / n,
        shingle_f1=sum(r.shingle_f1 for r in rows) / n,
        word_f1=sum(r.word_f1 for r in rows) / n,
        errors=sum(r.errors for r in rows),
        timeouts=sum(r.timeouts for r in rows),
        seconds=sum(r.seconds for r in rows),
        cached=sum(r.cached for r in rows),
    )


Table = dict[str, dict[str, Scores]]  # row (dataset or page type) -> system -> scores


def group_scores(groups: dict[str, list[PageInput]], results: Results) -> Table:
    """Scores of every system on every group of pages."""
    return {
        group: {name: score(items, outcomes) for name, outcomes in results.items()} for group, items in groups.items()
    }


def by_dataset(items: Sequence[PageInput]) -> dict[str, list[PageInput]]:
    """Pages grouped by dataset, in the order the datasets were given."""
    groups: dict[str, list[PageInput]] = defaultdict(list)
    for item in items:
        groups[item.page.dataset].append(item)
    return dict(groups)


def by_page_type(items: Sequence[PageInput]) -> dict[str, list[PageInput]]:
    """wcxb's pages grouped by their page type (sorted by type name)."""
    groups: dict[str, list[PageInput]] = defaultdict(list)
    for item in items:
        if item.page.dataset == PAGE_TYPE_DATASET:
            groups[item.page_type or "unknown"].append(item)
    return dict(sorted(groups.items()))


# --- reporting --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    """One row of a metric table: its label, each system's value, and the best peer (None without peers)."""

    label: str
    values: dict[str, float]
    best: str | None

    def blocksift_vs_best(self) -> float | None:
        """blocksift's value minus the best peer's, where both are in the row."""
        if self.best is None or peers.BLOCKSIFT not in self.values:
            return None
        return self.values[peers.BLOCKSIFT] - self.values[self.best]


def metric_rows(table: Table, metric: str, systems: Sequence[str]) -> list[MetricRow]:
    """The rows of one metric's table, with the best peer of each row."""
    peer_names = [s for s in systems if s != peers.BLOCKSIFT]
    rows = []
    for group, row in table.items():
        values = {s: float(getattr(row[s], metric)) for s in systems}
        best = max(peer_names, key=lambda s: values[s]) if peer_names else None
        rows.append(MetricRow(f"{group} ({row[systems[0]].pages})", values, best))
    return rows


def verdict(diff: float) -> str:
    """How blocksift compares with the best peer."""
    return f"{diff:+.3f} {'beats it' if diff > 0 else 'does not beat it'}"


def metric_table(title: str, table: Table, metric: str, systems: Sequence[str]) -> str:
    """A text table of one metric: a row per group, a column per system, the best peer starred, and how
    blocksift compares with it."""
    rows = metric_rows(table, metric, systems)
    label_width = max(len(r.label) for r in rows) + 2
    widths = [max(len(s), 7) + 2 for s in systems]
    header = "".ljust(label_width) + "".join(s.rjust(w) for s, w in zip(systems, widths, strict=True))
    header += "   best peer" + ("   blocksift - best" if peers.BLOCKSIFT in systems else "")
    lines = [title, header, "-" * len(header)]
    for row in rows:
        cells = [
            (f"{row.values[s]:.3f}" + ("*" if s == row.best else " ")).rjust(w)
            for s, w in zip(systems, widths, strict=True)
        ]
        line = row.label.ljust(label_width) + "".join(cells)
        if row.best is not None:
            line += f"   {row.best}"
        diff = row.blocksift_vs_best()
        if diff is not None:
            line += f"   {verdict(diff)}"
        lines.append(line)
    return "\n".join(lines)


def markdown_table(title: str, table: Table, metric: str, systems: Sequence[str]) -> str:
    """The same table in Markdown, the best peer in bold."""
    rows = metric_rows(table, metric, systems)
    has_verdict = peers.BLOCKSIFT in systems and len(systems) > 1
    header = ["", *systems, "best peer", *(["blocksift - best"] if has_verdict else [])]
    lines = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"**{row.values[s]:.3f}**" if s == row.best else f"{row.values[s]:.3f}" for s in systems]
        diff = row.blocksift_vs_best()
        extra = [verdict(diff)] if has_verdict and diff is not None else []
        lines.append("| " + " | ".join([row.label, *cells, row.best or "", *extra]) + " |")
    return "\n".join(lines)


def speed_table(totals: dict[str, Scores]) -> str:
    """Pages per second of each system, with failure counts and whether times came from the cache."""
    lines = [
        "Speed (extraction calls only, one process; timed-out calls count their time limit)",
        f"{'system':<14}{'pages':>7}{'seconds':>10}{'pages/s':>10}{'errors':>8}{'timeouts':>10}   times",
    ]
    for name, s in totals.items():
        when = (
            "measured in this run"
            if s.cached == 0
            else (f"recorded when computed ({s.cached} of {s.pages} pages from the cache)")
        )
        lines.append(
            f"{name:<14}{s.pages:>7}{s.seconds:>10.1f}{s.pages_per_second:>10.1f}{s.errors:>8}{s.timeouts:>10}   {when}"
        )
    return "\n".join(lines)


def failure_lines(results: Results, limit: int = 5) -> str:
    """The failures of each system: counts by kind and a few examples."""
    lines = ["Failures (counted as empty output)"]
    for name, scored in results.items():
        failed = [(key, r.outcome.error) for key, r in scored.items() if r.outcome.error is not None]
        if not failed:
            lines.append(f"  {name}: none")
            continue
        kinds: dict[str, int] = defaultdict(int)
        for _, error in failed:
            kinds[str(error).split(":")[0].split(" (")[0]] += 1
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        lines.append(f"  {name}: {len(failed)} ({summary})")
        lines.extend(f"      {key}: {error}" for key, error in failed[:limit])
    return "\n".join(lines)


def markdown_margins(records: Sequence[dict[str, Any]]) -> str:
    """The margins (``margins``) as a Markdown table."""
    lines = [
        "| metric | row | best peer | blocksift - best | 95% interval | draws > 0 | draws at the target |",
        "|---|---|---|---:|---|---:|---:|",
    ]
    for r in records:
        goal = f"{r['above_target']:.0%} (>= {r['target']:+.2f})" if r["target"] else ""
        lines.append(
            f"| {r['metric'].replace('_f1', ' F1')} | {r['row']} | {r['best_peer']} | {r['observed']:+.3f} | "
            f"[{r['low']:+.3f}, {r['high']:+.3f}] | {r['above_zero']:.0%} | {goal} |"
        )
    return "\n".join(lines)


def markdown_report(
    split: str,
    datasets: Table,
    page_types: Table,
    systems: Sequence[str],
    sure: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
    """The figures as Markdown tables (for benchmarks/README.md), and the margins' intervals where given."""
    rows = {**datasets, "mean": {s: mean_scores(r[s] for r in datasets.values()) for s in systems}}
    parts = [
        markdown_table(f"Shingle F1 ({split} split)", rows, "shingle_f1", systems),
        markdown_table(f"Word F1 ({split} split)", rows, "word_f1", systems),
    ]
    if page_types:
        for metric, name in (("shingle_f1", "shingle F1"), ("word_f1", "word F1")):
            title = f"{PAGE_TYPE_DATASET} by page type: {name}"
            parts.append(markdown_table(title, page_types, metric, systems))
    speed = [
        "**Speed** (extraction calls only, one process)",
        "",
        "| system | pages | seconds | pages/s | errors | timeouts |",
        "|---|---|---|---|---|---|",
    ]
    for name, t in rows["mean"].items():
        speed.append(f"| {name} | {t.pages} | {t.seconds:.1f} | {t.pages_per_second:.1f} | {t.errors} | {t.timeouts} |")
    parts.append("\n".join(speed))
    for key, what in MARGIN_TABLES:
        if sure and sure.get(key):
            title = f"**How sure** (blocksift - best peer over {what}; {margin.RESAMPLES:,} paired draws of pages)"
            parts.append(title + "\n\n" + markdown_margins(sure[key]))
    return "\n\n".join(parts) + "\n"


# The margins over the best peer: on the mean, and on these page types of wcxb (0 elsewhere).
MEAN_TARGET = 0.03
PAGE_TYPE_TARGETS = {"forum": 0.05, "product": 0.05, "collection": 0.05, "listing": 0.05}
# The margins' two tables (keys of ``margins``' records in the JSON) and what each covers, for the text and Markdown.
MARGIN_TABLES = (("datasets", "datasets and their mean"), ("page_types", f"{PAGE_TYPE_DATASET}'s page types"))


def page_figures(items: Sequence[PageInput], scored: dict[str, Scored]) -> margin.PageFigures:
    """One system's per-page figures on ``items``, for the bootstrap."""
    rows = [scored[item.page.key].score for item in items]
    return margin.PageFigures.of([(r.tp, r.fp, r.fn) for r in rows], [r.word_f1 for r in rows])


def margins(
    groups: dict[str, list[PageInput]], table: Table, results: Results, systems: Sequence[str], with_mean: bool
) -> list[dict[str, Any]]:
    """blocksift's margin over each row's best peer, with its paired bootstrap interval over pages (margin.py):
    how much of a lead would survive another draw of pages from the same datasets. Empty without blocksift and a
    peer."""
    if peers.BLOCKSIFT not in systems or len(systems) < 2 or not groups:
        return []
    draws = margin.draws_for({g: len(items) for g, items in groups.items()})
    figs = {s: {g: page_figures(items, results[s]) for g, items in groups.items()} for s in systems}
    rows = dict(table)
    if with_mean:
        rows["mean"] = {s: mean_scores(r[s] for r in table.values()) for s in systems}
    out = []
    for metric in ("shingle_f1", "word_f1"):
        for row in metric_rows(rows, metric, systems):
            assert row.best is not None  # there is a peer
            group = row.label.rsplit(" (", 1)[0]
            chosen = list(groups) if group == "mean" else [group]
            target = MEAN_TARGET if group == "mean" else PAGE_TYPE_TARGETS.get(group, 0.0)
            ours, theirs = ({g: figs[name][g] for g in chosen} for name in (peers.BLOCKSIFT, row.best))
            m = margin.margin(ours, theirs, metric, draws, target)
            out.append({"metric": metric, "row": row.label, "best_peer": row.best, "target": target, **asdict(m)})
    return out


def sureness_table(title: str, records: Sequence[dict[str, Any]]) -> str:
    """The margins as text: each row's margin, its 95% interval, and how often a draw keeps it above 0 (and above
    the issue's target where there is one)."""
    header = f"{'metric':<12}{'row':<26}{'best peer':<14}{'margin':>7}  {'95% interval':<18}  share of draws"
    lines = [title, header, "-" * (len(header) + 14)]
    for r in records:
        goal = f", >= {r['target']:+.2f} in {r['above_target']:.0%}" if r["target"] else ""
        interval = f"[{r['low']:+.3f}, {r['high']:+.3f}]"
        lines.append(
            f"{r['metric'].replace('_f1', ' F1'):<12}{r['row']:<26}{r['best_peer']:<14}{r['observed']:+7.3f}  "
            f"{interval:<18}  > 0 in {r['above_zero']:.0%}{goal}"
        )
    return "\n".join(lines)


def report(split: str, datasets: Table, page_types: Table, systems: Sequence[str], results: Results) -> str:
    """The whole printed report."""
    rows = {**datasets, "mean": {s: mean_scores(r[s] for r in datasets.values()) for s in systems}}
    parts = [
        metric_table(f"Shingle F1 ({split} split; * best peer)", rows, "shingle_f1", systems),
        metric_table(f"Word F1 ({split} split; * best peer)", rows, "word_f1", systems),
    ]
    if page_types:
        parts.append(metric_table(f"{PAGE_TYPE_DATASET} by page type: shingle F1", page_types, "shingle_f1", systems))
        parts.append(metric_table(f"{PAGE_TYPE_DATASET} by page type: word F1", page_types, "word_f1", systems))
    parts.append(speed_table(rows["mean"]))
    parts.append(failure_lines(results))
    return "\n\n".join(parts)


def figures(scores: Scores) -> dict[str, Any]:
    """A ``Scores`` as JSON, with pages per second."""
    data = asdict(scores)
    data["pages_per_second"] = scores.pages_per_second if scores.seconds > 0 else None
    return data


def json_report(
    args: argparse.Namespace,
    systems: Sequence[System],
    items: Sequence[PageInput],
    datasets: Table,
    page_types: Table,
    results: Results,
    sure: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """Every figure of the run: per system per dataset, their means, wcxb by page type, blocksift's margins over
    the best peers with their bootstrap intervals, per-page scores."""
    names = [s.name for s in systems]
    per_page = []
    for item in items:
        for name in names:
            outcome, score = results[name][item.page.key].outcome, results[name][item.page.key].score
            per_page.append(
                {
                    "page": item.page.key,
                    "system": name,
                    "page_type": item.page_type,
                    "tp": score.tp,
                    "fp": score.fp,
                    "fn": score.fn,
                    "word_f1": score.word_f1,
                    "seconds": outcome.seconds,
                    "error": outcome.error,
                    "cached": outcome.cached,
                }
            )
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "datasets_root": str(args.datasets_root),
            "datasets": list(datasets),
            "split": args.split,
            "limit": args.limit,
            "jobs": args.jobs,
            "timeout_s": args.timeout,
            "model": str(args.model) if args.model else None,
            "python": platform.python_version(),
            "decoder": peers.decoder()[0],
            "cpus": os.cpu_count(),
            "load_average_1_5_15_min_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "systems": {s.name: {"version": s.version, "setting": s.setting, "input": s.input} for s in systems},
        "datasets": {d: {n: figures(s) for n, s in row.items()} for d, row in datasets.items()},
        "mean": {n: figures(mean_scores(row[n] for row in datasets.values())) for n in names},
        "page_types": {t: {n: figures(s) for n, s in row.items()} for t, row in page_types.items()},
        "failures": {n: {k: r.outcome.error for k, r in results[n].items() if r.outcome.error} for n in names},
        "margins": sure,
        "pages": per_page,
    }


# --- command line -----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--datasets-root",
        type=Path,
        default=DEFAULT_DATASETS_ROOT,
        help="folder holding one sub-folder per dataset",
    )
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), metavar="NAME", help="datasets to run")
    parser.add_argument("--split", default="test", choices=["train", "test", "exclude", "all"])
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=peers.SYSTEM_NAMES,
        metavar="NAME",
        help=f"systems to run (default: all available of {', '.join(peers.SYSTEM_NAMES)})",
    )
    parser.add_argument("--model", type=Path, help="blocksift model file, passed as extract(model=load_model(PATH))")
    parser.add_argument("--limit", type=int, help="at most N pages per dataset (the first by id), for quick runs")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes running extraction calls")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds per extraction call; a call over it counts as empty output",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every figure to this JSON file")
    parser.add_argument("--markdown", type=Path, metavar="OUT", help="write the tables as Markdown to this file")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="folder caching peers' outputs")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the peers' cache")
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="recompute cached peer outputs that had failed or timed out",
    )
    parser.add_argument("--verbose", action="store_true", help="let the systems print their own warnings")
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Exit with a clear message where the datasets or the model cannot be found."""
    root = args.datasets_root
    if not root.is_dir():
        sys.exit(
            f"compare.py: datasets root {root} does not exist; pass --datasets-root DIR "
            "(the folder with dragnet/, cleaneval/, ... inside)"
        )
    missing = [d for d in args.datasets if not (root / d).is_dir()]
    if missing:
        sys.exit(f"compare.py: no dataset folder {', '.join(missing)} under {root}")
    if args.model is not None and not args.model.is_file():
        sys.exit(f"compare.py: model file {args.model} does not exist")
    if args.jobs < 1 or (args.limit is not None and args.limit < 1) or args.timeout <= 0:
        sys.exit("compare.py: --jobs and --limit must be at least 1 and --timeout positive")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and print (and optionally write) the figures."""
    args = parse_args(argv)
    check_args(args)
    model_path = str(args.model.resolve()) if args.model else None
    systems = available_systems(args.systems, model_path)
    if not systems:
        sys.exit("compare.py: no system can run here; run benchmarks/setup_env.sh and use .venv-bench/bin/python")
    items = load_pages(args.datasets_root, args.datasets, args.split, args.limit)
    if not items:
        sys.exit(f"compare.py: no pages in the {args.split} split of {', '.join(args.datasets)}")
    cache = TextCache(None if args.no_cache else args.cache)
    try:
        results = run_systems(
            systems,
            items,
            cache,
            jobs=args.jobs,
            timeout=args.timeout,
            model_path=model_path,
            retry_failed=args.retry_failed,
            quiet=not args.verbose,
        )
    except SetupError as exc:
        sys.exit(f"compare.py: a system could not start: {exc}")
    names = [s.name for s in systems]
    datasets = group_scores(by_dataset(items), results)
    page_types = group_scores(by_page_type(items), results)
    print("Systems: " + "; ".join(f"{s.name} {s.version} ({s.input})" for s in systems))
    print()
    print(report(args.split, datasets, page_types, names, results))
    sure = {
        "datasets": margins(by_dataset(items), datasets, results, names, with_mean=True),
        "page_types": margins(by_page_type(items), page_types, results, names, with_mean=False),
    }
    for key, what in MARGIN_TABLES:
        if sure[key]:
            print()
            title = f"How sure: blocksift - best peer over {what}, {margin.RESAMPLES:,} paired draws of pages"
            print(sureness_table(title, sure[key]))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = json_report(args, systems, items, datasets, page_types, results, sure)
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown_report(args.split, datasets, page_types, names, sure), encoding="utf-8")
        log(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
