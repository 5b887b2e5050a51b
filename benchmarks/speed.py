"""Time blocksift beside lxml's bare parse and the peers, on the same real pages, one process per system.

Prints, per system: pages per second, median and 95th-percentile milliseconds per page, its median (and total)
as a multiple of lxml's parse of the same pages, and the peak memory (RSS high-water mark) of the process that
ran it; the batch path with 1 and 2 processes; where blocksift's time goes, stage by stage; and the wall time
of the command line's start-up. ``--json`` writes every figure, ``--markdown`` the tables. See
``benchmarks/README.md``.

Run it with the benchmark virtualenv (``benchmarks/setup_env.sh``)::

    .venv-bench/bin/python benchmarks/speed.py --limit 30

Each system runs in a fresh child process (this script again, with the hidden ``--child`` flag) that reads
every page into memory first, imports and warms up its system, and only then times the calls, so that
neither disk reads nor imports are timed and each peak RSS belongs to one system alone. The children run one
after another, and the whole sequence ``--rounds`` times (default 3): this machine's speed drifts by a third
from one minute to the next, so a system timed only once, a minute after another, can look a third faster or
slower than it is. Each page's time is the median of its rounds; the table is built from those, and a note gives
every round's own median multiple of lxml's parse, so that the spread is seen.

The parent process stays small on purpose: Linux carries a process's RSS high-water mark over a fork and exec
into the child's ``ru_maxrss``, so a parent that had imported blocksift (about 200 MB) would lend that peak to
every system. The pages are therefore listed by a child too (``--list-pages``, with ``blocksift.datasets`` and
``compare.py``'s defaults), and nothing heavy is imported at the top of this module. joblib's workers are
started by a child that holds blocksift and the pages, so their peak is read from ``/proc/<pid>/status``
(``VmHWM``, which starts afresh at exec) rather than from ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.metadata
import importlib.util
import itertools
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peers

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PAGE = REPO_ROOT / "datasets" / "sample" / "html" / "news-ferry-timetable.html"
CHILD_FLAG = "--child"
LIST_FLAG = "--list-pages"
EXIT_NO_DATASETS = 2
EXIT_SKIPPED = 3  # a child's system does not import here

LXML, BLOCKSIFT, BATCH, TRAFILATURA, READABILITY = "lxml", "blocksift", "batch", "trafilatura", "readability"
SYSTEMS = (LXML, BLOCKSIFT, BATCH, TRAFILATURA, READABILITY)
STAGES_CHILD = "stages"
STAGES = ("parse_html", "segment", "features", "predict_proba", "decide")
DEFAULT_JOBS = (1, 2)
DEFAULT_CLI_RUNS = 5
DEFAULT_ROUNDS = 3
# Batch warm-up pages per worker process: enough that every worker has started and loaded the model.
WARM_UP_PAGES_PER_JOB = 4
PROGRESS_EVERY_S = 30.0


def log(message: str) -> None:
    """Progress and notices go to stderr, so that stdout holds only the report."""
    print(f"[speed] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's RSS high-water mark in MB (ru_maxrss is in KB on Linux but in bytes on macOS)."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


# --- the child: one system, timed -------------------------------------------------------------------------


def read_page(path: str) -> bytes:
    """A page's bytes, gunzipped where needed; blocksift's own reader is not used because importing blocksift
    would add its memory to the peers' and lxml's peak RSS."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return Path(path).read_bytes()


def load_manifest(path: Path) -> list[tuple[str, bytes]]:
    """Every page of the manifest read into memory, so that no disk I/O is timed."""
    return [(key, read_page(str(html_path))) for key, html_path in manifest_files(path)]


def manifest_files(path: Path) -> list[tuple[str, Path]]:
    """The manifest's pages as (key, file) pairs."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return [(key, Path(html_path)) for key, html_path in manifest["pages"]]


def prepare_lxml() -> Callable[[bytes], object]:
    """lxml's parse of the raw bytes with the options of ``blocksift.page._PARSER`` (repeated here, since
    importing blocksift would inflate this child's memory): the floor any lxml-based extractor stands on."""
    from lxml import html

    parser = html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True, collect_ids=False
    )
    return lambda data: html.document_fromstring(data, parser=parser)


