"""A small pool of worker processes that run extraction calls under a hard time limit.

``signal.alarm`` cannot stop a call stuck inside C code (lxml, a regular expression, a C++ parser), so
each call runs in a worker process that the parent kills when the call overruns; the worker is then replaced
and the run goes on. A worker that dies (a segfault, running out of memory) is replaced the same way. Either
way the page counts as an empty extraction with the failure recorded, and the run never stops for it.

Each worker builds every system's runner once and runs it on a small warm-up page before it takes work, so
that imports and lazy set-up are not charged to the first timed page. Only the extraction call is timed.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import peers
from blocksift.datasets import read_html_file

# A worker gets this long to import its systems and run the warm-up page.
READY_TIMEOUT_S = 600.0
ERROR_CHARS = 300


@dataclass(frozen=True)
class Task:
    """One extraction call to make: a system on one page (read by the worker from ``html_path``)."""

    index: int
    system: str
    html_path: str
    url: str | None


@dataclass(frozen=True)
class Outcome:
    """What one call gave: the text ('' on failure), the seconds the call took, the failure if any
    (``timeout``, ``crash ...`` or ``ExceptionName: message``), and whether it came from the cache."""

    text: str
    seconds: float
    error: str | None = None
    cached: bool = False

    @property
    def timed_out(self) -> bool:
        """True where the call ran out of time."""
        return self.error == "timeout"


class SetupError(RuntimeError):
    """A worker could not build a system's runner (an import or model-loading error)."""


def _silence() -> None:
    """Send this process's stdout and stderr (C level included) to /dev/null and mute warnings and logging:
    peers print parser warnings and log lines that would bury the report."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)


def _worker_main(conn: Connection, systems: Sequence[str], model_path: str | None, quiet: bool) -> None:
    """Worker process: build and warm up the runners, then answer tasks until told to stop (``None``)."""
    if quiet:
        _silence()
    runners: dict[str, Callable[[bytes, str | None], str]] = {}
    for name in systems:
        try:
            runners[name] = peers.runner(name, model_path)
        except Exception as exc:
            conn.send(("setup-error", f"{name}: {type(exc).__name__}: {exc}"))
            return
        # The warm-up only loads things; a failure here would show again on real pages.
        with contextlib.suppress(Exception):
            runners[name](peers.WARM_UP_HTML, peers.PLACEHOLDER_URL)
    conn.send(("ready", ""))
    while (task := conn.recv()) is not None:
        data = read_html_file(Path(task.html_path))
        start = time.perf_counter()
        try:
            text, error = runners[task.system](data, task.url), None
        except Exception as exc:
            text, error = "", f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        seconds = time.perf_counter() - start
        conn.send((task.index, text if isinstance(text, str) else "", seconds, error))


class _Worker:
    """One worker process, its pipe end, and the task it is busy with."""

    def __init__(self, systems: Sequence[str], model_path: str | None, quiet: bool) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        args = (child, list(systems), model_path, quiet)
        self.process = ctx.Process(target=_worker_main, args=args, daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.deadline = 0.0

    def wait_ready(self) -> None:
        """Block until the worker has warmed up; raise ``SetupError`` if it could not."""
        if not self.conn.poll(READY_TIMEOUT_S):
            self.kill()
            raise SetupError(f"a worker did not start within {READY_TIMEOUT_S:.0f} s")
        try:
            kind, message = self.conn.recv()
        except EOFError as exc:
            raise SetupError(f"a worker died while starting (exit code {self.process.exitcode})") from exc
        if kind != "ready":
            raise SetupError(message)

    def send(self, task: Task, timeout: float) -> None:
        """Hand the worker a task, due ``timeout`` seconds from now."""
        self.task = task
        self.deadline = time.monotonic() + timeout
        self.conn.send(task)

    def kill(self) -> None:
        """End the worker process at once."""
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        """Ask the worker to finish, then make sure it has."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """``size`` workers that each can run every system in ``systems``; use as a context manager. With
    ``quiet``, whatever the systems print or log is dropped."""

    def __init__(
        self, size: int, systems: Sequence[str], model_path: str | None, timeout: float, quiet: bool = True
    ) -> None:
        self.systems = list(systems)
        self.model_path = model_path
        self.timeout = timeout
        self.quiet = quiet
        self.workers = [self._start() for _ in range(max(1, size))]
        for worker in self.workers:
            worker.wait_ready()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        for worker in self.workers:
            worker.stop()

    def _start(self) -> _Worker:
        return _Worker(self.systems, self.model_path, self.quiet)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        fresh = self._start()
        fresh.wait_ready()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def run(self, tasks: Iterable[Task], on_result: Callable[[Task, Outcome], None]) -> None:
        """Run every task, calling ``on_result`` (in this process) as each finishes, fails or times out."""
        pending = deque(tasks)
        while pending or any(w.task is not None for w in self.workers):
            for worker in self.workers:
                if worker.task is None and pending:
                    worker.send(pending.popleft(), self.timeout)
            busy = [w for w in self.workers if w.task is not None]
            next_deadline = min(w.deadline for w in busy)
            ready = wait([w.conn for w in busy], timeout=max(0.0, next_deadline - time.monotonic()))
            for worker in busy:
                if worker.conn in ready:
                    self._collect(worker, on_result)
                elif time.monotonic() > worker.deadline:
                    self._fail(worker, Outcome("", self.timeout, "timeout"), on_result)

    def _collect(self, worker: _Worker, on_result: Callable[[Task, Outcome], None]) -> None:
        task = worker.task
        assert task is not None
        try:
            index, text, seconds, error = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            outcome = Outcome("", 0.0, f"crash (worker exit code {worker.process.exitcode})")
            self._fail(worker, outcome, on_result)
            return
        if index != task.index:  # cannot happen with one task in flight per worker; refuse to mislabel
            raise RuntimeError(f"worker answered task {index} while running task {task.index}")
        worker.task = None
        on_result(task, Outcome(text, seconds, error))

    def _fail(self, worker: _Worker, outcome: Outcome, on_result: Callable[[Task, Outcome], None]) -> None:
        task = worker.task
        assert task is not None
        worker.task = None
        self._replace(worker)
        on_result(task, outcome)
