"""The command line: thin typer commands over the library.

Exit codes, for every command: 0 when everything succeeded; 1 when some pages failed (each is reported on stderr and
the rest were processed); 2 when the command was misused (bad option, missing path, unusable model or dataset).
Results go to stdout or ``--output``; progress, warnings and errors go to stderr.
"""

from __future__ import annotations

import errno
import json
import math
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from blocksift import __version__
from blocksift.defaults import DEFAULT_BALANCE, EXTENSIONS, FORMATS, MAX_PAGE_BYTES, PAGE_TIMEOUT
from blocksift.errors import BlocksiftError
from blocksift.progress import NORMAL, QUIET, VERBOSE, Reporter, lazy_console

if TYPE_CHECKING:
    from rich.table import Table

    from blocksift.batch import Result, Source
    from blocksift.datasets import Page
    from blocksift.evaluate import Report

# Everything else is imported inside the command that needs it: `blocksift --help` must not pay for numpy, lxml
# and the model (issue 5: under 0.3 s).

app = typer.Typer(
    name="blocksift",
    help="Tell a web page's own content from its boilerplate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help imports rich's Markdown and pygments, which doubled `blocksift --help`.
    rich_markup_mode=None,
)
# markup=False: messages carry file names, page text and option values, and rich read "[bold]" or "[report]" in them
# as its markup and dropped it (`pip install 'blocksift[report]'` came out as `pip install 'blocksift'`). A message
# that wants a style says so with markup=True and escapes what it quotes.
err = lazy_console(stderr=True, highlight=False, soft_wrap=True, markup=False)  # an error is one line, for grep
out = lazy_console(highlight=False, soft_wrap=True, markup=False, width=None if sys.stdout.isatty() else 120)
# Messages on stderr at the level of the global --quiet / --verbose, which main_options sets on every invocation.
reporter = Reporter(err)

OK, PARTIAL, MISUSE = 0, 1, 2

DatasetDirs = Annotated[
    list[Path],
    typer.Argument(help="Dataset folders (html/, gold/, meta.jsonl) or folders of .html + .txt pairs."),
]
Jobs = Annotated[int, typer.Option("--jobs", "-j", help="Pages processed in parallel (-1: one per core).")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Recompute feature rows instead of using the row cache.")]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Model file, or 'shipped' for the shipped model (the default; ./shipped: a file)."
    ),
]


def fail(message: str, code: int = MISUSE) -> typer.Exit:
    """Report ``message`` on stderr and return the exit to raise; ``message`` is printed as it is, never read as
    markup (it quotes paths and values a user typed)."""
    from rich.markup import escape

    err.print(f"[red]blocksift:[/red] {escape(message)}", markup=True, highlight=False)
    return typer.Exit(code)


def _model_file(option: str | None) -> Path | None:
    """The model file an option names; None for the shipped model, which ``shipped`` names as ``train --from`` and the
    Python API take it (predict, evaluate and show said "no model file at shipped"). The word wins over a file of that
    name in the working directory, as it does for ``--from``: such a file is given as ``./shipped``."""
    from blocksift.modelfile import SHIPPED  # the name the Python API and load_model read too

    return None if option is None or option == SHIPPED else Path(option)


def _check_encoding(encoding: str | None) -> None:
    """Refuse an ``--encoding`` that names no character encoding before any work."""
    from blocksift.charset import named_codec

    if encoding is not None:
        try:
            named_codec(encoding)
        except ValueError as exc:
            raise fail(f"--encoding: {exc}") from None


def _check_jobs(jobs: int) -> None:
    """Refuse, before any page is read, a ``--jobs`` that names no number of processes: joblib stopped train,
    evaluate and label with a traceback for 0 after the command had started, and read -5 as "all cores but four"."""
    if jobs == 0 or jobs < -1:
        raise fail(f"--jobs must be a number of processes (1, 2, ...) or -1 for one per core, not {jobs}")


def _check_threshold(threshold: float | None) -> None:
    """Refuse a ``--threshold`` outside [0, 1] before any work, by the library's rule
    (``decide.checked_threshold``), as a misuse of the command."""
    from blocksift.decide import checked_threshold

    try:
        checked_threshold(threshold)
    except ValueError:
        raise fail(f"--threshold must lie between 0 and 1, not {threshold:g} (lower keeps more text)") from None


@contextmanager
def progress_bar(
    label: str, total: int, enabled: bool = True, names: list[str] | None = None
) -> Iterator[Callable[[int], None]]:
    """Progress on stderr at the chosen level (``blocksift.progress``); yields the function that advances it.

    ``names``: the item each advance finishes, in order, for the per-page lines of ``--verbose``.
    """
    with reporter.track(label, total, names=names, display=enabled) as tracker:
        yield tracker


def _pages(dirs: list[Path], splits: list[str] | None) -> list[Page]:
    from blocksift.datasets import load_datasets

    try:
        pages = load_datasets(dirs, splits=splits)
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    reporter.detail(f"{len(pages):,} pages in split(s) {', '.join(splits or ['any'])} of {len(dirs)} dataset(s)")
    if not pages:
        raise fail(
            f"no pages in split(s) {', '.join(splits or ['any'])} of {', '.join(map(str, dirs))}; " + _splits_held(dirs)
        )
    return pages


def _splits_held(dirs: list[Path]) -> str:
    """What to do where the splits asked for hold no page: the splits the datasets do hold, with their pages (a folder
    of pages and gold texts without meta.jsonl is all train, and evaluate asks for test by default)."""
    from collections import Counter

    from blocksift.datasets import load_datasets

    held = Counter(page.split for page in load_datasets(dirs, splits=None))
    if not held:
        return "the folders hold no labelled pages"
    listed = ", ".join(f"{split} ({n:,} page{'s' if n != 1 else ''})" for split, n in sorted(held.items()))
    return f"they hold {listed}: choose it with --split, or set the split field of each dataset's meta.jsonl"