def prepare_blocksift() -> Callable[[bytes], object]:
    """``blocksift.extract`` with the shipped model loaded beforehand: its one-page-at-a-time cost in a process
    that has been extracting for a while. A process walks the trees in numpy until it has walked about a million
    (row, tree) pairs (a dozen pages), then loads the compiled walks (``forest.COMPILE_AFTER``); they are loaded
    here, as ``batch.warm_up`` loads them for the batch rows, so that the numpy pages and the load (half a second)
    are not counted as the first pages' cost."""
    import blocksift
    from blocksift.modelfile import default_model
    from blocksift.predictor import load_compiled

    default_model()
    load_compiled()
    return blocksift.extract


def prepare_trafilatura() -> Callable[[bytes], object]:
    """``trafilatura.extract`` called as compare.py calls it (``peers.run_trafilatura``)."""
    import trafilatura  # noqa: F401  (an ImportError here marks the peer as missing)

    return lambda data: peers.run_trafilatura(data, None)


def prepare_readability() -> Callable[[bytes], object]:
    """``readability.Document(html).summary()``: its article HTML (compare.py's text conversion not included)."""
    from readability import Document

    return lambda data: Document(data).summary()


PREPARERS: dict[str, Callable[[], Callable[[bytes], object]]] = {
    LXML: prepare_lxml,
    BLOCKSIFT: prepare_blocksift,
    TRAFILATURA: prepare_trafilatura,
    READABILITY: prepare_readability,
}


