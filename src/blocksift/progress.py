"""Progress and messages on stderr, at the level the user asked for.

Three levels. ``QUIET`` (``--quiet``): errors only, so a script sees nothing on stderr unless something went wrong.
``NORMAL``: a progress display, stage messages and the final summary. ``VERBOSE`` (``--verbose``): also one line per
page (its name, its position and the time elapsed) and timings.

The progress display is a rich bar with the count, rate and time left when stderr is a terminal. Elsewhere (a log
file, a pipe, CI) it is a plain line every ``PLAIN_INTERVAL`` seconds and one at the end, so that the log of a batch
of a million pages stays a few hundred lines long instead of a million.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn

# rich.progress is imported when a bar is drawn, not with this module: the CLI imports it for every command,
# `blocksift --help` included, which should answer without rich's progress machinery.

QUIET, NORMAL, VERBOSE = 0, 1, 2


def lazy_console(**options: Any) -> Console:
    """A rich Console made on first use (importing rich.console costs a twentieth of a second that `--help` and
    most quick commands never need)."""
    return cast("Console", _LazyConsole(options))


class _LazyConsole:
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._console: Any = None

    def resolve(self) -> Console:
        """The Console itself (made now if it was not yet), for code that needs the real object (rich's Live)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return cast("Console", self._console)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)


def real_console(console: Console) -> Console:
    """``console`` itself, or the Console behind a ``lazy_console``."""
    return console.resolve() if isinstance(console, _LazyConsole) else console


# Seconds between two plain progress lines: often enough to see a batch move, rare enough to keep logs short.
PLAIN_INTERVAL = 10.0

Clock = Callable[[], float]


def duration(seconds: float) -> str:
    """A short human duration: "0.4 s", "41 s", "12 min 05 s", "3 h 07 min"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


@lru_cache(maxsize=1)
def _rate_column_class() -> type[ProgressColumn]:
    """A progress column of items per second, from rich's smoothed speed (a class made on first use)."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def __init__(self, unit: str) -> None:
            super().__init__()
            self.unit = unit

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.1f} {self.unit}/s" if speed else f"- {self.unit}/s", style="progress.data.speed")

    return RateColumn


def _rate_column(unit: str) -> ProgressColumn:
    column: ProgressColumn = _rate_column_class()(unit)  # type: ignore[arg-type]
    return column


