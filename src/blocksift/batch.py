"""Many pages in, one result per page out: what ``blocksift predict`` runs.

Inputs are files, directories (every .html, .htm, .html.gz, .htm.gz, .mhtml and .mht below them, in sorted order)
and ``-`` for stdin. Each page is read, extracted and rendered on its own; every input yields exactly one result, its
output or the error that stopped it (a page that cannot be read, is not HTML, takes too long, runs out of memory, or
meets a bug), and the batch goes on.

With ``jobs`` > 1 (or a memory limit) pages run in a pool of worker processes that survives its workers: each worker
works on one page at a time (and is sent its next one meanwhile where that is a file's path or a small page); a worker
that dies (killed, out of memory, a crash in C code) costs only the page it was on, which is retried once in a fresh
worker and reported as an error if it kills that one too (a page sent ahead to it goes to another worker as it is);
a worker stuck on a page past the time limit inside C code (where the alarm cannot interrupt it) is killed and
replaced. Workers are forked from a parent that has loaded and warmed up the model, so starting or replacing one
costs milliseconds and nothing but sources and results crosses process boundaries. Results come back in input order
as they are ready: at most ``WINDOW_PER_JOB`` pages per worker run ahead of the oldest unfinished one, so memory does
not grow with the batch.

WARC files (``.warc``, ``.warc.gz``, and inside directories) stream their HTML records through the same path, one
source per record (``blocksift.warc``): the parent reads a record only when a worker has room for it, so a crawl file of
any size takes the memory of the pages in flight.

``max_memory`` (megabytes) caps how far each worker's address space may grow beyond its size at start (RLIMIT_AS):
a page that needs more gets ``MemoryError``, reported as that page's error, instead of pushing the machine into swap
or the kernel's out-of-memory killer.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from blocksift.charset import misreading, named_codec
from blocksift.datasets import HTML_SUFFIXES, read_html_file
from blocksift.defaults import MAX_PAGE_BYTES, PAGE_TIMEOUT
from blocksift.errors import BlocksiftError, InputError, PageTimeoutError
from blocksift.extraction import Extraction, extract_blocks
from blocksift.heap import collect_less_often
from blocksift.modelfile import default_model, load_model
from blocksift.page import WARC_NOT_A_PAGE, decode_payload, names_a_page
from blocksift.predictor import Predictor, load_compiled
from blocksift.render import block_records, page_record, to_html, to_markdown
from blocksift.warc import PLAIN_MAGIC, WarcPage, WarcStats, is_warc, read_warc, warc_page_record

STDIN = "-"
# A worker still on a page this many seconds after its time limit is stuck in C code: it is killed.
KILL_GRACE = 10.0
# Pages each worker may run ahead of the oldest unfinished page (results wait in input order).
WINDOW_PER_JOB = 8
# A worker is sent its next page while it is still on one, so that it does not wait for the parent between pages
# (0.2-0.5 ms a page on two busy cores: `blocksift predict DIR --jobs 2` over 240 dataset pages, 6% more pages a
# second). Only where that page's message is small: a file's path, or a page of at most this many bytes. The
# message must fit the pipe's buffer (8 kB on macOS), or the parent would wait in ``send`` while the worker,
# unable to send a large result until the parent reads it, waits for the parent: neither would move again.
SEND_AHEAD_BYTES = 4096
OUT_OF_MEMORY = "out of memory while processing the page"
WORKER_DIED = "the worker processing this page died (killed or out of memory)"
WARM_UP_PAGE = (
    b"<html><body><h1>Warm-up</h1><p>A short page that loads the model and its compiled code.</p></body></html>"
)


@dataclass(frozen=True)
class Source:
    """One input: a file path, stdin or a WARC record with its bytes already read (``record``: where the record came
    from), or ``error`` where it could not even be listed or read."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    error: str | None = None
    record: WarcPage | None = None
    folder: str = ""  # where the page sits below the directory it was found in ("": at its top, or named alone)
    url: str = ""  # where the page came from (predict --url), which its relative links resolve against