def time_calls(call: Callable[[bytes], object], pages: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
    """Seconds of each call, page by page; a call that raises counts its time and is listed as a failure, so
    that one bad page neither stops the run nor drops out of the totals."""
    seconds: list[float] = []
    errors: dict[str, str] = {}
    last_log = time.monotonic()
    for i, (key, data) in enumerate(pages, 1):
        start = time.perf_counter()
        try:
            call(data)
        except Exception as exc:
            errors[key] = f"{type(exc).__name__}: {exc}"[:300]
        seconds.append(time.perf_counter() - start)
        if time.monotonic() - last_log >= PROGRESS_EVERY_S:
            last_log = time.monotonic()
            log(f"  {i}/{len(pages)} pages")
    return {"seconds": seconds, "errors": errors, "per_page": True}


def time_batch(files: Sequence[tuple[str, Path]], jobs: int) -> dict[str, Any]:
    """``blocksift.batch.run`` over the pages' files with ``jobs`` processes, as ``blocksift predict DIR`` runs
    (each page read, and inflated where it is gzipped, by the process that extracts it; the files are in the
    operating system's cache after the first round): wall time from the first request to the last result. The
    gaps between results are per-page times only with one process; with more they measure throughput, not
    latency. A warm-up batch first starts the workers and loads their model (its time is kept apart, as the
    pool's start-up, and with it the load of the compiled walks). The process collects garbage as
    ``blocksift predict``'s does (``heap.collect_less_often``); the single-page row keeps Python's settings, as
    a caller's process would."""
    from blocksift import batch
    from blocksift.heap import collect_less_often
    from blocksift.predictor import load_compiled

    collect_less_often()
    # The compiled walks, loaded before the warm-up batch runs them, as the extract row has them: a batch in one
    # process would otherwise load them (half a second) after its first dozen pages, and with workers
    # ``batch.warm_up`` loads them before the pool forks.
    load_compiled()

    warm_up = [batch.Source(f"warm-up-{i}", data=peers.WARM_UP_HTML) for i in range(WARM_UP_PAGES_PER_JOB * jobs)]
    start = time.perf_counter()
    list(batch.run(warm_up, model_path=None, fmt="text", jobs=jobs))
    warm_up_s = time.perf_counter() - start
    sources = [batch.Source(key, path=path) for key, path in files]
    gaps: list[float] = []
    errors: dict[str, str] = {}
    last = time.perf_counter()
    for result in batch.run(sources, model_path=None, fmt="text", jobs=jobs):
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        if result.error is not None:
            errors[result.source.name] = result.error
    return {"seconds": gaps, "errors": errors, "per_page": jobs == 1, "warm_up_s": warm_up_s}


def children_peak_rss_mb() -> list[float] | None:
    """``VmHWM`` (MB) of each live child process, largest first; None off Linux. joblib keeps its workers alive
    between batches, and their ``ru_maxrss`` would include this process's peak at the time it started them."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    me = os.getpid()
    peaks: list[float] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            status = (entry / "status").read_text() if ppid == me else ""
        except (OSError, ValueError, IndexError):
            continue  # a process that ended meanwhile
        peaks.extend(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:"))
    return sorted(peaks, reverse=True)


def profile_stages(pages: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
    """Seconds of each stage of ``blocksift.extract_blocks`` per page, called the way it calls them, so that
    the sum is one extraction and each stage's share shows where the time goes. Pages whose parse fails are
    left out (and counted)."""
    import numpy as np

    from blocksift.blocks import segment
    from blocksift.decide import decide
    from blocksift.errors import BlocksiftError
    from blocksift.features import page_matrices
    from blocksift.markup import markup_signals
    from blocksift.modelfile import default_model
    from blocksift.page import parse_html
    from blocksift.predictor import load_compiled

    model = default_model()
    load_compiled()  # as the extract row has them

    def stages(data: bytes) -> list[float]:
        marks = [time.perf_counter()]
        doc = parse_html(data)
        marks.append(time.perf_counter())
        seg = segment(doc)
        marks.append(time.perf_counter())
        X, struct = page_matrices(seg)  # features and container structure in one pass, as extraction does
        tokens = np.array([b.n_tokens for b in seg.blocks])
        markup = None if model.conventions_ is None else markup_signals(data)  # the page classifier's signals
        marks.append(time.perf_counter())
        proba = model.predict_proba(X, tokens=tokens, structure=struct, markup=markup)[:, 1] if len(X) else np.zeros(0)
        marks.append(time.perf_counter())
        blocks = seg.blocks
        cuts = model.cuts(proba, tokens)
        keep = decide([b.text for b in blocks], [b.n_tokens for b in blocks], proba, cuts, [b.parent for b in blocks])
        "\n".join(b.text for b, k in zip(seg.blocks, keep, strict=True) if k)
        marks.append(time.perf_counter())
        return [b - a for a, b in itertools.pairwise(marks)]

    stages(peers.WARM_UP_HTML)
    times: dict[str, list[float]] = {name: [] for name in STAGES}
    errors: dict[str, str] = {}
    for key, data in pages:
        try:
            for name, seconds in zip(STAGES, stages(data), strict=True):
                times[name].append(seconds)
        except BlocksiftError as exc:
            errors[key] = f"{type(exc).__name__}: {exc}"[:300]
    return {"stages": times, "errors": errors}


def silence_systems() -> None:
    """Mute the peers' warnings and log lines: they would bury the parent's progress lines on stderr."""
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)


def child_main(argv: Sequence[str]) -> int:
    """One system in this process: read the pages, import and warm up the system, time it, write the figures
    (with this process's peak RSS) as JSON to ``--out``. Exits with EXIT_SKIPPED where the system is missing."""
    parser = argparse.ArgumentParser(prog="speed.py --child")
    parser.add_argument("system", choices=[*SYSTEMS, STAGES_CHILD])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    silence_systems()
    rss_start = peak_rss_mb()
    pages = load_manifest(args.manifest) if args.system != BATCH else []  # the batch reads the files
    rss_pages = peak_rss_mb()
    try:
        if args.system == STAGES_CHILD:
            result = profile_stages(pages)
        elif args.system == BATCH:
            result = time_batch(manifest_files(args.manifest), args.jobs)
            # the largest children are the workers; joblib also runs a small resource tracker
            workers = children_peak_rss_mb() if args.jobs > 1 else None
            result["workers_peak_rss_mb"] = workers[: args.jobs] if workers is not None else None
        else:
            call = PREPARERS[args.system]()
            with contextlib.suppress(Exception):  # the warm-up only loads things; real pages show any failure
                call(peers.WARM_UP_HTML)
            result = time_calls(call, pages)
    except ImportError as exc:
        print(f"{exc}", file=sys.stderr)
        return EXIT_SKIPPED
    result.update(peak_rss_mb=peak_rss_mb(), rss_at_start_mb=rss_start, rss_after_reading_pages_mb=rss_pages)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- the parent: pages, children, CLI timings ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One row of the speed table: a system (the batch path once per process count) and what to call it."""

    system: str
    label: str
    jobs: int = 1


def plan_runs(systems: Sequence[str], jobs: Sequence[int]) -> list[Run]:
    """The rows to measure, in the order asked for; the batch path once per ``--jobs`` value."""
    runs: list[Run] = []
    for name in systems:
        if name == BATCH:
            runs.extend(Run(BATCH, f"blocksift batch ({n} job{'s' if n > 1 else ''})", n) for n in jobs)
        else:
            runs.append(Run(name, {LXML: "lxml parse", BLOCKSIFT: "blocksift extract"}.get(name, name)))
    return runs


def system_version(system: str) -> str | None:
    """The installed version of a system, None where it is missing; read from the distributions' metadata, as
    compare.py finds the peers', since importing the systems here would raise every child's peak RSS."""
    if system in peers.PEERS:
        return peers.peer_version(peers.PEERS[system])
    dist = "lxml" if system == LXML else "blocksift"
    if importlib.util.find_spec(dist) is None:
        return None
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def run_child(system: str, manifest: Path, folder: Path, jobs: int = 1) -> dict[str, Any] | None:
    """Run one system in a fresh process and return its figures; None (with a message) where it could not."""
    out = folder / f"{system}-{jobs}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), CHILD_FLAG, system, "--manifest", str(manifest)]
    proc = subprocess.run([*cmd, "--out", str(out), "--jobs", str(jobs)], capture_output=True, text=True)
    if proc.returncode == EXIT_SKIPPED:
        log(f"skipping {system}: it does not import here ({proc.stderr.strip()})")
        return None
    if proc.returncode != 0 or not out.exists():
        log(f"skipping {system}: its process failed (exit code {proc.returncode}):\n{proc.stderr[-2000:]}")
        return None
    return dict(json.loads(out.read_text(encoding="utf-8")))


def time_command(cmd: Sequence[str], runs: int) -> dict[str, Any]:
    """Wall seconds of ``runs`` runs of a command (output discarded) and their median: start-up is what a user
    of the command line waits for on every call."""
    seconds: list[float] = []
    codes: set[int] = set()
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - start)
        codes.add(proc.returncode)
    return {"command": " ".join(cmd), "seconds": seconds, "median_s": statistics.median(seconds), "exit": sorted(codes)}


def blocksift_command() -> list[str]:
    """The ``blocksift`` console script of this Python's environment (the one the benchmark measures), else the
    one on PATH, else ``python -m blocksift``."""
    beside = Path(sys.executable).parent / "blocksift"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("blocksift")
    return [found] if found else [sys.executable, "-m", "blocksift"]


def time_cli(runs: int) -> dict[str, dict[str, Any]]:
    """Start-up of the command line: ``--help`` (imports only) and ``predict`` on one small page (imports, model
    load, one extraction), with the interpreter alone and ``import blocksift`` as the floors they stand on."""
    exe = blocksift_command()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import blocksift'": [sys.executable, "-c", "import blocksift"],
        "blocksift --help": [*exe, "--help"],
        f"blocksift predict {SAMPLE_PAGE.relative_to(REPO_ROOT)}": [*exe, "predict", str(SAMPLE_PAGE)],
    }
    results = {}
    for label, cmd in commands.items():
        log(f"timing `{label}` ({runs} runs)")
        results[label] = time_command(cmd, runs)
    return results


# --- figures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One row of the speed table."""

    label: str
    system: str
    version: str
    jobs: int
    pages: int
    failures: int
    total_s: float
    median_ms: float | None
    p95_ms: float | None
    peak_rss_mb: float
    workers_peak_rss_mb: list[float] | None
    startup_s: float | None = None
    median_x_lxml: float | None = None
    total_x_lxml: float | None = None

    @property
    def pages_per_second(self) -> float:
        """Pages per second of wall (batch) or summed call time (the others)."""
        return self.pages / self.total_s if self.total_s > 0 else float("nan")


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (inclusive method: it stays within the observed values)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def figures(run: Run, version: str, result: dict[str, Any]) -> Figures:
    """A child's raw seconds as a table row; per-page median and p95 only where the seconds are per page."""
    seconds = result["seconds"]
    per_page = bool(result["per_page"])
    return Figures(
        label=run.label,
        system=run.system,
        version=version,
        jobs=run.jobs,
        pages=len(seconds),
        failures=len(result["errors"]),
        total_s=sum(seconds),
        median_ms=statistics.median(seconds) * 1000 if per_page else None,
        p95_ms=p95(seconds) * 1000 if per_page else None,
        peak_rss_mb=result["peak_rss_mb"],
        workers_peak_rss_mb=result.get("workers_peak_rss_mb"),
        startup_s=result.get("warm_up_s"),
    )


def against_lxml(rows: Sequence[Figures]) -> list[Figures]:
    """Each row with its median and total as multiples of lxml's parse (left empty where lxml did not run)."""
    base = next((r for r in rows if r.system == LXML), None)
    if base is None or not base.median_ms or not base.total_s:
        return list(rows)
    out = []
    for r in rows:
        median_x = r.median_ms / base.median_ms if r.median_ms is not None else None
        out.append(replace(r, median_x_lxml=median_x, total_x_lxml=r.total_s / base.total_s))
    return out


def stage_rows(stages: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Per stage: median, p95 and mean ms per page and the share of the summed time, plus a row for all."""
    totals = {name: sum(values) for name, values in stages.items()}
    whole = sum(totals.values()) or 1.0
    per_page = [sum(parts) for parts in zip(*stages.values(), strict=True)]
    rows = []
    for name, values in [*stages.items(), ("all stages", per_page)]:
        if not values:
            continue
        total = sum(values)
        rows.append(
            {
                "stage": name,
                "median_ms": statistics.median(values) * 1000,
                "p95_ms": p95(values) * 1000,
                "mean_ms": total / len(values) * 1000,
                "share": total / whole,
            }
        )
    return rows


# --- reporting --------------------------------------------------------------------------------------------


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    """A number for a table cell; '-' where there is none."""
    return "-" if value is None else f"{value:{spec}}{suffix}"


def memory_cell(r: Figures) -> str:
    """Peak RSS; for the batch path with workers, the main process's plus each worker's."""
    return " + ".join(f"{mb:.0f}" for mb in [r.peak_rss_mb, *(r.workers_peak_rss_mb or [])])


SPEED_HEADER = ("system", "pages", "pages/s", "median ms", "p95 ms", "median x lxml", "total x lxml", "peak RSS MB")


def speed_cells(r: Figures) -> list[str]:
    """The cells of one speed-table row, in SPEED_HEADER's order."""
    return [
        f"{r.label} {r.version}".strip(),
        str(r.pages) + (f" ({r.failures} failed)" if r.failures else ""),
        f"{r.pages_per_second:.1f}",
        fmt(r.median_ms, ".1f"),
        fmt(r.p95_ms, ".1f"),
        fmt(r.median_x_lxml, ".1f", "x"),
        fmt(r.total_x_lxml, ".1f", "x"),
        memory_cell(r),
    ]


def scaling_lines(rows: Sequence[Figures]) -> list[str]:
    """Batch throughput with more processes as a multiple of one process's."""
    batch = {r.jobs: r for r in rows if r.system == BATCH}
    if 1 not in batch:
        return []
    one = batch[1].pages_per_second
    return [
        f"blocksift batch with {n} processes: {r.pages_per_second:.1f} pages/s = {r.pages_per_second / one:.2f}x "
        f"1 process (starting the workers and their model, not timed above: {r.startup_s or 0:.1f} s)"
        for n, r in sorted(batch.items())
        if n != 1
    ]


STAGE_HEADER = ("stage", "median ms", "p95 ms", "mean ms", "share of time")
CLI_HEADER = ("command", "median s", "runs (s)")


def stage_cells(row: dict[str, Any]) -> list[str]:
    """The cells of one stage-table row."""
    share = f"{row['share']:.0%}"
    return [row["stage"], f"{row['median_ms']:.1f}", f"{row['p95_ms']:.1f}", f"{row['mean_ms']:.1f}", share]


def cli_cells(label: str, timing: dict[str, Any]) -> list[str]:
    """The cells of one start-up row (a failing command says so)."""
    failed = "" if timing["exit"] == [0] else f" (exit {timing['exit']})"
    runs = " ".join(f"{s:.2f}" for s in timing["seconds"])
    return [label + failed, f"{timing['median_s']:.2f}", runs]


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return first.ljust(widths[0]) + "".join(f"  {c:>{w}}" for c, w in zip(rest, widths[1:], strict=True))

    return "\n".join([line(header), "-" * len(line(header)), *(line(r) for r in rows)])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same table in Markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(r) + " |" for r in rows)])