def _cache(no_cache: bool) -> Path | None:
    """The row cache's directory, or None with ``--no-cache`` or where it cannot be written (a read-only home, a
    $BLOCKSIFT_CACHE that is not a directory): the cache only saves time, so the command goes on without it."""
    import tempfile

    from blocksift.table import default_cache_dir

    if no_cache:
        return None
    directory = default_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reporter.info(f"warning: the row cache {directory} cannot be written ({exc}); going on without it")
        return None
    return directory


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
        out.print(f"blocksift {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version and exit."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors (no progress, no summary).")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print a line per page, stages and timings on stderr.")
    ] = False,
) -> None:
    """Tell a web page's own content from its boilerplate."""
    if quiet and verbose:
        raise fail("--quiet and --verbose contradict each other; give one of them")
    reporter.level = QUIET if quiet else VERBOSE if verbose else NORMAL


# What the count columns hold (a page without gold fails but is not scored; one that cannot be read is scored empty).
_COLUMNS = (
    "pages: scored (an unreadable page as an empty extraction); failed: named on stderr; left out: failed and not "
    "scored (no gold, or a refused labels file)"
)


def report_table(report: Report, title: str) -> Table:
    """Per-dataset figures and their mean as a rich table."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", caption=_COLUMNS, caption_justify="left")
    columns = ("dataset", "pages", "failed", "left out", "precision", "recall", "shingle F1", "word F1", "block acc.")
    for col in columns:
        table.add_column(col, justify="left" if col == "dataset" else "right")
    for d in report.datasets:
        table.add_row(
            d.dataset,
            str(d.pages),
            str(d.failed),
            str(d.left_out),
            *(f"{v:.4f}" for v in (d.precision, d.recall, d.f1, d.word_f1, d.block_accuracy)),
        )
    m = report.mean
    table.add_row(
        "mean",
        "",
        "",
        "",
        *(f"{m[k]:.4f}" for k in ("precision", "recall", "f1", "word_f1", "block_accuracy")),
        style="bold",
    )
    return table


def _clip(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit} more characters]"


def show_worst(report: Report, n: int, floor: float) -> None:
    """For each dataset under ``floor``, the worst pages with the text kept and the gold text missed."""
    from rich.markup import escape

    from blocksift.evaluate import worst_pages
    from blocksift.metrics import shingles

    for d in report.datasets:
        if d.f1 >= floor:
            continue
        out.print(
            f"\n[bold]{escape(d.dataset)}[/bold]: shingle F1 {d.f1:.4f} is under {floor}; its {n} worst pages:",
            markup=True,
        )
        for r in worst_pages(d, n):
            c = r.counts
            gold = r.page.read_gold()
            kept = shingles(r.extracted)
            missed = [line for line in gold.splitlines() if line.strip() and not shingles(line) & kept]
            out.print(
                f"  {r.page.key}: F1 {c.f1:.3f} (tp {c.tp}, fp {c.fp}, fn {c.fn})"
                + (f" error: {r.error}" if r.error else "")
            )
            out.print(f"    kept:   {_clip(r.extracted)!r}")
            out.print(f"    missed: {_clip(' / '.join(missed))!r}")


@app.command()
def label(
    ctx: typer.Context,
    dirs: DatasetDirs,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the block table here (.parquet or .csv).")
    ] = None,
    split: Annotated[
        list[str] | None, typer.Option("--split", help="Splits to read (repeatable; default: all).")
    ] = None,
    report: Annotated[
        bool,
        typer.Option("--report", help="Print the oracle figure: the labelled blocks scored against the gold."),
    ] = False,
    worst: Annotated[
        int,
        typer.Option("--worst", help="With --report: show this many worst pages of each dataset under the floor."),
    ] = 0,
    floor: Annotated[float, typer.Option("--floor", help="With --worst: the shingle F1 a dataset must reach.")] = 0.95,
    jobs: Jobs = 1,
    no_cache: NoCache = False,
) -> None:
    """Label every block of labelled pages by aligning it with the gold text; write the table and/or the report."""
    from blocksift.evaluate import oracle_chooser, score
    from blocksift.outputs import atomic_write
    from blocksift.table import build_rows, to_frame

    if output is None and not report:
        raise fail("nothing to do: give --output FILE for the block table, --report for the oracle figure, or both")
    _check_report_options(ctx, report, {"worst": "--worst", "floor": "--floor"})
    if not 0 <= floor <= 1:
        raise fail(f"--floor is a shingle F1, from 0 to 1, not {floor:g}")
    _check_jobs(jobs)
    if output is not None and output.suffix.lower() not in (".parquet", ".csv"):
        raise fail(f"--output must end in .parquet or .csv, not {output.name!r}")
    pages = _pages(dirs, split)
    cache = _cache(no_cache)
    with progress_bar("labelling", len(pages), names=[p.key for p in pages]) as advance:
        rows = build_rows(pages, jobs=jobs, cache_dir=cache, progress=advance)
    failed = [r for r in rows if r.error is not None]
    for r in failed:
        reporter.error(f"{r.key}: {r.error}")
    if output is not None:
        frame = to_frame(pages, rows)
        with atomic_write(output, binary=True) as fh:
            if output.suffix.lower() == ".csv":
                frame.to_csv(fh, index=False)
            else:
                frame.to_parquet(fh, index=False)
        reporter.info(f"wrote {len(frame):,} blocks of {len(pages) - len(failed):,} pages to {output}")
    if report:
        result = score(pages, oracle_chooser, jobs=jobs, cache_dir=cache)
        out.print(report_table(result, "Oracle: the blocks labelled content, scored against the gold"))
        if worst:
            show_worst(result, worst, floor)
    raise typer.Exit(PARTIAL if failed else OK)


@app.command()
def train(
    ctx: typer.Context,
    dirs: DatasetDirs,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Model file to write (.npz); the card goes beside it.")],
    split: Annotated[list[str] | None, typer.Option("--split", help="Splits to train on (repeatable).")] = None,
    max_iter: Annotated[int, typer.Option(help="Boosting iterations of the final forest.")] = 150,
    max_leaf_nodes: Annotated[int, typer.Option(help="Leaves per tree of the final forest.")] = 127,
    context: Annotated[
        bool, typer.Option(help="Two stages: a first forest's scores of neighbours and containers.")
    ] = True,
    conventions: Annotated[
        bool,
        typer.Option(
            help="With pages of two datasets or more: a page classifier guesses which dataset's idea of content "
            "each page follows (from its profile and its raw markup), and both stages read its guess."
        ),
    ] = True,
    learning_rate: Annotated[float, typer.Option(help="Boosting learning rate.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the page split and the boosting.")] = 0,
    balance: Annotated[
        float, typer.Option(help="Dataset balance: 0 every page counts the same, 1 every dataset counts the same.")
    ] = DEFAULT_BALANCE,
    page_norm: Annotated[
        float,
        typer.Option(
            help="Page weights: a block's weight is divided by its page's total to this power (1: every page "
            "weighs the same, as the page-averaged metrics count pages; 0: long pages weigh more)."
        ),
    ] = 1.0,
    page_cut: Annotated[
        bool,
        typer.Option(
            help="Cut each page at half its best expected F1 (not below a floor chosen on held-out pages) where "
            "that scores better there than one fixed threshold."
        ),
    ] = True,
    refit: Annotated[
        bool,
        typer.Option(
            help="Once the threshold is chosen on the held-out pages, fit the final forest again on all pages, those "
            "too: a fifth more to learn from, for half as much fitting time again; it helps a few dozen pages (+0.005 "
            "F1 at 30), not hundreds (benchmarks/learning_curve.py), and leaves benchmarks/errors.py --held-out no "
            "unseen pages to read."
        ),
    ] = False,
    jobs: Jobs = 1,
    no_cache: NoCache = False,
    base: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Adapt this model (a file, or 'shipped') to the pages instead of training from scratch: its trees "
            "are kept and --rounds small trees fitted to the new pages are added.",
        ),
    ] = None,
    rounds: Annotated[int, typer.Option(help="With --from: trees added to the model.")] = 40,
) -> None:
    """Train a model on the train split of labelled datasets and save it with its card."""
    from blocksift.model import VERBOSE_INTERNALS
    from blocksift.training import train as train_model

    _check_model_out(out_path)
    _check_train_options(ctx, base)
    _check_jobs(jobs)
    pages = _pages(dirs, split or ["train"])
    if base is not None:
        _adapt(base, pages, out_path, rounds, learning_rate, seed, jobs, no_cache)
    params = {
        "max_iter": max_iter,
        "max_leaf_nodes": max_leaf_nodes,
        "learning_rate": learning_rate,
        "page_norm": page_norm,
        "page_cut": page_cut,
        "refit": refit,
        "context": context,
        "conventions": conventions,
        "random_state": seed,
        # the stages on stderr; scikit-learn's binning and iteration lines only with --verbose
        "verbose": VERBOSE_INTERNALS if reporter.level >= VERBOSE else int(reporter.level >= NORMAL),
    }
    try:
        with progress_bar("reading pages", len(pages), names=[p.key for p in pages]) as advance:
            clf, record = train_model(
                pages,
                params=params,
                balance=balance,
                jobs=jobs,
                cache_dir=_cache(no_cache),
                progress=advance,
                log=reporter.info,
            )
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    _save_and_exit(clf, out_path, record)


# The options of a model trained from scratch, which `--from` (adapting a model's trees) does not read.
_SCRATCH_OPTIONS = (
    "max_iter", "max_leaf_nodes", "context", "conventions", "balance", "page_norm", "page_cut", "refit",
)  # fmt: skip


def _given(ctx: typer.Context) -> set[str]:
    """The parameters given on the command line (not left at their defaults)."""
    # By the source's name: typer may carry its own copy of click, whose enum is not click's.
    return {name for name in ctx.params if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"}


def _check_report_options(ctx: typer.Context, report: object, needs_report: dict[str, str]) -> None:
    """Refuse an option that only a report reads when no report is asked for (``--peers`` was refused without
    ``--report``, but ``--worst-pages`` and ``label --worst`` were silently ignored), and a count below zero."""
    given = _given(ctx)
    for name, option in needs_report.items():
        if name in given and not report:
            raise fail(f"{option} goes with --report")
        value = ctx.params[name]
        if isinstance(value, int) and value < 0:
            raise fail(f"{option} is a number of pages, 0 or more, not {value}")


def _check_train_options(ctx: typer.Context, base: str | None) -> None:
    """Refuse, before any page is read, option values that training would fail on at its end, and options that the
    kind of training asked for does not use (they would be written into the card's "reproduce with" line)."""
    given = _given(ctx)
    unused = sorted(given & set(_SCRATCH_OPTIONS)) if base is not None else sorted(given & {"rounds"})
    if unused:
        names = ", ".join("--" + name.replace("_", "-") for name in unused)
        why = "--from adapts the base model's trees" if base is not None else "only --from reads it"
        raise fail(f"{names}: not used when training this way ({why}); leave them out")
    p = ctx.params
    limits = [
        ("--max-iter", p["max_iter"] >= 1, "at least 1"),
        ("--max-leaf-nodes", p["max_leaf_nodes"] >= 2, "at least 2"),
        ("--learning-rate", p["learning_rate"] > 0, "above 0"),
        ("--balance", 0 <= p["balance"] <= 1, "from 0 to 1"),
        ("--page-norm", 0 <= p["page_norm"] <= 1, "from 0 to 1"),
        ("--rounds", p["rounds"] >= 1, "at least 1"),
    ]
    for name, ok, wanted in limits:
        if not ok:
            value = p[name[2:].replace("-", "_")]
            raise fail(f"{name} must be {wanted} (got {value})")


def _check_model_out(out_path: Path) -> None:
    """Refuse, before any page is read, a model path that cannot be written: not a ``.npz`` (a typo would write the
    model over a page or a dataset's ``meta.jsonl``), a directory, or in a folder that cannot be made or written."""
    if out_path.is_dir():
        raise fail(f"--out {out_path} is a directory; give the model file's name, such as {out_path / 'model.npz'}")
    if out_path.suffix.lower() != ".npz":
        raise fail(f"--out {out_path}: a model file is a .npz (the card is written beside it)")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"--out {out_path}: cannot make its folder ({exc.strerror or exc})") from exc
    _check_writable(out_path)