@dataclass(frozen=True)
class Result:
    """One page's rendered output, or the error that stopped it; ``note``: what a user should know of an output that
    is not an error (a page with no visible text at all)."""

    source: Source
    output: str | dict[str, Any] | list[dict[str, Any]] | None
    error: str | None = None
    note: str | None = None


# A page with no block at all: no text the model could keep or drop (its empty output is not the model's decision).
NO_TEXT = "the page has no visible text (a page that scripts fill in shows none until they run)"


Work = Callable[[Source], Result]


def missing_input(item: str) -> str:
    """The error for an input that names no file or directory (a URL gets a hint: nothing is downloaded)."""
    if names_a_page(item) == "a URL":
        return f"no such file or directory: {item} (blocksift never downloads: `curl -sL URL | blocksift predict -`)"
    return f"no such file or directory: {item}"


def expand(
    inputs: Iterable[str], stdin: Any = None, max_bytes: int = MAX_PAGE_BYTES, warc_stats: WarcStats | None = None
) -> Iterator[Source]:
    """Sources named by ``inputs``, lazily; raises InputError for a path that does not exist.

    A directory yields every page file below it; one that cannot be listed yields a source carrying that error, so
    that no page goes missing silently. Stdin is read up to ``max_bytes + 1`` bytes (more is refused later). A WARC
    file (named or inside a directory) yields its HTML records one by one as they are read; ``warc_stats`` counts the
    records skipped as not pages.
    """
    warcs: set[Path] = set()  # each WARC file read once, however often it is named (a folder and a file in it)
    for item in inputs:
        if item == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(max_bytes + 1)
            if data.lstrip()[: len(PLAIN_MAGIC)] == PLAIN_MAGIC:  # read as one page, its records' headers were text
                yield Source("<stdin>", error=f"the input is {WARC_NOT_A_PAGE}: save it and give its path")
            else:
                yield Source("<stdin>", data=data)
            continue
        path = Path(item)
        if path.is_dir():
            unreadable: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unreadable.append):
                dirs.sort()
                below = Path(os.path.relpath(root, path)).as_posix()
                folder = "" if below == "." else below
                for f in sorted(files):
                    p = Path(root) / f
                    if not (is_warc(f) or f.lower().endswith(HTML_SUFFIXES)) or (kind := _file_kind(p)) == "directory":
                        continue
                    if kind != "file":
                        yield Source(str(p), error=f"not a regular file ({kind}); name it on its own to read it")
                    elif is_warc(f):
                        yield from _warc_once(p, warcs, max_bytes, warc_stats)
                    else:
                        yield Source(str(p), path=p, folder=folder)
                while unreadable:
                    exc = unreadable.pop(0)
                    yield Source(str(exc.filename), error=f"cannot list the directory: {exc.strerror or exc}")
            for exc in unreadable:
                yield Source(str(exc.filename), error=f"cannot list the directory: {exc.strerror or exc}")
        elif path.exists() and is_warc(path):
            yield from _warc_once(path, warcs, max_bytes, warc_stats)
        elif path.exists():
            yield Source(str(path), path=path)
        else:
            raise InputError(missing_input(item))