@dataclass(frozen=True)
class Report:
    """Everything measured in one run."""

    setting: str
    rows: list[Figures]
    stages: list[dict[str, Any]]
    stage_pages: int
    cli: dict[str, dict[str, Any]]
    notes: list[str]


Section = tuple[str, Sequence[str], list[list[str]], list[str]]  # title, header, rows, lines after the table


def sections(report: Report) -> list[Section]:
    """The report's tables, shared by the text and Markdown forms."""
    parts: list[Section] = []
    if report.rows:
        title = "Speed (one process per system; median and p95 per page; multiples of lxml's parse)"
        parts.append((title, SPEED_HEADER, [speed_cells(r) for r in report.rows], scaling_lines(report.rows)))
    if report.stages:
        title = f"Where blocksift's time goes (per page, {report.stage_pages} pages)"
        parts.append((title, STAGE_HEADER, [stage_cells(r) for r in report.stages], []))
    if report.cli:
        title = "Command-line start-up (wall time)"
        parts.append((title, CLI_HEADER, [cli_cells(k, v) for k, v in report.cli.items()], []))
    return parts


def text_report(report: Report) -> str:
    """The printed report."""
    blocks = [report.setting]
    for title, header, rows, after in sections(report):
        blocks.append("\n".join([title, text_table(header, rows), *after]))
    blocks.extend(report.notes)
    return "\n\n".join(blocks)