class Tracker:
    """Counts finished items of one stage and shows it: a rich bar, plain lines, or nothing.

    A tracker is also a ``Callable[[int], None]``, the progress callback the library's loops take. It stops its
    bar by itself when the count reaches the total, so that what the stage prints next (training messages) is not
    drawn over.
    """

    def __init__(
        self,
        reporter: Reporter,
        label: str,
        total: int | None,
        *,
        names: Sequence[str] | None = None,
        unit: str = "pages",
        display: bool = True,
        final: bool = True,
    ) -> None:
        self.reporter = reporter
        self.label = label
        self.total = total
        self.names = names
        self.unit = unit
        self.final = final
        self.count = 0
        self.failed = 0
        self.start = reporter.clock()
        self.last_line = self.start
        self.bar: Progress | None = None
        self.task: Any = None
        self.plain = False
        self.closed = False
        if display and reporter.level >= NORMAL and total != 0:
            if reporter.console.is_terminal:
                self.bar = self._start_bar()
            else:
                self.plain = True

    def _start_bar(self) -> Progress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn(self.label),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            _rate_column(self.unit),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        # Never redirect stdout: results are written there, and rich would send them to stderr with the bar.
        bar = Progress(
            *columns,
            console=real_console(self.reporter.console),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        bar.start()
        self.task = bar.add_task(self.label, total=self.total)
        return bar

    @property
    def elapsed(self) -> float:
        """Seconds since the tracker started."""
        return self.reporter.clock() - self.start

    def rate(self) -> float:
        """Items per second so far."""
        return self.count / self.elapsed if self.elapsed > 0 else 0.0

    def __call__(self, n: int = 1) -> None:
        self.advance(n)

    def advance(self, n: int = 1, name: str | None = None, error: str | None = None) -> None:
        """Record ``n`` finished items; ``name`` (or the next of ``names``) is the item for the verbose line."""
        before = self.count
        self.count += n
        if error is not None:
            self.failed += 1
        if self.reporter.level >= VERBOSE:
            if name is None and self.names is not None and before < len(self.names):
                name = self.names[before]
            of = f"{self.total:,}" if self.total else "?"
            self.reporter.detail(
                f"[{self.count:,}/{of} {duration(self.elapsed)}] {name or self.label}"
                + (f": failed: {error}" if error else "")
            )
        if self.bar is not None:
            self.bar.advance(self.task, n)
        elif self.plain:
            now = self.reporter.clock()
            if now - self.last_line >= self.reporter.interval and not self.done:
                self.last_line = now
                self.reporter.info(self.status())
        if self.done:
            self.close()

    @property
    def done(self) -> bool:
        """True once the count reaches a known total."""
        return self.total is not None and self.count >= self.total

    def status(self) -> str:
        """A plain progress line: count of total, share, rate and time left."""
        rate = self.rate()
        if not self.total:  # a stream of unknown length (WARC records)
            return f"{self.label}: {self.count:,} {self.unit}, {rate:,.1f} {self.unit}/s"
        left = (self.total - self.count) / rate if rate > 0 else None
        share = self.count / self.total
        return (
            f"{self.label}: {self.count:,}/{self.total:,} {self.unit} ({share:.0%}), {rate:,.1f} {self.unit}/s, "
            f"ETA {duration(left) if left is not None else 'unknown'}"
        )

    def summary(self) -> str:
        """The closing line: how many items, how long, how fast."""
        rate = f"{self.rate():,.1f} {self.unit}/s"
        return f"{self.label}: {self.count:,} {self.unit} in {duration(self.elapsed)} ({rate})"

    def close(self) -> None:
        """Stop the display and print the closing line (once)."""
        if self.closed:
            return
        self.closed = True
        shown = self.bar is not None or self.plain
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        self.plain = False
        if self.final and shown:
            self.reporter.info(self.summary())


class Reporter:
    """Where the CLI's messages go (a stderr console) and how many of them: ``QUIET``, ``NORMAL`` or ``VERBOSE``."""

    def __init__(
        self, console: Console, level: int = NORMAL, clock: Clock = time.monotonic, interval: float = PLAIN_INTERVAL
    ) -> None:
        self.console = console
        self.level = level
        self.clock = clock
        self.interval = interval

    def _print(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False, soft_wrap=True)

    def error(self, message: str) -> None:
        """An error: shown at every level."""
        self._print(f"blocksift: {message}")

    def info(self, message: str) -> None:
        """Progress, stage messages and summaries: not with ``--quiet``."""
        if self.level >= NORMAL:
            self._print(message)

    def summary(self, message: str) -> None:
        """The closing summary of a command: not with ``--quiet`` (the exit code says how it went)."""
        self.info(message)

    def detail(self, message: str) -> None:
        """Per-page lines and timings: only with ``--verbose``."""
        if self.level >= VERBOSE:
            self._print(message)

    @contextmanager
    def timed(self, what: str) -> Iterator[None]:
        """Report how long ``what`` took (``--verbose``)."""
        start = self.clock()
        yield
        self.detail(f"{what} in {duration(self.clock() - start)}")

    @contextmanager
    def track(
        self,
        label: str,
        total: int | None,
        *,
        names: Sequence[str] | None = None,
        unit: str = "pages",
        display: bool = True,
        final: bool = True,
    ) -> Iterator[Tracker]:
        """A tracker of ``total`` items (None: not known beforehand) for the block; ``display=False`` keeps only the
        verbose per-item lines; ``final=False`` leaves out the closing line (the caller prints its own summary)."""
        tracker = Tracker(self, label, total, names=names, unit=unit, display=display, final=final)
        try:
            yield tracker
        except BaseException:
            tracker.final = False  # stopped early (an error, Ctrl-C): clear the bar, no closing line
            raise
        finally:
            tracker.close()