def _file_kind(path: Path) -> str:
    """What a listed entry is, its links followed: "file", "directory", or the kind of special file it is.

    Not is_file(): a broken link or an unreadable entry named like a page is a "file" here, so that reading it reports
    why. A named pipe met in a directory is not opened: opening it waits for a writer, so the page would only fail at
    its time limit, for a reason the message would not name.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "file"


def _warc_once(path: Path, seen: set[Path], max_bytes: int, stats: WarcStats | None) -> Iterator[Source]:
    key = path.resolve()
    if key not in seen:
        seen.add(key)
        yield from warc_sources(path, max_bytes, stats)


def warc_sources(path: Path, max_bytes: int, stats: WarcStats | None = None) -> Iterator[Source]:
    """One source per HTML record of a WARC file (or per record that could not be read), read as they are needed."""
    for item in read_warc(path, max_bytes, stats):
        yield Source(item.name, data=item.data, error=item.error, record=item.page)


def first_warc(inputs: Iterable[str]) -> Path | None:
    """The first WARC file among ``inputs`` or inside a directory of them (what makes ``predict`` write JSON lines
    and refuse ``--output``), so that a message can name the file that did it: a crawl file left in a folder of
    pages changes the whole run's output."""
    for item in inputs:
        path = Path(item)
        if is_warc(path) and not path.is_dir():
            return path
        if path.is_dir():
            for root, _dirs, files in os.walk(path):
                found = next((f for f in sorted(files) if is_warc(f)), None)
                if found is not None:
                    return Path(root) / found
    return None


@lru_cache(maxsize=4)
def _model(path: str | None) -> Predictor:
    # The shipped model through its own per-process cache, which extract() shares.
    return default_model() if path is None else load_model(path)


def warm_up(model_path: str | None) -> None:
    """Load the model and run it once, so that processes forked afterwards start ready (compiled code included)."""
    with suppress(BlocksiftError):  # a bad model: each page will report it
        extract_blocks(WARM_UP_PAGE, _model(model_path))
    # Loaded here, once, so that every forked worker (and every replacement) starts with them instead of importing
    # numba on its own; and run once, since numba loads a compiled function's code, and what it imports (scipy's
    # linear algebra, which starts OpenBLAS), at its first call. Under --max-memory's limit a worker's first call
    # had OpenBLAS retry a refused allocation for a minute.
    load_compiled()
    with suppress(BlocksiftError):
        extract_blocks(WARM_UP_PAGE, _model(model_path))


def render(
    source: Source, html: bytes | str, model: Predictor, fmt: str, threshold: float | None, encoding: str | None = None
) -> Result:
    """Extract one page (its bytes decoded with ``encoding`` where given) and render it in ``fmt``."""
    extraction = extract_blocks(html, model, threshold, encoding)
    output: str | dict[str, Any] | list[dict[str, Any]]
    if fmt == "text":
        output = extraction.text + "\n" if extraction.text else ""
    elif fmt == "markdown":
        output = to_markdown(extraction, source.url or None)
    elif fmt == "html":
        output = to_html(extraction, source.url or None)
    elif fmt == "blocks":
        output = block_records(source.name, extraction)
    elif source.record is not None:
        output = warc_page_record(source.name, source.record, extraction)
    else:
        output = page_record(source.name, extraction)
    return Result(source, output, note=output_note(extraction, encoding))