def markdown_report(report: Report) -> str:
    """The report as Markdown (for benchmarks/README.md)."""
    blocks = [report.setting]
    for title, header, rows, after in sections(report):
        blocks.append("\n".join([f"**{title}**", "", markdown_table(header, rows), *([""] if after else []), *after]))
    blocks.extend(report.notes)
    return "\n\n".join(blocks) + "\n"


def mb_range(values: Sequence[float]) -> str:
    """'21 MB', or '21-24 MB' where the processes differ."""
    low, high = f"{min(values):.0f}", f"{max(values):.0f}"
    return f"{low} MB" if low == high else f"{low}-{high} MB"


def notes(results: dict[str, dict[str, Any]]) -> list[str]:
    """The failures, and the RSS each child had after reading the pages (the part of every peak that is the
    interpreter and the page bytes, not the system)."""
    lines = []
    for label, result in results.items():
        for key, error in list(result["errors"].items())[:5]:
            lines.append(f"{label} failed on {key}: {error}")
    floors = [r["rss_after_reading_pages_mb"] for r in results.values()]
    starts = [r["rss_at_start_mb"] for r in results.values()]
    if floors:
        lines.append(
            f"Peak RSS is each system's own process (started at {mb_range(starts)}): it includes the interpreter "
            f"and the pages held in memory, {mb_range(floors)} before the system was imported. Batch with "
            "workers: main process + each worker (VmHWM)."
        )
    return lines