def _check_writable(path: Path) -> None:
    """Refuse a file that cannot be written where ``path`` names it, by writing (and removing) a file beside it: a
    permission check said yes to root for /sys, a read-only mount or a full disk, and training then ran to its end
    before the save failed with a traceback."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".probe") as probe:
            probe.write(b"blocksift")
            probe.flush()
    except OSError as exc:
        raise fail(f"--out {path}: cannot write a file there ({exc.strerror or exc})") from exc


def _save_and_exit(model: Any, out_path: Path, record: dict[str, Any]) -> None:
    """Save a trained or adapted model with its card, print the card, and exit (1 when pages failed)."""
    from blocksift.modelfile import card_markdown, save_model

    record["command"] = "blocksift " + shlex.join(sys.argv[1:])
    try:
        card = save_model(model, out_path, record)
    except OSError as exc:  # the disk filled up, or the folder changed, while the model was trained
        raise fail(f"cannot write the model {out_path}: {exc.strerror or exc}", PARTIAL) from exc
    out.print(card_markdown(card))
    raise typer.Exit(PARTIAL if record["failed_pages"] else OK)


def _adapt(
    base: str, pages: list[Page], out_path: Path, rounds: int, learning_rate: float, seed: int, jobs: int,
    no_cache: bool,
) -> None:  # fmt: skip
    """``train --from``: the base model adapted to ``pages`` (``adapt.py``), saved with its card; always exits."""
    from blocksift.adapt import AdaptSettings
    from blocksift.modelfile import load_model
    from blocksift.training import adapt_model

    try:
        model = load_model(None if base == "default" else base)  # load_model reads "shipped" itself
        settings = AdaptSettings(rounds=rounds, learning_rate=learning_rate, random_state=seed)
        with progress_bar("reading pages", len(pages), names=[p.key for p in pages]) as advance:
            adapted, record = adapt_model(
                model, pages, settings=settings, jobs=jobs, cache_dir=_cache(no_cache), progress=advance,
                log=reporter.info,
            )  # fmt: skip
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    _save_and_exit(adapted, out_path, record)


def _write_results(
    results: Iterator[Result], fmt: str, output: Path | None, names: dict[str, Path], errors: IO[str] | None = None
) -> int:
    """Write each result where it belongs (``names``: the output file of each source); returns the failures.

    Each failure is reported on stderr, as a ``{source, error}`` record in json/jsonl on stdout, and as a JSON line
    in ``errors``; a page whose output file cannot be written fails.
    """
    from blocksift.outputs import atomic_write

    failed = 0
    collected: list[dict[str, Any]] = []
    for r in results:
        error = r.error
        if r.note is not None and error is None:
            reporter.info(f"{r.source.name}: {r.note}")
        if error is None and output is not None:
            target = names[r.source.name]
            try:
                with atomic_write(target) as fh:
                    fh.write(_serialise(r.output, fmt))
            except (OSError, ValueError) as exc:  # a full disk, a read-only folder; text no codec can write
                error = f"cannot write {target}: {getattr(exc, 'strerror', None) or exc}"
        if error is not None:
            failed += 1
            reporter.error(f"{r.source.name}: {error}")
            record = {"source": r.source.name, "error": error}
            if errors is not None:
                errors.write(json.dumps(record, ensure_ascii=False) + "\n")
                errors.flush()
            if fmt in ("json", "jsonl") and output is None:
                collected.append(record) if fmt == "json" else out.out(json.dumps(record, ensure_ascii=False))
            continue
        if output is not None:
            continue
        if fmt == "json":
            assert isinstance(r.output, dict)
            collected.append(r.output)
        else:
            sys.stdout.write(_serialise(r.output, fmt))
            sys.stdout.flush()
    if fmt == "json" and output is None:
        sys.stdout.write(json.dumps(collected, ensure_ascii=False, indent=2) + "\n")
    return failed


def _serialise(payload: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return json.dumps(payload, ensure_ascii=False) + "\n"
    if fmt == "blocks":
        return "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in payload)
    return str(payload)


@app.command()
def predict(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories (every .html/.htm/.html.gz/.htm.gz/.mhtml/.mht and .warc/.warc.gz inside), WARC "
            "files, or - "
            "for stdin."
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=f"Output format: {', '.join(FORMATS)} (default: text; jsonl for WARC input)."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write one file per page into this directory."),
    ] = None,
    model_option: ModelOption = None,
    jobs: Jobs = 1,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="One decision threshold in [0, 1] for every page instead of the model's per-page cut: lower keeps "
            "more text, higher less."
        ),
    ] = None,
    max_bytes: Annotated[int, typer.Option(help="Refuse pages larger than this many bytes.")] = MAX_PAGE_BYTES,
    timeout: Annotated[float, typer.Option(help="Seconds one page may take (0: no limit).")] = PAGE_TIMEOUT,
    max_memory: Annotated[
        int,
        typer.Option(
            "--max-memory",
            help="Megabytes of memory one page may take, in worker processes (a larger page fails; 0: no limit).",
        ),
    ] = 0,
    skip_existing: Annotated[
        bool, typer.Option("--skip-existing", help="With --output: leave out pages whose output file exists.")
    ] = False,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Also record each failed page here, as a JSON line {source, error}."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="Decode every page with this encoding (windows-1250, shift_jis...) instead of detecting it; a "
            "byte-order mark still wins, and a WARC record's HTTP charset is overridden."
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help="The page's address (one page only): its relative links resolve against it in markdown and html "
            "output (default: the canonical URL the page declares)."
        ),
    ] = None,
) -> None:
    """Extract the content of pages with a trained model."""
    model = _model_file(model_option)
    from blocksift.batch import expand, first_warc, memory_limit_supported, run
    from blocksift.modelfile import load_model
    from blocksift.warc import WarcStats

    warc_file = first_warc(p for p in paths if p != "-")
    warc_input = warc_file is not None
    fmt = fmt or ("jsonl" if warc_input else "text")
    if fmt not in FORMATS:
        raise fail(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _check_threshold(threshold)
    _check_encoding(encoding)
    _check_jobs(jobs)
    if paths.count("-") > 1:  # the second read of stdin found it empty and failed as an empty page
        raise fail("- (stdin) is given more than once; stdin holds one page, so give - once")
    if max_bytes < 1 or not timeout >= 0 or not math.isfinite(timeout) or max_memory < 0:
        raise fail("--max-bytes must be positive, --timeout (seconds) and --max-memory zero or positive")
    if skip_existing and output is None:
        raise fail("--skip-existing leaves out pages whose output file exists: it needs --output DIR")
    if max_memory and not memory_limit_supported():
        raise fail("--max-memory needs a system with RLIMIT_AS (Linux, BSD); leave it out here")
    if warc_file is not None:
        _check_warc_options(fmt, output, paths, warc_file)
    warc_stats = WarcStats()
    try:
        load_model(model)  # refuse a bad model before reading any page
        # WARC records stream (never all in memory): the count of pages is known at the end
        sources: Iterable[Source] = expand(paths, max_bytes=max_bytes, warc_stats=warc_stats)
        if not warc_input:
            sources = list(sources)
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    if not warc_input and not sources:
        raise fail(f"no .html, .htm or .html.gz files in {', '.join(paths)}; give page files or folders holding them")
    if isinstance(sources, list):
        sources = _once_each(sources)
    if url is not None:
        sources = _with_url(sources, url)
    if errors is not None:
        _check_side_file("--errors", errors, paths)
    names: dict[str, Path] = {}
    total = len(sources) if isinstance(sources, list) else 0
    if output is not None and isinstance(sources, list):
        _check_output_dir(output, paths)
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"cannot create the --output directory {output}: {exc.strerror or exc}") from exc
        names, sources = _output_plan(sources, output, EXTENSIONS[fmt], skip_existing, paths)
    results = run(
        sources,
        timeout=timeout or None,
        model_path=str(model) if model else None,
        fmt=fmt,
        threshold=threshold,
        jobs=jobs,
        max_bytes=max_bytes,
        max_memory=max_memory or None,
        encoding=encoding,
    )
    try:
        error_log = errors.open("w", encoding="utf-8") if errors is not None else None
    except OSError as exc:
        raise fail(f"cannot write --errors {errors}: {exc.strerror or exc}") from exc
    try:
        seen = [0]
        failed = _write_results(_tracked(_counted(results, seen), sources, output), fmt, output, names, error_log)
    except BrokenPipeError:
        raise
    except OSError as exc:  # stdout or the errors file on a full disk: the pages already written are complete
        raise fail(f"cannot write the output: {exc.strerror or exc}", PARTIAL) from exc
    finally:
        results.close()  # stops the worker processes at once on Ctrl-C or an error
        if error_log is not None:
            _close_quietly(error_log)
    skipped = total - len(sources) if isinstance(sources, list) else 0
    total = total or seen[0]
    if warc_stats.summary():
        err.print(f"blocksift: {warc_stats.summary()}", markup=False, soft_wrap=True)
    if total > 1 or failed:
        summary = f"{failed:,} of {total:,} pages failed, " if failed else f"{total:,} pages: "
        summary += f"{total - skipped - failed:,} done" + (f", {skipped:,} skipped (output exists)" if skipped else "")
        reporter.summary(f"blocksift: {summary}")
    raise typer.Exit(PARTIAL if failed else OK)


def _tracked(results: Iterator[Result], sources: object, output: Path | None) -> Iterator[Result]:
    """``results``, each counted on the progress display (and named in a ``--verbose`` line) as it arrives."""
    total = len(sources) if isinstance(sources, list) else None  # WARC records stream: their number is unknown
    # Results printed on a terminal are their own progress: a bar or progress lines would be drawn among them.
    display = (output is not None or not sys.stdout.isatty()) and total != 1
    with reporter.track("extracting", total, display=display, final=False) as tracker:
        for r in results:
            yield r
            tracker.advance(name=r.source.name, error=r.error)
    reporter.detail(tracker.summary())  # the summary that follows says what happened; --verbose adds how fast


def _check_warc_options(fmt: str, output: Path | None, paths: list[str], warc_file: Path) -> None:
    """WARC input holds many pages in one file: it is written as records to stdout, never one file per page. The
    messages name the WARC file, which may sit unseen in a folder of pages."""
    found = f"WARC input ({warc_file})"
    if fmt not in ("jsonl", "json", "blocks"):
        raise fail(f"{found} gives one record per page: use --format jsonl (its default), json or blocks, not {fmt}")
    if output is not None:
        raise fail(f"--output writes one file per page, which {found} does not have: redirect stdout instead")
    from blocksift.batch import missing_input

    for item in paths:
        if item != "-" and not Path(item).exists():
            raise fail(missing_input(item))


def _counted(results: Iterator[Result], seen: list[int]) -> Iterator[Result]:
    """``results``, counting them in ``seen[0]`` (a WARC batch knows its size only at the end)."""
    for r in results:
        seen[0] += 1
        yield r


def _once_each(sources: list[Source]) -> list[Source]:
    """``sources`` without a second reading of a file given twice (a folder and a page in it, or the same folder
    twice): each page is extracted, counted and written once, under the name it was first met by."""
    seen: set[Path] = set()
    unique: list[Source] = []
    for s in sources:
        key = s.path.resolve() if s.path is not None else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        unique.append(s)
    if len(unique) < len(sources):
        reporter.info(f"{len(sources) - len(unique)} pages given more than once are read once")
    return unique


# Pages that a side file (``--errors``, ``evaluate --json``) must not be written over, whatever their folder.
_PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".mhtml", ".mht", ".warc", ".warc.gz", ".npz")


def _with_url(sources: Iterable[Source], url: str) -> list[Source]:
    """The one page of ``sources`` with its address; refused where there are several pages (or a crawl's records,
    which carry their own) or the address is not an absolute http(s) URL."""
    import dataclasses
    from urllib.parse import urlsplit

    pages = sources if isinstance(sources, list) else []
    if len(pages) != 1:
        raise fail("--url is the address of one page: give one page file (or -), not several or a WARC file")
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise fail(f"--url must be an absolute http(s) address, such as https://example.com/news/page.html: {url!r}")
    return [dataclasses.replace(pages[0], url=url.strip())]


def _check_side_file(option: str, path: Path, inputs: Iterable[str]) -> None:
    """Refuse, before anything is written, a side file that names an input, a file inside an input folder, or a page
    or dataset file (``blocksift predict --errors pages/*.html`` made the first page the errors file, and emptied
    it). Every page read is named or inside a folder named, so the inputs as given are enough: no page's path is
    resolved (b07b41d had to keep this check from reading a WARC's records to look at theirs)."""
    if path == Path("-"):
        return
    target = path.resolve()
    folders = [Path(i).resolve() for i in inputs if i != "-" and Path(i).is_dir()]
    named = {Path(i).resolve() for i in inputs if i != "-"}
    if (
        target in named
        or any(f in target.parents for f in folders)
        or (target.exists() and target.name.lower().endswith(_PAGE_SUFFIXES))
    ):
        raise fail(f"{option} {path} would write over an input or a page; give a new file outside the inputs")


def _check_output_dir(output: Path, inputs: Iterable[str]) -> None:
    """Refuse, before it is made, an output directory that is an input directory or lies inside one: its other files
    (a dataset's gold texts beside its pages) would be written over, and `predict pages/ -o pages/out -f html` read
    its own outputs back as pages on the next run over pages/."""
    target = output.resolve()
    for item in inputs:
        folder = Path(item)
        if item == "-" or not folder.is_dir():
            continue
        if target == folder.resolve():
            raise fail(f"--output {output} is an input directory; write the outputs to another one")
        if _within(target, folder):
            raise fail(f"--output {output} is inside the input directory {item}; write the outputs outside it")


def _within(target: Path, folder: Path) -> bool:
    """Whether ``target`` is ``folder`` or lies inside it, links resolved (``out`` and ``./pages/../out`` alike)."""
    return target.resolve().is_relative_to(folder.resolve())


def _close_quietly(fh: IO[str]) -> None:
    """Close a side file; a failure to flush it (a full disk) is reported, not raised over the run's own result."""
    try:
        fh.close()
    except OSError as exc:
        reporter.error(f"cannot finish the errors file: {exc.strerror or exc}")


def _output_plan(
    sources: list[Source], output: Path, extension: str, skip_existing: bool, inputs: Iterable[str] = ()
) -> tuple[dict[str, Path], list[Source]]:
    """The output file of every source (in the folder it was found in below its directory; numbered where two pages
    would share a name), and the sources left to run. The output directory is not an input directory: its other
    files (a dataset's gold texts beside its pages) would be written over (``_check_output_dir``)."""
    from blocksift.outputs import output_name, remove_temporaries

    used: set[str] = set()
    names = {s.name: output / output_name(s.name, extension, used, s.folder) for s in sources}
    pages = {s.path.resolve() for s in sources if s.path is not None}
    clash = [name for name, path in names.items() if path.resolve() in pages]
    if clash:
        raise fail(f"the output for {clash[0]} would overwrite an input; choose another --output directory")
    removed = remove_temporaries(names.values())
    if removed:
        reporter.info(f"removed {removed} temporary files left by an interrupted run")
    todo = [s for s in sources if not (skip_existing and names[s.name].is_file())]  # a folder there is no output
    if len(todo) < len(sources):
        reporter.info(f"skipping {len(sources) - len(todo)} pages whose output exists (--skip-existing)")
    return names, todo


@app.command()
def evaluate(
    ctx: typer.Context,
    dirs: DatasetDirs,
    split: Annotated[list[str] | None, typer.Option("--split", help="Splits to score (repeatable).")] = None,
    model_option: ModelOption = None,
    threshold: Annotated[
        float | None, typer.Option(help="One decision threshold for every page (default: the model's per-page cut).")
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Also write the figures as JSON to this file (- for stdout)."),
    ] = None,
    jobs: Jobs = 1,
    no_cache: NoCache = False,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report", help="Write an HTML and Markdown report with plots into this folder."),
    ] = None,
    peers: Annotated[
        Path | None,
        typer.Option("--peers", help="With --report: other systems' figures (benchmarks/compare.py --json)."),
    ] = None,
    worst_pages: Annotated[
        int, typer.Option("--worst-pages", help="With --report: write show reports of this many worst pages.")
    ] = 10,
) -> None:
    """Score a model's extractions against the gold text: per dataset and the mean over datasets."""
    model = _model_file(model_option)
    from blocksift.evaluate import model_chooser, score
    from blocksift.modelfile import load_model
    from blocksift.outputs import atomic_write

    _check_report_options(ctx, report_dir, {"peers": "--peers", "worst_pages": "--worst-pages"})
    _check_threshold(threshold)
    _check_jobs(jobs)
    if json_out is not None:
        _check_side_file("--json", json_out, [str(d) for d in dirs])
    made_report_dir = _check_report_dir(report_dir, dirs) if report_dir is not None else False
    peer_figures = _peer_figures(peers)
    pages = _pages(dirs, split or ["test"])
    try:
        clf = load_model(model)
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    for dataset, splits in _learned_from(clf, pages).items():
        reporter.info(
            f"warning: the model was trained on split {', '.join(splits)} of a dataset named {dataset}: its figures "
            "there are on pages it learned from, not on new ones"
        )
    with progress_bar("scoring", len(pages), names=[p.key for p in pages]) as advance:
        report = score(pages, model_chooser(clf, threshold), jobs=jobs, cache_dir=_cache(no_cache), progress=advance)
    figures = json.dumps(report.as_dict(), indent=2)
    if json_out is not None and str(json_out) == "-":
        sys.stdout.write(figures + "\n")
    else:
        out.print(report_table(report, f"{model or 'shipped model'} on split {', '.join(split or ['test'])}"))
        if json_out is not None:
            with atomic_write(json_out) as fh:
                fh.write(figures + "\n")
    if report_dir is not None:
        try:
            _evaluation_report(report_dir, pages, clf, model, threshold, peer_figures, worst_pages, jobs, no_cache)
        except typer.Exit:
            if made_report_dir:
                _remove_if_empty(report_dir)
            raise
    failures = [r for d in report.datasets for r in d.results if r.error is not None]
    for r in failures:
        reporter.error(f"{r.page.key}: {r.error}")
    raise typer.Exit(PARTIAL if failures else OK)


def _check_report_dir(report_dir: Path, dirs: Iterable[Path]) -> bool:
    """Refuse, before any page is scored, a report without matplotlib, and a report folder that is a file, cannot be
    made, or is (or lies in) a dataset folder: `evaluate flat --report flat` wrote the report over a page named
    index.html. Returns whether the folder was made here, so that a report that fails does not leave it empty."""
    from blocksift.report import check_plotting

    try:
        check_plotting()
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    if report_dir.exists() and not report_dir.is_dir():
        raise fail(f"--report {report_dir} is a file; give a folder for the report")
    _check_outside_datasets("--report", report_dir, dirs)
    existed = report_dir.exists()
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"--report {report_dir}: cannot make the folder ({exc.strerror or exc})") from exc
    return not existed


def _check_outside_datasets(option: str, target: Path, dirs: Iterable[Path]) -> None:
    """Refuse an output that is, or lies inside, one of the dataset folders ``dirs``: a report or page written there
    would be read back as one of the dataset's pages (and its page counted as not labelled)."""
    for d in dirs:
        if _within(target, d):
            raise fail(f"{option} {target} is inside the dataset {d}; give a place outside the datasets")


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` where it holds nothing (made for an output that was never written)."""
    import contextlib

    with contextlib.suppress(OSError):
        folder.rmdir()


def _learned_from(clf: Any, pages: list[Page]) -> dict[str, list[str]]:
    """The datasets and splits among ``pages`` that the model's card says it was trained on (by the dataset's folder
    name and the split), so that figures on them are not taken for figures on new pages."""
    training = (getattr(clf, "card_", None) or {}).get("training") or {}
    # An adapted model (train --from) also learned what the models it was adapted from learned.
    sources = [training, *(training.get("learned_from") or [])]
    seen: dict[str, set[str]] = {}
    for source in sources:
        names, splits = set(source.get("datasets") or {}), source.get("splits")
        for p in pages:
            if p.dataset in names and (splits is None or p.split in splits):
                seen.setdefault(p.dataset, set()).add(p.split)
    return {name: sorted(found) for name, found in sorted(seen.items())}


def _peer_figures(path: Path | None) -> Any:
    """The peers' figures of a compare.py JSON file (None without one); a file that cannot be read is misuse."""
    if path is None:
        return None
    from blocksift.report import load_peers

    try:
        return load_peers(path)
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc


def _evaluation_report(
    report_dir: Path,
    pages: list[Page],
    clf: Any,
    model: Path | None,
    threshold: float | None,
    peers: Any,
    worst: int,
    jobs: int,
    no_cache: bool,
) -> None:
    """``evaluate --report``: plots, HTML, Markdown and the worst pages' show reports (rows from the row cache)."""
    from blocksift.report import evaluate_pages, write_report
    from blocksift.show import model_name
    from blocksift.table import build_rows

    rows = build_rows(pages, jobs=jobs, cache_dir=_cache(no_cache))
    evaluated = evaluate_pages(pages, rows, clf, threshold)
    splits = ", ".join(sorted({p.split for p in pages}))
    try:
        written = write_report(
            report_dir, evaluated, clf, peers=peers, worst=worst, model_label=model_name(clf, model),
            subtitle=f"split {splits}; {len(pages):,} pages", log=lambda m: err.print(f"report: {m}", markup=False),
        )  # fmt: skip
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    except OSError as exc:
        raise fail(f"cannot write the report into {report_dir}: {exc.strerror or exc}", PARTIAL) from exc
    err.print(f"wrote {written[0]} and {written[1]}", markup=False, soft_wrap=True)


@app.command()
def annotate(
    pages: Annotated[
        list[Path], typer.Argument(help="Page files (.html, .htm, their .gz, .mhtml, .mht) or folders of them.")
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Dataset folder; the labelling pages go into its annotate/ folder.")
    ],
    model_option: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="Model whose labels pre-fill the pages: a file, or 'shipped' (the default)."
        ),
    ] = None,
) -> None:
    """Write a labelling page per page (open it in a browser, fix the labels, save the labels file)."""
    model = _model_file(model_option)
    from blocksift.annotate import annotate_page, check_ids, write_index
    from blocksift.batch import NO_TEXT
    from blocksift.datasets import is_html_file
    from blocksift.modelfile import load_model

    files = [f for p in pages for f in (sorted(x for x in p.rglob("*") if is_html_file(x)) if p.is_dir() else [p])]
    missing = [p for p in files if not p.is_file()]
    if missing or not files:
        raise fail(f"no such page file: {missing[0]}" if missing else f"no pages in {', '.join(map(str, pages))}")
    try:
        check_ids(files)
        clf = load_model(model)
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    failed = 0
    for path in files:
        try:
            done = annotate_page(path, out_dir, clf, model_name=str(model) if model else None)
        except (BlocksiftError, OSError) as exc:
            failed += 1
            err.print(f"blocksift: {path}: {exc}", markup=False, soft_wrap=True)
            continue
        out.print(str(done.path), markup=False)
        if not done.n_blocks:  # its labelling page is empty: say why, as predict does for such a page
            err.print(f"  {done.id}: {NO_TEXT}: nothing to label", markup=False)
            continue
        err.print(f"  {done.id}: {done.n_content} of {done.n_blocks} blocks content ({done.prefill})", markup=False)
    index = write_index(out_dir)
    written = len(files) - failed
    noun = "labelling page" if written == 1 else "labelling pages"
    err.print(f"blocksift: {written} {noun}; open {index}", markup=False, soft_wrap=True)
    raise typer.Exit(PARTIAL if failed else OK)


@app.command("import-labels")
def import_labels(
    files: Annotated[list[Path], typer.Argument(help="Labels files saved by labelling pages (<id>.labels.json).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to add the pages to.")],
    split: Annotated[
        str, typer.Option(help="train, test, or auto: a known page keeps its split, a new one gets 1 in 5 test.")
    ] = "auto",
    page_type: Annotated[str | None, typer.Option("--page-type", help="Page type recorded in meta.jsonl.")] = None,
    lang: Annotated[
        str | None, typer.Option(help="Language code for meta.jsonl (default: the page's declared language).")
    ] = None,
    pages: Annotated[
        list[Path] | None, typer.Option("--pages", help="Where the pages are, if not where annotate saw them.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Overwrite a different page of the same id in the dataset, and a gold text that no import wrote.",
        ),
    ] = False,
) -> None:
    """Check labels files against their pages and add the pages to a dataset (html/, gold/, labels/, meta.jsonl)."""
    from blocksift.importer import AUTO_SPLIT, PAGE_TYPES, Options, read_labels_file
    from blocksift.importer import import_labels as import_one

    if split not in ("train", "test", AUTO_SPLIT):
        raise fail(f"--split must be train, test or {AUTO_SPLIT}, not {split!r}")
    if page_type is not None and page_type not in PAGE_TYPES:
        raise fail(f"--page-type must be one of {', '.join(PAGE_TYPES)}, not {page_type!r}")
    missing = [str(path) for path in files if not path.exists()]
    if missing:  # a misuse, as a missing page is for the other commands: nothing is imported
        raise fail(f"no such file: {', '.join(missing)}")
    options = Options(split=split, page_type=page_type, lang=lang, replace=replace)
    failed = 0
    for path in files:
        try:
            done = import_one(read_labels_file(path), out_dir, options, search=pages or ())
        except (BlocksiftError, OSError) as exc:
            failed += 1
            err.print(f"blocksift: {exc}", markup=False, soft_wrap=True)
            continue
        verb = "updated" if done.replaced else "added"
        out.print(f"{verb} {done.id} ({done.split}): {done.n_content} of {done.n_blocks} blocks content", markup=False)
    if len(files) > 1 or failed:
        done_count = f"{len(files) - failed} of {len(files)} labels files"
        err.print(f"blocksift: {done_count} imported into {out_dir}", markup=False)
    raise typer.Exit(PARTIAL if failed else OK)


@app.command()
def show(
    page: Annotated[Path, typer.Argument(help="The page: an .html, .htm, .html.gz or .mhtml file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The report to write (default: PAGE's name + .show.html, here)."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="The page's gold text: marks the blocks wrongly kept and wrongly dropped."),
    ] = None,
    model_option: ModelOption = None,
    threshold: Annotated[
        float | None, typer.Option(help="One decision threshold for every page (default: the model's per-page cut).")
    ] = None,
    url: Annotated[str, typer.Option(help="The page's URL for the header (default: the one it declares).")] = "",
    encoding: Annotated[
        str | None, typer.Option(help="Decode the page with this encoding instead of detecting it (as predict).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds the page may take (0: no limit), as predict.")] = PAGE_TIMEOUT,
) -> None:
    """Write a self-contained HTML report of one page: every block coloured by its label, and why."""
    model = _model_file(model_option)
    from blocksift.batch import output_note, time_limit
    from blocksift.datasets import read_html_file
    from blocksift.modelfile import load_model
    from blocksift.outputs import output_name
    from blocksift.page import WARC_NOT_A_PAGE
    from blocksift.show import build_view, model_name, write_report
    from blocksift.warc import is_warc

    _check_threshold(threshold)
    _check_encoding(encoding)
    if not timeout >= 0 or not math.isfinite(timeout):
        raise fail("--timeout must be zero or a positive number of seconds")
    for given in (page, gold):
        if given is not None and not given.is_file():
            raise fail(f"no such file: {given}")
    if is_warc(page):
        raise fail(_SHOW_TAKES_A_PAGE.format(page=page))
    target = output or Path(output_name(page.name, ".show.html", set()))
    if target.is_dir():
        raise fail(f"--output {target} is a directory; give the report's file name, such as {target / 'page.html'}")
    _check_outside_datasets("--output", target, filter(None, [_dataset_of(target.parent)]))
    if any(given is not None and target.resolve() == given.resolve() for given in (page, gold)):
        raise fail("the report would overwrite its page or gold text; choose another --output")
    try:
        clf = load_model(model)
    except BlocksiftError as exc:
        raise fail(str(exc)) from exc
    try:
        with time_limit(timeout or None):
            html = read_html_file(page, max_bytes=MAX_PAGE_BYTES)
            gold_text = gold.read_text(encoding="utf-8", errors="replace") if gold is not None else None
            view = build_view(
                html, source=page.name, model=clf, model_label=model_name(clf, model), threshold=threshold,
                gold=gold_text, url=url, encoding=encoding,
            )  # fmt: skip
    except (BlocksiftError, OSError) as exc:
        if WARC_NOT_A_PAGE in str(exc):  # named as a page: its hint (name it .warc) is predict's
            raise fail(_SHOW_TAKES_A_PAGE.format(page=page)) from exc
        raise fail(f"{page}: {exc}", PARTIAL) from exc
    try:
        write_report(view, target)
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}", PARTIAL) from exc
    note = output_note(view.extraction, encoding)
    if note is not None:
        reporter.info(f"{page}: {note}")
    n, kept = len(view.extraction.blocks), int(view.extraction.keep.sum())
    err.print(f"wrote {target} ({n:,} blocks, {kept:,} kept)", markup=False, soft_wrap=True)
    raise typer.Exit(OK)


# show reads one page; a crawl's many records are predict's (page.py's hint, to name the file .warc, is for predict).
_SHOW_TAKES_A_PAGE = (
    "{page} is a WARC file: show reports on one HTML or MHTML page; extract a crawl's records with "
    "`blocksift predict {page}`, or save one record's HTML as a page and show that"
)


def _dataset_of(folder: Path) -> Path | None:
    """The dataset whose pages ``folder`` holds, or None: a report written there would be read as one of its pages
    (`show samp/html/x.html -o samp/html/x.show.html` made evaluate, label and train fail on it as not labelled).
    A dataset's pages are in its html/ (beside gold/ or meta.jsonl), or in a folder with a meta.jsonl, or beside
    their gold texts (<id>.html with <id>.txt)."""
    from blocksift.datasets import is_html_file, page_id

    if not folder.is_dir():
        return None
    if folder.name == "html" and ((folder.parent / "gold").is_dir() or (folder.parent / "meta.jsonl").is_file()):
        return folder.parent
    if (folder / "meta.jsonl").is_file():
        return folder
    pairs = (p for p in folder.iterdir() if is_html_file(p) and (folder / f"{page_id(p)}.txt").is_file())
    return folder if next(pairs, None) is not None else None


def main() -> None:
    """Console-script entry point."""
    import signal

    from blocksift.heap import collect_less_often

    collect_less_often()  # this process is ours (heap.py)
    # A SIGTERM (a job scheduler's stop, `kill`) unwinds as Ctrl-C does, so that worker processes are stopped and
    # temporary files removed; by default it ended the parent alone, and its workers lived on.
    signal.signal(signal.SIGTERM, _stop)
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # here, not at the interpreter's exit, where a failure is a traceback-like notice
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRORS:
            raise
        raise SystemExit(_output_failed(exc)) from None


# What writing a command's results can fail with (stdout on a full disk or quota, a reader that went away): a state of
# the machine, said in one line, where a traceback would have suggested a bug.
_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE})


def _output_failed(exc: OSError) -> int:
    """Report a failure to write the output (nothing to say for a closed pipe: `blocksift ... | head` is done
    reading) and the exit code; stdout is pointed at /dev/null, since Python flushes it again at exit and would
    print that second failure."""
    import os
    from contextlib import suppress

    if exc.errno != errno.EPIPE:
        where = f" {exc.filename}" if exc.filename else ""
        reporter.error(f"cannot write the output{where}: {exc.strerror or exc}")
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return PARTIAL


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