def output_note(extraction: Extraction, encoding: str | None) -> str | None:
    """What a user should hear of an output that is not an error: a page decoded with an ``--encoding`` it cannot be
    in (its output is empty or garbled through no choice of the model's), or a page with no block at all."""
    if encoding is not None and isinstance(extraction.source, bytes) and extraction.encoding == named_codec(encoding):
        wrong = misreading(extraction.source, extraction.encoding)  # (a byte-order mark may have overridden it)
        if wrong is not None:
            return f"{wrong} (--encoding {encoding})" + ("" if extraction.text else "; its output is empty")
    return None if extraction.blocks else NO_TEXT


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise PageTimeoutError in the block after ``seconds`` (a no-op off the main thread or without SIGALRM)."""
    usable = seconds and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise PageTimeoutError(f"the page took longer than the {seconds:g}-second limit (--timeout raises it)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_one(
    source: Source,
    model_path: str | None,
    fmt: str,
    threshold: float | None,
    max_bytes: int,
    timeout: float | None = PAGE_TIMEOUT,
    encoding: str | None = None,
) -> Result:
    """Read, extract and render one source within ``timeout`` seconds; every failure becomes an error result.
    ``encoding`` decodes every page's bytes (a WARC record's HTTP charset included) instead of detecting how."""
    if source.error is not None:
        return Result(source, None, source.error)
    try:
        with time_limit(timeout):
            return _run_one(source, model_path, fmt, threshold, max_bytes, encoding)
    except BlocksiftError as exc:
        return Result(source, None, str(exc))
    except MemoryError:
        return Result(source, None, OUT_OF_MEMORY)
    except Exception as exc:  # a bug must cost this page only; the message says where to look
        return Result(source, None, f"internal error ({type(exc).__name__}: {exc}); please report it with the page")


def _run_one(
    source: Source, model_path: str | None, fmt: str, threshold: float | None, max_bytes: int, encoding: str | None
) -> Result:
    try:
        if source.data is not None:
            if len(source.data) > max_bytes:
                raise InputError(f"the input is larger than the {max_bytes:,}-byte limit")
            html = source.data
            if source.record is not None and encoding is None:  # a WARC record: its HTTP header's charset applies
                return render(source, decode_payload(html, source.record.charset), _model(model_path), fmt, threshold)
        else:
            assert source.path is not None
            html = read_html_file(source.path, max_bytes)
        return render(source, html, _model(model_path), fmt, threshold, encoding)
    except (OSError, EOFError, zlib.error) as exc:
        return Result(source, None, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    except RecursionError:
        return Result(source, None, "the page is nested too deeply to process")


def resolve_jobs(jobs: int) -> int:
    """Worker processes for ``jobs``: n > 0 as given, -1 one per core, -2 all cores but one, and so on."""
    if jobs == 0:
        raise ValueError("jobs must not be 0")
    return jobs if jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + jobs)


def run(
    sources: Iterable[Source],
    *,
    model_path: str | None,
    fmt: str,
    threshold: float | None = None,
    jobs: int = 1,
    max_bytes: int = MAX_PAGE_BYTES,
    timeout: float | None = PAGE_TIMEOUT,
    max_memory: int | None = None,
    work: Work | None = None,
    encoding: str | None = None,
) -> Generator[Result, None, None]:
    """One result per source, in input order, computed by ``jobs`` processes.

    ``jobs`` = 1 without ``max_memory`` runs in this process; otherwise in a pool of worker processes that outlives
    its workers (see the module docstring). ``max_memory``: megabytes each worker may grow by. ``encoding``: how to
    decode every page's bytes instead of detecting it. ``work`` replaces the page function (tests use it to make
    workers die).
    """
    if work is None:
        work = partial(
            run_one,
            model_path=model_path,
            fmt=fmt,
            threshold=threshold,
            max_bytes=max_bytes,
            timeout=timeout,
            encoding=encoding,
        )
        warm = True
    else:
        warm = False
    jobs = resolve_jobs(jobs)
    if jobs == 1 and not max_memory:
        for source in sources:
            yield work(source)
        return
    if warm:
        warm_up(model_path)
    yield from Pool(work, jobs, max_memory=max_memory, timeout=timeout).map(sources)


@dataclass(frozen=True)
class _Task:
    index: int
    source: Source
    attempt: int = 1


def _context() -> Any:
    # Fork: workers start with the parent's warmed-up model. Where there is no fork, spawn (each loads the model).
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _flush_std_streams() -> None:
    # A forked child would flush the parent's pending output a second time.
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError, AttributeError):
            stream.flush()


def limit_memory(megabytes: int) -> None:
    """Let this process's address space grow by at most ``megabytes`` MB beyond its present size (RLIMIT_AS)."""
    import resource

    limit = _address_space() + megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def memory_limit_supported() -> bool:
    """True where ``limit_memory`` works (POSIX systems with RLIMIT_AS)."""
    try:
        import resource
    except ImportError:
        return False
    return hasattr(resource, "RLIMIT_AS") and sys.platform != "darwin"  # macOS ignores RLIMIT_AS


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


ORPHAN_CHECK_S = 1.0