# --- command line -----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line. The defaults of ``--datasets-root`` and ``--datasets`` are compare.py's, filled in by
    the ``--list-pages`` child, since importing compare.py here would import all of blocksift."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets-root", type=Path, help="folder with one sub-folder per dataset (default: ../shared/datasets)"
    )
    parser.add_argument("--datasets", nargs="+", metavar="NAME", help="datasets to time on (default: compare.py's)")
    parser.add_argument("--limit", type=int, help="at most N test pages per dataset, the first by id (default: all)")
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=SYSTEMS,
        default=list(SYSTEMS),
        metavar="NAME",
        help=f"systems to time, of {' '.join(SYSTEMS)} (default: all)",
    )
    parser.add_argument(
        "--jobs",
        nargs="+",
        type=int,
        default=list(DEFAULT_JOBS),
        metavar="N",
        help=f"process counts for the batch path (default: {' '.join(map(str, DEFAULT_JOBS))})",
    )
    parser.add_argument(
        "--cli-runs",
        type=int,
        default=DEFAULT_CLI_RUNS,
        help=f"runs of each start-up command (default: {DEFAULT_CLI_RUNS})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"times every system is run, in turn (default: {DEFAULT_ROUNDS}); each page counts its median time",
    )
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage profile of blocksift")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line start-up timings")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every figure to this JSON file")
    parser.add_argument("--markdown", type=Path, metavar="OUT", help="write the tables as Markdown to this file")
    args = parser.parse_args(argv)
    if (args.limit is not None and args.limit < 1) or min(args.jobs) < 1 or min(args.cli_runs, args.rounds) < 1:
        parser.error("--limit, --jobs, --cli-runs and --rounds must be at least 1")
    return args


def list_main(out: Path, argv: Sequence[str]) -> int:
    """The ``--list-pages`` child: resolve the datasets (compare.py's defaults), check they are there, and write
    the manifest: at most ``--limit`` test pages of each (the first by id), as ``[key, html path]`` pairs. Exits
    with EXIT_NO_DATASETS and a clear message where the datasets are missing: there is nothing to time."""
    from blocksift.datasets import load_datasets
    from compare import DATASETS, DEFAULT_DATASETS_ROOT

    args = parse_args(argv)
    root: Path = args.datasets_root or DEFAULT_DATASETS_ROOT
    datasets: list[str] = args.datasets or list(DATASETS)
    if not root.is_dir():
        print(
            f"speed.py: datasets root {root} does not exist, so there are no pages to time; skipping. Pass "
            "--datasets-root DIR (the folder with dragnet/, cleaneval/, ... inside).",
            file=sys.stderr,
        )
        return EXIT_NO_DATASETS
    missing = [d for d in datasets if not (root / d).is_dir()]
    if missing:
        print(f"speed.py: no dataset folder {', '.join(missing)} under {root}; skipping", file=sys.stderr)
        return EXIT_NO_DATASETS
    pages = []
    for name in datasets:
        test = load_datasets([root / name], splits=["test"])
        pages.extend(test[: args.limit] if args.limit is not None else test)
    manifest = {
        "root": str(root),
        "datasets": datasets,
        "html_bytes": sum(len(p.read_html()) for p in pages),
        "pages": [[p.key, str(p.html_path)] for p in pages],
    }
    out.write_text(json.dumps(manifest), encoding="utf-8")
    return 0


def list_pages(argv: Sequence[str], folder: Path) -> tuple[Path, dict[str, Any]] | int:
    """The manifest written by the ``--list-pages`` child, and its path; the child's exit status where it
    failed (it has said why)."""
    path = folder / "pages.json"
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), LIST_FLAG, str(path), *argv])
    if proc.returncode != 0:
        return proc.returncode
    return path, dict(json.loads(path.read_text(encoding="utf-8")))


def measure(
    runs: Sequence[Run], manifest: Path, folder: Path, rounds: int = 1
) -> tuple[list[Figures], dict[str, dict[str, Any]], list[str]]:
    """Each run in its own child process, one after another, the whole sequence ``rounds`` times; systems that
    are missing are skipped. Returns the rows (from each page's median over the rounds), the merged raw results
    and a note with every round's median multiple of lxml's parse."""
    versions = {run.label: system_version(run.system) for run in runs}
    for run in runs:
        if versions[run.label] is None:
            log(f"skipping {run.label}: not installed (run benchmarks/setup_env.sh, use .venv-bench/bin/python)")
    present = [run for run in runs if versions[run.label] is not None]
    results: dict[str, list[dict[str, Any]]] = {run.label: [] for run in present}
    per_round: list[list[Figures]] = []
    for k in range(1, rounds + 1):
        row_of_round = []
        for run in present:
            log(f"timing {run.label}" + (f" (round {k} of {rounds})" if rounds > 1 else ""))
            result = run_child(run.system, manifest, folder, run.jobs)
            if result is not None:
                results[run.label].append(result)
                row_of_round.append(figures(run, str(versions[run.label]), result))
        per_round.append(against_lxml(row_of_round))
    raw = {label: merge_rounds(found) for label, found in results.items() if found}
    rows = [figures(run, str(versions[run.label]), raw[run.label]) for run in present if run.label in raw]
    return against_lxml(rows), raw, round_notes(per_round) if rounds > 1 else []