def _worker_main(conn: Connection, work: Work, max_memory: int | None) -> None:
    """A worker: answer (index, source) messages with (index, output, error, note) until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's stop ends a worker at once, in C code too
    collect_less_often()  # the worker is ours, whoever called run() (heap.py)
    if max_memory:
        limit_memory(max_memory)
    parent = os.getppid()
    while True:
        try:
            # A forked worker holds the parent's end of its pipe too, so a parent killed with SIGKILL (the kernel's
            # out-of-memory killer, a scheduler) never closes it: the worker looks for its parent every second.
            while not conn.poll(ORPHAN_CHECK_S):
                if os.getppid() != parent:
                    return
            message = conn.recv()
        except (EOFError, OSError):
            break  # the parent is gone
        if message is None:
            break
        index, source = message
        try:
            result = work(source)
        except MemoryError:
            result = Result(source, None, OUT_OF_MEMORY)
        except Exception as exc:
            result = Result(source, None, f"internal error ({type(exc).__name__}: {exc}); please report it")
        try:
            conn.send((index, result.output, result.error, result.note))
        except MemoryError:
            conn.send((index, None, OUT_OF_MEMORY, None))
        except (EOFError, OSError):
            break
        except Exception as exc:  # an output that cannot be pickled
            conn.send((index, None, f"internal error: the result could not be sent back ({exc})", None))
        if result.error == OUT_OF_MEMORY:
            break  # a process that ran out of memory may be left damaged: the pool starts a fresh one
    conn.close()


class _Worker:
    """One worker process, its end of the pipe, the task it is on and the one sent ahead of it (if any)."""

    def __init__(self, ctx: Any, work: Work, max_memory: int | None) -> None:
        parent_end, child_end = ctx.Pipe()
        _flush_std_streams()
        self.process = ctx.Process(target=_worker_main, args=(child_end, work, max_memory), daemon=True)
        self.process.start()
        child_end.close()
        self.conn: Connection = parent_end
        self.tasks: deque[_Task] = deque()  # the first is the page it is on
        self.since = 0.0  # when it started on that page

    @property
    def task(self) -> _Task | None:
        """The task the worker is on, or None when it is idle."""
        return self.tasks[0] if self.tasks else None

    def give(self, task: _Task) -> bool:
        """Send ``task`` to the worker; False where it is gone."""
        try:
            self.conn.send((task.index, task.source))
        except (OSError, ValueError):
            return False
        self.tasks.append(task)
        if len(self.tasks) == 1:
            self.since = time.monotonic()
        return True

    def finish(self) -> None:
        """Drop the task whose result just came back (or that is given up): the worker is now on the next one, if it
        has one."""
        self.tasks.popleft()
        self.since = time.monotonic()

    def death(self) -> str:
        """How the process ended, for the error message."""
        self.process.join(1.0)
        code = self.process.exitcode
        if code is None:
            return "it stopped answering"
        if code < 0:
            try:
                return f"it got {signal.Signals(-code).name}"
            except ValueError:
                return f"it got signal {-code}"
        return f"it exited with status {code}"

    def stop(self, force: bool) -> None:
        if not force:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                force = True
        if not force:
            self.process.join(2.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2.0)
        self.conn.close()


class Pool:
    """Worker processes that run ``work`` on sources and survive their workers' deaths (see the module docstring)."""

    def __init__(
        self,
        work: Work,
        jobs: int,
        *,
        max_memory: int | None = None,
        timeout: float | None = None,
        grace: float = KILL_GRACE,
    ) -> None:
        self.work = work
        self.jobs = jobs
        self.max_memory = max_memory
        self.timeout = timeout
        self.kill_after = timeout + grace if timeout else None
        self.ctx = _context()
        self.deaths_while_idle = 0

    def _start(self) -> _Worker:
        return _Worker(self.ctx, self.work, self.max_memory)

    def _count_idle_death(self) -> None:
        self.deaths_while_idle += 1
        if self.deaths_while_idle > 10 * self.jobs:
            raise BlocksiftError(
                "worker processes keep dying before they get a page; giving up (is the machine out of memory? "
                "try fewer --jobs, or --jobs 1)"
            )

    def _replace_idle(self, worker: _Worker) -> _Worker:
        self._count_idle_death()
        worker.stop(force=True)
        return self._start()

    def map(self, sources: Iterable[Source]) -> Iterator[Result]:
        """One result per source, in input order, yielded as soon as it and all before it are done."""
        todo = enumerate(sources)
        exhausted = False
        ready: deque[_Task] = deque()  # tasks to give out: retried ones first, then the sources in order
        done: dict[int, Result] = {}
        taken = next_out = 0
        window = self.jobs * WINDOW_PER_JOB
        workers = [self._start() for _ in range(self.jobs)]
        clean = False
        try:
            while True:
                for i in range(len(workers)):
                    while len(workers[i].tasks) < 2:
                        if not ready and not exhausted and taken < next_out + window:
                            item = next(todo, None)
                            if item is None:
                                exhausted = True
                            else:
                                ready.append(_Task(*item))
                                taken += 1
                        if not ready or (workers[i].tasks and not _sendable_ahead(ready[0].source)):
                            break
                        task = ready.popleft()
                        if workers[i].give(task):
                            continue
                        ready.appendleft(task)  # not sent: the page goes to the next worker, unharmed
                        if workers[i].tasks:
                            break  # it died on its page: _collect sees to it
                        workers[i] = self._replace_idle(workers[i])  # it died while idle
                if not any(w.task is not None for w in workers):
                    if exhausted and not ready:
                        break
                    continue
                signalled = self._wait(workers)
                for i, worker in enumerate(workers):
                    if not self._collect(worker, signalled, done, ready):
                        ready.extendleft(reversed(worker.tasks))  # sent ahead, never started: unharmed
                        worker.stop(force=True)
                        workers[i] = self._start()
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
            clean = True
        finally:
            for worker in workers:
                worker.stop(force=not clean)

    def _wait(self, workers: list[_Worker]) -> set[Any]:
        busy = [w for w in workers if w.task is not None]
        timeout = None
        if self.kill_after is not None and busy:
            timeout = max(0.0, min(w.since for w in busy) + self.kill_after - time.monotonic())
        handles: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in workers]
        return set(wait(handles, timeout))

    def _collect(self, worker: _Worker, signalled: set[Any], done: dict[int, Result], retry: deque[_Task]) -> bool:
        """Take ``worker``'s result if it has one; False where the worker must be replaced (dead, stuck, spent), with
        the page it was on settled and only the pages sent ahead of it left in ``worker.tasks``."""
        task = worker.task
        if task is None:
            if worker.process.sentinel in signalled:  # died between pages (killed from outside)
                self._count_idle_death()
                return False
            return True
        if worker.conn in signalled or worker.process.sentinel in signalled:
            try:
                index, output, error, note = worker.conn.recv()
            except (EOFError, OSError):
                how = worker.death()
                if task.attempt == 1:
                    retry.append(replace(task, attempt=2))
                else:
                    done[task.index] = Result(task.source, None, f"{WORKER_DIED}: {how}, twice")
                worker.finish()
                return False
            worker.finish()
            done[index] = Result(task.source, output, error, note)
            return error != OUT_OF_MEMORY  # a worker that ran out of memory quits; start another
        if self.kill_after is not None and time.monotonic() - worker.since > self.kill_after:
            done[task.index] = Result(
                task.source,
                None,
                f"the page took longer than the {self.timeout:g}-second limit (its worker was stopped)",
            )
            worker.finish()
            return False
        return True


def _sendable_ahead(source: Source) -> bool:
    """Whether a page's message is small enough to send to a worker still on another page (``SEND_AHEAD_BYTES``)."""
    return source.data is None or len(source.data) <= SEND_AHEAD_BYTES