def merge_rounds(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One child's result from its rounds: each page's (or batch's) median seconds, the highest peaks, every
    error; the seconds of each round are kept under ``rounds``."""
    if len(results) == 1:
        return dict(results[0])
    merged = dict(results[-1])
    merged["seconds"] = [statistics.median(times) for times in zip(*(r["seconds"] for r in results), strict=True)]
    merged["rounds"] = [r["seconds"] for r in results]
    merged["errors"] = {k: v for r in results for k, v in r["errors"].items()}
    merged["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    if all(r.get("warm_up_s") is not None for r in results):
        merged["warm_up_s"] = statistics.median(r["warm_up_s"] for r in results)
    return merged


def round_notes(per_round: Sequence[Sequence[Figures]]) -> list[str]:
    """A line per system with each round's median as a multiple of lxml's parse in that round."""
    labels = [r.label for r in per_round[0] if r.median_x_lxml is not None and r.system != LXML]
    lines = []
    for label in labels:
        values = [r.median_x_lxml for rows in per_round for r in rows if r.label == label]
        lines.append(f"{label}: median x lxml per round " + ", ".join(f"{v:.1f}x" for v in values if v is not None))
    return lines


def setting_line(manifest: dict[str, Any], limit: int | None, load_start: float) -> str:
    """What was timed, where: pages, datasets, Python, CPUs and the machine's load (other work slows it)."""
    per = f"at most {limit} per dataset" if limit else "all"
    return (
        f"{len(manifest['pages'])} test pages ({per}) of {', '.join(manifest['datasets'])}; "
        f"{manifest['html_bytes'] / 1e6:.1f} MB of HTML; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )


def json_report(args: argparse.Namespace, manifest: dict[str, Any], report: Report, raw: dict[str, Any]) -> Any:
    """Every figure of the run, with each system's seconds per page (in the order of ``pages``)."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "datasets_root": manifest["root"],
            "datasets": manifest["datasets"],
            "limit": args.limit,
            "jobs": args.jobs,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "setting": report.setting,
        },
        "systems": [{**asdict(r), "pages_per_second": r.pages_per_second} for r in report.rows],
        "stages": report.stages,
        "cli": report.cli,
        "pages": [key for key, _ in manifest["pages"]],
        "raw": raw,
    }


def write_outputs(args: argparse.Namespace, manifest: dict[str, Any], report: Report, raw: dict[str, Any]) -> None:
    """The ``--json`` and ``--markdown`` files, where asked for."""
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = json_report(args, manifest, report, raw)
        args.json.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown_report(report), encoding="utf-8")
        log(f"wrote {args.markdown}")


def main(argv: Sequence[str] | None = None) -> int:
    """Time every system, print the tables, and write them where asked."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [CHILD_FLAG]:
        return child_main(argv[1:])
    if argv[:1] == [LIST_FLAG] and len(argv) > 1:
        return list_main(Path(argv[1]), argv[2:])
    args = parse_args(argv)
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="blocksift-speed-") as tmp:
        folder = Path(tmp)
        listed = list_pages(argv, folder)
        if isinstance(listed, int):
            return listed
        path, manifest = listed
        if not manifest["pages"]:
            sys.exit(f"speed.py: no test pages in {', '.join(manifest['datasets'])}")
        log(f"{len(manifest['pages'])} pages; load average {load_start:.2f}")
        rows, raw, spread = measure(plan_runs(args.systems, args.jobs), path, folder, args.rounds)
        stages = None if args.no_stages else run_child(STAGES_CHILD, path, folder)
    if stages:
        raw["stages"] = stages
    cli = {} if args.no_cli else time_cli(args.cli_runs)
    report = Report(
        setting=setting_line(manifest, args.limit, load_start),
        rows=rows,
        stages=stage_rows(stages["stages"]) if stages else [],
        stage_pages=len(stages["stages"][STAGES[0]]) if stages else 0,
        cli=cli,
        notes=spread + notes(raw),
    )
    print(text_report(report))
    write_outputs(args, manifest, report, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
